//! The fused `*_backward` ops of activations (tanh_backward, gelu_backward, threshold_backward...):
//! one pass over (grad, input-or-output), callable directly through the C API, each recording
//! its own derivative (PyTorch's derivatives.yaml) so that gradients of gradients work.

use super::approx::{self, Inline2, Madd};
use super::grad::{add, add_c, div, masked, mul, mul_c, rsub_c, zeros_like};
use super::kernel::{float_map2, map2, not_for};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::ops::promote::result_type;
use crate::tensor::{create::scalar_as, Element, Scalar, Tensor, TensorData};
use crate::with_dtype;

/// Gradients for (grad_output, input) of a backward op, from the incoming gradient `gg`.
type Rule = dyn Fn(&Tensor, &Tensor, &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> + Send;

/// The two operands converted to their common dtype, which must be floating for `kernel`.
fn operands(kernel: &str, g: &Tensor, x: &Tensor, allow_int: bool) -> Result<(TensorData, TensorData)> {
    let dt = result_type(&[g, x]);
    if !dt.is_float() && !allow_int {
        return Err(not_for(kernel, dt));
    }
    let conv = |t: &Tensor| -> Result<TensorData> {
        let d = t.data();
        if d.dtype == dt {
            Ok(d)
        } else {
            to_contiguous_dtype(&d, dt)
        }
    };
    Ok((conv(g)?, conv(x)?))
}

/// Runs a fused float kernel `f(grad, x)` (f32 form, also for f16/bf16) / `h` (f64 form) and
/// records `rule` as its backward when `g` or `x` needs a gradient.
fn fused(
    kernel: &str,
    name: &'static str,
    g: &Tensor,
    x: &Tensor,
    f: impl Inline2,
    h: impl Fn(f64, f64) -> f64 + Sync + Copy,
    rule: Box<Rule>,
) -> Result<Tensor> {
    let out = fused_plain(kernel, g, x, f, h)?;
    record_backward(name, g, x, &out, rule);
    Ok(out)
}

fn record_backward(name: &'static str, g: &Tensor, x: &Tensor, out: &Tensor, rule: Box<Rule>) {
    if !needs_grad(&[g, x]) {
        return;
    }
    let (sg, sx) = (SavedTensor::input(g), SavedTensor::input(x));
    let (rg, rx) = (g.requires_grad(), x.requires_grad());
    record(name, &[g, x], &[out], move |node, gr| {
        let Some(gg) = &gr[0] else { return Ok(vec![None, None]) };
        let (dg, dx) = rule(gg, &sg.get(node)?, &sx.get(node)?)?;
        Ok(vec![dg.filter(|_| rg), dx.filter(|_| rx)])
    });
}

/// Backward ops whose derivative in the input is zero (piecewise-linear activations).
fn zero_in_x(again: impl Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + 'static) -> Box<Rule> {
    Box::new(move |gg, _g, x| Ok((Some(again(gg, x)?), Some(zeros_like(x)?))))
}

/// `grad * (1 - y^2)` for `y = tanh(x)`.
pub fn tanh_backward(g: &Tensor, y: &Tensor) -> Result<Tensor> {
    let rule: Box<Rule> = Box::new(|gg, g, y| {
        // d/dy = gg * g * (-2y)
        Ok((Some(tanh_backward(gg, y)?), Some(mul(&mul(gg, g)?, &mul_c(y, -2.0)?)?)))
    });
    fused("tanh_backward_cpu", "TanhBackwardBackward0", g, y, |g, y| g * (1.0 - y * y), |g, y| g * (1.0 - y * y), rule)
}

/// `grad * y * (1 - y)` for `y = sigmoid(x)`.
pub fn sigmoid_backward(g: &Tensor, y: &Tensor) -> Result<Tensor> {
    let rule: Box<Rule> = Box::new(|gg, g, y| {
        // d/dy = gg * g * (1 - 2y)
        Ok((Some(sigmoid_backward(gg, y)?), Some(mul(&mul(gg, g)?, &rsub_c(&mul_c(y, 2.0)?, 1.0)?)?)))
    });
    let f = |g: f32, y: f32| g * (1.0 - y) * y;
    fused("sigmoid_backward_cpu", "SigmoidBackwardBackward0", g, y, f, |g: f64, y: f64| g * (1.0 - y) * y, rule)
}

/// Gradient of logit: `grad / (x (1 - x))`, 0 outside `[eps, 1 - eps]` (NaN outside [0, 1]
/// without eps).
pub fn logit_backward(g: &Tensor, x: &Tensor, eps: Option<f64>) -> Result<Tensor> {
    let e = eps.filter(|e| *e >= 0.0);
    let rule: Box<Rule> = Box::new(move |gg, g, x| {
        // d/dx = gg * g * (2x - 1) / (x (1 - x))^2 inside [eps, 1 - eps] (or [0, 1]), 0 outside
        // (an infinite value outside turns into NaN, as through PyTorch's `where`)
        let inside = move |v: f64| match e {
            None => (0.0..=1.0).contains(&v),
            Some(e) => v >= e && v <= 1.0 - e,
        };
        let d = mul(x, &rsub_c(x, 1.0)?)?;
        let v = div(&mul(&mul(gg, g)?, &add_c(&mul_c(x, 2.0)?, -1.0)?)?, &mul(&d, &d)?)?;
        // where x(1 - x) is 0 PyTorch's composite rule yields NaN (inf * 0): so does this one
        let v = masked(&masked(&v, x, inside)?, x, |v| v != 0.0 && v != 1.0)?;
        Ok((Some(logit_backward(gg, x, eps)?), Some(v)))
    });
    match e {
        None => {
            let f = |g: f32, x: f32| if !(0.0..=1.0).contains(&x) { f32::NAN } else { g / (x * (1.0 - x)) };
            let h = |g: f64, x: f64| if !(0.0..=1.0).contains(&x) { f64::NAN } else { g / (x * (1.0 - x)) };
            fused("logit_backward_cpu", "LogitBackwardBackward0", g, x, f, h, rule)
        }
        Some(e) => {
            let (l32, h32, l64, h64) = (e as f32, 1.0 - e as f32, e, 1.0 - e);
            let f = move |g: f32, x: f32| if x < l32 || x > h32 { 0.0 } else { g / (x * (1.0 - x)) };
            let h = move |g: f64, x: f64| if x < l64 || x > h64 { 0.0 } else { g / (x * (1.0 - x)) };
            fused("logit_backward_cpu", "LogitBackwardBackward0", g, x, f, h, rule)
        }
    }
}

/// `grad` where `x > threshold`, 0 elsewhere (the backward of relu and threshold); any dtype.
pub fn threshold_backward(g: &Tensor, x: &Tensor, threshold: &Scalar) -> Result<Tensor> {
    let (gd, xd) = operands("threshold_backward_cpu", g, x, true)?;
    let th = *threshold;
    let out = with_dtype!(gd.dtype, T, {
        let t: T = scalar_as::<T>(th);
        map2::<T, T>(&gd, &xd, move |a, b, d| super::kernel::each2(a, b, d, |g, x| if x <= t { T::zero() } else { g }))?
    });
    let out = Tensor::from_data(out);
    record_backward("ThresholdBackwardBackward0", g, x, &out, zero_in_x(move |gg, x| threshold_backward(gg, x, &th)));
    Ok(out)
}

/// `grad` where `x > 0`, `grad * negative_slope` elsewhere.
pub fn leaky_relu_backward(g: &Tensor, x: &Tensor, negative_slope: &Scalar, _self_is_result: bool) -> Result<Tensor> {
    let s = negative_slope.to_f64();
    let (s32, ns) = (s as f32, *negative_slope);
    let rule = zero_in_x(move |gg, x| leaky_relu_backward(gg, x, &ns, false));
    let f = move |g: f32, x: f32| if x > 0.0 { g } else { g * s32 };
    let h = move |g: f64, x: f64| if x > 0.0 { g } else { g * s };
    fused("leaky_relu_backward_cpu", "LeakyReluBackwardBackward0", g, x, f, h, rule)
}

/// `grad` where `min < x < max`, 0 elsewhere.
pub fn hardtanh_backward(g: &Tensor, x: &Tensor, min: &Scalar, max: &Scalar) -> Result<Tensor> {
    let (lo, hi) = (min.to_f64(), max.to_f64());
    let (l32, h32, mn, mx) = (lo as f32, hi as f32, *min, *max);
    let rule = zero_in_x(move |gg, x| hardtanh_backward(gg, x, &mn, &mx));
    let f = move |g: f32, x: f32| if x <= l32 || x >= h32 { 0.0 } else { g };
    let h = move |g: f64, x: f64| if x <= lo || x >= hi { 0.0 } else { g };
    fused("hardshrink_backward_cpu", "HardtanhBackwardBackward0", g, x, f, h, rule)
}

/// `grad / 6` where `-3 < x < 3`, 0 elsewhere.
pub fn hardsigmoid_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> {
    let rule = zero_in_x(hardsigmoid_backward);
    // PyTorch's constant is 1/6 rounded to f32, also for f64
    const SIXTH: f64 = (1.0f32 / 6.0f32) as f64;
    let f = |g: f32, x: f32| if x > -3.0 && x < 3.0 { g * (1.0 / 6.0) } else { 0.0 };
    let h = |g: f64, x: f64| if x > -3.0 && x < 3.0 { g * SIXTH } else { 0.0 };
    fused("hardsigmoid_backward", "HardsigmoidBackwardBackward0", g, x, f, h, rule)
}

/// 0 up to -3, `grad * (x / 3 + 1/2)` below 3, `grad` from 3.
pub fn hardswish_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> {
    let rule: Box<Rule> = Box::new(|gg, g, x| {
        let dx = masked(&mul_c(&mul(gg, g)?, 1.0 / 3.0)?, x, |v| v > -3.0 && v < 3.0)?;
        Ok((Some(hardswish_backward(gg, x)?), Some(dx)))
    });
    let f = |g: f32, x: f32| if x <= -3.0 { 0.0 } else if x < 3.0 { g * (x / 3.0 + 0.5) } else { g };
    let h = |g: f64, x: f64| if x <= -3.0 { 0.0 } else if x < 3.0 { g * (x / 3.0 + 0.5) } else { g };
    fused("hardswish_backward_cpu", "HardswishBackwardBackward0", g, x, f, h, rule)
}

/// Gradient of elu from the input (`is_result` false) or from its output (`is_result` true).
pub fn elu_backward(
    g: &Tensor,
    alpha: &Scalar,
    scale: &Scalar,
    input_scale: &Scalar,
    is_result: bool,
    x: &Tensor,
) -> Result<Tensor> {
    let (neg, pos, inp) = (alpha.to_f64() * scale.to_f64(), scale.to_f64(), input_scale.to_f64());
    let (n32, p32, i32_) = (neg as f32, pos as f32, inp as f32);
    let (a, s, is) = (*alpha, *scale, *input_scale);
    let rule: Box<Rule> = Box::new(move |gg, g, x| {
        // PyTorch's elu_double_backward
        let dx = if is_result {
            masked(&mul_c(&mul(gg, g)?, inp)?, x, |v| v < 0.0)?
        } else {
            masked(&elu_backward(&mul_c(&mul(gg, g)?, inp)?, &a, &s, &is, false, x)?, x, |v| v < 0.0)?
        };
        Ok((Some(elu_backward(gg, &a, &s, &is, is_result, x)?), Some(dx)))
    });
    if is_result {
        let f = move |g: f32, y: f32| if y <= 0.0 { g * i32_ * (y + n32) } else { g * p32 };
        let h = move |g: f64, y: f64| if y <= 0.0 { g * inp * (y + neg) } else { g * pos };
        fused("elu_backward_cpu", "EluBackwardBackward0", g, x, f, h, rule)
    } else {
        let f = move |g: f32, x: f32| if x <= 0.0 { g * i32_ * n32 * approx::exp(x * i32_) } else { g * p32 };
        let h = move |g: f64, x: f64| if x <= 0.0 { g * inp * neg * (x * inp).exp() } else { g * pos };
        fused("elu_backward_cpu", "EluBackwardBackward0", g, x, f, h, rule)
    }
}

/// Gradient of softplus: `grad * sigmoid(beta x)`, or `grad` where `beta x > threshold`.
pub fn softplus_backward(g: &Tensor, x: &Tensor, beta: &Scalar, threshold: &Scalar) -> Result<Tensor> {
    let (b, t) = (beta.to_f64(), threshold.to_f64());
    let (b32, t32, bs, ts) = (b as f32, t as f32, *beta, *threshold);
    let rule: Box<Rule> = Box::new(move |gg, g, x| {
        // softplus_double_backward(gg * g, x): sigmoid_backward(gg * g, sigmoid(bx)) * (bx < t) * beta
        let bx = mul_c(x, b)?;
        let s = super::math::sigmoid(&bx)?;
        let dx = mul_c(&masked(&super::backward_ops::sigmoid_backward(&mul(gg, g)?, &s)?, &bx, move |v| v < t)?, b)?;
        Ok((Some(softplus_backward(gg, x, &bs, &ts)?), Some(dx)))
    });
    let f = SoftplusBw { beta: b32, threshold: t32 };
    let h = move |g: f64, x: f64| {
        let z = (x * b).exp();
        if x * b > t { g } else { g * z / (z + 1.0) }
    };
    fused("softplus_backward_cpu", "SoftplusBackwardBackward0", g, x, f, h, rule)
}

const SQRT1_2: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// 1 / sqrt(2 pi), the peak of the normal density.
const GELU_BETA: f64 = std::f64::consts::FRAC_2_SQRT_PI * SQRT1_2 * 0.5;
/// sqrt(2 / pi), the scale inside gelu's tanh approximation.
pub const GELU_TANH_BETA: f64 = std::f64::consts::SQRT_2 * std::f64::consts::FRAC_2_SQRT_PI * 0.5;
pub const GELU_KAPPA: f64 = 0.044715;

/// Whether gelu's `approximate` argument asks for the tanh form, or PyTorch's error.
pub fn gelu_tanh(approximate: &str) -> Result<bool> {
    match approximate {
        "none" => Ok(false),
        "tanh" => Ok(true),
        _ => crate::bail!("approximate argument must be either none or tanh."),
    }
}

/// Gradient of gelu (exact or tanh-approximated).
pub fn gelu_backward(g: &Tensor, x: &Tensor, approximate: &str) -> Result<Tensor> {
    let tanh_form = gelu_tanh(approximate)?;
    let approx_s = approximate.to_string();
    let rule: Box<Rule> = Box::new(move |gg, g, x| {
        let dx = mul(&mul(gg, g)?, &gelu_second_derivative(x, tanh_form)?)?;
        Ok((Some(gelu_backward(gg, x, &approx_s)?), Some(dx)))
    });
    if tanh_form {
        let f = GeluBw::<true>;
        let h = |g: f64, x: f64| {
            let x2 = x * x;
            let t = (GELU_TANH_BETA * (x + GELU_KAPPA * x2 * x)).tanh();
            g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_TANH_BETA * (1.0 + 3.0 * GELU_KAPPA * x2))
        };
        fused("GeluBackwardKernelImpl", "GeluBackwardBackward0", g, x, f, h, rule)
    } else {
        let f = GeluBw::<false>;
        let h = |g: f64, x: f64| {
            let cdf = 0.5 * (1.0 + approx::erf_f64(x * SQRT1_2));
            g * (cdf + x * GELU_BETA * (x * x * -0.5).exp())
        };
        fused("GeluBackwardKernelImpl", "GeluBackwardBackward0", g, x, f, h, rule)
    }
}

