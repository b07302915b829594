//! Pooling kernels: the windows of max/average/adaptive pooling along one dim, the max kernel
//! (values and flat indices, NaN-propagating like PyTorch) and the index scatter/gather pair
//! that are each other's gradients (max pooling's backward and double backward).

use super::gemm::{Acc, SendPtr};
use super::taps::Taps;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::tensor::{DType, Device, Tensor, TensorData};
use rayon::prelude::*;

/// Max pooling windows: output `o` reads `o * s - p + i * d` for `i < k`, where inside
/// (only the inside positions are visited, so huge kernels cost nothing).
pub fn max_windows(in_len: usize, out_len: usize, k: usize, s: usize, p: usize, d: usize) -> Taps {
    Taps::build(in_len, out_len, |o| {
        let (base, d, n) = (o as i128 * s as i128 - p as i128, d as i128, in_len as i128);
        let lo = if base < 0 { (-base + d - 1) / d } else { 0 };
        let hi = if n - base <= 0 { 0 } else { ((n - base + d - 1) / d).min(k as i128) };
        (lo..hi.max(lo)).map(move |i| ((base + i * d) as usize, 1.0))
    })
}

/// Average pooling windows with PyTorch's divisors: the window clipped to the padded input
/// (`count_include_pad`) or to the input. Weights are 1 / divisor, or 1 with `unit` (the
/// caller divides); the divisors are returned too (0 for an empty window).
pub fn avg_windows(in_len: usize, out_len: usize, k: usize, s: usize, p: usize, count_include_pad: bool, unit: bool) -> (Taps, Vec<i64>) {
    let window = |o: usize| {
        let start = o as i128 * s as i128 - p as i128;
        let end = (start + k as i128).min(in_len as i128 + p as i128);
        let (lo, hi) = (start.max(0) as i64, end.clamp(0, in_len as i128) as i64);
        let div = if hi <= lo { 0 } else if count_include_pad { (end - start) as i64 } else { hi - lo };
        (lo, hi, div)
    };
    let taps = Taps::build(in_len, out_len, |o| {
        let (lo, hi, div) = window(o);
        let w = if unit { 1.0 } else { 1.0 / div.max(1) as f64 };
        (lo..hi.max(lo)).map(move |i| (i as usize, w))
    });
    (taps, (0..out_len).map(|o| window(o).2).collect())
}

/// Adaptive pooling windows `[floor(o * in / out), ceil((o + 1) * in / out))`, averaged or not.
pub fn adaptive_windows(in_len: usize, out_len: usize, average: bool) -> Taps {
    Taps::build(in_len, out_len, |o| {
        let start = o * in_len / out_len;
        let end = ((o + 1) * in_len).div_ceil(out_len);
        let w = if average { 1.0 / (end - start).max(1) as f64 } else { 1.0 };
        (start..end).map(move |i| (i, w))
    })
}

/// Planes above which pooling kernels use threads.
const PARALLEL_ELEMS: usize = 1 << 15;

/// One dim's max windows as arithmetic runs: output `o` reads `first + i * step` for
/// `i < len`, `[first, len, step]` (max and adaptive windows are always such runs).
fn runs(t: &Taps) -> Vec<[usize; 3]> {
    (0..t.out_len())
        .map(|o| {
            let idx = t.of(o).0;
            [idx.first().copied().unwrap_or(0), idx.len(), if idx.len() > 1 { idx[1] - idx[0] } else { 1 }]
        })
        .collect()
}

