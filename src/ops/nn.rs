//! Layers' ops: linear, addmm-family products, layer/batch/group norm — composed from
//! primitives, so their gradients follow from the primitives'.

use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::{Scalar, Tensor};

fn f(v: f64) -> Scalar {
    Scalar::Float(v)
}

/// `input @ weight^T + bias`.
pub fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    let fused = w.dim() == 2
        && x.dim() >= 1
        && x.shape()[x.dim() - 1] == w.shape()[1]
        && x.dtype() == w.dtype()
        && b.is_none_or(|b| b.dtype() == w.dtype() && b.dim() <= 1);
    if !fused {
        return linear_composed(x, w, b);
    }
    let y = crate::autograd::with_grad_mode(false, || linear_composed(x, w, b))?;
    let mut inputs = vec![x, w];
    inputs.extend(b);
    if crate::autograd::needs_grad(&inputs) {
        record_linear(x, w, b, &y);
    }
    Ok(y)
}

fn linear_composed(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    let y = super::linalg::matmul(x, &super::shape::t(w)?)?;
    match b {
        Some(b) => super::arith::binary(super::arith::BinOp::Add, &y, b),
        None => Ok(y),
    }
}

/// One node for `x @ w^T + b`: the weight's gradient is computed as `g^T @ x`, contiguous in
/// `w`'s layout, so it accumulates into `.grad` without a transposing copy.
fn record_linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>, y: &Tensor) {
    let (rx, rw, rb) = (x.requires_grad(), w.requires_grad(), b.is_some_and(|b| b.requires_grad()));
    let (xs, ws) = (x.clone(), w.clone());
    let b_meta = b.map(|b| (b.shape(), b.dtype()));
    let mut inputs = vec![x, w];
    inputs.extend(b);
    crate::autograd::record("AddmmBackward0", &inputs, &[y], move |_, g| {
        let n_in = if b_meta.is_some() { 3 } else { 2 };
        let Some(g) = &g[0] else { return Ok(vec![None; n_in]) };
        let (out_f, in_f) = (ws.shape()[0], ws.shape()[1]);
        let g2 = super::shape::reshape(g, &[-1, out_f])?;
        let gx = if rx {
            let r = super::linalg::mm(&g2, &ws)?;
            Some(super::shape::reshape(&r, &xs.shape())?)
        } else {
            None
        };
        let gw = if rw {
            let x2 = super::shape::reshape(&xs, &[-1, in_f])?;
            Some(super::linalg::mm(&super::shape::t(&g2)?, &x2)?)
        } else {
            None
        };
        let mut r = vec![gx, gw];
        if let Some((bs, bd)) = &b_meta {
            r.push(if rb { Some(super::shape::grad_to_input(g.clone(), bs, *bd)?) } else { None });
        }
        Ok(r)
    });
}

/// `beta * input + alpha * product`, with PyTorch's rule that beta = 0 ignores input (NaN too).
fn scaled_sum(input: &Tensor, prod: &Tensor, beta: &Scalar, alpha: &Scalar) -> Result<Tensor> {
    let p = if alpha.to_f64() == 1.0 { prod.clone() } else { N::mul_scalar(prod, alpha)? };
    if beta.to_f64() == 0.0 {
        // input is ignored (its NaN and inf too), but still gets its zero gradient
        let finite = if input.dtype().is_float() { N::nan_to_num(input, Some(0.0), Some(0.0), Some(0.0))? } else { input.clone() };
        return N::add(&p, &N::mul_scalar(&finite, &Scalar::Int(0))?);
    }
    let i = if beta.to_f64() == 1.0 { input.clone() } else { N::mul_scalar(input, beta)? };
    N::add(&i, &p)
}

pub fn addmm(input: &Tensor, m1: &Tensor, m2: &Tensor, beta: &Scalar, alpha: &Scalar) -> Result<Tensor> {
    scaled_sum(input, &super::linalg::mm(m1, m2)?, beta, alpha)
}

pub fn mv(m: &Tensor, v: &Tensor) -> Result<Tensor> {
    // PyTorch's mv is addmv on a 1-d result
    crate::ensure!(m.dim() == 2 && v.dim() == 1, "vector + matrix @ vector expected, got 1, {}, {}", m.dim(), v.dim());
    let (dm, dv) = (m.dtype(), v.dtype());
    crate::ensure!(dm == dv, "addmv input tensors must have the same dtype, but got {}, {}, and {}", dv.name(), dm.name(), dv.name());
    if dm == crate::tensor::DType::Bool {
        return Err(crate::ops::unary::kernel::not_for("addmv_impl_cpu", dm));
    }
    let (ms, n) = (m.shape(), v.shape()[0]);
    crate::ensure!(ms[1] == n, "size mismatch, got input ({}), mat ({}x{}), vec ({n})", ms[0], ms[0], ms[1]);
    super::linalg::matmul(m, v)
}

