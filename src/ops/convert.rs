//! Conversions and copies: to(dtype/device), copy_, clone, detach, fill, zero.

use crate::cpu::copy::{copy_into, to_contiguous_dtype};
use crate::error::Result;
use crate::tensor::{DType, Device, Scalar, Tensor};

/// `tensor.to(device, dtype, non_blocking, copy)`: the tensor itself when nothing changes.
pub fn to(t: &Tensor, device: Option<Device>, dtype: Option<DType>, copy: bool) -> Result<Tensor> {
    let device = device.unwrap_or(t.device()).check_available()?;
    let dtype = dtype.unwrap_or(t.dtype());
    if !copy && device == t.device() && dtype == t.dtype() {
        return Ok(t.clone());
    }
    let r = Tensor::from_data(to_contiguous_dtype(&t.data(), dtype)?);
    if crate::autograd::needs_grad(&[t]) && dtype.is_float() {
        // the gradient goes back converted to the input's dtype (a cast to an integer type ends
        // the graph, as in PyTorch)
        let (from, from_device) = (t.dtype(), t.device());
        crate::autograd::record("ToCopyBackward0", &[t], &[&r], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| to(g, Some(from_device), Some(from), false)).transpose()?])
        });
    }
    Ok(r)
}

/// `dst.copy_(src)`: src broadcast to dst's shape, converted to dst's dtype.
pub fn copy_(dst: &Tensor, src: &Tensor) -> Result<Tensor> {
    let (dd, sd) = (dst.data(), src.data());
    crate::tensor::layout::broadcast_shapes(&dd.layout.shape, &sd.layout.shape)
        .ok()
        .filter(|s| s[..] == dd.layout.shape[..])
        .ok_or_else(|| {
            crate::error::Error(format!(
                "output with shape {:?} doesn't match the broadcast shape {:?}",
                &dd.layout.shape[..],
                &sd.layout.shape[..]
            ))
        })?;
    if std::ptr::eq(dd.storage.as_ref(), sd.storage.as_ref()) {
        // overlapping views: go through a temporary
        let tmp = to_contiguous_dtype(&sd, sd.dtype)?;
        copy_into(&dd, &tmp)?;
    } else {
        copy_into(&dd, &sd)?;
    }
    dst.bump_version();
    Ok(dst.clone())
}

/// A contiguous copy with its own storage.
pub fn clone(t: &Tensor) -> Result<Tensor> {
    let d = t.data();
    Ok(Tensor::from_data(to_contiguous_dtype(&d, d.dtype)?))
}

pub fn fill_(t: &Tensor, v: Scalar) -> Result<Tensor> {
    crate::tensor::create::fill(&t.data(), v)?;
    t.bump_version();
    Ok(t.clone())
}

/// `fill_` with a 0-d tensor value.
pub fn fill_tensor_(t: &Tensor, v: &Tensor) -> Result<Tensor> {
    crate::ensure!(
        v.dim() == 0,
        "fill_ only supports 0-dimension value tensor but got tensor with {} dimensions.",
        v.dim()
    );
    let x = v.to_vec::<f64>()?[0];
    let s = if v.dtype().is_float() { Scalar::Float(x) } else { Scalar::Int(v.to_vec::<i64>()?[0]) };
    fill_(t, s)
}

/// A copy of `t`'s values with its own storage that shares `t`'s place in the graph (the
/// snapshot in-place ops compute from).
pub fn clone_with_history(t: &Tensor) -> Result<Tensor> {
    let c = clone(t)?;
    crate::autograd::graph::take_history(&c, t);
    Ok(c)
}
