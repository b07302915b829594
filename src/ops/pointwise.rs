//! Binary and ternary pointwise ops beyond add/sub/mul/div: pow, remainder, comparisons, logical and bitwise ops, clamp, where, masked_fill, lerp, addcmul/addcdiv.

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_pointwise {
    () => {};
}
pub(crate) use atg_pointwise;
