//! Operands of pointwise ops (tensors or Python numbers), PyTorch's type promotion over them
//! (dimensioned tensors, then 0-d tensors, then numbers), checked number conversions, and the
//! autograd recording the family shares.

use super::kernel::{Num, Src};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::create::scalar_as;
use crate::tensor::{DType, Dims, Scalar, Tensor, TensorData};

/// An operand: a tensor, or a number (a "wrapped number" in PyTorch's promotion).
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    T(&'a Tensor),
    S(Scalar),
}

impl Arg<'_> {
    pub fn tensor(&self) -> Option<&Tensor> {
        match self {
            Arg::T(t) => Some(t),
            Arg::S(_) => None,
        }
    }
}

/// PyTorch's `combine_categories`: the lower-priority dtype only lifts the category.
fn combine(h: Option<DType>, l: Option<DType>) -> Option<DType> {
    match (h, l) {
        (None, l) => l,
        (h, None) => h,
        (Some(h), Some(l)) => Some(if h.is_float() {
            h
        } else if h == DType::Bool || l.is_float() {
            DType::promote(h, l)
        } else {
            h
        }),
    }
}

fn fold(slot: &mut Option<DType>, d: DType) {
    *slot = Some(match *slot {
        Some(p) => DType::promote(p, d),
        None => d,
    });
}

/// `torch.result_type` over tensors and numbers (a float number counts as float32).
pub fn promote(args: &[Arg]) -> DType {
    let (mut dim, mut zero, mut num) = (None, None, None);
    for a in args {
        match a {
            Arg::T(t) if t.dim() > 0 => fold(&mut dim, t.dtype()),
            Arg::T(t) => fold(&mut zero, t.dtype()),
            Arg::S(s) => fold(&mut num, s.default_dtype()),
        }
    }
    combine(dim, combine(zero, num)).unwrap_or(DType::F32)
}

/// A view of `d` in `dtype` (the view itself when it already is; else a contiguous copy).
pub fn cast(d: &TensorData, dtype: DType) -> Result<TensorData> {
    if d.dtype == dtype {
        Ok(d.clone())
    } else {
        to_contiguous_dtype(d, dtype)
    }
}

/// An operand as a kernel source of type `T` (numbers convert like PyTorch's, integers wrap).
pub fn src<T: Num>(a: Arg) -> Result<Src<T>> {
    Ok(match a {
        Arg::T(t) => Src::Data(cast(&t.data(), T::DTYPE)?),
        Arg::S(s) => Src::Value(scalar_as::<T>(s)),
    })
}

/// The C++ spelling of a dtype's element type, as PyTorch's messages print it.
pub fn cpp_name(d: DType) -> &'static str {
    d.cpp_name()
}

/// `c10::checked_convert`: a number that does not fit `dtype` is an error (PyTorch's text);
/// integers may wrap into unsigned types, infinities and NaN fit floating types.
pub fn checked(s: Scalar, dtype: DType) -> Result<Scalar> {
    let (lo, hi, name): (f64, f64, &str) = match dtype {
        DType::Bool | DType::F64 => return Ok(s),
        DType::U8 => (0.0, 255.0, "uint8_t"),
        DType::I8 => (-128.0, 127.0, "int8_t"),
        DType::I16 => (i16::MIN as f64, i16::MAX as f64, "int16_t"),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64, "int"),
        DType::I64 => (i64::MIN as f64, i64::MAX as f64, "int64_t"),
        DType::F16 => (-65504.0, 65504.0, "c10::Half"),
        DType::BF16 => (-3.3895313892515355e38, 3.3895313892515355e38, "c10::BFloat16"),
        DType::F32 => (f32::MIN as f64, f32::MAX as f64, "float"),
        DType::F8E5M2 => (-57344.0, 57344.0, "c10::Float8_e5m2"),
        DType::F8E5M2Fnuz => (-57344.0, 57344.0, "c10::Float8_e5m2fnuz"),
        DType::F8E4M3Fn => (-448.0, 448.0, "c10::Float8_e4m3fn"),
        DType::F8E4M3Fnuz => (-240.0, 240.0, "c10::Float8_e4m3fnuz"),
    };
    // the float8 types other than e5m2 have no infinity, so one does not fit them
    let no_inf = dtype.is_float8() && dtype != DType::F8E5M2;
    let bad = match s {
        Scalar::Bool(_) => false,
        Scalar::Int(i) if dtype == DType::U8 => !(-255..=255).contains(&i),
        Scalar::Int(i) if dtype.is_int() => (i as f64) < lo || (i as f64) > hi,
        Scalar::Int(i) => (i as f64).abs() > hi,
        Scalar::Float(f) if dtype.is_float() => (f.is_finite() || no_inf) && (f < lo || f > hi),
        Scalar::Float(f) => f.is_nan() || f < lo || f > hi,
    };
    if bad {
        crate::bail!("value cannot be converted to type {name} without overflow");
    }
    Ok(s)
}

/// PyTorch's error for a kernel that has no version for a dtype.
pub fn no_kernel<T>(kernel: &str, d: DType) -> Result<T> {
    crate::bail!("\"{kernel}\" not implemented for '{}'", d.name())
}

/// A gradient reduced to an input's shape (broadcasting) and dtype.
pub use super::super::shape::grad_to_input as reduce_grad;

/// Zeros of `t`'s shape and dtype.
pub fn zeros_like(t: &Tensor) -> Result<Tensor> {
    Tensor::zeros(&t.shape(), t.dtype(), t.device())
}

