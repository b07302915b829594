//! Reductions with PyTorch's dims/keepdim/dtype rules: sum, mean.

use crate::cpu::reduce::{reduce_map, sum_dtype, sum_f64, sum_i64};
use crate::error::Result;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Element, Tensor};
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

pub fn sum(t: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
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
    Ok(Tensor::from_data(r))
}
