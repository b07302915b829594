//! Activations: relu, relu6, hardtanh, threshold (also on integers), and the floating-only
//! leaky_relu, elu/selu/celu, gelu, silu, mish, softplus, hardsigmoid, hardswish, each
//! recording the fused `*_backward` op as its gradient.

use super::approx;
use super::backward_ops::{
    elu_backward, gelu_backward, gelu_tanh, hardsigmoid_backward, hardswish_backward, hardtanh_backward,
    leaky_relu_backward, mish_backward, silu_backward, softplus_backward, threshold_backward, GELU_KAPPA,
    GELU_TANH_BETA,
};
use super::grad::{record1, Keep};
use super::kernel::{each, float_map, float_map_m, map, not_for};
use crate::error::Result;
use crate::tensor::{create::scalar_as, DType, Element, Scalar, Tensor, TensorData};
use crate::with_dtype;

/// PyTorch's SELU constants.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_284_817_042_991_671_7;
const SELU_SCALE: f64 = 1.050_700_987_355_480_493_419_334_985_294_6;

/// A floating-only activation: PyTorch's "not implemented for" error on other dtypes.
fn float_only(
    kernel: &str,
    a: &Tensor,
    f: impl Fn(f32) -> f32 + Sync + Copy,
    g: impl Fn(f64) -> f64 + Sync + Copy,
) -> Result<Tensor> {
    float_only_m(kernel, a, approx::Plain(f), g)
}

/// [`float_only`] for an f32 function given as a [`MaddFn`](approx::MaddFn): forced inline into
/// each vector build's loop (a closure with exp and log inside stayed a call per element).
fn float_only_m(kernel: &str, a: &Tensor, f: impl approx::MaddFn, g: impl Fn(f64) -> f64 + Sync + Copy) -> Result<Tensor> {
    let d = a.read();
    if !d.dtype.is_float() {
        return Err(not_for(kernel, d.dtype));
    }
    Ok(Tensor::from_data(float_map_m(&d, f, g)?))
}

/// elu's f32 body: `neg * expm1(input x)` for x <= 0, `pos x` above.
#[derive(Clone, Copy)]
struct Elu {
    neg: f32,
    pos: f32,
    input: f32,
}

impl approx::MaddFn for Elu {
    #[inline(always)]
    fn at<M: approx::Madd>(self, x: f32) -> f32 {
        let below = approx::expm1_m::<M>(x * self.input) * self.neg;
        if x <= 0.0 { below } else { x * self.pos }
    }
}

/// softplus's f32 body: `ln(1 + e^{beta x}) / beta`, or x where `beta x > threshold`; `UNIT`
/// when beta is 1 (the default), which saves a multiply and a division per element.
#[derive(Clone, Copy)]
struct Softplus<const UNIT: bool> {
    beta: f32,
    threshold: f32,
}

impl<const UNIT: bool> approx::MaddFn for Softplus<UNIT> {
    #[inline(always)]
    fn at<M: approx::Madd>(self, x: f32) -> f32 {
        let y = if UNIT { x } else { x * self.beta };
        let soft = approx::ln_1p_m::<M>(approx::exp_m::<M>(y));
        let soft = if UNIT { soft } else { soft / self.beta };
        if y > self.threshold { x } else { soft }
    }
}

/// mish's f32 body: `x tanh(ln(1 + e^x))`.
#[derive(Clone, Copy)]
struct Mish;

impl approx::MaddFn for Mish {
    #[inline(always)]
    fn at<M: approx::Madd>(self, x: f32) -> f32 {
        x * approx::tanh_m::<M>(approx::ln_1p_m::<M>(approx::exp_m::<M>(x)))
    }
}

/// silu's f32 body: `x / (1 + e^-x)`.
#[derive(Clone, Copy)]
struct Silu;

impl approx::MaddFn for Silu {
    const RECIP: bool = true;
    #[inline(always)]
    fn at<M: approx::Madd>(self, x: f32) -> f32 {
        x / self.den::<M>(x).0
    }
    #[inline(always)]
    fn den<M: approx::Madd>(self, x: f32) -> (f32, f32) {
        (1.0 + approx::exp_m::<M>(-x), 0.0)
    }
    #[inline(always)]
    fn post<M: approx::Madd>(self, x: f32, _carried: f32, r: f32) -> f32 {
        x * r
    }
}

