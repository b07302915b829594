//! Distances and products between vectors composed from ops (their gradients follow from the
//! ops'): dist, cdist, pdist, pairwise_distance, cosine_similarity, triplet_margin_loss, kron,
//! cross / linalg_cross.

use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::ops::reduce::norm::vector_norm;
use crate::tensor::{Scalar, Tensor};

/// `||a - b||_p` over all elements.
pub fn dist(a: &Tensor, b: &Tensor, p: f64) -> Result<Tensor> {
    vector_norm(&N::sub(a, b)?, p, None, false, None)
}

/// The p-norm distances between the rows of `x1` (.., P, M) and of `x2` (.., R, M): (.., P, R).
pub fn cdist(x1: &Tensor, x2: &Tensor, p: f64) -> Result<Tensor> {
    let (s1, s2) = (x1.shape(), x2.shape());
    crate::ensure!(s1.len() >= 2, "cdist only supports at least 2D tensors, X1 got: {}D", s1.len());
    crate::ensure!(s2.len() >= 2, "cdist only supports at least 2D tensors, X2 got: {}D", s2.len());
    crate::ensure!(
        s1[s1.len() - 1] == s2[s2.len() - 1],
        "X1 and X2 must have the same number of columns. X1: {} X2: {}",
        s1[s1.len() - 1],
        s2[s2.len() - 1]
    );
    crate::ensure!(p >= 0.0, "cdist only supports non-negative p values");
    crate::ensure!(x1.dtype().is_float(), "cdist only supports floating-point dtypes, X1 got: {}", x1.dtype().name());
    let diff = N::sub(&N::unsqueeze(x1, -2)?, &N::unsqueeze(x2, -3)?)?;
    vector_norm(&diff, p, Some(&[-1]), false, None)
}

/// The distances between all pairs of rows of an N x M matrix (the upper triangle of cdist,
/// row by row).
pub fn pdist(x: &Tensor, p: f64) -> Result<Tensor> {
    crate::ensure!(x.dim() == 2, "pdist only supports 2D tensors, got: {}D", x.dim());
    crate::ensure!(p >= 0.0, "pdist only supports non-negative p values");
    let n = x.shape()[0];
    let (mut rows, mut cols) = (vec![], vec![]);
    for i in 0..n {
        for j in i + 1..n {
            rows.push(i);
            cols.push(j);
        }
    }
    let len = rows.len() as i64;
    let (ri, ci) = (Tensor::from_vec(rows, &[len])?, Tensor::from_vec(cols, &[len])?);
    let diff = N::sub(&N::index_select(x, 0, &ri)?, &N::index_select(x, 0, &ci)?)?;
    vector_norm(&diff, p, Some(&[-1]), false, None)
}

/// `||x1 - x2 + eps||_p` along the last dimension of the broadcast operands.
pub fn pairwise_distance(x1: &Tensor, x2: &Tensor, p: f64, eps: f64, keepdim: bool) -> Result<Tensor> {
    let d = x1.dim().max(x2.dim());
    let diff = N::add_scalar(&N::sub(x1, x2)?, &Scalar::Float(eps))?;
    if d == 0 {
        return vector_norm(&diff, p, None, keepdim, None);
    }
    vector_norm(&diff, p, Some(&[d as i64 - 1]), keepdim, None)
}

/// Σ (x1 / max(||x1||, eps)) (x2 / max(||x2||, eps)) along `dim` of the broadcast operands.
pub fn cosine_similarity(x1: &Tensor, x2: &Tensor, dim: i64, eps: f64) -> Result<Tensor> {
    let unit = |x: &Tensor| -> Result<Tensor> {
        let x = if x.dtype().is_float() { x.clone() } else { N::totype(x, crate::tensor::DType::F32)? };
        let n = N::clamp_min(&vector_norm(&x, 2.0, Some(&[dim]), true, None)?, &Scalar::Float(eps))?;
        N::div(&x, &n)
    };
    let shape = crate::tensor::layout::broadcast_shapes(&x1.shape(), &x2.shape())?;
    let (a, b) = (N::expand(x1, &shape, false)?, N::expand(x2, &shape, false)?);
    super::reduce::sum(&N::mul(&unit(&a)?, &unit(&b)?)?, Some(&[dim]), false, None)
}

/// max(d(a, p) - d(a, n) + margin, 0), with d(a, n) replaced by min(d(a, n), d(p, n)) when
/// `swap`, reduced.
#[allow(clippy::too_many_arguments)]
pub fn triplet_margin_loss(
    anchor: &Tensor,
    positive: &Tensor,
    negative: &Tensor,
    margin: f64,
    p: f64,
    eps: f64,
    swap: bool,
    reduction: i64,
) -> Result<Tensor> {
    let (da, dp, dn) = (anchor.dim(), positive.dim(), negative.dim());
    crate::ensure!(
        da == dp && dp == dn,
        "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: anchor {da}D, positive {dp}D, and negative {dn}D inputs"
    );
    let d_pos = pairwise_distance(anchor, positive, p, eps, false)?;
    let mut d_neg = pairwise_distance(anchor, negative, p, eps, false)?;
    if swap {
        d_neg = N::minimum(&d_neg, &pairwise_distance(positive, negative, p, eps, false)?)?;
    }
    let l = N::clamp_min(&N::add_scalar(&N::sub(&d_pos, &d_neg)?, &Scalar::Float(margin))?, &Scalar::Float(0.0))?;
    super::loss::reduce(&l, reduction)
}

