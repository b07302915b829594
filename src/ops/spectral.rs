//! Spectral decompositions by Jacobi rotations in f64 (for f32 and f64 inputs): the singular
//! value decomposition (svd, linalg_svd, svdvals) and the symmetric eigendecomposition
//! (linalg_eigh, eigvalsh), with PyTorch's backward rules written in differentiable ops. The
//! singular and eigen values agree with LAPACK's to rounding; singular and eigen vectors are
//! each determined only up to sign (and within repeated values), as in PyTorch, whose LAPACK
//! may pick the other sign.

use super::lu::{back, mt};
use super::Native as N;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::capi::generated::AtgApi;
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::{DType, Scalar, Tensor};

/// Checks `a` is a batch of matrices of a dtype LAPACK takes; returns (batch dims, m, n).
fn matrices(op: &str, a: &Tensor) -> Result<(Vec<i64>, usize, usize)> {
    let s = a.shape();
    crate::ensure!(s.len() >= 2, "{op}: The input tensor A must have at least 2 dimensions.");
    match a.dtype() {
        DType::F32 | DType::F64 => {}
        DType::F16 | DType::BF16 => crate::bail!("{op}: Low precision dtypes not supported. Got {}", a.dtype().name()),
        d => crate::bail!("{op}: Expected a floating point or complex tensor as input. Got {}", d.name()),
    }
    Ok((s[..s.len() - 2].to_vec(), s[s.len() - 2] as usize, s[s.len() - 1] as usize))
}

fn f64s(t: &Tensor) -> Result<Vec<f64>> {
    let x = to_contiguous_dtype(&t.data(), DType::F64)?;
    Ok(unsafe { x.as_slice::<f64>() }.to_vec())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Rotates the pair of vectors (x, y) to (c x - s y, s x + c y).
fn rotate(x: &mut [f64], y: &mut [f64], c: f64, s: f64) {
    for (a, b) in x.iter_mut().zip(y.iter_mut()) {
        let (p, q) = (*a, *b);
        *a = c * p - s * q;
        *b = s * p + c * q;
    }
}

/// `cols` extended to `want` orthonormal vectors of length m (Gram-Schmidt, twice, on the unit
/// vectors); `None` entries are filled first.
fn complete_basis(cols: &mut Vec<Option<Vec<f64>>>, want: usize, m: usize) {
    cols.resize(want, None);
    let mut e = 0;
    for slot in 0..want {
        if cols[slot].is_some() {
            continue;
        }
        while e < m {
            let mut r: Vec<f64> = (0..m).map(|i| if i == e { 1.0 } else { 0.0 }).collect();
            e += 1;
            for _ in 0..2 {
                for q in cols.iter().flatten() {
                    let d = dot(q, &r);
                    r.iter_mut().zip(q).for_each(|(v, qv)| *v -= d * qv);
                }
            }
            let norm = dot(&r, &r).sqrt();
            if norm > 1e-6 {
                r.iter_mut().for_each(|v| *v /= norm);
                cols[slot] = Some(r);
                break;
            }
        }
    }
}

/// One SVD: U (m x ucols), S (min(m, n), descending), V^T (vrows x n), all row-major.
struct Svd {
    u: Vec<f64>,
    s: Vec<f64>,
    vt: Vec<f64>,
}

/// The SVD of one m x n row-major matrix with m >= n by one-sided Jacobi (Hestenes): columns
/// rotated pairwise until orthogonal; their norms are the singular values. `full` gives an
/// m x m U.
fn svd_tall(a: &[f64], m: usize, n: usize, full: bool) -> Svd {
    let mut w: Vec<Vec<f64>> = (0..n).map(|j| (0..m).map(|i| a[i * n + j]).collect()).collect();
    let mut v: Vec<Vec<f64>> = (0..n).map(|j| (0..n).map(|i| if i == j { 1.0 } else { 0.0 }).collect()).collect();
    for _sweep in 0..80 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (alpha, beta, gamma) = (dot(&w[p], &w[p]), dot(&w[q], &w[q]), dot(&w[p], &w[q]));
                if gamma == 0.0 || gamma.abs() <= 1e-15 * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                let (lo, hi) = w.split_at_mut(q);
                rotate(&mut lo[p], &mut hi[0], c, s);
                let (lo, hi) = v.split_at_mut(q);
                rotate(&mut lo[p], &mut hi[0], c, s);
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = w.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| norms[j].total_cmp(&norms[i]));
    let s: Vec<f64> = order.iter().map(|&j| norms[j]).collect();
    // U's columns in turn, each orthogonalized against those before it (twice): the columns
    // of tiny singular values carry rounding noise of the large ones; one that vanishes there
    // is left to the completion
    let mut ucols: Vec<Option<Vec<f64>>> = Vec::with_capacity(n);
    for &j in &order {
        if norms[j] == 0.0 {
            ucols.push(None);
            continue;
        }
        let mut r: Vec<f64> = w[j].iter().map(|x| x / norms[j]).collect();
        for _ in 0..2 {
            for q in ucols.iter().flatten() {
                let d = dot(q, &r);
                r.iter_mut().zip(q).for_each(|(v, qv)| *v -= d * qv);
            }
        }
        let len = dot(&r, &r).sqrt();
        ucols.push((len > 0.5).then(|| r.iter().map(|x| x / len).collect()));
    }
    complete_basis(&mut ucols, if full { m } else { n }, m);
    let uc = ucols.len();
    let mut u = vec![0.0; m * uc];
    for (c, col) in ucols.iter().enumerate() {
        for (i, x) in col.as_ref().expect("completed").iter().enumerate() {
            u[i * uc + c] = *x;
        }
    }
    let vt = order.iter().flat_map(|&j| v[j].clone()).collect();
    Svd { u, s, vt }
}

