//! Running extremes and log-sums along a dim: cummax and cummin (values and indices, as
//! PyTorch's scan: a NaN wins and stays, ties move the index forward) and logcumsumexp (f64
//! accumulation), with their gradients.

use super::cumulative::split3;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::ops::index::gather::{scatter, Reduce, Src};
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Element, Tensor};
use crate::{with_dtype, with_float_dtype};

/// cummax (`max`) or cummin of `t` along `dim`: the running extreme and the index it came from.
pub fn cumext(t: &Tensor, dim: i64, max: bool) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim(dim, t.dim())?;
    let shape = t.shape();
    let c = contiguous_as(&t.data(), t.dtype())?;
    let (vals, idx) = (Tensor::empty(&shape, t.dtype(), t.device())?, Tensor::empty(&shape, DType::I64, t.device())?);
    let (outer, n, inner) = split3(&shape, d);
    if n > 0 {
        with_dtype!(t.dtype(), T, {
            let (vd, id) = (vals.data(), idx.data());
            let (src, vs, is) = unsafe { (c.as_slice::<T>(), vd.as_mut_slice::<T>(), id.as_mut_slice::<i64>()) };
            running_extreme(src, vs, is, (outer, n, inner), max);
        });
    }
    if needs_grad(&[t]) {
        let (si, name) = (SavedTensor::input(&idx), if max { "CummaxBackward0" } else { "CumminBackward0" });
        record(name, &[t], &[&vals], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(cumext_backward(g, &si.get(node)?, dim)?)])
        });
    }
    Ok((vals, idx))
}

/// PyTorch's `cummaxmin_backward`: each gradient goes to the element its value came from.
pub fn cumext_backward(g: &Tensor, indices: &Tensor, dim: i64) -> Result<Tensor> {
    if g.dim() == 0 {
        return Ok(g.clone());
    }
    let zeros = Tensor::zeros(&g.shape(), g.dtype(), g.device())?;
    scatter(&zeros, dim, indices, Src::Tensor(g), Reduce::Add)
}

#[allow(clippy::eq_op)]
fn running_extreme<T: Element + PartialOrd>(src: &[T], vs: &mut [T], is: &mut [i64], (outer, n, inner): (usize, usize, usize), max: bool) {
    for o in 0..outer {
        for j in 0..inner {
            let at = |k: usize| (o * n + k) * inner + j;
            let (mut best, mut bi) = (src[at(0)], 0usize);
            for k in 0..n {
                let x = src[at(k)];
                if x != x || (best == best && if max { x >= best } else { x <= best }) {
                    (best, bi) = (x, k);
                }
                vs[at(k)] = best;
                is[at(k)] = bi as i64;
            }
        }
    }
}

/// `log(exp(acc) + exp(x))` as PyTorch's scan takes it: NaN propagates, and two infinities of
/// one sign give that infinity rather than NaN.
#[inline]
fn log_add_exp(acc: f64, x: f64) -> f64 {
    let (lo, hi) = if x.is_nan() { (x, x) } else if acc.is_nan() { (acc, acc) } else { (acc.min(x), acc.max(x)) };
    if lo != hi || lo.is_finite() {
        hi + (lo - hi).exp().ln_1p()
    } else {
        acc
    }
}

/// `log(cumsum(exp(t)))` along `dim`, without overflow.
pub fn logcumsumexp(t: &Tensor, dim: i64) -> Result<Tensor> {
    let dt = t.dtype();
    if !dt.is_float() {
        return Err(crate::ops::unary::kernel::not_for("logcumsumexp_out_cpu", dt));
    }
    let d = wrap_dim(dim, t.dim())?;
    let out = log_scan(t, d, false)?;
    if needs_grad(&[t]) {
        let (sx, so) = (SavedTensor::input(t), SavedTensor::output(&out, 0));
        record("LogcumsumexpBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(logcumsumexp_backward(g, &sx.get(node)?, &so.get(node)?, dim)?)])
        });
    }
    Ok(out)
}

/// The scan of [`log_add_exp`] along `d` (from the end when `reverse`), in `t`'s dtype.
fn log_scan(t: &Tensor, d: usize, reverse: bool) -> Result<Tensor> {
    let c = contiguous_as(&t.data(), t.dtype())?;
    let out = Tensor::empty(&t.shape(), t.dtype(), t.device())?;
    let (outer, n, inner) = split3(&t.shape(), d);
    with_float_dtype!(t.dtype(), T, {
        let od = out.data();
        let (src, dst) = unsafe { (c.as_slice::<T>(), od.as_mut_slice::<T>()) };
        for o in 0..outer {
            for j in 0..inner {
                let mut acc = f64::NEG_INFINITY;
                for s in 0..n {
                    let k = if reverse { n - 1 - s } else { s };
                    let i = (o * n + k) * inner + j;
                    acc = log_add_exp(acc, src[i].to_f64());
                    dst[i] = T::from_f64(acc);
                }
            }
        }
    }, { crate::bail!("logcumsumexp: expected a floating point tensor, got {}", t.dtype().name()) });
    Ok(out)
}

/// d/dx_k = sum over i >= k of g_i exp(x_k - y_i), summed in log space for the positive and the
/// negative parts of g separately (PyTorch's formula, from TensorFlow's). Not itself
/// differentiable.
pub fn logcumsumexp_backward(g: &Tensor, x: &Tensor, y: &Tensor, dim: i64) -> Result<Tensor> {
    let d = wrap_dim(dim, x.dim())?;
    let dt = x.dtype();
    crate::ensure!(dt.is_float(), "logcumsumexp_backward: expected a floating point input, got {}", dt.name());
    let (gc, xc, yc) = (contiguous_as(&g.data(), dt)?, contiguous_as(&x.data(), dt)?, contiguous_as(&y.data(), dt)?);
    let out = Tensor::empty(&x.shape(), dt, x.device())?;
    let (outer, n, inner) = split3(&x.shape(), d);
    with_float_dtype!(dt, T, {
        let od = out.data();
        let (gs, xs, ys, dst) = unsafe { (gc.as_slice::<T>(), xc.as_slice::<T>(), yc.as_slice::<T>(), od.as_mut_slice::<T>()) };
        for o in 0..outer {
            for j in 0..inner {
                let (mut pos, mut neg) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
                for k in (0..n).rev() {
                    let i = (o * n + k) * inner + j;
                    let (gv, yv) = (gs[i].to_f64(), ys[i].to_f64());
                    if gv > 0.0 {
                        pos = log_add_exp(pos, gv.ln() - yv);
                    } else if gv < 0.0 {
                        neg = log_add_exp(neg, (-gv).ln() - yv);
                    } else if gv.is_nan() {
                        pos = f64::NAN;
                    }
                    let xv = xs[i].to_f64();
                    dst[i] = T::from_f64((pos + xv).exp() - (neg + xv).exp());
                }
            }
        }
    }, { crate::bail!("logcumsumexp_backward: expected a floating point tensor, got {}", dt.name()) });
    if needs_grad(&[g, x]) {
        record("LogcumsumexpBackwardBackward", &[g, x], &[&out], |_, _| {
            Err(crate::error::Error::not_implemented("double backward of logcumsumexp"))
        });
    }
    Ok(out)
}