/// PyTorch's check that a scalar fits an integer dtype (negative integers wrap into unsigned ones).
fn check_fits(dtype: DType, s: &Scalar) -> Result<()> {
    let (lo, hi, name) = match dtype {
        DType::U8 => (0.0, 255.0, "uint8_t"),
        DType::I8 => (-128.0, 127.0, "int8_t"),
        DType::I16 => (-32768.0, 32767.0, "int16_t"),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64, "int"),
        DType::I64 => (i64::MIN as f64, i64::MAX as f64, "int64_t"),
        _ => return Ok(()),
    };
    let bad = match *s {
        Scalar::Float(v) => !v.is_infinite() && (v.is_nan() || v < lo || v > hi),
        Scalar::Int(i) if dtype == DType::U8 => i > 255 || i < -255,
        Scalar::Int(i) => (i as f64) < lo || (i as f64) > hi,
        Scalar::Bool(_) => false,
    };
    crate::ensure!(!bad, "value cannot be converted to type {name} without overflow");
    Ok(())
}

/// `f(x)` in the tensor's own integer type.
fn int_map(d: &TensorData, f: impl Fn(i64) -> i64 + Sync + Copy) -> Result<TensorData> {
    with_dtype!(d.dtype, T, { map::<T, T>(d, move |s, o| each(s, o, |x: T| T::from_i64(f(x.to_i64())))) })
}

/// max(x, 0); NaN stays NaN. Integers keep their dtype; bool is refused.
pub fn relu(a: &Tensor) -> Result<Tensor> {
    let d = a.read();
    let out = match d.dtype {
        DType::Bool => crate::bail!("Boolean inputs not supported for relu"),
        t if t.is_float() => {
            float_map(&d, |x: f32| if x < 0.0 { 0.0 } else { x }, |x: f64| if x < 0.0 { 0.0 } else { x })?
        }
        _ => int_map(&d, |x| x.max(0))?,
    };
    drop(d);
    let out = Tensor::from_data(out);
    record1("ReluBackward0", a, &out, Keep::Output, |g, y| threshold_backward(g, y, &Scalar::Int(0)));
    Ok(out)
}

/// Clamps to `[min, max]` (NaN stays NaN); integers keep their dtype.
pub fn hardtanh(a: &Tensor, min: &Scalar, max: &Scalar) -> Result<Tensor> {
    let d = a.data();
    let (lo, hi) = (min.to_f64(), max.to_f64());
    let out = match d.dtype {
        DType::Bool => crate::bail!("Bool inputs not supported for hardtanh"),
        DType::U8 if lo < 0.0 || hi < 0.0 => crate::bail!("cannot do hardtanh on an unsigned type with negative limits"),
        t if t.is_float() => {
            let (l, h) = (lo as f32, hi as f32);
            float_map(
                &d,
                move |x: f32| if x < l { l } else if x > h { h } else { x },
                move |x: f64| if x < lo { lo } else if x > hi { hi } else { x },
            )?
        }
        t => {
            check_fits(t, min)?;
            check_fits(t, max)?;
            let (l, h) = (min.to_i64(), max.to_i64());
            int_map(&d, move |x| if x < l { l } else if x > h { h } else { x })?
        }
    };
    let out = Tensor::from_data(out);
    let (mn, mx) = (*min, *max);
    record1("HardtanhBackward0", a, &out, Keep::Input, move |g, x| hardtanh_backward(g, x, &mn, &mx));
    Ok(out)
}

/// hardtanh(x, 0, 6).
pub fn relu6(a: &Tensor) -> Result<Tensor> {
    hardtanh(a, &Scalar::Int(0), &Scalar::Int(6))
}

/// `x` where `x > threshold`, else `value`.
pub fn threshold(a: &Tensor, threshold: &Scalar, value: &Scalar) -> Result<Tensor> {
    let d = a.data();
    let (th, v) = (*threshold, *value);
    let out = match d.dtype {
        DType::Bool => return Err(not_for("threshold_cpu", DType::Bool)),
        t if t.is_float() => {
            let (t64, v64) = (th.to_f64(), v.to_f64());
            let (t32, v32) = (t64 as f32, v64 as f32);
            float_map(
                &d,
                move |x: f32| if x <= t32 { v32 } else { x },
                move |x: f64| if x <= t64 { v64 } else { x },
            )?
        }
        dt => with_dtype!(dt, T, {
            check_fits(dt, &th)?;
            check_fits(dt, &v)?;
            let (t, val): (T, T) = (scalar_as::<T>(th), scalar_as::<T>(v));
            map::<T, T>(&d, move |s, o| each(s, o, |x: T| if x <= t { val } else { x }))?
        }),
    };
    let out = Tensor::from_data(out);
    record1("ThresholdBackward0", a, &out, Keep::Input, move |g, x| threshold_backward(g, x, &th));
    Ok(out)
}

