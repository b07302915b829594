//! repeat, tile, repeat_interleave, flip (one strided copy through negated strides), fliplr,
//! flipud, roll and rot90; gradients come from the view/copy ops they are made of.

use crate::autograd::{needs_grad, record};
use crate::cpu::copy::copy_into;
use crate::error::Result;
use crate::ops::shape;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Tensor, TensorData};

/// `t.repeat(repeats)`: an interleaved expand, copied.
pub fn repeat(t: &Tensor, repeats: &[i64]) -> Result<Tensor> {
    let s = t.shape();
    crate::ensure!(
        repeats.len() >= s.len(),
        "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
    );
    crate::ensure!(repeats.iter().all(|&r| r >= 0), "Trying to create tensor with negative dimension {}: {repeats:?}", repeats.iter().find(|&&r| r < 0).unwrap_or(&0));
    let lead = repeats.len() - s.len();
    let padded: Vec<i64> = std::iter::repeat_n(1, lead).chain(s.iter().copied()).collect();
    let mut inter = Vec::with_capacity(2 * padded.len());
    let mut expanded = Vec::with_capacity(2 * padded.len());
    for (&p, &r) in padded.iter().zip(repeats) {
        inter.extend([1, p]);
        expanded.extend([r, p]);
    }
    let out_shape: Vec<i64> = padded.iter().zip(repeats).map(|(p, r)| p * r).collect();
    let e = shape::expand(&shape::reshape(t, &inter)?, &expanded)?;
    shape::reshape(&shape::contiguous(&e)?, &out_shape)
}

pub fn tile(t: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let nd = t.dim();
    let reps: Vec<i64> = if dims.len() < nd { std::iter::repeat_n(1, nd - dims.len()).chain(dims.iter().copied()).collect() } else { dims.to_vec() };
    repeat(t, &reps)
}

/// The index `[0] * r0 + [1] * r1 + ...` of a repeat_interleave.
fn interleave_index(reps: &[i64]) -> Result<Tensor> {
    let idx: Vec<i64> = reps.iter().enumerate().flat_map(|(i, &r)| std::iter::repeat_n(i as i64, r.max(0) as usize)).collect();
    let n = idx.len() as i64;
    Tensor::from_vec(idx, &[n])
}

/// `repeat_interleave(repeats)`: the index tensor itself.
pub fn repeat_interleave_index(repeats: &Tensor, output_size: Option<i64>) -> Result<Tensor> {
    crate::ensure!(repeats.dim() == 1, "repeat_interleave only accept 1D vector as repeat");
    crate::ensure!(
        matches!(repeats.dtype(), DType::I64 | DType::I32),
        "repeats has to be Long or Int tensor"
    );
    let r = repeats.to_vec::<i64>()?;
    crate::ensure!(r.iter().all(|&x| x >= 0), "repeats can not be negative");
    let idx = interleave_index(&r)?;
    if let Some(n) = output_size {
        crate::ensure!(n == idx.numel() as i64, "allocated size does not match required size");
    }
    crate::ops::convert::to(&idx, None, Some(repeats.dtype()), false)
}

/// `t.repeat_interleave(repeats, dim)` (flattened when no dim).
pub fn repeat_interleave(t: &Tensor, repeats: &[i64], dim: Option<i64>) -> Result<Tensor> {
    let (x, d) = match dim {
        Some(d) => (t.clone(), d),
        None => (shape::reshape(t, &[-1])?, 0),
    };
    let dd = wrap_dim(d, x.dim())?;
    let size = x.shape().get(dd).copied().unwrap_or(1);
    let reps: Vec<i64> = if repeats.len() == 1 { vec![repeats[0]; size as usize] } else { repeats.to_vec() };
    crate::ensure!(
        reps.len() as i64 == size,
        "repeats must have the same size as input along dim, but got repeats.size(0) = {} and input.size({dd}) = {size}",
        reps.len()
    );
    crate::ensure!(reps.iter().all(|&x| x >= 0), "repeats can not be negative");
    crate::ops::index::select::index_select(&x, d, &interleave_index(&reps)?)
}

