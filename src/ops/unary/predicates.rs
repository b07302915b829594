//! Elementwise tests and logical/bitwise negation: isnan, isinf, isfinite, isposinf, isneginf,
//! signbit (bool results), logical_not (bool) and bitwise_not (integers and bool).

use super::kernel::{each, map, not_for};
use crate::error::Result;
use crate::tensor::{DType, Element, Tensor};
use crate::with_dtype;

/// A bool tensor: `float(x)` on floating elements (as f64), `int(x)` on integers and bool (as i64).
fn test(a: &Tensor, float: impl Fn(f64) -> bool + Sync + Copy, int: impl Fn(i64) -> bool + Sync + Copy) -> Result<Tensor> {
    let d = a.data();
    let out = if d.dtype.is_float() {
        with_dtype!(d.dtype, T, { map::<T, bool>(&d, |s, o| each(s, o, |x: T| float(x.to_f64())))? })
    } else {
        with_dtype!(d.dtype, T, { map::<T, bool>(&d, |s, o| each(s, o, |x: T| int(x.to_i64())))? })
    };
    Ok(Tensor::from_data(out))
}

pub fn isnan(a: &Tensor) -> Result<Tensor> {
    test(a, f64::is_nan, |_| false)
}

pub fn isinf(a: &Tensor) -> Result<Tensor> {
    test(a, f64::is_infinite, |_| false)
}

pub fn isfinite(a: &Tensor) -> Result<Tensor> {
    test(a, f64::is_finite, |_| true)
}

pub fn isposinf(a: &Tensor) -> Result<Tensor> {
    test(a, |x| x == f64::INFINITY, |_| false)
}

pub fn isneginf(a: &Tensor) -> Result<Tensor> {
    test(a, |x| x == f64::NEG_INFINITY, |_| false)
}

/// Whether the sign bit is set (true for -0.0 and negative NaN).
pub fn signbit(a: &Tensor) -> Result<Tensor> {
    test(a, f64::is_sign_negative, |x| x < 0)
}

/// `x == 0`, as bool.
pub fn logical_not(a: &Tensor) -> Result<Tensor> {
    test(a, |x| x == 0.0, |x| x == 0)
}

/// `~x` on integers and bool.
pub fn bitwise_not(a: &Tensor) -> Result<Tensor> {
    let d = a.data();
    let out = match d.dtype {
        DType::Bool => map::<bool, bool>(&d, |s, o| each(s, o, |x: bool| !x))?,
        DType::U8 => map::<u8, u8>(&d, |s, o| each(s, o, |x: u8| !x))?,
        DType::I8 => map::<i8, i8>(&d, |s, o| each(s, o, |x: i8| !x))?,
        DType::I16 => map::<i16, i16>(&d, |s, o| each(s, o, |x: i16| !x))?,
        DType::I32 => map::<i32, i32>(&d, |s, o| each(s, o, |x: i32| !x))?,
        DType::I64 => map::<i64, i64>(&d, |s, o| each(s, o, |x: i64| !x))?,
        t => return Err(not_for("bitwise_not_cpu", t)),
    };
    Ok(Tensor::from_data(out))
}

/// The check of `isposinf`/`isneginf`/`signbit` with `out=`: the output must be bool.
pub fn bool_out(op: &str, out: &Tensor) -> Result<()> {
    crate::ensure!(out.dtype() == DType::Bool, "{op} does not support non-boolean outputs.");
    Ok(())
}
