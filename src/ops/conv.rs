//! Convolutions, pooling and upsampling: conv1d/2d/3d and transposed forms, max/avg/adaptive
//! pooling, interpolation — with their backward rules.

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_conv {
    () => {};
}
pub(crate) use atg_conv;
