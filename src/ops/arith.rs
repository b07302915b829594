//! Arithmetic: add, sub, mul, div, neg with broadcasting, promotion, scalars, in-place and out=.

use super::promote::{can_cast, result_type_of, result_type_scalar};
use crate::cpu::copy::contiguous_as;
use crate::cpu::elementwise::{binary_map, unary_map};
use crate::ops::unary::kernel::{float_map, float_map2};
use crate::autograd::graph::record_unsaved;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::tensor::{DType, Dims, Element, Scalar, Tensor, TensorData};
use crate::with_dtype;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
        }
    }
}

/// Converts a view to `dtype` only when it is not already of it (kernels take strided input).
fn as_dtype(d: &TensorData, dtype: DType) -> Result<std::borrow::Cow<'_, TensorData>> {
    if d.dtype == dtype {
        Ok(std::borrow::Cow::Borrowed(d))
    } else {
        Ok(std::borrow::Cow::Owned(contiguous_as(d, dtype)?))
    }
}

fn kernel<T: Element + num_traits::NumOps>(op: BinOp, a: &TensorData, b: &TensorData) -> Result<TensorData> {
    match op {
        BinOp::Add => binary_map::<T, T>(a, b, |x, y| x + y),
        BinOp::Sub => binary_map::<T, T>(a, b, |x, y| x - y),
        BinOp::Mul => binary_map::<T, T>(a, b, |x, y| x * y),
        BinOp::Div => binary_map::<T, T>(a, b, |x, y| x / y),
    }
}

/// `a op c` for a float number `c` already in `a`'s type.
fn scalar_kernel<T: Element + num_traits::NumOps>(op: BinOp, a: &TensorData, c: T) -> Result<TensorData> {
    match op {
        BinOp::Add => unary_map::<T, T>(a, |x| x + c),
        BinOp::Sub => unary_map::<T, T>(a, |x| x - c),
        BinOp::Mul => unary_map::<T, T>(a, |x| x * c),
        BinOp::Div => unary_map::<T, T>(a, |x| x / c),
    }
}

/// `a op c` on f32, through the slice kernels' AVX2/AVX-512 builds.
fn scalar_f32(op: BinOp, a: &TensorData, c: f32) -> Result<TensorData> {
    let w = c as f64; // the f64 function never runs on an f32 tensor; float_map wants one
    match op {
        BinOp::Add => float_map(a, move |x| x + c, move |x| x + w),
        BinOp::Sub => float_map(a, move |x| x - c, move |x| x - w),
        BinOp::Mul => float_map(a, move |x| x * c, move |x| x * w),
        BinOp::Div => float_map(a, move |x| x / c, move |x| x / w),
    }
}

/// Integer add/sub/mul wrap around like PyTorch's, never a Rust overflow panic.
macro_rules! int_kernel {
    ($t:ty, $op:expr, $a:expr, $b:expr) => {
        match $op {
            BinOp::Add => binary_map::<$t, $t>(&$a, &$b, |x, y| x.wrapping_add(y))?,
            BinOp::Sub => binary_map::<$t, $t>(&$a, &$b, |x, y| x.wrapping_sub(y))?,
            BinOp::Mul => binary_map::<$t, $t>(&$a, &$b, |x, y| x.wrapping_mul(y))?,
            BinOp::Div => unreachable!("true division never runs on integers"),
        }
    };
}

