//! `impl AtgApi for Native`: one line per implemented `atg_*` op, delegating to its family.

use super::arith::{assign_out, binary, binary_scalar, inplace, BinOp};
use super::random::like;
use super::{convert, linalg, reduce, shape, Native};
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::{DType, Device, Scalar, Tensor};

/// In-place view ops (`t_`, `squeeze_`...): `t` takes the view's layout and, when recorded, its history.
fn inplace_view(t: &Tensor, v: Result<Tensor>) -> Result<Tensor> {
    let v = v?;
    t.set_layout(v.layout());
    if v.requires_grad() {
        crate::autograd::graph::take_history(t, &v);
    }
    Ok(t.clone())
}

#[allow(clippy::too_many_arguments)]
impl AtgApi for Native {
    // ---- families that keep their overrides next to their code
    super::unary::atg_unary!();
    super::pointwise::atg_pointwise!();
    super::index::atg_index!();
    super::join::atg_join!();
    super::random::atg_random!();
    super::dropout::atg_dropout!();
    super::aliases::atg_aliases!();
    super::lu::atg_lu!();
    super::cholesky::atg_cholesky!();
    super::spectral::atg_spectral!();
    super::lu_factor::atg_lu_factor!();
    super::matrix_fns::atg_matrix_fns!();
    super::binomial::atg_binomial!();
    super::gamma_grad::atg_gamma_grad!();
    super::distance::atg_distance!();
    super::statistics::atg_statistics!();
    super::reduce::atg_reduce!();
    super::autograd_ops::atg_autograd!();
    super::loss::atg_loss!();
    super::loss_pointwise::atg_loss_pointwise!();
    super::nn::atg_nn!();
    super::layers::atg_layers!();
    super::conv::atg_conv!();
    super::rnn::atg_rnn!();