/// Max over the windows of every plane: `x` is `[planes, isp]` (trailing dims padded to 3
/// with unit dims), windows one `Taps` per spatial dim (arithmetic runs). Writes values into
/// `vals` and flat indices into `idxs` (both `[planes, osp]`).
fn max_typed<T: Acc>(x: &TensorData, planes: usize, isp: [usize; 3], win: &[Taps; 3], vals: &TensorData, idxs: &TensorData) -> Result<()> {
    let x = contiguous_as(x, T::DTYPE)?;
    let (src, pv, pi) = (SendPtr(x.base_ptr() as *mut T), SendPtr(vals.base_ptr() as *mut T), SendPtr(idxs.base_ptr() as *mut i64));
    let (ra, rb, rc) = (runs(&win[0]), runs(&win[1]), runs(&win[2]));
    let (ilen, olen) = (isp.iter().product::<usize>(), ra.len() * rb.len() * rc.len());
    let lowest = T::from_f64(f64::NEG_INFINITY);
    let (jlo, jhi) = uniform_span(&rc);
    let plane = |p: usize| unsafe {
        let s = (src.get() as *const T).add(p * ilen);
        let (mut v, mut ix) = (pv.get().add(p * olen), pi.get().add(p * olen));
        let mut rows: Vec<isize> = Vec::new();
        for &[a0, al, as_] in &ra {
            for &[b0, bl, bs] in &rb {
                // the input rows of this output row's windows
                rows.clear();
                for i in 0..al {
                    for j in 0..bl {
                        rows.push((((a0 + i * as_) * isp[1] + b0 + j * bs) * isp[2]) as isize);
                    }
                }
                // the uniform span in one go (it needs a row to start from), the rest one by one
                let span = if rows.is_empty() { 0..0 } else { jlo..jhi };
                if !span.is_empty() {
                    uniform_max(s, ilen, &rows, &rc[span.clone()], v.add(jlo), ix.add(jlo));
                }
                for (j, &[c0, cl, cs]) in rc.iter().enumerate() {
                    if span.contains(&j) {
                        continue;
                    }
                    let (mut best, mut bi) = (lowest, -1isize);
                    for &row in &rows {
                        let mut k = row + c0 as isize;
                        for _ in 0..cl {
                            let val = *s.offset(k);
                            #[allow(clippy::eq_op)]
                            if bi < 0 || val > best || val != val {
                                best = val;
                                bi = k;
                            }
                            k += cs as isize;
                        }
                    }
                    *v.add(j) = best;
                    *ix.add(j) = bi.max(0) as i64;
                }
                v = v.add(rc.len());
                ix = ix.add(rc.len());
            }
        }
    };
    if planes > 1 && planes * olen >= PARALLEL_ELEMS && crate::cpu::threads::num_threads() > 1 {
        crate::cpu::threads::install(|| (0..planes).into_par_iter().for_each(plane));
    } else {
        (0..planes).for_each(plane);
    }
    Ok(())
}

/// The longest span `jlo..jhi` of the last dim's windows that all have the largest length and
/// step, each starting a fixed distance after the previous one (the windows away from the
/// padding): [`uniform_max`] runs those without per-window bookkeeping.
fn uniform_span(rc: &[[usize; 3]]) -> (usize, usize) {
    let k = rc.iter().map(|r| r[1]).max().unwrap_or(0);
    let Some(lo) = rc.iter().position(|r| r[1] == k && k > 0) else { return (0, 0) };
    let mut hi = lo + 1;
    if hi < rc.len() && rc[hi][1] == k && rc[hi][2] == rc[lo][2] && rc[hi][0] > rc[lo][0] {
        let step = rc[hi][0] - rc[lo][0];
        while hi < rc.len() && rc[hi][1] == k && rc[hi][2] == rc[lo][2] && rc[hi][0] == rc[lo][0] + (hi - lo) * step {
            hi += 1;
        }
    }
    (lo, hi)
}

/// The max (PyTorch's rule: a larger value or a NaN replaces the current one, visiting the
/// window in order) and its flat index for a uniform span of windows of one output row: window
/// `t` reads `row + span[0][0] + t * step + e * span[0][2]` for every row of `rows` and
/// `e < span[0][1]`. Windows are visited tap by tap across the whole span, so the inner loop is
/// branch-free and vectorizable.
///
/// # Safety
/// `s` must cover every index read; `v` and `ix` must cover `span.len()` elements.
unsafe fn uniform_max<T: Acc>(s: *const T, ilen: usize, rows: &[isize], span: &[[usize; 3]], v: *mut T, ix: *mut i64) {
    let [c0, k, cs] = span[0];
    let step = if span.len() > 1 { span[1][0] - c0 } else { 0 };
    let n = span.len();
    #[cfg(target_arch = "x86_64")]
    if T::DTYPE == DType::F32 && n >= 4 && ilen < (i32::MAX as usize) && crate::cpu::isa::isa() != crate::cpu::isa::Isa::Base {
        return super::pool_simd::uniform_max_f32(s as *const f32, ilen, rows, span[0], step, n, v as *mut f32, ix);
    }
    let _ = ilen;
    let mut first = true;
    for &row in rows {
        for e in 0..k {
            let base = row + (c0 + e * cs) as isize;
            if first {
                for t in 0..n {
                    let at = base + (t * step) as isize;
                    *v.add(t) = *s.offset(at);
                    *ix.add(t) = at as i64;
                }
                first = false;
                continue;
            }
            for t in 0..n {
                let at = base + (t * step) as isize;
                let (val, cur) = (*s.offset(at), *v.add(t));
                #[allow(clippy::eq_op)]
                let take = (val > cur) | (val != val);
                *v.add(t) = if take { val } else { cur };
                *ix.add(t) = if take { at as i64 } else { *ix.add(t) };
            }
        }
    }
}

