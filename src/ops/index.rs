//! Indexing: index_select, gather, scatter, advanced indexing, index_put_, masked_select/scatter, nonzero, take, sort, topk, unique.

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_index {
    () => {};
}
pub(crate) use atg_index;
