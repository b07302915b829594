//! Rounding divisions and remainders: `div` with rounding_mode "trunc"/"floor", floor_divide,
//! remainder (Python's sign rule) and fmod (C's); integer division by zero is an error.

use super::args::{no_kernel, promote, record_not_differentiable, record_op, record_zero_grad, src, Arg};
use super::int::{floor_div, py_rem, Int};
use super::kernel::{map2, real, with_int_dtype, Num, Src};
use crate::error::Result;
use crate::tensor::{Tensor, TensorData};
use crate::with_float_dtype;
use num_traits::Float;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Trunc,
    Floor,
    Rem,
    Fmod,
}

impl Kind {
    fn kernel(self) -> &'static str {
        match self {
            Kind::Trunc => "div_trunc_cpu",
            Kind::Floor => "div_floor_cpu",
            Kind::Rem => "remainder_cpu",
            Kind::Fmod => "fmod_cpu",
        }
    }
}

/// `c10::div_floor_floating`: floor of the quotient, exact where `floor(a / b)` would round.
#[inline(always)]
fn floor_div_f<F: Float>(a: F, b: F) -> F {
    let zero = F::zero();
    if b == zero {
        return a / b;
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != zero && (b < zero) != (m < zero) {
        div = div - F::one();
    }
    if div != zero {
        let f = div.floor();
        if div - f > real::<F>(0.5) {
            f + F::one()
        } else {
            f
        }
    } else {
        zero.copysign(a / b)
    }
}

/// Python's float `a % b`.
#[inline(always)]
fn py_rem_f<F: Float>(a: F, b: F) -> F {
    let zero = F::zero();
    let m = a % b;
    if m != zero && (b < zero) != (m < zero) {
        m + b
    } else {
        m
    }
}

fn float_kernel<T: Num>(kind: Kind, a: &Src<T>, b: &Src<T>) -> Result<TensorData>
where
    T::C: Float,
{
    match kind {
        // the quotient rounded to T first, as PyTorch's kernels (bf16: 24.98 -> 25, trunc 25)
        Kind::Trunc => map2(a, b, |x: T, y: T| T::down(T::down(x.up() / y.up()).up().trunc())),
        Kind::Floor => map2(a, b, |x: T, y: T| T::down(floor_div_f(x.up(), y.up()))),
        Kind::Rem => map2(a, b, |x: T, y: T| T::down(py_rem_f(x.up(), y.up()))),
        Kind::Fmod => map2(a, b, |x: T, y: T| T::down(x.up() % y.up())),
    }
}

/// An integer kernel that flags a zero divisor instead of dividing by it.
fn int_map<T: Int>(a: &Src<T>, b: &Src<T>, f: impl Fn(T, T) -> T + Sync) -> Result<TensorData> {
    if let Src::Value(v) = b {
        if *v == T::ZERO {
            crate::bail!("ZeroDivisionError");
        }
    }
    let zero = AtomicBool::new(false);
    let r = map2(a, b, |x: T, y: T| {
        if y == T::ZERO {
            zero.store(true, Ordering::Relaxed);
            T::ZERO
        } else {
            f(x, y)
        }
    })?;
    if zero.load(Ordering::Relaxed) {
        crate::bail!("ZeroDivisionError");
    }
    Ok(r)
}

fn int_kernel<T: Int>(kind: Kind, a: &Src<T>, b: &Src<T>) -> Result<TensorData> {
    match kind {
        Kind::Trunc => int_map(a, b, |x: T, y: T| x.wdiv(y)),
        Kind::Floor => int_map(a, b, floor_div::<T>),
        Kind::Rem => int_map(a, b, py_rem::<T>),
        Kind::Fmod => int_map(a, b, |x: T, y: T| x.wrem(y)),
    }
}

fn compute(kind: Kind, a: Arg, b: Arg) -> Result<Tensor> {
    let dt = promote(&[a, b]);
    let d = with_int_dtype!(dt, T, { int_kernel::<T>(kind, &src(a)?, &src(b)?)? }, {
        with_float_dtype!(dt, T, { float_kernel::<T>(kind, &src(a)?, &src(b)?)? }, { return no_kernel(kind.kernel(), dt) })
    });
    Ok(Tensor::from_data(d))
}

/// `torch.div(a, b, rounding_mode=mode)` for mode "trunc" or "floor" (integers stay integers).
pub fn div_mode(a: Arg, b: Arg, mode: &str) -> Result<Tensor> {
    let kind = match mode {
        "trunc" => Kind::Trunc,
        "floor" => Kind::Floor,
        _ => crate::bail!("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'"),
    };
    let out = compute(kind, a, b)?;
    record_zero_grad("DivBackward2", &[a, b], &out);
    Ok(out)
}

/// `torch.floor_divide`: division rounded toward negative infinity; not differentiable.
pub fn floor_divide(a: Arg, b: Arg) -> Result<Tensor> {
    let out = compute(Kind::Floor, a, b)?;
    record_not_differentiable("floor_divide", &[a, b], &out);
    Ok(out)
}

/// The gradient of the divisor of `a - b * round(a / b)`: `-g * round(a / b)`.
fn remainder_like(kind: Kind, name: &'static str, a: Arg, b: Arg) -> Result<Tensor> {
    let out = compute(kind, a, b)?;
    if matches!(a, Arg::S(_)) {
        // PyTorch has no derivative for remainder(number, tensor)
        record_not_differentiable("remainder", &[a, b], &out);
        return Ok(out);
    }
    let mode = if kind == Kind::Rem { "floor" } else { "trunc" };
    record_op(name, &[a, b], &out, 0b11, false, move |c| {
        let gb = if c.need[1] {
            // recorded (with its zero gradient), like PyTorch's, for gradients of gradients
            let q = div_mode(c.a(0)?, c.a(1)?, mode)?;
            Some(crate::ops::arith::neg(&crate::ops::arith::binary(crate::ops::arith::BinOp::Mul, c.g, &q)?)?)
        } else {
            None
        };
        Ok(vec![Some(c.g.clone()), gb])
    });
    Ok(out)
}

/// `torch.remainder`: `a - b * floor(a / b)`, the sign of the divisor.
pub fn remainder(a: Arg, b: Arg) -> Result<Tensor> {
    remainder_like(Kind::Rem, "RemainderBackward0", a, b)
}

/// `torch.fmod`: C's remainder, the sign of the dividend.
pub fn fmod(a: Arg, b: Arg) -> Result<Tensor> {
    remainder_like(Kind::Fmod, "FmodBackward0", a, b)
}

/// The `atg_*` overrides of rounding divisions and remainders.
macro_rules! atg_divmod {
    () => {
        fn div_tensor_mode(a: &Tensor, b: &Tensor, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::div_mode(a.into(), b.into(), mode) }
        fn div_tensor_mode_(a: &Tensor, b: &Tensor, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::in_place("div_", a, b.into(), |x, y| $crate::ops::pointwise::div_mode(x, y, mode)) }
        fn div_out_mode(out: &Tensor, a: &Tensor, b: &Tensor, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::div_mode(a.into(), b.into(), mode)) }
        fn div_scalar_mode(a: &Tensor, b: &Scalar, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::div_mode(a.into(), b.into(), mode) }
        fn div_scalar_mode_(a: &Tensor, b: &Scalar, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::in_place("div_", a, b.into(), |x, y| $crate::ops::pointwise::div_mode(x, y, mode)) }
        fn div_scalar_mode_out(out: &Tensor, a: &Tensor, b: &Scalar, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::div_mode(a.into(), b.into(), mode)) }
        fn divide_tensor_mode(a: &Tensor, b: &Tensor, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::div_mode(a.into(), b.into(), mode) }
        fn divide_tensor_mode_(a: &Tensor, b: &Tensor, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::in_place("divide_", a, b.into(), |x, y| $crate::ops::pointwise::div_mode(x, y, mode)) }
        fn divide_out_mode(out: &Tensor, a: &Tensor, b: &Tensor, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::div_mode(a.into(), b.into(), mode)) }
        fn divide_scalar_mode(a: &Tensor, b: &Scalar, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::div_mode(a.into(), b.into(), mode) }
        fn divide_scalar_mode_(a: &Tensor, b: &Scalar, mode: &str) -> Result<Tensor> { $crate::ops::pointwise::in_place("divide_", a, b.into(), |x, y| $crate::ops::pointwise::div_mode(x, y, mode)) }

        fn floor_divide(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::floor_divide(a.into(), b.into()) }
        fn floor_divide_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("floor_divide_", a, b.into(), $crate::ops::pointwise::floor_divide) }
        fn floor_divide_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::floor_divide(a.into(), b.into())) }
        fn floor_divide_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::floor_divide(a.into(), b.into()) }
        fn floor_divide_scalar_(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place("floor_divide_", a, b.into(), $crate::ops::pointwise::floor_divide) }
        fn floor_divide_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::floor_divide(a.into(), b.into())) }

        fn remainder(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::remainder(a.into(), b.into()) }
        fn remainder_(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place("remainder_", a, b.into(), $crate::ops::pointwise::remainder) }
        fn remainder_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::remainder(a.into(), b.into())) }
        fn remainder_scalar_tensor(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::remainder(a.into(), b.into()) }
        fn remainder_scalar_tensor_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::remainder(a.into(), b.into())) }
        fn remainder_tensor(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::remainder(a.into(), b.into()) }
        fn remainder_tensor_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("remainder_", a, b.into(), $crate::ops::pointwise::remainder) }
        fn remainder_tensor_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::remainder(a.into(), b.into())) }

        fn fmod(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::fmod(a.into(), b.into()) }
        fn fmod_(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place("fmod_", a, b.into(), $crate::ops::pointwise::fmod) }
        fn fmod_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::fmod(a.into(), b.into())) }
        fn fmod_tensor(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::fmod(a.into(), b.into()) }
        fn fmod_tensor_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("fmod_", a, b.into(), $crate::ops::pointwise::fmod) }
        fn fmod_tensor_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::fmod(a.into(), b.into())) }
    };
}
pub(crate) use atg_divmod;
