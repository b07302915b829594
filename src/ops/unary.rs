//! Unary math and activations (exp, log, trig, tanh, sigmoid, relu, gelu, silu...) with their backward rules.

mod activation;
pub(crate) mod approx;
mod backward_ops;
mod elementary;
mod gelu_simd;
mod grad;
pub(crate) mod kernel;
mod math;
mod predicates;
mod rounding;
mod special;
pub(crate) mod special_fns;

pub use activation::{
    celu, elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu, log_sigmoid, log_sigmoid_backward, mish, relu, relu6,
    selu, silu, softplus, threshold,
};
pub use backward_ops::{
    elu_backward, gelu_backward, hardsigmoid_backward, hardswish_backward, hardtanh_backward, leaky_relu_backward,
    logit_backward, mish_backward, sigmoid_backward, silu_backward, softplus_backward, tanh_backward,
    threshold_backward,
};
pub use math::{
    acos, acosh, asin, asinh, atan, atanh, cos, cosh, erf, erfc, exp, exp2, expm1, log, log10, log1p, log2, logit,
    reciprocal, rsqrt, sigmoid, sin, sinh, sqrt, tan, tanh,
};
pub use predicates::{bitwise_not, isfinite, isinf, isnan, isneginf, isposinf, logical_not, signbit};
pub use rounding::{abs, ceil, floor, frac, nan_to_num, round, round_decimals, sgn, sign, square, trunc};
pub use special::{
    bessel_j0, bessel_j1, bessel_y0, bessel_y1, deg2rad, digamma, entr, erfcx, erfinv, frexp, hardshrink, i0, i0e,
    i1, i1e, lgamma, log_ndtr, modified_bessel_i0, modified_bessel_i1, modified_bessel_k0, modified_bessel_k1,
    mvlgamma, ndtr, ndtri, polygamma, rad2deg, scaled_modified_bessel_k0, scaled_modified_bessel_k1,
    shrink_backward, sinc, softshrink,
};
pub(crate) use special::atg_special;

#[doc(hidden)]
pub use predicates::bool_out;

