//! The LU factorization as a result: `linalg_lu_factor(_ex)` (LAPACK's packed LU and 1-based
//! int32 pivots), `lu_unpack` and `linalg_lu` (P, L, U), and `linalg_lu_solve` / `lu_solve`
//! (triangular solves on the packed factors, so gradients reach both LU and B). The factor's
//! own gradient is PyTorch's rule for square matrices.

use super::cholesky::solve_triangular;
use super::lu::{back, factor, mt};
use super::Native as N;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::capi::generated::AtgApi;
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::{DType, Device, Tensor};

/// `linalg_lu_factor_ex(A, pivot, check_errors)`: (LU, pivots, info) of each m x n matrix.
pub fn lu_factor_ex(a: &Tensor, pivot: bool, check_errors: bool, api: &str) -> Result<(Tensor, Tensor, Tensor)> {
    let s = a.shape();
    crate::ensure!(s.len() >= 2, "torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: {s:?} instead");
    crate::ensure!(
        matches!(a.dtype(), DType::F32 | DType::F64),
        "\"lu_cpu\" not implemented for '{}'",
        a.dtype().name()
    );
    crate::ensure!(pivot, "linalg.lu_factor: LU without pivoting is not implemented on the CPU");
    let (m, n) = (s[s.len() - 2] as usize, s[s.len() - 1] as usize);
    let k = m.min(n);
    let batch = &s[..s.len() - 2];
    let x = to_contiguous_dtype(&a.data(), DType::F64)?;
    let src = unsafe { x.as_slice::<f64>() };
    let count = batch.iter().product::<i64>() as usize;
    let (mut lus, mut pivs, mut infos) = (Vec::new(), Vec::new(), Vec::new());
    for b in 0..count {
        let lu = factor(src[b * m * n..(b + 1) * m * n].to_vec(), m, n);
        if let (true, Some(z)) = (check_errors, lu.zero) {
            let which = if batch.is_empty() { String::new() } else { format!(": (Batch element {b})") };
            crate::bail!(
                "{api}{which}: U[{z},{z}] is zero and using it on lu_solve would result in a division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
            );
        }
        pivs.extend(lu.piv.iter().map(|&p| p as i32 + 1));
        infos.push(lu.zero.unwrap_or(0) as i32);
        lus.extend(lu.w);
    }
    let lu = back(lus, &s, a.dtype())?;
    let piv_shape: Vec<i64> = batch.iter().copied().chain([k as i64]).collect();
    let pivots = Tensor::from_vec(pivs, &piv_shape)?;
    if needs_grad(&[a]) {
        let (slu, sp) = (SavedTensor::output(&lu, 0), pivots.clone());
        record("LinalgLuFactorExBackward0", &[a], &[&lu], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            crate::ensure!(m == n, "the derivative of linalg_lu_factor for {m} by {n} (not square) matrices is not implemented");
            let (p, l, u) = unpack(&slu.get(node)?, &sp, true, true)?;
            Ok(vec![Some(lu_backward(&N::tril(g, -1)?, &N::triu(g, 0)?, &p, &l, &u)?)])
        });
    }
    Ok((lu, pivots, Tensor::from_vec(infos, batch)?))
}

/// PyTorch's `linalg_lu_backward` for square A = P L U:
/// `gA = P L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H`.
fn lu_backward(gl: &Tensor, gu: &Tensor, p: &Tensor, l: &Tensor, u: &Tensor) -> Result<Tensor> {
    let inner = N::add(&N::tril(&N::matmul(&mt(l)?, gl)?, -1)?, &N::triu(&N::matmul(gu, &mt(u)?)?, 0)?)?;
    let x = solve_triangular(&mt(l)?, &inner, true, true, true)?;
    let x = solve_triangular(&mt(u)?, &x, false, false, false)?;
    N::matmul(p, &x)
}

/// The permutation matrices of 1-based LAPACK pivots (`pivots` of shape (*, k)) for m rows:
/// `A = P L U`.
fn permutation(pivots: &Tensor, m: usize, dt: DType, device: Device) -> Result<Tensor> {
    let ps = pivots.shape();
    let k = *ps.last().unwrap_or(&0) as usize;
    let piv = pivots.to_vec::<i64>()?;
    let count = ps[..ps.len().saturating_sub(1)].iter().product::<i64>() as usize;
    let mut out = vec![0.0; count * m * m];
    for b in 0..count {
        let mut perm: Vec<usize> = (0..m).collect();
        for j in 0..k {
            let t = piv[b * k + j];
            crate::ensure!(
                t >= 1 && t as usize <= m,
                "lu_unpack: pivots must hold row numbers from 1 to {m}, but got {t}"
            );
            perm.swap(j, t as usize - 1);
        }
        for (i, &r) in perm.iter().enumerate() {
            out[b * m * m + r * m + i] = 1.0;
        }
    }
    let shape: Vec<i64> = ps[..ps.len() - 1].iter().copied().chain([m as i64, m as i64]).collect();
    super::convert::to(&Tensor::from_vec(out, &shape)?, Some(device), Some(dt), false)
}