/// gelu''(x), built from differentiable ops (PyTorch's gelu_double_backward).
fn gelu_second_derivative(x: &Tensor, tanh_form: bool) -> Result<Tensor> {
    use super::math::{exp, tanh};
    if !tanh_form {
        // pdf(x) * (2 - x^2)
        let x2 = mul(x, x)?;
        let pdf = mul_c(&exp(&mul_c(&x2, -0.5)?)?, GELU_BETA)?;
        return mul(&pdf, &rsub_c(&x2, 2.0)?);
    }
    let x2 = mul(x, x)?;
    let inner = mul_c(&add(x, &mul_c(&mul(&x2, x)?, GELU_KAPPA)?)?, GELU_TANH_BETA)?;
    let t = tanh(&inner)?;
    let sech2 = rsub_c(&mul(&t, &t)?, 1.0)?; // 1 - tanh^2
    let h = mul_c(&add_c(&mul_c(&x2, 3.0 * GELU_KAPPA)?, 1.0)?, GELU_TANH_BETA)?;
    let f = mul_c(x, 0.5)?;
    // d/dx [0.5 (1 + t) + f * sech2 * h] = sech2 h + f h (-2 t sech2 h) + f sech2 h'
    let term1 = mul(&sech2, &h)?;
    let term2 = mul(&mul(&f, &h)?, &mul_c(&mul(&mul(&t, &sech2)?, &h)?, -2.0)?)?;
    let term3 = mul(&mul(&f, &sech2)?, &mul_c(x, 6.0 * GELU_KAPPA * GELU_TANH_BETA)?)?;
    add(&add(&term1, &term2)?, &term3)
}