/// What a backward rule sees of one operand: the tensor (when saved) or the number.
pub enum Val {
    T(Tensor),
    S(Scalar),
    Unsaved,
}

impl Val {
    pub fn arg(&self) -> Result<Arg<'_>> {
        match self {
            Val::T(t) => Ok(Arg::T(t)),
            Val::S(s) => Ok(Arg::S(*s)),
            Val::Unsaved => internal("an operand"),
        }
    }
}

/// The context of a backward rule: operands, the forward result (when saved), which operands
/// need a gradient, and the gradient of the result.
pub struct Ctx<'a> {
    pub v: Vec<Val>,
    pub out: Option<Tensor>,
    pub need: Vec<bool>,
    pub g: &'a Tensor,
}

fn internal<T>(what: &str) -> Result<T> {
    crate::bail!("torchrs: internal error: a backward rule read {what} it did not save")
}

impl Ctx<'_> {
    /// Operand `i`.
    pub fn a(&self, i: usize) -> Result<Arg<'_>> {
        self.v[i].arg()
    }
    /// Operand `i`, a saved tensor.
    pub fn t(&self, i: usize) -> Result<&Tensor> {
        match &self.v[i] {
            Val::T(t) => Ok(t),
            _ => internal("a tensor operand"),
        }
    }
    /// The forward result (rules recorded with `keep_out`).
    pub fn out(&self) -> Result<&Tensor> {
        self.out.as_ref().map_or_else(|| internal("the result"), Ok)
    }
}

enum Keep {
    T(SavedTensor),
    S(Scalar),
    Unsaved,
}

/// Records `out = op(args)` when a tensor operand requires grad. `save` has bit i set for each
/// tensor operand i the rule reads (only those are version-checked), `keep_out` saves the
/// result. `rule` returns one gradient per operand (in any shape that broadcasts to it, any
/// float dtype); they are reduced to each input's shape and dtype here.
pub fn record_op<F>(name: &'static str, args: &[Arg], out: &Tensor, save: u32, keep_out: bool, rule: F)
where
    F: Fn(&Ctx) -> Result<Vec<Option<Tensor>>> + Send + 'static,
{
    let tensors: Vec<&Tensor> = args.iter().filter_map(|a| a.tensor()).collect();
    if !needs_grad(&tensors) {
        return;
    }
    let keep: Vec<Keep> = args
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            Arg::T(t) if save & (1 << i) != 0 => Keep::T(SavedTensor::input(t)),
            Arg::T(_) => Keep::Unsaved,
            Arg::S(s) => Keep::S(*s),
        })
        .collect();
    let need: Vec<bool> = args.iter().map(|a| a.tensor().is_some_and(|t| t.requires_grad())).collect();
    let metas: Vec<Option<(Dims, DType)>> = args.iter().map(|a| a.tensor().map(|t| (t.shape(), t.dtype()))).collect();
    let saved_out = keep_out.then(|| SavedTensor::output(out, 0));
    record(name, &tensors, &[out], move |node, grads| {
        let Some(g) = &grads[0] else { return Ok(vec![None; metas.iter().flatten().count()]) };
        let v = keep
            .iter()
            .map(|k| {
                Ok(match k {
                    Keep::T(s) => Val::T(s.get(node)?),
                    Keep::S(s) => Val::S(*s),
                    Keep::Unsaved => Val::Unsaved,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let out = saved_out.as_ref().map(|s| s.get(node)).transpose()?;
        let ctx = Ctx { v, out, need: need.clone(), g };
        let gs = rule(&ctx)?;
        let mut res = Vec::with_capacity(metas.len());
        for ((meta, gi), &n) in metas.iter().zip(gs).zip(&need) {
            if let Some((shape, dtype)) = meta {
                res.push(match gi {
                    Some(gi) if n => Some(reduce_grad(gi, shape, *dtype)?),
                    _ => None,
                });
            }
        }
        Ok(res)
    });
}

/// Records an op whose result requires grad but whose derivative PyTorch does not implement.
pub fn record_not_differentiable(op: &'static str, args: &[Arg], out: &Tensor) {
    record_op("NotImplemented", args, out, 0, false, move |_| {
        crate::bail!("derivative for aten::{op} is not implemented")
    });
}

/// Records an op whose gradient is zero for every tensor operand (rounding divisions).
pub fn record_zero_grad(name: &'static str, args: &[Arg], out: &Tensor) {
    let n = args.len();
    let zeros: Vec<Option<(Dims, DType)>> = args.iter().map(|a| a.tensor().map(|t| (t.shape(), t.dtype()))).collect();
    record_op(name, args, out, 0, false, move |c| {
        (0..n)
            .map(|i| match (&zeros[i], c.need[i]) {
                (Some((s, d)), true) => Tensor::zeros(s, *d, c.g.device()).map(Some),
                _ => Ok(None),
            })
            .collect()
    });
}

/// `t.to(dtype)` recording a cast-back backward (`ToCopyBackward0`).
pub fn cast_diff(t: &Tensor, dtype: DType) -> Result<Tensor> {
    if t.dtype() == dtype {
        return Ok(t.clone());
    }
    let r = super::super::convert::to(t, None, Some(dtype), false)?;
    let back = t.dtype();
    if needs_grad(&[t]) {
        record("ToCopyBackward0", &[t], &[&r], move |_, g| Ok(vec![g[0].as_ref().map(|g| cast_diff(g, back)).transpose()?]));
    }
    Ok(r)
}