/// The SVD of any m x n matrix (a wide one through its transpose).
fn svd_one(a: &[f64], m: usize, n: usize, full: bool) -> Svd {
    if m >= n {
        return svd_tall(a, m, n, full);
    }
    let at: Vec<f64> = (0..n * m).map(|k| a[(k % m) * n + k / m]).collect();
    let t = svd_tall(&at, n, m, full);
    // A^T = U' S V'^T  =>  A = V' S U'^T: U = V'^T^T (m x m), V^T = U'^T
    let uc = t.u.len() / n;
    let u: Vec<f64> = (0..m * m).map(|k| t.vt[(k % m) * m + k / m]).collect();
    let vt: Vec<f64> = (0..uc * n).map(|k| t.u[(k % n) * uc + k / n]).collect();
    Svd { u, s: t.s, vt }
}

/// `linalg_svd(A, full_matrices)`: (U, S, Vh) of each matrix, S descending.
pub fn svd(a: &Tensor, full: bool, op: &str) -> Result<(Tensor, Tensor, Tensor)> {
    let (batch, m, n) = matrices(op, a)?;
    let k = m.min(n);
    let (uc, vr) = if full { (m, n) } else { (k, k) };
    let src = f64s(a)?;
    let count = batch.iter().product::<i64>() as usize;
    let (mut us, mut ss, mut vs) = (Vec::new(), Vec::new(), Vec::new());
    for b in 0..count {
        let r = svd_one(&src[b * m * n..(b + 1) * m * n], m, n, full);
        us.extend(r.u);
        ss.extend(r.s);
        vs.extend(r.vt);
    }
    let with = |last: &[usize]| -> Vec<i64> { batch.iter().copied().chain(last.iter().map(|&d| d as i64)).collect() };
    let dt = a.dtype();
    let (u, s, vh) = (back(us, &with(&[m, uc]), dt)?, back(ss, &with(&[k]), dt)?, back(vs, &with(&[vr, n]), dt)?);
    if needs_grad(&[a]) {
        let saved = [SavedTensor::output(&u, 0), SavedTensor::output(&s, 1), SavedTensor::output(&vh, 2)];
        record("LinalgSvdBackward0", &[a], &[&u, &s, &vh], move |node, g| {
            let (u, s, vh) = (saved[0].get(node)?, saved[1].get(node)?, saved[2].get(node)?);
            Ok(vec![svd_backward(&g[0], &g[1], &g[2], &u, &s, &vh, full)?])
        });
    }
    Ok((u, s, vh))
}