/// Gradient of silu: `grad * s * (1 + x (1 - s))` with `s = sigmoid(x)`.
pub fn silu_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> {
    let rule: Box<Rule> = Box::new(|gg, g, x| {
        // silu''(x) = s (1 - s) (2 + x (1 - 2s))
        let s = super::math::sigmoid(x)?;
        let ds = mul(&s, &rsub_c(&s, 1.0)?)?;
        let k = add_c(&mul(x, &rsub_c(&mul_c(&s, 2.0)?, 1.0)?)?, 2.0)?;
        Ok((Some(silu_backward(gg, x)?), Some(mul(&mul(gg, g)?, &mul(&ds, &k)?)?)))
    });
    let f = SiluBw;
    let h = |g: f64, x: f64| {
        let s = 1.0 / (1.0 + (-x).exp());
        g * s * (1.0 + x * (1.0 - s))
    };
    fused("silu_backward_cpu", "SiluBackwardBackward0", g, x, f, h, rule)
}

/// Gradient of mish: `grad * (t + x s (1 - t^2))`, `t = tanh(softplus(x))`, `s = sigmoid(x)`.
/// When its own gradient is needed it is computed from differentiable ops instead (as
/// PyTorch does under grad mode), so every order of derivative is available.
pub fn mish_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> {
    if needs_grad(&[g, x]) {
        return mul(g, &mish_derivative(x)?);
    }
    let f = MishBw;
    let h = |g: f64, x: f64| {
        let t = x.exp().ln_1p().tanh();
        g * (t + x * (1.0 / (1.0 + (-x).exp())) * (1.0 - t * t))
    };
    fused_plain("mish_backward_cpu", g, x, f, h)
}

