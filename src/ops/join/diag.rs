//! Triangles and diagonals: tril/triu, diagonal (a view) and its backward, diag, diag_embed,
//! diagflat, trace, tril/triu_indices, and the scatters into views (diagonal, select, slice).

use crate::autograd::{needs_grad, record};
use crate::cpu::copy::copy_into;
use crate::error::Result;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Device, Element, Layout, Tensor};
use crate::with_dtype;

/// Zeroes the elements above (`lower`) or below the `k`-th diagonal of the last two dims.
pub fn tri(t: &Tensor, k: i64, lower: bool) -> Result<Tensor> {
    crate::ensure!(
        t.dim() >= 2,
        "{}: input tensor must have at least 2 dimensions",
        if lower { "tril" } else { "triu" }
    );
    let out = crate::ops::convert::clone(t)?;
    let s = t.shape();
    let (r, c) = (s[s.len() - 2] as i64, s[s.len() - 1] as i64);
    let od = out.data();
    if r * c > 0 {
        with_dtype!(od.dtype, T, {
            // SAFETY: `out` is a fresh contiguous tensor nothing else references yet
            let o = unsafe { od.as_mut_slice::<T>() };
            let rows_per = crate::cpu::threads::rows_per_run(o.len() / c as usize, c as usize);
            crate::cpu::threads::for_chunks_mut(o, rows_per * c as usize, |chunk, part| {
                for (q, row) in part.chunks_mut(c as usize).enumerate() {
                    let i = ((chunk * rows_per + q) as i64) % r;
                    // row i keeps columns j with j - i <= k (lower) or j - i >= k (upper)
                    if lower {
                        row[i.saturating_add(k).saturating_add(1).clamp(0, c) as usize..].fill(T::zero());
                    } else {
                        row[..i.saturating_add(k).clamp(0, c) as usize].fill(T::zero());
                    }
                }
            });
        });
    }
    if needs_grad(&[t]) {
        record(if lower { "TrilBackward0" } else { "TriuBackward0" }, &[t], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| tri(g, k, lower)).transpose()?])
        });
    }
    Ok(out)
}

/// The layout of `diagonal(offset, dim1, dim2)` of `l`.
fn diagonal_layout(l: &Layout, offset: i64, dim1: i64, dim2: i64) -> Result<Layout> {
    let nd = l.ndim();
    let (a, b) = (wrap_dim(dim1, nd)?, wrap_dim(dim2, nd)?);
    crate::ensure!(a != b, "diagonal dimensions cannot be identical {dim1}, {dim2}");
    let (na, nb) = (l.shape[a], l.shape[b]);
    let len = if offset >= 0 { na.min(nb - offset) } else { (na + offset).min(nb) }.max(0);
    let mut off = l.offset as i64;
    if len > 0 {
        off += if offset >= 0 { offset * l.strides[b] } else { -offset * l.strides[a] };
    }
    let keep: Vec<usize> = (0..nd).filter(|&d| d != a && d != b).collect();
    let mut shape: crate::tensor::Dims = keep.iter().map(|&d| l.shape[d]).collect();
    let mut strides: crate::tensor::Dims = keep.iter().map(|&d| l.strides[d]).collect();
    shape.push(len);
    strides.push(l.strides[a] + l.strides[b]);
    Ok(Layout { shape, strides, offset: off as usize })
}

/// `diagonal(offset, dim1, dim2)`: a view; its gradient is written into zeros' diagonal.
pub fn diagonal(t: &Tensor, offset: i64, dim1: i64, dim2: i64) -> Result<Tensor> {
    let out = t.view_as_layout(diagonal_layout(&t.layout(), offset, dim1, dim2)?);
    if needs_grad(&[t]) {
        let shape = t.shape();
        record("DiagonalBackward0", &[t], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| diagonal_backward(g, &shape, offset, dim1, dim2)).transpose()?])
        });
    }
    Ok(out)
}

/// Zeros of `sizes` with `g` on their diagonal.
pub fn diagonal_backward(g: &Tensor, sizes: &[i64], offset: i64, dim1: i64, dim2: i64) -> Result<Tensor> {
    let z = Tensor::zeros(sizes, g.dtype(), g.device())?;
    diagonal_scatter(&z, g, offset, dim1, dim2)
}

/// Copies `src` into the view `view(out)` of a clone of `t`, with gradients for both
/// (`t`: zero on the view; `src`: the view of the gradient).
fn scatter_view(
    name: &'static str,
    t: &Tensor,
    src: &Tensor,
    view: std::sync::Arc<dyn Fn(&Tensor) -> Result<Tensor> + Send + Sync>,
) -> Result<Tensor> {
    let out = crate::ops::convert::clone(t)?;
    let v = view(&out)?;
    crate::ensure!(
        v.shape() == src.shape(),
        "expected src to have a size equal to the slice of self. src size = {:?}, slice size = {:?}",
        &src.shape()[..],
        &v.shape()[..]
    );
    copy_into(&v.data(), &src.data())?;
    if needs_grad(&[t, src]) {
        record(name, &[t, src], &[&out], move |_, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            let gv = crate::ops::autograd_ops::detach(&view(g)?);
            let zeros = Tensor::zeros(&gv.shape(), g.dtype(), g.device())?;
            let gt = scatter_view(name, g, &zeros, view.clone())?;
            let gs = view(g)?;
            Ok(vec![Some(gt), Some(crate::ops::join::misc::copy_of(&gs)?)])
        });
    }
    Ok(out)
}

