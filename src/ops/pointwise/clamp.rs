//! `clamp`/`clip` with number or tensor bounds (either may be absent): `min(max(x, lo), hi)` in
//! the promoted dtype, NaN in any operand giving NaN, and a bound above the other giving `hi`.

use super::args::{cast, checked, no_kernel, promote, record_op, Arg};
use super::compare::{compare, max_nan, min_nan, Cmp};
use super::kernel::{map2, map3, Num, Src};
use super::logic::{logical, Logic};
use super::select::where_;
use crate::error::Result;
use crate::tensor::create::scalar_as;
use crate::tensor::{DType, Element, Scalar, Tensor};
use crate::with_dtype;

/// A clamp operand in the result dtype (number bounds with the overflow check).
fn bound<T: Num>(a: Arg) -> Result<Src<T>> {
    Ok(match a {
        Arg::T(t) => Src::Data(cast(&t.data(), T::DTYPE)?),
        Arg::S(s) => Src::Value(scalar_as::<T>(checked(s, T::DTYPE)?)),
    })
}

fn bool_kernel_name(lo: Option<Arg>, hi: Option<Arg>) -> Option<&'static str> {
    let scalar = |b: Option<Arg>| matches!(b, Some(Arg::S(_)));
    match (lo, hi) {
        (Some(_), Some(_)) if scalar(lo) || scalar(hi) => Some("clamp_scalar_cpu"),
        (Some(_), Some(_)) => Some("clamp_cpu"),
        (Some(Arg::S(_)), None) => Some("clamp_min_scalar_cpu"),
        (None, Some(Arg::S(_))) => Some("clamp_max_scalar_cpu"),
        _ => None,
    }
}

/// The bounds of a clamp of a floating tensor between numbers (the common case, which takes one
/// vectorised pass): each rounded to the dtype (an absent one infinite), or None for tensor
/// bounds, another result dtype, or a NaN bound (the general kernel gives its NaNs).
fn number_bounds(x: &Tensor, dt: DType, lo: Option<Arg>, hi: Option<Arg>) -> Result<Option<(f64, f64)>> {
    if !dt.is_float() || x.dtype() != dt {
        return Ok(None);
    }
    let number = |b: Option<Arg>, absent: f64| -> Result<Option<f64>> {
        Ok(match b {
            None => Some(absent),
            Some(Arg::S(s)) => Some(with_dtype!(dt, T, { scalar_as::<T>(checked(s, dt)?).to_f64() })),
            Some(Arg::T(_)) => None,
        })
    };
    match (number(lo, f64::NEG_INFINITY)?, number(hi, f64::INFINITY)?) {
        (Some(l), Some(h)) if !l.is_nan() && !h.is_nan() => Ok(Some((l, h))),
        _ => Ok(None),
    }
}

/// `torch.clamp(x, min, max)`; at least one bound must be given.
pub fn clamp(x: &Tensor, lo: Option<Arg>, hi: Option<Arg>) -> Result<Tensor> {
    let mut args = vec![Arg::T(x)];
    args.extend(lo);
    args.extend(hi);
    crate::ensure!(args.len() > 1, "torch.clamp: At least one of 'min' or 'max' must not be None");
    let dt = promote(&args);
    if dt == DType::Bool {
        if let Some(k) = bool_kernel_name(lo, hi) {
            return no_kernel(k, dt);
        }
    }
    let d = if let Some((l, h)) = number_bounds(x, dt, lo, hi)? {
        let (l32, h32) = (l as f32, h as f32);
        crate::ops::unary::kernel::float_map(
            &x.data(),
            move |v: f32| {
                let a = if v < l32 { l32 } else { v };
                if a > h32 { h32 } else { a }
            },
            move |v: f64| {
                let a = if v < l { l } else { v };
                if a > h { h } else { a }
            },
        )?
    } else {
        with_dtype!(dt, T, {
        let v = Src::<T>::Data(cast(&x.data(), dt)?);
        match (lo, hi) {
            (Some(l), Some(h)) => map3(&v, &bound::<T>(l)?, &bound::<T>(h)?, |x: T, l: T, h: T| min_nan(max_nan(x, l), h))?,
            (Some(l), None) => map2(&v, &bound::<T>(l)?, max_nan::<T>)?,
            (None, Some(h)) => map2(&v, &bound::<T>(h)?, min_nan::<T>)?,
            (None, None) => unreachable!("checked above"),
        }
        })
    };
    let out = Tensor::from_data(d);
    let name = match (lo, hi) {
        (Some(Arg::T(_)), _) | (_, Some(Arg::T(_))) => "ClampBackward0",
        (Some(_), None) => "ClampMinBackward0",
        (None, Some(_)) => "ClampMaxBackward0",
        _ => "ClampBackward1",
    };
    let (has_lo, has_hi) = (lo.is_some(), hi.is_some());
    record_op(name, &args, &out, 0b111, false, move |c| clamp_grads(c, has_lo, has_hi));
    Ok(out)
}

