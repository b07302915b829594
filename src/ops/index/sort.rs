//! Sorting along a dim: sort (stable; NaN sorts as the largest value), argsort, msort, topk,
//! kthvalue, median/nanmedian (all elements or along a dim), mode, with value-selecting backward.

use super::gather::value_selecting_backward;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Tensor};
use crate::with_dtype;
use rayon::prelude::*;
use std::cmp::Ordering;

/// Total order with NaN above everything (PyTorch's sort order).
#[inline(always)]
#[allow(clippy::eq_op)]
pub fn cmp_nan_last<T: PartialOrd>(a: &T, b: &T) -> Ordering {
    match (a != a, b != b) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// Up to this many leading sorted positions are found by [`first_by`] rather than a selection.
const SMALL_PREFIX: usize = 16;

/// The first `m` positions of `xs` in the total order `by` (values, then index), in that order.
/// `before(x, t)`: x's value comes strictly before t's in `by`. The best `m` so far are kept
/// sorted (values and positions); blocks of 16 values are first tested all at once against the
/// current m-th, and a value that beats it is inserted by shifting. For random data only a few
/// dozen values per row are ever inserted.
fn first_by<T: Copy>(xs: &[T], m: usize, before: impl Fn(T, T) -> bool, by: impl Fn(&usize, &usize) -> Ordering) -> Vec<usize> {
    const BLOCK: usize = 16;
    let m = m.min(xs.len());
    let mut pos: Vec<usize> = (0..m).collect();
    pos.sort_unstable_by(&by);
    if m == 0 {
        return pos;
    }
    let mut vals: Vec<T> = pos.iter().map(|&i| xs[i]).collect();
    for (b, block) in xs[m..].chunks(BLOCK).enumerate() {
        let last = vals[m - 1];
        if !block.iter().fold(false, |any, &x| any | before(x, last)) {
            continue;
        }
        for (o, &x) in block.iter().enumerate() {
            // x's position is after every kept one, so it only moves past strictly later values
            if before(x, vals[m - 1]) {
                let mut p = m - 1;
                while p > 0 && before(x, vals[p - 1]) {
                    vals[p] = vals[p - 1];
                    pos[p] = pos[p - 1];
                    p -= 1;
                }
                vals[p] = x;
                pos[p] = m + b * BLOCK + o;
            }
        }
    }
    pos
}

/// Per row along `d`: the row's values and the permutation sorting it (stable), as tensors of
/// the input's shape with `d` moved last, then `pick(len)` selects which sorted positions to
/// keep. Returns (values, indices) with the kept positions along `d`.
fn sorted_rows(t: &Tensor, d: usize, descending: bool, keep: impl Fn(usize) -> std::ops::Range<usize> + Sync) -> Result<(Tensor, Tensor)> {
    let nd = t.dim();
    let mut perm: Vec<i64> = (0..nd as i64).filter(|&i| i != d as i64).collect();
    if nd > 0 {
        perm.push(d as i64);
    }
    let x = t.permute(&perm)?.contiguous()?;
    let n = if nd == 0 { 1 } else { t.shape()[d] as usize };
    let r = keep(n);
    let k = r.len();
    let mut out_shape: Vec<i64> = x.shape().to_vec();
    if let Some(l) = out_shape.last_mut() {
        *l = k as i64;
    }
    let vals = Tensor::empty(&out_shape, t.dtype(), t.device())?;
    let idx = Tensor::empty(&out_shape, DType::I64, t.device())?;
    let rows = if n == 0 { 0 } else { x.numel() / n };
    with_dtype!(t.dtype(), T, {
        let (xd, vd, id) = (x.data(), vals.data(), idx.data());
        let (src, vs, is) = unsafe { (xd.as_slice::<T>(), vd.as_mut_slice::<T>(), id.as_mut_slice::<i64>()) };
        let one = |(row, (vo, io)): (usize, (&mut [T], &mut [i64]))| {
            let xs = &src[row * n..(row + 1) * n];
            // ties go by index, a total order: the same result as a stable sort, so only the
            // kept prefix needs sorting after a selection (topk, kthvalue)
            let by = |&a: &usize, &b: &usize| {
                let o = if descending { cmp_nan_last(&xs[b], &xs[a]) } else { cmp_nan_last(&xs[a], &xs[b]) };
                o.then(a.cmp(&b))
            };
            if r.end <= SMALL_PREFIX && r.end < n {
                #[allow(clippy::eq_op)]
                let order = if descending {
                    first_by(xs, r.end, |x, t| x > t || (x != x && t == t), by)
                } else {
                    first_by(xs, r.end, |x, t| x < t || (x == x && t != t), by)
                };
                for (j, &o) in order[r.clone()].iter().enumerate() {
                    vo[j] = xs[o];
                    io[j] = o as i64;
                }
                return;
            }
            let mut order: Vec<usize> = (0..n).collect();
            if r.end < n && r.end > 0 {
                order.select_nth_unstable_by(r.end - 1, by);
                order[..r.end].sort_unstable_by(by);
            } else {
                order.sort_unstable_by(by);
            }
            for (j, &o) in order[r.clone()].iter().enumerate() {
                vo[j] = xs[o];
                io[j] = o as i64;
            }
        };
        if k > 0 && rows > 0 {
            if rows * n >= super::super::reduce::fold::GRAIN && rows > 1 {
                crate::cpu::threads::install(|| vs.par_chunks_mut(k).zip(is.par_chunks_mut(k)).enumerate().for_each(one));
            } else {
                vs.chunks_mut(k).zip(is.chunks_mut(k)).enumerate().for_each(one);
            }
        }
    });
    let mut inv = vec![0i64; nd];
    for (i, &p) in perm.iter().enumerate() {
        inv[p as usize] = i as i64;
    }
    Ok((vals.permute(&inv)?.contiguous()?, idx.permute(&inv)?.contiguous()?))
}

/// PyTorch's error for the selection kernels that have no bool build.
fn no_bool(kernel: &str, t: &Tensor) -> Result<()> {
    if t.dtype() == DType::Bool {
        return Err(crate::ops::unary::kernel::not_for(kernel, DType::Bool));
    }
    Ok(())
}

/// Records the backward of an op whose values were picked from `t` along `dim` at `idx`.
fn record_pick(name: &'static str, t: &Tensor, vals: &Tensor, idx: &Tensor, dim: i64, keepdim: bool) {
    if needs_grad(&[t]) {
        let (si, shape) = (SavedTensor::input(idx), t.shape());
        record(name, &[t], &[vals], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(value_selecting_backward(g, dim, &si.get(node)?, &shape, keepdim)?)])
        });
    }
}

