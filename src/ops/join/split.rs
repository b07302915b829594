//! Splitting into views (each a narrow with its own gradient): split, split_with_sizes,
//! tensor_split (sections, indices, tensor), chunk, unbind, and h/v/dsplit.

use crate::error::Result;
use crate::ops::shape;
use crate::tensor::layout::wrap_dim;
use crate::tensor::Tensor;

/// The size of `t` along `dim` (wrapped), with PyTorch's 0-d error.
fn dim_size(op: &str, t: &Tensor, dim: i64) -> Result<(usize, i64)> {
    crate::ensure!(t.dim() > 0, "{op} expects at least a 1-dimensional tensor");
    let d = wrap_dim(dim, t.dim())?;
    Ok((d, t.shape()[d]))
}

/// Views of consecutive pieces of the given lengths along `d`.
fn pieces(t: &Tensor, d: usize, lens: impl IntoIterator<Item = i64>) -> Result<Vec<Tensor>> {
    let mut off = 0;
    lens.into_iter()
        .map(|n| {
            let v = shape::narrow(t, d as i64, off, n);
            off += n;
            v
        })
        .collect()
}

pub fn split(t: &Tensor, split_size: i64, dim: i64) -> Result<Vec<Tensor>> {
    let (d, size) = dim_size("split", t, dim)?;
    crate::ensure!(split_size >= 0, "split expects split_size be non-negative, but got split_size={split_size}");
    crate::ensure!(
        split_size != 0 || size == 0,
        "split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
    );
    let n = if split_size == 0 { 1 } else { ((size + split_size - 1) / split_size).max(1) };
    pieces(t, d, (0..n).map(|i| split_size.min(size - i * split_size)))
}

pub fn split_with_sizes(t: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> {
    let (d, size) = dim_size("split_with_sizes", t, dim)?;
    for &s in sizes {
        crate::ensure!(s >= 0, "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={sizes:?}");
    }
    crate::ensure!(
        sizes.iter().sum::<i64>() == size,
        "split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension {d}), but got split_sizes={sizes:?}"
    );
    pieces(t, d, sizes.iter().copied())
}

pub fn chunk(t: &Tensor, chunks: i64, dim: i64) -> Result<Vec<Tensor>> {
    crate::ensure!(t.dim() > 0, "chunk expects at least a 1-dimensional tensor");
    crate::ensure!(chunks > 0, "chunk expects `chunks` to be greater than 0, got: {chunks}");
    let (d, size) = dim_size("chunk", t, dim)?;
    if size == 0 {
        return pieces(t, d, (0..chunks).map(|_| 0));
    }
    split(t, (size + chunks - 1) / chunks, d as i64)
}

pub fn tensor_split_sections(t: &Tensor, sections: i64, dim: i64) -> Result<Vec<Tensor>> {
    crate::ensure!(t.dim() > 0, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
    crate::ensure!(sections > 0, "number of sections must be larger than 0, got {sections}");
    let (d, size) = dim_size("tensor_split", t, dim)?;
    let (q, r) = (size / sections, size % sections);
    pieces(t, d, (0..sections).map(|i| q + (i < r) as i64))
}

pub fn tensor_split_indices(t: &Tensor, indices: &[i64], dim: i64) -> Result<Vec<Tensor>> {
    crate::ensure!(t.dim() > 0, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
    let (d, size) = dim_size("tensor_split", t, dim)?;
    let mut start = 0i64;
    let mut out = Vec::with_capacity(indices.len() + 1);
    for &i in indices.iter().chain(std::iter::once(&size)) {
        let end = (if i < 0 { i + size } else { i }).clamp(0, size);
        out.push(shape::narrow(t, d as i64, start, (end - start).max(0))?);
        start = end;
    }
    Ok(out)
}

pub fn tensor_split_tensor(t: &Tensor, ios: &Tensor, dim: i64) -> Result<Vec<Tensor>> {
    crate::ensure!(
        ios.dtype() == crate::tensor::DType::I64,
        "tensor_split expected tensor_indices_or_sections to have dtype of long, but got {}",
        ios.dtype().name()
    );
    crate::ensure!(
        ios.dim() <= 1,
        "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with {} dims",
        ios.dim()
    );
    let v = ios.to_vec::<i64>()?;
    if ios.dim() == 0 {
        tensor_split_sections(t, v[0], dim)
    } else {
        tensor_split_indices(t, &v, dim)
    }
}

pub fn unbind(t: &Tensor, dim: i64) -> Result<Vec<Tensor>> {
    crate::ensure!(t.dim() > 0, "Dimension specified as 0 but tensor has no dimensions");
    let d = wrap_dim(dim, t.dim())?;
    (0..t.shape()[d]).map(|i| shape::select(t, d as i64, i)).collect()
}

/// hsplit/vsplit/dsplit with a number of equal sections.
pub fn xsplit_sections(op: &str, t: &Tensor, sections: i64) -> Result<Vec<Tensor>> {
    let (min_dim, dim) = xsplit_dims(op, t)?;
    crate::ensure!(
        t.dim() >= min_dim,
        "torch.{op} requires a tensor with at least {min_dim} dimension, but got a tensor with {} dimensions!",
        t.dim()
    );
    let size = t.shape()[dim];
    crate::ensure!(
        sections != 0 && size % sections == 0,
        "torch.{op} attempted to split along dimension {dim}, but the size of the dimension {size} is not divisible by the split_size {sections}!"
    );
    tensor_split_sections(t, sections, dim as i64)
}

/// hsplit/vsplit/dsplit at indices.
pub fn xsplit_indices(op: &str, t: &Tensor, indices: &[i64]) -> Result<Vec<Tensor>> {
    let (min_dim, dim) = xsplit_dims(op, t)?;
    crate::ensure!(
        t.dim() >= min_dim,
        "torch.{op} requires a tensor with at least {min_dim} dimension, but got a tensor with {} dimensions!",
        t.dim()
    );
    tensor_split_indices(t, indices, dim as i64)
}

fn xsplit_dims(op: &str, t: &Tensor) -> Result<(usize, usize)> {
    Ok(match op {
        "hsplit" => (1, if t.dim() == 1 { 0 } else { 1 }),
        "vsplit" => (2, 0),
        _ => (3, 2),
    })
}
