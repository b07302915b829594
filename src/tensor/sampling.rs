//! Fast random fills: each fill takes one key from the global generator, cuts the tensor into
//! fixed blocks and fills each block from its own stream (eight xoshiro256++ generators side by
//! side, so their steps vectorise), in parallel. A seed gives the same values whatever the
//! thread count. Used where PyTorch's own streams are not reproduced (bernoulli with a number,
//! dropout, exponential, cauchy, geometric, poisson).

use super::random::with_rng;
use super::TensorData;
use crate::cpu::threads::{parallel_for, SendPtr};
use crate::error::Result;
use crate::with_dtype;

/// Elements per block: each block has its own stream.
const BLOCK: usize = 1 << 16;
/// 2^-24: a 24-bit integer to a float in [0, 1) (PyTorch's float uniform uses 24 random bits).
const UNIT24: f32 = 1.0 / (1u32 << 24) as f32;

/// Eight xoshiro256++ generators, stored word by word so one step runs on all eight at once.
pub struct Lanes {
    s: [[u64; 8]; 4],
}

impl Lanes {
    /// The streams of block `block` under `key`: their states from splitmix64 of both.
    fn new(key: u64, block: u64) -> Lanes {
        let mut x = key ^ block.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [[0u64; 8]; 4];
        for word in s.iter_mut() {
            for v in word.iter_mut() {
                *v = super::random::splitmix(&mut x);
            }
        }
        Lanes { s }
    }

    /// One step of all eight generators.
    #[inline(always)]
    pub fn next(&mut self) -> [u64; 8] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut r = [0u64; 8];
        for i in 0..8 {
            r[i] = s0[i].wrapping_add(s3[i]).rotate_left(23).wrapping_add(s0[i]);
            let t = s1[i] << 17;
            s2[i] ^= s0[i];
            s3[i] ^= s1[i];
            s1[i] ^= s2[i];
            s0[i] ^= s3[i];
            s2[i] ^= t;
            s3[i] = s3[i].rotate_left(45);
        }
        r
    }

    /// Uniform f32 values in [0, 1), 24 random bits each (two per generator step).
    #[inline(always)]
    pub fn unit_f32(&mut self, out: &mut [f32]) {
        let mut chunks = out.chunks_exact_mut(16);
        for c in &mut chunks {
            self.unit_chunk(c);
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let mut tmp = [0f32; 16];
            self.unit_chunk(&mut tmp);
            let n = rest.len();
            rest.copy_from_slice(&tmp[..n]);
        }
    }

    /// 16 uniform f32 values from one step: the high and the low 24 bits of each word.
    #[inline(always)]
    fn unit_chunk(&mut self, c: &mut [f32]) {
        let r = self.next();
        let (hi, lo) = c.split_at_mut(8);
        for i in 0..8 {
            hi[i] = (r[i] >> 40) as u32 as i32 as f32 * UNIT24;
            lo[i] = ((r[i] >> 8) as u32 & 0xFF_FFFF) as i32 as f32 * UNIT24;
        }
    }

    /// Uniform f64 values in [0, 1), 53 random bits each.
    #[inline(always)]
    pub fn unit_f64(&mut self, out: &mut [f64]) {
        for c in out.chunks_mut(8) {
            let r = self.next();
            for (o, &v) in c.iter_mut().zip(&r) {
                *o = (v >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            }
        }
    }
}

/// Uniform f64 values one at a time, for samplers that take a varying number per value.
pub struct Draws {
    lanes: Lanes,
    buf: [u64; 8],
    at: usize,
}

impl Draws {
    /// A uniform value in [0, 1) with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        if self.at == 8 {
            self.buf = self.lanes.next();
            self.at = 0;
        }
        self.at += 1;
        (self.buf[self.at - 1] >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// `sample(draws, v)` for each of `values`, in parallel blocks with their own streams (one
/// key from the global generator).
pub fn map_values(values: &[f64], sample: impl Fn(&mut Draws, f64) -> f64 + Sync) -> Vec<f64> {
    let key = with_rng(|r| r.random() as u64);
    let mut out = vec![0f64; values.len()];
    let p = SendPtr(out.as_mut_ptr());
    parallel_for(values.len().div_ceil(BLOCK), |b| {
        let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK).min(values.len()));
        let mut d = Draws { lanes: Lanes::new(key, b as u64), buf: [0; 8], at: 8 };
        for (i, &v) in values[lo..hi].iter().enumerate() {
            // SAFETY: blocks write disjoint indices of `out`
            unsafe { *p.get().add(lo + i) = sample(&mut d, v) };
        }
    });
    out
}