/// Max pooling of the trailing `nsp` dims of `x` over `win`: values (recorded, gradient by
/// index scatter) and int64 indices into each plane's spatial elements.
pub fn max_pool(name: &'static str, x: &Tensor, win: &[Taps]) -> Result<(Tensor, Tensor)> {
    let shape = x.shape();
    let nsp = win.len();
    let lead = &shape[..shape.len() - nsp];
    let planes: usize = lead.iter().map(|&d| d as usize).product();
    let unit = || Taps::build(1, 1, |_| [(0, 1.0)]);
    let mut isp = [1usize; 3];
    let mut w3: [Taps; 3] = [unit(), unit(), unit()];
    for (j, t) in win.iter().enumerate() {
        isp[3 - nsp + j] = shape[shape.len() - nsp + j] as usize;
        w3[3 - nsp + j] = t.clone();
    }
    let mut out_shape: Vec<i64> = lead.to_vec();
    out_shape.extend(win.iter().map(|t| t.out_len() as i64));
    let d = x.data();
    let dt = d.dtype;
    let acc = match dt {
        DType::F64 => DType::F64,
        DType::F32 | DType::F16 | DType::BF16 => DType::F32,
        _ => DType::I64,
    };
    let vals = Tensor::empty(&out_shape, acc, Device::Cpu)?;
    let idx = Tensor::empty(&out_shape, DType::I64, Device::Cpu)?;
    let (vd, id) = (vals.data(), idx.data());
    match acc {
        DType::F64 => max_typed::<f64>(&d, planes, isp, &w3, &vd, &id)?,
        DType::F32 => max_typed::<f32>(&d, planes, isp, &w3, &vd, &id)?,
        _ => max_typed::<i64>(&d, planes, isp, &w3, &vd, &id)?,
    }
    let vals = if acc == dt { vals } else { Tensor::from_data(contiguous_as(&vd, dt)?) };
    if needs_grad(&[x]) {
        let (si, in_shape) = (SavedTensor::input(&idx), shape.clone());
        record(name, &[x], &[&vals], move |node, g| {
            Ok(vec![g[0].as_ref().map(|g| scatter(g, &si.get(node)?, &in_shape, nsp)).transpose()?])
        });
    }
    Ok((vals, idx))
}

/// Checks `idx` against `g` and the plane size, returning (planes, per-plane output) and the
/// indices as a contiguous int64 buffer.
fn check_indices(g: &Tensor, idx: &Tensor, ilen: usize, nsp: usize) -> Result<(usize, usize, TensorData)> {
    crate::ensure!(
        g.shape() == idx.shape(),
        "Expected indices of the same shape as grad_output {:?}, but got indices of shape {:?}",
        &g.shape()[..],
        &idx.shape()[..]
    );
    crate::ensure!(idx.dtype() == DType::I64, "expected indices of dtype Long, but got {}", idx.dtype().name());
    let s = g.shape();
    let olen: usize = s[s.len().saturating_sub(nsp)..].iter().map(|&d| d as usize).product();
    let planes = if olen == 0 { 0 } else { g.numel() / olen };
    let ix = contiguous_as(&idx.data(), DType::I64)?;
    // one branch-free pass (the common case: all valid), then the first culprit for the message
    let ok = unsafe { ix.as_slice::<i64>() }.iter().fold(true, |ok, &i| ok & ((i as u64) < ilen as u64));
    if !ok {
        let i = unsafe { ix.as_slice::<i64>() }.iter().copied().find(|&i| i < 0 || i as usize >= ilen).unwrap_or(-1);
        crate::bail!("Found an invalid max index: {i} (output volumes are of size {ilen})");
    }
    Ok((planes, olen, ix))
}

