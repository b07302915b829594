//! The pointwise regression losses of `d = input - target` (mse, l1, smooth_l1, huber): the
//! per-element loss in one elementwise pass for float inputs of one dtype, its mean or sum fused
//! into one threaded pass for same-shape f32 inputs, composed from ops otherwise; and their
//! backward (also the `*_loss_backward` entry points), written with ops so that it has
//! gradients itself.

use super::loss::{reduce, MEAN, NONE, SUM};
use super::Native as N;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::{DType, Device, Scalar, Tensor};

/// Which loss of `d`; the parameter (beta, delta) as given.
#[derive(Clone, Copy, Debug)]
enum Loss {
    Mse,
    L1,
    /// `0.5 z^2 / beta` below beta, `z - 0.5 beta` above (beta > 0; 0 is [`Loss::L1`])
    SmoothL1(f64),
    /// `0.5 z^2` below delta, `delta (z - 0.5 delta)` above (delta > 0)
    Huber(f64),
}

/// Runs `$body` with `$f` bound to the f32 loss of one difference for `$kind`, as PyTorch's
/// kernels write it (the parameter rounded to f32 first, as theirs): each kind its own closure,
/// so that the loops it goes into vectorise.
macro_rules! with_f32_loss {
    ($kind:expr, $f:ident, $body:expr) => {
        match $kind {
            Loss::Mse => {
                let $f = |d: f32| d * d;
                $body
            }
            Loss::L1 => {
                let $f = |d: f32| d.abs();
                $body
            }
            Loss::SmoothL1(k) => {
                let k = k as f32;
                let $f = move |d: f32| {
                    let z = d.abs();
                    if z < k { 0.5 * z * z / k } else { z - 0.5 * k }
                };
                $body
            }
            Loss::Huber(k) => {
                let k = k as f32;
                let $f = move |d: f32| {
                    let z = d.abs();
                    if z < k { 0.5 * z * z } else { k * (z - 0.5 * k) }
                };
                $body
            }
        }
    };
}

impl Loss {
    fn smooth_l1(beta: f64) -> Result<Loss> {
        crate::ensure!(beta >= 0.0, "smooth_l1_loss does not support negative values for beta.");
        Ok(if beta == 0.0 { Loss::L1 } else { Loss::SmoothL1(beta) })
    }

    fn huber(delta: f64) -> Result<Loss> {
        crate::ensure!(delta > 0.0, "huber_loss does not support non-positive values for delta.");
        Ok(Loss::Huber(delta))
    }

    fn backward_name(self) -> &'static str {
        match self {
            Loss::Mse => "MseLossBackward0",
            Loss::L1 => "L1LossBackward0",
            Loss::SmoothL1(_) => "SmoothL1LossBackward0",
            Loss::Huber(_) => "HuberLossBackward0",
        }
    }

    fn f64_of(self) -> impl Fn(f64) -> f64 + Copy + Sync {
        move |d: f64| {
            let z = d.abs();
            match self {
                Loss::Mse => d * d,
                Loss::L1 => z,
                Loss::SmoothL1(k) => if z < k { 0.5 * z * z / k } else { z - 0.5 * k },
                Loss::Huber(k) => if z < k { 0.5 * z * z } else { k * (z - 0.5 * k) },
            }
        }
    }

    /// The per-element losses composed from ops (other dtypes, mixed dtypes, other devices).
    fn composed(self, x: &Tensor, t: &Tensor) -> Result<Tensor> {
        let d = N::sub(x, t)?;
        let f = Scalar::Float;
        match self {
            Loss::Mse => N::mul(&d, &d),
            Loss::L1 => N::abs(&d),
            Loss::SmoothL1(k) | Loss::Huber(k) => {
                let huber = matches!(self, Loss::Huber(_));
                let z = N::abs(&d)?;
                let quad = N::mul_scalar(&N::mul(&z, &z)?, &f(if huber { 0.5 } else { 0.5 / k }))?;
                let lin = N::sub_scalar(&z, &f(0.5 * k))?;
                let lin = if huber { N::mul_scalar(&lin, &f(k))? } else { lin };
                N::where_self(&N::lt(&z, &f(k))?, &quad, &lin)
            }
        }
    }

    /// d loss / d d for the differences `d`, with ops: 2d, sign(d), clamp(d / beta, -1, 1),
    /// clamp(d, -delta, delta).
    fn derivative(self, d: &Tensor) -> Result<Tensor> {
        let f = Scalar::Float;
        match self {
            Loss::Mse => N::mul_scalar(d, &f(2.0)),
            Loss::L1 => N::sign(d),
            Loss::SmoothL1(k) => N::clamp(&N::div_scalar(d, &f(k))?, &f(-1.0), &f(1.0)),
            Loss::Huber(k) => N::clamp(d, &f(-k), &f(k)),
        }
    }
}

