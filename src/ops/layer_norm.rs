//! layer_norm: a fused forward (each row's mean and variance, then the normalised, scaled and
//! shifted row, rows split across threads) and its backward in closed form: a fused kernel when
//! no graph is being built, else written with tensor ops so that gradients of gradients follow.

use super::reduce::real::Real;
use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::cpu::prefetch::NextRow;
use crate::autograd::{is_grad_enabled, needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::tensor::{Scalar, Tensor, TensorData};

/// `layer_norm` over the last `shape.len()` dims, with optional elementwise weight and bias.
pub fn layer_norm(x: &Tensor, shape: &[i64], w: Option<&Tensor>, b: Option<&Tensor>, eps: f64) -> Result<Tensor> {
    Ok(native_layer_norm(x, shape, w, b, eps)?.0)
}

/// `native_layer_norm`: the output, and each row's mean and 1/sqrt(var + eps), shaped like the
/// input with the normalised dims kept as 1 (the statistics are not differentiated through).
pub fn native_layer_norm(x: &Tensor, shape: &[i64], w: Option<&Tensor>, b: Option<&Tensor>, eps: f64) -> Result<(Tensor, Tensor, Tensor)> {
    let xs = x.shape();
    let k = shape.len();
    crate::ensure!(
        k >= 1 && k <= xs.len() && xs[xs.len() - k..] == shape[..],
        "Given normalized_shape={shape:?}, expected input with shape [*, {}], but got input of size{:?}",
        shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
        &xs[..]
    );
    for (name, p) in [("weight", w), ("bias", b)] {
        if let Some(p) = p {
            crate::ensure!(
                p.shape()[..] == shape[..],
                "layer_norm: expected {name} of shape {shape:?}, but got {name} of shape {:?}",
                &p.shape()[..]
            );
        }
    }
    let dims: Vec<i64> = (xs.len() - k..xs.len()).map(|d| d as i64).collect();
    let dtype = x.dtype();
    crate::ensure!(dtype.is_float(), "\"LayerNormKernelImpl\" not implemented for '{}'", dtype.name());
    let params: Vec<Tensor> = [w, b].into_iter().flatten().map(|p| N::to_dtype(p, dtype, false, false)).collect::<Result<_>>()?;
    let (w, b) = match (w, b) {
        (Some(_), Some(_)) => (Some(&params[0]), Some(&params[1])),
        (Some(_), None) => (Some(&params[0]), None),
        (None, Some(_)) => (None, Some(&params[0])),
        (None, None) => (None, None),
    };
    let m = shape.iter().product::<i64>() as usize;
    let stats_shape: Vec<i64> = xs.iter().enumerate().map(|(d, &n)| if d < xs.len() - k { n } else { 1 }).collect();
    let (out, mean, rstd) = forward(x, w, b, m, &stats_shape, eps)?;
    let inputs: Vec<&Tensor> = [Some(x), w, b].into_iter().flatten().collect();
    if needs_grad(&inputs) {
        let (sx, sw) = (SavedTensor::input(x), w.map(SavedTensor::input));
        let has_b = b.is_some();
        let (mean, rstd) = (mean.clone(), rstd.clone());
        record("NativeLayerNormBackward0", &inputs, &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None; 1 + sw.is_some() as usize + has_b as usize]) };
            let x = sx.get(node)?;
            let w = sw.as_ref().map(|s| s.get(node)).transpose()?;
            backward(g, &x, w.as_ref(), has_b, &dims, (&mean, &rstd), eps)
        });
    }
    Ok((out, mean, rstd))
}