pub fn sort(t: &Tensor, dim: i64, descending: bool) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim(dim, t.dim())?;
    let (v, i) = sorted_rows(t, d, descending, |n| 0..n)?;
    record_pick("SortBackward0", t, &v, &i, dim, true);
    Ok((v, i))
}

pub fn argsort(t: &Tensor, dim: i64, descending: bool) -> Result<Tensor> {
    Ok(sort(t, dim, descending)?.1)
}

pub fn topk(t: &Tensor, k: i64, dim: i64, largest: bool) -> Result<(Tensor, Tensor)> {
    crate::ensure!(t.dtype() != DType::Bool, "topk does not support bool dtypes on CPU");
    let d = wrap_dim(dim, t.dim())?;
    let n = if t.dim() == 0 { 1 } else { t.shape()[d] };
    crate::ensure!(k >= 0 && k <= n, "selected index k out of range");
    let (v, i) = sorted_rows(t, d, largest, |_| 0..k as usize)?;
    record_pick("TopkBackward0", t, &v, &i, dim, true);
    Ok((v, i))
}

pub fn kthvalue(t: &Tensor, k: i64, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
    no_bool("kthvalue_cpu", t)?;
    let d = wrap_dim(dim, t.dim())?;
    let n = if t.dim() == 0 { 1 } else { t.shape()[d] };
    crate::ensure!(
        k >= 1 && k <= n,
        "kthvalue(): selected number k out of range for dimension {d}"
    );
    let (v, i) = sorted_rows(t, d, false, |_| (k - 1) as usize..k as usize)?;
    let (v, i) = squeeze_unless(v, i, dim, keepdim, t.dim())?;
    record_pick("KthvalueBackward0", t, &v, &i, dim, keepdim);
    Ok((v, i))
}

fn squeeze_unless(v: Tensor, i: Tensor, dim: i64, keepdim: bool, nd: usize) -> Result<(Tensor, Tensor)> {
    if keepdim || nd == 0 {
        Ok((v, i))
    } else {
        Ok((v.squeeze(Some(&[dim]))?, i.squeeze(Some(&[dim]))?))
    }
}

