//! cat (promoting dtypes, skipping legacy empty 1-d inputs; each input copied as whole runs),
//! stack and the h/v/d/column stacks, with gradients that narrow the output gradient.

use crate::autograd::needs_grad;
use crate::cpu::copy::{copy_bytes, copy_disjoint, copy_into};
use crate::cpu::threads::{num_threads, parallel_for, rows_per_run, SendPtr};
use crate::error::Result;
use crate::ops::promote::result_type;
use crate::ops::shape;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{Dims, Tensor, TensorData};

/// A 1-d tensor of size 0: PyTorch's cat skips these.
fn legacy_empty(t: &Tensor) -> bool {
    t.dim() == 1 && t.numel() == 0
}

/// cat's fast path, taken when every part is contiguous in the output's dtype: each output row
/// (one index of the dims before `d`) is the parts' rows one after another, so rows go across
/// threads and each part's run is moved by `copy_disjoint` (one pass over the output, instead of
/// one strided copy per part). False when the path does not apply.
fn cat_contiguous(od: &TensorData, parts: &[TensorData], d: usize) -> bool {
    if !od.layout.is_contiguous() || parts.iter().any(|p| p.dtype != od.dtype || !p.layout.is_contiguous()) {
        return false;
    }
    let size = od.dtype.size();
    let outer = od.layout.shape[..d].iter().product::<i64>() as usize;
    let inner = od.layout.shape[d + 1..].iter().product::<i64>() as usize;
    let runs: Vec<(SendPtr<u8>, usize)> =
        parts.iter().map(|p| (SendPtr(p.base_ptr() as *mut u8), p.layout.shape[d] as usize * inner * size)).collect();
    let row: usize = runs.iter().map(|r| r.1).sum();
    if row == 0 {
        return true;
    }
    let dst = SendPtr(od.base_ptr() as *mut u8);
    if outer < 2 * num_threads() {
        // few long rows (cat along dim 0): each run split across threads instead
        for r in 0..outer {
            let mut at = r * row;
            for (src, n) in &runs {
                // SAFETY: as below
                unsafe { copy_bytes(src.get().add(r * n), dst.get().add(at), *n) };
                at += n;
            }
        }
        return true;
    }
    let per = rows_per_run(outer, row / size);
    parallel_for(outer.div_ceil(per), |c| {
        for r in c * per..((c + 1) * per).min(outer) {
            let mut at = r * row;
            for (src, n) in &runs {
                // SAFETY: row r of each part and its place in row r of the output lie inside
                // their buffers (contiguous layouts of these shapes), and the output is new
                unsafe { copy_disjoint(src.get().add(r * n), dst.get().add(at), *n) };
                at += n;
            }
        }
    });
    true
}

/// `torch.cat(tensors, dim)`.
pub fn cat(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
    crate::ensure!(!tensors.is_empty(), "torch.cat(): expected a non-empty list of Tensors");
    for (i, t) in tensors.iter().enumerate() {
        crate::ensure!(t.dim() > 0, "zero-dimensional tensor (at position {i}) cannot be concatenated");
    }
    let refs: Vec<&Tensor> = tensors.iter().collect();
    let dtype = result_type(&refs);
    let parts: Vec<(usize, &Tensor)> = tensors.iter().enumerate().filter(|(_, t)| !legacy_empty(t)).collect();
    let Some(&(_, first)) = parts.first() else {
        wrap_dim(dim, 1)?;
        return Tensor::empty(&[0], dtype, tensors[0].device());
    };
    let nd = first.dim();
    let d = wrap_dim(dim, nd)?;
    let fs = first.shape();
    let mut total = 0i64;
    for &(i, t) in &parts {
        let s = t.shape();
        crate::ensure!(s.len() == nd, "Tensors must have same number of dimensions: got {nd} and {}", s.len());
        for k in 0..nd {
            crate::ensure!(
                k == d || s[k] == fs[k],
                "Sizes of tensors must match except in dimension {d}. Expected size {} but got size {} for tensor number {i} in the list.",
                fs[k],
                s[k]
            );
        }
        total += s[d];
    }
    let mut out_shape: Dims = fs.clone();
    out_shape[d] = total;
    let out = Tensor::empty(&out_shape, dtype, first.device())?;
    let od = out.data();
    let datas: Vec<_> = parts.iter().map(|(_, t)| t.data()).collect();
    if !cat_contiguous(&od, &datas, d) {
        let mut off = 0usize;
        for p in &datas {
            let n = p.layout.shape[d] as usize;
            copy_into(&TensorData { layout: od.layout.narrow(d, off, n), ..od.clone() }, p)?;
            off += n;
        }
    }
    let grads: Vec<&Tensor> = tensors.iter().collect();
    if needs_grad(&grads) {
        let sizes: Vec<(i64, crate::tensor::DType, bool)> = tensors
            .iter()
            .map(|t| (if legacy_empty(t) { 0 } else { t.shape()[d] }, t.dtype(), legacy_empty(t)))
            .collect();
        let shapes: Vec<Dims> = tensors.iter().map(|t| t.shape()).collect();
        crate::autograd::graph::record_unsaved("CatBackward0", &grads, &[&out], move |_, g| {
            let Some(g) = &g[0] else { return Ok(vec![None; sizes.len()]) };
            let mut off = 0;
            let mut r = Vec::with_capacity(sizes.len());
            for ((n, dt, empty), s) in sizes.iter().zip(&shapes) {
                if *empty {
                    r.push(Some(Tensor::zeros(s, g.dtype(), g.device())?));
                    continue;
                }
                let part = shape::narrow(g, d as i64, off, *n)?;
                off += n;
                r.push(Some(if dt.is_float() && *dt != g.dtype() { crate::ops::reduce::elem::cast(&part, *dt)? } else { part }));
            }
            Ok(r)
        });
    }
    Ok(out)
}

