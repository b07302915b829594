//! Fills that draw from the global generator exactly as PyTorch's CPU kernels do, element by
//! element in the same order and with the same transforms, so a seed gives PyTorch's values:
//! uniform (53 random bits for f64, 24 for the other float dtypes), normal (Box-Muller on
//! 16-value chunks for contiguous tensors of 16 or more, cached double pairs otherwise),
//! integers (`random % span`), Bernoulli with a probability per element, and the serial kernels
//! that turn one double uniform per element into a value (Bernoulli with one probability,
//! exponential, Cauchy, geometric). `t` here is contiguous, holding its elements in the order
//! PyTorch visits them.

use super::random::{with_rng, Rng};
use super::{DType, Element, TensorData};
use crate::cpu::threads::parallel_for;
use crate::ops::unary::approx::{ln_m, sincos_m, Madd};
use crate::with_dtype;

/// Mantissa digits of a float dtype (PyTorch's `std::numeric_limits<T>::digits`).
pub fn digits(d: DType) -> u32 {
    match d {
        DType::F64 => 53,
        DType::F16 => 11,
        DType::BF16 => 8,
        _ => 24,
    }
}

/// Uniform values in [0, 1) as PyTorch's `uniform_real_distribution` draws them for dtype `d`:
/// 53 random bits from a 64-bit draw for f64, else 24 bits of a 32-bit draw (f16 and bf16 too:
/// the f32 value is rounded to them afterwards, which can give 1). In f64 (exact).
fn unit_draws(rng: &mut Rng, d: DType, out: &mut [f64]) {
    if d == DType::F64 {
        return double_units(rng, out);
    }
    let mut words = vec![0u32; out.len()];
    rng.fill_u32(&mut words);
    for (o, w) in out.iter_mut().zip(&words) {
        *o = (w & 0xFF_FFFF) as f64 * (1.0 / (1 << 24) as f64);
    }
}

/// Double uniforms in [0, 1) as PyTorch's `uniform_real_distribution<double>` draws them, one
/// after another: 53 bits of a 64-bit draw each ([`Rng::uniform`], in bulk).
pub fn double_units(rng: &mut Rng, out: &mut [f64]) {
    const BLOCK: usize = 512;
    let mut words = [0u32; 2 * BLOCK];
    for c in out.chunks_mut(BLOCK) {
        let w = &mut words[..2 * c.len()];
        rng.fill_u32(w);
        for (o, p) in c.iter_mut().zip(w.chunks_exact(2)) {
            let bits = (((p[0] as u64) << 32) | p[1] as u64) & ((1 << 53) - 1);
            *o = bits as f64 * (1.0 / (1u64 << 53) as f64);
        }
    }
}

/// A double result in dtype `T` as C++'s `static_cast` gives it: f16 and bf16 through float
/// (c10's half types convert from float, so the value is rounded twice), the others directly.
#[inline(always)]
fn from_double<T: Element>(v: f64) -> T {
    if matches!(T::DTYPE, DType::F16 | DType::BF16) {
        T::from_f64(v as f32 as f64)
    } else {
        T::from_f64(v)
    }
}

/// One double uniform per element, in order, turned into a value by `f` and cast to the dtype:
/// PyTorch's serial CPU kernels for `bernoulli_(p)`, `exponential_`, `cauchy_` and `geometric_`
/// (the default kernels; MKL's, which PyTorch only takes on Intel processors, draw otherwise).
pub fn from_double_units(t: &TensorData, f: impl Fn(f64) -> f64) {
    const BLOCK: usize = 512;
    with_dtype!(t.dtype, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        let mut u = [0f64; BLOCK];
        with_rng(|r| {
            for c in out.chunks_mut(BLOCK) {
                let u = &mut u[..c.len()];
                double_units(r, u);
                for (o, &v) in c.iter_mut().zip(u.iter()) {
                    *o = from_double(f(v));
                }
            }
        });
    });
}

/// `uniform_(from, to)`: `u * (to - from) + from` in the dtype's arithmetic (f32 for f32, f16
/// and bf16, whose bounds are first rounded to the dtype; f64 for f64).
pub fn uniform(t: &TensorData, from: f64, to: f64) {
    let n = t.numel();
    if t.dtype == DType::F32 {
        let out = unsafe { t.as_mut_slice::<f32>() };
        let (a, w) = (from as f32, to as f32 - from as f32);
        let mut words = vec![0u32; n];
        with_rng(|r| r.fill_u32(&mut words));
        for (o, &r) in out.iter_mut().zip(&words) {
            *o = (r & 0xFF_FFFF) as f32 * (1.0 / (1 << 24) as f32) * w + a;
        }
        return;
    }
    let mut u = vec![0f64; n];
    with_rng(|r| unit_draws(r, t.dtype, &mut u));
    with_dtype!(t.dtype, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        if t.dtype == DType::F64 {
            for (o, &v) in out.iter_mut().zip(&u) {
                *o = T::from_f64(v * (to - from) + from);
            }
        } else {
            let (a, b) = (T::from_f64(from).to_f64() as f32, T::from_f64(to).to_f64() as f32);
            for (o, &v) in out.iter_mut().zip(&u) {
                *o = T::from_f64((v as f32 * (b - a) + a) as f64);
            }
        }
    });
}

