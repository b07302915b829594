//! Layer ops built from differentiable ops: glu, prelu, instance_norm (PyTorch's own reduction to
//! batch_norm over one batch of N*C channels), and `unfold`, the sliding-window view, with its
//! backward.

use crate::autograd::{needs_grad, record};
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::ops::Native as N;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{Scalar, Tensor};

/// `a * sigmoid(b)` for the two halves `a`, `b` of `x` along `dim`.
pub fn glu(x: &Tensor, dim: i64) -> Result<Tensor> {
    crate::ensure!(x.dim() > 0, "glu does not support scalars because halving size must be even");
    let d = wrap_dim(dim, x.dim())?;
    let n = x.shape()[d];
    crate::ensure!(n % 2 == 0, "Halving dimension must be even, but dimension {d} is size {n}");
    let (a, b) = (super::shape::narrow(x, d as i64, 0, n / 2)?, super::shape::narrow(x, d as i64, n / 2, n / 2)?);
    N::mul(&a, &N::sigmoid(&b)?)
}

/// `x` where positive, else `weight * x`, with one weight or one per channel (dim 1).
pub fn prelu(x: &Tensor, weight: &Tensor) -> Result<Tensor> {
    crate::ensure!(weight.dim() <= 1, "prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {}", weight.dim());
    let (wn, c) = (weight.numel() as i64, if x.dim() >= 2 { x.shape()[1] } else { 1 });
    crate::ensure!(
        wn == 1 || wn == c,
        "Mismatch of parameter numbers and input channel size. Found parameter numbers = {wn} and channel size = {c}."
    );
    let w = if wn == 1 || x.dim() < 2 {
        super::shape::reshape(weight, &[])?
    } else {
        let mut s = vec![1i64; x.dim()];
        s[1] = c;
        super::shape::reshape(weight, &s)?
    };
    // w multiplies only the non-positive part, so an infinite x or w never meets a zero
    // gradient in a product (PyTorch's kernel never forms w * x where x > 0)
    let positive = N::gt(x, &Scalar::Int(0))?;
    let negative_part = N::where_self(&positive, &N::zeros_like(x)?, x)?;
    N::where_self(&positive, x, &N::mul(&w, &negative_part)?)
}

/// Instance normalization: each (sample, channel) over its spatial positions, as batch_norm
/// over a batch of one with N*C channels; running statistics, when given, are updated with the
/// mean over the samples (training) or used as they are (`use_input_stats` false).
#[allow(clippy::too_many_arguments)]
pub fn instance_norm(
    x: &Tensor,
    w: Option<&Tensor>,
    b: Option<&Tensor>,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    use_input_stats: bool,
    momentum: f64,
    eps: f64,
) -> Result<Tensor> {
    let s = x.shape();
    crate::ensure!(s.len() >= 2, "instance_norm: expected 2D or more input (got {}D input)", s.len());
    crate::ensure!(
        use_input_stats || (running_mean.is_some() && running_var.is_some()),
        "Expected running_mean and running_var to be defined when use_input_stats is false"
    );
    let (n, c) = (s[0], s[1]);
    let mut folded = vec![1, n * c];
    folded.extend_from_slice(&s[2..]);
    let xr = super::shape::reshape(x, &folded)?;
    let rep = |t: Option<&Tensor>| t.map(|t| super::join::repeat::repeat(t, &[n])).transpose();
    let (wr, br, rmr, rvr) = (rep(w)?, rep(b)?, rep(running_mean)?, rep(running_var)?);
    let out = super::batch_norm::batch_norm(&xr, wr.as_ref(), br.as_ref(), rmr.as_ref(), rvr.as_ref(), use_input_stats, momentum, eps)?;
    if use_input_stats {
        for (orig, repeated) in [(running_mean, &rmr), (running_var, &rvr)] {
            if let (Some(o), Some(r)) = (orig, repeated) {
                crate::autograd::with_grad_mode(false, || -> Result<()> {
                    let per_sample = super::shape::reshape(r, &[n, c])?;
                    super::convert::copy_(o, &super::reduce::mean(&per_sample, Some(&[0]), false, None)?)?;
                    Ok(())
                })?;
            }
        }
    }
    super::shape::reshape(&out, &s)
}