fn compute(op: BinOp, a: &TensorData, b: &TensorData, dtype: DType) -> Result<Tensor> {
    let (a, b) = (as_dtype(a, dtype)?, as_dtype(b, dtype)?);
    let (a, b) = (a.as_ref(), b.as_ref());
    let out = match dtype {
        DType::Bool => match op {
            BinOp::Add => binary_map::<bool, bool>(&a, &b, |x, y| x | y)?,
            BinOp::Mul => binary_map::<bool, bool>(&a, &b, |x, y| x & y)?,
            _ => crate::bail!(
                "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."
            ),
        },
        DType::U8 => int_kernel!(u8, op, a, b),
        DType::I8 => int_kernel!(i8, op, a, b),
        DType::I16 => int_kernel!(i16, op, a, b),
        DType::I32 => int_kernel!(i32, op, a, b),
        DType::I64 => int_kernel!(i64, op, a, b),
        DType::F16 | DType::BF16 | DType::F32 => match op {
            // the slice kernels' AVX2/AVX-512 builds (f16 and bf16 computed in f32 chunks)
            BinOp::Add => float_map2(&a, &b, |x, y| x + y, |x, y| x + y)?,
            BinOp::Sub => float_map2(&a, &b, |x, y| x - y, |x, y| x - y)?,
            BinOp::Mul => float_map2(&a, &b, |x, y| x * y, |x, y| x * y)?,
            BinOp::Div => float_map2(&a, &b, |x, y| x / y, |x, y| x / y)?,
        },
        DType::F64 => kernel::<f64>(op, &a, &b)?,
        // float8: computed in f32 and rounded back, as c10's float8 arithmetic does
        DType::F8E5M2 | DType::F8E4M3Fn | DType::F8E5M2Fnuz | DType::F8E4M3Fnuz => {
            let wide = compute(op, &a, &b, DType::F32)?;
            return Ok(Tensor::from_data(as_dtype(&wide.data(), dtype)?.into_owned()));
        }
    };
    Ok(Tensor::from_data(out))
}

fn div_dtype(d: DType) -> DType {
    if d.is_float() {
        d
    } else {
        DType::F32
    }
}

/// PyTorch's `sub_check`: no subtraction with a bool operand (a bool scalar counts).
fn sub_check(op: BinOp, a: DType, b: DType) -> Result<()> {
    if op != BinOp::Sub {
        return Ok(());
    }
    crate::ensure!(
        a != DType::Bool || b != DType::Bool,
        "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."
    );
    crate::ensure!(
        a != DType::Bool && b != DType::Bool,
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
    );
    Ok(())
}

/// `a op b` for two tensors.
pub fn binary(op: BinOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = {
        let (da, db) = (a.read(), b.read());
        sub_check(op, da.dtype, db.dtype)?;
        let mut dtype = if da.dtype == db.dtype {
            da.dtype
        } else {
            result_type_of(&[(da.layout.ndim(), da.dtype), (db.layout.ndim(), db.dtype)])
        };
        if op == BinOp::Div {
            dtype = div_dtype(dtype);
        }
        check_same_device(op.name(), &da, &db)?;
        compute(op, &da, &db, dtype)?
    };
    if needs_grad(&[a, b]) {
        record_binary(op, a, b, &out);
    }
    Ok(out)
}

/// The gradient `g` of a result, reduced to the shape and dtype of input `x`.
fn grad_for(g: Tensor, x: &(Dims, DType)) -> Result<Tensor> {
    super::shape::grad_to_input(g, &x.0, x.1)
}

