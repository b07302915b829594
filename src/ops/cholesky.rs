//! Triangular solves and the Cholesky family: linalg_solve_triangular / triangular_solve,
//! cholesky / linalg_cholesky(_ex), cholesky_solve, cholesky_inverse, on batches of f32/f64
//! matrices computed in f64, with gradients written in differentiable ops
//! (so gradients of gradients work too), as PyTorch's derivatives.yaml gives them.

use super::lu::{back, mt};
use super::Native as N;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::capi::generated::AtgApi;
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::layout::broadcast_shapes;
use crate::tensor::{DType, Scalar, Tensor};

/// Checks `a` is a batch of square matrices of a dtype LAPACK takes; returns n.
fn square(op: &str, a: &Tensor, name: &str) -> Result<usize> {
    let s = a.shape();
    crate::ensure!(s.len() >= 2, "{op}: The input tensor {name} must have at least 2 dimensions.");
    let (r, c) = (s[s.len() - 2], s[s.len() - 1]);
    crate::ensure!(r == c, "{op}: {name} must be batches of square matrices, but they are {r} by {c} matrices");
    match a.dtype() {
        DType::F32 | DType::F64 => Ok(r as usize),
        DType::F16 | DType::BF16 => crate::bail!("{op}: Low precision dtypes not supported. Got {}", a.dtype().name()),
        d => crate::bail!("{op}: Expected a floating point or complex tensor as input. Got {}", d.name()),
    }
}

/// `t` in f64, contiguous, as a vector.
fn f64s(t: &Tensor) -> Result<Vec<f64>> {
    let x = to_contiguous_dtype(&t.data(), DType::F64)?;
    Ok(unsafe { x.as_slice::<f64>() }.to_vec())
}

/// Solves `L X = B` (L lower triangular n x n, B n x k, both row-major) in place in `b`,
/// reading only L's lower triangle (its diagonal as ones when `unit`).
pub(crate) fn forward_subst(l: &[f64], b: &mut [f64], n: usize, k: usize, unit: bool) {
    for i in 0..n {
        for j in 0..i {
            let f = l[i * n + j];
            if f != 0.0 {
                for c in 0..k {
                    b[i * k + c] -= f * b[j * k + c];
                }
            }
        }
        if !unit {
            let d = l[i * n + i];
            b[i * k..(i + 1) * k].iter_mut().for_each(|v| *v /= d);
        }
    }
}

/// The same for an upper triangular U, bottom row first.
pub(crate) fn backward_subst(u: &[f64], b: &mut [f64], n: usize, k: usize, unit: bool) {
    for i in (0..n).rev() {
        for j in i + 1..n {
            let f = u[i * n + j];
            if f != 0.0 {
                for c in 0..k {
                    b[i * k + c] -= f * b[j * k + c];
                }
            }
        }
        if !unit {
            let d = u[i * n + i];
            b[i * k..(i + 1) * k].iter_mut().for_each(|v| *v /= d);
        }
    }
}

