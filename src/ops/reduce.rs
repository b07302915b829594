//! Reductions with PyTorch's dims/keepdim/dtype rules: sum, mean.

use crate::cpu::reduce::{reduce_map, sum_dtype, sum_f64, sum_i64};
use super::arith::{binary_scalar, BinOp};
use super::shape;
use crate::autograd::{needs_grad, record};
use crate::error::Result;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Element, Scalar, Tensor};
use crate::with_dtype;

/// Wraps and de-duplicates reduction dims (an absent or empty list means all dims).
pub fn reduction_dims(op: &str, t: &Tensor, dims: Option<&[i64]>) -> Result<Vec<usize>> {
    let nd = t.dim();
    let mut out = Vec::new();
    for &d in dims.unwrap_or(&[]) {
        let w = wrap_dim(d, nd)?;
        if out.contains(&w) {
            crate::bail!("{op}: dim {w} appears multiple times in the list of dims");
        }
        if nd > 0 {
            out.push(w);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Backward of a reduction: `g` broadcast back to the input's shape (reduced dims restored).
fn expand_back(g: &Tensor, in_shape: &[i64], dims: &[usize], keepdim: bool) -> Result<Tensor> {
    let mut g = g.clone();
    if !keepdim {
        let all: Vec<usize> = if dims.is_empty() { (0..in_shape.len()).collect() } else { dims.to_vec() };
        for &d in &all {
            g = shape::unsqueeze(&g, d as i64)?;
        }
    }
    shape::expand(&g, in_shape)
}

fn record_reduction(name: &'static str, t: &Tensor, out: &Tensor, dims: Vec<usize>, keepdim: bool, scale: f64) {
    if !needs_grad(&[t]) {
        return;
    }
    let (in_shape, in_dtype) = (t.shape(), t.dtype());
    record(name, &[t], &[out], move |_, g| {
        let Some(g) = &g[0] else { return Ok(vec![None]) };
        let mut r = expand_back(g, &in_shape, &dims, keepdim)?;
        if scale != 1.0 {
            r = binary_scalar(BinOp::Mul, &r, &Scalar::Float(scale))?;
        }
        if r.dtype() != in_dtype {
            r = super::convert::to(&r, None, Some(in_dtype), false)?;
        }
        Ok(vec![Some(r)])
    });
}

pub fn sum(t: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let out = sum_values(t, dims, keepdim, dtype)?;
    let wd = reduction_dims("sum", t, dims)?;
    record_reduction("SumBackward1", t, &out, wd, keepdim, 1.0);
    Ok(out)
}

fn sum_values(t: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let dims = reduction_dims("sum", t, dims)?;
    let out_dtype = dtype.unwrap_or_else(|| sum_dtype(t.dtype()));
    let d = t.data();
    let r = if out_dtype.is_float() {
        with_dtype!(out_dtype, U, { reduce_map::<U, U>(&d, &dims, keepdim, |xs| U::from_f64(sum_f64(xs)))? })
    } else {
        with_dtype!(out_dtype, U, { reduce_map::<i64, U>(&d, &dims, keepdim, |xs| U::from_i64(sum_i64(xs)))? })
    };
    Ok(Tensor::from_data(r))
}

pub fn mean(t: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let out_dtype = dtype.unwrap_or(t.dtype());
    if !out_dtype.is_float() {
        crate::bail!(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
            out_dtype.name()
        );
    }
    let wdims = reduction_dims("mean", t, dims)?;
    let shape = t.shape();
    let count: usize = if wdims.is_empty() {
        shape.iter().product::<i64>() as usize
    } else {
        wdims.iter().map(|&d| shape[d] as usize).product()
    };
    let d = t.data();
    let r = with_dtype!(out_dtype, U, {
        reduce_map::<U, U>(&d, &wdims, keepdim, |xs| U::from_f64(sum_f64(xs) / count as f64))?
    });
    let out = Tensor::from_data(r);
    record_reduction("MeanBackward1", t, &out, wdims, keepdim, 1.0 / count.max(1) as f64);
    Ok(out)
}

/// The `atg_*` overrides of this family beyond sum and mean, expanded inside `impl AtgApi for Native`.
macro_rules! atg_reduce {
    () => {};
}
pub(crate) use atg_reduce;
