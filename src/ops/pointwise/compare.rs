//! Comparisons (eq ne lt le gt ge, computed in the promoted dtype, giving bool), elementwise
//! extremes (maximum/minimum propagate NaN, fmax/fmin ignore it) and closeness (isclose,
//! allclose, equal).

use super::args::{cast, promote, record_op, src, Arg};
use super::kernel::{real, map2, Num, Src};
use super::logic::{logical, Logic};
use super::select::{masked_fill, where_};
use crate::error::Result;
use crate::ops::arith::{binary_scalar, BinOp};
use crate::tensor::{DType, Scalar, Tensor, TensorData};
use crate::{with_dtype, with_float_dtype};
use num_traits::Float;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

fn cmp_kernel<T: Num>(op: Cmp, a: &Src<T>, b: &Src<T>) -> Result<TensorData> {
    match op {
        Cmp::Eq => map2(a, b, |x: T, y: T| x.up() == y.up()),
        Cmp::Ne => map2(a, b, |x: T, y: T| x.up() != y.up()),
        Cmp::Lt => map2(a, b, |x: T, y: T| x.up() < y.up()),
        Cmp::Le => map2(a, b, |x: T, y: T| x.up() <= y.up()),
        Cmp::Gt => map2(a, b, |x: T, y: T| x.up() > y.up()),
        Cmp::Ge => map2(a, b, |x: T, y: T| x.up() >= y.up()),
    }
}