/// `linalg.solve_triangular(A, B, upper, left, unitriangular)`: X with `A X = B` (`left`) or
/// `X A = B`, A's batch dims broadcast with B's and B taken in A's dtype; only A's `upper` or
/// lower triangle is read. A
/// zero on the diagonal gives inf/NaN, as LAPACK's trsm does.
pub fn solve_triangular(a: &Tensor, b: &Tensor, upper: bool, left: bool, unit: bool) -> Result<Tensor> {
    let op = "linalg.solve_triangular";
    let n = square(op, a, "A")?;
    crate::ensure!(b.dim() >= 2, "{op}: The input tensor B must have at least 2 dimensions.");
    if b.dtype() != a.dtype() {
        // the result takes A's dtype, as PyTorch's
        return solve_triangular(a, &N::to_dtype(b, a.dtype(), false, false)?, upper, left, unit);
    }
    if !left {
        // X A = B  <=>  A^T X^T = B^T
        return mt(&solve_triangular(&mt(a)?, &mt(b)?, !upper, true, unit)?);
    }
    let (sa, sb) = (a.shape(), b.shape());
    let (br, k) = (sb[sb.len() - 2], sb[sb.len() - 1]);
    crate::ensure!(
        br as usize == n,
        "{op}: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and {br}x{k})"
    );
    let batch = broadcast_shapes(&sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
    let full = |t: &Tensor, last: [i64; 2]| N::expand(t, &batch.iter().copied().chain(last).collect::<Vec<_>>(), false);
    let (ae, be) = (full(a, [n as i64, n as i64])?, full(b, [n as i64, k])?);
    let (av, mut x) = (f64s(&ae)?, f64s(&be)?);
    let (mm, mk) = (n * n, n * k as usize);
    for i in 0..batch.iter().product::<i64>() as usize {
        let (l, r) = (&av[i * mm..(i + 1) * mm], &mut x[i * mk..(i + 1) * mk]);
        if upper {
            backward_subst(l, r, n, k as usize, unit);
        } else {
            forward_subst(l, r, n, k as usize, unit);
        }
    }
    let out = back(x, &be.shape(), a.dtype())?;
    if needs_grad(&[a, b]) {
        let (sa, so) = (SavedTensor::input(a), SavedTensor::output(&out, 0));
        let (a_shape, b_shape) = (a.shape(), b.shape());
        let (need_a, need_b) = (a.requires_grad(), b.requires_grad());
        record("LinalgSolveTriangularBackward0", &[a, b], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            // gB = A^-H G; gA = -(gB X^H) kept to A's triangle
            let (a, x) = (sa.get(node)?, so.get(node)?);
            let gb = solve_triangular(&mt(&a)?, g, !upper, true, unit)?;
            let ga = if need_a {
                let full = super::arith::neg(&N::matmul(&gb, &mt(&x)?)?)?;
                let tri = if upper { N::triu(&full, unit as i64)? } else { N::tril(&full, -(unit as i64))? };
                Some(super::shape::sum_to(&tri, &a_shape)?)
            } else {
                None
            };
            let gb = if need_b { Some(super::shape::sum_to(&gb, &b_shape)?) } else { None };
            Ok(vec![ga, gb])
        });
    }
    Ok(out)
}

/// The old `triangular_solve(B, A, upper, transpose, unitriangular)`: the solution of
/// `op(A) X = B` (op the transpose when asked) and a copy of A.
pub fn triangular_solve(b: &Tensor, a: &Tensor, upper: bool, transpose: bool, unit: bool) -> Result<(Tensor, Tensor)> {
    let coeff = if transpose { mt(a)? } else { a.clone() };
    let x = solve_triangular(&coeff, b, upper != transpose, true, unit)?;
    Ok((x, super::join::misc::copy_of(a)?))
}

/// Cholesky of one n x n matrix (row-major, its lower triangle read) as LAPACK's potf2: on
/// success L (upper triangle zero); on failure the order of the first leading minor that is
/// not positive-definite, with the columns before it factored.
fn factor(a: &[f64], n: usize) -> (Vec<f64>, usize) {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            l[i * n + j] = a[i * n + j];
        }
    }
    for j in 0..n {
        let d = l[j * n + j] - (0..j).map(|p| l[j * n + p] * l[j * n + p]).sum::<f64>();
        if d.is_nan() || d <= 0.0 {
            l[j * n + j] = d;
            return (l, j + 1);
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let s = l[i * n + j] - (0..j).map(|p| l[i * n + p] * l[j * n + p]).sum::<f64>();
            l[i * n + j] = s / d;
        }
    }
    (l, 0)
}