/// Gradients for (x, weight if any, bias if any): with x̂ = (x - mean) * rstd and gx = g * w,
/// dx = rstd * (gx - mean(gx) - x̂ * mean(gx * x̂)), dw = Σ g * x̂, db = Σ g over the leading dims.
/// Under a graph (double backward), mean and rstd are recomputed from x by tensor ops, so their
/// dependence on x is part of it.
fn backward(
    g: &Tensor,
    x: &Tensor,
    w: Option<&Tensor>,
    has_b: bool,
    dims: &[i64],
    saved: (&Tensor, &Tensor),
    eps: f64,
) -> Result<Vec<Option<Tensor>>> {
    if !is_grad_enabled() {
        if let Some(grads) = fused_backward(g, x, w, has_b, saved)? {
            return Ok(grads);
        }
    }
    let (mean, rstd) = if is_grad_enabled() {
        let mean = super::reduce::mean(x, Some(dims), true, None)?;
        let c = N::sub(x, &mean)?;
        let var = super::reduce::mean(&N::mul(&c, &c)?, Some(dims), true, None)?;
        (mean, N::rsqrt(&N::add_scalar(&var, &Scalar::Float(eps))?)?)
    } else {
        (saved.0.clone(), saved.1.clone())
    };
    let xhat = N::mul(&N::sub(x, &mean)?, &rstd)?;
    let gx = match w {
        Some(w) => N::mul(g, w)?,
        None => g.clone(),
    };
    let a = super::reduce::mean(&gx, Some(dims), true, None)?;
    let c = super::reduce::mean(&N::mul(&gx, &xhat)?, Some(dims), true, None)?;
    let dx = N::mul(&N::sub(&N::sub(&gx, &a)?, &N::mul(&xhat, &c)?)?, &rstd)?;
    let lead: Vec<i64> = (0..x.dim() as i64 - dims.len() as i64).collect();
    let over_lead = |t: &Tensor| if lead.is_empty() { Ok(t.clone()) } else { super::reduce::sum(t, Some(&lead), false, None) };
    let mut grads = vec![Some(dx)];
    if w.is_some() {
        grads.push(Some(over_lead(&N::mul(g, &xhat)?)?));
    }
    if has_b {
        grads.push(Some(over_lead(g)?));
    }
    Ok(grads)
}

/// The output, and each row's mean and 1/sqrt(var + eps) (shaped `stats_shape`, x's dtype).
fn forward(x: &Tensor, w: Option<&Tensor>, b: Option<&Tensor>, m: usize, stats_shape: &[i64], eps: f64) -> Result<(Tensor, Tensor, Tensor)> {
    let x = x.contiguous()?;
    let w = w.map(|t| t.contiguous()).transpose()?;
    let b = b.map(|t| t.contiguous()).transpose()?;
    let (xd, wd, bd) = (x.data(), w.as_ref().map(|t| t.data()), b.as_ref().map(|t| t.data()));
    let out = TensorData::empty(&xd.layout.shape, xd.dtype, xd.device())?;
    let mean = TensorData::empty(stats_shape, xd.dtype, xd.device())?;
    let rstd = TensorData::empty(stats_shape, xd.dtype, xd.device())?;
    let parts = Parts { x: &xd, w: wd.as_ref(), b: bd.as_ref(), out: &out, mean: &mean, rstd: &rstd, m, eps };
    crate::with_float_dtype!(xd.dtype, T, { rows::<T>(&parts) }, {
        crate::bail!("\"LayerNormKernelImpl\" not implemented for '{}'", xd.dtype.name())
    });
    Ok((Tensor::from_data(out), Tensor::from_data(mean), Tensor::from_data(rstd)))
}

/// The tensors of one forward: contiguous input and parameters, new outputs.
struct Parts<'a> {
    x: &'a TensorData,
    w: Option<&'a TensorData>,
    b: Option<&'a TensorData>,
    out: &'a TensorData,
    mean: &'a TensorData,
    rstd: &'a TensorData,
    m: usize,
    eps: f64,
}

