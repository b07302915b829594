//! Powers: `pow` (tensor^tensor, tensor^number, number^tensor; integer powers wrap, negative
//! integer exponents of integer tensors are an error) and `float_power` (always in float64).

use super::args::{cast_diff, checked, no_kernel, promote, record_op, src, zeros_like, Arg};
use super::compare::{compare, Cmp};
use super::int::{powi, Int};
use super::kernel::{map2, with_int_dtype, Num, Src};
use super::logic::{logical, Logic};
use crate::error::Result;
use crate::ops::unary::approx;
use crate::ops::unary::kernel::{float_map2, float_map_m};
use crate::ops::arith::{binary, binary_scalar, BinOp};
use crate::tensor::create::scalar_as;
use crate::tensor::{DType, Scalar, Tensor, TensorData};
use crate::with_float_dtype;
use num_traits::Float;

fn is(s: Scalar, v: f64) -> bool {
    s.to_f64() == v
}

/// c10's `Scalar::equal(v)`: a bool is never equal to a number.
fn num_eq(s: Scalar, v: f64) -> bool {
    !matches!(s, Scalar::Bool(_)) && is(s, v)
}

/// Element powers of two operands already promoted to `dt`.
fn pow_values(a: Arg, b: Arg, dt: DType) -> Result<TensorData> {
    fn float<T: Num>(a: &Src<T>, b: &Src<T>) -> Result<TensorData>
    where
        T::C: Float,
    {
        map2(a, b, |x: T, y: T| T::down(x.up().powf(y.up())))
    }
    fn int<T: Int>(a: &Src<T>, b: &Src<T>) -> Result<TensorData> {
        map2(a, b, powi::<T>)
    }
    if let (Arg::T(x), Arg::T(e)) = (a, b) {
        if dt == DType::F32 && x.dtype() == dt && e.dtype() == dt {
            return float_map2(&x.read(), &e.read(), approx::Pow, f64::powf);
        }
    }
    with_int_dtype!(dt, T, { int::<T>(&src(a)?, &src(b)?) }, {
        with_float_dtype!(dt, T, { float::<T>(&src(a)?, &src(b)?) }, { no_kernel("pow", dt) })
    })
}

/// `tensor ** number` with PyTorch's fast exponents (0, 1, 1/2, -1/2, -1, 2, 3, -2).
fn pow_scalar_values(a: &Tensor, e: Scalar, dt: DType) -> Result<TensorData> {
    let d = super::args::cast(&a.data(), dt)?;
    if is(e, 0.0) {
        return Ok(Tensor::ones(&d.layout.shape, dt, d.device())?.data());
    }
    if is(e, 1.0) {
        return crate::cpu::copy::to_contiguous_dtype(&d, dt);
    }
    fn float<T: Num>(d: TensorData, e: Scalar, half: bool) -> Result<TensorData>
    where
        T::C: Float,
    {
        let x = Src::<T>::Data(d);
        let one = <T::C as num_traits::One>::one();
        let k = Src::Value(T::zero());
        let ev = e.to_f64();
        if ev == 0.5 {
            map2(&x, &k, |x: T, _| T::down(x.up().sqrt()))
        } else if ev == -0.5 {
            map2(&x, &k, move |x: T, _| T::down(one / x.up().sqrt()))
        } else if ev == -1.0 {
            map2(&x, &k, move |x: T, _| T::down(one / x.up()))
        } else if half {
            // Half has no fast exponents: std::pow(base, Half(exponent)).
            let e = scalar_as::<T>(e).up();
            map2(&x, &k, move |x: T, _| T::down(x.up().powf(e)))
        } else if ev == 2.0 {
            map2(&x, &k, |x: T, _| T::down(x.up() * x.up()))
        } else if ev == 3.0 {
            map2(&x, &k, |x: T, _| T::down(x.up() * x.up() * x.up()))
        } else if ev == -2.0 {
            map2(&x, &k, move |x: T, _| T::down(one / (x.up() * x.up())))
        } else {
            let e = scalar_as::<T>(e).up();
            map2(&x, &k, move |x: T, _| T::down(x.up().powf(e)))
        }
    }
    if dt == DType::F32 && ![0.5, -0.5, -1.0, 2.0, 3.0, -2.0].contains(&e.to_f64()) {
        // the vector power (the exponent rounded to f32, as PyTorch's f32 kernel takes it)
        let e32 = e.to_f64() as f32;
        return float_map_m(&d, approx::PowBy(e32), move |x| x.powf(e32 as f64));
    }
    with_int_dtype!(dt, T, {
        let e: T = scalar_as(checked(e, dt)?);
        map2(&Src::<T>::Data(d), &Src::Value(e), powi::<T>)
    }, {
        with_float_dtype!(dt, T, { float::<T>(d, e, dt == DType::F16) }, { no_kernel("pow", dt) })
    })
}