fn check_reduction(reduction: i64) -> Result<()> {
    crate::ensure!(matches!(reduction, NONE | MEAN | SUM), "{reduction} is not a valid value for reduction");
    Ok(())
}

/// The loss with its reduction; fused paths record their own backward node.
fn loss(kind: Loss, x: &Tensor, t: &Tensor, reduction: i64) -> Result<Tensor> {
    check_reduction(reduction)?;
    let (dx, dt) = (x.dtype(), t.dtype());
    let cpu = x.device() == Device::Cpu && t.device() == Device::Cpu;
    if !(cpu && dx == dt && dx.is_float()) {
        return reduce(&kind.composed(x, t)?, reduction);
    }
    let out = if reduction != NONE && dx == DType::F32 && x.shape() == t.shape() {
        let (xc, tc) = (x.contiguous()?, t.contiguous()?);
        let total: f64 = {
            let (xd, td) = (xc.data(), tc.data());
            // SAFETY: contiguous f32 tensors of the same shape
            let (a, b) = unsafe { (xd.as_slice::<f32>(), td.as_slice::<f32>()) };
            let part = |r: std::ops::Range<usize>| {
                with_f32_loss!(kind, f, super::reduce::sum::diff_map_sum_f32(&a[r.clone()], &b[r], f))
            };
            super::reduce::fold::split_parallel(a.len(), part).iter().sum()
        };
        let v = if reduction == MEAN { total / x.numel() as f64 } else { total };
        Tensor::full(&[], Scalar::Float(v as f32 as f64), DType::F32, x.device())?
    } else {
        let each = {
            let (xd, td) = (x.data(), t.data());
            let each = with_f32_loss!(kind, f, crate::ops::unary::kernel::float_map2(&xd, &td, move |a, b| f(a - b), {
                let g = kind.f64_of();
                move |a, b| g(a - b)
            }));
            Tensor::from_data(each?)
        };
        reduce(&each, reduction)?
    };
    if needs_grad(&[x, t]) {
        let (sx, st) = (SavedTensor::input(x), SavedTensor::input(t));
        let (rx, rt) = (x.requires_grad(), t.requires_grad());
        record(kind.backward_name(), &[x, t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            let (xv, tv) = (sx.get(node)?, st.get(node)?);
            let gx = backward(kind, g, &xv, &tv, reduction, false)?;
            let gt = if rt { Some(super::shape::grad_to_input(N::neg(&gx)?, &tv.shape(), tv.dtype())?) } else { None };
            let gx = if rx { Some(super::shape::grad_to_input(gx, &xv.shape(), xv.dtype())?) } else { None };
            Ok(vec![gx, gt])
        });
    }
    Ok(out)
}

/// The gradient for `x` of the loss of `x - t` given the result's gradient `g`: in the
/// broadcast shape of x and t, or (`to_input`) summed to x's shape, as the entry points return.
fn backward(kind: Loss, g: &Tensor, x: &Tensor, t: &Tensor, reduction: i64, to_input: bool) -> Result<Tensor> {
    check_reduction(reduction)?;
    let d = N::sub(x, t)?;
    let g = if reduction == MEAN { N::div_scalar(g, &Scalar::Int(d.numel() as i64))? } else { g.clone() };
    let gx = N::mul(&kind.derivative(&d)?, &g)?;
    if to_input {
        super::shape::grad_to_input(gx, &x.shape(), x.dtype())
    } else {
        Ok(gx)
    }
}

pub fn mse_loss(x: &Tensor, t: &Tensor, reduction: i64) -> Result<Tensor> {
    loss(Loss::Mse, x, t, reduction)
}

pub fn l1_loss(x: &Tensor, t: &Tensor, reduction: i64) -> Result<Tensor> {
    loss(Loss::L1, x, t, reduction)
}

