//! Reductions with PyTorch's dims/keepdim/dtype rules: sum and mean here; max/min/arg*,
//! prod, var/std, norms, logsumexp, all/any, cumulative and running ops and softmax in `reduce/`.

pub mod elem;
pub mod fold;
pub mod real;
pub(crate) mod sum;
pub mod minmax;
pub mod stats;
pub mod norm;
pub mod softmax;
pub mod cumulative;
pub mod running;

use crate::cpu::reduce::sum_dtype;
use super::arith::{binary_scalar, BinOp};
use super::shape;
use crate::autograd::{needs_grad, record};
use crate::error::Result;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Scalar, Tensor};

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

/// `g` with the reduced dims of a `keepdim=false` reduction restored as size-1 dims.
pub fn unsqueeze_back(g: &Tensor, ndim: usize, dims: &[usize], keepdim: bool) -> Result<Tensor> {
    let mut g = g.clone();
    if !keepdim {
        let all: Vec<usize> = if dims.is_empty() { (0..ndim).collect() } else { dims.to_vec() };
        for &d in &all {
            g = shape::unsqueeze(&g, d as i64)?;
        }
    }
    Ok(g)
}

/// Backward of a reduction: `g` broadcast back to the input's shape (reduced dims restored).
pub fn expand_back(g: &Tensor, in_shape: &[i64], dims: &[usize], keepdim: bool) -> Result<Tensor> {
    shape::expand(&unsqueeze_back(g, in_shape.len(), dims, keepdim)?, in_shape)
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
    let wd = reduction_dims("sum", t, dims)?;
    let out = sum_over(t, &wd, keepdim, dtype)?;
    record_reduction("SumBackward1", t, &out, wd, keepdim, 1.0);
    Ok(out)
}

fn sum_over(t: &Tensor, dims: &[usize], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let d = t.read();
    let out_dtype = dtype.unwrap_or_else(|| sum_dtype(d.dtype));
    Ok(Tensor::from_data(sum::sum_data(&d, dims, keepdim, out_dtype, 1.0)?))
}

/// The number of elements each output of a reduction over `dims` folds.
pub fn group_size(shape: &[i64], dims: &[usize]) -> usize {
    if dims.is_empty() {
        shape.iter().product::<i64>() as usize
    } else {
        dims.iter().map(|&d| shape[d] as usize).product()
    }
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
    let count = group_size(&t.shape(), &wdims);
    let scale = 1.0 / count as f64;
    let out = Tensor::from_data(sum::sum_data(&t.read(), &wdims, keepdim, out_dtype, scale)?);
    record_reduction("MeanBackward1", t, &out, wdims, keepdim, 1.0 / count.max(1) as f64);
    Ok(out)
}

/// Writes a pair of results into a pair of `out=` tensors.
pub fn assign_pair(o0: &Tensor, o1: &Tensor, r: (Tensor, Tensor)) -> Result<(Tensor, Tensor)> {
    Ok((super::arith::assign_out(o0, &r.0)?, super::arith::assign_out(o1, &r.1)?))
}

/// `sum_to_size`: sums `t` down to a shape it expands from.
pub fn sum_to_size(t: &Tensor, size: &[i64]) -> Result<Tensor> {
    let s = t.shape();
    crate::ensure!(
        t.layout().expand(&s).is_ok() && crate::tensor::Layout::contiguous(size).expand(&s).is_ok(),
        "size {{{}}} is not expandable to size {{{}}}.",
        size.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
        s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
    );
    shape::sum_to(t, size)
}