/// `torch.pow(a, b)` for any mix of tensors and numbers (at least one tensor).
pub fn pow(a: Arg, b: Arg) -> Result<Tensor> {
    let dt = promote(&[a, b]);
    match (a, b) {
        (Arg::T(t), Arg::S(e)) => {
            if !t.dtype().is_float() && !e.is_float() && e.to_i64() < 0 {
                crate::bail!("Integers to negative integer powers are not allowed.");
            }
            let out = Tensor::from_data(pow_scalar_values(t, e, dt)?);
            record_op("PowBackward0", &[a, b], &out, 0b1, false, move |c| {
                if num_eq(e, 0.0) {
                    return Ok(vec![Some(zeros_like(c.g)?), None]);
                }
                let ev = e.to_f64();
                let p = pow(c.a(0)?, Arg::S(Scalar::Float(ev - 1.0)))?;
                let d = binary_scalar(BinOp::Mul, &p, &Scalar::Float(ev))?;
                Ok(vec![Some(binary(BinOp::Mul, c.g, &d)?), None])
            });
            Ok(out)
        }
        _ => {
            let out = match (a, b) {
                // 1 ** x is 1, NaN included (PyTorch fills without computing)
                (Arg::S(base), Arg::T(t)) if num_eq(base, 1.0) => Tensor::ones(&t.shape(), dt, t.device())?,
                _ => Tensor::from_data(pow_values(a, b, dt)?),
            };
            let name = if matches!(a, Arg::S(_)) { "PowBackward2" } else { "PowBackward1" };
            record_op(name, &[a, b], &out, 0b11, true, move |c| {
                let ga = if c.need[0] { Some(pow_grad_base(c.g, c.a(0)?, c.a(1)?)?) } else { None };
                let gb = if c.need[1] { Some(pow_grad_exponent(c.g, c.a(0)?, c.a(1)?, c.out()?, dt)?) } else { None };
                Ok(vec![ga, gb])
            });
            Ok(out)
        }
    }
}

/// `pow_backward_self`: `where(e == 0, 0, g * e * a^(e - 1))`.
fn pow_grad_base(g: &Tensor, a: Arg, e: Arg) -> Result<Tensor> {
    let Arg::T(et) = e else { unreachable!("a number exponent has its own rule") };
    let em1 = binary_scalar(BinOp::Sub, et, &Scalar::Int(1))?;
    let d = binary(BinOp::Mul, et, &pow(a, Arg::T(&em1))?)?;
    let full = binary(BinOp::Mul, g, &d)?;
    let zero = compare(Cmp::Eq, e, Arg::S(Scalar::Float(0.0)))?;
    super::select::where_(&zero, Arg::S(Scalar::Float(0.0)), Arg::T(&full))
}