fn rows<T: Real>(p: &Parts<'_>) {
    let m = p.m;
    let n_rows = if m == 0 { 0 } else { p.x.numel() / m };
    // SAFETY: contiguous tensors of element type T; the new outputs are written row by row,
    // each row by one task
    let (x, w, b) = unsafe { (p.x.as_slice::<T>(), p.w.map(|t| t.as_slice::<T>()), p.b.map(|t| t.as_slice::<T>())) };
    use crate::cpu::threads::{parallel_for, rows_per_run, SendPtr};
    let (po, pm, pr) = (SendPtr(p.out.base_ptr() as *mut T), SendPtr(p.mean.base_ptr() as *mut T), SendPtr(p.rstd.base_ptr() as *mut T));
    let per = rows_per_run(n_rows, m.max(1) * 3);
    parallel_for(n_rows.div_ceil(per.max(1)), |t| {
        for r in t * per..((t + 1) * per).min(n_rows) {
            let xr = &x[r * m..(r + 1) * m];
            // SAFETY: row r of the output and entry r of the statistics belong to this task
            let o = unsafe { std::slice::from_raw_parts_mut(po.get().add(r * m), m) };
            // the next row's input and output are asked for while this row's later passes run
            // in L1 (the hardware prefetcher stops at each page's end)
            let next = NextRow::after(xr, o);
            let (mean, rstd) = row(xr, w, b, o, p.eps, next);
            unsafe {
                *pm.get().add(r) = T::from_f64(mean);
                *pr.get().add(r) = T::from_f64(rstd);
            }
        }
    });
}

/// One row: returns (mean, rstd) and writes the normalised row.
fn row<T: Real>(x: &[T], w: Option<&[T]>, b: Option<&[T]>, o: &mut [T], eps: f64, next: NextRow) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    match crate::cpu::isa::isa() {
        // SAFETY: the CPU was probed for the features
        crate::cpu::isa::Isa::Avx512 => return unsafe { row_avx512(x, w, b, o, eps, next) },
        crate::cpu::isa::Isa::Avx2 => return unsafe { row_avx2(x, w, b, o, eps, next) },
        crate::cpu::isa::Isa::Base => {}
    }
    row_impl(x, w, b, o, eps, next)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