/// `beta * input + alpha * (mat @ vec)`.
pub fn addmv(input: &Tensor, mat: &Tensor, vec: &Tensor, beta: &Scalar, alpha: &Scalar) -> Result<Tensor> {
    crate::ensure!(
        input.dim() <= 1 && mat.dim() == 2 && vec.dim() == 1,
        "vector + matrix @ vector expected, got {}, {}, {}",
        input.dim(),
        mat.dim(),
        vec.dim()
    );
    {
        let (ms, s) = (mat.shape(), input.shape());
        let fits = s.len() <= 1 && s.iter().all(|&d| d == ms[0] || d == 1);
        crate::ensure!(
            fits,
            "size mismatch, got input ({}), mat ({}x{}), vec ({})",
            s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
            ms[0],
            ms[1],
            vec.shape()[0]
        );
    }
    scaled_sum(input, &mv(mat, vec)?, beta, alpha)
}

/// `beta * input + alpha * outer(v1, v2)`.
pub fn addr(input: &Tensor, v1: &Tensor, v2: &Tensor, beta: &Scalar, alpha: &Scalar) -> Result<Tensor> {
    scaled_sum(input, &outer(v1, v2)?, beta, alpha)
}

pub fn dot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    crate::ensure!(
        a.dim() == 1 && b.dim() == 1,
        "1D tensors expected, but got {}D and {}D tensors",
        a.dim(),
        b.dim()
    );
    let (da, db) = (a.dtype(), b.dtype());
    crate::ensure!(da == db, "dot : expected both vectors to have same dtype, but found {} and {}", da.name(), db.name());
    if da == crate::tensor::DType::Bool {
        return Err(crate::ops::unary::kernel::not_for("dot", da));
    }
    crate::ensure!(
        a.numel() == b.numel(),
        "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively",
        a.numel(),
        b.numel(),
        a.numel(),
        b.numel()
    );
    super::linalg::matmul(a, b)
}

pub fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    crate::ensure!(a.dim() == 1 && b.dim() == 1, "outer: expected 1D tensors, got {}D and {}D", a.dim(), b.dim());
    N::mul(&super::shape::unsqueeze(a, 1)?, b)
}

pub fn baddbmm(input: &Tensor, b1: &Tensor, b2: &Tensor, beta: &Scalar, alpha: &Scalar) -> Result<Tensor> {
    scaled_sum(input, &super::linalg::bmm(b1, b2)?, beta, alpha)
}

/// `beta * input + alpha * sum over the batch of b1[i] @ b2[i]`.
pub fn addbmm(input: &Tensor, b1: &Tensor, b2: &Tensor, beta: &Scalar, alpha: &Scalar) -> Result<Tensor> {
    let p = super::reduce::sum(&super::linalg::bmm(b1, b2)?, Some(&[0]), false, None)?;
    scaled_sum(input, &p, beta, alpha)
}

/// Normalizes over `dims` (biased variance), then applies an optional affine.
fn normalize(x: &Tensor, dims: &[i64], eps: f64) -> Result<Tensor> {
    let mean = super::reduce::mean(x, Some(dims), true, None)?;
    let centered = N::sub(x, &mean)?;
    let var = super::reduce::mean(&N::mul(&centered, &centered)?, Some(dims), true, None)?;
    N::div(&centered, &N::sqrt(&N::add_scalar(&var, &f(eps))?)?)
}

/// Reshapes a per-channel vector to broadcast along dim 1 of an n-d input.
pub(super) fn per_channel(v: &Tensor, ndim: usize) -> Result<Tensor> {
    let mut shape = vec![1i64; ndim];
    shape[1] = -1;
    super::shape::reshape(v, &shape)
}

pub fn group_norm(x: &Tensor, groups: i64, w: Option<&Tensor>, b: Option<&Tensor>, eps: f64) -> Result<Tensor> {
    let xs = x.shape();
    crate::ensure!(xs.len() >= 2, "group_norm: expected at least 2D input, got {:?}", &xs[..]);
    let (n, c) = (xs[0], xs[1]);
    crate::ensure!(
        groups > 0 && c % groups == 0,
        "Expected number of channels in input to be divisible by num_groups, but got input of shape {:?} and num_groups={groups}",
        &xs[..]
    );
    let g = super::shape::reshape(x, &[n, groups, -1])?;
    let y = super::shape::reshape(&normalize(&g, &[2], eps)?, &xs)?;
    let mut y = y;
    if let Some(w) = w {
        y = N::mul(&y, &per_channel(w, xs.len())?)?;
    }
    if let Some(b) = b {
        y = N::add(&y, &per_channel(b, xs.len())?)?;
    }
    Ok(y)
}