/// `clamp_backward` / `clamp_backward_min_max`: the gradient goes to whichever operand the
/// result came from (to `x` on ties).
fn clamp_grads(c: &super::args::Ctx, has_lo: bool, has_hi: bool) -> Result<Vec<Option<Tensor>>> {
    let x = c.a(0)?;
    let lo = if has_lo { Some(c.a(1)?) } else { None };
    let hi = if has_hi { Some(c.a(1 + has_lo as usize)?) } else { None };
    let zero = Arg::S(Scalar::Int(0));
    let and = |p: Tensor, q: Tensor| logical(Logic::And, Arg::T(&p), Arg::T(&q));
    let pass = |cond: Tensor| where_(&cond, Arg::T(c.g), zero);
    let gx = if c.need[0] {
        let cond = match (lo, hi) {
            (Some(l), Some(h)) => and(compare(Cmp::Ge, x, l)?, compare(Cmp::Le, x, h)?)?,
            (Some(l), None) => compare(Cmp::Ge, x, l)?,
            (None, Some(h)) => compare(Cmp::Le, x, h)?,
            (None, None) => unreachable!("a clamp has a bound"),
        };
        Some(pass(cond)?)
    } else {
        None
    };
    let mut grads = vec![gx];
    if let Some(l) = lo {
        let need = c.need[1];
        grads.push(if need {
            let below = compare(Cmp::Lt, x, l)?;
            Some(pass(match hi {
                Some(h) => and(below, compare(Cmp::Lt, l, h)?)?,
                None => below,
            })?)
        } else {
            None
        });
    }
    if let Some(h) = hi {
        let need = c.need[1 + has_lo as usize];
        grads.push(if need {
            let above = compare(Cmp::Gt, x, h)?;
            Some(pass(match lo {
                Some(l) => logical(Logic::Or, Arg::T(&above), Arg::T(&compare(Cmp::Lt, h, l)?))?,
                None => above,
            })?)
        } else {
            None
        });
    }
    Ok(grads)
}