/// `linalg_cholesky_ex(A, upper, check_errors)`: L with `A = L L^T` (or U with `A = U^T U`)
/// and an int32 `info` per matrix (0, or the order of the failing minor).
pub fn cholesky_ex(a: &Tensor, upper: bool, check_errors: bool) -> Result<(Tensor, Tensor)> {
    let op = "linalg.cholesky";
    let n = square(op, a, "A")?;
    let s = a.shape();
    let batch = &s[..s.len() - 2];
    // the upper form reads A's upper triangle: the lower one of A^T
    let src = f64s(&if upper { mt(a)? } else { a.clone() })?;
    let count = batch.iter().product::<i64>() as usize;
    let (mut vals, mut infos) = (Vec::with_capacity(src.len()), Vec::with_capacity(count));
    for i in 0..count {
        let (l, info) = factor(&src[i * n * n..(i + 1) * n * n], n);
        if check_errors && info != 0 {
            let which = if batch.is_empty() { String::new() } else { format!("(Batch element {i}): ") };
            crate::bail!(
                "{op}: {which}The factorization could not be completed because the input is not positive-definite (the leading minor of order {info} is not positive-definite)."
            );
        }
        vals.extend(l);
        infos.push(info as i32);
    }
    let l = back(vals, &s, a.dtype())?;
    let out = if upper { N::contiguous(&mt(&l)?)? } else { l };
    if needs_grad(&[a]) {
        let so = SavedTensor::output(&out, 0);
        record("LinalgCholeskyExBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(cholesky_backward(g, &so.get(node)?, upper)?)])
        });
    }
    Ok((out, Tensor::from_vec(infos, batch)?))
}

/// PyTorch's `cholesky_backward`: with L lower, `gA = L^-H Phi(L^H gL) L^-1` symmetrized, where
/// Phi keeps the lower triangle and halves the diagonal.
fn cholesky_backward(gl: &Tensor, l: &Tensor, upper: bool) -> Result<Tensor> {
    let (l, gl) = if upper { (mt(l)?, mt(gl)?) } else { (l.clone(), gl.clone()) };
    let ga = N::tril(&N::matmul(&mt(&l)?, &gl)?, 0)?;
    let ga = N::mul_scalar(&N::add(&ga, &mt(&N::tril(&ga, -1)?)?)?, &Scalar::Float(0.5))?;
    let ga = solve_triangular(&mt(&l)?, &ga, true, true, false)?;
    solve_triangular(&l, &ga, false, false, false)
}

/// `linalg_cholesky(A, upper)`: an error for a matrix that is not positive-definite.
pub fn cholesky(a: &Tensor, upper: bool) -> Result<Tensor> {
    Ok(cholesky_ex(a, upper, true)?.0)
}

/// `cholesky_solve(B, L, upper)`: X with `A X = B` for `A = L L^T` (or `U^T U`), by two
/// triangular solves (batch dims broadcast). The gradient is PyTorch's, which treats every
/// element of L (not only its triangle) as part of `L L^T`.
pub fn cholesky_solve(b: &Tensor, l: &Tensor, upper: bool) -> Result<Tensor> {
    crate::ensure!(b.dim() >= 2, "b should have at least 2 dimensions, but has {} dimensions instead", b.dim());
    crate::ensure!(l.dim() >= 2, "u should have at least 2 dimensions, but has {} dimensions instead", l.dim());
    crate::ensure!(
        b.dtype() == l.dtype(),
        "Expected b and A to have the same dtype, but found b of type {} and A of type {} instead.",
        b.dtype().name(),
        l.dtype().name()
    );
    let (bd, ld) = (N::detach(b)?, N::detach(l)?);
    let (first, second) = if upper { (mt(&ld)?, ld.clone()) } else { (ld.clone(), mt(&ld)?) };
    let x = solve_triangular(&second, &solve_triangular(&first, &bd, false, true, false)?, true, true, false)?;
    if needs_grad(&[b, l]) {
        let (sl, sx) = (SavedTensor::input(l), SavedTensor::output(&x, 0));
        let (b_shape, l_shape) = (b.shape(), l.shape());
        let (need_b, need_l) = (b.requires_grad(), l.requires_grad());
        record("CholeskySolveBackward0", &[b, l], &[&x], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            // gB = A^-1 G; gL = -(gB X^T + X gB^T) L (or L (...) for the upper form)
            let (l, x) = (sl.get(node)?, sx.get(node)?);
            let gb = cholesky_solve(g, &l, upper)?;
            let gl = if need_l {
                let common = N::matmul(&gb, &mt(&x)?)?;
                let common = N::add(&common, &mt(&common)?)?;
                let full = if upper { N::matmul(&l, &common)? } else { N::matmul(&common, &l)? };
                Some(super::shape::sum_to(&super::arith::neg(&full)?, &l_shape)?)
            } else {
                None
            };
            let gb = if need_b { Some(super::shape::sum_to(&gb, &b_shape)?) } else { None };
            Ok(vec![gb, gl])
        });
    }
    Ok(x)
}