/// How a fill computes one block: values in f32 (for every dtype but f64) or in f64.
pub trait BlockFill: Sync {
    fn f32s(&self, lanes: &mut Lanes, out: &mut [f32]);
    fn f64s(&self, lanes: &mut Lanes, out: &mut [f64]);
}

/// Fills `t` (any dtype, any layout) block by block: f64 tensors take `fill.f64s`, the others
/// `fill.f32s`, converted to their dtype. A view that is not contiguous is filled through a
/// contiguous temporary.
pub fn fill(t: &TensorData, fill: &impl BlockFill) -> Result<()> {
    if !t.layout.is_contiguous() {
        let tmp = TensorData::empty(&t.layout.shape, t.dtype, t.device())?;
        self::fill(&tmp, fill)?;
        return crate::cpu::copy::copy_into(t, &tmp);
    }
    fill_keyed(t, fill, with_rng(|r| r.random() as u64))
}

/// [`fill`] of a contiguous `t` from the streams of `key` (the same key, the same values,
/// whatever the thread count).
pub fn fill_keyed(t: &TensorData, fill: &impl BlockFill, key: u64) -> Result<()> {
    crate::ensure!(t.layout.is_contiguous(), "torchrs: fill_keyed needs a contiguous tensor");
    let n = t.numel();
    if n == 0 {
        return Ok(());
    }
    let blocks = n.div_ceil(BLOCK);
    let span = |b: usize| (b * BLOCK, ((b + 1) * BLOCK).min(n));
    with_dtype!(t.dtype, T, {
        let p = SendPtr(t.base_ptr() as *mut T);
        parallel_for(blocks, |b| {
            let (lo, hi) = span(b);
            let mut lanes = Lanes::new(key, b as u64);
            // SAFETY: blocks are disjoint parts of t's contiguous elements
            let dst = unsafe { std::slice::from_raw_parts_mut(p.get().add(lo), hi - lo) };
            store_block(&mut lanes, dst, fill);
        });
    });
    Ok(())
}

/// One block: computed in place for f32 and f64, else in f32 and converted.
fn store_block<T: super::Element>(lanes: &mut Lanes, dst: &mut [T], fill: &impl BlockFill) {
    use std::any::TypeId;
    // SAFETY (both casts): T is that very type
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        return fill.f32s(lanes, unsafe { &mut *(dst as *mut [T] as *mut [f32]) });
    }
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        return fill.f64s(lanes, unsafe { &mut *(dst as *mut [T] as *mut [f64]) });
    }
    let mut buf = vec![0f32; dst.len()];
    fill.f32s(lanes, &mut buf);
    for (d, &v) in dst.iter_mut().zip(&buf) {
        *d = T::from_f64(v as f64);
    }
}

/// Values `map(u)` of uniform `u` in [0, 1), the map given for f32 and for f64.
pub struct FromUnit<F, G> {
    pub f32: F,
    pub f64: G,
}

impl<F: Fn(f32) -> f32 + Sync, G: Fn(f64) -> f64 + Sync> BlockFill for FromUnit<F, G> {
    fn f32s(&self, lanes: &mut Lanes, out: &mut [f32]) {
        lanes.unit_f32(out);
        for v in out.iter_mut() {
            *v = (self.f32)(*v);
        }
    }
    fn f64s(&self, lanes: &mut Lanes, out: &mut [f64]) {
        lanes.unit_f64(out);
        for v in out.iter_mut() {
            *v = (self.f64)(*v);
        }
    }
}

/// Uniform values in [from, to).
pub fn uniform(from: f64, to: f64) -> impl BlockFill {
    let (a, w) = (from as f32, (to - from) as f32);
    FromUnit { f32: move |u: f32| a + w * u, f64: move |u: f64| from + (to - from) * u }
}

/// 1 with probability `p`, else 0.
pub fn bernoulli(p: f64) -> impl BlockFill {
    let p32 = p as f32;
    FromUnit { f32: move |u: f32| if u < p32 { 1.0 } else { 0.0 }, f64: move |u: f64| if u < p { 1.0 } else { 0.0 } }
}
