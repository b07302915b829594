//! Random-mask layers: dropout and its variants (feature dropout, alpha dropout, both;
//! native_dropout with its mask) and rrelu: random factors times the input, drawn and composed
//! as PyTorch does (a seed gives its values), from primitives so gradients follow.

use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::random::with_rng;
use crate::tensor::{DType, Scalar, Tensor};

/// SELU's alpha times its scale: alpha dropout's value for a dropped element.
const SELU_ALPHA_SCALED: f64 = 1.758_099_340_847_376_6;

/// Which dropout: whole features (channels) or single elements, alpha (for SELU) or plain.
#[derive(Clone, Copy)]
pub struct Kind {
    pub feature: bool,
    pub alpha: bool,
}

/// A tensor of `x`'s dtype holding 1 with probability `keep`, else 0 (`bernoulli_(keep)`, so
/// PyTorch's draws): shaped like `x`, or for feature dropout `[N, C, 1, ...]` (one draw per
/// channel of each sample).
fn noise(x: &Tensor, feature: bool, keep: f64) -> Result<Tensor> {
    let mut shape = x.shape().to_vec();
    if feature {
        crate::ensure!(shape.len() >= 2, "Feature dropout requires at least 2 dimensions in the input");
        shape[2..].iter_mut().for_each(|d| *d = 1);
    }
    super::random::bernoulli_float_(&Tensor::empty(&shape, x.dtype(), x.device())?, keep)
}

/// PyTorch's `_dropout_impl`, step for step (so a seed gives its values): p checked, the
/// identity when not training or p = 0, zeros when p = 1; else the input times a mask divided
/// by 1 - p (plain), or for alpha dropout `x (a m) + b` with `b = (m - 1) alpha a + alpha a p`
/// and `a = 1/sqrt((alpha^2 p + 1)(1 - p))`, keeping the SELU mean and variance.
pub fn dropout_kind(x: &Tensor, p: f64, train: bool, kind: Kind) -> Result<Tensor> {
    crate::ensure!((0.0..=1.0).contains(&p), "dropout probability has to be between 0 and 1, but got {p}");
    if p == 0.0 || !train || x.numel() == 0 {
        return Ok(x.clone());
    }
    if p == 1.0 {
        return N::mul(x, &Tensor::zeros(&[], x.dtype(), x.device())?);
    }
    crate::ensure!(x.dtype().is_float(), "dropout expects a floating point input, got {}", x.dtype().name());
    let m = noise(x, kind.feature, 1.0 - p)?;
    if !kind.alpha {
        return N::mul(x, &N::div_scalar(&m, &Scalar::Float(1.0 - p))?);
    }
    let a = 1.0 / ((SELU_ALPHA_SCALED * SELU_ALPHA_SCALED * p + 1.0) * (1.0 - p)).sqrt();
    let shifted = N::add_scalar(&m, &Scalar::Float(-1.0))?;
    let b = N::add_scalar(&N::mul_scalar(&shifted, &Scalar::Float(SELU_ALPHA_SCALED * a))?, &Scalar::Float(SELU_ALPHA_SCALED * a * p))?;
    N::add(&N::mul(x, &N::mul_scalar(&m, &Scalar::Float(a))?)?, &b)
}

/// Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p).
pub fn dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> {
    dropout_kind(x, p, train, Kind { feature: false, alpha: false })
}

/// `native_dropout`: the output and the boolean keep mask (all true when not training).
pub fn native_dropout(x: &Tensor, p: f64, train: bool) -> Result<(Tensor, Tensor)> {
    crate::ensure!((0.0..=1.0).contains(&p), "dropout probability has to be between 0 and 1, but got {p}");
    if !train {
        return Ok((x.clone(), Tensor::ones(&x.shape(), DType::Bool, x.device())?));
    }
    let keep = 1.0 - p;
    let mask = super::random::bernoulli_float_(&Tensor::empty(&x.shape(), DType::Bool, x.device())?, keep)?;
    let scale = if keep == 0.0 { 0.0 } else { 1.0 / keep };
    Ok((N::mul_scalar(&N::mul(x, &mask)?, &Scalar::Float(scale))?, mask))
}