/// `torch.clamp` with optional tensor bounds.
pub fn clamp_tensor(x: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Result<Tensor> {
    clamp(x, lo.map(Arg::T), hi.map(Arg::T))
}

/// `x.clamp_(min, max)` with number bounds (its cast error names the C++ type, like PyTorch's).
pub fn clamp_(name: &str, x: &Tensor, lo: Option<Scalar>, hi: Option<Scalar>) -> Result<Tensor> {
    let mut args = vec![Arg::T(x)];
    args.extend(lo.map(Arg::S));
    args.extend(hi.map(Arg::S));
    let dt = promote(&args);
    if !crate::ops::promote::can_cast(dt, x.dtype()) {
        crate::bail!("result type {} can't be cast to the desired output type {}", dt.name(), super::args::cpp_name(x.dtype()));
    }
    crate::ops::arith::inplace(name, x, &[], |t| clamp(t, lo.map(Arg::S), hi.map(Arg::S)))
}

/// The `atg_*` overrides of clamp and clip.
macro_rules! atg_clamp {
    () => {
        fn clamp(a: &Tensor, lo: &Scalar, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp(a, Some(lo.into()), Some(hi.into())) }
        fn clamp_(a: &Tensor, lo: &Scalar, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp_("clamp_", a, Some(*lo), Some(*hi)) }
        fn clamp_out(out: &Tensor, a: &Tensor, lo: &Scalar, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::clamp(a, Some(lo.into()), Some(hi.into())), $crate::ops::pointwise::found_dtype) }
        fn clip(a: &Tensor, lo: &Scalar, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp(a, Some(lo.into()), Some(hi.into())) }
        fn clip_(a: &Tensor, lo: &Scalar, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp_("clip_", a, Some(*lo), Some(*hi)) }
        fn clip_out(out: &Tensor, a: &Tensor, lo: &Scalar, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::clamp(a, Some(lo.into()), Some(hi.into())), $crate::ops::pointwise::found_dtype) }
        fn clamp_tensor(a: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Result<Tensor> { $crate::ops::pointwise::clamp_tensor(a, lo, hi) }
        fn clamp_tensor_(a: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Result<Tensor> { $crate::ops::arith::inplace("clamp_", a, &lo.into_iter().chain(hi).collect::<Vec<_>>(), |x| $crate::ops::pointwise::clamp_tensor(x, lo, hi)) }
        fn clamp_tensor_out(out: &Tensor, a: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::clamp_tensor(a, lo, hi)) }
        fn clip_tensor(a: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Result<Tensor> { $crate::ops::pointwise::clamp_tensor(a, lo, hi) }
        fn clip_tensor_(a: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Result<Tensor> { $crate::ops::arith::inplace("clip_", a, &lo.into_iter().chain(hi).collect::<Vec<_>>(), |x| $crate::ops::pointwise::clamp_tensor(x, lo, hi)) }
        fn clip_tensor_out(out: &Tensor, a: &Tensor, lo: Option<&Tensor>, hi: Option<&Tensor>) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::clamp_tensor(a, lo, hi)) }
        fn clamp_min(a: &Tensor, lo: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp(a, Some(lo.into()), None) }
        fn clamp_min_(a: &Tensor, lo: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp_("clamp_min_", a, Some(*lo), None) }
        fn clamp_min_out(out: &Tensor, a: &Tensor, lo: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::clamp(a, Some(lo.into()), None), $crate::ops::pointwise::found_dtype) }
        fn clamp_min_tensor(a: &Tensor, lo: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::clamp(a, Some(lo.into()), None) }
        fn clamp_min_tensor_(a: &Tensor, lo: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("clamp_min_", a, &[lo], |x| $crate::ops::pointwise::clamp(x, Some(lo.into()), None)) }
        fn clamp_min_tensor_out(out: &Tensor, a: &Tensor, lo: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::clamp(a, Some(lo.into()), None)) }
        fn clamp_max(a: &Tensor, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp(a, None, Some(hi.into())) }
        fn clamp_max_(a: &Tensor, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::clamp_("clamp_max_", a, None, Some(*hi)) }
        fn clamp_max_out(out: &Tensor, a: &Tensor, hi: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::clamp(a, None, Some(hi.into())), $crate::ops::pointwise::found_dtype) }
        fn clamp_max_tensor(a: &Tensor, hi: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::clamp(a, None, Some(hi.into())) }
        fn clamp_max_tensor_(a: &Tensor, hi: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("clamp_max_", a, &[hi], |x| $crate::ops::pointwise::clamp(x, None, Some(hi.into()))) }
        fn clamp_max_tensor_out(out: &Tensor, a: &Tensor, hi: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::clamp(a, None, Some(hi.into()))) }
    };
}
pub(crate) use atg_clamp;
