//! Joining and splitting: cat, stack, split, chunk, unbind, repeat, flip, roll, pad, tril/triu, diag.

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_join {
    () => {};
}
pub(crate) use atg_join;