/// `x` for positive `x`, `x * negative_slope` otherwise.
pub fn leaky_relu(a: &Tensor, negative_slope: &Scalar) -> Result<Tensor> {
    let s = negative_slope.to_f64();
    let s32 = s as f32;
    let out = float_only(
        "leaky_relu_cpu",
        a,
        move |x: f32| if x > 0.0 { x } else { x * s32 },
        move |x: f64| if x > 0.0 { x } else { x * s },
    )?;
    let ns = *negative_slope;
    record1("LeakyReluBackward0", a, &out, Keep::Input, move |g, x| leaky_relu_backward(g, x, &ns, false));
    Ok(out)
}

/// `scale * x` for positive `x`, `scale * alpha * (e^{x * input_scale} - 1)` otherwise.
pub fn elu(a: &Tensor, alpha: &Scalar, scale: &Scalar, input_scale: &Scalar) -> Result<Tensor> {
    elu_with_grad_scale(a, alpha, scale, input_scale, *input_scale)
}

/// elu whose recorded backward uses `grad_input_scale` (celu's differs in rounding, as in PyTorch).
fn elu_with_grad_scale(
    a: &Tensor,
    alpha: &Scalar,
    scale: &Scalar,
    input_scale: &Scalar,
    grad_input_scale: Scalar,
) -> Result<Tensor> {
    let (neg, pos, inp) = (alpha.to_f64() * scale.to_f64(), scale.to_f64(), input_scale.to_f64());
    let (n32, p32, i32_) = (neg as f32, pos as f32, inp as f32);
    let out = float_only_m(
        "elu_cpu",
        a,
        Elu { neg: n32, pos: p32, input: i32_ },
        move |x: f64| if x <= 0.0 { (x * inp).exp_m1() * neg } else { x * pos },
    )?;
    let (al, sc, is) = (*alpha, *scale, grad_input_scale);
    record1("EluBackward0", a, &out, Keep::Input, move |g, x| elu_backward(g, &al, &sc, &is, false, x));
    Ok(out)
}

/// elu with PyTorch's SELU constants.
pub fn selu(a: &Tensor) -> Result<Tensor> {
    elu(a, &Scalar::Float(SELU_ALPHA), &Scalar::Float(SELU_SCALE), &Scalar::Int(1))
}

/// `max(0, x) + min(0, alpha * (e^{x / alpha} - 1))`: elu with input scale 1 / alpha.
pub fn celu(a: &Tensor, alpha: &Scalar) -> Result<Tensor> {
    let al = alpha.to_f64();
    crate::ensure!(al != 0.0, "ZeroDivisionError: alpha cannot be 0 for CELU");
    elu_with_grad_scale(a, alpha, &Scalar::Int(1), &Scalar::Float(1.0 / al), Scalar::Float(1.0 / (al as f32) as f64))
}

/// `x * Phi(x)`, or its tanh approximation.
pub fn gelu(a: &Tensor, approximate: &str) -> Result<Tensor> {
    let tanh_form = gelu_tanh(approximate)?;
    let out = if tanh_form {
        let (b32, k32) = (GELU_TANH_BETA as f32, GELU_KAPPA as f32);
        float_only(
            "GeluKernelImpl",
            a,
            move |x: f32| 0.5 * x * (1.0 + approx::tanh(b32 * (x + k32 * x * x * x))),
            |x: f64| 0.5 * x * (1.0 + (GELU_TANH_BETA * (x + GELU_KAPPA * x * x * x)).tanh()),
        )?
    } else {
        let d = a.read();
        if !d.dtype.is_float() {
            return Err(not_for("GeluKernelImpl", d.dtype));
        }
        let g = |x: f64| x * 0.5 * (1.0 + approx::erf_f64(x * std::f64::consts::FRAC_1_SQRT_2));
        // PyTorch hands contiguous tensors of more than one element to oneDNN (float always,
        // bfloat16 and half where oneDNN has kernels for them on this CPU), whose gelu gives
        // NaN at +inf; its own kernels (every other layout, double) give inf there
        let onednn = match d.dtype {
            DType::F32 => true,
            DType::BF16 => crate::cpu::isa::onednn_takes_half(true),
            DType::F16 => crate::cpu::isa::onednn_takes_half(false),
            _ => false,
        } && d.layout.is_contiguous()
            && d.layout.numel() > 1;
        Tensor::from_data(if onednn {
            float_map_m(&d, approx::GeluErf::<true>, g)?
        } else {
            float_map_m(&d, approx::GeluErf::<false>, g)?
        })
    };
    let ap = approximate.to_string();
    record1("GeluBackward0", a, &out, Keep::Input, move |g, x| gelu_backward(g, x, &ap));
    Ok(out)
}

