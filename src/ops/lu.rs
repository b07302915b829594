//! LU factorization with partial pivoting (LAPACK's getrf, in f64 for f32 and f64 inputs) and
//! what it gives: det, slogdet, logdet, inverse and solve on batches of square matrices, with
//! their gradients written in differentiable ops (so gradients of gradients work too).

use super::arith::{binary, BinOp};
use super::{linalg, shape};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::{DType, Tensor};

/// One factored m x n matrix: L (unit, below the diagonal) and U in `w`, row `i` swapped with
/// `piv[i]`, `sign` the permutation's sign, `zero` the first zero pivot (1-based, as LAPACK's
/// info) if any.
pub(crate) struct Lu {
    pub(crate) w: Vec<f64>,
    pub(crate) piv: Vec<usize>,
    sign: f64,
    pub(crate) zero: Option<usize>,
}

/// Factors one m x n row-major matrix (LAPACK's getrf: the first largest pivot of each column).
pub(crate) fn factor(mut w: Vec<f64>, m: usize, n: usize) -> Lu {
    let k = m.min(n);
    let (mut piv, mut sign, mut zero) = (vec![0; k], 1.0, None);
    for j in 0..k {
        let p = (j..m).fold(j, |best, i| if w[i * n + j].abs() > w[best * n + j].abs() { i } else { best });
        piv[j] = p;
        if p != j {
            for c in 0..n {
                w.swap(j * n + c, p * n + c);
            }
            sign = -sign;
        }
        let d = w[j * n + j];
        if d == 0.0 {
            zero.get_or_insert(j + 1);
            continue;
        }
        for i in j + 1..m {
            let l = w[i * n + j] / d;
            w[i * n + j] = l;
            if l != 0.0 {
                for c in j + 1..n {
                    w[i * n + c] -= l * w[j * n + c];
                }
            }
        }
    }
    Lu { w, piv, sign, zero }
}

impl Lu {
    /// Solves A X = B in place for the n x k row-major `b`.
    pub(crate) fn solve(&self, b: &mut [f64], n: usize, k: usize) {
        let w = &self.w;
        for (j, &p) in self.piv.iter().enumerate() {
            if p != j {
                for c in 0..k {
                    b.swap(j * k + c, p * k + c);
                }
            }
        }
        // L (unit diagonal) and U share `w`
        crate::ops::cholesky::forward_subst(w, b, n, k, true);
        crate::ops::cholesky::backward_subst(w, b, n, k, false);
    }

    /// (sign, ln|det|): (0, -inf) when singular.
    fn slogdet(&self, n: usize) -> (f64, f64) {
        if self.zero.is_some() {
            return (0.0, f64::NEG_INFINITY);
        }
        let (mut sign, mut log) = (self.sign, 0.0);
        for i in 0..n {
            let d = self.w[i * n + i];
            if d < 0.0 {
                sign = -sign;
            }
            log += d.abs().ln();
        }
        (sign, log)
    }
}

/// Checks `a` is a batch of square float32/float64 matrices; returns (batch dims, n).
fn square_batch(op: &str, a: &Tensor) -> Result<(Vec<i64>, usize)> {
    let s = a.shape();
    crate::ensure!(s.len() >= 2, "{op}: The input tensor A must have at least 2 dimensions.");
    let (r, c) = (s[s.len() - 2], s[s.len() - 1]);
    crate::ensure!(r == c, "{op}: A must be batches of square matrices, but they are {r} by {c} matrices");
    match a.dtype() {
        DType::F32 | DType::F64 => {}
        DType::F16 | DType::BF16 => crate::bail!("\"lu_cpu\" not implemented for '{}'", a.dtype().name()),
        d => crate::bail!("{op}: Expected a floating point or complex tensor as input. Got {}", d.name()),
    }
    Ok((s[..s.len() - 2].to_vec(), r as usize))
}

