//! Building blocks of this family's backward rules: recording a one-input op, differentiable
//! arithmetic shorthands, and constant masks (which carry no gradient) for piecewise derivatives.

use super::kernel::map;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::ops::arith::{binary, binary_scalar, BinOp};
use crate::tensor::{DType, Element, Scalar, Tensor};
use crate::with_float_dtype;

/// Which tensor a backward rule reads: the op's input or its output.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Input,
    Output,
}

/// Records `out = op(a)` for autograd when needed: `rule(grad, kept)` gives the gradient of `a`
/// from the gradient of `out` and the kept tensor (the input or the output).
pub fn record1(
    name: &'static str,
    a: &Tensor,
    out: &Tensor,
    keep: Keep,
    rule: impl Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + 'static,
) {
    if !needs_grad(&[a]) {
        return;
    }
    let saved = match keep {
        Keep::Input => SavedTensor::input(a),
        Keep::Output => SavedTensor::output(out, 0),
    };
    record(name, &[a], &[out], move |node, g| {
        let Some(g) = &g[0] else { return Ok(vec![None]) };
        Ok(vec![Some(rule(g, &saved.get(node)?)?)])
    });
}

pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(BinOp::Mul, a, b)
}

pub fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(BinOp::Div, a, b)
}

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(BinOp::Add, a, b)
}

/// `a * c` for a number `c`.
pub fn mul_c(a: &Tensor, c: f64) -> Result<Tensor> {
    binary_scalar(BinOp::Mul, a, &Scalar::Float(c))
}

/// `a + c` for a number `c`.
pub fn add_c(a: &Tensor, c: f64) -> Result<Tensor> {
    binary_scalar(BinOp::Add, a, &Scalar::Float(c))
}

/// `c - a` for a number `c`.
pub fn rsub_c(a: &Tensor, c: f64) -> Result<Tensor> {
    add_c(&crate::ops::arith::neg(a)?, c)
}

/// Zeros shaped and typed like `t`.
pub fn zeros_like(t: &Tensor) -> Result<Tensor> {
    Tensor::zeros(&t.shape(), t.dtype(), t.device())
}

/// A constant 0/1 tensor of `like`'s floating dtype: 1 where `pred(x)` holds for `x`'s elements
/// (compared in f64). It carries no gradient: multiplying by it masks a gradient.
pub fn mask(x: &Tensor, like: DType, pred: impl Fn(f64) -> bool + Sync + Copy) -> Result<Tensor> {
    let d = crate::cpu::copy::contiguous_as(&x.data(), DType::F64)?;
    let out = with_float_dtype!(like, T, {
        map::<f64, T>(&d, |s, o| super::kernel::each(s, o, |v| if pred(v) { T::one() } else { T::zero() }))?
    }, {
        crate::bail!("torchrs: mask of dtype {}", like.name())
    });
    Ok(Tensor::from_data(out))
}

/// `a * mask(x, pred)`: `a` where `pred(x)` holds, 0 elsewhere (differentiable in `a`).
pub fn masked(a: &Tensor, x: &Tensor, pred: impl Fn(f64) -> bool + Sync + Copy) -> Result<Tensor> {
    mul(a, &mask(x, a.dtype(), pred)?)
}