/// A fused float kernel `f(grad, x)` (f32 form, also for f16/bf16) / `h` (f64 form) that
/// records nothing (for ops whose callers record their gradient themselves).
pub fn fused_plain(
    kernel: &str,
    g: &Tensor,
    x: &Tensor,
    f: impl Inline2,
    h: impl Fn(f64, f64) -> f64 + Sync + Copy,
) -> Result<Tensor> {
    let (gd, xd) = operands(kernel, g, x, false)?;
    Ok(Tensor::from_data(float_map2(&gd, &xd, f, h)?))
}

/// mish'(x) from differentiable ops (PyTorch's infinitely_differentiable_mish_backward).
pub fn mish_derivative(x: &Tensor) -> Result<Tensor> {
    let s = super::math::sigmoid(x)?;
    let t = super::math::tanh(&super::activation::softplus(x, &Scalar::Int(1), &Scalar::Int(20))?)?;
    add(&t, &mul(&mul(&s, x)?, &rsub_c(&mul(&t, &t)?, 1.0)?)?)
}

/// softplus's gradient in f32: `grad * sigmoid(beta x)`, or `grad` where `beta x > threshold`.
#[derive(Clone, Copy)]
struct SoftplusBw {
    beta: f32,
    threshold: f32,
}

impl Inline2 for SoftplusBw {
    #[inline(always)]
    fn at<M: Madd>(self, g: f32, x: f32) -> f32 {
        let z = approx::exp_m::<M>(x * self.beta);
        if x * self.beta > self.threshold { g } else { g * z / (z + 1.0) }
    }
}