unsafe fn row_avx512<T: Real>(x: &[T], w: Option<&[T]>, b: Option<&[T]>, o: &mut [T], eps: f64, next: NextRow) -> (f64, f64) {
    row_impl(x, w, b, o, eps, next)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn row_avx2<T: Real>(x: &[T], w: Option<&[T]>, b: Option<&[T]>, o: &mut [T], eps: f64, next: NextRow) -> (f64, f64) {
    row_impl(x, w, b, o, eps, next)
}

/// Lanes of the variance sum (independent accumulators the compiler keeps in vectors: two
/// AVX-512 or four AVX2 registers, so the adds' latency overlaps).
const LANES: usize = 32;

#[inline(always)]
fn row_impl<T: Real>(x: &[T], w: Option<&[T]>, b: Option<&[T]>, o: &mut [T], eps: f64, next: NextRow) -> (f64, f64) {
    let m = x.len();
    if m == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = super::reduce::sum::sum_slice(x) / m as f64;
    // the variance about the mean (two passes: no cancellation), in lanes of the compute type
    let mc = T::c_from_f64(mean);
    let mut acc = [T::c_from_f64(0.0); LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder().iter().fold(0.0f64, |s, &v| {
        let d = T::c_to_f64(v.load() - mc);
        s + d * d
    });
    for (i, c) in chunks.enumerate() {
        next.fetch::<T, LANES>(i);
        for j in 0..LANES {
            let d = c[j].load() - mc;
            acc[j] = acc[j] + d * d;
        }
    }
    let var = (acc.iter().map(|&a| T::c_to_f64(a)).sum::<f64>() + tail) / m as f64;
    let rstd = 1.0 / (var + eps).sqrt();
    let (mc, rc) = (T::c_from_f64(mean), T::c_from_f64(rstd));
    match (w, b) {
        (Some(w), Some(b)) => {
            for (((o, &v), &w), &b) in o.iter_mut().zip(x).zip(w).zip(b) {
                *o = T::store((v.load() - mc) * rc * w.load() + b.load());
            }
        }
        (Some(w), None) => {
            for ((o, &v), &w) in o.iter_mut().zip(x).zip(w) {
                *o = T::store((v.load() - mc) * rc * w.load());
            }
        }
        (None, Some(b)) => {
            for ((o, &v), &b) in o.iter_mut().zip(x).zip(b) {
                *o = T::store((v.load() - mc) * rc + b.load());
            }
        }
        (None, None) => {
            for (o, &v) in o.iter_mut().zip(x) {
                *o = T::store((v.load() - mc) * rc);
            }
        }
    }
    (mean, rstd)
}

/// The backward without a graph, in two passes over each row (its two sums in vector lanes,
/// then dx) instead of a dozen tensor ops; dw and db are summed per run of rows on its thread
/// and the runs' sums added in f64. None when g does not match x (the op path handles it).
fn fused_backward(g: &Tensor, x: &Tensor, w: Option<&Tensor>, has_b: bool, saved: (&Tensor, &Tensor)) -> Result<Option<Vec<Option<Tensor>>>> {
    let dtype = x.dtype();
    if g.dtype() != dtype || g.shape() != x.shape() || saved.0.dtype() != dtype || saved.0.numel() == 0 {
        return Ok(None);
    }
    let (g, x, mean, rstd) = (g.contiguous()?, x.contiguous()?, saved.0.contiguous()?, saved.1.contiguous()?);
    let w = w.map(|w| w.contiguous()).transpose()?;
    let m = x.numel() / mean.numel();
    let (gd, xd, md, rd) = (g.data(), x.data(), mean.data(), rstd.data());
    let wd = w.as_ref().map(|w| w.data());
    let dx = TensorData::empty(&xd.layout.shape, dtype, xd.device())?;
    let parts = BackParts { g: &gd, x: &xd, w: wd.as_ref(), mean: &md, rstd: &rd, dx: &dx, m };
    let (dw, db) = crate::with_float_dtype!(dtype, T, { back_rows::<T>(&parts, w.is_some(), has_b) }, { return Ok(None) });
    let pshape: Vec<i64> = match &w {
        Some(w) => w.shape().to_vec(),
        None => vec![m as i64],
    };
    let param = |v: Vec<f64>| -> Result<Tensor> { N::to_dtype(&Tensor::from_vec(v, &pshape)?, dtype, false, false) };
    let mut grads = vec![Some(Tensor::from_data(dx))];
    if w.is_some() {
        grads.push(Some(param(dw)?));
    }
    if has_b {
        grads.push(Some(param(db)?));
    }
    Ok(Some(grads))
}

/// The tensors of one fused backward: contiguous g, x, weight and statistics, and the new dx.
struct BackParts<'a> {
    g: &'a TensorData,
    x: &'a TensorData,
    w: Option<&'a TensorData>,
    mean: &'a TensorData,
    rstd: &'a TensorData,
    dx: &'a TensorData,
    m: usize,
}

/// Writes dx row by row (runs of rows on threads); returns dw and db (empty when not wanted).
fn back_rows<T: Real>(p: &BackParts<'_>, want_w: bool, want_b: bool) -> (Vec<f64>, Vec<f64>) {
    use crate::cpu::threads::{parallel_for, rows_per_run, SendPtr};
    let m = p.m;
    let rows = p.mean.numel();
    // SAFETY: contiguous tensors of element type T; dx rows and the partial sums of each run are
    // written by one task
    let (g, x, mean, rstd) = unsafe { (p.g.as_slice::<T>(), p.x.as_slice::<T>(), p.mean.as_slice::<T>(), p.rstd.as_slice::<T>()) };
    let ones: Vec<T> = if p.w.is_none() { vec![T::store(T::c_from_f64(1.0)); m] } else { Vec::new() };
    let w = p.w.map(|t| unsafe { t.as_slice::<T>() }).unwrap_or(&ones);
    let per = rows_per_run(rows, m * 4);
    let runs = rows.div_ceil(per);
    let zero = T::c_from_f64(0.0);
    let mut pw = vec![zero; if want_w { runs * m } else { 0 }];
    let mut pb = vec![zero; if want_b { runs * m } else { 0 }];
    let (pdx, ppw, ppb) = (SendPtr(p.dx.base_ptr() as *mut T), SendPtr(pw.as_mut_ptr()), SendPtr(pb.as_mut_ptr()));
    parallel_for(runs, |t| {
        let (dw, db) = unsafe {
            (
                want_w.then(|| std::slice::from_raw_parts_mut(ppw.get().add(t * m), m)),
                want_b.then(|| std::slice::from_raw_parts_mut(ppb.get().add(t * m), m)),
            )
        };
        let (mut dw, mut db) = (dw, db);
        for r in t * per..((t + 1) * per).min(rows) {
            let dxr = unsafe { std::slice::from_raw_parts_mut(pdx.get().add(r * m), m) };
            let (gr, xr) = (&g[r * m..(r + 1) * m], &x[r * m..(r + 1) * m]);
            back_row(gr, xr, w, (mean[r].load(), rstd[r].load()), dxr, dw.as_deref_mut(), db.as_deref_mut());
        }
    });
    let fold = |parts: &[T::C]| -> Vec<f64> {
        let mut out = vec![0f64; if parts.is_empty() { 0 } else { m }];
        for run in parts.chunks(m.max(1)) {
            for (o, &v) in out.iter_mut().zip(run) {
                *o += T::c_to_f64(v);
            }
        }
        out
    };
    (fold(&pw), fold(&pb))
}

/// One row of the fused backward (see [`back_row_impl`]), in the AVX2 build where there is one.
fn back_row<T: Real>(g: &[T], x: &[T], w: &[T], stats: (T::C, T::C), dx: &mut [T], dw: Option<&mut [T::C]>, db: Option<&mut [T::C]>) {
    #[cfg(target_arch = "x86_64")]
    if !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
        // SAFETY: the CPU was probed for AVX2 and FMA
        return unsafe { back_row_avx2(g, x, w, stats, dx, dw, db) };
    }
    back_row_impl(g, x, w, stats, dx, dw, db)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn back_row_avx2<T: Real>(g: &[T], x: &[T], w: &[T], stats: (T::C, T::C), dx: &mut [T], dw: Option<&mut [T::C]>, db: Option<&mut [T::C]>) {
    back_row_impl(g, x, w, stats, dx, dw, db)
}

/// With x̂ = (x - mean) rstd and gx = g w: a = mean(gx), c = mean(gx x̂) (sums in lanes), then
/// dx = rstd (gx - a - x̂ c); dw += g x̂ and db += g for this row.
#[inline(always)]
fn back_row_impl<T: Real>(g: &[T], x: &[T], w: &[T], (mu, rs): (T::C, T::C), dx: &mut [T], dw: Option<&mut [T::C]>, db: Option<&mut [T::C]>) {
    let m = x.len();
    let zero = T::c_from_f64(0.0);
    let (mut sa, mut sc) = ([zero; LANES], [zero; LANES]);
    let full = m / LANES * LANES;
    for k in (0..full).step_by(LANES) {
        let (gc, xc, wc) = (&g[k..k + LANES], &x[k..k + LANES], &w[k..k + LANES]);
        for j in 0..LANES {
            let gx = gc[j].load() * wc[j].load();
            sa[j] = sa[j] + gx;
            sc[j] = sc[j] + gx * ((xc[j].load() - mu) * rs);
        }
    }
    let (mut ta, mut tc) = (0f64, 0f64);
    for k in full..m {
        let gx = g[k].load() * w[k].load();
        ta += T::c_to_f64(gx);
        tc += T::c_to_f64(gx * ((x[k].load() - mu) * rs));
    }
    let a = (sa.iter().map(|&v| T::c_to_f64(v)).sum::<f64>() + ta) / m as f64;
    let c = (sc.iter().map(|&v| T::c_to_f64(v)).sum::<f64>() + tc) / m as f64;
    let (a, c) = (T::c_from_f64(a), T::c_from_f64(c));
    for (((d, &gv), &xv), &wv) in dx.iter_mut().zip(g).zip(x).zip(w) {
        let xh = (xv.load() - mu) * rs;
        *d = T::store(rs * (gv.load() * wv.load() - a - xh * c));
    }
    if let Some(dw) = dw {
        for ((o, &gv), &xv) in dw.iter_mut().zip(g).zip(x) {
            *o = *o + gv.load() * ((xv.load() - mu) * rs);
        }
    }
    if let Some(db) = db {
        for (o, &gv) in db.iter_mut().zip(g) {
            *o = *o + gv.load();
        }
    }
}
