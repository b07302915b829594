//! Views: new tensors over the same storage with another layout (view, reshape, transpose,
//! permute, narrow, slice, select, squeeze, unsqueeze, expand, flatten, unflatten, as_strided).

use super::layout::{infer_shape, wrap_dim, Layout};
use super::Tensor;
use crate::error::Result;

impl Tensor {
    pub fn view(&self, shape: &[i64]) -> Result<Tensor> {
        let l = self.layout();
        let shape = infer_shape(shape, l.numel())?;
        match l.view_strides(&shape) {
            Some(strides) => Ok(self.view_as_layout(Layout { shape, strides, offset: l.offset })),
            None => crate::bail!(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ),
        }
    }

    /// A view when the layout allows it, else a contiguous copy.
    pub fn reshape(&self, shape: &[i64]) -> Result<Tensor> {
        let l = self.layout();
        let shape = infer_shape(shape, l.numel())?;
        match l.view_strides(&shape) {
            Some(strides) => Ok(self.view_as_layout(Layout { shape, strides, offset: l.offset })),
            None => self.contiguous()?.view(&shape),
        }
    }

    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        let d = self.data();
        Ok(Tensor::from_data(crate::cpu::copy::to_contiguous_dtype(&d, d.dtype)?))
    }

    pub fn transpose(&self, d0: i64, d1: i64) -> Result<Tensor> {
        let l = self.layout();
        let (a, b) = (wrap_dim(d0, l.ndim())?, wrap_dim(d1, l.ndim())?);
        if l.ndim() == 0 {
            return Ok(self.view_as_layout(l));
        }
        Ok(self.view_as_layout(l.transpose(a, b)))
    }

    /// `t()`: transpose of a matrix; vectors and scalars are returned as they are.
    pub fn t(&self) -> Result<Tensor> {
        let n = self.dim();
        crate::ensure!(n <= 2, "t() expects a tensor with <= 2 dimensions, but self is {n}D");
        if n < 2 {
            return Ok(self.view_as_layout(self.layout()));
        }
        self.transpose(0, 1)
    }

    pub fn permute(&self, dims: &[i64]) -> Result<Tensor> {
        let l = self.layout();
        let n = l.ndim();
        crate::ensure!(
            dims.len() == n,
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {}",
            dims.len()
        );
        let mut seen = vec![false; n];
        let mut w = Vec::with_capacity(n);
        for &d in dims {
            let d = wrap_dim(d, n)?;
            crate::ensure!(!seen[d], "permute(): duplicate dims are not allowed.");
            seen[d] = true;
            w.push(d);
        }
        Ok(self.view_as_layout(l.permute(&w)))
    }

    pub fn narrow(&self, dim: i64, start: i64, length: i64) -> Result<Tensor> {
        let l = self.layout();
        crate::ensure!(l.ndim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
        let d = wrap_dim(dim, l.ndim())?;
        let size = l.shape[d];
        let start = if start < 0 { start + size } else { start };
        crate::ensure!(length >= 0, "narrow(): length must be non-negative.");
        crate::ensure!(
            start >= 0 && start <= size && start + length <= size,
            "start ({start}) + length ({length}) exceeds dimension size ({size})."
        );
        Ok(self.view_as_layout(l.narrow(d, start as usize, length as usize)))
    }

    /// `t[start:end:step]` along `dim`, with Python's clamping of out-of-range bounds.
    pub fn slice(&self, dim: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Result<Tensor> {
        let l = self.layout();
        crate::ensure!(l.ndim() > 0, "slice() cannot be applied to a 0-dim tensor.");
        crate::ensure!(step > 0, "slice step must be positive");
        let d = wrap_dim(dim, l.ndim())?;
        let size = l.shape[d];
        let clamp = |v: i64| {
            let v = if v < 0 { v + size } else { v };
            v.clamp(0, size)
        };
        let s = clamp(start.unwrap_or(0));
        let e = clamp(end.unwrap_or(i64::MAX)).max(s);
        let len = (e - s + step - 1) / step;
        let mut nl = l.narrow(d, s as usize, len as usize);
        nl.strides[d] *= step;
        Ok(self.view_as_layout(nl))
    }

    pub fn select(&self, dim: i64, index: i64) -> Result<Tensor> {
        let l = self.layout();
        crate::ensure!(l.ndim() > 0, "select() cannot be applied to a 0-dim tensor.");
        let d = wrap_dim(dim, l.ndim())?;
        let size = l.shape[d];
        let i = if index < 0 { index + size } else { index };
        crate::ensure!(
            i >= 0 && i < size,
            "select(): index {index} out of range for tensor of size {:?} at dimension {d}",
            &l.shape[..]
        );
        Ok(self.view_as_layout(l.select(d, i as usize)))
    }

    pub fn squeeze_layout(&self, dims: Option<&[i64]>) -> Result<Layout> {
        let l = self.layout();
        let n = l.ndim();
        let mut drop = vec![false; n];
        match dims {
            None => (0..n).for_each(|i| drop[i] = l.shape[i] == 1),
            Some(ds) => {
                for &d in ds {
                    if n == 0 {
                        wrap_dim(d, 0)?;
                        continue;
                    }
                    let d = wrap_dim(d, n)?;
                    drop[d] = l.shape[d] == 1;
                }
            }
        }
        let keep = |i: &usize| !drop[*i];
        Ok(Layout {
            shape: (0..n).filter(keep).map(|i| l.shape[i]).collect(),
            strides: (0..n).filter(keep).map(|i| l.strides[i]).collect(),
            offset: l.offset,
        })
    }

    pub fn squeeze(&self, dims: Option<&[i64]>) -> Result<Tensor> {
        Ok(self.view_as_layout(self.squeeze_layout(dims)?))
    }

    pub fn unsqueeze_layout(&self, dim: i64) -> Result<Layout> {
        let l = self.layout();
        let d = wrap_dim(dim, l.ndim() + 1)?;
        Ok(l.unsqueeze(d))
    }

    pub fn unsqueeze(&self, dim: i64) -> Result<Tensor> {
        Ok(self.view_as_layout(self.unsqueeze_layout(dim)?))
    }

    pub fn expand(&self, shape: &[i64]) -> Result<Tensor> {
        Ok(self.view_as_layout(self.layout().expand(shape)?))
    }

    pub fn flatten(&self, start: i64, end: i64) -> Result<Tensor> {
        let shape = self.shape();
        if shape.is_empty() {
            return self.reshape(&[1]);
        }
        let (s, e) = (wrap_dim(start, shape.len())?, wrap_dim(end, shape.len())?);
        crate::ensure!(s <= e, "flatten() has invalid args: start_dim cannot come after end_dim");
        let mut ns: Vec<i64> = shape[..s].to_vec();
        ns.push(shape[s..=e].iter().product());
        ns.extend_from_slice(&shape[e + 1..]);
        self.reshape(&ns)
    }

    pub fn unflatten(&self, dim: i64, sizes: &[i64]) -> Result<Tensor> {
        let shape = self.shape();
        crate::ensure!(!sizes.is_empty(), "unflatten: sizes must be non-empty");
        let d = wrap_dim(dim, shape.len())?;
        let inner = infer_shape(sizes, shape[d] as usize).map_err(|_| {
            crate::error::Error(format!(
                "unflatten: Provided sizes {sizes:?} don't multiply up to the size of dim {dim} ({}) in the input tensor",
                shape[d]
            ))
        })?;
        let mut ns: Vec<i64> = shape[..d].to_vec();
        ns.extend_from_slice(&inner);
        ns.extend_from_slice(&shape[d + 1..]);
        self.view(&ns)
    }

    pub fn as_strided_layout(&self, size: &[i64], stride: &[i64], offset: Option<i64>) -> Result<Layout> {
        crate::ensure!(
            size.len() == stride.len(),
            "mismatch in length of strides and shape: {} vs {}",
            size.len(),
            stride.len()
        );
        crate::ensure!(size.iter().all(|&s| s >= 0), "as_strided: negative size in {size:?}");
        crate::ensure!(stride.iter().all(|&s| s >= 0), "as_strided: negative strides are not supported, got {stride:?}");
        let d = self.data();
        let off = offset.unwrap_or(d.layout.offset as i64);
        crate::ensure!(off >= 0, "Tensor: invalid storage offset {off}");
        let l = Layout { shape: size.into(), strides: stride.into(), offset: off as usize };
        let need = l.extent() * d.dtype.size();
        crate::ensure!(
            need <= d.storage.nbytes(),
            "setStorage: sizes {size:?}, strides {stride:?}, storage offset {off}, and itemsize {} requiring a storage size of {need} are out of bounds for storage of size {}",
            d.dtype.size(),
            d.storage.nbytes()
        );
        Ok(l)
    }

    pub fn as_strided(&self, size: &[i64], stride: &[i64], offset: Option<i64>) -> Result<Tensor> {
        Ok(self.view_as_layout(self.as_strided_layout(size, stride, offset)?))
    }
}