/// The Kronecker product: block (i, j, ..) of the result is `a[i, j, ..] * b`.
pub fn kron(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let nd = a.dim().max(b.dim());
    let pad = |s: &[i64]| -> Vec<i64> { std::iter::repeat_n(1, nd - s.len()).chain(s.iter().copied()).collect() };
    let (sa, sb) = (pad(&a.shape()), pad(&b.shape()));
    // a as (a0, 1, a1, 1, ..), b as (1, b0, 1, b1, ..): their product interleaves the dimensions
    let ra: Vec<i64> = sa.iter().flat_map(|&n| [n, 1]).collect();
    let rb: Vec<i64> = sb.iter().flat_map(|&n| [1, n]).collect();
    let prod = N::mul(&N::reshape(a, &ra)?, &N::reshape(b, &rb)?)?;
    let out: Vec<i64> = sa.iter().zip(&sb).map(|(x, y)| x * y).collect();
    N::reshape(&prod, &out)
}

/// The cross product of 3-vectors along `dim` of the broadcast operands.
pub fn linalg_cross(a: &Tensor, b: &Tensor, dim: i64) -> Result<Tensor> {
    let shape = crate::tensor::layout::broadcast_shapes(&a.shape(), &b.shape())?;
    let nd = shape.len() as i64;
    crate::ensure!(
        dim >= -nd && dim < nd,
        "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
        -nd,
        nd - 1
    );
    let d = if dim < 0 { dim + nd } else { dim };
    let (la, lb) = (size_at(&a.shape(), d, nd), size_at(&b.shape(), d, nd));
    crate::ensure!(
        la == 3 && lb == 3,
        "linalg.cross: inputs dimension {dim} must have length 3. Got {la} and {lb}"
    );
    let (a, b) = (N::expand(a, &shape, false)?, N::expand(b, &shape, false)?);
    let at = |t: &Tensor, i: i64| N::narrow(t, d, i, 1);
    let comp = |i: i64, j: i64| -> Result<Tensor> {
        N::sub(&N::mul(&at(&a, i)?, &at(&b, j)?)?, &N::mul(&at(&a, j)?, &at(&b, i)?)?)
    };
    N::cat(&[comp(1, 2)?, comp(2, 0)?, comp(0, 1)?], d)
}

/// The size of dimension `d` of `s` right-aligned within `nd` dimensions (1 when absent).
fn size_at(s: &[i64], d: i64, nd: i64) -> i64 {
    let off = nd - s.len() as i64;
    if d >= off { s[(d - off) as usize] } else { 1 }
}

/// `torch.cross` with no dimension: the first dimension of size 3.
pub fn cross(a: &Tensor, b: &Tensor, dim: Option<i64>) -> Result<Tensor> {
    match dim {
        Some(d) => linalg_cross(a, b, d),
        None => {
            let shape = crate::tensor::layout::broadcast_shapes(&a.shape(), &b.shape())?;
            let Some(d) = shape.iter().position(|&n| n == 3) else {
                crate::bail!("no dimension of size 3 in input");
            };
            linalg_cross(a, b, d as i64)
        }
    }
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_distance {
    () => {
        fn dist(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::distance::dist(a, b, 2.0) }
        fn cdist(a: &Tensor, b: &Tensor, p: f64, _mode: Option<i64>) -> Result<Tensor> { $crate::ops::distance::cdist(a, b, p) }
        fn pdist(a: &Tensor, p: f64) -> Result<Tensor> { $crate::ops::distance::pdist(a, p) }
        fn pairwise_distance(a: &Tensor, b: &Tensor, p: f64, eps: f64, keepdim: bool) -> Result<Tensor> {
            $crate::ops::distance::pairwise_distance(a, b, p, eps, keepdim)
        }
        fn cosine_similarity(a: &Tensor, b: &Tensor, dim: i64, eps: f64) -> Result<Tensor> {
            $crate::ops::distance::cosine_similarity(a, b, dim, eps)
        }
        fn triplet_margin_loss(a: &Tensor, p: &Tensor, n: &Tensor, margin: f64, norm: f64, eps: f64, swap: bool, reduction: i64) -> Result<Tensor> {
            $crate::ops::distance::triplet_margin_loss(a, p, n, margin, norm, eps, swap, reduction)
        }
        fn kron(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::distance::kron(a, b) }
        fn kron_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::distance::kron(a, b)?) }
        fn cross(a: &Tensor, b: &Tensor, dim: Option<i64>) -> Result<Tensor> { $crate::ops::distance::cross(a, b, dim) }
        fn cross_out(out: &Tensor, a: &Tensor, b: &Tensor, dim: Option<i64>) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::distance::cross(a, b, dim)?)
        }
        fn linalg_cross(a: &Tensor, b: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::distance::linalg_cross(a, b, dim) }
        fn linalg_cross_out(out: &Tensor, a: &Tensor, b: &Tensor, dim: i64) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::distance::linalg_cross(a, b, dim)?)
        }
    };
}
pub(crate) use atg_distance;