/// gelu's gradient in f32: the tanh form (`TANH`) or the exact one, `Phi(x) + x phi(x)`.
#[derive(Clone, Copy)]
struct GeluBw<const TANH: bool>;

impl<const TANH: bool> Inline2 for GeluBw<TANH> {
    #[inline(always)]
    fn at<M: Madd>(self, g: f32, x: f32) -> f32 {
        let x2 = x * x;
        if TANH {
            let (b, k) = (GELU_TANH_BETA as f32, GELU_KAPPA as f32);
            let t = approx::tanh_m::<M>(b * M::madd(k * x2, x, x));
            g * M::madd(0.5 * x * (1.0 - t * t), b * M::madd(3.0 * k, x2, 1.0), 0.5 * (1.0 + t))
        } else {
            let cdf = approx::normal_cdf_m::<M>(x);
            g * M::madd(x * GELU_BETA as f32, approx::exp_m::<M>(x2 * -0.5), cdf)
        }
    }
}

/// silu's gradient in f32: `grad * s * (1 + x (1 - s))`, `s = sigmoid(x)`.
#[derive(Clone, Copy)]
struct SiluBw;

impl Inline2 for SiluBw {
    #[inline(always)]
    fn at<M: Madd>(self, g: f32, x: f32) -> f32 {
        let s = 1.0 / (1.0 + approx::exp_m::<M>(-x));
        g * s * M::madd(x, 1.0 - s, 1.0)
    }
}

/// mish's gradient in f32: `grad * (t + x s (1 - t^2))`, `t = tanh(softplus(x))`,
/// `s = sigmoid(x)`.
#[derive(Clone, Copy)]
struct MishBw;

impl Inline2 for MishBw {
    #[inline(always)]
    fn at<M: Madd>(self, g: f32, x: f32) -> f32 {
        let e = approx::exp_m::<M>(x);
        let t = approx::tanh_m::<M>(approx::ln_1p_m::<M>(e));
        let s = 1.0 / (1.0 + approx::exp_m::<M>(-x));
        g * M::madd(x * s, 1.0 - t * t, t)
    }
}