pub fn smooth_l1_loss(x: &Tensor, t: &Tensor, reduction: i64, beta: f64) -> Result<Tensor> {
    loss(Loss::smooth_l1(beta)?, x, t, reduction)
}

pub fn huber_loss(x: &Tensor, t: &Tensor, reduction: i64, delta: f64) -> Result<Tensor> {
    loss(Loss::huber(delta)?, x, t, reduction)
}

pub fn mse_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, reduction: i64) -> Result<Tensor> {
    backward(Loss::Mse, g, x, t, reduction, true)
}

pub fn smooth_l1_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, reduction: i64, beta: f64) -> Result<Tensor> {
    backward(Loss::smooth_l1(beta)?, g, x, t, reduction, true)
}

pub fn huber_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, reduction: i64, delta: f64) -> Result<Tensor> {
    backward(Loss::huber(delta)?, g, x, t, reduction, true)
}

macro_rules! atg_loss_pointwise {
    () => {
        fn mse_loss(x: &Tensor, t: &Tensor, r: i64) -> Result<Tensor> { $crate::ops::loss_pointwise::mse_loss(x, t, r) }
        fn l1_loss(x: &Tensor, t: &Tensor, r: i64) -> Result<Tensor> { $crate::ops::loss_pointwise::l1_loss(x, t, r) }
        fn smooth_l1_loss(x: &Tensor, t: &Tensor, r: i64, beta: f64) -> Result<Tensor> { $crate::ops::loss_pointwise::smooth_l1_loss(x, t, r, beta) }
        fn huber_loss(x: &Tensor, t: &Tensor, r: i64, delta: f64) -> Result<Tensor> { $crate::ops::loss_pointwise::huber_loss(x, t, r, delta) }
        fn mse_loss_out(out: &Tensor, x: &Tensor, t: &Tensor, r: i64) -> Result<Tensor> {
            $crate::ops::pointwise::to_out_same(out, $crate::ops::loss_pointwise::mse_loss(x, t, r), $crate::ops::pointwise::found_dtype)
        }
        fn smooth_l1_loss_out(out: &Tensor, x: &Tensor, t: &Tensor, r: i64, beta: f64) -> Result<Tensor> {
            $crate::ops::pointwise::to_out_same(out, $crate::ops::loss_pointwise::smooth_l1_loss(x, t, r, beta), $crate::ops::pointwise::found_dtype)
        }
        fn huber_loss_out(out: &Tensor, x: &Tensor, t: &Tensor, r: i64, delta: f64) -> Result<Tensor> {
            $crate::ops::pointwise::to_out_same(out, $crate::ops::loss_pointwise::huber_loss(x, t, r, delta), $crate::ops::pointwise::found_dtype)
        }
        fn mse_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, r: i64) -> Result<Tensor> { $crate::ops::loss_pointwise::mse_loss_backward(g, x, t, r) }
        fn mse_loss_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, t: &Tensor, r: i64) -> Result<Tensor> {
            $crate::ops::pointwise::to_out_same(gi, $crate::ops::loss_pointwise::mse_loss_backward(g, x, t, r), $crate::ops::pointwise::found_dtype)
        }
        fn smooth_l1_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, r: i64, beta: f64) -> Result<Tensor> {
            $crate::ops::loss_pointwise::smooth_l1_loss_backward(g, x, t, r, beta)
        }
        fn smooth_l1_loss_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, t: &Tensor, r: i64, beta: f64) -> Result<Tensor> {
            $crate::ops::pointwise::to_out_same(gi, $crate::ops::loss_pointwise::smooth_l1_loss_backward(g, x, t, r, beta), $crate::ops::pointwise::found_dtype)
        }
        fn huber_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, r: i64, delta: f64) -> Result<Tensor> {
            $crate::ops::loss_pointwise::huber_loss_backward(g, x, t, r, delta)
        }
        fn huber_loss_backward_out(gi: &Tensor, g: &Tensor, x: &Tensor, t: &Tensor, r: i64, delta: f64) -> Result<Tensor> {
            $crate::ops::pointwise::to_out_same(gi, $crate::ops::loss_pointwise::huber_loss_backward(g, x, t, r, delta), $crate::ops::pointwise::found_dtype)
        }
    };
}
pub(crate) use atg_loss_pointwise;