/// PyTorch's `normal_fill_16` on f32 chunks of 16: `u1 = 1 - c[j]`, `u2 = c[j + 8]`, radius
/// `sqrt(-2 ln u1)`, angle `2 pi u2`, cosine to `c[j]` and sine to `c[j + 8]` (j < 8).
#[inline(always)]
fn box_muller16<M: Madd>(data: &mut [f32], mean: f32, std: f32) {
    for c in data.chunks_exact_mut(16) {
        let (a, b) = c.split_at_mut(8);
        for j in 0..8 {
            let r = (-2.0 * ln_m::<M>(1.0 - a[j])).sqrt();
            let th = std::f32::consts::TAU * b[j];
            a[j] = M::madd(r * sincos_m::<M, true>(th), std, mean);
            b[j] = M::madd(r * sincos_m::<M, false>(th), std, mean);
        }
    }
}

crate::isa_dispatch!(fn box_muller16_f32(data: &mut [f32], mean: f32, std: f32) => box_muller16);

/// The same in f64 (for f64 tensors; `round` is the identity there).
fn box_muller16_wide<T: Element>(c: &mut [T], mean: f64, std: f64) {
    let round = |v: f64| T::from_f64(v).to_f64();
    for j in 0..8 {
        let u1 = round(1.0 - c[j].to_f64());
        let u2 = c[j + 8].to_f64();
        let r = round((-2.0 * u1.ln()).sqrt());
        let th = round(2.0 * std::f64::consts::PI * u2);
        let (std, mean) = (round(std), round(mean));
        c[j] = T::from_f64(r * th.cos() * std + mean);
        c[j + 8] = T::from_f64(r * th.sin() * std + mean);
    }
}

/// `normal_(mean, std)` as PyTorch: 16 or more elements (`t` contiguous in its own right when
/// `dense`) take the chunked Box-Muller of uniforms drawn for every element (the last 16
/// redrawn and redone when 16 does not divide the count); otherwise one cached-pair double
/// normal per element.
pub fn normal(t: &TensorData, mean: f64, std: f64, dense: bool) {
    let n = t.numel();
    if n < 16 || !dense {
        with_dtype!(t.dtype, T, {
            let out = unsafe { t.as_mut_slice::<T>() };
            with_rng(|r| out.iter_mut().for_each(|o| *o = T::from_f64(r.normal() * std + mean)));
        });
        return;
    }
    if t.dtype == DType::F32 {
        let out = unsafe { t.as_mut_slice::<f32>() };
        let tail = n % 16 != 0;
        let mut words = vec![0u32; n];
        let mut redo = [0u32; 16];
        with_rng(|r| {
            r.fill_u32(&mut words);
            if tail {
                r.fill_u32(&mut redo);
            }
        });
        let unit = |w: u32| (w & 0xFF_FFFF) as f32 * (1.0 / (1 << 24) as f32);
        let (m32, s32) = (mean as f32, std as f32);
        let full = n / 16 * 16;
        let p = crate::cpu::threads::SendPtr(out.as_mut_ptr());
        const CHUNK: usize = 1 << 16;
        parallel_for(full.div_ceil(CHUNK), |c| {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(full));
            // SAFETY: disjoint ranges of `out`
            let part = unsafe { std::slice::from_raw_parts_mut(p.get().add(lo), hi - lo) };
            for (o, &w) in part.iter_mut().zip(&words[lo..hi]) {
                *o = unit(w);
            }
            box_muller16_f32(part, m32, s32);
        });
        if tail {
            let last = &mut out[n - 16..];
            for (o, &w) in last.iter_mut().zip(&redo) {
                *o = unit(w);
            }
            box_muller16_f32(last, m32, s32);
        }
        return;
    }
    if matches!(t.dtype, DType::F16 | DType::BF16) {
        return normal_reduced(t, mean as f32, std as f32);
    }
    with_dtype!(t.dtype, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        let mut u = vec![0f64; n + 16];
        with_rng(|r| unit_draws(r, t.dtype, &mut u[..if n % 16 != 0 { n + 16 } else { n }]));
        for (o, &v) in out.iter_mut().zip(&u) {
            *o = T::from_f64(v);
        }
        for c in out.chunks_exact_mut(16) {
            box_muller16_wide(c, mean, std);
        }
        if n % 16 != 0 {
            let last = &mut out[n - 16..];
            for (o, &v) in last.iter_mut().zip(&u[n..]) {
                *o = T::from_f64(v);
            }
            box_muller16_wide(last, mean, std);
        }
    });
}