/// The `atg_*` overrides of this family beyond sum and mean, expanded inside `impl AtgApi for Native`.
macro_rules! atg_reduce {
    () => {
        fn sum_out(out: &Tensor, a: &Tensor, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::sum(a, None, false, dtype)?) }
        fn sum_intlist_out(out: &Tensor, a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::sum(a, dims, keepdim, dtype)?) }
        fn mean_out(out: &Tensor, a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::mean(a, dims, keepdim, dtype)?) }
        fn mean_dtype_out(out: &Tensor, a: &Tensor, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::mean(a, None, false, dtype)?) }
        fn sum_to_size(a: &Tensor, size: &[i64]) -> Result<Tensor> { $crate::ops::reduce::sum_to_size(a, size) }
        fn nansum(a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::stats::nansum(a, dims, keepdim, dtype) }
        fn nansum_out(out: &Tensor, a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::nansum(a, dims, keepdim, dtype)?) }

        fn max(a: &Tensor) -> Result<Tensor> { $crate::ops::reduce::minmax::extreme_all(a, true) }
        fn min(a: &Tensor) -> Result<Tensor> { $crate::ops::reduce::minmax::extreme_all(a, false) }
        fn max_unary_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::minmax::extreme_all(a, true)?) }
        fn min_unary_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::minmax::extreme_all(a, false)?) }
        fn max_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::minmax::extreme_dim(a, dim, keepdim, true) }
        fn min_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::minmax::extreme_dim(a, dim, keepdim, false) }
        fn max_dim_max(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::reduce::minmax::extreme_dim(a, dim, keepdim, true)?) }
        fn min_dim_min(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::reduce::minmax::extreme_dim(a, dim, keepdim, false)?) }
        fn amax(a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::minmax::amax(a, dim, keepdim, true) }
        fn amin(a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::minmax::amax(a, dim, keepdim, false) }
        fn amax_out(out: &Tensor, a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::minmax::amax(a, dim, keepdim, true)?) }
        fn amin_out(out: &Tensor, a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::minmax::amax(a, dim, keepdim, false)?) }
        fn argmax(a: &Tensor, dim: Option<i64>, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::minmax::argext(a, dim, keepdim, true) }
        fn argmin(a: &Tensor, dim: Option<i64>, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::minmax::argext(a, dim, keepdim, false) }
        fn argmax_out(out: &Tensor, a: &Tensor, dim: Option<i64>, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::minmax::argext(a, dim, keepdim, true)?) }
        fn argmin_out(out: &Tensor, a: &Tensor, dim: Option<i64>, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::minmax::argext(a, dim, keepdim, false)?) }
        fn aminmax(a: &Tensor, dim: Option<i64>, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::minmax::aminmax(a, dim, keepdim) }
        fn aminmax_out(lo: &Tensor, hi: &Tensor, a: &Tensor, dim: Option<i64>, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(lo, hi, $crate::ops::reduce::minmax::aminmax(a, dim, keepdim)?) }

        fn prod(a: &Tensor, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::stats::prod(a, None, false, dtype) }
        fn prod_out(out: &Tensor, a: &Tensor, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::prod(a, None, false, dtype)?) }
        fn prod_dim_int(a: &Tensor, dim: i64, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::stats::prod(a, Some(dim), keepdim, dtype) }
        fn prod_int_out(out: &Tensor, a: &Tensor, dim: i64, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::prod(a, Some(dim), keepdim, dtype)?) }

        fn var(a: &Tensor, unbiased: bool) -> Result<Tensor> { $crate::ops::reduce::stats::var(a, None, $crate::ops::reduce::stats::unbiased(unbiased), false) }
        fn var_dim(a: &Tensor, dim: Option<&[i64]>, unbiased: bool, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::var(a, dim, $crate::ops::reduce::stats::unbiased(unbiased), keepdim) }
        fn var_correction(a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::var(a, dim, c.to_f64(), keepdim) }
        fn var_out(out: &Tensor, a: &Tensor, dim: Option<&[i64]>, unbiased: bool, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::var(a, dim, $crate::ops::reduce::stats::unbiased(unbiased), keepdim)?) }
        fn var_correction_out(out: &Tensor, a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::var(a, dim, c.to_f64(), keepdim)?) }
        fn std(a: &Tensor, unbiased: bool) -> Result<Tensor> { $crate::ops::reduce::stats::std(a, None, $crate::ops::reduce::stats::unbiased(unbiased), false) }
        fn std_dim(a: &Tensor, dim: Option<&[i64]>, unbiased: bool, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::std(a, dim, $crate::ops::reduce::stats::unbiased(unbiased), keepdim) }
        fn std_correction(a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::std(a, dim, c.to_f64(), keepdim) }
        fn std_out(out: &Tensor, a: &Tensor, dim: Option<&[i64]>, unbiased: bool, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::std(a, dim, $crate::ops::reduce::stats::unbiased(unbiased), keepdim)?) }
        fn std_correction_out(out: &Tensor, a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::std(a, dim, c.to_f64(), keepdim)?) }
        fn var_mean(a: &Tensor, unbiased: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::stats::var_mean(a, None, $crate::ops::reduce::stats::unbiased(unbiased), false, false) }
        fn var_mean_dim(a: &Tensor, dim: Option<&[i64]>, unbiased: bool, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::stats::var_mean(a, dim, $crate::ops::reduce::stats::unbiased(unbiased), keepdim, false) }
        fn var_mean_correction(a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::stats::var_mean(a, dim, c.to_f64(), keepdim, false) }
        fn var_mean_correction_out(o0: &Tensor, o1: &Tensor, a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(o0, o1, $crate::ops::reduce::stats::var_mean(a, dim, c.to_f64(), keepdim, false)?) }
        fn std_mean(a: &Tensor, unbiased: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::stats::var_mean(a, None, $crate::ops::reduce::stats::unbiased(unbiased), false, true) }
        fn std_mean_dim(a: &Tensor, dim: Option<&[i64]>, unbiased: bool, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::stats::var_mean(a, dim, $crate::ops::reduce::stats::unbiased(unbiased), keepdim, true) }
        fn std_mean_correction(a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::stats::var_mean(a, dim, c.to_f64(), keepdim, true) }
        fn std_mean_correction_out(o0: &Tensor, o1: &Tensor, a: &Tensor, dim: Option<&[i64]>, c: &Scalar, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(o0, o1, $crate::ops::reduce::stats::var_mean(a, dim, c.to_f64(), keepdim, true)?) }

        fn norm(a: &Tensor) -> Result<Tensor> { $crate::ops::reduce::norm::norm(a, None, &[], false, None) }
        fn norm_scalar_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::norm::norm(a, None, &[], false, None)?) }
        fn norm_scalaropt_dim(a: &Tensor, p: &Scalar, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::norm::norm(a, Some(p), dim, keepdim, None) }
        fn norm_scalaropt_dim_dtype(a: &Tensor, p: &Scalar, dim: &[i64], keepdim: bool, dtype: DType) -> Result<Tensor> { $crate::ops::reduce::norm::norm(a, Some(p), dim, keepdim, Some(dtype)) }
        fn norm_scalaropt_dtype(a: &Tensor, p: &Scalar, dtype: DType) -> Result<Tensor> { $crate::ops::reduce::norm::norm(a, Some(p), &[], false, Some(dtype)) }
        fn norm_scalaropt_dtype_out(out: &Tensor, a: &Tensor, p: &Scalar, dtype: DType) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::norm::norm(a, Some(p), &[], false, Some(dtype))?) }
        fn norm_out(out: &Tensor, a: &Tensor, p: &Scalar, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::norm::norm(a, Some(p), dim, keepdim, None)?) }
        fn norm_dtype_out(out: &Tensor, a: &Tensor, p: &Scalar, dim: &[i64], keepdim: bool, dtype: DType) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::norm::norm(a, Some(p), dim, keepdim, Some(dtype))?) }
        fn frobenius_norm(a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::norm::vector_norm(a, 2.0, Some(dim), keepdim, None) }
        fn frobenius_norm_out(out: &Tensor, a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::norm::vector_norm(a, 2.0, Some(dim), keepdim, None)?) }
        fn linalg_norm(a: &Tensor, ord: &Scalar, dim: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::norm::linalg_norm(a, ord.to_f64(), dim, keepdim, dtype) }
        fn linalg_norm_out(out: &Tensor, a: &Tensor, ord: &Scalar, dim: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::norm::linalg_norm(a, ord.to_f64(), dim, keepdim, dtype)?) }
        fn linalg_norm_ord_str(a: &Tensor, ord: &str, dim: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::norm::linalg_norm_str(a, ord, dim, keepdim, dtype) }
        fn linalg_norm_ord_str_out(out: &Tensor, a: &Tensor, ord: &str, dim: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::norm::linalg_norm_str(a, ord, dim, keepdim, dtype)?) }

        fn logsumexp(a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::logsumexp(a, dim, keepdim) }
        fn logsumexp_out(out: &Tensor, a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::logsumexp(a, dim, keepdim)?) }

        fn all(a: &Tensor) -> Result<Tensor> { $crate::ops::reduce::stats::all_any(a, None, false, false) }
        fn all_all_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::all_any(a, None, false, false)?) }
        fn all_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::all_any(a, Some(&[dim]), keepdim, false) }
        fn all_out(out: &Tensor, a: &Tensor, dim: i64, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::all_any(a, Some(&[dim]), keepdim, false)?) }
        fn all_dims(a: &Tensor, dim: Option<&[i64]>, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::all_any(a, dim, keepdim, false) }
        fn all_dims_out(out: &Tensor, a: &Tensor, dim: Option<&[i64]>, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::all_any(a, dim, keepdim, false)?) }
        fn any(a: &Tensor) -> Result<Tensor> { $crate::ops::reduce::stats::all_any(a, None, false, true) }
        fn any_all_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::all_any(a, None, false, true)?) }
        fn any_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::all_any(a, Some(&[dim]), keepdim, true) }
        fn any_out(out: &Tensor, a: &Tensor, dim: i64, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::all_any(a, Some(&[dim]), keepdim, true)?) }
        fn any_dims(a: &Tensor, dim: Option<&[i64]>, keepdim: bool) -> Result<Tensor> { $crate::ops::reduce::stats::all_any(a, dim, keepdim, true) }
        fn any_dims_out(out: &Tensor, a: &Tensor, dim: Option<&[i64]>, keepdim: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::all_any(a, dim, keepdim, true)?) }
        fn count_nonzero(a: &Tensor, dim: Option<i64>) -> Result<Tensor> { $crate::ops::reduce::stats::count_nonzero(a, dim.as_slice()) }
        fn count_nonzero_out(out: &Tensor, a: &Tensor, dim: Option<i64>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::count_nonzero(a, dim.as_slice())?) }
        fn count_nonzero_dim_intlist(a: &Tensor, dim: &[i64]) -> Result<Tensor> { $crate::ops::reduce::stats::count_nonzero(a, dim) }
        fn count_nonzero_dim_intlist_out(out: &Tensor, a: &Tensor, dim: &[i64]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::stats::count_nonzero(a, dim)?) }

        fn cumsum(a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::cumulative::cumsum(a, dim, dtype) }
        fn cumsum_(a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::inplace("cumsum_", a, &[], |x| $crate::ops::reduce::cumulative::cumsum(x, dim, dtype)) }
        fn cumsum_out(out: &Tensor, a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::cumulative::cumsum(a, dim, dtype)?) }
        fn cumprod(a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::cumulative::cumprod(a, dim, dtype) }
        fn cumprod_(a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::inplace("cumprod_", a, &[], |x| $crate::ops::reduce::cumulative::cumprod(x, dim, dtype)) }
        fn cumprod_out(out: &Tensor, a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::cumulative::cumprod(a, dim, dtype)?) }
        fn cumprod_backward(g: &Tensor, input: &Tensor, dim: i64, _output: &Tensor) -> Result<Tensor> { $crate::ops::reduce::cumulative::cumprod_backward(g, input, dim) }
        fn cummax(a: &Tensor, dim: i64) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::running::cumext(a, dim, true) }
        fn cummax_out(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::reduce::running::cumext(a, dim, true)?) }
        fn cummin(a: &Tensor, dim: i64) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::running::cumext(a, dim, false) }
        fn cummin_out(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::reduce::running::cumext(a, dim, false)?) }
        fn cummaxmin_backward(g: &Tensor, _input: &Tensor, i: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::reduce::running::cumext_backward(g, i, dim) }
        fn logcumsumexp(a: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::reduce::running::logcumsumexp(a, dim) }
        fn logcumsumexp_out(out: &Tensor, a: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::running::logcumsumexp(a, dim)?) }

        fn softmax(a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::softmax::softmax(a, dim, dtype, false) }
        fn softmax_int_out(out: &Tensor, a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::softmax::softmax(a, dim, dtype, false)?) }
        fn log_softmax(a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::reduce::softmax::softmax(a, dim, dtype, true) }
        fn log_softmax_int_out(out: &Tensor, a: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::softmax::softmax(a, dim, dtype, true)?) }
        fn _softmax(a: &Tensor, dim: i64, h: bool) -> Result<Tensor> { $crate::ops::reduce::softmax::softmax_impl(a, dim, h, false) }
        fn _softmax_out(out: &Tensor, a: &Tensor, dim: i64, h: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::softmax::softmax_impl(a, dim, h, false)?) }
        fn _log_softmax(a: &Tensor, dim: i64, h: bool) -> Result<Tensor> { $crate::ops::reduce::softmax::softmax_impl(a, dim, h, true) }
        fn _log_softmax_out(out: &Tensor, a: &Tensor, dim: i64, h: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::softmax::softmax_impl(a, dim, h, true)?) }
        fn _softmax_backward_data(g: &Tensor, y: &Tensor, dim: i64, dt: DType) -> Result<Tensor> { $crate::ops::reduce::softmax::softmax_backward(g, y, dim, dt, false) }
        fn _softmax_backward_data_out(out: &Tensor, g: &Tensor, y: &Tensor, dim: i64, dt: DType) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::softmax::softmax_backward(g, y, dim, dt, false)?) }
        fn _log_softmax_backward_data(g: &Tensor, y: &Tensor, dim: i64, dt: DType) -> Result<Tensor> { $crate::ops::reduce::softmax::softmax_backward(g, y, dim, dt, true) }
        fn _log_softmax_backward_data_out(out: &Tensor, g: &Tensor, y: &Tensor, dim: i64, dt: DType) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::reduce::softmax::softmax_backward(g, y, dim, dt, true)?) }
    };
}
pub(crate) use atg_reduce;