/// The matrices of `a` in f64, each factored.
fn factor_all(a: &Tensor, n: usize) -> Result<Vec<Lu>> {
    let x = to_contiguous_dtype(&a.data(), DType::F64)?;
    let src = unsafe { x.as_slice::<f64>() };
    let m = n * n;
    let s = a.shape();
    let count = s[..s.len() - 2].iter().product::<i64>() as usize;
    Ok((0..count).map(|b| factor(src[b * m..(b + 1) * m].to_vec(), n, n)).collect())
}

/// f64 values of shape `shape` as a tensor of `dt`.
pub(crate) fn back(v: Vec<f64>, shape: &[i64], dt: DType) -> Result<Tensor> {
    let t = Tensor::from_vec(v, shape)?;
    Ok(Tensor::from_data(to_contiguous_dtype(&t.data(), dt)?))
}

/// `x.mT`.
pub(crate) fn mt(x: &Tensor) -> Result<Tensor> {
    shape::transpose(x, -2, -1)
}

/// `g` of the batch shape with two trailing unit dimensions (to scale whole matrices).
fn per_matrix(g: &Tensor) -> Result<Tensor> {
    shape::unsqueeze(&shape::unsqueeze(g, -1)?, -1)
}

/// The determinants of a batch of square matrices.
pub fn det(a: &Tensor) -> Result<Tensor> {
    let (batch, n) = square_batch("linalg.det", a)?;
    let vals: Vec<f64> = factor_all(a, n)?
        .iter()
        .map(|lu| {
            let (s, l) = lu.slogdet(n);
            if s == 0.0 { 0.0 } else { s * l.exp() }
        })
        .collect();
    let out = back(vals, &batch, a.dtype())?;
    if needs_grad(&[a]) {
        let (sa, so) = (SavedTensor::input(a), SavedTensor::output(&out, 0));
        record("LinalgDetBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            // d det / dA = det * A^-T
            let (a, d) = (sa.get(node)?, so.get(node)?);
            let scale = per_matrix(&binary(BinOp::Mul, g, &d)?)?;
            Ok(vec![Some(binary(BinOp::Mul, &scale, &mt(&inverse(&a)?)?)?)])
        });
    }
    Ok(out)
}

/// (sign, ln|det|) of a batch of square matrices; only ln|det| is differentiable.
pub fn slogdet(a: &Tensor, op: &str) -> Result<(Tensor, Tensor)> {
    let (batch, n) = square_batch(op, a)?;
    let (signs, logs): (Vec<f64>, Vec<f64>) = factor_all(a, n)?.iter().map(|lu| lu.slogdet(n)).unzip();
    let (sign, log) = (back(signs, &batch, a.dtype())?, back(logs, &batch, a.dtype())?);
    record_log_det("LinalgSlogdetBackward0", a, &log);
    Ok((sign, log))
}

/// ln det: NaN for a negative determinant, -inf for a singular matrix.
pub fn logdet(a: &Tensor) -> Result<Tensor> {
    let (batch, n) = square_batch("logdet", a)?;
    let vals: Vec<f64> = factor_all(a, n)?
        .iter()
        .map(|lu| match lu.slogdet(n) {
            (s, _) if s < 0.0 => f64::NAN,
            (_, l) => l,
        })
        .collect();
    let out = back(vals, &batch, a.dtype())?;
    record_log_det("LogdetBackward0", a, &out);
    Ok(out)
}

/// The gradient of ln|det A|: g A^-T.
fn record_log_det(name: &'static str, a: &Tensor, out: &Tensor) {
    if !needs_grad(&[a]) {
        return;
    }
    let sa = SavedTensor::input(a);
    record(name, &[a], &[out], move |node, g| {
        let Some(g) = &g[0] else { return Ok(vec![None]) };
        Ok(vec![Some(binary(BinOp::Mul, &per_matrix(g)?, &mt(&inverse(&sa.get(node)?)?)?)?)])
    });
}