/// `log_normal_(mean, std)` as PyTorch: e to one cached-pair double normal per element, in
/// order (its kernel is serial at every size).
pub fn log_normal(t: &TensorData, mean: f64, std: f64) {
    with_dtype!(t.dtype, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        with_rng(|r| out.iter_mut().for_each(|o| *o = from_double((r.normal() * std + mean).exp())));
    });
}

/// f16 and bf16 as PyTorch: each chunk of 16 draws its 16 uniforms into an f32 buffer, which
/// the Box-Muller step turns into normal values, rounded into the chunk; when 16 does not
/// divide the count, a last chunk of 16 fresh draws is written over the last 16 elements.
fn normal_reduced(t: &TensorData, mean: f32, std: f32) {
    let n = t.numel();
    let chunks = n / 16 + (n % 16 != 0) as usize;
    let mut words = vec![0u32; chunks * 16];
    with_rng(|r| r.fill_u32(&mut words));
    with_dtype!(t.dtype, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        for (c, w) in words.chunks_exact(16).enumerate() {
            let mut buf = [0f32; 16];
            for (b, &x) in buf.iter_mut().zip(w) {
                *b = (x & 0xFF_FFFF) as f32 * (1.0 / (1 << 24) as f32);
            }
            box_muller16_f32(&mut buf, mean, std);
            let at = (c * 16).min(n - 16);
            for (o, &v) in out[at..at + 16].iter_mut().zip(&buf) {
                *o = T::from_f64(v as f64);
            }
        }
    });
}

/// Integers in `[low, low + span)`: `random % span` (`random64` from a span of 2^32 on).
pub fn integers(t: &TensorData, low: i64, span: u64) {
    with_dtype!(t.dtype, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        if span < 1 << 32 {
            // 32-bit draws in bulk
            let mut words = vec![0u32; out.len()];
            with_rng(|r| r.fill_u32(&mut words));
            // w % span by Lemire's direct remainder (exact for all 32-bit w and span)
            let m = (u64::MAX / span).wrapping_add(1);
            for (o, &w) in out.iter_mut().zip(&words) {
                let rem = ((m.wrapping_mul(w as u64) as u128 * span as u128) >> 64) as i64;
                *o = T::from_i64(low.wrapping_add(rem));
            }
        } else {
            with_rng(|r| out.iter_mut().for_each(|o| *o = T::from_i64(low.wrapping_add((r.next_u64() % span) as i64))));
        }
    });
}

/// `random_()` with no bounds, PyTorch's `uniform_int_distribution`: bool from the low bit,
/// integers modulo (max + 1), floats modulo (2^digits + 1); 64-bit draws for i64 and f64.
pub fn full_range(t: &TensorData) {
    let d = t.dtype;
    let wide = matches!(d, DType::I64 | DType::F64);
    let modulus: u64 = match d {
        DType::Bool => 2,
        DType::U8 => 256,
        DType::I8 => 128,
        DType::I16 => 1 << 15,
        DType::I32 => 1 << 31,
        DType::I64 => 1 << 63,
        _ => (1u64 << digits(d)) + 1,
    };
    with_dtype!(d, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        with_rng(|r| {
            for o in out.iter_mut() {
                let v = if wide { r.next_u64() } else { r.random() as u64 };
                *o = T::from_i64((v % modulus) as i64);
            }
        });
    });
}

/// Bernoulli with a probability per element (`p` holds them in `t`'s order): a uniform below p
/// gives 1. Double probabilities (`wide`) take double uniforms (53 bits), the others float
/// uniforms (24 bits), as PyTorch's `bernoulli_distribution<double>` and `<float>`.
pub fn bernoulli(t: &TensorData, p: &[f64], wide: bool) {
    let n = t.numel();
    let mut u = vec![0f64; n];
    with_rng(|r| unit_draws(r, if wide { DType::F64 } else { DType::F32 }, &mut u));
    with_dtype!(t.dtype, T, {
        let out = unsafe { t.as_mut_slice::<T>() };
        for ((o, &v), &q) in out.iter_mut().zip(&u).zip(p) {
            *o = T::from_f64(if v < q { 1.0 } else { 0.0 });
        }
    });
}
