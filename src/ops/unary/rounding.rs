//! Ops that keep integer dtypes: abs, sign/sgn, floor, ceil, round (with decimals), trunc,
//! frac, square, nan_to_num, with their (mostly zero) gradients.

use super::grad::{masked, mul, mul_c, record1, zeros_like, Keep};
use super::kernel::{each, float_map, map, not_for};
use crate::error::Result;
use crate::tensor::{DType, Tensor, TensorData};

/// Applies `$float` (f32 form / f64 form through `float_map`) to floating tensors and `$int`
/// (a closure over the element) to integer ones, each in its own dtype.
macro_rules! by_kind {
    ($d:expr, $f32:expr, $f64:expr, |$x:ident| $int:expr) => {{
        let d: &TensorData = $d;
        match d.dtype {
            DType::F32 | DType::F64 | DType::F16 | DType::BF16 => float_map(d, $f32, $f64)?,
            DType::F8E5M2 | DType::F8E4M3Fn | DType::F8E5M2Fnuz | DType::F8E4M3Fnuz => float_map(d, $f32, $f64)?,
            DType::U8 => map::<u8, u8>(d, |s, o| each(s, o, |$x: u8| $int))?,
            DType::I8 => map::<i8, i8>(d, |s, o| each(s, o, |$x: i8| $int))?,
            DType::I16 => map::<i16, i16>(d, |s, o| each(s, o, |$x: i16| $int))?,
            DType::I32 => map::<i32, i32>(d, |s, o| each(s, o, |$x: i32| $int))?,
            DType::I64 => map::<i64, i64>(d, |s, o| each(s, o, |$x: i64| $int))?,
            DType::Bool => unreachable!("bool is handled by each caller"),
        }
    }};
}

/// Records a gradient of zeros (ops that are piecewise constant).
fn zero_grad(name: &'static str, a: &Tensor, out: &Tensor) {
    record1(name, a, out, Keep::Input, |g, _| zeros_like(g));
}

/// |x|. Integers wrap like PyTorch (abs(-128) stays -128 in int8); bool is refused.
pub fn abs(a: &Tensor) -> Result<Tensor> {
    let d = a.data();
    if d.dtype == DType::Bool {
        return Err(not_for("abs_cpu", DType::Bool));
    }
    #[allow(unused_comparisons)]
    let out = Tensor::from_data(by_kind!(&d, f32::abs, f64::abs, |x| if x < 0 { x.wrapping_neg() } else { x }));
    record1("AbsBackward0", a, &out, Keep::Input, |g, x| mul(g, &sign(x)?));
    Ok(out)
}

/// -1, 0 or 1 by the sign of x (0 for NaN and for both zeros); bool is kept as is.
pub fn sign(a: &Tensor) -> Result<Tensor> {
    let d = a.data();
    if d.dtype == DType::Bool {
        return Ok(Tensor::from_data(crate::cpu::copy::to_contiguous_dtype(&d, DType::Bool)?));
    }
    #[allow(unused_comparisons)]
    let out = Tensor::from_data(by_kind!(
        &d,
        |x: f32| (0.0 < x) as i32 as f32 - (x < 0.0) as i32 as f32,
        |x: f64| (0.0 < x) as i32 as f64 - (x < 0.0) as i32 as f64,
        |x| if x > 0 { 1 } else if x < 0 { !0 } else { 0 }
    ));
    zero_grad("SignBackward0", a, &out);
    Ok(out)
}

/// `sign` for real tensors (complex ones, which would differ, are not supported).
pub fn sgn(a: &Tensor) -> Result<Tensor> {
    sign(a)
}

/// A rounding op: identity on integers, refused on bool with PyTorch's kernel name.
fn rounding(
    kernel: &str,
    node: &'static str,
    a: &Tensor,
    f: impl Fn(f32) -> f32 + Sync + Copy,
    g: impl Fn(f64) -> f64 + Sync + Copy,
) -> Result<Tensor> {
    let d = a.data();
    if d.dtype == DType::Bool {
        return Err(not_for(kernel, DType::Bool));
    }
    let out = Tensor::from_data(by_kind!(&d, f, g, |x| x));
    zero_grad(node, a, &out);
    Ok(out)
}

pub fn floor(a: &Tensor) -> Result<Tensor> {
    rounding("floor_vml_cpu", "FloorBackward0", a, f32::floor, f64::floor)
}