/// Defines `$name(a)`, `$name_(a)` and `$name_out(out, a)` (each present only when listed)
/// calling the one-tensor function `$f` of this module.
macro_rules! unary_ops {
    ($( $f:ident => $($name:ident)? / $($inpl:ident)? / $($out:ident)? ;)*) => {
        $(
            $( fn $name(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::$f(a) } )?
            $( fn $inpl(a: &Tensor) -> Result<Tensor> {
                $crate::ops::arith::inplace(stringify!($inpl), a, &[], $crate::ops::unary::$f)
            } )?
            $( fn $out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
                $crate::ops::arith::assign_out(out, &$crate::ops::unary::$f(a)?)
            } )?
        )*
    };
}
pub(crate) use unary_ops;

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_unary {
    () => {
        $crate::ops::unary::unary_ops! {
            abs => abs / abs_ / abs_out;
            abs => absolute / absolute_ / absolute_out;
            sign => sign / sign_ / sign_out;
            sgn => sgn / sgn_ / sgn_out;
            reciprocal => reciprocal / reciprocal_ / reciprocal_out;
            sqrt => sqrt / sqrt_ / sqrt_out;
            rsqrt => rsqrt / rsqrt_ / rsqrt_out;
            exp => exp / exp_ / exp_out;
            exp2 => exp2 / exp2_ / exp2_out;
            exp2 => special_exp2 / / special_exp2_out;
            expm1 => expm1 / expm1_ / expm1_out;
            expm1 => special_expm1 / / special_expm1_out;
            log => log / log_ / log_out;
            log2 => log2 / log2_ / log2_out;
            log10 => log10 / log10_ / log10_out;
            log1p => log1p / log1p_ / log1p_out;
            log1p => special_log1p / / special_log1p_out;
            sin => sin / sin_ / sin_out;
            cos => cos / cos_ / cos_out;
            tan => tan / tan_ / tan_out;
            asin => asin / asin_ / asin_out;
            asin => arcsin / arcsin_ / arcsin_out;
            acos => acos / acos_ / acos_out;
            acos => arccos / arccos_ / arccos_out;
            atan => atan / atan_ / atan_out;
            atan => arctan / arctan_ / arctan_out;
            sinh => sinh / sinh_ / sinh_out;
            cosh => cosh / cosh_ / cosh_out;
            tanh => tanh / tanh_ / tanh_out;
            asinh => asinh / asinh_ / asinh_out;
            asinh => arcsinh / arcsinh_ / arcsinh_out;
            acosh => acosh / acosh_ / acosh_out;
            acosh => arccosh / arccosh_ / arccosh_out;
            atanh => atanh / atanh_ / atanh_out;
            atanh => arctanh / arctanh_ / arctanh_out;
            sigmoid => sigmoid / sigmoid_ / sigmoid_out;
            sigmoid => special_expit / / special_expit_out;
            erf => erf / erf_ / erf_out;
            erf => special_erf / / special_erf_out;
            erfc => erfc / erfc_ / erfc_out;
            erfc => special_erfc / / special_erfc_out;
            floor => floor / floor_ / floor_out;
            ceil => ceil / ceil_ / ceil_out;
            round => round / round_ / round_out;
            trunc => trunc / trunc_ / trunc_out;
            trunc => fix / fix_ / fix_out;
            frac => frac / frac_ / frac_out;
            square => square / square_ / square_out;
            isnan => isnan / / isnan_out;
            isinf => isinf / / isinf_out;
            isfinite => isfinite / / ;
            logical_not => logical_not / logical_not_ / logical_not_out;
            bitwise_not => bitwise_not / bitwise_not_ / bitwise_not_out;
            relu => relu / relu_ / relu_out;
            relu6 => relu6 / relu6_ / ;
            selu => selu / selu_ / ;
            silu => silu / silu_ / silu_out;
            mish => mish / mish_ / mish_out;
            hardsigmoid => hardsigmoid / hardsigmoid_ / hardsigmoid_out;
            hardswish => hardswish / hardswish_ / hardswish_out;
            log_sigmoid => log_sigmoid / / log_sigmoid_out;
        }
        $crate::ops::unary::atg_unary_params!();
        $crate::ops::unary::atg_special!();
    };
}
pub(crate) use atg_unary;