/// `t.unfold(dim, size, step)`: windows of `size` elements every `step` along `dim`, as a new
/// last dim of a view.
pub fn unfold(t: &Tensor, dim: i64, size: i64, step: i64) -> Result<Tensor> {
    let nd = t.dim();
    let d = wrap_dim(dim, nd.max(1))?;
    let l = t.layout();
    let (n, st) = if nd == 0 { (1, 1) } else { (l.shape[d], l.strides[d]) };
    crate::ensure!(size <= n, "maximum size for tensor at dimension {d} is {n} but size is {size}");
    crate::ensure!(size >= 0, "size is {size} but must be >= 0");
    crate::ensure!(step > 0, "step is {step} but must be > 0");
    let (mut shape, mut strides) = (l.shape.to_vec(), l.strides.to_vec());
    if nd > 0 {
        shape[d] = (n - size) / step + 1;
        strides[d] = st * step;
    }
    shape.push(size);
    strides.push(st);
    let out = t.as_strided(&shape, &strides, Some(l.offset as i64))?;
    if needs_grad(&[t]) {
        let sizes = t.shape().to_vec();
        record("UnfoldBackward0", &[t], &[&out], move |_, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(unfold_backward(g, &sizes, dim, size, step)?)])
        });
    }
    Ok(out)
}

/// The gradient of [`unfold`]: each window's gradient added back at the positions it viewed.
/// Not itself differentiable.
pub fn unfold_backward(g: &Tensor, sizes: &[i64], dim: i64, size: i64, step: i64) -> Result<Tensor> {
    let nd = sizes.len();
    let d = wrap_dim(dim, nd.max(1))?;
    let gin = crate::autograd::with_grad_mode(false, || -> Result<Tensor> {
        let gin = Tensor::zeros(sizes, g.dtype(), g.device())?;
        let windows = g.shape().get(d).copied().unwrap_or(1);
        crate::ensure!(g.dim() == nd + 1, "unfold_backward: expected a gradient with {} dims, got {}", nd + 1, g.dim());
        for j in 0..size {
            let gj = super::shape::select(g, -1, j)?;
            if nd == 0 {
                N::add_(&gin, &gj)?;
                continue;
            }
            let end = j + (windows - 1) * step + 1;
            let dst = super::shape::slice(&gin, d as i64, Some(j), Some(end), step)?;
            N::add_(&dst, &gj)?;
        }
        Ok(gin)
    })?;
    if needs_grad(&[g]) {
        record("UnfoldBackwardBackward0", &[g], &[&gin], |_, _| Err(crate::error::Error::not_implemented("double backward of unfold")));
    }
    Ok(gin)
}

/// The `atg_*` entry points of these ops.
macro_rules! atg_layers {
    () => {
        fn glu(x: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::layers::glu(x, dim) }
        fn glu_out(out: &Tensor, x: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::layers::glu(x, dim)?) }
        fn prelu(x: &Tensor, w: &Tensor) -> Result<Tensor> { $crate::ops::layers::prelu(x, w) }
        fn _prelu_kernel(x: &Tensor, w: &Tensor) -> Result<Tensor> { $crate::ops::layers::prelu(x, w) }
        fn instance_norm(x: &Tensor, w: Option<&Tensor>, b: Option<&Tensor>, rm: Option<&Tensor>, rv: Option<&Tensor>, use_input_stats: bool, momentum: f64, eps: f64, _cudnn: bool) -> Result<Tensor> {
            $crate::ops::layers::instance_norm(x, w, b, rm, rv, use_input_stats, momentum, eps)
        }
        fn unfold(t: &Tensor, dim: i64, size: i64, step: i64) -> Result<Tensor> { $crate::ops::layers::unfold(t, dim, size, step) }
        fn unfold_backward(g: &Tensor, sizes: &[i64], dim: i64, size: i64, step: i64) -> Result<Tensor> { $crate::ops::layers::unfold_backward(g, sizes, dim, size, step) }
    };
}
pub(crate) use atg_layers;
