//! Ops that are the identity, a copy or a plain view on real tensors (conj, resolve_conj,
//! positive, alias, adjoint, data, the `*_copy` variants...) and the compositions tch exposes
//! under other names (negative, type_as, linalg_matmul, ldexp, argwhere, angle, _add_relu).

use crate::autograd::{needs_grad, record};
use crate::error::Result;
use crate::ops::arith::{binary, BinOp};
use crate::ops::shape;
use crate::tensor::{DType, Tensor};
use std::f64::consts::PI;

/// A new tensor viewing `a`'s storage with its layout (autograd's identity).
pub fn alias(a: &Tensor) -> Result<Tensor> {
    shape::expand(a, &a.shape())
}

/// `+a`: `a` itself (bool refused, as PyTorch does).
pub fn positive(a: &Tensor) -> Result<Tensor> {
    crate::ensure!(a.dtype() != DType::Bool, "The `+` operator, on a bool tensor is not supported.");
    Ok(a.clone())
}

/// The transpose of the last two dimensions (the conjugate is the identity on real tensors).
pub fn adjoint(a: &Tensor, what: &str) -> Result<Tensor> {
    crate::ensure!(
        a.dim() >= 2,
        "tensor.{what} is only supported on matrices or batches of matrices. Got {}-D tensor.",
        a.dim()
    );
    shape::transpose(a, -2, -1)
}

/// `torch.imag`: complex tensors only.
pub fn imag(_a: &Tensor) -> Result<Tensor> {
    crate::bail!("imag is not implemented for tensors with non-complex dtypes.")
}

/// `torch.isreal`: true everywhere for real tensors.
pub fn isreal(a: &Tensor) -> Result<Tensor> {
    Tensor::ones(&a.shape(), DType::Bool, a.device())
}

/// The argument of a real number: π below 0, 0 otherwise, NaN for NaN (integers give float32);
/// its gradient is zero.
pub fn angle(a: &Tensor) -> Result<Tensor> {
    let out = Tensor::from_data(crate::ops::unary::kernel::float_map(
        &a.read(),
        |x: f32| if x.is_nan() { x } else if x < 0.0 { std::f32::consts::PI } else { 0.0 },
        |x: f64| if x.is_nan() { x } else if x < 0.0 { PI } else { 0.0 },
    )?);
    if needs_grad(&[a]) && a.dtype().is_float() {
        let (shape, dtype) = (a.shape(), a.dtype());
        record("AngleBackward0", &[a], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| Tensor::zeros(&shape, dtype, g.device())).transpose()?])
        });
    }
    Ok(out)
}

/// `a * 2^b`, in the operands' promoted dtype (float32 when that is not a float type), as
/// PyTorch's kernel: a float16 `a` with integer exponents stays float16.
pub fn ldexp(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype().is_float() && b.dtype() == DType::Bool {
        crate::bail!("\"ldexp_cpu_exp\" not implemented for 'Bool'");
    }
    let target = crate::ops::promote::result_type(&[a, b]);
    let target = if target.is_float() { target } else { DType::F32 };
    // float x with integer exponents has its own kernel in PyTorch; everything else is
    // x * 2.0^e (where 0 * 2^e is NaN once 2^e overflows)
    if a.dtype().is_float() && !b.dtype().is_float() && b.dtype() != DType::Bool {
        return crate::ops::pointwise::ldexp_int(a, b, target);
    }
    // PyTorch takes 2^e in the exponent's dtype, or in the result's when the exponent is 0-d
    let b = if b.dim() == 0 && b.dtype().is_float() { crate::ops::reduce::elem::cast(b, target)? } else { b.clone() };
    let p = crate::ops::pointwise::pow(
        crate::ops::pointwise::Arg::S(crate::tensor::Scalar::Float(2.0)),
        crate::ops::pointwise::Arg::T(&b),
    )?;
    crate::ops::reduce::elem::cast(&binary(BinOp::Mul, a, &p)?, target)
}

/// `relu(a + b)`.
pub fn add_relu(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    crate::ops::unary::relu(&binary(BinOp::Add, a, b)?)
}

/// The shape of `a` as a 1-d int64 tensor.
pub fn shape_as_tensor(a: &Tensor) -> Result<Tensor> {
    let s = a.shape();
    Tensor::from_vec(s.to_vec(), &[s.len() as i64])
}