pub fn diagonal_scatter(t: &Tensor, src: &Tensor, offset: i64, dim1: i64, dim2: i64) -> Result<Tensor> {
    scatter_view("DiagonalScatterBackward0", t, src, std::sync::Arc::new(move |x: &Tensor| diagonal(x, offset, dim1, dim2)))
}

pub fn select_scatter(t: &Tensor, src: &Tensor, dim: i64, index: i64) -> Result<Tensor> {
    scatter_view("SelectScatterBackward0", t, src, std::sync::Arc::new(move |x: &Tensor| crate::ops::shape::select(x, dim, index)))
}

pub fn slice_scatter(t: &Tensor, src: &Tensor, dim: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Result<Tensor> {
    scatter_view("SliceScatterBackward0", t, src, std::sync::Arc::new(move |x: &Tensor| crate::ops::shape::slice(x, dim, start, end, step)))
}

/// `diag_embed(t, offset, dim1, dim2)`: the last dim of `t` on a diagonal of a new pair of dims.
pub fn diag_embed(t: &Tensor, offset: i64, dim1: i64, dim2: i64) -> Result<Tensor> {
    let nd = t.dim() + 1;
    let (a, b) = (wrap_dim(dim1, nd)?, wrap_dim(dim2, nd)?);
    crate::ensure!(a != b, "diagonal dimensions cannot be identical {dim1}, {dim2}");
    let s = t.shape();
    let n = s.last().copied().unwrap_or(1) + offset.abs();
    let mut rest: Vec<i64> = s[..s.len().saturating_sub(1)].to_vec();
    let (lo, hi) = (a.min(b), a.max(b));
    rest.insert(lo, n);
    rest.insert(hi, n);
    let z = Tensor::zeros(&rest, t.dtype(), t.device())?;
    diagonal_scatter(&z, t, offset, a as i64, b as i64)
}

/// `diag(t, k)`: a vector onto the k-th diagonal of a matrix, or a matrix's k-th diagonal.
pub fn diag(t: &Tensor, k: i64) -> Result<Tensor> {
    match t.dim() {
        1 => diag_embed(t, k, 0, 1),
        2 => super::misc::copy_of(&diagonal(t, k, 0, 1)?),
        n => crate::bail!("diag(): Supports 1D or 2D tensors. Got {n}D"),
    }
}

pub fn diagflat(t: &Tensor, offset: i64) -> Result<Tensor> {
    diag_embed(&crate::ops::shape::reshape(t, &[-1])?, offset, 0, 1)
}

/// `trace`: the sum of a matrix's diagonal (integers sum to int64).
pub fn trace(t: &Tensor) -> Result<Tensor> {
    crate::ensure!(t.dim() == 2, "trace: expected a matrix, but got tensor with dim {}", t.dim());
    if t.dtype() == crate::tensor::DType::Bool {
        return Err(crate::ops::unary::kernel::not_for("trace", t.dtype()));
    }
    crate::ops::reduce::sum(&diagonal(t, 0, 0, 1)?, None, false, None)
}

pub fn trace_backward(g: &Tensor, sizes: &[i64]) -> Result<Tensor> {
    crate::ensure!(sizes.len() == 2, "expected matrix input");
    let n = sizes[0].min(sizes[1]);
    let d = crate::ops::shape::expand(&crate::ops::shape::reshape(g, &[1])?, &[n])?;
    diagonal_backward(&d, sizes, 0, 0, 1)
}

/// `tril_indices` / `triu_indices`: the coordinates of a triangle, row by row.
pub fn tri_indices(row: i64, col: i64, offset: i64, lower: bool, dtype: DType, device: Device) -> Result<Tensor> {
    crate::ensure!(row >= 0, "row must be non-negative, got{row}");
    crate::ensure!(col >= 0, "col must be non-negative, got{col}");
    let (mut rs, mut cs) = (vec![], vec![]);
    for i in 0..row {
        for j in 0..col {
            let keep = if lower { j - i <= offset } else { j - i >= offset };
            if keep {
                rs.push(i);
                cs.push(j);
            }
        }
    }
    let n = rs.len() as i64;
    rs.extend(cs);
    let t = Tensor::from_vec(rs, &[2, n])?;
    device.check_available()?;
    crate::ops::convert::to(&t, None, Some(dtype), false)
}