/// PyTorch's `svd_backward` (real case) for the reduced factors; with full matrices the
/// factors are first narrowed to their first min(m, n) columns / rows.
fn svd_backward(
    gu: &Option<Tensor>,
    gs: &Option<Tensor>,
    gvh: &Option<Tensor>,
    u: &Tensor,
    s: &Tensor,
    vh: &Tensor,
    full: bool,
) -> Result<Option<Tensor>> {
    if gu.is_none() && gs.is_none() && gvh.is_none() {
        return Ok(None);
    }
    let (m, n) = (u.shape()[u.dim() - 2], vh.shape()[vh.dim() - 1]);
    let k = m.min(n);
    let narrow = |t: &Tensor, dim: i64| -> Result<Tensor> { N::narrow(t, dim, 0, k) };
    let (u, vh) = if full { (narrow(u, -1)?, narrow(vh, -2)?) } else { (u.clone(), vh.clone()) };
    let gu = match gu {
        Some(g) if full => Some(narrow(g, -1)?),
        g => g.clone(),
    };
    let gvh = match gvh {
        Some(g) if full => Some(narrow(g, -2)?),
        g => g.clone(),
    };
    let (s_row, s_col) = (N::unsqueeze(s, -2)?, N::unsqueeze(s, -1)?);
    if gu.is_none() && gvh.is_none() {
        let gs = gs.as_ref().expect("one gradient is defined");
        let ga = if m >= n {
            N::matmul(&u, &N::mul(&N::unsqueeze(gs, -1)?, &vh)?)?
        } else {
            N::matmul(&N::mul(&u, &N::unsqueeze(gs, -2)?)?, &vh)?
        };
        return Ok(Some(ga));
    }
    let skew = |x: Tensor| -> Result<Tensor> { N::sub(&x, &mt(&x)?) };
    let s2 = N::mul(s, s)?;
    let e = N::sub(&N::unsqueeze(&s2, -2)?, &N::unsqueeze(&s2, -1)?)?;
    let e = N::add(&e, &N::diag_embed(&N::ones_like(s)?, 0, -2, -1)?)?; // 1 on the diagonal: 0 / 1 there
    let mut ga = match (&gu, &gvh) {
        (Some(gu), Some(gvh)) => {
            let uhgu = skew(N::matmul(&mt(&u)?, gu)?)?;
            let vhgv = skew(N::matmul(&vh, &mt(gvh)?)?)?;
            N::div(&N::add(&N::mul(&uhgu, &s_row)?, &N::mul(&s_col, &vhgv)?)?, &e)?
        }
        (Some(gu), None) => N::mul(&skew(N::matmul(&mt(&u)?, gu)?)?, &N::div(&s_row, &e)?)?,
        (None, Some(gvh)) => N::mul(&s_col, &N::div(&skew(N::matmul(&vh, &mt(gvh)?)?)?, &e)?)?,
        (None, None) => unreachable!(),
    };
    if let Some(gs) = gs {
        ga = N::add(&ga, &N::diag_embed(gs, 0, -2, -1)?)?;
    }
    let ga = if m > n && gu.is_some() {
        let gu = gu.as_ref().expect("checked");
        let inner = N::matmul(&u, &ga)?;
        let gu_sinv = N::div(gu, &s_row)?;
        let inner = N::sub(&N::add(&inner, &gu_sinv)?, &N::matmul(&u, &N::matmul(&mt(&u)?, &gu_sinv)?)?)?;
        N::matmul(&inner, &vh)?
    } else if m < n && gvh.is_some() {
        let gvh = gvh.as_ref().expect("checked");
        let inner = N::matmul(&ga, &vh)?;
        let sinv_gvh = N::div(gvh, &s_col)?;
        let inner = N::sub(&N::add(&inner, &sinv_gvh)?, &N::matmul(&N::matmul(&sinv_gvh, &mt(&vh)?)?, &vh)?)?;
        N::matmul(&u, &inner)?
    } else if m >= n {
        N::matmul(&u, &N::matmul(&ga, &vh)?)?
    } else {
        N::matmul(&N::matmul(&u, &ga)?, &vh)?
    };
    Ok(Some(ga))
}

