//! Three-operand blends: `lerp` (number or tensor weight, PyTorch's two-sided formula) and
//! `addcmul` / `addcdiv` (value 1, the only one the C API passes).

use super::args::{cpp_name, no_kernel, promote, record_op, src, Arg};
use super::int::Int;
use super::kernel::{real, map3, with_int_dtype, Num, Src};
use crate::error::Result;
use crate::ops::unary::kernel::float_map2;
use crate::ops::arith::{binary, binary_scalar, neg, BinOp};
use crate::tensor::{DType, Scalar, Tensor, TensorData};
use crate::with_float_dtype;
use num_traits::Float;

/// `at::lerp`: `a + w (b - a)` for small weights, `b - (b - a)(1 - w)` otherwise.
#[inline(always)]
fn lerp_el<F: Float>(a: F, b: F, w: F) -> F {
    let half = real::<F>(0.5);
    if w.abs() < half {
        a + w * (b - a)
    } else {
        b - (b - a) * (F::one() - w)
    }
}

fn lerp_values<T: Num>(a: &Src<T>, b: &Src<T>, w: Arg) -> Result<TensorData>
where
    T::C: Float,
{
    match w {
        // a number weight stays in the compute type (not rounded to Half)
        Arg::S(s) => {
            let w = real::<T::C>(s.to_f64());
            map3(a, b, &Src::Value(T::zero()), move |x: T, y: T, _: T| T::down(lerp_el(x.up(), y.up(), w)))
        }
        Arg::T(_) => map3(a, b, &src::<T>(w)?, |x: T, y: T, w: T| T::down(lerp_el(x.up(), y.up(), w.up()))),
    }
}

/// `torch.lerp(a, end, weight)`: all tensors of one floating dtype.
pub fn lerp(a: &Tensor, end: &Tensor, weight: Arg) -> Result<Tensor> {
    let dt = a.dtype();
    let check = |what: &str, d: DType| {
        crate::ensure!(d == dt, "expected dtype {} for `{what}` but got dtype {}", cpp_name(dt), cpp_name(d));
        Ok(())
    };
    check("end", end.dtype())?;
    if let Arg::T(w) = weight {
        check("weight", w.dtype())?;
    }
    let kernel = if matches!(weight, Arg::S(_)) { "lerp_kernel_scalar" } else { "lerp_kernel_tensor" };
    let d = if let (Arg::S(w), DType::F32) = (weight, dt) {
        // f32 with a number weight: one vector pass, the formula picked once
        let (w, wd) = (w.to_f64() as f32, w.to_f64());
        let (x, y) = (a.read(), end.read());
        if w.abs() < 0.5 {
            float_map2(&x, &y, move |a: f32, b: f32| a + w * (b - a), move |a: f64, b: f64| a + wd * (b - a))?
        } else {
            float_map2(&x, &y, move |a: f32, b: f32| b - (b - a) * (1.0 - w), move |a: f64, b: f64| b - (b - a) * (1.0 - wd))?
        }
    } else {
        with_float_dtype!(dt, T, { lerp_values::<T>(&src(Arg::T(a))?, &src(Arg::T(end))?, weight)? }, {
            return no_kernel(kernel, dt)
        })
    };
    let out = Tensor::from_data(d);
    let save = if matches!(weight, Arg::T(_)) { 0b111 } else { 0 };
    record_op("LerpBackward0", &[Arg::T(a), Arg::T(end), weight], &out, save, false, |c| {
        let (ga, gb, gw);
        match c.a(2)? {
            Arg::S(w) => {
                let w = w.to_f64();
                ga = if c.need[0] { Some(binary_scalar(BinOp::Mul, c.g, &Scalar::Float(1.0 - w))?) } else { None };
                gb = if c.need[1] { Some(binary_scalar(BinOp::Mul, c.g, &Scalar::Float(w))?) } else { None };
                gw = None;
            }
            Arg::T(w) => {
                ga = if c.need[0] { Some(binary(BinOp::Mul, c.g, &super::rsub(Arg::T(w), Arg::S(Scalar::Int(1)))?)?) } else { None };
                gb = if c.need[1] { Some(binary(BinOp::Mul, c.g, w)?) } else { None };
                gw = if c.need[2] {
                    let diff = binary(BinOp::Sub, c.t(1)?, c.t(0)?)?;
                    Some(binary(BinOp::Mul, c.g, &diff)?)
                } else {
                    None
                };
            }
        }
        Ok(vec![ga, gb, gw])
    });
    Ok(out)
}

