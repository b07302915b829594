//! unique (sorted, with inverse and counts; NaNs each unique), unique along a dim (slices
//! compared lexicographically), and unique_consecutive (flat or along a dim).

use crate::error::Result;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Tensor};
use crate::with_dtype;
use super::sort::cmp_nan_last;
use std::cmp::Ordering;

/// The groups of equal items: one representative each, the group of every item, the sizes.
struct Groups {
    /// The representative position of each group.
    reps: Vec<usize>,
    /// For each original position, its group.
    inverse: Vec<i64>,
    counts: Vec<i64>,
}

/// Groups `n` items: sorted by `cmp` first when `sort`, then consecutive items that `eq`
/// merge into one group.
fn group(n: usize, sort: bool, cmp: impl Fn(usize, usize) -> Ordering, eq: impl Fn(usize, usize) -> bool) -> Groups {
    let mut order: Vec<usize> = (0..n).collect();
    if sort {
        order.sort_by(|&a, &b| cmp(a, b));
    }
    let mut g = Groups { reps: vec![], inverse: vec![0; n], counts: vec![] };
    for (k, &p) in order.iter().enumerate() {
        if k == 0 || !eq(order[k - 1], p) {
            g.reps.push(p);
            g.counts.push(0);
        }
        *g.counts.last_mut().unwrap() += 1;
        g.inverse[p] = g.reps.len() as i64 - 1;
    }
    g
}

fn empty_long() -> Result<Tensor> {
    Tensor::empty(&[0], DType::I64, crate::tensor::Device::Cpu)
}

/// Flat unique: (values, inverse with the input's shape or empty, counts or empty).
pub fn unique_flat(t: &Tensor, consecutive: bool, inverse: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> {
    let shape = t.shape();
    with_dtype!(t.dtype(), T, {
        let v = t.to_vec::<T>()?;
        let g = group(v.len(), !consecutive, |a, b| cmp_nan_last(&v[a], &v[b]), |a, b| v[a] == v[b]);
        let vals: Vec<T> = g.reps.iter().map(|&p| v[p]).collect();
        let n = vals.len() as i64;
        Ok((
            Tensor::from_vec(vals, &[n])?,
            if inverse { Tensor::from_vec(g.inverse, &shape)? } else { empty_long()? },
            if counts { Tensor::from_vec(g.counts, &[n])? } else { empty_long()? },
        ))
    })
}

/// Unique slices along `dim` (sorted lexicographically unless `consecutive`).
pub fn unique_dim(t: &Tensor, dim: i64, consecutive: bool, inverse: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> {
    let d = wrap_dim(dim, t.dim())?;
    crate::ensure!(t.dim() > 0, "unique_dim: a 0-d tensor has no dim to take unique slices along");
    let n = t.shape()[d] as usize;
    let rows = movedim_front(t, d)?.contiguous()?;
    let w = if n == 0 { 0 } else { rows.numel() / n };
    let g = with_dtype!(t.dtype(), T, {
        let v = rows.to_vec::<T>()?;
        let row = |i: usize| &v[i * w..(i + 1) * w];
        let cmp = |a: usize, b: usize| {
            row(a).iter().zip(row(b)).map(|(x, y)| cmp_nan_last(x, y)).find(|o| *o != Ordering::Equal).unwrap_or(Ordering::Equal)
        };
        group(n, !consecutive, cmp, |a, b| row(a) == row(b))
    });
    let idx = Tensor::from_vec(g.reps.iter().map(|&p| p as i64).collect(), &[g.reps.len() as i64])?;
    let vals = super::select::index_select(&crate::ops::autograd_ops::detach(t), dim, &idx)?;
    let k = g.counts.len() as i64;
    Ok((
        vals,
        if inverse || !consecutive { Tensor::from_vec(g.inverse, &[n as i64])? } else { empty_long()? },
        if counts || !consecutive { Tensor::from_vec(g.counts, &[k])? } else { empty_long()? },
    ))
}

/// `t` with dim `d` moved first (a view).
fn movedim_front(t: &Tensor, d: usize) -> Result<Tensor> {
    let nd = t.dim() as i64;
    let mut perm = vec![d as i64];
    perm.extend((0..nd).filter(|&i| i != d as i64));
    t.permute(&perm)
}