fn record_binary(op: BinOp, a: &Tensor, b: &Tensor, out: &Tensor) {
    let (ma, mb) = ((a.shape(), a.dtype()), (b.shape(), b.dtype()));
    let (ra, rb) = (a.requires_grad(), b.requires_grad());
    // add and sub save nothing (their rule stays runnable after a backward without keep_graph)
    let saved = matches!(op, BinOp::Mul | BinOp::Div).then(|| (SavedTensor::input(a), SavedTensor::input(b)));
    let saves = saved.is_some();
    let name = match op {
        BinOp::Add => "AddBackward0",
        BinOp::Sub => "SubBackward0",
        BinOp::Mul => "MulBackward0",
        BinOp::Div => "DivBackward0",
    };
    let rule = move |node: &std::sync::Arc<crate::autograd::graph::Node>, g: &[Option<Tensor>]| -> Result<Vec<Option<Tensor>>> {
        let Some(g) = &g[0] else { return Ok(vec![None, None]) };
        let saved_pair = || saved.as_ref().ok_or_else(|| crate::error::Error::msg("torchrs: internal error: a product rule without its operands"));
        let (ga, gb) = match op {
            BinOp::Add => (ra.then(|| g.clone()), rb.then(|| g.clone())),
            BinOp::Sub => (ra.then(|| g.clone()), if rb { Some(neg(g)?) } else { None }),
            BinOp::Mul => {
                let (sa, sb) = saved_pair()?;
                (
                if ra { Some(binary(BinOp::Mul, g, &sb.get(node)?)?) } else { None },
                if rb { Some(binary(BinOp::Mul, g, &sa.get(node)?)?) } else { None },
                )
            }
            BinOp::Div => {
                let (sa, sb) = saved_pair()?;
                let bv = sb.get(node)?;
                let ga = binary(BinOp::Div, g, &bv)?;
                let gb = if rb {
                    // -g * a / b^2 = -(g / b) * (a / b)
                    let av = sa.get(node)?;
                    Some(neg(&binary(BinOp::Mul, &ga, &binary(BinOp::Div, &av, &bv)?)?)?)
                } else {
                    None
                };
                (ra.then_some(ga), gb)
            }
        };
        Ok(vec![ga.map(|g| grad_for(g, &ma)).transpose()?, gb.map(|g| grad_for(g, &mb)).transpose()?])
    };
    if saves {
        record(name, &[a, b], &[out], rule);
    } else {
        record_unsaved(name, &[a, b], &[out], rule);
    }
}

/// `a op s` for a tensor and a number.
pub fn binary_scalar(op: BinOp, a: &Tensor, s: &Scalar) -> Result<Tensor> {
    sub_check(op, a.dtype(), if matches!(s, Scalar::Bool(_)) { DType::Bool } else { DType::I64 })?;
    let mut dtype = result_type_scalar(a, s);
    if op == BinOp::Div {
        dtype = div_dtype(dtype);
    }
    let out = {
        let da = a.read();
        match (da.dtype == dtype, dtype) {
            // the common float case without a scalar tensor for the operand
            (true, DType::F32) => Tensor::from_data(scalar_f32(op, &da, crate::tensor::create::scalar_as(*s))?),
            (true, DType::F64) => Tensor::from_data(scalar_kernel::<f64>(op, &da, crate::tensor::create::scalar_as(*s))?),
            _ => compute(op, &da, &scalar_tensor(*s, dtype).read(), dtype)?,
        }
    };
    if needs_grad(&[a]) {
        let (s, ma) = (*s, (a.shape(), a.dtype()));
        record_unsaved("ScalarOpBackward0", &[a], &[&out], move |_, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let ga = match op {
                BinOp::Add | BinOp::Sub => g.clone(),
                BinOp::Mul => binary_scalar(BinOp::Mul, g, &s)?,
                BinOp::Div => binary_scalar(BinOp::Div, g, &s)?,
            };
            Ok(vec![Some(grad_for(ga, &ma)?)])
        });
    }
    Ok(out)
}

/// Runs an in-place op with autograd: `f` computes the new value out of place from a snapshot
/// of `t` that carries `t`'s history; the value is written into `t`, which takes over the
/// result's history. Without grad recording it is just `f` then a copy.
pub fn inplace(
    op: &str,
    t: &Tensor,
    others: &[&Tensor],
    f: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    if !crate::autograd::is_grad_enabled() {
        return assign_inplace(op, t, &f(t)?);
    }
    if t.is_leaf() && t.requires_grad() {
        crate::bail!("a leaf Variable that requires grad is being used in an in-place operation.");
    }
    let recorded = t.requires_grad() || others.iter().any(|o| o.requires_grad());
    let snapshot = if recorded { super::convert::clone_with_history(t)? } else { t.clone() };
    let r = f(&snapshot)?;
    assign_inplace(op, t, &r)?;
    if r.requires_grad() {
        crate::autograd::graph::take_history(t, &r);
    }
    Ok(t.clone())
}

