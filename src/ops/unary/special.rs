//! Special functions of one tensor (lgamma, digamma, polygamma, erfinv, the modified Bessel
//! functions, the normal distribution's ndtr/ndtri/log_ndtr, erfcx, entr, sinc, deg2rad,
//! shrinkage, frexp) with their backward rules; values from `special_fns` computed in f64.

use super::grad::{add_c, mul, mul_c, record1, Keep};
use super::kernel::{each, float_map, map};
use super::math::{exp, log};
use super::special_fns as sf;
use crate::error::Result;
use crate::ops::arith::{binary, neg, BinOp};
use crate::ops::pointwise::{compare, record_not_differentiable, where_, Arg, Cmp};
use crate::tensor::{DType, Scalar, Tensor};
use half::{bf16, f16};
use std::f64::consts::PI;

/// sqrt(2 pi).
const SQRT_2PI: f64 = 2.506_628_274_631_000_7;

/// `f` over a float tensor's elements in f64 (f32, f16 and bf16 round the f64 value);
/// integer and bool inputs give float32.
fn map_f64(a: &Tensor, f: fn(f64) -> f64) -> Result<Tensor> {
    map_f64_or(a, f, move |x: f32| f(x as f64) as f32)
}

/// [`map_f64`] with its own f32 function (also for f16, bf16, integers and bool).
fn map_f64_or(a: &Tensor, f: fn(f64) -> f64, f32_of: impl Fn(f32) -> f32 + Sync + Copy) -> Result<Tensor> {
    Ok(Tensor::from_data(float_map(&a.read(), f32_of, f)?))
}

/// The f32 function of a special function: `f` in f64, rounded, unless one is named.
macro_rules! f32_of {
    ($f:expr) => {
        |x: f32| ($f)(x as f64) as f32
    };
    ($f:expr, $g:path) => {
        $g
    };
}

/// `x == 0` as a bool tensor.
fn is_zero(x: &Tensor) -> Result<Tensor> {
    compare(Cmp::Eq, Arg::T(x), Arg::S(Scalar::Int(0)))
}