/// `flip(dims)`: one copy reading through negated strides.
pub fn flip(t: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let nd = t.dim();
    let mut flips = vec![false; nd];
    for &dm in dims {
        let d = wrap_dim(dm, nd)?;
        crate::ensure!(!flips[d], "dim {d} appears multiple times in the list of dims");
        flips[d] = true;
    }
    let src = t.data();
    let mut l = src.layout.clone();
    let mut off = l.offset as i64;
    for d in (0..nd).filter(|&d| flips[d]) {
        if l.shape[d] > 0 {
            off += (l.shape[d] - 1) * l.strides[d];
        }
        l.strides[d] = -l.strides[d];
    }
    l.offset = off.max(0) as usize;
    let out = Tensor::empty(&src.layout.shape, src.dtype, src.device())?;
    if out.numel() > 0 {
        copy_into(&out.data(), &TensorData { layout: l, ..src })?;
    }
    if needs_grad(&[t]) {
        let dims = dims.to_vec();
        record("FlipBackward0", &[t], &[&out], move |_, g| Ok(vec![g[0].as_ref().map(|g| flip(g, &dims)).transpose()?]));
    }
    Ok(out)
}

pub fn fliplr(t: &Tensor) -> Result<Tensor> {
    crate::ensure!(t.dim() >= 2, "Input must be >= 2-d.");
    flip(t, &[1])
}

pub fn flipud(t: &Tensor) -> Result<Tensor> {
    crate::ensure!(t.dim() >= 1, "Input must be >= 1-d.");
    flip(t, &[0])
}

/// `roll(shifts, dims)`: per dim, the two pieces swapped (flattened when no dims).
pub fn roll(t: &Tensor, shifts: &[i64], dims: &[i64]) -> Result<Tensor> {
    crate::ensure!(!shifts.is_empty(), "`shifts` required");
    if dims.is_empty() && shifts.len() == 1 {
        let flat = shape::reshape(t, &[-1])?;
        return shape::reshape(&roll(&flat, shifts, &[0])?, &t.shape());
    }
    crate::ensure!(
        shifts.len() == dims.len(),
        "shifts and dimensions must align. shifts: {}, dims:{}",
        shifts.len(),
        dims.len()
    );
    let mut x = t.clone();
    for (&s, &dm) in shifts.iter().zip(dims) {
        let d = wrap_dim(dm, t.dim())? as i64;
        let n = x.shape()[d as usize];
        if n == 0 {
            continue;
        }
        let s = s.rem_euclid(n);
        if s == 0 {
            continue;
        }
        let parts = [shape::narrow(&x, d, n - s, s)?, shape::narrow(&x, d, 0, n - s)?];
        x = super::cat::cat(&parts, d)?;
    }
    if x.same_tensor(t) {
        x = super::misc::copy_of(t)?;
    }
    Ok(x)
}

pub fn rot90(t: &Tensor, k: i64, dims: &[i64]) -> Result<Tensor> {
    crate::ensure!(dims.len() == 2, "expected total rotation dims == 2, but got dims = {}", dims.len());
    crate::ensure!(t.dim() >= 2, "expected total dims >= 2, but got total dims = {}", t.dim());
    let (d0, d1) = (wrap_dim(dims[0], t.dim())? as i64, wrap_dim(dims[1], t.dim())? as i64);
    crate::ensure!(d0 != d1, "expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}");
    match k.rem_euclid(4) {
        1 => shape::transpose(&flip(t, &[d1])?, d0, d1),
        2 => flip(t, &[d0, d1]),
        3 => shape::transpose(&flip(t, &[d0])?, d0, d1),
        _ => super::misc::copy_of(t),
    }
}
