//! Unary math and activations (exp, log, trig, tanh, sigmoid, relu, gelu, silu...) with their backward rules.

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_unary {
    () => {};
}
pub(crate) use atg_unary;
