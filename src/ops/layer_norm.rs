//! layer_norm: a fused forward (each row's mean and variance, then the normalised, scaled and
//! shifted row, rows split across threads) and its backward in closed form, written with tensor
//! ops so that gradients of gradients follow.

use super::reduce::real::Real;
use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::autograd::{is_grad_enabled, needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::tensor::{DType, Scalar, Tensor, TensorData};

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
    match xd.dtype {
        DType::F32 => rows::<f32>(&parts),
        DType::F64 => rows::<f64>(&parts),
        DType::F16 => rows::<half::f16>(&parts),
        DType::BF16 => rows::<half::bf16>(&parts),
        other => crate::bail!("\"LayerNormKernelImpl\" not implemented for '{}'", other.name()),
    }
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
            let (mean, rstd) = row(xr, w, b, o, p.eps);
            unsafe {
                *pm.get().add(r) = T::from_f64(mean);
                *pr.get().add(r) = T::from_f64(rstd);
            }
        }
    });
}

/// One row: returns (mean, rstd) and writes the normalised row.
fn row<T: Real>(x: &[T], w: Option<&[T]>, b: Option<&[T]>, o: &mut [T], eps: f64) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
        // SAFETY: the CPU was probed for AVX2 and FMA
        return unsafe { row_avx2(x, w, b, o, eps) };
    }
    row_impl(x, w, b, o, eps)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn row_avx2<T: Real>(x: &[T], w: Option<&[T]>, b: Option<&[T]>, o: &mut [T], eps: f64) -> (f64, f64) {
    row_impl(x, w, b, o, eps)
}

/// Lanes of the variance sum (independent accumulators the compiler keeps in vectors).
const LANES: usize = 16;

#[inline(always)]
fn row_impl<T: Real>(x: &[T], w: Option<&[T]>, b: Option<&[T]>, o: &mut [T], eps: f64) -> (f64, f64) {
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
    for c in chunks {
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