/// The overrides of ops with parameters or several tensors (part of `atg_unary!`).
macro_rules! atg_unary_params {
    () => {
        fn isposinf(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::isposinf(a) }
        fn isposinf_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::unary::bool_out("isposinf", out)?;
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::isposinf(a)?)
        }
        fn isneginf(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::isneginf(a) }
        fn isneginf_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::unary::bool_out("isneginf", out)?;
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::isneginf(a)?)
        }
        fn signbit(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::signbit(a) }
        fn signbit_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::unary::bool_out("signbit", out)?;
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::signbit(a)?)
        }
        fn round_decimals(a: &Tensor, decimals: i64) -> Result<Tensor> { $crate::ops::unary::round_decimals(a, decimals) }
        fn round_decimals_(a: &Tensor, decimals: i64) -> Result<Tensor> {
            $crate::ops::arith::inplace("round_", a, &[], |x| $crate::ops::unary::round_decimals(x, decimals))
        }
        fn round_decimals_out(out: &Tensor, a: &Tensor, decimals: i64) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::round_decimals(a, decimals)?)
        }
        fn special_round(a: &Tensor, decimals: i64) -> Result<Tensor> { $crate::ops::unary::round_decimals(a, decimals) }
        fn special_round_out(out: &Tensor, a: &Tensor, decimals: i64) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::round_decimals(a, decimals)?)
        }
        fn nan_to_num(a: &Tensor, nan: Option<f64>, posinf: Option<f64>, neginf: Option<f64>) -> Result<Tensor> {
            $crate::ops::unary::nan_to_num(a, nan, posinf, neginf)
        }
        fn nan_to_num_(a: &Tensor, nan: Option<f64>, posinf: Option<f64>, neginf: Option<f64>) -> Result<Tensor> {
            $crate::ops::arith::inplace("nan_to_num_", a, &[], |x| $crate::ops::unary::nan_to_num(x, nan, posinf, neginf))
        }
        fn nan_to_num_out(out: &Tensor, a: &Tensor, nan: Option<f64>, posinf: Option<f64>, neginf: Option<f64>) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::nan_to_num(a, nan, posinf, neginf)?)
        }
        fn logit(a: &Tensor, eps: Option<f64>) -> Result<Tensor> { $crate::ops::unary::logit(a, eps) }
        fn logit_(a: &Tensor, eps: Option<f64>) -> Result<Tensor> {
            $crate::ops::arith::inplace("logit_", a, &[], |x| $crate::ops::unary::logit(x, eps))
        }
        fn logit_out(out: &Tensor, a: &Tensor, eps: Option<f64>) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::logit(a, eps)?)
        }
        fn special_logit(a: &Tensor, eps: Option<f64>) -> Result<Tensor> { $crate::ops::unary::logit(a, eps) }
        fn special_logit_out(out: &Tensor, a: &Tensor, eps: Option<f64>) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::logit(a, eps)?)
        }
        fn threshold(a: &Tensor, th: &Scalar, value: &Scalar) -> Result<Tensor> { $crate::ops::unary::threshold(a, th, value) }
        fn threshold_(a: &Tensor, th: &Scalar, value: &Scalar) -> Result<Tensor> {
            $crate::ops::arith::inplace("threshold_", a, &[], |x| $crate::ops::unary::threshold(x, th, value))
        }
        fn threshold_out(out: &Tensor, a: &Tensor, th: &Scalar, value: &Scalar) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::threshold(a, th, value)?)
        }
        fn gelu(a: &Tensor, approximate: &str) -> Result<Tensor> { $crate::ops::unary::gelu(a, approximate) }
        fn gelu_(a: &Tensor, approximate: &str) -> Result<Tensor> {
            $crate::ops::arith::inplace("gelu_", a, &[], |x| $crate::ops::unary::gelu(x, approximate))
        }
        fn gelu_out(out: &Tensor, a: &Tensor, approximate: &str) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::gelu(a, approximate)?)
        }
        // Ops whose C API passes no parameters use PyTorch's defaults.
        fn leaky_relu(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::leaky_relu(a, &Scalar::Float(0.01)) }
        fn leaky_relu_(a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::inplace("leaky_relu_", a, &[], |x| $crate::ops::unary::leaky_relu(x, &Scalar::Float(0.01)))
        }
        fn leaky_relu_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::leaky_relu(a, &Scalar::Float(0.01))?)
        }
        fn elu(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::elu(a, &Scalar::Int(1), &Scalar::Int(1), &Scalar::Int(1)) }
        fn elu_(a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::inplace("elu_", a, &[], |x| $crate::ops::unary::elu(x, &Scalar::Int(1), &Scalar::Int(1), &Scalar::Int(1)))
        }
        fn elu_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::elu(a, &Scalar::Int(1), &Scalar::Int(1), &Scalar::Int(1))?)
        }
        fn celu(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::celu(a, &Scalar::Float(1.0)) }
        fn celu_(a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::inplace("celu_", a, &[], |x| $crate::ops::unary::celu(x, &Scalar::Float(1.0)))
        }
        fn celu_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::celu(a, &Scalar::Float(1.0))?)
        }
        fn softplus(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::softplus(a, &Scalar::Int(1), &Scalar::Int(20)) }
        fn softplus_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::softplus(a, &Scalar::Int(1), &Scalar::Int(20))?)
        }
        fn hardtanh(a: &Tensor) -> Result<Tensor> { $crate::ops::unary::hardtanh(a, &Scalar::Int(-1), &Scalar::Int(1)) }
        fn hardtanh_(a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::inplace("hardtanh_", a, &[], |x| $crate::ops::unary::hardtanh(x, &Scalar::Int(-1), &Scalar::Int(1)))
        }
        fn hardtanh_out(out: &Tensor, a: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::hardtanh(a, &Scalar::Int(-1), &Scalar::Int(1))?)
        }
        $crate::ops::unary::atg_unary_backward!();
    };
}
pub(crate) use atg_unary_params;