/// `a op b` as a bool tensor, compared in the promoted dtype (numbers convert to it first).
pub fn compare(op: Cmp, a: Arg, b: Arg) -> Result<Tensor> {
    let dt = promote(&[a, b]);
    let d = with_dtype!(dt, T, { cmp_kernel::<T>(op, &src(a)?, &src(b)?)? });
    Ok(Tensor::from_data(d))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ext {
    Maximum,
    Minimum,
    Fmax,
    Fmin,
}

#[inline(always)]
fn larger<T: Num>(x: T, y: T) -> T {
    if x.up() < y.up() {
        y
    } else {
        x
    }
}

#[inline(always)]
fn smaller<T: Num>(x: T, y: T) -> T {
    if y.up() < x.up() {
        y
    } else {
        x
    }
}

/// `torch.maximum` of two elements: NaN wins.
#[inline(always)]
pub(super) fn max_nan<T: Num>(x: T, y: T) -> T {
    if x.is_nan() {
        x
    } else if y.is_nan() {
        y
    } else {
        larger(x, y)
    }
}

/// `torch.minimum` of two elements: NaN wins.
#[inline(always)]
pub(super) fn min_nan<T: Num>(x: T, y: T) -> T {
    if x.is_nan() {
        x
    } else if y.is_nan() {
        y
    } else {
        smaller(x, y)
    }
}

fn ext_kernel<T: Num>(op: Ext, a: &Src<T>, b: &Src<T>) -> Result<TensorData> {
    match op {
        Ext::Maximum => map2(a, b, max_nan::<T>),
        Ext::Minimum => map2(a, b, min_nan::<T>),
        Ext::Fmax => map2(a, b, |x: T, y: T| if x.is_nan() { y } else if y.is_nan() { x } else { larger(x, y) }),
        Ext::Fmin => map2(a, b, |x: T, y: T| if x.is_nan() { y } else if y.is_nan() { x } else { smaller(x, y) }),
    }
}

/// Elementwise maximum/minimum of promoted operands, without autograd.
pub(super) fn extremum_values(op: Ext, a: Arg, b: Arg) -> Result<Tensor> {
    let dt = promote(&[a, b]);
    Ok(Tensor::from_data(with_dtype!(dt, T, { ext_kernel::<T>(op, &src(a)?, &src(b)?)? })))
}

/// `torch.maximum`, `minimum`, `fmax`, `fmin`.
pub fn extremum(op: Ext, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = extremum_values(op, Arg::T(a), Arg::T(b))?;
    let name = match op {
        Ext::Maximum => "MaximumBackward0",
        Ext::Minimum => "MinimumBackward0",
        Ext::Fmax => "FmaxBackward0",
        Ext::Fmin => "FminBackward0",
    };
    record_op(name, &[Arg::T(a), Arg::T(b)], &out, 0b11, false, move |c| {
        let (x, y) = (c.a(0)?, c.a(1)?);
        let zero = Arg::S(Scalar::Int(0));
        match op {
            Ext::Maximum | Ext::Minimum => {
                // ties share the gradient; the smaller (larger) side gets none
                let half = binary_scalar(BinOp::Div, c.g, &Scalar::Int(2))?;
                let split = where_(&compare(Cmp::Eq, x, y)?, Arg::T(&half), Arg::T(c.g))?;
                let (drop_a, drop_b) = if op == Ext::Maximum { (Cmp::Lt, Cmp::Gt) } else { (Cmp::Gt, Cmp::Lt) };
                let ga = if c.need[0] { Some(masked_fill(&split, &compare(drop_a, x, y)?, zero)?) } else { None };
                let gb = if c.need[1] { Some(masked_fill(&split, &compare(drop_b, x, y)?, zero)?) } else { None };
                Ok(vec![ga, gb])
            }
            Ext::Fmax | Ext::Fmin => {
                // `a` wins where it is at least as large (small) or `b` is NaN
                let by = if op == Ext::Fmax { Cmp::Ge } else { Cmp::Le };
                let a_wins = logical(Logic::Or, Arg::T(&compare(by, x, y)?), Arg::T(&compare(Cmp::Ne, y, y)?))?;
                let ga = if c.need[0] { Some(where_(&a_wins, Arg::T(c.g), zero)?) } else { None };
                let gb = if c.need[1] { Some(where_(&a_wins, zero, Arg::T(c.g))?) } else { None };
                Ok(vec![ga, gb])
            }
        }
    });
    Ok(out)
}

/// isclose of one float dtype: the tolerance arithmetic rounds to `T` like PyTorch's ops do.
fn close_float<T: Num>(a: &Src<T>, b: &Src<T>, rtol: f64, atol: f64, equal_nan: bool) -> Result<TensorData>
where
    T::C: Float,
{
    let exact = rtol == 0.0 && atol == 0.0;
    let (rt, at) = (real::<T::C>(rtol), real::<T::C>(atol));
    map2(a, b, move |x: T, y: T| {
        let (xc, yc) = (x.up(), y.up());
        if xc == yc || (equal_nan && x.is_nan() && y.is_nan()) {
            return true;
        }
        if exact {
            return false;
        }
        let allowed = T::down(at + T::down(rt * yc).up().abs()).up();
        let actual = T::down(xc - yc).up().abs();
        actual.is_finite() && actual <= allowed
    })
}

/// `torch.isclose`: `|a - b| <= atol + rtol * |b|` (integers compare in float32 beyond equality).
pub fn isclose(a: &Tensor, b: &Tensor, rtol: f64, atol: f64, equal_nan: bool) -> Result<Tensor> {
    let (da, db) = (a.dtype(), b.dtype());
    crate::ensure!(da == db, "{} did not match {}", da.name(), db.name());
    crate::ensure!(rtol >= 0.0, "rtol must be greater than or equal to zero, but got {}", crate::tensor::scalar::format_g(rtol));
    crate::ensure!(atol >= 0.0, "atol must be greater than or equal to zero, but got {}", crate::tensor::scalar::format_g(atol));
    let d = with_float_dtype!(da, T, { close_float::<T>(&src(Arg::T(a))?, &src(Arg::T(b))?, rtol, atol, equal_nan)? }, {
        if rtol == 0.0 && atol == 0.0 {
            return compare(Cmp::Eq, Arg::T(a), Arg::T(b));
        }
        // equality in the own dtype, the tolerance in float32
        let eq = compare(Cmp::Eq, Arg::T(a), Arg::T(b))?;
        let (fa, fb) = (Src::<f32>::Data(cast(&a.data(), DType::F32)?), Src::<f32>::Data(cast(&b.data(), DType::F32)?));
        let tol = Tensor::from_data(close_float::<f32>(&fa, &fb, rtol, atol, false)?);
        return logical(Logic::Or, Arg::T(&eq), Arg::T(&tol));
    });
    Ok(Tensor::from_data(d))
}

/// Whether every element of a bool tensor is true.
fn all_true(t: &Tensor) -> Result<bool> {
    Ok(t.to_vec::<bool>()?.into_iter().all(|b| b))
}

/// `torch.allclose`.
pub fn allclose(a: &Tensor, b: &Tensor, rtol: f64, atol: f64, equal_nan: bool) -> Result<bool> {
    all_true(&isclose(a, b, rtol, atol, equal_nan)?)
}

/// `torch.equal`: same shape and equal values (compared in the promoted dtype).
pub fn equal(a: &Tensor, b: &Tensor) -> Result<bool> {
    if a.shape() != b.shape() {
        return Ok(false);
    }
    all_true(&compare(Cmp::Eq, Arg::T(a), Arg::T(b))?)
}

/// The `atg_*` overrides of one comparison and its aliases.
macro_rules! atg_cmp {
    ($op:ident; $($s:ident, $s_:ident, $s_out:ident, $t:ident, $t_:ident, $t_out:ident);*) => {$(
        fn $s(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::compare($crate::ops::pointwise::Cmp::$op, a.into(), b.into()) }
        fn $s_(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place(stringify!($s_), a, b.into(), |x, y| $crate::ops::pointwise::compare($crate::ops::pointwise::Cmp::$op, x, y)) }
        fn $s_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::compare($crate::ops::pointwise::Cmp::$op, a.into(), b.into())) }
        fn $t(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::compare($crate::ops::pointwise::Cmp::$op, a.into(), b.into()) }
        fn $t_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place(stringify!($s_), a, b.into(), |x, y| $crate::ops::pointwise::compare($crate::ops::pointwise::Cmp::$op, x, y)) }
        fn $t_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::compare($crate::ops::pointwise::Cmp::$op, a.into(), b.into())) }
    )*};
}
pub(crate) use atg_cmp;

