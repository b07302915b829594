//! Binary floating-point math: atan2, hypot, copysign, xlogy, logaddexp, logaddexp2 (integer
//! operands of atan2, copysign and xlogy compute in float32; hypot and logaddexp want floats).

use super::args::{no_kernel, promote, record_op, src, zeros_like, Arg};
use super::compare::{compare, Cmp};
use super::kernel::{real, map2, Num, Src};
use super::pow::pow;
use super::select::where_;
use crate::error::Result;
use crate::ops::unary::approx;
use crate::ops::unary::kernel::float_map2;
use crate::ops::arith::{binary, binary_scalar, neg, scalar_tensor, BinOp};
use crate::tensor::{DType, Scalar, Tensor, TensorData};
use crate::with_float_dtype;
use num_traits::Float;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FMath {
    Atan2,
    Hypot,
    Copysign,
    Xlogy,
    LogAddExp,
    LogAddExp2,
}

impl FMath {
    /// PyTorch's kernel name, for ops that refuse integer operands.
    fn int_kernel(self) -> Option<&'static str> {
        match self {
            FMath::Hypot => Some("hypot_cpu"),
            FMath::LogAddExp => Some("logaddexp_cpu"),
            FMath::LogAddExp2 => Some("logaddexp2_cpu"),
            _ => None,
        }
    }
}

#[inline(always)]
fn xlogy_el<F: Float>(x: F, y: F) -> F {
    if y.is_nan() {
        y
    } else if x == F::zero() {
        F::zero()
    } else {
        x * y.ln()
    }
}

#[inline(always)]
fn logaddexp_el<F: Float>(a: F, b: F) -> F {
    if a.is_infinite() && a == b {
        a
    } else {
        a.max(b) + (-(a - b).abs()).exp().ln_1p()
    }
}

#[inline(always)]
fn logaddexp2_el<F: Float>(a: F, b: F) -> F {
    if a.is_infinite() && a == b {
        a
    } else {
        let inv_ln2 = real::<F>(std::f64::consts::LOG2_E);
        a.max(b) + (-(a - b).abs()).exp2().ln_1p() * inv_ln2
    }
}

fn kernel<T: Num>(op: FMath, a: &Src<T>, b: &Src<T>) -> Result<TensorData>
where
    T::C: Float,
{
    match op {
        FMath::Atan2 => map2(a, b, |x: T, y: T| T::down(x.up().atan2(y.up()))),
        FMath::Hypot => map2(a, b, |x: T, y: T| T::down(x.up().hypot(y.up()))),
        FMath::Copysign => map2(a, b, |x: T, y: T| T::down(x.up().copysign(y.up()))),
        FMath::Xlogy => map2(a, b, |x: T, y: T| T::down(xlogy_el(x.up(), y.up()))),
        FMath::LogAddExp => map2(a, b, |x: T, y: T| T::down(logaddexp_el(x.up(), y.up()))),
        FMath::LogAddExp2 => map2(a, b, |x: T, y: T| T::down(logaddexp2_el(x.up(), y.up()))),
    }
}

fn values(op: FMath, a: Arg, b: Arg) -> Result<Tensor> {
    let mut dt = promote(&[a, b]);
    if let (FMath::Atan2, Arg::T(y), Arg::T(x)) = (op, a, b) {
        if matches!(dt, DType::F32 | DType::F16 | DType::BF16) && y.dtype() == dt && x.dtype() == dt {
            // the vector atan2 (f16 and bf16 through f32, as PyTorch computes them)
            let d = float_map2(&y.read(), &x.read(), approx::Atan2, f64::atan2)?;
            return Ok(Tensor::from_data(d));
        }
    }
    if !dt.is_float() {
        if let Some(k) = op.int_kernel() {
            return no_kernel(k, dt);
        }
        dt = DType::F32;
    }
    let d = with_float_dtype!(dt, T, { kernel::<T>(op, &src(a)?, &src(b)?)? }, { unreachable!("a floating dtype") });
    Ok(Tensor::from_data(d))
}

/// `1 / t`.
fn recip(t: &Tensor) -> Result<Tensor> {
    binary(BinOp::Div, &scalar_tensor(Scalar::Int(1), t.dtype()), t)
}

/// `e^t` (as a power, so it stays differentiable within this family).
fn exp(t: &Tensor) -> Result<Tensor> {
    pow(Arg::S(Scalar::Float(std::f64::consts::E)), Arg::T(t))
}

/// `g * a` for a tensor or number `a`.
fn mul(g: &Tensor, a: Arg) -> Result<Tensor> {
    match a {
        Arg::T(t) => binary(BinOp::Mul, g, t),
        Arg::S(s) => binary_scalar(BinOp::Mul, g, &s),
    }
}

