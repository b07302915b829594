//! Binary and ternary pointwise ops beyond add/sub/mul/div: pow, remainder, comparisons, logical and bitwise ops, clamp, where, masked_fill, lerp, addcmul/addcdiv.
//!
//! Every op takes its operands as [`Arg`]s (tensor or number), promotes them like
//! `torch.result_type`, runs one dtype-specialised kernel (`kernel`: broadcasting, contiguous
//! fast paths, threads for large outputs) and records its backward rule.

mod args;
mod blend;
mod clamp;
mod compare;
mod divmod;
mod fmath;
mod int;
mod kernel;
mod logic;
mod pow;
mod select;

pub use args::{promote, record_not_differentiable, Arg};
pub use blend::{addcdiv, addcmul, lerp};
pub use clamp::{clamp, clamp_, clamp_tensor};
pub use compare::{allclose, compare, equal, extremum, isclose, Cmp, Ext};
pub use divmod::{div_mode, floor_divide, fmod, remainder};
pub use fmath::{fmath, ldexp_int, xlogy, FMath};
pub use logic::{bitwise, logical, Bit, Logic};
pub use pow::{float_power, float_power_, float_power_out_msg, pow};
pub use select::{heaviside, masked_fill, masked_fill_, where_};

pub(crate) use blend::atg_blend;
pub(crate) use clamp::atg_clamp;
pub(crate) use compare::{atg_cmp, atg_compare};
pub(crate) use divmod::atg_divmod;
pub(crate) use fmath::{atg_fmath, atg_fmath_op, atg_fmath_scalar};
pub(crate) use logic::{atg_bit, atg_logic};
pub(crate) use pow::atg_pow;
pub(crate) use select::atg_select;

use super::arith::{assign_out, binary, inplace, scalar_tensor, BinOp};
use crate::error::Result;
use crate::tensor::{DType, Scalar, Tensor};

impl<'a> From<&'a Tensor> for Arg<'a> {
    fn from(t: &'a Tensor) -> Arg<'a> {
        Arg::T(t)
    }
}

impl From<&Scalar> for Arg<'_> {
    fn from(s: &Scalar) -> Self {
        Arg::S(*s)
    }
}

/// `a.op_(b)`: `f(a, b)` computed out of place and written back into `a` (autograd included).
pub fn in_place(name: &str, a: &Tensor, b: Arg, f: impl FnOnce(Arg, Arg) -> Result<Tensor>) -> Result<Tensor> {
    let others: Vec<&Tensor> = b.tensor().into_iter().collect();
    inplace(name, a, &others, |x| f(Arg::T(x), b))
}

/// `op(..., out=out)`: the result written into `out` (resized when its shape differs).
pub fn to_out(out: &Tensor, r: Result<Tensor>) -> Result<Tensor> {
    assign_out(out, &r?)
}

/// An out= variant whose `out` must already have the result's dtype (`msg(out, result)` says
/// why not, in the op's own words).
pub fn to_out_same(out: &Tensor, r: Result<Tensor>, msg: impl FnOnce(DType, DType) -> String) -> Result<Tensor> {
    let r = r?;
    if out.dtype() != r.dtype() {
        return Err(crate::error::Error(msg(out.dtype(), r.dtype())));
    }
    assign_out(out, &r)
}

/// PyTorch's text when a structured op's out= has another dtype than its result.
pub fn found_dtype(out: DType, result: DType) -> String {
    format!("Found dtype {} but expected {}", out.name(), result.name())
}

/// `torch.rsub(a, b)`: `b - a` (with arith's promotion and gradients).
pub fn rsub(a: Arg, b: Arg) -> Result<Tensor> {
    let dt = promote(&[a, b]);
    let t = |x: Arg| match x {
        Arg::T(t) => t.clone(),
        Arg::S(s) => scalar_tensor(s, dt),
    };
    binary(BinOp::Sub, &t(b), &t(a))
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_pointwise {
    () => {
        $crate::ops::pointwise::atg_divmod!();
        $crate::ops::pointwise::atg_pow!();
        $crate::ops::pointwise::atg_compare!();
        $crate::ops::pointwise::atg_logic!();
        $crate::ops::pointwise::atg_clamp!();
        $crate::ops::pointwise::atg_select!();
        $crate::ops::pointwise::atg_blend!();
        $crate::ops::pointwise::atg_fmath!();

        // arithmetic aliases and variants (the kernels live in ops::arith)
        fn rsub(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::rsub(a.into(), b.into()) }
        fn rsub_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::rsub(a.into(), b.into()) }
        fn rsub_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::rsub(a.into(), b.into())) }
        fn rsub_tensor_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::rsub(a.into(), b.into())) }
        fn add_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::arith::binary_scalar($crate::ops::arith::BinOp::Add, a, b)?) }
        fn sub_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::arith::binary_scalar($crate::ops::arith::BinOp::Sub, a, b)?) }
        fn mul_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::arith::binary_scalar($crate::ops::arith::BinOp::Mul, a, b)?) }
        fn div_scalar_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::arith::binary_scalar($crate::ops::arith::BinOp::Div, a, b)?) }
        fn subtract(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::sub(a, b) }
        fn subtract_(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::sub_(a, b) }
        fn subtract_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::sub_out(out, a, b) }
        fn subtract_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::sub_scalar(a, b) }
        fn subtract_scalar_(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::sub_scalar_(a, b) }
        fn multiply(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::mul(a, b) }
        fn multiply_(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::mul_(a, b) }
        fn multiply_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::mul_out(out, a, b) }
        fn multiply_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::mul_scalar(a, b) }
        fn multiply_scalar_(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::mul_scalar_(a, b) }
        fn divide(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div(a, b) }
        fn divide_(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_(a, b) }
        fn divide_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_out(out, a, b) }
        fn divide_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_scalar(a, b) }
        fn divide_scalar_(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_scalar_(a, b) }
        fn true_divide(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div(a, b) }
        fn true_divide_(a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_(a, b) }
        fn true_divide_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_out(out, a, b) }
        fn true_divide_scalar(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_scalar(a, b) }
        fn true_divide_scalar_(a: &Tensor, b: &Scalar) -> Result<Tensor> { <Self as $crate::capi::generated::AtgApi>::div_scalar_(a, b) }
    };
}
pub(crate) use atg_pointwise;