fn addcmul_values(dt: DType, s: Arg, x: Arg, y: Arg) -> Result<TensorData> {
    fn int<T: Int>(s: &Src<T>, x: &Src<T>, y: &Src<T>) -> Result<TensorData> {
        map3(s, x, y, |s: T, x: T, y: T| s.wadd(x.wmul(y)))
    }
    fn float<T: Num>(s: &Src<T>, x: &Src<T>, y: &Src<T>) -> Result<TensorData>
    where
        T::C: Float,
    {
        map3(s, x, y, |s: T, x: T, y: T| T::down(s.up() + x.up() * y.up()))
    }
    with_int_dtype!(dt, T, { int::<T>(&src(s)?, &src(x)?, &src(y)?) }, {
        with_float_dtype!(dt, T, { float::<T>(&src(s)?, &src(x)?, &src(y)?) }, { no_kernel("addcmul_cpu_out", dt) })
    })
}

fn addcdiv_values(dt: DType, s: Arg, x: Arg, y: Arg) -> Result<TensorData> {
    fn float<T: Num>(s: &Src<T>, x: &Src<T>, y: &Src<T>) -> Result<TensorData>
    where
        T::C: Float,
    {
        map3(s, x, y, |s: T, x: T, y: T| T::down(s.up() + x.up() / y.up()))
    }
    with_float_dtype!(dt, T, { float::<T>(&src(s)?, &src(x)?, &src(y)?) }, { no_kernel("addcdiv_cpu_out", dt) })
}

/// `torch.addcmul(s, t1, t2)`: `s + t1 * t2`.
pub fn addcmul(s: &Tensor, t1: &Tensor, t2: &Tensor) -> Result<Tensor> {
    let args = [Arg::T(s), Arg::T(t1), Arg::T(t2)];
    let out = Tensor::from_data(addcmul_values(promote(&args), args[0], args[1], args[2])?);
    record_op("AddcmulBackward0", &args, &out, 0b110, false, |c| {
        let gx = if c.need[1] { Some(binary(BinOp::Mul, c.g, c.t(2)?)?) } else { None };
        let gy = if c.need[2] { Some(binary(BinOp::Mul, c.g, c.t(1)?)?) } else { None };
        Ok(vec![Some(c.g.clone()), gx, gy])
    });
    Ok(out)
}

/// `torch.addcdiv(s, t1, t2)`: `s + t1 / t2`; integer `t1` and `t2` are an error.
pub fn addcdiv(s: &Tensor, t1: &Tensor, t2: &Tensor) -> Result<Tensor> {
    if !t1.dtype().is_float() && !t2.dtype().is_float() {
        crate::bail!(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes."
        );
    }
    let args = [Arg::T(s), Arg::T(t1), Arg::T(t2)];
    let out = Tensor::from_data(addcdiv_values(promote(&args), args[0], args[1], args[2])?);
    record_op("AddcdivBackward0", &args, &out, 0b110, false, |c| {
        let (x, y) = (c.t(1)?, c.t(2)?);
        let gx = if c.need[1] { Some(binary(BinOp::Div, c.g, y)?) } else { None };
        let gy = if c.need[2] {
            // -g * t1 / t2^2
            let q = binary(BinOp::Div, &binary(BinOp::Div, x, y)?, y)?;
            Some(neg(&binary(BinOp::Mul, c.g, &q)?)?)
        } else {
            None
        };
        Ok(vec![Some(c.g.clone()), gx, gy])
    });
    Ok(out)
}

/// The `atg_*` overrides of lerp, addcmul and addcdiv.
macro_rules! atg_blend {
    () => {
        fn lerp(a: &Tensor, b: &Tensor, w: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::lerp(a, b, w.into()) }
        fn lerp_(a: &Tensor, b: &Tensor, w: &Scalar) -> Result<Tensor> { $crate::ops::arith::inplace("lerp_", a, &[b], |x| $crate::ops::pointwise::lerp(x, b, w.into())) }
        fn lerp_scalar_out(out: &Tensor, a: &Tensor, b: &Tensor, w: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::lerp(a, b, w.into())) }
        fn lerp_tensor(a: &Tensor, b: &Tensor, w: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::lerp(a, b, w.into()) }
        fn lerp_tensor_(a: &Tensor, b: &Tensor, w: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("lerp_", a, &[b, w], |x| $crate::ops::pointwise::lerp(x, b, w.into())) }
        fn lerp_tensor_out(out: &Tensor, a: &Tensor, b: &Tensor, w: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::lerp(a, b, w.into()), $crate::ops::pointwise::found_dtype) }
        fn addcmul(a: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::addcmul(a, x, y) }
        fn addcmul_(a: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("addcmul_", a, &[x, y], |s| $crate::ops::pointwise::addcmul(s, x, y)) }
        fn addcmul_out(out: &Tensor, a: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::addcmul(a, x, y)) }
        fn addcdiv(a: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::addcdiv(a, x, y) }
        fn addcdiv_(a: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("addcdiv_", a, &[x, y], |s| $crate::ops::pointwise::addcdiv(s, x, y)) }
        fn addcdiv_out(out: &Tensor, a: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::addcdiv(a, x, y)) }
    };
}
pub(crate) use atg_blend;