/// `linalg_svdvals(A)`: the singular values, descending, differentiable.
pub fn svdvals(a: &Tensor) -> Result<Tensor> {
    Ok(svd(a, false, "linalg.svd")?.1)
}

/// The old `svd(A, some, compute_uv)`: U, S and V (not V^T); without `compute_uv`, zero U and V
/// of the full shapes.
pub fn svd_legacy(a: &Tensor, some: bool, compute_uv: bool) -> Result<(Tensor, Tensor, Tensor)> {
    let (u, s, vh) = svd(a, !some, "linalg.svd")?;
    if !compute_uv {
        return Ok((N::zeros_like(&u)?, s, N::zeros_like(&mt(&vh)?)?));
    }
    Ok((u, s, mt(&vh)?))
}

/// The cyclic Jacobi eigenvalue method on one symmetric n x n row-major matrix: eigenvalues
/// ascending and the eigenvectors as columns (row-major n x n).
fn eigh_one(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v: Vec<f64> = (0..n * n).map(|k| if k / n == k % n { 1.0 } else { 0.0 }).collect();
    for _sweep in 0..100 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                if apq == 0.0 || apq.abs() <= 1e-18 * (app.abs() + aqq.abs()) {
                    continue;
                }
                rotated = true;
                let theta = (aqq - app) / (2.0 * apq);
                let t = if theta == 0.0 { 1.0 } else { theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt()) };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (x, y) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * x - s * y;
                    a[k * n + q] = s * x + c * y;
                }
                for k in 0..n {
                    let (x, y) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * x - s * y;
                    a[q * n + k] = s * x + c * y;
                }
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                for k in 0..n {
                    let (x, y) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * x - s * y;
                    v[k * n + q] = s * x + c * y;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[i * n + i].total_cmp(&a[j * n + j]));
    let vals = order.iter().map(|&i| a[i * n + i]).collect();
    let vecs = (0..n * n).map(|k| v[(k / n) * n + order[k % n]]).collect();
    (vals, vecs)
}

/// `linalg_eigh(A, UPLO)`: eigenvalues (ascending) and eigenvectors (columns) of symmetric
/// matrices, reading only the `UPLO` ("L" or "U") triangle.
pub fn eigh(a: &Tensor, uplo: &str, op: &str) -> Result<(Tensor, Tensor)> {
    let (batch, m, n) = matrices(op, a)?;
    crate::ensure!(m == n, "{op}: A must be batches of square matrices, but they are {m} by {n} matrices");
    let lower = match uplo {
        "L" | "l" => true,
        "U" | "u" => false,
        _ => crate::bail!("Expected UPLO argument to be 'L' or 'U', but got {uplo}"),
    };
    let src = f64s(a)?;
    let (mut vals, mut vecs) = (Vec::new(), Vec::new());
    for b in 0..batch.iter().product::<i64>() as usize {
        let x = &src[b * n * n..(b + 1) * n * n];
        let sym: Vec<f64> = (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                let below = i >= j;
                if below == lower { x[k] } else { x[j * n + i] }
            })
            .collect();
        let (l, v) = eigh_one(sym, n);
        vals.extend(l);
        vecs.extend(v);
    }
    let with = |last: &[usize]| -> Vec<i64> { batch.iter().copied().chain(last.iter().map(|&d| d as i64)).collect() };
    let (l, v) = (back(vals, &with(&[n]), a.dtype())?, back(vecs, &with(&[n, n]), a.dtype())?);
    if needs_grad(&[a]) {
        let (sl, sv) = (SavedTensor::output(&l, 0), SavedTensor::output(&v, 1));
        record("LinalgEighBackward0", &[a], &[&l, &v], move |node, g| {
            Ok(vec![eigh_backward(&g[0], &g[1], &sl.get(node)?, &sv.get(node)?)?])
        });
    }
    Ok((l, v))
}