/// rrelu's slope bounds (PyTorch's defaults, which the C API's `rrelu` takes).
const RRELU_LOWER: f64 = 1.0 / 8.0;
const RRELU_UPPER: f64 = 1.0 / 3.0;

/// Randomized leaky ReLU: in training each element not above 0 is multiplied by its own slope
/// drawn from U(1/8, 1/3) (one double uniform per such element, in order, with the bounds in
/// the dtype's compute precision, as PyTorch); otherwise the leaky ReLU of the mean slope.
pub fn rrelu(x: &Tensor, training: bool) -> Result<Tensor> {
    crate::ensure!(x.dtype().is_float(), "\"rrelu_with_noise_out_cpu\" not implemented for '{}'", x.dtype().name());
    if !training {
        return super::unary::leaky_relu(x, &Scalar::Float((RRELU_LOWER + RRELU_UPPER) / 2.0));
    }
    let wide = x.dtype() == DType::F64;
    let bound = |v: f64| if wide { v } else { v as f32 as f64 };
    let (lo, hi) = (bound(RRELU_LOWER), bound(RRELU_UPPER));
    let xs = x.to_vec::<f64>()?;
    let slopes: Vec<f64> = with_rng(|r| {
        xs.iter().map(|&v| if v <= 0.0 { bound(r.uniform() * (hi - lo) + lo) } else { 1.0 }).collect()
    });
    let slopes = Tensor::from_vec(slopes, &x.shape())?;
    N::mul(x, &crate::ops::convert::to(&slopes, Some(x.device()), Some(x.dtype()), false)?)
}

macro_rules! atg_dropout {
    () => {
        fn dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::dropout(x, p, train) }
        fn dropout_(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::inplace("dropout_", x, p, train, false, false) }
        fn feature_dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::dropout_kind(x, p, train, $crate::ops::dropout::Kind { feature: true, alpha: false }) }
        fn feature_dropout_(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::inplace("feature_dropout_", x, p, train, true, false) }
        fn alpha_dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::dropout_kind(x, p, train, $crate::ops::dropout::Kind { feature: false, alpha: true }) }
        fn alpha_dropout_(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::inplace("alpha_dropout_", x, p, train, false, true) }
        fn feature_alpha_dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::dropout_kind(x, p, train, $crate::ops::dropout::Kind { feature: true, alpha: true }) }
        fn feature_alpha_dropout_(x: &Tensor, p: f64, train: bool) -> Result<Tensor> { $crate::ops::dropout::inplace("feature_alpha_dropout_", x, p, train, true, true) }
        fn rrelu(x: &Tensor, training: bool) -> Result<Tensor> { $crate::ops::dropout::rrelu(x, training) }
        fn rrelu_(x: &Tensor, training: bool) -> Result<Tensor> { $crate::ops::arith::inplace("rrelu_", x, &[], |t| $crate::ops::dropout::rrelu(t, training)) }
        fn native_dropout(x: &Tensor, p: f64, train: bool) -> Result<(Tensor, Tensor)> { $crate::ops::dropout::native_dropout(x, p, train) }
        fn native_dropout_backward(g: &Tensor, mask: &Tensor, scale: f64) -> Result<Tensor> {
            <Self as AtgApi>::mul_scalar(&<Self as AtgApi>::mul(g, mask)?, &Scalar::Float(scale))
        }
    };
}
pub(crate) use atg_dropout;

/// The in-place forms: the result written back into `x` (with its history when recorded).
pub fn inplace(op: &str, x: &Tensor, p: f64, train: bool, feature: bool, alpha: bool) -> Result<Tensor> {
    super::arith::inplace(op, x, &[], |t| dropout_kind(t, p, train, Kind { feature, alpha }))
}