/// A 0-d CPU tensor holding `s` in `dtype`.
pub fn scalar_tensor(s: Scalar, dtype: DType) -> Tensor {
    with_dtype!(dtype, T, { Tensor::scalar_tensor::<T>(crate::tensor::create::scalar_as::<T>(s)) })
}

fn check_same_device(op: &str, a: &TensorData, b: &TensorData) -> Result<()> {
    if a.device() != b.device() && a.layout.ndim() > 0 && b.layout.ndim() > 0 {
        crate::bail!(
            "{op}: Expected all tensors to be on the same device, but found at least two devices, {:?} and {:?}!",
            a.device(),
            b.device()
        );
    }
    Ok(())
}

/// Writes `result` into `dst` in place (in-place ops): same shape, castable dtype.
pub fn assign_inplace(op: &str, dst: &Tensor, result: &Tensor) -> Result<Tensor> {
    let (rd, dd) = (result.dtype(), dst.dtype());
    if !can_cast(rd, dd) {
        crate::bail!("result type {} can't be cast to the desired output type {}", rd.name(), dd.name());
    }
    let (rs, ds) = (result.shape(), dst.shape());
    if rs != ds {
        crate::bail!(
            "{op}: output with shape {:?} doesn't match the broadcast shape {:?}",
            &ds[..],
            &rs[..]
        );
    }
    crate::cpu::copy::copy_into(&dst.data(), &result.data())?;
    dst.bump_version();
    Ok(dst.clone())
}

/// Writes `result` into an `out=` tensor, resizing it when its shape differs.
pub fn assign_out(out: &Tensor, result: &Tensor) -> Result<Tensor> {
    let (rd, od) = (result.dtype(), out.dtype());
    if !can_cast(rd, od) {
        crate::bail!("result type {} can't be cast to the desired output type {}", rd.name(), od.name());
    }
    if out.shape() != result.shape() {
        let fresh = Tensor::empty(&result.shape(), od, out.device())?;
        out.set_data(&fresh);
    }
    crate::cpu::copy::copy_into(&out.data(), &result.data())?;
    out.bump_version();
    Ok(out.clone())
}

pub fn neg(a: &Tensor) -> Result<Tensor> {
    let out = neg_values(a)?;
    if needs_grad(&[a]) {
        record_unsaved("NegBackward0", &[a], &[&out], |_, g| Ok(vec![g[0].as_ref().map(neg).transpose()?]));
    }
    Ok(out)
}

fn neg_values(a: &Tensor) -> Result<Tensor> {
    let d = a.data();
    let out = match d.dtype {
        DType::Bool => crate::bail!(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        ),
        DType::U8 => unary_map::<u8, u8>(&d, |x| x.wrapping_neg())?,
        DType::I8 => unary_map::<i8, i8>(&d, |x| x.wrapping_neg())?,
        DType::I16 => unary_map::<i16, i16>(&d, |x| x.wrapping_neg())?,
        DType::I32 => unary_map::<i32, i32>(&d, |x| x.wrapping_neg())?,
        DType::I64 => unary_map::<i64, i64>(&d, |x| x.wrapping_neg())?,
        DType::F16 => unary_map::<half::f16, half::f16>(&d, |x| -x)?,
        DType::BF16 => unary_map::<half::bf16, half::bf16>(&d, |x| -x)?,
        DType::F32 => unary_map::<f32, f32>(&d, |x| -x)?,
        DType::F64 => unary_map::<f64, f64>(&d, |x| -x)?,
        DType::F8E5M2 | DType::F8E4M3Fn | DType::F8E5M2Fnuz | DType::F8E4M3Fnuz => {
            crate::with_dtype!(d.dtype, T, { unary_map::<T, T>(&d, |x| T::from_f64(-x.to_f64()))? })
        }
    };
    Ok(Tensor::from_data(out))
}