/// The inverses of a batch of square matrices (singular ones are an error, as LAPACK reports).
pub fn inverse(a: &Tensor) -> Result<Tensor> {
    let (batch, n) = square_batch("linalg.inv", a)?;
    let lus = factor_all(a, n)?;
    let mut vals = Vec::with_capacity(lus.len() * n * n);
    for (b, lu) in lus.iter().enumerate() {
        if let Some(z) = lu.zero {
            let which = if lus.len() > 1 || !batch.is_empty() { format!("(Batch element {b}): ") } else { String::new() };
            crate::bail!(
                "linalg.inv: {which}The diagonal element {z} is zero, the inversion could not be completed because the input matrix is singular."
            );
        }
        let mut eye: Vec<f64> = (0..n * n).map(|i| if i / n == i % n { 1.0 } else { 0.0 }).collect();
        lu.solve(&mut eye, n, n);
        vals.extend(eye);
    }
    let out = back(vals, &a.shape(), a.dtype())?;
    if needs_grad(&[a]) {
        let so = SavedTensor::output(&out, 0);
        record("LinalgInvExBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            // d(A^-1) = -A^-1 dA A^-1, so dL/dA = -A^-T G A^-T
            let inv_t = mt(&so.get(node)?)?;
            let prod = linalg::matmul(&linalg::matmul(&inv_t, g)?, &inv_t)?;
            Ok(vec![Some(crate::ops::arith::neg(&prod)?)])
        });
    }
    Ok(out)
}

/// `linalg_inv_ex`: the inverse and an int32 `info` per matrix (0, or the first zero pivot),
/// raising only when `check_errors`.
pub fn inv_ex(a: &Tensor, check_errors: bool) -> Result<(Tensor, Tensor)> {
    let (batch, n) = square_batch("linalg.inv_ex", a)?;
    let infos: Vec<i32> = factor_all(a, n)?.iter().map(|lu| lu.zero.unwrap_or(0) as i32).collect();
    let info = Tensor::from_vec(infos.clone(), &batch)?;
    if infos.iter().any(|&z| z != 0) {
        if check_errors {
            inverse(a)?; // reports the singular matrix
        }
        let nan = Tensor::full(&a.shape(), crate::tensor::Scalar::Float(f64::NAN), a.dtype(), a.device())?;
        return Ok((nan, info));
    }
    Ok((inverse(a)?, info))
}