/// A differentiable special function: `$f` elementwise, `$rule` its gradient.
macro_rules! special_unary {
    ($(#[$doc:meta])* $name:ident, $node:literal, $f:path, $([f32: $f32:path],)? $keep:ident, |$g:ident, $k:ident| $rule:expr) => {
        $(#[$doc])*
        pub fn $name(a: &Tensor) -> Result<Tensor> {
            let out = map_f64_or(a, $f, f32_of!($f $(, $f32)?))?;
            record1($node, a, &out, Keep::$keep, |$g: &Tensor, $k: &Tensor| $rule);
            Ok(out)
        }
    };
}

/// A special function PyTorch gives no derivative: its result refuses backward.
macro_rules! special_unary_nd {
    ($(#[$doc:meta])* $name:ident, $aten:literal, $f:expr $(, [f32: $f32:path])?) => {
        $(#[$doc])*
        pub fn $name(a: &Tensor) -> Result<Tensor> {
            let out = map_f64_or(a, $f, f32_of!($f $(, $f32)?))?;
            record_not_differentiable($aten, &[Arg::T(a)], &out);
            Ok(out)
        }
    };
}

special_unary!(/// ln|Γ(x)|.
    lgamma, "LgammaBackward0", sf::lgamma, Input, |g, x| mul(g, &digamma(x)?));
special_unary!(/// ψ(x), the logarithmic derivative of Γ.
    digamma, "DigammaBackward0", sf::digamma, Input, |g, x| mul(g, &polygamma(1, x)?));
special_unary!(/// The inverse error function.
    erfinv, "ErfinvBackward0", sf::erfinv, Output,
    |g, y| mul(g, &mul_c(&exp(&mul(y, y)?)?, 0.5 * PI.sqrt())?));
special_unary!(/// I_0(x), the modified Bessel function of the first kind of order 0.
    i0, "I0Backward0", sf::i0, [f32: sf::i0_f32], Input, |g, x| mul(g, &i1(x)?));
special_unary!(/// I_0(x) e^{-|x|}.
    i0e, "SpecialI0EBackward0", sf::i0e, Input,
    |g, x| mul(g, &binary(BinOp::Sub, &i1e(x)?, &mul(&super::sgn(x)?, &i0e(x)?)?)?));
special_unary!(/// I_1(x).
    i1, "SpecialI1Backward0", sf::i1, [f32: sf::i1_f32], Input, |g, x| {
        // I_1'(x) = I_0(x) - I_1(x) / x, 1/2 at 0
        let d = binary(BinOp::Sub, &i0(x)?, &binary(BinOp::Div, &i1(x)?, x)?)?;
        mul(g, &where_(&is_zero(x)?, Arg::S(Scalar::Float(0.5)), Arg::T(&d))?)
    });
special_unary!(/// I_1(x) e^{-|x|}.
    i1e, "SpecialI1EBackward0", sf::i1e, Input, |g, x| {
        let recip = super::reciprocal(x)?;
        let d = binary(BinOp::Sub, &i0e(x)?, &mul(&i1e(x)?, &binary(BinOp::Add, &super::sgn(x)?, &recip)?)?)?;
        mul(g, &where_(&is_zero(x)?, Arg::S(Scalar::Float(0.5)), Arg::T(&d))?)
    });
/// Φ(x), the standard normal distribution function.
pub fn ndtr(a: &Tensor) -> Result<Tensor> {
    let out = Tensor::from_data(float_map(&a.read(), sf::ndtr_f32, sf::ndtr)?);
    record1("SpecialNdtrBackward0", a, &out, Keep::Input, |g, x| {
        mul(g, &mul_c(&exp(&mul_c(&mul(x, x)?, -0.5)?)?, 1.0 / SQRT_2PI)?)
    });
    Ok(out)
}
special_unary!(/// The inverse of Φ.
    ndtri, "SpecialNdtriBackward0", sf::ndtri, Output,
    |g, y| mul(g, &mul_c(&exp(&mul_c(&mul(y, y)?, 0.5)?)?, SQRT_2PI)?));
special_unary!(/// ln Φ(x).
    log_ndtr, "SpecialLogNdtrBackward0", sf::log_ndtr, Input, |g, x| {
        // φ(x) / Φ(x) = e^{-(log_ndtr(x) + x²/2)} / sqrt(2π)
        let e = binary(BinOp::Add, &log_ndtr(x)?, &mul_c(&mul(x, x)?, 0.5)?)?;
        mul(g, &mul_c(&exp(&neg(&e)?)?, 1.0 / SQRT_2PI)?)
    });
special_unary!(/// e^{x²} erfc(x).
    erfcx, "SpecialErfcxBackward0", sf::erfcx, Input,
    |g, x| mul(g, &add_c(&mul_c(&mul(x, &erfcx(x)?)?, 2.0)?, -2.0 / PI.sqrt())?));
special_unary!(/// -x ln x.
    entr, "SpecialEntrBackward0", sf::entr, Input, |g, x| mul(g, &neg(&add_c(&log(x)?, 1.0)?)?));
special_unary!(/// sin(πx) / (πx), 1 at 0.
    sinc, "SincBackward0", sf::sinc, Input, |g, x| {
        // (πx cos(πx) - sin(πx)) / (πx²), 0 at 0
        let px = mul_c(x, PI)?;
        let num = binary(BinOp::Sub, &mul(&px, &super::cos(&px)?)?, &super::sin(&px)?)?;
        let d = binary(BinOp::Div, &num, &mul(&px, x)?)?;
        mul(g, &where_(&is_zero(x)?, Arg::S(Scalar::Int(0)), Arg::T(&d))?)
    });

/// `f` at finite arguments, NaN at ±inf (PyTorch's Bessel functions J and Y).
fn finite_only(x: f64, f: fn(f64) -> f64) -> f64 {
    if x.is_infinite() { f64::NAN } else { f(x) }
}

special_unary_nd!(/// J_0(x), the Bessel function of the first kind of order 0.
    bessel_j0, "special_bessel_j0", |x| finite_only(x, libm::j0));
special_unary_nd!(/// J_1(x).
    bessel_j1, "special_bessel_j1", |x| finite_only(x, libm::j1));
special_unary_nd!(/// Y_0(x), the Bessel function of the second kind of order 0 (NaN below 0).
    bessel_y0, "special_bessel_y0", |x| if x < 0.0 { f64::NAN } else { finite_only(x, libm::y0) });
special_unary_nd!(/// Y_1(x) (NaN below 0).
    bessel_y1, "special_bessel_y1", |x| if x < 0.0 { f64::NAN } else { finite_only(x, libm::y1) });
special_unary_nd!(/// I_0(x).
    modified_bessel_i0, "special_modified_bessel_i0", sf::i0, [f32: sf::i0_f32]);
special_unary_nd!(/// I_1(x).
    modified_bessel_i1, "special_modified_bessel_i1", sf::i1, [f32: sf::i1_f32]);
special_unary_nd!(/// K_0(x), the modified Bessel function of the second kind of order 0.
    modified_bessel_k0, "special_modified_bessel_k0", |x| sf::bessel_k(0, x));
special_unary_nd!(/// K_1(x).
    modified_bessel_k1, "special_modified_bessel_k1", |x| sf::bessel_k(1, x));
special_unary_nd!(/// K_0(x) e^x.
    scaled_modified_bessel_k0, "special_scaled_modified_bessel_k0", |x| sf::bessel_k_scaled(0, x));
special_unary_nd!(/// K_1(x) e^x.
    scaled_modified_bessel_k1, "special_scaled_modified_bessel_k1", |x| sf::bessel_k_scaled(1, x));

/// ψ^(n)(x); `n` = 0 is digamma.
pub fn polygamma(n: i64, a: &Tensor) -> Result<Tensor> {
    crate::ensure!(n >= 0, "polygamma(n, x) does not support negative n.");
    let out = match n {
        0 => map_f64(a, sf::digamma)?,
        1 => Tensor::from_data(float_map(&a.read(), sf::trigamma::<f32>, sf::trigamma::<f64>)?),
        _ => {
            let f = move |x: f64| sf::polygamma(n, x);
            Tensor::from_data(float_map(&a.read(), move |x: f32| f(x as f64) as f32, f)?)
        }
    };
    record1("PolygammaBackward0", a, &out, Keep::Input, move |g, x| mul(g, &polygamma(n + 1, x)?));
    Ok(out)
}

/// The multivariate log-gamma function of dimension `p`:
/// Σ_{i<p} lgamma(x - i/2) + p(p-1)/4 ln π (differentiable through lgamma; +inf at and below
/// (p-1)/2's poles, as PyTorch no longer checks the domain).
pub fn mvlgamma(a: &Tensor, p: i64) -> Result<Tensor> {
    crate::ensure!(p >= 1, "p has to be greater than or equal to 1");
    let x = float_of(a)?;
    let mut acc = lgamma(&x)?;
    for i in 1..p {
        acc = binary(BinOp::Add, &acc, &lgamma(&add_c(&x, -(i as f64) / 2.0)?)?)?;
    }
    add_c(&acc, (p * (p - 1)) as f64 / 4.0 * PI.ln())
}

/// Angles in degrees to radians (integers give float32).
pub fn deg2rad(a: &Tensor) -> Result<Tensor> {
    mul_c(&float_of(a)?, PI / 180.0)
}

/// Angles in radians to degrees.
pub fn rad2deg(a: &Tensor) -> Result<Tensor> {
    mul_c(&float_of(a)?, 180.0 / PI)
}

/// `a` itself when floating, else a float32 copy.
fn float_of(a: &Tensor) -> Result<Tensor> {
    if a.dtype().is_float() {
        Ok(a.clone())
    } else {
        crate::ops::convert::to(a, None, Some(DType::F32), false)
    }
}

/// Where the shrinkages keep their input: not within [-lambd, lambd] (NaN is kept).
fn outside(x: &Tensor, lambd: f64) -> Result<Tensor> {
    let inside = compare(Cmp::Le, Arg::T(&super::abs(x)?), Arg::S(Scalar::Float(lambd)))?;
    super::logical_not(&inside)
}

/// `x` outside [-lambd, lambd], else 0.
pub fn hardshrink(a: &Tensor, lambd: f64) -> Result<Tensor> {
    where_(&outside(a, lambd)?, Arg::T(a), Arg::S(Scalar::Int(0)))
}

/// `x - lambd` above lambd, `x + lambd` below -lambd, else `x * 0` (NaN stays NaN).
pub fn softshrink(a: &Tensor, lambd: f64) -> Result<Tensor> {
    crate::ensure!(lambd >= 0.0, "lambda must be greater or equal to 0, but found to be {lambd}.");
    let above = compare(Cmp::Gt, Arg::T(a), Arg::S(Scalar::Float(lambd)))?;
    let below = compare(Cmp::Lt, Arg::T(a), Arg::S(Scalar::Float(-lambd)))?;
    let lowered = where_(&below, Arg::T(&add_c(a, lambd)?), Arg::T(&mul_c(a, 0.0)?))?;
    where_(&above, Arg::T(&add_c(a, -lambd)?), Arg::T(&lowered))
}

/// The gradient of both shrinkages: `grad` outside [-lambd, lambd], else 0.
pub fn shrink_backward(grad: &Tensor, x: &Tensor, lambd: f64) -> Result<Tensor> {
    where_(&outside(x, lambd)?, Arg::T(grad), Arg::S(Scalar::Int(0)))
}

/// `x = mantissa * 2^exponent` with the mantissa in [0.5, 1) (exponent int32).
pub fn frexp(a: &Tensor) -> Result<(Tensor, Tensor)> {
    crate::ensure!(a.dtype().is_float(), "torch.frexp() only supports floating-point dtypes");
    let d = a.read();
    let (m, e) = match a.dtype() {
        DType::F64 => (
            map::<f64, f64>(&d, |s, o| each(s, o, |x| libm::frexp(x).0))?,
            map::<f64, i32>(&d, |s, o| each(s, o, |x| libm::frexp(x).1))?,
        ),
        DType::F32 => (
            map::<f32, f32>(&d, |s, o| each(s, o, |x| libm::frexpf(x).0))?,
            map::<f32, i32>(&d, |s, o| each(s, o, |x| libm::frexpf(x).1))?,
        ),
        DType::F16 => (
            map::<f16, f16>(&d, |s, o| each(s, o, |x| f16::from_f32(libm::frexpf(x.to_f32()).0)))?,
            map::<f16, i32>(&d, |s, o| each(s, o, |x| libm::frexpf(x.to_f32()).1))?,
        ),
        _ => (
            map::<bf16, bf16>(&d, |s, o| each(s, o, |x| bf16::from_f32(libm::frexpf(x.to_f32()).0)))?,
            map::<bf16, i32>(&d, |s, o| each(s, o, |x| libm::frexpf(x.to_f32()).1))?,
        ),
    };
    let (m, e) = (Tensor::from_data(m), Tensor::from_data(e));
    // d mantissa / dx = 2^-exponent
    let scale = crate::ops::convert::to(&super::exp2(&e)?, None, Some(a.dtype()), false)?;
    record1("FrexpBackward0", a, &m, Keep::Input, move |g, _| binary(BinOp::Div, g, &scale));
    Ok((m, e))
}

/// The `atg_*` overrides of this file's ops (part of `atg_unary!`).
macro_rules! atg_special {
    () => {
        $crate::ops::unary::unary_ops! {
            lgamma => lgamma / lgamma_ / lgamma_out;
            lgamma => special_gammaln / / special_gammaln_out;
            digamma => digamma / digamma_ / digamma_out;
            digamma => special_digamma / / special_digamma_out;
            digamma => special_psi / / special_psi_out;
            erfinv => erfinv / erfinv_ / erfinv_out;
            erfinv => special_erfinv / / special_erfinv_out;
            i0 => i0 / i0_ / i0_out;
            i0 => special_i0 / / special_i0_out;
            i0e => special_i0e / / special_i0e_out;
            i1 => special_i1 / / special_i1_out;
            i1e => special_i1e / / special_i1e_out;
            ndtr => special_ndtr / / special_ndtr_out;
            ndtri => special_ndtri / / special_ndtri_out;
            log_ndtr => special_log_ndtr / / special_log_ndtr_out;
            erfcx => special_erfcx / / special_erfcx_out;
            entr => special_entr / / special_entr_out;
            sinc => sinc / sinc_ / sinc_out;
            sinc => special_sinc / / special_sinc_out;
            deg2rad => deg2rad / deg2rad_ / deg2rad_out;
            rad2deg => rad2deg / rad2deg_ / rad2deg_out;
            bessel_j0 => special_bessel_j0 / / special_bessel_j0_out;
            bessel_j1 => special_bessel_j1 / / special_bessel_j1_out;
            bessel_y0 => special_bessel_y0 / / special_bessel_y0_out;
            bessel_y1 => special_bessel_y1 / / special_bessel_y1_out;
            modified_bessel_i0 => special_modified_bessel_i0 / / special_modified_bessel_i0_out;
            modified_bessel_i1 => special_modified_bessel_i1 / / special_modified_bessel_i1_out;
            modified_bessel_k0 => special_modified_bessel_k0 / / special_modified_bessel_k0_out;
            modified_bessel_k1 => special_modified_bessel_k1 / / special_modified_bessel_k1_out;
            scaled_modified_bessel_k0 => special_scaled_modified_bessel_k0 / / special_scaled_modified_bessel_k0_out;
            scaled_modified_bessel_k1 => special_scaled_modified_bessel_k1 / / special_scaled_modified_bessel_k1_out;
        }
        fn polygamma(n: i64, a: &Tensor) -> Result<Tensor> { $crate::ops::unary::polygamma(n, a) }
        fn polygamma_(a: &Tensor, n: i64) -> Result<Tensor> {
            $crate::ops::arith::inplace("polygamma_", a, &[], |x| $crate::ops::unary::polygamma(n, x))
        }
        fn polygamma_out(out: &Tensor, n: i64, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::polygamma(n, a)?)
        }
        fn special_polygamma(n: i64, a: &Tensor) -> Result<Tensor> { $crate::ops::unary::polygamma(n, a) }
        fn special_polygamma_out(out: &Tensor, n: i64, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::polygamma(n, a)?)
        }
        fn mvlgamma(a: &Tensor, p: i64) -> Result<Tensor> { $crate::ops::unary::mvlgamma(a, p) }
        fn mvlgamma_(a: &Tensor, p: i64) -> Result<Tensor> {
            $crate::ops::arith::inplace("mvlgamma_", a, &[], |x| $crate::ops::unary::mvlgamma(x, p))
        }
        fn mvlgamma_out(out: &Tensor, a: &Tensor, p: i64) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::mvlgamma(a, p)?)
        }
        fn special_multigammaln(a: &Tensor, p: i64) -> Result<Tensor> { $crate::ops::unary::mvlgamma(a, p) }
        fn special_multigammaln_out(out: &Tensor, a: &Tensor, p: i64) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::mvlgamma(a, p)?)
        }
        fn hardshrink(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::hardshrink(a, 0.5) }
        fn hardshrink_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::hardshrink(a, 0.5)?)
        }
        fn softshrink(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::softshrink(a, 0.5) }
        fn softshrink_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::softshrink(a, 0.5)?)
        }
        fn hardshrink_backward(g: &Tensor, x: &Tensor, l: &Scalar) -> Result<Tensor> { $crate::ops::unary::shrink_backward(g, x, l.to_f64()) }
        fn hardshrink_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, l: &Scalar) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::shrink_backward(g, x, l.to_f64())?)
        }
        fn softshrink_backward(g: &Tensor, x: &Tensor, l: &Scalar) -> Result<Tensor> { $crate::ops::unary::shrink_backward(g, x, l.to_f64()) }
        fn softshrink_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, l: &Scalar) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::shrink_backward(g, x, l.to_f64())?)
        }
        fn frexp(a: &Tensor) -> Result<(Tensor, Tensor)> { $crate::ops::unary::frexp(a) }
        fn frexp_tensor_out(m: &Tensor, e: &Tensor, a: &Tensor) -> Result<(Tensor, Tensor)> {
            let (mv, ev) = $crate::ops::unary::frexp(a)?;
            Ok(($crate::ops::arith::assign_out(m, &mv)?, $crate::ops::arith::assign_out(e, &ev)?))
        }
    };
}
pub(crate) use atg_special;
