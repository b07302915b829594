//! `linalg_qr`: the QR decomposition of (batches of) matrices by Householder reflections,
//! with LAPACK's conventions (geqrf's reflectors, so R's diagonal signs match PyTorch's), in
//! f64 arithmetic for f32 and f64 inputs, and its gradient (tall and square matrices).

use super::Native as N;
use crate::autograd::SavedTensor;
use crate::capi::generated::AtgApi;
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::{DType, Tensor};

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
            let (q, r) = (sq.get(node)?, sr.get(node)?);
            Ok(vec![qr_backward(&g[0], &g[1], &q, &r, m, n)?])
        });
    }
    Ok((q, r))
}

/// PyTorch's `linalg_qr_backward`. For m >= n, with `M = gR R^T - Q^T gQ` and `S = triu(M) +
/// triu(M)^T` (diagonal once), `gA = (Q S + gQ) R^-T`. For m < n, A = Q [R1 R2] splits into a
/// square part X = Q R1 and the rest Y = Q R2: `gY = Q gR2` and X takes the square rule with
/// `gQ + Y gR2^T`. Checked against torch.autograd in Python to 1e-14.
fn qr_backward(gq: &Option<Tensor>, gr: &Option<Tensor>, q: &Tensor, r: &Tensor, m: usize, n: usize) -> Result<Option<Tensor>> {
    if gq.is_none() && gr.is_none() {
        return Ok(None);
    }
    let gq = match gq { Some(t) => t.clone(), None => N::zeros_like(q)? };
    let gr = match gr { Some(t) => t.clone(), None => N::zeros_like(r)? };
    if m >= n {
        return Ok(Some(qr_backward_square(&gq, &gr, q, r)?));
    }
    let (m, n) = (m as i64, n as i64);
    let (r1, r2) = (N::narrow(r, -1, 0, m)?, N::narrow(r, -1, m, n - m)?);
    let (gr1, gr2) = (N::narrow(&gr, -1, 0, m)?, N::narrow(&gr, -1, m, n - m)?);
    let y = N::matmul(q, &r2)?;
    let gq_x = N::add(&gq, &N::matmul(&y, &N::transpose(&gr2, -2, -1)?)?)?;
    let gx = qr_backward_square(&gq_x, &gr1, q, &r1)?;
    let gy = N::matmul(q, &gr2)?;
    Ok(Some(N::cat(&[gx, gy], -1)?))
}

/// The m >= n rule of [`qr_backward`], with both incoming gradients present.
fn qr_backward_square(gq: &Tensor, gr: &Tensor, q: &Tensor, r: &Tensor) -> Result<Tensor> {
    let mt = |x: &Tensor| N::transpose(x, -2, -1);
    let m = N::sub(&N::matmul(gr, &mt(r)?)?, &N::matmul(&mt(q)?, gq)?)?;
    let upper = N::triu(&m, 0)?;
    let diag = N::diag_embed(&N::diagonal(&upper, 0, -2, -1)?, 0, -2, -1)?;
    let s = N::sub(&N::add(&upper, &mt(&upper)?)?, &diag)?;
    let b = N::add(&N::matmul(q, &s)?, gq)?;
    crate::ops::cholesky::solve_triangular(&mt(r)?, &b, false, false, false)
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