/// `_is_all_true` / `_is_any_true`: all/any of a bool tensor.
pub fn bool_all_any(a: &Tensor, any: bool) -> Result<Tensor> {
    crate::ensure!(a.dtype() == DType::Bool, "Expected bool tensor for input");
    crate::ops::reduce::stats::all_any(a, None, false, any)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_aliases {
    () => {
        fn conj(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn _conj(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn resolve_conj(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn resolve_neg(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn conj_physical(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn _conj_physical(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn conj_physical_(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn conj_physical_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, a) }
        fn _conj_physical_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, a) }
        fn lift(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn lift_fresh(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn real(a: &Tensor) -> Result<Tensor> { Ok(a.clone()) }
        fn positive(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::positive(a) }
        fn alias(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::alias(a) }
        fn data(a: &Tensor) -> Result<Tensor> { Ok($crate::ops::autograd_ops::detach(a)) }
        fn _conj_copy(a: &Tensor) -> Result<Tensor> { $crate::ops::join::misc::copy_of(a) }
        fn alias_copy(a: &Tensor) -> Result<Tensor> { $crate::ops::join::misc::copy_of(a) }
        fn alias_copy_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, a) }
        fn lift_fresh_copy(a: &Tensor) -> Result<Tensor> { $crate::ops::join::misc::copy_of(a) }
        fn _lazy_clone(a: &Tensor) -> Result<Tensor> { $crate::ops::join::misc::copy_of(a) }
        fn detach_copy(a: &Tensor) -> Result<Tensor> { $crate::ops::convert::clone(a) }
        fn detach_copy_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::autograd_ops::detach(a)) }
        fn t_copy(a: &Tensor) -> Result<Tensor> { $crate::ops::join::misc::copy_of(&$crate::ops::shape::t(a)?) }
        fn t_copy_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::shape::t(a)?) }
        fn _neg_view(a: &Tensor) -> Result<Tensor> { $crate::ops::arith::neg(a) }
        fn _neg_view_copy(a: &Tensor) -> Result<Tensor> { $crate::ops::arith::neg(a) }
        fn negative(a: &Tensor) -> Result<Tensor> { $crate::ops::arith::neg(a) }
        fn negative_(a: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("negative_", a, &[], $crate::ops::arith::neg) }
        fn negative_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::arith::neg(a)?) }
        fn adjoint(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::adjoint(a, "adjoint()") }
        fn mh(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::adjoint(a, "mH") }
        fn matrix_h(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::adjoint(a, "mH") }
        fn mt(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::adjoint(a, "mT") }
        fn imag(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::imag(a) }
        fn isreal(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::isreal(a) }
        fn angle(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::angle(a) }
        fn angle_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::aliases::angle(a)?) }
        fn type_as(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::convert::to(a, None, Some(b.dtype()), false) }
        fn linalg_matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::linalg::matmul(a, b) }
        fn linalg_matmul_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::linalg::matmul(a, b)?) }
        fn zero(a: &Tensor) -> Result<Tensor> { Tensor::zeros(&a.shape(), a.dtype(), a.device()) }
        fn zero_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &Tensor::zeros(&a.shape(), a.dtype(), a.device())?) }
        fn _shape_as_tensor(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::shape_as_tensor(a) }
        fn _is_all_true(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::bool_all_any(a, false) }
        fn _is_any_true(a: &Tensor) -> Result<Tensor> { $crate::ops::aliases::bool_all_any(a, true) }
        fn _aminmax(a: &Tensor) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::minmax::aminmax(a, None, false) }
        fn _aminmax_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::minmax::aminmax(a, Some(dim), keepdim) }
        fn _add_relu(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::aliases::add_relu(a, b) }
        fn _add_relu_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("_add_relu_", a, &[b], |x| $crate::ops::aliases::add_relu(x, b)) }
        fn _add_relu_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::aliases::add_relu(a, b)?) }
        fn argwhere(a: &Tensor) -> Result<Tensor> { $crate::ops::index::mask::nonzero(a) }
        fn ldexp(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::aliases::ldexp(a, b) }
        fn ldexp_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("ldexp_", a, &[b], |x| $crate::ops::aliases::ldexp(x, b)) }
        fn ldexp_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::aliases::ldexp(a, b)?) }
    };
}
pub(crate) use atg_aliases;
