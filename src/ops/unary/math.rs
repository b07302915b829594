//! Floating math functions (exp and log families, powers, trigonometric and hyperbolic
//! functions, erf, sigmoid, logit) with their backward rules. Float inputs keep their dtype;
//! integer and bool inputs give float32, as in PyTorch.

use super::approx;
use super::backward_ops::{logit_backward, sigmoid_backward, tanh_backward};
use super::grad::{add_c, div, mul, mul_c, record1, rsub_c, Keep};
use super::elementary as el;
use super::kernel::{float_map, float_map_m};
use crate::error::Result;
use crate::ops::arith::neg;
use crate::tensor::Tensor;
use std::f64::consts::{LN_10, LN_2};

/// 2 / sqrt(pi), the scale of erf's derivative.
const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// A float op: `$map` (`float_map` for a plain f32 function, `float_map_m` for an
/// [`approx::MaddFn`], whose polynomial steps are fused in the FMA builds) and its backward rule.
macro_rules! float_unary_with {
    ($map:ident, $(#[$doc:meta])* $name:ident, $node:literal, $f32:expr, $f64:expr, $keep:ident, |$g:ident, $k:ident| $rule:expr) => {
        $(#[$doc])*
        pub fn $name(a: &Tensor) -> Result<Tensor> {
            let out = Tensor::from_data($map(&a.read(), $f32, $f64)?);
            record1($node, a, &out, Keep::$keep, |$g: &Tensor, $k: &Tensor| $rule);
            Ok(out)
        }
    };
}

macro_rules! float_unary {
    ($($t:tt)*) => { float_unary_with!(float_map, $($t)*); };
}

macro_rules! float_unary_m {
    ($($t:tt)*) => { float_unary_with!(float_map_m, $($t)*); };
}

float_unary_m!(/// e^x
    exp, "ExpBackward0", approx::Exp, f64::exp, Output, |g, y| mul(g, y));
float_unary_m!(/// 2^x
    exp2, "Exp2Backward0", el::Exp2, f64::exp2, Output, |g, y| mul_c(&mul(g, y)?, LN_2));
float_unary_m!(/// e^x - 1
    expm1, "Expm1Backward0", el::Expm1, f64::exp_m1, Output, |g, y| mul(g, &add_c(y, 1.0)?));
float_unary_m!(/// Natural logarithm.
    log, "LogBackward0", approx::Ln, f64::ln, Input, |g, x| div(g, x));
float_unary_m!(/// Base-2 logarithm.
    log2, "Log2Backward0", el::Log2, f64::log2, Input, |g, x| div(g, &mul_c(x, LN_2)?));
float_unary_m!(/// Base-10 logarithm.
    log10, "Log10Backward0", el::Log10, f64::log10, Input, |g, x| div(g, &mul_c(x, LN_10)?));
float_unary_m!(/// ln(1 + x)
    log1p, "Log1PBackward0", el::Log1p, f64::ln_1p, Input, |g, x| div(g, &add_c(x, 1.0)?));
float_unary!(/// Square root.
    sqrt, "SqrtBackward0", f32::sqrt, f64::sqrt, Output, |g, y| div(g, &mul_c(y, 2.0)?));
float_unary!(/// 1 / sqrt(x)
    rsqrt, "RsqrtBackward0", |x: f32| 1.0 / x.sqrt(), |x: f64| 1.0 / x.sqrt(), Output,
    |g, y| mul(g, &mul_c(&mul(y, &mul(y, y)?)?, -0.5)?));
float_unary!(/// 1 / x
    reciprocal, "ReciprocalBackward0", |x: f32| 1.0 / x, |x: f64| 1.0 / x, Output,
    |g, y| mul(g, &mul_c(&mul(y, y)?, -1.0)?));
float_unary_m!(/// Sine.
    sin, "SinBackward0", approx::SinCos::<false>, f64::sin, Input, |g, x| mul(g, &cos(x)?));
float_unary_m!(/// Cosine.
    cos, "CosBackward0", approx::SinCos::<true>, f64::cos, Input, |g, x| mul(g, &neg(&sin(x)?)?));
float_unary_m!(/// Tangent.
    tan, "TanBackward0", el::Tan, f64::tan, Output, |g, y| mul(g, &add_c(&mul(y, y)?, 1.0)?));
float_unary_m!(/// Arcsine.
    asin, "AsinBackward0", el::Asin, f64::asin, Input, |g, x| mul(g, &rsqrt(&rsub_c(&mul(x, x)?, 1.0)?)?));
float_unary_m!(/// Arccosine.
    acos, "AcosBackward0", el::Acos, f64::acos, Input,
    |g, x| mul(g, &neg(&rsqrt(&rsub_c(&mul(x, x)?, 1.0)?)?)?));
float_unary_m!(/// Arctangent.
    atan, "AtanBackward0", el::Atan, f64::atan, Input, |g, x| div(g, &add_c(&mul(x, x)?, 1.0)?));
float_unary_m!(/// Hyperbolic sine.
    sinh, "SinhBackward0", el::Sinh, f64::sinh, Input, |g, x| mul(g, &cosh(x)?));
float_unary_m!(/// Hyperbolic cosine.
    cosh, "CoshBackward0", el::Cosh, f64::cosh, Input, |g, x| mul(g, &sinh(x)?));
float_unary_m!(/// Hyperbolic tangent.
    tanh, "TanhBackward0", approx::Tanh, f64::tanh, Output, |g, y| tanh_backward(g, y));
float_unary!(/// Inverse hyperbolic sine.
    asinh, "AsinhBackward0", f32::asinh, f64::asinh, Input, |g, x| mul(g, &rsqrt(&add_c(&mul(x, x)?, 1.0)?)?));
float_unary!(/// Inverse hyperbolic cosine.
    acosh, "AcoshBackward0", f32::acosh, f64::acosh, Input, |g, x| mul(g, &rsqrt(&add_c(&mul(x, x)?, -1.0)?)?));
float_unary!(/// Inverse hyperbolic tangent.
    atanh, "AtanhBackward0", f32::atanh, f64::atanh, Input, |g, x| div(g, &rsub_c(&mul(x, x)?, 1.0)?));
float_unary_m!(/// The logistic function 1 / (1 + e^-x).
    sigmoid, "SigmoidBackward0", approx::Sigmoid, |x: f64| 1.0 / (1.0 + (-x).exp()), Output,
    |g, y| sigmoid_backward(g, y));
float_unary!(/// The error function.
    erf, "ErfBackward0", approx::erf_approx, approx::erf_f64, Input,
    |g, x| mul(g, &mul_c(&exp(&neg(&mul(x, x)?)?)?, TWO_OVER_SQRT_PI)?));
float_unary!(/// The complementary error function 1 - erf(x).
    erfc, "ErfcBackward0", approx::erfc_f32, approx::erfc_f64, Input,
    |g, x| mul(g, &mul_c(&exp(&neg(&mul(x, x)?)?)?, -TWO_OVER_SQRT_PI)?));

/// `log(z / (1 - z))` with `z` clamped to `[eps, 1 - eps]` when `eps` is given and not negative.
pub fn logit(a: &Tensor, eps: Option<f64>) -> Result<Tensor> {
    let lo = eps.filter(|e| *e >= 0.0);
    let out = match lo {
        None => float_map(&a.data(), |x: f32| (x / (1.0 - x)).ln(), |x: f64| (x / (1.0 - x)).ln())?,
        Some(e) => {
            let (l32, h32) = (e as f32, 1.0 - e as f32);
            let (l64, h64) = (e, 1.0 - e);
            float_map(
                &a.data(),
                move |x: f32| {
                    let z = if x < l32 { l32 } else if x > h32 { h32 } else { x };
                    (z / (1.0 - z)).ln()
                },
                move |x: f64| {
                    let z = if x < l64 { l64 } else if x > h64 { h64 } else { x };
                    (z / (1.0 - z)).ln()
                },
            )?
        }
    };
    let out = Tensor::from_data(out);
    record1("LogitBackward0", a, &out, Keep::Input, move |g, x| logit_backward(g, x, eps));
    Ok(out)
}