/// `lu_unpack(LU, pivots)`: P (m x m), L (m x k, unit lower) and U (k x n), each an empty
/// tensor when not asked for. L and U are differentiable functions of LU.
pub fn unpack(lu: &Tensor, pivots: &Tensor, data: bool, pivots_too: bool) -> Result<(Tensor, Tensor, Tensor)> {
    let s = lu.shape();
    crate::ensure!(s.len() >= 2, "torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: {s:?} instead");
    let (m, n) = (s[s.len() - 2], s[s.len() - 1]);
    let k = m.min(n);
    let empty = || Tensor::empty(&[0], lu.dtype(), lu.device());
    let (l, u) = if data {
        let eye = N::eye_m(m, k, lu.dtype(), lu.device())?;
        let l = N::add(&N::tril(&N::narrow(lu, -1, 0, k)?, -1)?, &eye)?;
        (l, N::triu(&N::narrow(lu, -2, 0, k)?, 0)?)
    } else {
        (empty()?, empty()?)
    };
    let p = if pivots_too { permutation(pivots, m as usize, lu.dtype(), lu.device())? } else { empty()? };
    Ok((p, l, u))
}

/// `linalg_lu(A)`: P, L, U with A = P L U.
pub fn lu(a: &Tensor, pivot: bool) -> Result<(Tensor, Tensor, Tensor)> {
    let (lu, piv, _) = lu_factor_ex(a, pivot, false, "torch.linalg.lu")?;
    unpack(&lu, &piv, true, true)
}

/// `linalg_lu_solve(LU, pivots, B, left, adjoint)`: X with `A X = B` (`A^H X = B` when
/// `adjoint`; `X A = B` or `X A^H = B` when not `left`) for `A = P L U`.
pub fn lu_solve(lu: &Tensor, pivots: &Tensor, b: &Tensor, left: bool, adjoint: bool) -> Result<Tensor> {
    let s = lu.shape();
    crate::ensure!(s.len() >= 2, "torch.linalg.lu_solve: Expected tensor with 2 or more dimensions. Got size: {s:?} instead");
    let (m, n) = (s[s.len() - 2], s[s.len() - 1]);
    crate::ensure!(m == n, "torch.linalg.lu_solve: A must be batches of square matrices, but they are {m} by {n} matrices");
    crate::ensure!(b.dim() >= 2, "torch.linalg.lu_solve: Expected B to have at least 2 dimensions, but it has {} dimensions instead", b.dim());
    if !left {
        // X A = B  <=>  A^H X^H = B^H (and X A^H = B  <=>  A X^H = B^H)
        return mt(&lu_solve(lu, pivots, &mt(b)?, true, !adjoint)?);
    }
    let br = b.shape()[b.dim() - 2];
    crate::ensure!(
        br == n,
        "linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and {br}x{})",
        b.shape()[b.dim() - 1]
    );
    let (p, l, u) = unpack(lu, pivots, true, true)?;
    if adjoint {
        // U^T L^T P^T X = B
        let y = solve_triangular(&mt(&u)?, b, false, true, false)?;
        let y = solve_triangular(&mt(&l)?, &y, true, true, true)?;
        return N::matmul(&p, &y);
    }
    let y = N::matmul(&mt(&p)?, b)?;
    let y = solve_triangular(&l, &y, false, true, true)?;
    solve_triangular(&u, &y, true, true, false)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_lu_factor {
    () => {
        fn linalg_lu_factor_ex(a: &Tensor, pivot: bool, check_errors: bool) -> Result<(Tensor, Tensor, Tensor)> {
            $crate::ops::lu_factor::lu_factor_ex(a, pivot, check_errors, "torch.linalg.lu_factor_ex")
        }
        fn linalg_lu_factor(a: &Tensor, pivot: bool) -> Result<(Tensor, Tensor)> {
            let (lu, piv, _) = $crate::ops::lu_factor::lu_factor_ex(a, pivot, true, "torch.linalg.lu_factor")?;
            Ok((lu, piv))
        }
        fn linalg_lu(a: &Tensor, pivot: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::lu_factor::lu(a, pivot) }
        fn lu_unpack(lu: &Tensor, piv: &Tensor, data: bool, pivots: bool) -> Result<(Tensor, Tensor, Tensor)> {
            $crate::ops::lu_factor::unpack(lu, piv, data, pivots)
        }
        fn linalg_lu_solve(lu: &Tensor, piv: &Tensor, b: &Tensor, left: bool, adjoint: bool) -> Result<Tensor> {
            $crate::ops::lu_factor::lu_solve(lu, piv, b, left, adjoint)
        }
        fn lu_solve(b: &Tensor, lu: &Tensor, piv: &Tensor) -> Result<Tensor> { $crate::ops::lu_factor::lu_solve(lu, piv, b, true, false) }
    };
}
pub(crate) use atg_lu_factor;