/// Solves A X = B (`left`) or X A = B for batches of square A, with B a batch of matrices or,
/// when its shape is A's batch shape and n, of vectors. Batch dimensions broadcast.
pub fn solve(a: &Tensor, b: &Tensor, left: bool) -> Result<Tensor> {
    let (_, n) = square_batch("linalg.solve", a)?;
    crate::ensure!(
        a.dtype() == b.dtype(),
        "linalg.solve: Expected A and B to have the same dtype, but found A of type {} and B of type {} instead",
        a.dtype().name(),
        b.dtype().name()
    );
    let (sa, sb) = (a.shape(), b.shape());
    let vector = sb.len() == 1 || (sb.len() == sa.len() - 1 && sb[..] == sa[..sa.len() - 1]);
    if vector {
        let x = solve(a, &shape::unsqueeze(b, -1)?, left)?;
        return shape::squeeze(&x, Some(&[-1]));
    }
    if !left {
        return mt(&solve(&mt(a)?, &mt(b)?, true)?);
    }
    let (br, k) = (sb[sb.len() - 2], sb[sb.len() - 1]);
    crate::ensure!(
        br as usize == n,
        "linalg.solve: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and {br}x{k})"
    );
    let batch = crate::tensor::layout::broadcast_shapes(&sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
    let full = |t: &Tensor, last: [i64; 2]| -> Result<Tensor> {
        shape::expand(t, &batch.iter().copied().chain(last).collect::<Vec<_>>())
    };
    let (ae, be) = (full(a, [n as i64, n as i64])?, full(b, [n as i64, k])?);
    let lus = factor_all(&ae, n)?;
    let bx = to_contiguous_dtype(&be.data(), DType::F64)?;
    let mut vals = unsafe { bx.as_slice::<f64>() }.to_vec();
    let m = n * k as usize;
    for (i, lu) in lus.iter().enumerate() {
        crate::ensure!(lu.zero.is_none(), "torch.linalg.solve: The solver failed because the input matrix is singular.");
        lu.solve(&mut vals[i * m..(i + 1) * m], n, k as usize);
    }
    let out = back(vals, &be.shape(), a.dtype())?;
    if needs_grad(&[a, b]) {
        let (sa, so) = (SavedTensor::input(a), SavedTensor::output(&out, 0));
        let (a_shape, b_shape) = (a.shape(), b.shape());
        let (need_a, need_b) = (a.requires_grad(), b.requires_grad());
        record("LinalgSolveExBackward0", &[a, b], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            // X = A^-1 B: dL/dB = A^-T G, dL/dA = -(dL/dB) X^T
            let (a, x) = (sa.get(node)?, so.get(node)?);
            let gb = solve(&mt(&a)?, g, true)?;
            let ga = if need_a {
                let full = crate::ops::arith::neg(&linalg::matmul(&gb, &mt(&x)?)?)?;
                Some(shape::sum_to(&full, &a_shape)?)
            } else {
                None
            };
            let gb = if need_b { Some(shape::sum_to(&gb, &b_shape)?) } else { None };
            Ok(vec![ga, gb])
        });
    }
    Ok(out)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_lu {
    () => {
        fn det(a: &Tensor) -> Result<Tensor> { $crate::ops::lu::det(a) }
        fn linalg_det(a: &Tensor) -> Result<Tensor> { $crate::ops::lu::det(a) }
        fn linalg_det_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::lu::det(a)?) }
        fn logdet(a: &Tensor) -> Result<Tensor> { $crate::ops::lu::logdet(a) }
        fn slogdet(a: &Tensor) -> Result<(Tensor, Tensor)> { $crate::ops::lu::slogdet(a, "linalg.slogdet") }
        fn slogdet_out(s: &Tensor, l: &Tensor, a: &Tensor) -> Result<(Tensor, Tensor)> {
            let (sv, lv) = $crate::ops::lu::slogdet(a, "linalg.slogdet")?;
            Ok(($crate::ops::arith::assign_out(s, &sv)?, $crate::ops::arith::assign_out(l, &lv)?))
        }
        fn linalg_slogdet(a: &Tensor) -> Result<(Tensor, Tensor)> { $crate::ops::lu::slogdet(a, "linalg.slogdet") }
        fn linalg_slogdet_out(s: &Tensor, l: &Tensor, a: &Tensor) -> Result<(Tensor, Tensor)> {
            let (sv, lv) = $crate::ops::lu::slogdet(a, "linalg.slogdet")?;
            Ok(($crate::ops::arith::assign_out(s, &sv)?, $crate::ops::arith::assign_out(l, &lv)?))
        }
        fn inverse(a: &Tensor) -> Result<Tensor> { $crate::ops::lu::inverse(a) }
        fn inverse_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::lu::inverse(a)?) }
        fn linalg_inv(a: &Tensor) -> Result<Tensor> { $crate::ops::lu::inverse(a) }
        fn linalg_inv_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::lu::inverse(a)?) }
        fn linalg_inv_ex(a: &Tensor, check_errors: bool) -> Result<(Tensor, Tensor)> { $crate::ops::lu::inv_ex(a, check_errors) }
        fn linalg_solve(a: &Tensor, b: &Tensor, left: bool) -> Result<Tensor> { $crate::ops::lu::solve(a, b, left) }
        fn linalg_solve_out(out: &Tensor, a: &Tensor, b: &Tensor, left: bool) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::lu::solve(a, b, left)?)
        }
    };
}
pub(crate) use atg_lu;
