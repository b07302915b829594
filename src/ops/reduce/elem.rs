//! The few elementwise float ops the reduction backward rules need (exp, sqrt, abs, pow,
//! sign, comparison masks), with their own backward so gradients of gradients work.

use super::real::Real;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::elementwise::{binary_map, unary_map};
use crate::error::Result;
use crate::ops::arith::{binary, binary_scalar, BinOp};
use crate::tensor::{Scalar, Tensor};
use crate::with_float_dtype;
use num_traits::{One, Zero};
use crate::tensor::DType;

/// `f` on every element of a float tensor (in its compute type), same dtype out.
macro_rules! float_map {
    ($t:expr, $name:expr, |$x:ident| $e:expr) => {{
        let d = $t.data();
        with_float_dtype!(d.dtype, T, {
            Ok(Tensor::from_data(unary_map::<T, T>(&d, |v| {
                let $x = v.load();
                T::store($e)
            })?))
        }, {
            crate::bail!("{}: expected a floating point tensor, got {}", $name, d.dtype.name())
        })
    }};
}

/// `f(a, b)` with broadcasting on two float tensors of one dtype.
macro_rules! float_zip {
    ($a:expr, $b:expr, $name:expr, |$x:ident, $y:ident| $e:expr) => {{
        let (da, db) = ($a.data(), $b.data());
        crate::ensure!(da.dtype == db.dtype, "{}: dtypes differ ({} and {})", $name, da.dtype.name(), db.dtype.name());
        with_float_dtype!(da.dtype, T, {
            Ok(Tensor::from_data(binary_map::<T, T>(&da, &db, |u, v| {
                let ($x, $y) = (u.load(), v.load());
                T::store($e)
            })?))
        }, {
            crate::bail!("{}: expected floating point tensors, got {}", $name, da.dtype.name())
        })
    }};
}

pub fn exp(a: &Tensor) -> Result<Tensor> {
    let out: Tensor = float_map!(a, "exp", |x| x.exp())?;
    if needs_grad(&[a]) {
        let so = SavedTensor::output(&out, 0);
        record("ExpBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(binary(BinOp::Mul, g, &so.get(node)?)?)])
        });
    }
    Ok(out)
}

pub fn sqrt(a: &Tensor) -> Result<Tensor> {
    let out: Tensor = float_map!(a, "sqrt", |x| x.sqrt())?;
    if needs_grad(&[a]) {
        let so = SavedTensor::output(&out, 0);
        record("SqrtBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let two_out = binary_scalar(BinOp::Mul, &so.get(node)?, &Scalar::Float(2.0))?;
            Ok(vec![Some(binary(BinOp::Div, g, &two_out)?)])
        });
    }
    Ok(out)
}

/// The sign (-1, 0, 1; 0 at NaN and -0, as `torch.sgn`); a constant for autograd.
pub fn sgn(a: &Tensor) -> Result<Tensor> {
    float_map!(a, "sgn", |x| if x.is_nan() || x == Zero::zero() { Zero::zero() } else { x.signum() })
}

pub fn abs(a: &Tensor) -> Result<Tensor> {
    let out: Tensor = float_map!(a, "abs", |x| x.abs())?;
    if needs_grad(&[a]) {
        let sa = SavedTensor::input(a);
        record("AbsBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(binary(BinOp::Mul, g, &sgn(&sa.get(node)?)?)?)])
        });
    }
    Ok(out)
}

/// `a ** p` for a float exponent.
pub fn pow_scalar(a: &Tensor, p: f64) -> Result<Tensor> {
    let out: Tensor = float_map!(a, "pow", |x| x.powf(<T as Real>::c_from_f64(p)))?;
    if needs_grad(&[a]) {
        let sa = SavedTensor::input(a);
        record("PowBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            if p == 0.0 {
                return Ok(vec![Some(binary_scalar(BinOp::Mul, g, &Scalar::Float(0.0))?)]);
            }
            let d = binary_scalar(BinOp::Mul, &pow_scalar(&sa.get(node)?, p - 1.0)?, &Scalar::Float(p))?;
            Ok(vec![Some(binary(BinOp::Mul, g, &d)?)])
        });
    }
    Ok(out)
}

/// 1 where `a == b` (broadcast), else 0, in `a`'s float dtype; a constant for autograd.
pub fn eq_mask(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    float_zip!(a, b, "eq", |x, y| if x == y { One::one() } else { Zero::zero() })
}

/// 1 where `a == b` or both are NaN (the elements a max()/min()/median() equals), else 0.
pub fn nan_eq_mask(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    float_zip!(a, b, "eq", |x, y| if x == y || (x.is_nan() && y.is_nan()) { One::one() } else { Zero::zero() })
}

/// 1 where `a == b` or `a` is NaN (the elements an inf-norm of `a` picked), else 0.
pub fn picked_mask(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    float_zip!(a, b, "eq", |x, y| if x == y || x.is_nan() { One::one() } else { Zero::zero() })
}

/// 1 where `a` is 0, else 0 (the mask that turns zero denominators into ones).
pub fn zero_mask(a: &Tensor) -> Result<Tensor> {
    float_map!(a, "eq", |x| if x == Zero::zero() { One::one() } else { Zero::zero() })
}

/// `a` with its zeros replaced by ones (a safe denominator; differentiable as `a + const`).
pub fn nonzero_denominator(a: &Tensor) -> Result<Tensor> {
    binary(BinOp::Add, a, &zero_mask(&crate::ops::autograd_ops::detach(a))?)
}

/// `t` converted to `dtype`, with the gradient converted back (`ToCopyBackward0`).
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    crate::ops::convert::to(t, None, Some(dtype), false)
}

/// `t` with its NaNs replaced by zeros; the gradient is zero where they were.
pub fn nan_to_zero(t: &Tensor) -> Result<Tensor> {
    let out: Tensor = float_map!(t, "nansum", |x| if x.is_nan() { Zero::zero() } else { x })?;
    if needs_grad(&[t]) {
        let st = SavedTensor::input(t);
        record("NanToNumBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let x = crate::ops::autograd_ops::detach(&st.get(node)?);
            let keep: Tensor = float_map!(x, "nansum", |v| if v.is_nan() { Zero::zero() } else { One::one() })?;
            Ok(vec![Some(binary(BinOp::Mul, g, &keep)?)])
        });
    }
    Ok(out)
}
