//! Shape ops with autograd: views (view, reshape, transpose, permute, narrow, slice, select,
//! squeeze, unsqueeze, expand, flatten, unflatten) record their backward; `sum_to` reduces a
//! broadcast gradient back to an input's shape.

use crate::autograd::{needs_grad, record};
use crate::error::Result;
use crate::tensor::{Dims, Tensor};
use std::sync::Arc;

/// Sums `g` over the dims that broadcasting added or expanded, giving a tensor of `shape`.
pub fn sum_to(g: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let gs = g.shape();
    if gs[..] == shape[..] {
        return Ok(g.clone());
    }
    let lead = gs.len() - shape.len();
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for (i, &s) in shape.iter().enumerate() {
        if s == 1 && gs[lead + i] != 1 {
            dims.push((lead + i) as i64);
        }
    }
    let r = if dims.is_empty() { g.clone() } else { super::reduce::sum(g, Some(&dims), true, None)? };
    reshape(&r, shape)
}

/// A gradient `g` reduced to an input's `shape` (over broadcast dims) and, for float inputs,
/// converted to the input's `dtype`.
pub fn grad_to_input(g: Tensor, shape: &[i64], dtype: crate::tensor::DType) -> Result<Tensor> {
    let g = sum_to(&g, shape)?;
    if g.dtype() != dtype && dtype.is_float() {
        super::convert::to(&g, None, Some(dtype), false)
    } else {
        Ok(g)
    }
}

/// Records a view-like op whose backward is `g.reshape(input shape)`.
fn record_reshape_like(name: &'static str, input: &Tensor, out: &Tensor) {
    if needs_grad(&[input]) {
        let shape: Dims = input.shape();
        crate::autograd::graph::record_unsaved(name, &[input], &[out], move |_, g| Ok(vec![match &g[0] {
            Some(g) => Some(reshape(g, &shape)?),
            None => None,
        }]));
    }
}

pub fn view(t: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let out = t.view(shape)?;
    record_reshape_like("ViewBackward0", t, &out);
    Ok(out)
}

pub fn reshape(t: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let out = t.reshape(shape)?;
    record_reshape_like("ReshapeAliasBackward0", t, &out);
    Ok(out)
}

pub fn squeeze(t: &Tensor, dims: Option<&[i64]>) -> Result<Tensor> {
    let out = t.squeeze(dims)?;
    record_reshape_like("SqueezeBackward0", t, &out);
    Ok(out)
}

pub fn unsqueeze(t: &Tensor, dim: i64) -> Result<Tensor> {
    let out = t.unsqueeze(dim)?;
    record_reshape_like("UnsqueezeBackward0", t, &out);
    Ok(out)
}

pub fn flatten(t: &Tensor, start: i64, end: i64) -> Result<Tensor> {
    let out = t.flatten(start, end)?;
    record_reshape_like("ViewBackward0", t, &out);
    Ok(out)
}

pub fn unflatten(t: &Tensor, dim: i64, sizes: &[i64]) -> Result<Tensor> {
    let out = t.unflatten(dim, sizes)?;
    record_reshape_like("ViewBackward0", t, &out);
    Ok(out)
}

pub fn contiguous(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() {
        return Ok(t.clone());
    }
    let out = t.contiguous()?;
    record_reshape_like("CloneBackward0", t, &out);
    Ok(out)
}

pub fn transpose(t: &Tensor, d0: i64, d1: i64) -> Result<Tensor> {
    let out = t.transpose(d0, d1)?;
    if needs_grad(&[t]) {
        crate::autograd::graph::record_unsaved("TransposeBackward0", &[t], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| transpose(g, d0, d1)).transpose()?])
        });
    }
    Ok(out)
}

pub fn t(x: &Tensor) -> Result<Tensor> {
    if x.dim() < 2 {
        let out = x.t()?;
        record_reshape_like("TBackward0", x, &out);
        return Ok(out);
    }
    x.t()?;
    transpose(x, 0, 1)
}

pub fn permute(t: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let out = t.permute(dims)?;
    if needs_grad(&[t]) {
        let n = dims.len();
        let mut inv = vec![0i64; n];
        for (i, &d) in dims.iter().enumerate() {
            let d = if d < 0 { d + n as i64 } else { d };
            inv[d as usize] = i as i64;
        }
        crate::autograd::graph::record_unsaved("PermuteBackward0", &[t], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| permute(g, &inv)).transpose()?])
        });
    }
    Ok(out)
}

pub fn expand(t: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let out = t.expand(shape)?;
    if needs_grad(&[t]) {
        let in_shape = t.shape();
        crate::autograd::graph::record_unsaved("ExpandBackward0", &[t], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| sum_to(g, &in_shape)).transpose()?])
        });
    }
    Ok(out)
}

/// The view op of narrow/slice/select, replayable on a gradient.
type ViewFn = Arc<dyn Fn(&Tensor) -> Result<Tensor> + Send + Sync>;

/// Backward of a sub-view: the gradient placed into zeros of the input's shape. Recorded
/// itself, so gradients of gradients flow back through the same view.
fn embed(g: &Tensor, in_shape: &[i64], f: ViewFn) -> Result<Tensor> {
    let z = Tensor::zeros(in_shape, g.dtype(), g.device())?;
    crate::cpu::copy::copy_into(&f(&z)?.data(), &g.data())?;
    if needs_grad(&[g]) {
        record("ViewScatterBackward", &[g], &[&z], move |_, gg| {
            Ok(vec![gg[0].as_ref().map(|gg| f(gg)).transpose()?])
        });
    }
    Ok(z)
}

fn subview(name: &'static str, t: &Tensor, f: ViewFn) -> Result<Tensor> {
    let out = f(t)?;
    if needs_grad(&[t]) {
        let in_shape = t.shape();
        crate::autograd::graph::record_unsaved(name, &[t], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| embed(g, &in_shape, f.clone())).transpose()?])
        });
    }
    Ok(out)
}

pub fn narrow(t: &Tensor, dim: i64, start: i64, len: i64) -> Result<Tensor> {
    // resolve a negative start against this tensor, so the replay on gradients agrees
    let size = t.shape().get(crate::tensor::layout::wrap_dim(dim, t.dim().max(1)).unwrap_or(0)).copied().unwrap_or(0);
    let start = if start < 0 { start + size } else { start };
    subview("NarrowBackward0", t, Arc::new(move |x: &Tensor| x.narrow(dim, start, len)))
}

pub fn slice(t: &Tensor, dim: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Result<Tensor> {
    subview("SliceBackward0", t, Arc::new(move |x: &Tensor| x.slice(dim, start, end, step)))
}

pub fn select(t: &Tensor, dim: i64, index: i64) -> Result<Tensor> {
    subview("SelectBackward0", t, Arc::new(move |x: &Tensor| x.select(dim, index)))
}

/// `as_strided` records no gradient rule yet: asking for one is an error, not a wrong answer.
pub fn as_strided(t: &Tensor, size: &[i64], stride: &[i64], offset: Option<i64>) -> Result<Tensor> {
    let out = t.as_strided(size, stride, offset)?;
    if needs_grad(&[t]) {
        record("AsStridedBackward0", &[t], &[&out], |_, _| {
            Err(crate::error::Error::not_implemented("as_strided backward"))
        });
    }
    Ok(out)
}