/// The `atg_*` overrides of comparisons, extremes and closeness.
macro_rules! atg_compare {
    () => {
        $crate::ops::pointwise::atg_cmp!(Eq; eq, eq_, eq_scalar_out, eq_tensor, eq_tensor_, eq_tensor_out);
        $crate::ops::pointwise::atg_cmp!(Ne; ne, ne_, ne_scalar_out, ne_tensor, ne_tensor_, ne_tensor_out;
            not_equal, not_equal_, not_equal_scalar_out, not_equal_tensor, not_equal_tensor_, not_equal_tensor_out);
        $crate::ops::pointwise::atg_cmp!(Lt; lt, lt_, lt_scalar_out, lt_tensor, lt_tensor_, lt_tensor_out;
            less, less_, less_scalar_out, less_tensor, less_tensor_, less_tensor_out);
        $crate::ops::pointwise::atg_cmp!(Le; le, le_, le_scalar_out, le_tensor, le_tensor_, le_tensor_out;
            less_equal, less_equal_, less_equal_scalar_out, less_equal_tensor, less_equal_tensor_, less_equal_tensor_out);
        $crate::ops::pointwise::atg_cmp!(Gt; gt, gt_, gt_scalar_out, gt_tensor, gt_tensor_, gt_tensor_out;
            greater, greater_, greater_scalar_out, greater_tensor, greater_tensor_, greater_tensor_out);
        $crate::ops::pointwise::atg_cmp!(Ge; ge, ge_, ge_scalar_out, ge_tensor, ge_tensor_, ge_tensor_out;
            greater_equal, greater_equal_, greater_equal_scalar_out, greater_equal_tensor, greater_equal_tensor_, greater_equal_tensor_out);

        fn maximum(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Maximum, a, b) }
        fn maximum_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Maximum, a, b)) }
        fn max_other(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Maximum, a, b) }
        fn minimum(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Minimum, a, b) }
        fn minimum_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Minimum, a, b)) }
        fn min_other(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Minimum, a, b) }
        fn fmax(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Fmax, a, b) }
        fn fmax_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Fmax, a, b)) }
        fn fmin(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Fmin, a, b) }
        fn fmin_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::extremum($crate::ops::pointwise::Ext::Fmin, a, b)) }

        fn isclose(a: &Tensor, b: &Tensor, rtol: f64, atol: f64, equal_nan: bool) -> Result<Tensor> { $crate::ops::pointwise::isclose(a, b, rtol, atol, equal_nan) }
        fn allclose(a: &Tensor, b: &Tensor, rtol: f64, atol: f64, equal_nan: bool) -> Result<bool> { $crate::ops::pointwise::allclose(a, b, rtol, atol, equal_nan) }
        fn equal(a: &Tensor, b: &Tensor) -> Result<bool> { $crate::ops::pointwise::equal(a, b) }
    };
}
pub(crate) use atg_compare;