pub fn ceil(a: &Tensor) -> Result<Tensor> {
    rounding("ceil_vml_cpu", "CeilBackward0", a, f32::ceil, f64::ceil)
}

pub fn trunc(a: &Tensor) -> Result<Tensor> {
    rounding("trunc_vml_cpu", "TruncBackward0", a, f32::trunc, f64::trunc)
}

/// Rounds half to even.
pub fn round(a: &Tensor) -> Result<Tensor> {
    rounding("round_vml_cpu", "RoundBackward0", a, f32::round_ties_even, f64::round_ties_even)
}

/// Rounds to `decimals` decimal places (half to even), as PyTorch computes it: scaled by
/// 10^decimals (divided for negative decimals) in the tensor's compute type. Floats only.
pub fn round_decimals(a: &Tensor, decimals: i64) -> Result<Tensor> {
    let d = a.data();
    if !d.dtype.is_float() {
        return Err(not_for("round_cpu", d.dtype));
    }
    if decimals == 0 {
        return round(a);
    }
    let neg = decimals < 0;
    let p64 = 10f64.powi(decimals.unsigned_abs().min(400) as i32);
    let p32 = p64 as f32;
    let out = if neg {
        float_map(&d, move |x: f32| (x / p32).round_ties_even() * p32, move |x: f64| (x / p64).round_ties_even() * p64)?
    } else {
        float_map(&d, move |x: f32| (x * p32).round_ties_even() / p32, move |x: f64| (x * p64).round_ties_even() / p64)?
    };
    let out = Tensor::from_data(out);
    zero_grad("RoundBackward1", a, &out);
    Ok(out)
}

/// `x - trunc(x)`. Floats only.
pub fn frac(a: &Tensor) -> Result<Tensor> {
    let d = a.data();
    if !d.dtype.is_float() {
        return Err(not_for("frac_cpu", d.dtype));
    }
    let out = Tensor::from_data(float_map(&d, |x: f32| x - x.trunc(), |x: f64| x - x.trunc())?);
    record1("FracBackward0", a, &out, Keep::Input, |g, _| Ok(g.clone()));
    Ok(out)
}

/// x * x; integers wrap; bool gives int64 (as PyTorch's `pow(x, 2)`).
pub fn square(a: &Tensor) -> Result<Tensor> {
    let d = a.data();
    if d.dtype == DType::Bool {
        return square(&Tensor::from_data(crate::cpu::copy::to_contiguous_dtype(&d, DType::I64)?));
    }
    let out = Tensor::from_data(by_kind!(&d, |x: f32| x * x, |x: f64| x * x, |x| x.wrapping_mul(x)));
    record1("PowBackward0", a, &out, Keep::Input, |g, x| mul(g, &mul_c(x, 2.0)?));
    Ok(out)
}

/// The largest finite value of a floating dtype.
fn max_finite(d: DType) -> f64 {
    match d {
        DType::F16 => half::f16::MAX.to_f64(),
        DType::BF16 => half::bf16::MAX.to_f64(),
        DType::F32 => f32::MAX as f64,
        _ => f64::MAX,
    }
}

/// NaN, +inf and -inf replaced by `nan` (default 0), `posinf` and `neginf` (default the
/// dtype's largest and lowest finite values). Integers and bool are returned as they are.
pub fn nan_to_num(a: &Tensor, nan: Option<f64>, posinf: Option<f64>, neginf: Option<f64>) -> Result<Tensor> {
    let d = a.data();
    if !d.dtype.is_float() {
        return Ok(Tensor::from_data(crate::cpu::copy::to_contiguous_dtype(&d, d.dtype)?));
    }
    let big = max_finite(d.dtype);
    let (n, p, m) = (nan.unwrap_or(0.0), posinf.unwrap_or(big), neginf.unwrap_or(-big));
    let (n32, p32, m32) = (n as f32, p as f32, m as f32);
    let out = float_map(
        &d,
        move |x: f32| if x.is_nan() { n32 } else if x == f32::INFINITY { p32 } else if x == f32::NEG_INFINITY { m32 } else { x },
        move |x: f64| if x.is_nan() { n } else if x == f64::INFINITY { p } else if x == f64::NEG_INFINITY { m } else { x },
    )?;
    let out = Tensor::from_data(out);
    record1("NanToNumBackward0", a, &out, Keep::Input, |g, x| masked(g, x, f64::is_finite));
    Ok(out)
}