/// `x * sigmoid(x)`.
pub fn silu(a: &Tensor) -> Result<Tensor> {
    let out = float_only_m("silu_cpu", a, Silu, |x: f64| x / (1.0 + (-x).exp()))?;
    record1("SiluBackward0", a, &out, Keep::Input, silu_backward);
    Ok(out)
}

/// `x * tanh(softplus(x))`.
pub fn mish(a: &Tensor) -> Result<Tensor> {
    let out = float_only_m(
        "mish_cpu",
        a,
        Mish,
        |x: f64| x * x.exp().ln_1p().tanh(),
    )?;
    record1("MishBackward0", a, &out, Keep::Input, mish_backward);
    Ok(out)
}

/// `ln(1 + e^{beta x}) / beta`, or `x` where `beta x > threshold`.
pub fn softplus(a: &Tensor, beta: &Scalar, threshold: &Scalar) -> Result<Tensor> {
    let (b, t) = (beta.to_f64(), threshold.to_f64());
    let (b32, t32) = (b as f32, t as f32);
    let f64_body = move |x: f64| if x * b > t { x } else { (x * b).exp().ln_1p() / b };
    let out = if b32 == 1.0 {
        float_only_m("softplus_cpu", a, Softplus::<true> { beta: 1.0, threshold: t32 }, f64_body)?
    } else {
        float_only_m("softplus_cpu", a, Softplus::<false> { beta: b32, threshold: t32 }, f64_body)?
    };
    let (bs, ts) = (*beta, *threshold);
    record1("SoftplusBackward0", a, &out, Keep::Input, move |g, x| softplus_backward(g, x, &bs, &ts));
    Ok(out)
}

/// `min(max(x + 3, 0), 6)`; NaN stays NaN.
#[inline(always)]
fn gate32(x: f32) -> f32 {
    let t = x + 3.0;
    let t = if t < 0.0 { 0.0 } else { t };
    if t > 6.0 { 6.0 } else { t }
}

#[inline(always)]
fn gate64(x: f64) -> f64 {
    let t = x + 3.0;
    let t = if t < 0.0 { 0.0 } else { t };
    if t > 6.0 { 6.0 } else { t }
}

/// `min(max(x + 3, 0), 6) / 6`.
pub fn hardsigmoid(a: &Tensor) -> Result<Tensor> {
    let out = float_only("hardsigmoid_cpu", a, |x: f32| gate32(x) / 6.0, |x: f64| gate64(x) / 6.0)?;
    record1("HardsigmoidBackward0", a, &out, Keep::Input, hardsigmoid_backward);
    Ok(out)
}

/// `x * min(max(x + 3, 0), 6) / 6`.
pub fn hardswish(a: &Tensor) -> Result<Tensor> {
    let out = float_only("hardswish_cpu", a, |x: f32| x * gate32(x) / 6.0, |x: f64| x * gate64(x) / 6.0)?;
    record1("HardswishBackward0", a, &out, Keep::Input, hardswish_backward);
    Ok(out)
}

/// `log(sigmoid(x)) = min(x, 0) - ln(1 + e^{-|x|})`, without overflow for large |x|.
pub fn log_sigmoid(a: &Tensor) -> Result<Tensor> {
    let out = float_only(
        "log_sigmoid_cpu",
        a,
        |x: f32| (if x < 0.0 { x } else { 0.0 }) - approx::ln_1p(approx::exp(-x.abs())),
        |x: f64| x.min(0.0) - (-x.abs()).exp().ln_1p(),
    )?;
    record1("LogSigmoidBackward0", a, &out, Keep::Input, log_sigmoid_backward);
    Ok(out)
}

/// Gradient of log_sigmoid: `grad * sigmoid(-x)` (from differentiable ops when its own
/// gradient is needed, else one fused pass).
pub fn log_sigmoid_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> {
    if crate::autograd::needs_grad(&[g, x]) {
        return super::grad::mul(g, &super::math::sigmoid(&crate::ops::arith::neg(x)?)?);
    }
    super::backward_ops::fused_plain(
        "log_sigmoid_backward_cpu",
        g,
        x,
        |g: f32, x: f32| g * (1.0 - approx::sigmoid(x)),
        |g: f64, x: f64| g * (1.0 - 1.0 / (1.0 + (-x).exp())),
    )
}