/// atan2, hypot, copysign, xlogy, logaddexp or logaddexp2 of two operands, with its gradient.
pub fn fmath(op: FMath, a: Arg, b: Arg) -> Result<Tensor> {
    let out = values(op, a, b)?;
    let (name, keep_out) = match op {
        FMath::Atan2 => ("Atan2Backward0", false),
        FMath::Hypot => ("HypotBackward0", true),
        FMath::Copysign => ("CopysignBackward0", true),
        FMath::Xlogy => ("XlogyBackward0", false),
        FMath::LogAddExp => ("LogaddexpBackward0", false),
        FMath::LogAddExp2 => ("Logaddexp2Backward0", false),
    };
    record_op(name, &[a, b], &out, 0b11, keep_out, move |c| {
        let (x, y, g) = (c.a(0)?, c.a(1)?, c.g);
        // `when(need, f)`: f's gradient only for operands that need one
        let when = |need: bool, f: &dyn Fn() -> Result<Tensor>| if need { f().map(Some) } else { Ok(None) };
        let (na, nb) = (c.need[0], c.need[1]);
        Ok(match op {
            FMath::Atan2 => {
                let (x, y) = (c.t(0)?, c.t(1)?);
                let r = recip(&binary(BinOp::Add, &binary(BinOp::Mul, x, x)?, &binary(BinOp::Mul, y, y)?)?)?;
                let gr = binary(BinOp::Mul, g, &r)?;
                vec![when(na, &|| binary(BinOp::Mul, &gr, y))?, when(nb, &|| neg(&binary(BinOp::Mul, &gr, x)?))?]
            }
            FMath::Hypot => {
                let gr = binary(BinOp::Div, g, c.out()?)?;
                vec![when(na, &|| binary(BinOp::Mul, &gr, c.t(0)?))?, when(nb, &|| binary(BinOp::Mul, &gr, c.t(1)?))?]
            }
            FMath::Copysign => {
                let ga = || {
                    let x = c.t(0)?;
                    let ratio = binary(BinOp::Div, c.out()?, x)?;
                    let zero = compare(Cmp::Eq, Arg::T(x), Arg::S(Scalar::Int(0)))?;
                    binary(BinOp::Mul, g, &where_(&zero, Arg::S(Scalar::Int(0)), Arg::T(&ratio))?)
                };
                vec![when(na, &ga)?, when(nb, &|| zeros_like(c.t(1)?))?]
            }
            FMath::Xlogy => {
                let ga = || {
                    let nz = compare(Cmp::Ne, x, Arg::S(Scalar::Int(0)))?;
                    binary(BinOp::Mul, g, &fmath(FMath::Xlogy, Arg::T(&nz), y)?)
                };
                vec![when(na, &ga)?, when(nb, &|| binary(BinOp::Div, &mul(g, x)?, c.t(1)?))?]
            }
            FMath::LogAddExp | FMath::LogAddExp2 => {
                // d/da = 1 / (1 + base^(b - a))
                let part = |p: &Tensor, q: &Tensor| -> Result<Tensor> {
                    let d = binary(BinOp::Sub, q, p)?;
                    let e = if op == FMath::LogAddExp { exp(&d)? } else { pow(Arg::S(Scalar::Int(2)), Arg::T(&d))? };
                    binary(BinOp::Div, g, &binary_scalar(BinOp::Add, &e, &Scalar::Int(1))?)
                };
                let (x, y) = (c.t(0)?, c.t(1)?);
                vec![when(na, &|| part(x, y))?, when(nb, &|| part(y, x))?]
            }
        })
    });
    Ok(out)
}

/// `torch.xlogy(a, b)`: `a * log(b)`, 0 where `a == 0` (unless `b` is NaN).
pub fn xlogy(a: Arg, b: Arg) -> Result<Tensor> {
    fmath(FMath::Xlogy, a, b)
}

/// The `atg_*` overrides of one binary float op: function, in-place and out variants.
macro_rules! atg_fmath_op {
    ($op:ident; $f:ident, $out:ident $(, $f_:ident)?) => {
        fn $f(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::$op, a.into(), b.into()) }
        fn $out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::$op, a.into(), b.into())) }
        $(fn $f_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place(stringify!($f_), a, b.into(), |x, y| $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::$op, x, y)) })?
    };
}
pub(crate) use atg_fmath_op;

/// The `atg_*` overrides of binary float math.
macro_rules! atg_fmath {
    () => {
        $crate::ops::pointwise::atg_fmath_op!(Atan2; atan2, atan2_out, atan2_);
        $crate::ops::pointwise::atg_fmath_op!(Atan2; arctan2, arctan2_out, arctan2_);
        $crate::ops::pointwise::atg_fmath_op!(Hypot; hypot, hypot_out, hypot_);
        $crate::ops::pointwise::atg_fmath_op!(Copysign; copysign, copysign_out, copysign_);
        $crate::ops::pointwise::atg_fmath_op!(Xlogy; xlogy, xlogy_outtensor, xlogy_);
        $crate::ops::pointwise::atg_fmath_op!(Xlogy; special_xlogy, special_xlogy_out);
        $crate::ops::pointwise::atg_fmath_op!(LogAddExp; logaddexp, logaddexp_out);
        $crate::ops::pointwise::atg_fmath_op!(LogAddExp2; logaddexp2, logaddexp2_out);
        fn copysign_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::Copysign, a.into(), b.into()) }
        fn copysign_scalar_(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place("copysign_", a, b.into(), |x, y| $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::Copysign, x, y)) }
        fn copysign_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::Copysign, a.into(), b.into())) }
        fn xlogy_scalar_other(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::xlogy(a.into(), b.into()) }
        fn xlogy_scalar_other_(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place("xlogy_", a, b.into(), $crate::ops::pointwise::xlogy) }
        fn xlogy_outscalar_other(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::xlogy(a.into(), b.into())) }
        fn xlogy_scalar_self(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::xlogy(a.into(), b.into()) }
        fn xlogy_outscalar_self(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::xlogy(a.into(), b.into())) }
        fn special_xlogy_other_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::xlogy(a.into(), b.into()) }
        fn special_xlogy_other_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::xlogy(a.into(), b.into())) }
        fn special_xlogy_self_scalar(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::xlogy(a.into(), b.into()) }
        fn special_xlogy_self_scalar_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::xlogy(a.into(), b.into())) }
    };
}
pub(crate) use atg_fmath;