/// `pow_backward_exponent`: `g * where(a == 0 & e >= 0, 0, result * log(a))`.
fn pow_grad_exponent(g: &Tensor, a: Arg, e: Arg, result: &Tensor, dt: DType) -> Result<Tensor> {
    let e_nonneg = || compare(Cmp::Ge, e, Arg::S(Scalar::Int(0)));
    let (d, cond) = match a {
        Arg::T(t) => {
            let log_a = super::fmath::xlogy(Arg::S(Scalar::Int(1)), Arg::T(&cast_diff(t, dt)?))?;
            let a_zero = compare(Cmp::Eq, a, Arg::S(Scalar::Int(0)))?;
            let cond = logical(Logic::And, Arg::T(&a_zero), Arg::T(&e_nonneg()?))?;
            (binary(BinOp::Mul, result, &log_a)?, Some(cond))
        }
        Arg::S(s) => {
            let d = binary_scalar(BinOp::Mul, result, &Scalar::Float(s.to_f64().ln()))?;
            (d, if num_eq(s, 0.0) { Some(e_nonneg()?) } else { None })
        }
    };
    let d = match cond {
        Some(c) => super::select::where_(&c, Arg::S(Scalar::Float(0.0)), Arg::T(&d))?,
        None => d,
    };
    binary(BinOp::Mul, g, &d)
}

fn as_double(s: Scalar) -> Scalar {
    Scalar::Float(s.to_f64())
}

/// `torch.float_power`: `pow` computed in float64.
pub fn float_power(a: Arg, b: Arg) -> Result<Tensor> {
    let (ta, tb);
    let a = match a {
        Arg::T(t) => {
            ta = cast_diff(t, DType::F64)?;
            Arg::T(&ta)
        }
        Arg::S(s) => Arg::S(as_double(s)),
    };
    let b = match b {
        Arg::T(t) => {
            tb = cast_diff(t, DType::F64)?;
            Arg::T(&tb)
        }
        Arg::S(s) => Arg::S(as_double(s)),
    };
    pow(a, b)
}

/// `float_power_`: the base must already be float64.
pub fn float_power_(a: &Tensor, b: Arg) -> Result<Tensor> {
    if a.dtype() != DType::F64 {
        crate::bail!(
            "the base given to float_power_ has dtype {} but the operation's result requires dtype Double",
            a.dtype().name()
        );
    }
    super::in_place("float_power_", a, b, float_power)
}

/// PyTorch's text when float_power's out= is not float64.
pub fn float_power_out_msg(out: DType, result: DType) -> String {
    format!(
        "the output given to float_power has dtype {} but the operation's result requires dtype {}",
        out.name(),
        result.name()
    )
}

/// The `atg_*` overrides of powers.
macro_rules! atg_pow {
    () => {
        fn pow(a: &Tensor, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::pow(a.into(), e.into()) }
        fn pow_(a: &Tensor, e: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place("pow_", a, e.into(), $crate::ops::pointwise::pow) }
        fn pow_tensor_(a: &Tensor, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("pow_", a, e.into(), $crate::ops::pointwise::pow) }
        fn pow_scalar(a: &Scalar, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::pow(a.into(), e.into()) }
        fn pow_scalar_out(out: &Tensor, a: &Scalar, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::pow(a.into(), e.into())) }
        fn pow_tensor_scalar(a: &Tensor, e: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::pow(a.into(), e.into()) }
        fn pow_tensor_scalar_out(out: &Tensor, a: &Tensor, e: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::pow(a.into(), e.into())) }
        fn pow_tensor_tensor_out(out: &Tensor, a: &Tensor, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::pow(a.into(), e.into())) }
        fn float_power(a: &Tensor, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::float_power(a.into(), e.into()) }
        fn float_power_(a: &Tensor, e: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::float_power_(a, e.into()) }
        fn float_power_tensor_(a: &Tensor, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::float_power_(a, e.into()) }
        fn float_power_scalar(a: &Scalar, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::float_power(a.into(), e.into()) }
        fn float_power_scalar_out(out: &Tensor, a: &Scalar, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::float_power(a.into(), e.into()), $crate::ops::pointwise::float_power_out_msg) }
        fn float_power_tensor_scalar(a: &Tensor, e: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::float_power(a.into(), e.into()) }
        fn float_power_tensor_scalar_out(out: &Tensor, a: &Tensor, e: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::float_power(a.into(), e.into()), $crate::ops::pointwise::float_power_out_msg) }
        fn float_power_tensor_tensor_out(out: &Tensor, a: &Tensor, e: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::float_power(a.into(), e.into()), $crate::ops::pointwise::float_power_out_msg) }
    };
}
pub(crate) use atg_pow;