/// The median of each row along `dim` (the lower of the two middle values), ignoring NaN when
/// `ignore_nan`, else NaN (with the index of the first NaN) for rows that hold one.
pub fn median_dim(t: &Tensor, dim: i64, keepdim: bool, ignore_nan: bool) -> Result<(Tensor, Tensor)> {
    no_bool("median_out", t)?;
    let d = wrap_dim(dim, t.dim())?;
    let n = if t.dim() == 0 { 1 } else { t.shape()[d] as usize };
    crate::ensure!(n > 0, "median(): Expected reduction dim {d} to have non-zero size.");
    let (sv, si) = sorted_rows(t, d, false, |n| 0..n)?;
    // per row: the count of non-NaN values decides the median position
    let flat_v = move_last(&sv, d)?;
    let flat_i = move_last(&si, d)?;
    let rows = flat_v.numel() / n;
    let pos: Vec<i64> = with_dtype!(t.dtype(), T, {
        let vals = flat_v.to_vec::<T>()?;
        (0..rows)
            .map(|r| {
                let row = &vals[r * n..(r + 1) * n];
                #[allow(clippy::eq_op)]
                let valid = row.iter().filter(|x| *x == *x).count();
                let p = if ignore_nan {
                    if valid == 0 { 0 } else { (valid - 1) / 2 }
                } else if valid < n {
                    valid
                } else {
                    (n - 1) / 2
                };
                (r * n + p) as i64
            })
            .collect()
    });
    let pick = Tensor::from_vec(pos, &[rows as i64])?;
    let flat_idx = super::select::index_select(&flat_v.reshape(&[-1])?, 0, &pick)?;
    let idx_v = flat_i.reshape(&[-1])?.to_vec::<i64>()?;
    let chosen: Vec<i64> = pick.to_vec::<i64>()?.iter().map(|&p| idx_v[p as usize]).collect();
    let mut out_shape: Vec<i64> = t.shape().to_vec();
    if !out_shape.is_empty() {
        out_shape.remove(d);
    }
    let mut v = flat_idx.reshape(&out_shape)?;
    let mut i = Tensor::from_vec(chosen, &out_shape)?;
    if keepdim && t.dim() > 0 {
        v = v.unsqueeze(d as i64)?;
        i = i.unsqueeze(d as i64)?;
    }
    record_pick("MedianBackward1", t, &v, &i, dim, keepdim);
    Ok((v, i))
}

/// `t` with dim `d` moved last, contiguous.
fn move_last(t: &Tensor, d: usize) -> Result<Tensor> {
    let nd = t.dim();
    if nd == 0 {
        return t.reshape(&[1]);
    }
    let mut perm: Vec<i64> = (0..nd as i64).filter(|&i| i != d as i64).collect();
    perm.push(d as i64);
    t.permute(&perm)?.contiguous()
}

/// `median()` / `nanmedian()` of all elements (NaN for an empty tensor).
pub fn median_all(t: &Tensor, ignore_nan: bool) -> Result<Tensor> {
    no_bool("median_cpu", t)?;
    if t.numel() == 0 {
        return Tensor::full(&[], crate::tensor::Scalar::Float(f64::NAN), t.dtype(), t.device());
    }
    let flat = crate::ops::shape::reshape(t, &[-1])?;
    let (v, _) = median_dim(&crate::ops::autograd_ops::detach(&flat), 0, false, ignore_nan)?;
    if needs_grad(&[t]) {
        crate::ops::reduce::minmax::record_even("MedianBackward0", t, &v, vec![], false, true);
    }
    Ok(v)
}

/// `torch.mode` along `dim`: each row's most frequent value (the smallest of those equally
/// frequent; NaNs count as one value) and the index of its last occurrence.
pub fn mode(t: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim(dim, t.dim())?;
    let n = if t.dim() == 0 { 1 } else { t.shape()[d] as usize };
    crate::ensure!(n > 0, "mode(): Expected reduction dim {d} to have non-zero size.");
    // rows sorted by value, ties by index: a run of equal values ends at its last occurrence
    let (sv, si) = sorted_rows(t, d, false, |n| 0..n)?;
    let (sv, si) = (move_last(&sv, d)?, move_last(&si, d)?);
    let rows = sv.numel() / n;
    let mut out_shape: Vec<i64> = sv.shape().to_vec();
    if let Some(l) = out_shape.last_mut() {
        *l = 1;
    }
    let (vals, idx) = (Tensor::empty(&out_shape, t.dtype(), t.device())?, Tensor::empty(&out_shape, DType::I64, t.device())?);
    with_dtype!(t.dtype(), T, {
        let (svd, sid, vd, id) = (sv.data(), si.data(), vals.data(), idx.data());
        let (xs, is) = unsafe { (svd.as_slice::<T>(), sid.as_slice::<i64>()) };
        let (vo, io) = unsafe { (vd.as_mut_slice::<T>(), id.as_mut_slice::<i64>()) };
        for r in 0..rows {
            let (row, ri) = (&xs[r * n..(r + 1) * n], &is[r * n..(r + 1) * n]);
            let (mut best, mut best_len, mut start) = (0, 0, 0);
            for k in 1..=n {
                if k == n || cmp_nan_last(&row[k], &row[start]) != Ordering::Equal {
                    if k - start > best_len {
                        (best, best_len) = (k - 1, k - start);
                    }
                    start = k;
                }
            }
            vo[r] = row[best];
            io[r] = ri[best];
        }
    });
    // back from [.., 1] with `d` last to the input's dim order
    let nd = t.dim();
    let (mut v, mut i) = (vals, idx);
    if nd == 0 {
        (v, i) = (v.reshape(&[])?, i.reshape(&[])?);
    } else {
        let mut inv: Vec<i64> = (0..nd as i64 - 1).collect();
        inv.insert(d, nd as i64 - 1);
        v = v.permute(&inv)?.contiguous()?;
        i = i.permute(&inv)?.contiguous()?;
    }
    let (v, i) = squeeze_unless(v, i, dim, keepdim, nd)?;
    record_pick("ModeBackward0", t, &v, &i, dim, keepdim);
    Ok((v, i))
}