/// PyTorch's `linalg_eig_backward` for symmetric input: `gA = V (skew(V^T gV) / E + diag(gL))
/// V^T` with `E[i, j] = L[j] - L[i]` (and `V diag(gL) V^T` when only the values are used).
fn eigh_backward(gl: &Option<Tensor>, gv: &Option<Tensor>, l: &Tensor, v: &Tensor) -> Result<Option<Tensor>> {
    let Some(gv) = gv else {
        return match gl {
            Some(gl) => Ok(Some(N::matmul(&N::mul(v, &N::unsqueeze(gl, -2)?)?, &mt(v)?)?)),
            None => Ok(None),
        };
    };
    let vhgv = N::matmul(&mt(v)?, gv)?;
    let skew = N::mul_scalar(&N::sub(&vhgv, &mt(&vhgv)?)?, &Scalar::Float(0.5))?;
    let e = N::sub(&N::unsqueeze(l, -2)?, &N::unsqueeze(l, -1)?)?;
    let e = N::add(&e, &N::diag_embed(&N::ones_like(l)?, 0, -2, -1)?)?;
    let mut inner = N::div(&skew, &e)?;
    if let Some(gl) = gl {
        inner = N::add(&inner, &N::diag_embed(gl, 0, -2, -1)?)?;
    }
    Ok(Some(N::matmul(v, &N::matmul(&inner, &mt(v)?)?)?))
}

/// Tolerances of `matrix_rank` and `pinv`: `max(atol, rtol * S_max)` per matrix, rtol by
/// default eps * max(m, n) when no atol is given (0 otherwise).
fn cutoff(s: &Tensor, m: usize, n: usize, atol: Option<f64>, rtol: Option<f64>) -> Result<Tensor> {
    let eps = if s.dtype() == DType::F64 { f64::EPSILON } else { f32::EPSILON as f64 };
    let rtol = rtol.unwrap_or(if atol.is_some_and(|a| a > 0.0) { 0.0 } else { eps * m.max(n) as f64 });
    let smax = if s.shape().last() == Some(&0) {
        N::zeros(&s.shape()[..s.dim() - 1], s.dtype(), s.device())?
    } else {
        N::amax(s, &[-1], true)?
    };
    let rel = N::mul_scalar(&smax, &Scalar::Float(rtol))?;
    N::clamp_min(&rel, &Scalar::Float(atol.unwrap_or(0.0)))
}

/// `linalg_matrix_rank(A, atol, rtol, hermitian)`: the count of singular values (absolute
/// eigenvalues when hermitian) above the tolerance.
pub fn matrix_rank(a: &Tensor, atol: Option<f64>, rtol: Option<f64>, hermitian: bool) -> Result<Tensor> {
    let (_, m, n) = matrices("torch.linalg.matrix_rank", a)?;
    let s = if hermitian { N::abs(&eigh(a, "L", "linalg.eigh")?.0)? } else { svdvals(a)? };
    let tol = cutoff(&s, m, n, atol, rtol)?;
    let keepdim = if s.shape().last() == Some(&0) { N::unsqueeze(&tol, -1)? } else { tol };
    N::sum_dim_intlist(&N::gt_tensor(&s, &keepdim)?, Some(&[-1][..]), false, Some(DType::I64))
}

/// `linalg_pinv(A, atol, rtol, hermitian)`: `V diag(1/S) U^T` over the singular values above the
/// tolerance (eigenvalues when hermitian), with PyTorch's `pinv_backward` (the analytic rule in
/// A and pinv(A), written in differentiable ops).
pub fn pinv(a: &Tensor, atol: Option<f64>, rtol: Option<f64>, hermitian: bool) -> Result<Tensor> {
    let (_, m, n) = matrices("linalg.pinv", a)?;
    let x = N::detach(a)?;
    let out = if hermitian {
        let (l, v) = eigh(&x, "L", "linalg.eigh")?;
        let tol = cutoff(&N::abs(&l)?, m, n, atol, rtol)?;
        let keep = N::gt_tensor(&N::abs(&l)?, &tol)?;
        let inv = N::where_self(&keep, &N::reciprocal(&l)?, &N::zeros_like(&l)?)?;
        N::matmul(&N::mul(&v, &N::unsqueeze(&inv, -2)?)?, &mt(&v)?)?
    } else {
        let (u, s, vh) = svd(&x, false, "linalg.svd")?;
        let tol = cutoff(&s, m, n, atol, rtol)?;
        let keep = N::gt_tensor(&s, &tol)?;
        let inv = N::where_self(&keep, &N::reciprocal(&s)?, &N::zeros_like(&s)?)?;
        N::matmul(&N::mul(&mt(&vh)?, &N::unsqueeze(&inv, -2)?)?, &mt(&u)?)?
    };
    if needs_grad(&[a]) {
        let (sa, sp) = (SavedTensor::input(a), SavedTensor::output(&out, 0));
        record("LinalgPinvBackward0", &[a], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(pinv_backward(g, &sp.get(node)?, &sa.get(node)?, m, n)?)])
        });
    }
    Ok(out)
}

