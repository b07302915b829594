//! Functions of (batches of) square matrices: integer powers (`matrix_power`, products in
//! PyTorch's order) and the exponential (`matrix_exp`: scaling and squaring with the degree-13
//! Padé approximant, Higham 2005, in f64 for f32 and f64 inputs), with gradients: the powers'
//! through their products, the exponential's the Fréchet derivative read off the exponential
//! of the block matrix `[[A^T, G], [0, A^T]]` (as PyTorch computes it), itself differentiable.

use super::lu::{back, factor, mt};
use super::Native as N;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::capi::generated::AtgApi;
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::{DType, Tensor};

/// The Padé(13) numerator / denominator coefficients.
const B: [f64; 14] = [
    64_764_752_532_480_000.0,
    32_382_376_266_240_000.0,
    7_771_770_303_897_600.0,
    1_187_353_796_428_800.0,
    129_060_195_264_000.0,
    10_559_470_521_600.0,
    670_442_572_800.0,
    33_522_128_640.0,
    1_323_241_920.0,
    40_840_800.0,
    960_960.0,
    16_380.0,
    182.0,
    1.0,
];

/// The largest 1-norm for which Padé(13) is accurate to double precision without scaling.
const THETA13: f64 = 5.371_920_351_148_152;

fn mm(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let x = a[i * n + k];
            if x != 0.0 {
                for j in 0..n {
                    c[i * n + j] += x * b[k * n + j];
                }
            }
        }
    }
    c
}

/// `sum_k c_k X_k` plus `c_i` on the diagonal.
fn combine(terms: &[(f64, &[f64])], identity: f64, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for (c, x) in terms {
        out.iter_mut().zip(x.iter()).for_each(|(o, v)| *o += c * v);
    }
    (0..n).for_each(|i| out[i * n + i] += identity);
    out
}

/// exp of one n x n row-major matrix.
fn expm(a: &[f64], n: usize) -> Vec<f64> {
    let norm1 = (0..n).map(|j| (0..n).map(|i| a[i * n + j].abs()).sum::<f64>()).fold(0.0, f64::max);
    if !norm1.is_finite() {
        return vec![f64::NAN; n * n];
    }
    let s = if norm1 > THETA13 { (norm1 / THETA13).log2().ceil() as i32 } else { 0 };
    let scale = 0.5f64.powi(s);
    let a: Vec<f64> = a.iter().map(|x| x * scale).collect();
    let a2 = mm(&a, &a, n);
    let a4 = mm(&a2, &a2, n);
    let a6 = mm(&a4, &a2, n);
    let inner_u = mm(&a6, &combine(&[(B[13], &a6), (B[11], &a4), (B[9], &a2)], 0.0, n), n);
    let u = mm(&a, &combine(&[(1.0, &inner_u), (B[7], &a6), (B[5], &a4), (B[3], &a2)], B[1], n), n);
    let inner_v = mm(&a6, &combine(&[(B[12], &a6), (B[10], &a4), (B[8], &a2)], 0.0, n), n);
    let v = combine(&[(1.0, &inner_v), (B[6], &a6), (B[4], &a4), (B[2], &a2)], B[0], n);
    // (V - U) R = V + U
    let p: Vec<f64> = v.iter().zip(&u).map(|(x, y)| x - y).collect();
    let mut r: Vec<f64> = v.iter().zip(&u).map(|(x, y)| x + y).collect();
    factor(p, n, n).solve(&mut r, n, n);
    for _ in 0..s {
        r = mm(&r, &r, n);
    }
    r
}

/// `matrix_exp(A)` of each square matrix of `a`.
pub fn matrix_exp(a: &Tensor) -> Result<Tensor> {
    let s = a.shape();
    crate::ensure!(
        s.len() >= 2 && s[s.len() - 1] == s[s.len() - 2],
        "linalg.matrix_exp: A must be batches of square matrices, but they are {} by {} matrices",
        if s.len() >= 2 { s[s.len() - 2] } else { 1 },
        s.last().copied().unwrap_or(1)
    );
    crate::ensure!(
        matches!(a.dtype(), DType::F32 | DType::F64),
        "linalg.matrix_exp: Expected a floating point or complex tensor as input. Got {}",
        a.dtype().name()
    );
    let n = s[s.len() - 1] as usize;
    let x = to_contiguous_dtype(&a.data(), DType::F64)?;
    let src = unsafe { x.as_slice::<f64>() };
    let mut out = Vec::with_capacity(src.len());
    if n > 0 {
        src.chunks(n * n).for_each(|m| out.extend(expm(m, n)));
    }
    let e = back(out, &s, a.dtype())?;
    if needs_grad(&[a]) {
        let sa = SavedTensor::input(a);
        record("LinalgMatrixExpBackward0", &[a], &[&e], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(matrix_exp_backward(&sa.get(node)?, g)?)])
        });
    }
    Ok(e)
}

