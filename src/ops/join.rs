//! Joining and splitting: cat, stack, split, chunk, unbind, repeat, flip, roll, tril/triu, diag.

pub mod cat;
pub mod split;
pub mod repeat;
pub mod diag;
pub mod misc;

use crate::error::Result;
use crate::tensor::Tensor;

/// Contiguous copies of views (the `*_copy` ops).
pub fn copies(v: Result<Vec<Tensor>>) -> Result<Vec<Tensor>> {
    v?.iter().map(misc::copy_of).collect()
}

/// Writes results into caller-provided `out=` tensors (the list variants).
pub fn assign_all(outs: &[Tensor], v: Result<Vec<Tensor>>) -> Result<()> {
    let v = v?;
    crate::ensure!(outs.len() == v.len(), "expected {} output tensors, got {}", v.len(), outs.len());
    for (o, r) in outs.iter().zip(&v) {
        crate::ops::arith::assign_out(o, r)?;
    }
    Ok(())
}


/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_join {
    () => {
        fn cat(ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::join::cat::cat(ts, dim) }
        fn cat_out(out: &Tensor, ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::cat(ts, dim)?) }
        fn concat(ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::join::cat::cat(ts, dim) }
        fn concat_out(out: &Tensor, ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::cat(ts, dim)?) }
        fn concatenate(ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::join::cat::cat(ts, dim) }
        fn concatenate_out(out: &Tensor, ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::cat(ts, dim)?) }
        fn stack(ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::join::cat::stack(ts, dim) }
        fn stack_out(out: &Tensor, ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::stack(ts, dim)?) }
        fn _stack(ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::join::cat::stack(ts, dim) }
        fn _stack_out(out: &Tensor, ts: &[Tensor], dim: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::stack(ts, dim)?) }
        fn hstack(ts: &[Tensor]) -> Result<Tensor> { $crate::ops::join::cat::hstack(ts) }
        fn hstack_out(out: &Tensor, ts: &[Tensor]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::hstack(ts)?) }
        fn vstack(ts: &[Tensor]) -> Result<Tensor> { $crate::ops::join::cat::vstack(ts) }
        fn vstack_out(out: &Tensor, ts: &[Tensor]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::vstack(ts)?) }
        fn row_stack(ts: &[Tensor]) -> Result<Tensor> { $crate::ops::join::cat::vstack(ts) }
        fn row_stack_out(out: &Tensor, ts: &[Tensor]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::vstack(ts)?) }
        fn dstack(ts: &[Tensor]) -> Result<Tensor> { $crate::ops::join::cat::dstack(ts) }
        fn dstack_out(out: &Tensor, ts: &[Tensor]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::dstack(ts)?) }
        fn column_stack(ts: &[Tensor]) -> Result<Tensor> { $crate::ops::join::cat::column_stack(ts) }
        fn column_stack_out(out: &Tensor, ts: &[Tensor]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::cat::column_stack(ts)?) }
        fn atleast_1d(a: &Tensor) -> Result<Tensor> { $crate::ops::join::cat::atleast(a, 1) }
        fn atleast_2d(a: &Tensor) -> Result<Tensor> { $crate::ops::join::cat::atleast(a, 2) }
        fn atleast_3d(a: &Tensor) -> Result<Tensor> { $crate::ops::join::cat::atleast(a, 3) }
        fn atleast_1d_sequence(ts: &[Tensor]) -> Result<Vec<Tensor>> { $crate::ops::join::cat::atleast_all(ts, 1) }
        fn atleast_2d_sequence(ts: &[Tensor]) -> Result<Vec<Tensor>> { $crate::ops::join::cat::atleast_all(ts, 2) }
        fn atleast_3d_sequence(ts: &[Tensor]) -> Result<Vec<Tensor>> { $crate::ops::join::cat::atleast_all(ts, 3) }

        fn split(a: &Tensor, size: i64, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::split(a, size, dim) }
        fn unsafe_split(a: &Tensor, size: i64, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::split(a, size, dim) }
        fn split_copy(a: &Tensor, size: i64, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::copies($crate::ops::join::split::split(a, size, dim)) }
        fn split_copy_tensor_out(out: &[Tensor], a: &Tensor, size: i64, dim: i64) -> Result<()> { $crate::ops::join::assign_all(out, $crate::ops::join::split::split(a, size, dim)) }
        fn unsafe_split_tensor_out(out: &[Tensor], a: &Tensor, size: i64, dim: i64) -> Result<()> { $crate::ops::join::assign_all(out, $crate::ops::join::split::split(a, size, dim)) }
        fn split_sizes(a: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::split_with_sizes(a, sizes, dim) }
        fn split_with_sizes(a: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::split_with_sizes(a, sizes, dim) }
        fn unsafe_split_with_sizes(a: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::split_with_sizes(a, sizes, dim) }
        fn split_with_sizes_copy(a: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::copies($crate::ops::join::split::split_with_sizes(a, sizes, dim)) }
        fn split_with_sizes_copy_out(out: &[Tensor], a: &Tensor, sizes: &[i64], dim: i64) -> Result<()> { $crate::ops::join::assign_all(out, $crate::ops::join::split::split_with_sizes(a, sizes, dim)) }
        fn unsafe_split_with_sizes_out(out: &[Tensor], a: &Tensor, sizes: &[i64], dim: i64) -> Result<()> { $crate::ops::join::assign_all(out, $crate::ops::join::split::split_with_sizes(a, sizes, dim)) }
        fn chunk(a: &Tensor, chunks: i64, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::chunk(a, chunks, dim) }
        fn unsafe_chunk(a: &Tensor, chunks: i64, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::chunk(a, chunks, dim) }
        fn tensor_split(a: &Tensor, sections: i64, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::tensor_split_sections(a, sections, dim) }
        fn tensor_split_indices(a: &Tensor, idx: &[i64], dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::tensor_split_indices(a, idx, dim) }
        fn tensor_split_tensor_indices_or_sections(a: &Tensor, t: &Tensor, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::tensor_split_tensor(a, t, dim) }
        fn unbind(a: &Tensor, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::unbind(a, dim) }
        fn unbind_copy(a: &Tensor, dim: i64) -> Result<Vec<Tensor>> { $crate::ops::join::copies($crate::ops::join::split::unbind(a, dim)) }
        fn unbind_copy_int_out(out: &[Tensor], a: &Tensor, dim: i64) -> Result<()> { $crate::ops::join::assign_all(out, $crate::ops::join::split::unbind(a, dim)) }
        fn hsplit(a: &Tensor, n: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::xsplit_sections("hsplit", a, n) }
        fn vsplit(a: &Tensor, n: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::xsplit_sections("vsplit", a, n) }
        fn dsplit(a: &Tensor, n: i64) -> Result<Vec<Tensor>> { $crate::ops::join::split::xsplit_sections("dsplit", a, n) }
        fn hsplit_array(a: &Tensor, idx: &[i64]) -> Result<Vec<Tensor>> { $crate::ops::join::split::xsplit_indices("hsplit", a, idx) }
        fn vsplit_array(a: &Tensor, idx: &[i64]) -> Result<Vec<Tensor>> { $crate::ops::join::split::xsplit_indices("vsplit", a, idx) }
        fn dsplit_array(a: &Tensor, idx: &[i64]) -> Result<Vec<Tensor>> { $crate::ops::join::split::xsplit_indices("dsplit", a, idx) }

        fn repeat(a: &Tensor, r: &[i64]) -> Result<Tensor> { $crate::ops::join::repeat::repeat(a, r) }
        fn repeat_out(out: &Tensor, a: &Tensor, r: &[i64]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::repeat::repeat(a, r)?) }
        fn tile(a: &Tensor, r: &[i64]) -> Result<Tensor> { $crate::ops::join::repeat::tile(a, r) }
        fn repeat_interleave(r: &Tensor, n: Option<i64>) -> Result<Tensor> { $crate::ops::join::repeat::repeat_interleave_index(r, n) }
        fn repeat_interleave_tensor_out(out: &Tensor, r: &Tensor, n: Option<i64>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::repeat::repeat_interleave_index(r, n)?) }
        fn repeat_interleave_self_int(a: &Tensor, r: i64, dim: Option<i64>, _n: Option<i64>) -> Result<Tensor> {
            $crate::ensure!(r >= 0, "Repeats must be non-negative");
            $crate::ops::join::repeat::repeat_interleave(a, &[r], dim)
        }
        fn repeat_interleave_self_tensor(a: &Tensor, r: &Tensor, dim: Option<i64>, _n: Option<i64>) -> Result<Tensor> {
            $crate::ensure!(r.dim() <= 1, "repeats must be 0-dim or 1-dim tensor");
            $crate::ops::join::repeat::repeat_interleave(a, &r.to_vec::<i64>()?, dim)
        }
        fn flip(a: &Tensor, dims: &[i64]) -> Result<Tensor> { $crate::ops::join::repeat::flip(a, dims) }
        fn flip_out(out: &Tensor, a: &Tensor, dims: &[i64]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::repeat::flip(a, dims)?) }
        fn fliplr(a: &Tensor) -> Result<Tensor> { $crate::ops::join::repeat::fliplr(a) }
        fn flipud(a: &Tensor) -> Result<Tensor> { $crate::ops::join::repeat::flipud(a) }
        fn roll(a: &Tensor, shifts: &[i64], dims: &[i64]) -> Result<Tensor> { $crate::ops::join::repeat::roll(a, shifts, dims) }
        fn roll_out(out: &Tensor, a: &Tensor, shifts: &[i64], dims: &[i64]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::repeat::roll(a, shifts, dims)?) }
        fn rot90(a: &Tensor, k: i64, dims: &[i64]) -> Result<Tensor> { $crate::ops::join::repeat::rot90(a, k, dims) }
        fn rot90_out(out: &Tensor, a: &Tensor, k: i64, dims: &[i64]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::repeat::rot90(a, k, dims)?) }


        fn tril(a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::join::diag::tri(a, k, true) }
        fn tril_(a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::arith::inplace("tril_", a, &[], |x| $crate::ops::join::diag::tri(x, k, true)) }
        fn tril_out(out: &Tensor, a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::tri(a, k, true)?) }
        fn triu(a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::join::diag::tri(a, k, false) }
        fn triu_(a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::arith::inplace("triu_", a, &[], |x| $crate::ops::join::diag::tri(x, k, false)) }
        fn triu_out(out: &Tensor, a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::tri(a, k, false)?) }
        fn tril_indices(r: i64, c: i64, off: i64, kind: DType, device: Device) -> Result<Tensor> { $crate::ops::join::diag::tri_indices(r, c, off, true, kind, device) }
        fn triu_indices(r: i64, c: i64, off: i64, kind: DType, device: Device) -> Result<Tensor> { $crate::ops::join::diag::tri_indices(r, c, off, false, kind, device) }
        fn tril_indices_out(out: &Tensor, r: i64, c: i64, off: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::tri_indices(r, c, off, true, out.dtype(), out.device())?) }
        fn triu_indices_out(out: &Tensor, r: i64, c: i64, off: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::tri_indices(r, c, off, false, out.dtype(), out.device())?) }
        fn diag(a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::join::diag::diag(a, k) }
        fn diag_out(out: &Tensor, a: &Tensor, k: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::diag(a, k)?) }
        fn diag_embed(a: &Tensor, off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::join::diag::diag_embed(a, off, d1, d2) }
        fn diag_embed_out(out: &Tensor, a: &Tensor, off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::diag_embed(a, off, d1, d2)?) }
        fn diagflat(a: &Tensor, off: i64) -> Result<Tensor> { $crate::ops::join::diag::diagflat(a, off) }
        fn diagonal(a: &Tensor, off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::join::diag::diagonal(a, off, d1, d2) }
        fn diagonal_copy(a: &Tensor, off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::join::misc::copy_of(&$crate::ops::join::diag::diagonal(a, off, d1, d2)?) }
        fn diagonal_copy_out(out: &Tensor, a: &Tensor, off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::diagonal(a, off, d1, d2)?) }
        fn diagonal_backward(g: &Tensor, sizes: &[i64], off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::join::diag::diagonal_backward(g, sizes, off, d1, d2) }
        fn diagonal_backward_out(out: &Tensor, g: &Tensor, sizes: &[i64], off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::diagonal_backward(g, sizes, off, d1, d2)?) }
        fn diagonal_scatter(a: &Tensor, s: &Tensor, off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::join::diag::diagonal_scatter(a, s, off, d1, d2) }
        fn diagonal_scatter_out(out: &Tensor, a: &Tensor, s: &Tensor, off: i64, d1: i64, d2: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::diagonal_scatter(a, s, off, d1, d2)?) }
        fn select_scatter(a: &Tensor, s: &Tensor, dim: i64, index: i64) -> Result<Tensor> { $crate::ops::join::diag::select_scatter(a, s, dim, index) }
        fn select_scatter_out(out: &Tensor, a: &Tensor, s: &Tensor, dim: i64, index: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::select_scatter(a, s, dim, index)?) }
        fn slice_scatter(a: &Tensor, s: &Tensor, dim: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Result<Tensor> { $crate::ops::join::diag::slice_scatter(a, s, dim, start, end, step) }
        fn slice_scatter_out(out: &Tensor, a: &Tensor, s: &Tensor, dim: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::slice_scatter(a, s, dim, start, end, step)?) }
        fn trace(a: &Tensor) -> Result<Tensor> { $crate::ops::join::diag::trace(a) }
        fn trace_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::diag::trace(a)?) }
        fn trace_backward(g: &Tensor, sizes: &[i64]) -> Result<Tensor> { $crate::ops::join::diag::trace_backward(g, sizes) }

        fn broadcast_tensors(ts: &[Tensor]) -> Result<Vec<Tensor>> { $crate::ops::join::misc::broadcast_tensors(ts) }
        fn broadcast_to(a: &Tensor, size: &[i64]) -> Result<Tensor> { $crate::ops::shape::expand(a, size) }
        fn meshgrid(ts: &[Tensor]) -> Result<Vec<Tensor>> { $crate::ops::join::misc::meshgrid(ts, "ij") }
        fn meshgrid_indexing(ts: &[Tensor], indexing: &str) -> Result<Vec<Tensor>> { $crate::ops::join::misc::meshgrid(ts, indexing) }
        fn movedim(a: &Tensor, s: &[i64], d: &[i64]) -> Result<Tensor> { $crate::ops::join::misc::movedim(a, s, d) }
        fn movedim_int(a: &Tensor, s: i64, d: i64) -> Result<Tensor> { $crate::ops::join::misc::movedim(a, &[s], &[d]) }
        fn moveaxis(a: &Tensor, s: &[i64], d: &[i64]) -> Result<Tensor> { $crate::ops::join::misc::movedim(a, s, d) }
        fn moveaxis_int(a: &Tensor, s: i64, d: i64) -> Result<Tensor> { $crate::ops::join::misc::movedim(a, &[s], &[d]) }
        fn swapaxes(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> { $crate::ops::shape::transpose(a, d0, d1) }
        fn swapdims(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> { $crate::ops::shape::transpose(a, d0, d1) }
        fn swapaxes_(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> { $crate::ops::join::misc::inplace_view(a, $crate::ops::shape::transpose(a, d0, d1)) }
        fn swapdims_(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> { $crate::ops::join::misc::inplace_view(a, $crate::ops::shape::transpose(a, d0, d1)) }
        fn squeeze_dims_(a: &Tensor, dims: &[i64]) -> Result<Tensor> { $crate::ops::join::misc::inplace_view(a, $crate::ops::shape::squeeze(a, Some(dims))) }
        fn squeeze_copy(a: &Tensor) -> Result<Tensor> { $crate::ops::join::misc::copy_of(&$crate::ops::shape::squeeze(a, None)?) }
        fn squeeze_copy_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::shape::squeeze(a, None)?) }
        fn squeeze_copy_dim(a: &Tensor, d: i64) -> Result<Tensor> { $crate::ops::join::misc::copy_of(&$crate::ops::shape::squeeze(a, Some(&[d]))?) }
        fn squeeze_copy_dim_out(out: &Tensor, a: &Tensor, d: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::shape::squeeze(a, Some(&[d]))?) }
        fn squeeze_copy_dims(a: &Tensor, d: &[i64]) -> Result<Tensor> { $crate::ops::join::misc::copy_of(&$crate::ops::shape::squeeze(a, Some(d))?) }
        fn squeeze_copy_dims_out(out: &Tensor, a: &Tensor, d: &[i64]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::shape::squeeze(a, Some(d))?) }
        fn unsqueeze_copy(a: &Tensor, d: i64) -> Result<Tensor> { $crate::ops::join::misc::copy_of(&$crate::ops::shape::unsqueeze(a, d)?) }
        fn unsqueeze_copy_out(out: &Tensor, a: &Tensor, d: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::shape::unsqueeze(a, d)?) }
        fn narrow_copy(a: &Tensor, dim: i64, start: i64, len: i64) -> Result<Tensor> { $crate::ops::join::misc::narrow_copy(a, dim, start, len) }
        fn narrow_copy_out(out: &Tensor, a: &Tensor, dim: i64, start: i64, len: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::join::misc::narrow_copy(a, dim, start, len)?) }
        fn ravel(a: &Tensor) -> Result<Tensor> { $crate::ops::shape::reshape(a, &[-1]) }
    };
}
pub(crate) use atg_join;