/// PyTorch's `pinv_backward` (real case), arranged for the smaller of m and n.
fn pinv_backward(g: &Tensor, p: &Tensor, a: &Tensor, m: usize, n: usize) -> Result<Tensor> {
    let (ph, gh) = (mt(p)?, mt(g)?);
    let mm = |x: &Tensor, y: &Tensor| N::matmul(x, y);
    if m <= n {
        let k = mm(&gh, p)?;
        let kph = mm(&k, &ph)?;
        let t1 = N::neg(&mt(&mm(p, &k)?)?)?;
        let t3 = mm(&mm(a, p)?, &kph)?;
        let t4 = mm(&mm(&ph, p)?, &N::sub(&gh, &mm(&k, a)?)?)?;
        N::add(&N::sub(&N::add(&t1, &kph)?, &t3)?, &t4)
    } else {
        let k = mm(p, &gh)?;
        let phk = mm(&ph, &k)?;
        let t1 = N::neg(&mt(&mm(&k, p)?)?)?;
        let t2 = mm(&mm(&N::sub(&gh, &mm(a, &k)?)?, p)?, &ph)?;
        let t4 = mm(&mm(&phk, p)?, a)?;
        N::sub(&N::add(&N::add(&t1, &t2)?, &phk)?, &t4)
    }
}

/// `linalg_lstsq(A, B, rcond, driver)`: the minimum-norm least-squares solution `pinv(A) B`
/// (singular values below `rcond * S_max` dropped, rcond by default eps * max(m, n)), with what
/// each LAPACK driver reports: the residuals `|A X - B|^2` per column (not for gelsy, and only
/// for tall full-rank matrices), the rank (not for gels) and the singular values (gelsd, gelss).
/// B may be a batch of vectors. Differentiable in A and B through the pseudo-inverse.
pub fn lstsq(a: &Tensor, b: &Tensor, rcond: Option<f64>, driver: &str) -> Result<(Tensor, Tensor, Tensor, Tensor)> {
    let op = "torch.linalg.lstsq";
    let (_, m, n) = matrices(op, a)?;
    let driver = if driver.is_empty() { "gelsy" } else { driver };
    crate::ensure!(
        ["gels", "gelsy", "gelsd", "gelss"].contains(&driver),
        "{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
    );
    crate::ensure!(
        a.dtype() == b.dtype(),
        "{op}: Expected input and other to have the same dtype, but got input's dtype {} and other's dtype {}",
        a.dtype().name(),
        b.dtype().name()
    );
    let vector = b.dim() == a.dim() - 1;
    let bm = if vector { N::unsqueeze(b, -1)? } else { b.clone() };
    let rows = bm.shape()[bm.dim() - 2];
    crate::ensure!(
        rows as usize == m,
        "{op}: input.size(-2) should match other.size(-2)"
    );
    let eps = if a.dtype() == DType::F64 { f64::EPSILON } else { f32::EPSILON as f64 };
    let rcond = rcond.filter(|r| *r > 0.0).unwrap_or(eps * m.max(n) as f64);
    let x = N::matmul(&pinv(a, Some(0.0), Some(rcond), false)?, &bm)?;
    let s = N::detach(&svdvals(a)?)?;
    let tol = cutoff(&s, m, n, Some(0.0), Some(rcond))?;
    let keep = if s.shape().last() == Some(&0) { N::unsqueeze(&tol, -1)? } else { tol };
    let rank = N::sum_dim_intlist(&N::gt_tensor(&s, &keep)?, Some(&[-1][..]), false, Some(DType::I64))?;
    let empty = |dt: DType| Tensor::empty(&[0], dt, a.device());
    let full_rank = rank.to_vec::<i64>()?.iter().all(|&r| r as usize == n);
    let residuals = if driver != "gelsy" && m > n && full_rank {
        // composed of differentiable ops: the gradient through the solution vanishes at the
        // minimum, leaving PyTorch's 2 (A X - B) X^T and -2 (A X - B)
        let r = N::sub(&N::matmul(a, &x)?, &bm)?;
        N::sum_dim_intlist(&N::mul(&r, &r)?, Some(&[-2][..]), false, None)? // (k,); (1,) for a vector B
    } else {
        empty(a.dtype())?
    };
    let rank = if driver == "gels" { empty(DType::I64)? } else { rank };
    let svals = if matches!(driver, "gelsd" | "gelss") { s } else { empty(a.dtype())? };
    let x = if vector { N::squeeze_dim(&x, -1)? } else { x };
    Ok((x, residuals, rank, svals))
}