/// The gradient of `matrix_exp` at A for the output gradient G: the top-right block of
/// `exp([[A^T, G], [0, A^T]])`.
pub fn matrix_exp_backward(a: &Tensor, g: &Tensor) -> Result<Tensor> {
    let n = a.shape()[a.dim() - 1];
    let at = mt(a)?;
    let top = N::cat(&[at.clone(), g.clone()], -1)?;
    let bottom = N::cat(&[N::zeros_like(&at)?, at], -1)?;
    let big = matrix_exp(&N::cat(&[top, bottom], -2)?)?;
    N::narrow(&N::narrow(&big, -2, 0, n)?, -1, n, n)
}

/// `linalg_matrix_power(A, n)`: A multiplied by itself n times by binary powering (n = 0 the
/// identity, n < 0 powers of the inverse), as PyTorch orders the products.
pub fn matrix_power(a: &Tensor, n: i64) -> Result<Tensor> {
    let s = a.shape();
    crate::ensure!(
        s.len() >= 2 && s[s.len() - 1] == s[s.len() - 2],
        "linalg.matrix_power: A must be batches of square matrices, but they are {} by {} matrices",
        s.get(s.len().wrapping_sub(2)).copied().unwrap_or(0),
        s.last().copied().unwrap_or(0)
    );
    if n == 0 {
        let eye = N::eye(s[s.len() - 1], a.dtype(), a.device())?;
        return N::contiguous(&N::expand(&eye, &s, false)?);
    }
    let base = if n < 0 { super::lu::inverse(a)? } else { a.clone() };
    let mut k = n.unsigned_abs();
    match k {
        1 => return super::join::misc::copy_of(&base),
        2 => return N::matmul(&base, &base),
        3 => return N::matmul(&N::matmul(&base, &base)?, &base),
        _ => {}
    }
    let (mut z, mut result): (Option<Tensor>, Option<Tensor>) = (None, None);
    while k > 0 {
        let bit = k % 2;
        k /= 2;
        let next = match &z {
            Some(z) => N::matmul(z, z)?,
            None => base.clone(),
        };
        if bit == 1 {
            result = Some(match &result {
                Some(r) => N::matmul(r, &next)?,
                None => next.clone(),
            });
        }
        z = Some(next);
    }
    Ok(result.expect("n > 3 has a set bit"))
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_matrix_fns {
    () => {
        fn matrix_power(a: &Tensor, n: i64) -> Result<Tensor> { $crate::ops::matrix_fns::matrix_power(a, n) }
        fn matrix_power_out(out: &Tensor, a: &Tensor, n: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::matrix_fns::matrix_power(a, n)?) }
        fn linalg_matrix_power(a: &Tensor, n: i64) -> Result<Tensor> { $crate::ops::matrix_fns::matrix_power(a, n) }
        fn linalg_matrix_power_out(out: &Tensor, a: &Tensor, n: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::matrix_fns::matrix_power(a, n)?) }
        fn matrix_exp(a: &Tensor) -> Result<Tensor> { $crate::ops::matrix_fns::matrix_exp(a) }
        fn matrix_exp_backward(a: &Tensor, g: &Tensor) -> Result<Tensor> { $crate::ops::matrix_fns::matrix_exp_backward(a, g) }
        fn linalg_matrix_exp(a: &Tensor) -> Result<Tensor> { $crate::ops::matrix_fns::matrix_exp(a) }
        fn linalg_matrix_exp_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::matrix_fns::matrix_exp(a)?) }
    };
}
pub(crate) use atg_matrix_fns;