    // ---- arithmetic
    fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinOp::Add, a, b) }
    fn add_(a: &Tensor, b: &Tensor) -> Result<Tensor> { inplace("add_", a, &[b], |x| binary(BinOp::Add, x, b)) }
    fn add_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { assign_out(out, &binary(BinOp::Add, a, b)?) }
    fn add_scalar(a: &Tensor, s: &Scalar) -> Result<Tensor> { binary_scalar(BinOp::Add, a, s) }
    fn add_scalar_(a: &Tensor, s: &Scalar) -> Result<Tensor> { inplace("add_", a, &[], |x| binary_scalar(BinOp::Add, x, s)) }
    fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinOp::Sub, a, b) }
    fn sub_(a: &Tensor, b: &Tensor) -> Result<Tensor> { inplace("sub_", a, &[b], |x| binary(BinOp::Sub, x, b)) }
    fn sub_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { assign_out(out, &binary(BinOp::Sub, a, b)?) }
    fn sub_scalar(a: &Tensor, s: &Scalar) -> Result<Tensor> { binary_scalar(BinOp::Sub, a, s) }
    fn sub_scalar_(a: &Tensor, s: &Scalar) -> Result<Tensor> { inplace("sub_", a, &[], |x| binary_scalar(BinOp::Sub, x, s)) }
    fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinOp::Mul, a, b) }
    fn mul_(a: &Tensor, b: &Tensor) -> Result<Tensor> { inplace("mul_", a, &[b], |x| binary(BinOp::Mul, x, b)) }
    fn mul_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { assign_out(out, &binary(BinOp::Mul, a, b)?) }
    fn mul_scalar(a: &Tensor, s: &Scalar) -> Result<Tensor> { binary_scalar(BinOp::Mul, a, s) }
    fn mul_scalar_(a: &Tensor, s: &Scalar) -> Result<Tensor> { inplace("mul_", a, &[], |x| binary_scalar(BinOp::Mul, x, s)) }
    fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> { binary(BinOp::Div, a, b) }
    fn div_(a: &Tensor, b: &Tensor) -> Result<Tensor> { inplace("div_", a, &[b], |x| binary(BinOp::Div, x, b)) }
    fn div_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { assign_out(out, &binary(BinOp::Div, a, b)?) }
    fn div_scalar(a: &Tensor, s: &Scalar) -> Result<Tensor> { binary_scalar(BinOp::Div, a, s) }
    fn div_scalar_(a: &Tensor, s: &Scalar) -> Result<Tensor> { inplace("div_", a, &[], |x| binary_scalar(BinOp::Div, x, s)) }
    fn neg(a: &Tensor) -> Result<Tensor> { super::arith::neg(a) }
    fn neg_(a: &Tensor) -> Result<Tensor> { inplace("neg_", a, &[], super::arith::neg) }

    // ---- reductions
    fn sum(a: &Tensor, dtype: Option<DType>) -> Result<Tensor> { reduce::sum(a, None, false, dtype) }
    fn sum_dim_intlist(a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { reduce::sum(a, dims, keepdim, dtype) }
    fn mean(a: &Tensor, dtype: Option<DType>) -> Result<Tensor> { reduce::mean(a, None, false, dtype) }
    fn mean_dim(a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { reduce::mean(a, dims, keepdim, dtype) }

    // ---- linear algebra
    fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> { linalg::matmul(a, b) }
    fn mm(a: &Tensor, b: &Tensor) -> Result<Tensor> { linalg::mm(a, b) }
    fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> { linalg::bmm(a, b) }
    fn linalg_qr(a: &Tensor, mode: &str) -> Result<(Tensor, Tensor)> { super::qr::linalg_qr(a, mode) }
    fn qr(a: &Tensor, some: bool) -> Result<(Tensor, Tensor)> { super::qr::linalg_qr(a, if some { "reduced" } else { "complete" }) }
    fn linalg_qr_out(q: &Tensor, r: &Tensor, a: &Tensor, mode: &str) -> Result<(Tensor, Tensor)> {
        let (qv, rv) = super::qr::linalg_qr(a, mode)?;
        Ok((assign_out(q, &qv)?, assign_out(r, &rv)?))
    }

    // ---- creation
    fn empty(size: &[i64], kind: DType, device: Device) -> Result<Tensor> { Tensor::empty(size, kind, device) }
    fn zeros(size: &[i64], kind: DType, device: Device) -> Result<Tensor> { Tensor::zeros(size, kind, device) }
    fn ones(size: &[i64], kind: DType, device: Device) -> Result<Tensor> { Tensor::ones(size, kind, device) }
    fn full(size: &[i64], v: &Scalar, kind: DType, device: Device) -> Result<Tensor> { Tensor::full(size, *v, kind, device) }
    fn empty_like(a: &Tensor) -> Result<Tensor> { like(a) }
    fn zeros_like(a: &Tensor) -> Result<Tensor> { Tensor::zeros(&a.shape(), a.dtype(), a.device()) }
    fn ones_like(a: &Tensor) -> Result<Tensor> { Tensor::ones(&a.shape(), a.dtype(), a.device()) }
    fn full_like(a: &Tensor, v: &Scalar) -> Result<Tensor> { Tensor::full(&a.shape(), *v, a.dtype(), a.device()) }
    fn arange(end: &Scalar, kind: DType, device: Device) -> Result<Tensor> { Tensor::arange(Scalar::Int(0), *end, Scalar::Int(1), Some(kind), device) }
    fn arange_start(start: &Scalar, end: &Scalar, kind: DType, device: Device) -> Result<Tensor> { Tensor::arange(*start, *end, Scalar::Int(1), Some(kind), device) }
    fn arange_start_step(start: &Scalar, end: &Scalar, step: &Scalar, kind: DType, device: Device) -> Result<Tensor> { Tensor::arange(*start, *end, *step, Some(kind), device) }
    fn linspace(start: &Scalar, end: &Scalar, steps: i64, kind: DType, device: Device) -> Result<Tensor> { Tensor::linspace(start.to_f64(), end.to_f64(), steps, kind, device) }
    fn eye(n: i64, kind: DType, device: Device) -> Result<Tensor> { Tensor::eye(n, n, kind, device) }
    fn eye_m(n: i64, m: i64, kind: DType, device: Device) -> Result<Tensor> { Tensor::eye(n, m, kind, device) }

    // ---- views
    fn view(a: &Tensor, size: &[i64]) -> Result<Tensor> { shape::view(a, size) }
    fn view_as(a: &Tensor, b: &Tensor) -> Result<Tensor> { shape::view(a, &b.shape()) }
    fn reshape(a: &Tensor, size: &[i64]) -> Result<Tensor> { shape::reshape(a, size) }
    fn reshape_as(a: &Tensor, b: &Tensor) -> Result<Tensor> { shape::reshape(a, &b.shape()) }
    fn transpose(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> { shape::transpose(a, d0, d1) }
    fn transpose_(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> { inplace_view(a, shape::transpose(a, d0, d1)) }
    fn t(a: &Tensor) -> Result<Tensor> { shape::t(a) }
    fn t_(a: &Tensor) -> Result<Tensor> { inplace_view(a, shape::t(a)) }
    fn numpy_t(a: &Tensor) -> Result<Tensor> { let n = a.dim() as i64; shape::permute(a, &(0..n).rev().collect::<Vec<_>>()) }
    fn permute(a: &Tensor, dims: &[i64]) -> Result<Tensor> { shape::permute(a, dims) }
    fn narrow(a: &Tensor, dim: i64, start: i64, len: i64) -> Result<Tensor> { shape::narrow(a, dim, start, len) }
    fn slice(a: &Tensor, dim: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Result<Tensor> { shape::slice(a, dim, start, end, step) }
    fn select(a: &Tensor, dim: i64, index: i64) -> Result<Tensor> { shape::select(a, dim, index) }
    fn squeeze(a: &Tensor) -> Result<Tensor> { shape::squeeze(a, None) }
    fn squeeze_dim(a: &Tensor, dim: i64) -> Result<Tensor> { shape::squeeze(a, Some(&[dim])) }
    fn squeeze_dims(a: &Tensor, dims: &[i64]) -> Result<Tensor> { shape::squeeze(a, Some(dims)) }
    fn squeeze_(a: &Tensor) -> Result<Tensor> { inplace_view(a, shape::squeeze(a, None)) }
    fn squeeze_dim_(a: &Tensor, dim: i64) -> Result<Tensor> { inplace_view(a, shape::squeeze(a, Some(&[dim]))) }
    fn unsqueeze(a: &Tensor, dim: i64) -> Result<Tensor> { shape::unsqueeze(a, dim) }
    fn unsqueeze_(a: &Tensor, dim: i64) -> Result<Tensor> { inplace_view(a, shape::unsqueeze(a, dim)) }
    fn expand(a: &Tensor, size: &[i64], _implicit: bool) -> Result<Tensor> { shape::expand(a, size) }
    fn expand_as(a: &Tensor, b: &Tensor) -> Result<Tensor> { shape::expand(a, &b.shape()) }
    fn flatten(a: &Tensor, start: i64, end: i64) -> Result<Tensor> { shape::flatten(a, start, end) }
    fn unflatten(a: &Tensor, dim: i64, sizes: &[i64]) -> Result<Tensor> { shape::unflatten(a, dim, sizes) }
    fn contiguous(a: &Tensor) -> Result<Tensor> { shape::contiguous(a) }
    fn as_strided(a: &Tensor, size: &[i64], stride: &[i64], offset: Option<i64>) -> Result<Tensor> { shape::as_strided(a, size, stride, offset) }
    fn as_strided_(a: &Tensor, size: &[i64], stride: &[i64], offset: Option<i64>) -> Result<Tensor> { inplace_view(a, shape::as_strided(a, size, stride, offset)) }

    // ---- conversion and copies
    fn to(a: &Tensor, device: Device) -> Result<Tensor> { convert::to(a, Some(device), None, false) }
    fn to_dtype(a: &Tensor, dtype: DType, _non_blocking: bool, copy: bool) -> Result<Tensor> { convert::to(a, None, Some(dtype), copy) }
    fn to_device(a: &Tensor, device: Device, dtype: DType, _non_blocking: bool, copy: bool) -> Result<Tensor> { convert::to(a, Some(device), Some(dtype), copy) }
    fn to_dtype_layout(a: &Tensor, kind: DType, device: Device, _non_blocking: bool, copy: bool) -> Result<Tensor> { convert::to(a, Some(device), Some(kind), copy) }
    fn totype(a: &Tensor, dtype: DType) -> Result<Tensor> { convert::to(a, None, Some(dtype), false) }
    fn clone(out: &Tensor, a: &Tensor) -> Result<Tensor> { assign_out(out, &convert::clone(a)?) }
    fn zero_(a: &Tensor) -> Result<Tensor> { convert::fill_(a, Scalar::Int(0)) }
    fn fill_(a: &Tensor, v: &Scalar) -> Result<Tensor> { convert::fill_(a, *v) }
    fn fill_tensor_(a: &Tensor, v: &Tensor) -> Result<Tensor> { convert::fill_tensor_(a, v) }
}