/// Matrix norms that need singular values: ord ±2 (largest / smallest) and the nuclear norm
/// (their sum), over the dims `(r, c)`.
pub fn singular_norm(a: &Tensor, kind: SingularNorm, r: i64, c: i64, keepdim: bool) -> Result<Tensor> {
    let nd = a.dim();
    let (r, c) = (crate::tensor::layout::wrap_dim(r, nd)? as i64, crate::tensor::layout::wrap_dim(c, nd)? as i64);
    crate::ensure!(r != c, "linalg.matrix_norm: dims must be different. Got ({r}, {c})");
    // move (r, c) last
    let mut perm: Vec<i64> = (0..nd as i64).filter(|&d| d != r && d != c).collect();
    perm.extend([r, c]);
    let s = svdvals(&N::permute(a, &perm)?)?;
    let v = match kind {
        SingularNorm::Largest => N::amax(&s, &[-1], false)?,
        SingularNorm::Smallest => N::amin(&s, &[-1], false)?,
        SingularNorm::Nuclear => N::sum_dim_intlist(&s, Some(&[-1][..]), false, None)?,
    };
    if !keepdim {
        return Ok(v);
    }
    let (lo, hi) = (r.min(c), r.max(c));
    N::unsqueeze(&N::unsqueeze(&v, lo)?, hi)
}

/// Which norm [`singular_norm`] takes.
#[derive(Clone, Copy)]
pub enum SingularNorm {
    Largest,
    Smallest,
    Nuclear,
}

