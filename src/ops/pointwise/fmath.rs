//! Binary floating-point math: atan2, hypot, copysign, xlogy, logaddexp, logaddexp2 and the
//! special functions xlog1py, zeta, igamma, igammac, nextafter (integer operands compute in
//! float32, except for hypot, logaddexp and nextafter, which want floats).

use super::args::{no_kernel, promote, record_not_differentiable, record_op, src, zeros_like, Arg};
use super::compare::{compare, Cmp};
use super::kernel::{real, map2, Num, Src};
use super::pow::pow;
use super::select::where_;
use crate::error::Result;
use crate::ops::unary::{approx, special_fns};
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
    Xlog1py,
    Zeta,
    Igamma,
    Igammac,
    Nextafter,
}

impl FMath {
    /// PyTorch's kernel name, for ops that refuse integer operands.
    fn int_kernel(self) -> Option<&'static str> {
        match self {
            FMath::Hypot => Some("hypot_cpu"),
            FMath::LogAddExp => Some("logaddexp_cpu"),
            FMath::LogAddExp2 => Some("logaddexp2_cpu"),
            FMath::Nextafter => Some("nextafter_cpu"),
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

#[inline(always)]
fn xlog1py_el<F: Float>(x: F, y: F) -> F {
    if y.is_nan() {
        y
    } else if x == F::zero() {
        F::zero()
    } else {
        x * y.ln_1p()
    }
}

/// `f` of two values computed in f64.
#[inline(always)]
fn in_f64<F: Float>(f: fn(f64, f64) -> f64, x: F, y: F) -> F {
    F::from(f(x.to_f64().unwrap_or(f64::NAN), y.to_f64().unwrap_or(f64::NAN))).unwrap_or_else(F::nan)
}

/// The next representable value after `x` toward `y`, in each float format.
trait NextAfter: Copy {
    fn next_toward(self, y: Self) -> Self;
}

impl NextAfter for f64 {
    fn next_toward(self, y: f64) -> f64 {
        libm::nextafter(self, y)
    }
}

impl NextAfter for f32 {
    fn next_toward(self, y: f32) -> f32 {
        libm::nextafterf(self, y)
    }
}

/// nextafter on the bits of a 16-bit sign-magnitude float.
fn next_bits16(x: u16, y: u16, xf: f32, yf: f32) -> u16 {
    if xf.is_nan() || yf.is_nan() {
        return 0x7fff;
    }
    if xf == yf {
        return y;
    }
    if xf == 0.0 {
        return (y & 0x8000) | 1;
    }
    if (xf < yf) == (xf > 0.0) {
        x + 1
    } else {
        x - 1
    }
}

impl NextAfter for half::f16 {
    fn next_toward(self, y: Self) -> Self {
        let b = next_bits16(self.to_bits(), y.to_bits(), self.to_f32(), y.to_f32());
        if b == 0x7fff { half::f16::NAN } else { half::f16::from_bits(b) }
    }
}

impl NextAfter for half::bf16 {
    fn next_toward(self, y: Self) -> Self {
        let b = next_bits16(self.to_bits(), y.to_bits(), self.to_f32(), y.to_f32());
        if b == 0x7fff { half::bf16::NAN } else { half::bf16::from_bits(b) }
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
        FMath::Xlog1py => map2(a, b, |x: T, y: T| T::down(xlog1py_el(x.up(), y.up()))),
        FMath::Zeta => map2(a, b, |x: T, y: T| T::down(in_f64(special_fns::zeta, x.up(), y.up()))),
        FMath::Igamma => map2(a, b, |x: T, y: T| T::down(in_f64(special_fns::igamma, x.up(), y.up()))),
        FMath::Igammac => map2(a, b, |x: T, y: T| T::down(in_f64(special_fns::igammac, x.up(), y.up()))),
        FMath::Nextafter => unreachable!("nextafter has its own kernel"),
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
    let d = if op == FMath::Nextafter {
        with_float_dtype!(dt, T, { map2(&src::<T>(a)?, &src::<T>(b)?, |x: T, y: T| x.next_toward(y))? }, {
            crate::bail!("torchrs: this op does not support {} tensors yet", dt.name())
        })
    } else {
        with_float_dtype!(dt, T, { kernel::<T>(op, &src(a)?, &src(b)?)? }, {
            crate::bail!("torchrs: this op does not support {} tensors yet", dt.name())
        })
    };
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

/// `t` as a tensor (a number becomes a 0-d tensor of `dtype`).
fn as_tensor(a: Arg, dtype: DType) -> Tensor {
    match a {
        Arg::T(t) => t.clone(),
        Arg::S(s) => scalar_tensor(s, dtype),
    }
}

/// One of the binary float ops of two operands, with its gradient.
pub fn fmath(op: FMath, a: Arg, b: Arg) -> Result<Tensor> {
    let out = values(op, a, b)?;
    if op == FMath::Nextafter {
        record_not_differentiable("nextafter", &[a, b], &out);
        return Ok(out);
    }
    let (name, keep_out) = match op {
        FMath::Atan2 => ("Atan2Backward0", false),
        FMath::Hypot => ("HypotBackward0", true),
        FMath::Copysign => ("CopysignBackward0", true),
        FMath::Xlogy => ("XlogyBackward0", false),
        FMath::LogAddExp => ("LogaddexpBackward0", false),
        FMath::LogAddExp2 => ("Logaddexp2Backward0", false),
        FMath::Xlog1py => ("SpecialXlog1PyBackward0", false),
        FMath::Zeta => ("SpecialZetaBackward0", false),
        FMath::Igamma => ("IgammaBackward0", false),
        FMath::Igammac => ("IgammacBackward0", false),
        FMath::Nextafter => unreachable!("not recorded"),
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
            FMath::Xlog1py => {
                let ga = || {
                    // 0 where x == 0 and y <= -1 (log1p's pole or NaN region)
                    let v = fmath(FMath::Xlog1py, Arg::T(g), y)?;
                    let x0 = compare(Cmp::Eq, x, Arg::S(Scalar::Int(0)))?;
                    let pole = compare(Cmp::Le, y, Arg::S(Scalar::Int(-1)))?;
                    let both = binary(BinOp::Mul, &x0, &pole)?;
                    where_(&both, Arg::S(Scalar::Int(0)), Arg::T(&v))
                };
                let gb = || binary(BinOp::Div, &mul(g, x)?, &binary_scalar(BinOp::Add, c.t(1)?, &Scalar::Int(1))?);
                vec![when(na, &ga)?, when(nb, &gb)?]
            }
            FMath::Zeta => {
                if na {
                    crate::bail!("the derivative for 'self' of special_zeta is not implemented.");
                }
                let gb = || {
                    let xt = as_tensor(x, g.dtype());
                    let z = fmath(FMath::Zeta, Arg::T(&binary_scalar(BinOp::Add, &xt, &Scalar::Int(1))?), y)?;
                    neg(&binary(BinOp::Mul, &mul(g, x)?, &z)?)
                };
                vec![None, when(nb, &gb)?]
            }
            FMath::Igamma | FMath::Igammac => {
                if na {
                    crate::bail!("the derivative for 'self' of {} is not implemented.", if op == FMath::Igamma { "igamma" } else { "igammac" });
                }
                let gb = || {
                    // d/dx P(a, x) = e^{(a-1) ln x - x - ln Γ(a)}
                    let (at, xt) = (as_tensor(x, g.dtype()), c.t(1)?);
                    let e = binary(BinOp::Mul, &binary_scalar(BinOp::Sub, &at, &Scalar::Int(1))?, &crate::ops::unary::log(xt)?)?;
                    let e = binary(BinOp::Sub, &binary(BinOp::Sub, &e, xt)?, &crate::ops::unary::lgamma(&at)?)?;
                    let d = binary(BinOp::Mul, g, &exp(&e)?)?;
                    if op == FMath::Igamma { Ok(d) } else { neg(&d) }
                };
                vec![None, when(nb, &gb)?]
            }
            FMath::Nextafter => unreachable!("not recorded"),
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

/// The `atg_*` overrides of a binary float op with a number for its second, then its first operand.
macro_rules! atg_fmath_scalar {
    ($op:ident; $other:ident, $other_out:ident, $self_:ident, $self_out:ident) => {
        fn $other(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::$op, a.into(), b.into()) }
        fn $other_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::$op, a.into(), b.into())) }
        fn $self_(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::$op, a.into(), b.into()) }
        fn $self_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::fmath($crate::ops::pointwise::FMath::$op, a.into(), b.into())) }
    };
}
pub(crate) use atg_fmath_scalar;

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
        $crate::ops::pointwise::atg_fmath_op!(Xlog1py; special_xlog1py, special_xlog1py_out);
        $crate::ops::pointwise::atg_fmath_op!(Zeta; special_zeta, special_zeta_out);
        $crate::ops::pointwise::atg_fmath_op!(Igamma; igamma, igamma_out, igamma_);
        $crate::ops::pointwise::atg_fmath_op!(Igamma; special_gammainc, special_gammainc_out);
        $crate::ops::pointwise::atg_fmath_op!(Igammac; igammac, igammac_out, igammac_);
        $crate::ops::pointwise::atg_fmath_op!(Igammac; special_gammaincc, special_gammaincc_out);
        $crate::ops::pointwise::atg_fmath_op!(Nextafter; nextafter, nextafter_out, nextafter_);
        $crate::ops::pointwise::atg_fmath_scalar!(Xlog1py; special_xlog1py_other_scalar, special_xlog1py_other_scalar_out, special_xlog1py_self_scalar, special_xlog1py_self_scalar_out);
        $crate::ops::pointwise::atg_fmath_scalar!(Zeta; special_zeta_other_scalar, special_zeta_other_scalar_out, special_zeta_self_scalar, special_zeta_self_scalar_out);
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

/// `x * 2^e` for integral exponents `e`, as PyTorch's ldexp kernel computes it: x scaled
/// exactly and rounded once to `dtype` (so 0 stays 0 and a small x stays finite where 2^e
/// alone overflows). PyTorch's gradient `g * 2^e` takes the power in the exponent's integer
/// dtype (0 for negative exponents); kept as it is.
pub fn ldexp_int(a: &Tensor, e: &Tensor, dtype: DType) -> Result<Tensor> {
    let scaled = map2(&src::<f64>(Arg::T(a))?, &src::<f64>(Arg::T(e))?, |x: f64, n: f64| {
        // beyond +-1e5 every finite nonzero x has over- or underflowed
        libm::ldexp(x, n.clamp(-1e5, 1e5) as i32)
    })?;
    let out = crate::ops::reduce::elem::cast(&Tensor::from_data(scaled), dtype)?;
    record_op("LdexpBackward0", &[Arg::T(a), Arg::T(e)], &out, 0b10, false, move |c| {
        let ga = if c.need[0] { Some(binary(BinOp::Mul, c.g, &pow(Arg::S(Scalar::Int(2)), Arg::T(c.t(1)?))?)?) } else { None };
        Ok(vec![ga, None])
    });
    Ok(out)
}