macro_rules! atg_nn {
    () => {
        fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> { $crate::ops::nn::linear(x, w, b) }
        fn addmm(i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::nn::addmm(i, a, b, &Scalar::Int(1), &Scalar::Int(1)) }
        fn mv(m: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::nn::mv(m, v) }
        fn dot(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::nn::dot(a, b) }
        fn vdot(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::nn::dot(a, b) }
        fn inner(a: &Tensor, b: &Tensor) -> Result<Tensor> {
            if a.dim() == 0 || b.dim() == 0 { return $crate::ops::arith::binary($crate::ops::arith::BinOp::Mul, a, b); }
            $crate::ops::linalg::matmul(a, &$crate::ops::shape::transpose(b, -1, -2).or_else(|_| Ok::<_, $crate::error::Error>(b.clone()))?)
        }
        fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::nn::outer(a, b) }
        fn ger(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::nn::outer(a, b) }
        fn baddbmm(i: &Tensor, a: &Tensor, b: &Tensor, beta: &Scalar, alpha: &Scalar) -> Result<Tensor> { $crate::ops::nn::baddbmm(i, a, b, beta, alpha) }
        fn addbmm(i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::nn::addbmm(i, a, b, &Scalar::Int(1), &Scalar::Int(1)) }
        fn addbmm_(i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("addbmm_", i, &[a, b], |x| $crate::ops::nn::addbmm(x, a, b, &Scalar::Int(1), &Scalar::Int(1))) }
        fn addbmm_out(out: &Tensor, i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::nn::addbmm(i, a, b, &Scalar::Int(1), &Scalar::Int(1))?) }
        fn addmm_(i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("addmm_", i, &[a, b], |x| $crate::ops::nn::addmm(x, a, b, &Scalar::Int(1), &Scalar::Int(1))) }
        fn addmm_out(out: &Tensor, i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::nn::addmm(i, a, b, &Scalar::Int(1), &Scalar::Int(1))?) }
        fn addmv(i: &Tensor, m: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::nn::addmv(i, m, v, &Scalar::Int(1), &Scalar::Int(1)) }
        fn addmv_(i: &Tensor, m: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("addmv_", i, &[m, v], |x| $crate::ops::nn::addmv(x, m, v, &Scalar::Int(1), &Scalar::Int(1))) }
        fn addmv_out(out: &Tensor, i: &Tensor, m: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::nn::addmv(i, m, v, &Scalar::Int(1), &Scalar::Int(1))?) }
        fn addr(i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::nn::addr(i, a, b, &Scalar::Int(1), &Scalar::Int(1)) }
        fn addr_(i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("addr_", i, &[a, b], |x| $crate::ops::nn::addr(x, a, b, &Scalar::Int(1), &Scalar::Int(1))) }
        fn addr_out(out: &Tensor, i: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::nn::addr(i, a, b, &Scalar::Int(1), &Scalar::Int(1))?) }
        fn layer_norm(x: &Tensor, shape: &[i64], w: Option<&Tensor>, b: Option<&Tensor>, eps: f64, _cudnn: bool) -> Result<Tensor> {
            $crate::ops::layer_norm::layer_norm(x, shape, w, b, eps)
        }
        fn native_layer_norm(x: &Tensor, shape: &[i64], w: Option<&Tensor>, b: Option<&Tensor>, eps: f64) -> Result<(Tensor, Tensor, Tensor)> {
            $crate::ops::layer_norm::native_layer_norm(x, shape, w, b, eps)
        }
        fn batch_norm(x: &Tensor, w: Option<&Tensor>, b: Option<&Tensor>, rm: Option<&Tensor>, rv: Option<&Tensor>, training: bool, momentum: f64, eps: f64, _cudnn: bool) -> Result<Tensor> {
            $crate::ops::batch_norm::batch_norm(x, w, b, rm, rv, training, momentum, eps)
        }
        fn group_norm(x: &Tensor, groups: i64, w: Option<&Tensor>, b: Option<&Tensor>, eps: f64, _cudnn: bool) -> Result<Tensor> {
            $crate::ops::nn::group_norm(x, groups, w, b, eps)
        }
    };
}
pub(crate) use atg_nn;
