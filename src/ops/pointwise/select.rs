//! Selection by a mask or a sign: `where` (promoting its two value operands), `masked_fill` (keeping
//! the tensor's dtype; the fill value is converted with PyTorch's overflow check), `heaviside`.

use super::args::{cast, checked, cpp_name, promote, record_op, Arg};
use super::kernel::{map2, map3, Num, Src};
use crate::error::Result;
use crate::tensor::create::scalar_as;
use crate::tensor::{DType, Element, Scalar, Tensor};
use crate::with_dtype;

/// A `where` operand in the result dtype: numbers convert with the overflow check, except
/// integers into floating types (those round, to infinity if need be, like PyTorch's).
fn where_src<T: Num>(a: Arg) -> Result<Src<T>> {
    Ok(match a {
        Arg::T(t) => Src::Data(cast(&t.data(), T::DTYPE)?),
        Arg::S(s @ Scalar::Int(_)) if T::DTYPE.is_float() => Src::Value(scalar_as::<T>(s)),
        Arg::S(s) => Src::Value(scalar_as::<T>(checked(s, T::DTYPE)?)),
    })
}

/// `torch.where(cond, a, b)`: `a` where `cond`, else `b`; shapes broadcast.
pub fn where_(cond: &Tensor, a: Arg, b: Arg) -> Result<Tensor> {
    let cd = cond.dtype();
    crate::ensure!(
        cd == DType::Bool || cd == DType::U8,
        "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
        cd.name()
    );
    let c = Src::<bool>::Data(cast(&cond.data(), DType::Bool)?);
    let dt = promote(&[a, b]);
    let d = with_dtype!(dt, T, { map3(&c, &where_src::<T>(a)?, &where_src::<T>(b)?, |c: bool, x: T, y: T| if c { x } else { y })? });
    let out = Tensor::from_data(d);
    record_op("WhereBackward0", &[Arg::T(cond), a, b], &out, 0b1, false, |c| {
        let cond = c.t(0)?;
        let zero = Arg::S(Scalar::Int(0));
        let ga = if c.need[1] { Some(where_(cond, Arg::T(c.g), zero)?) } else { None };
        let gb = if c.need[2] { Some(where_(cond, zero, Arg::T(c.g))?) } else { None };
        Ok(vec![None, ga, gb])
    });
    Ok(out)
}

/// `t.masked_fill(mask, value)`: `value` where `mask`, in `t`'s dtype; shapes broadcast.
pub fn masked_fill(t: &Tensor, mask: &Tensor, value: Arg) -> Result<Tensor> {
    let md = mask.dtype();
    crate::ensure!(md == DType::Bool, "masked_fill_ only supports boolean masks, but got mask with dtype {}", cpp_name(md));
    let v = match value {
        Arg::S(s) => s,
        Arg::T(v) => {
            crate::ensure!(
                v.dim() == 0,
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).",
                v.dim()
            );
            item(v)?
        }
    };
    let dt = t.dtype();
    let v = checked(v, dt)?;
    let m = Src::<bool>::Data(mask.data());
    let d = with_dtype!(dt, T, {
        let v: T = scalar_as(v);
        map2(&m, &Src::<T>::Data(t.data()), move |m: bool, x: T| if m { v } else { x })?
    });
    let out = Tensor::from_data(d);
    let name = if matches!(value, Arg::T(_)) { "MaskedFillBackward1" } else { "MaskedFillBackward0" };
    record_op(name, &[Arg::T(t), Arg::T(mask), value], &out, 0b10, false, |c| {
        let mask = c.t(1)?;
        let zero = Arg::S(Scalar::Int(0));
        let gt = if c.need[0] { Some(masked_fill(c.g, mask, zero)?) } else { None };
        // the value's gradient: the sum of the filled positions' gradients (reduced by the caller)
        let gv = if c.need[2] { Some(where_(mask, Arg::T(c.g), zero)?) } else { None };
        Ok(vec![gt, None, gv])
    });
    Ok(out)
}

/// The number a 0-d tensor holds.
fn item(v: &Tensor) -> Result<Scalar> {
    Ok(match v.dtype() {
        DType::Bool => Scalar::Bool(v.to_vec::<bool>()?[0]),
        d if d.is_float() => Scalar::Float(v.to_vec::<f64>()?[0]),
        _ => Scalar::Int(v.to_vec::<i64>()?[0]),
    })
}

/// `torch.heaviside(x, values)`: `values` where x is 0, 1 where x > 0, else 0 (NaN too); both of
/// one dtype, shapes broadcast. No gradient, as in PyTorch.
pub fn heaviside(x: &Tensor, values: &Tensor) -> Result<Tensor> {
    let dt = x.dtype();
    crate::ensure!(dt == values.dtype(), "heaviside is not yet implemented for tensors with different dtypes.");
    let d = with_dtype!(dt, T, {
        let (xs, vs) = (Src::<T>::Data(cast(&x.data(), dt)?), Src::<T>::Data(cast(&values.data(), dt)?));
        let (zero, one) = (T::from_f64(0.0), T::from_f64(1.0));
        map2(&xs, &vs, move |a: T, v: T| {
            let a = a.to_f64();
            if a == 0.0 {
                v
            } else if a > 0.0 {
                one
            } else {
                zero
            }
        })?
    });
    Ok(Tensor::from_data(d))
}

/// `t.masked_fill_(mask, value)`.
pub fn masked_fill_(t: &Tensor, mask: &Tensor, value: Arg) -> Result<Tensor> {
    let mut others = vec![mask];
    others.extend(value.tensor());
    crate::ops::arith::inplace("masked_fill_", t, &others, |x| masked_fill(x, mask, value))
}

/// The `atg_*` overrides of where and masked_fill.
macro_rules! atg_select {
    () => {
        fn where_self(c: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::where_(c, a.into(), b.into()) }
        fn where_self_out(out: &Tensor, c: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out_same(out, $crate::ops::pointwise::where_(c, a.into(), b.into()), |o, r| format!("Expected out type to be {} but got {}", r.name(), o.name())) }
        fn where_scalar(c: &Tensor, a: &Scalar, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::where_(c, a.into(), b.into()) }
        fn where_scalarother(c: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::where_(c, a.into(), b.into()) }
        fn where_scalarself(c: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::where_(c, a.into(), b.into()) }

        fn heaviside(x: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::heaviside(x, v) }
        fn heaviside_(x: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("heaviside_", x, &[v], |t| $crate::ops::pointwise::heaviside(t, v)) }
        fn heaviside_out(out: &Tensor, x: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::heaviside(x, v)) }

        fn masked_fill(t: &Tensor, m: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::masked_fill(t, m, v.into()) }
        fn masked_fill_(t: &Tensor, m: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::masked_fill_(t, m, v.into()) }
        fn masked_fill_scalar_out(out: &Tensor, t: &Tensor, m: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::masked_fill(t, m, v.into())) }
        fn masked_fill_tensor(t: &Tensor, m: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::masked_fill(t, m, v.into()) }
        fn masked_fill_tensor_(t: &Tensor, m: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::masked_fill_(t, m, v.into()) }
        fn masked_fill_tensor_out(out: &Tensor, t: &Tensor, m: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::masked_fill(t, m, v.into())) }
    };
}
pub(crate) use atg_select;