/// `torch.stack(tensors, dim)`: equal shapes, joined along a new dim.
pub fn stack(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
    crate::ensure!(!tensors.is_empty(), "stack expects a non-empty TensorList");
    let s0 = tensors[0].shape();
    for (i, t) in tensors.iter().enumerate() {
        crate::ensure!(
            t.shape() == s0,
            "stack expects each tensor to be equal size, but got {:?} at entry 0 and {:?} at entry {i}",
            &s0[..],
            &t.shape()[..]
        );
    }
    let d = wrap_dim(dim, s0.len() + 1)? as i64;
    let parts: Vec<Tensor> = tensors.iter().map(|t| shape::unsqueeze(t, d)).collect::<Result<_>>()?;
    cat(&parts, d)
}

/// `atleast_1d/2d/3d` of one tensor (views).
pub fn atleast(t: &Tensor, n: usize) -> Result<Tensor> {
    let s = t.shape();
    let shape: Vec<i64> = match (n, s.len()) {
        (_, k) if k >= n => return Ok(t.clone()),
        (1, _) => vec![1],
        (2, 0) => vec![1, 1],
        (2, _) => vec![1, s[0]],
        (3, 0) => vec![1, 1, 1],
        (3, 1) => vec![1, s[0], 1],
        (3, _) => vec![s[0], s[1], 1],
        _ => unreachable!(),
    };
    shape::reshape(t, &shape)
}

pub fn atleast_all(tensors: &[Tensor], n: usize) -> Result<Vec<Tensor>> {
    tensors.iter().map(|t| atleast(t, n)).collect()
}

pub fn hstack(tensors: &[Tensor]) -> Result<Tensor> {
    let ts = atleast_all(tensors, 1)?;
    crate::ensure!(!ts.is_empty(), "hstack expects a non-empty TensorList");
    let d = if ts[0].dim() == 1 { 0 } else { 1 };
    cat(&ts, d)
}

pub fn vstack(tensors: &[Tensor]) -> Result<Tensor> {
    crate::ensure!(!tensors.is_empty(), "vstack expects a non-empty TensorList");
    cat(&atleast_all(tensors, 2)?, 0)
}

pub fn dstack(tensors: &[Tensor]) -> Result<Tensor> {
    crate::ensure!(!tensors.is_empty(), "dstack expects a non-empty TensorList");
    cat(&atleast_all(tensors, 3)?, 2)
}

pub fn column_stack(tensors: &[Tensor]) -> Result<Tensor> {
    crate::ensure!(!tensors.is_empty(), "column_stack expects a non-empty TensorList");
    let ts: Vec<Tensor> = tensors
        .iter()
        .map(|t| if t.dim() <= 1 { shape::reshape(t, &[t.numel() as i64, 1]) } else { Ok(t.clone()) })
        .collect::<Result<_>>()?;
    hstack(&ts)
}