fn scatter_typed<T: Acc>(g: &TensorData, idx: &[i64], planes: usize, olen: usize, ilen: usize, out: &TensorData) -> Result<()> {
    let g = contiguous_as(g, T::DTYPE)?;
    let (src, dst) = unsafe { (g.as_slice::<T>(), SendPtr(out.base_ptr() as *mut T)) };
    let run = |p: usize| unsafe {
        let d = std::slice::from_raw_parts_mut(dst.get().add(p * ilen), ilen);
        for j in 0..olen {
            let i = idx[p * olen + j] as usize;
            d[i] = d[i].add(src[p * olen + j]);
        }
    };
    if planes * olen >= PARALLEL_ELEMS && crate::cpu::threads::num_threads() > 1 {
        crate::cpu::threads::install(|| (0..planes).into_par_iter().for_each(run));
    } else {
        (0..planes).for_each(run);
    }
    Ok(())
}

/// `out[p, idx[p, j]] += g[p, j]` into zeros of `in_shape` (trailing `nsp` dims are the plane).
pub fn scatter(g: &Tensor, idx: &Tensor, in_shape: &[i64], nsp: usize) -> Result<Tensor> {
    let ilen: usize = in_shape[in_shape.len() - nsp..].iter().map(|&d| d as usize).product();
    let (planes, olen, ixd) = check_indices(g, idx, ilen, nsp)?;
    let in_planes: usize = in_shape[..in_shape.len() - nsp].iter().map(|&d| d as usize).product();
    crate::ensure!(planes == in_planes || olen == 0, "torchrs: gradient {:?} does not match input {in_shape:?}", &g.shape()[..]);
    let dt = g.dtype();
    let acc = match dt {
        DType::F64 => DType::F64,
        DType::F32 | DType::F16 | DType::BF16 => DType::F32,
        _ => DType::I64,
    };
    let out = Tensor::zeros(in_shape, acc, Device::Cpu)?;
    let ix = unsafe { ixd.as_slice::<i64>() };
    match acc {
        DType::F64 => scatter_typed::<f64>(&g.data(), ix, planes, olen, ilen, &out.data())?,
        DType::F32 => scatter_typed::<f32>(&g.data(), ix, planes, olen, ilen, &out.data())?,
        _ => scatter_typed::<i64>(&g.data(), ix, planes, olen, ilen, &out.data())?,
    }
    let out = if acc == dt { out } else { Tensor::from_data(contiguous_as(&out.data(), dt)?) };
    if needs_grad(&[g]) {
        let si = SavedTensor::input(idx);
        record("MaxPoolBackward", &[g], &[&out], move |node, gg| {
            Ok(vec![gg[0].as_ref().map(|gg| gather(gg, &si.get(node)?, nsp)).transpose()?])
        });
    }
    Ok(out)
}

/// `out[p, j] = x[p, idx[p, j]]`: the adjoint of [`scatter`].
pub fn gather(x: &Tensor, idx: &Tensor, nsp: usize) -> Result<Tensor> {
    let xs = x.shape();
    let ilen: usize = xs[xs.len() - nsp..].iter().map(|&d| d as usize).product();
    let s = idx.shape();
    let olen: usize = s[s.len() - nsp..].iter().map(|&d| d as usize).product();
    let ix = idx.to_vec::<i64>()?;
    crate::ensure!(ix.iter().all(|&i| i >= 0 && (i as usize) < ilen), "torchrs: max pooling index out of range");
    let vals = x.to_vec::<f64>()?;
    let planes = if olen == 0 { 0 } else { ix.len() / olen };
    let mut out = Vec::with_capacity(ix.len());
    for p in 0..planes {
        for j in 0..olen {
            out.push(vals[p * ilen + ix[p * olen + j] as usize]);
        }
    }
    let r = Tensor::from_vec(out, &s)?;
    let r = Tensor::from_data(contiguous_as(&r.data(), x.dtype())?);
    if needs_grad(&[x]) {
        let (si, in_shape) = (SavedTensor::input(idx), xs.clone());
        record("MaxPoolBackwardBackward", &[x], &[&r], move |node, g| {
            Ok(vec![g[0].as_ref().map(|g| scatter(g, &si.get(node)?, &in_shape, nsp)).transpose()?])
        });
    }
    Ok(r)
}