/// The fused `*_backward` ops and their `grad_input=` forms (part of `atg_unary!`).
macro_rules! atg_unary_backward {
    () => {
        fn tanh_backward(g: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::unary::tanh_backward(g, y) }
        fn tanh_backward_grad_input(gi: &Tensor, g: &Tensor, y: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::tanh_backward(g, y)?)
        }
        fn sigmoid_backward(g: &Tensor, y: &Tensor) -> Result<Tensor> { $crate::ops::unary::sigmoid_backward(g, y) }
        fn sigmoid_backward_grad_input(gi: &Tensor, g: &Tensor, y: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::sigmoid_backward(g, y)?)
        }
        fn logit_backward(g: &Tensor, x: &Tensor, eps: Option<f64>) -> Result<Tensor> { $crate::ops::unary::logit_backward(g, x, eps) }
        fn logit_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, eps: Option<f64>) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::logit_backward(g, x, eps)?)
        }
        fn threshold_backward(g: &Tensor, x: &Tensor, th: &Scalar) -> Result<Tensor> { $crate::ops::unary::threshold_backward(g, x, th) }
        fn threshold_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, th: &Scalar) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::threshold_backward(g, x, th)?)
        }
        fn leaky_relu_backward(g: &Tensor, x: &Tensor, slope: &Scalar, is_result: bool) -> Result<Tensor> {
            $crate::ops::unary::leaky_relu_backward(g, x, slope, is_result)
        }
        fn leaky_relu_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, slope: &Scalar, is_result: bool) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::leaky_relu_backward(g, x, slope, is_result)?)
        }
        fn elu_backward(g: &Tensor, alpha: &Scalar, scale: &Scalar, input_scale: &Scalar, is_result: bool, x: &Tensor) -> Result<Tensor> {
            $crate::ops::unary::elu_backward(g, alpha, scale, input_scale, is_result, x)
        }
        fn elu_backward_grad_input(
            gi: &Tensor, g: &Tensor, alpha: &Scalar, scale: &Scalar, input_scale: &Scalar, is_result: bool, x: &Tensor,
        ) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::elu_backward(g, alpha, scale, input_scale, is_result, x)?)
        }
        fn gelu_backward(g: &Tensor, x: &Tensor, approximate: &str) -> Result<Tensor> { $crate::ops::unary::gelu_backward(g, x, approximate) }
        fn gelu_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, approximate: &str) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::gelu_backward(g, x, approximate)?)
        }
        fn silu_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> { $crate::ops::unary::silu_backward(g, x) }
        fn silu_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::silu_backward(g, x)?)
        }
        fn mish_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> { $crate::ops::unary::mish_backward(g, x) }
        fn softplus_backward(g: &Tensor, x: &Tensor, beta: &Scalar, th: &Scalar) -> Result<Tensor> {
            $crate::ops::unary::softplus_backward(g, x, beta, th)
        }
        fn softplus_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, beta: &Scalar, th: &Scalar) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::softplus_backward(g, x, beta, th)?)
        }
        fn hardtanh_backward(g: &Tensor, x: &Tensor, min: &Scalar, max: &Scalar) -> Result<Tensor> {
            $crate::ops::unary::hardtanh_backward(g, x, min, max)
        }
        fn hardtanh_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, min: &Scalar, max: &Scalar) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::hardtanh_backward(g, x, min, max)?)
        }
        fn hardsigmoid_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> { $crate::ops::unary::hardsigmoid_backward(g, x) }
        fn hardsigmoid_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::hardsigmoid_backward(g, x)?)
        }
        fn log_sigmoid_backward(g: &Tensor, x: &Tensor, _buffer: &Tensor) -> Result<Tensor> {
            $crate::ops::unary::log_sigmoid_backward(g, x)
        }
        fn log_sigmoid_backward_grad_input(gi: &Tensor, g: &Tensor, x: &Tensor, _buffer: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(gi, &$crate::ops::unary::log_sigmoid_backward(g, x)?)
        }
        fn hardswish_backward(g: &Tensor, x: &Tensor) -> Result<Tensor> { $crate::ops::unary::hardswish_backward(g, x) }
        fn hardswish_backward_out(out: &Tensor, g: &Tensor, x: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::unary::hardswish_backward(g, x)?)
        }
    };
}
pub(crate) use atg_unary_backward;