/// `cholesky_inverse(L, upper)`: `(L L^T)^-1` (or `(U^T U)^-1`), with PyTorch's gradient
/// `-(A^-1 (G + G^T) A^-1) L` (or `L (...)` for the upper form).
pub fn cholesky_inverse(l: &Tensor, upper: bool) -> Result<Tensor> {
    let n = square("cholesky_inverse", l, "A")?;
    let ld = N::detach(l)?;
    let eye = N::expand(&N::eye(n as i64, l.dtype(), l.device())?, &l.shape(), false)?;
    let inv = cholesky_solve(&eye, &ld, upper)?;
    if needs_grad(&[l]) {
        let (sl, si) = (SavedTensor::input(l), SavedTensor::output(&inv, 0));
        record("CholeskyInverseBackward0", &[l], &[&inv], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let (l, inv) = (sl.get(node)?, si.get(node)?);
            let common = N::matmul(&inv, &N::matmul(&N::add(g, &mt(g)?)?, &inv)?)?;
            let full = if upper { N::matmul(&l, &common)? } else { N::matmul(&common, &l)? };
            Ok(vec![Some(super::arith::neg(&full)?)])
        });
    }
    Ok(inv)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_cholesky {
    () => {
        fn linalg_solve_triangular(a: &Tensor, b: &Tensor, upper: bool, left: bool, unit: bool) -> Result<Tensor> {
            $crate::ops::cholesky::solve_triangular(a, b, upper, left, unit)
        }
        fn linalg_solve_triangular_out(out: &Tensor, a: &Tensor, b: &Tensor, upper: bool, left: bool, unit: bool) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::cholesky::solve_triangular(a, b, upper, left, unit)?)
        }
        fn triangular_solve(b: &Tensor, a: &Tensor, upper: bool, transpose: bool, unit: bool) -> Result<(Tensor, Tensor)> {
            $crate::ops::cholesky::triangular_solve(b, a, upper, transpose, unit)
        }
        fn cholesky(a: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::cholesky::cholesky(a, upper) }
        fn cholesky_out(out: &Tensor, a: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::cholesky::cholesky(a, upper)?) }
        fn linalg_cholesky(a: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::cholesky::cholesky(a, upper) }
        fn linalg_cholesky_out(out: &Tensor, a: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::cholesky::cholesky(a, upper)?) }
        fn linalg_cholesky_ex(a: &Tensor, upper: bool, check_errors: bool) -> Result<(Tensor, Tensor)> { $crate::ops::cholesky::cholesky_ex(a, upper, check_errors) }
        fn cholesky_solve(b: &Tensor, l: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::cholesky::cholesky_solve(b, l, upper) }
        fn cholesky_solve_out(out: &Tensor, b: &Tensor, l: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::cholesky::cholesky_solve(b, l, upper)?) }
        fn cholesky_inverse(l: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::cholesky::cholesky_inverse(l, upper) }
        fn cholesky_inverse_out(out: &Tensor, l: &Tensor, upper: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::cholesky::cholesky_inverse(l, upper)?) }
    };
}
pub(crate) use atg_cholesky;