/// `linalg_cond(A, p)`: `norm(A, p) * norm(A^-1, p)`; for p = ±2 (and none) the ratio of the
/// extreme singular values.
pub fn cond(a: &Tensor, p: Option<f64>, p_str: Option<&str>) -> Result<Tensor> {
    let (_, m, n) = matrices("linalg.cond", a)?;
    if p_str.is_none() && p.is_none_or(|p| p.abs() == 2.0) {
        let s = svdvals(a)?;
        let (hi, lo) = (N::amax(&s, &[-1], false)?, N::amin(&s, &[-1], false)?);
        return if p == Some(-2.0) { N::div(&lo, &hi) } else { N::div(&hi, &lo) };
    }
    let ord = p_str.map_or_else(|| format!("{}", p.unwrap_or(2.0)), String::from);
    crate::ensure!(m == n, "linalg.cond(ord={ord}): A must be batches of square matrices, but they are {m} by {n} matrices");
    let inv = super::lu::inverse(a)?;
    let norm = |x: &Tensor| -> Result<Tensor> {
        match p_str {
            Some(o) => N::linalg_norm_ord_str(x, o, Some(&[-2, -1][..]), false, None),
            None => N::linalg_norm(x, &Scalar::Float(p.expect("numeric order")), Some(&[-2, -1][..]), false, None),
        }
    };
    N::mul(&norm(a)?, &norm(&inv)?)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_spectral {
    () => {
        fn linalg_svd(a: &Tensor, full: bool, _driver: &str) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::spectral::svd(a, full, "linalg.svd") }
        fn linalg_svd_u(u: &Tensor, s: &Tensor, vh: &Tensor, a: &Tensor, full: bool, _driver: &str) -> Result<(Tensor, Tensor, Tensor)> {
            let (uv, sv, vv) = $crate::ops::spectral::svd(a, full, "linalg.svd")?;
            Ok(($crate::ops::arith::assign_out(u, &uv)?, $crate::ops::arith::assign_out(s, &sv)?, $crate::ops::arith::assign_out(vh, &vv)?))
        }
        fn svd(a: &Tensor, some: bool, compute_uv: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::spectral::svd_legacy(a, some, compute_uv) }
        fn linalg_svdvals(a: &Tensor, _driver: &str) -> Result<Tensor> { $crate::ops::spectral::svdvals(a) }
        fn linalg_svdvals_out(out: &Tensor, a: &Tensor, _driver: &str) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::spectral::svdvals(a)?) }
        fn linalg_eigh(a: &Tensor, uplo: &str) -> Result<(Tensor, Tensor)> { $crate::ops::spectral::eigh(a, uplo, "linalg.eigh") }
        fn linalg_eigvalsh(a: &Tensor, uplo: &str) -> Result<Tensor> { Ok($crate::ops::spectral::eigh(a, uplo, "linalg.eigh")?.0) }
        fn linalg_eigvalsh_out(out: &Tensor, a: &Tensor, uplo: &str) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::spectral::eigh(a, uplo, "linalg.eigh")?.0) }
        fn linalg_matrix_rank(a: &Tensor, tol: f64, hermitian: bool) -> Result<Tensor> { $crate::ops::spectral::matrix_rank(a, Some(tol), Some(0.0), hermitian) }
        fn linalg_matrix_rank_atol_rtol_float(a: &Tensor, atol: Option<f64>, rtol: Option<f64>, hermitian: bool) -> Result<Tensor> { $crate::ops::spectral::matrix_rank(a, atol, rtol, hermitian) }
        fn linalg_pinv(a: &Tensor, rcond: f64, hermitian: bool) -> Result<Tensor> { $crate::ops::spectral::pinv(a, Some(0.0), Some(rcond), hermitian) }
        fn linalg_pinv_atol_rtol_float(a: &Tensor, atol: Option<f64>, rtol: Option<f64>, hermitian: bool) -> Result<Tensor> { $crate::ops::spectral::pinv(a, atol, rtol, hermitian) }
        fn pinverse(a: &Tensor, rcond: f64) -> Result<Tensor> { $crate::ops::spectral::pinv(a, Some(0.0), Some(rcond), false) }
        fn nuclear_norm(a: &Tensor, keepdim: bool) -> Result<Tensor> { $crate::ops::spectral::singular_norm(a, $crate::ops::spectral::SingularNorm::Nuclear, -2, -1, keepdim) }
        fn nuclear_norm_dim(a: &Tensor, dim: &[i64], keepdim: bool) -> Result<Tensor> {
            $crate::ensure!(dim.len() == 2, "nuclear norm requires a 'dim' argument of size 2");
            $crate::ops::spectral::singular_norm(a, $crate::ops::spectral::SingularNorm::Nuclear, dim[0], dim[1], keepdim)
        }
        fn linalg_lstsq(a: &Tensor, b: &Tensor, rcond: Option<f64>, driver: &str) -> Result<(Tensor, Tensor, Tensor, Tensor)> { $crate::ops::spectral::lstsq(a, b, rcond, driver) }
        fn linalg_cond(a: &Tensor, p: &Scalar) -> Result<Tensor> { $crate::ops::spectral::cond(a, Some(p.to_f64()), None) }
        fn linalg_cond_p_str(a: &Tensor, p: &str) -> Result<Tensor> { $crate::ops::spectral::cond(a, None, Some(p)) }
    };
}
pub(crate) use atg_spectral;
