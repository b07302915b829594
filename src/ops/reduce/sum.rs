//! Fast sums: contiguous runs summed into 16 independent f64 accumulators (SIMD-friendly,
//! AVX2 when the CPU has it); outer-dim reductions of a
//! contiguous input accumulate whole rows; large inputs split across threads.

use super::fold::{fill_rows, split_parallel, Plan, GRAIN};
use super::real::Real;
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::tensor::{DType, Element, Layout, TensorData};
use crate::{with_dtype, with_float_dtype};
use rayon::prelude::*;

const LANES: usize = 16;

#[inline(always)]
fn lanes_sum<T: Real>(xs: &[T]) -> f64 {
    // f64 lanes: as fast as f32 ones on memory-bound sums, and exact enough to beat cascades
    let mut acc = [0f64; LANES];
    let mut it = xs.chunks_exact(LANES);
    for c in &mut it {
        for j in 0..LANES {
            acc[j] += T::c_to_f64(c[j].load());
        }
    }
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for j in 0..w {
            acc[j] += acc[j + w];
        }
    }
    let mut s = acc[0];
    for &x in it.remainder() {
        s += T::c_to_f64(x.load());
    }
    s
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn lanes_sum_avx2<T: Real>(xs: &[T]) -> f64 {
    lanes_sum(xs)
}

/// Adds eight vector accumulators into one, pairwise (0+4, 1+5, ... then halves again).
#[inline(always)]
fn fold_halves<V: Copy>(mut acc: [V; 8], add: impl Fn(V, V) -> V) -> V {
    let mut w = 8;
    while w > 1 {
        w /= 2;
        for k in 0..w {
            acc[k] = add(acc[k], acc[k + w]);
        }
    }
    acc[0]
}

/// The lanes of the folded accumulator added pairwise the same way, then the tail the vector
/// loop left, one value at a time.
#[inline(always)]
fn lanes_then_tail(lanes: &mut [f64], tail: &[f32]) -> f64 {
    let mut w = lanes.len();
    while w > 1 {
        w /= 2;
        for k in 0..w {
            lanes[k] += lanes[k + w];
        }
    }
    tail.iter().fold(lanes[0], |s, &x| s + x as f64)
}

/// f32 sum in f64: eight groups of four f64 lanes, each f32 widened as it is loaded (the
/// widening is the bottleneck; the compiler's version of the generic loop widens one at a time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn f32_sum_avx2(xs: &[f32]) -> f64 {
    use std::arch::x86_64::*;
    let (n, p) = (xs.len(), xs.as_ptr());
    let mut acc = [_mm256_setzero_pd(); 8];
    let mut i = 0;
    while i + 32 <= n {
        for (k, a) in acc.iter_mut().enumerate() {
            *a = _mm256_add_pd(*a, _mm256_cvtps_pd(_mm_loadu_ps(p.add(i + 4 * k))));
        }
        i += 32;
    }
    let mut lanes = [0f64; 4];
    _mm256_storeu_pd(lanes.as_mut_ptr(), fold_halves(acc, |a, b| _mm256_add_pd(a, b)));
    lanes_then_tail(&mut lanes, &xs[i..])
}

/// [`f32_sum_avx2`] with AVX-512: eight groups of eight f64 lanes (twice the widening rate).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn f32_sum_avx512(xs: &[f32]) -> f64 {
    use std::arch::x86_64::*;
    let (n, p) = (xs.len(), xs.as_ptr());
    let mut acc = [_mm512_setzero_pd(); 8];
    let mut i = 0;
    while i + 64 <= n {
        for (k, a) in acc.iter_mut().enumerate() {
            *a = _mm512_add_pd(*a, _mm512_cvtps_pd(_mm256_loadu_ps(p.add(i + 8 * k))));
        }
        i += 64;
    }
    let mut lanes = [0f64; 8];
    _mm512_storeu_pd(lanes.as_mut_ptr(), fold_halves(acc, |a, b| _mm512_add_pd(a, b)));
    lanes_then_tail(&mut lanes, &xs[i..])
}

/// Sum of a contiguous run of floats, as f64.
/// Every value is widened to f64 before it is added: f32 partial sums (even short ones) lose
/// about sqrt(n) roundings, which on long sums with cancellation is more than PyTorch's cascade
/// loses; f64 lanes lose nothing measurable, and the result does not depend on the thread count.
#[inline]
pub fn sum_slice<T: Real>(xs: &[T]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if T::DTYPE == crate::tensor::DType::F32 && xs.len() >= 64 {
        use crate::cpu::isa::{isa, Isa};
        // SAFETY: T is f32 (its dtype says so); the CPU was probed for the features
        let f = unsafe { std::slice::from_raw_parts(xs.as_ptr() as *const f32, xs.len()) };
        match isa() {
            Isa::Avx512 => return unsafe { f32_sum_avx512(f) },
            Isa::Avx2 => return unsafe { f32_sum_avx2(f) },
            Isa::Base => {}
        }
    }
    #[cfg(target_arch = "x86_64")]
    if xs.len() >= 64 && std::arch::is_x86_feature_detected!("avx2") {
        return unsafe { lanes_sum_avx2(xs) };
    }
    lanes_sum(xs)
}

#[inline(always)]
fn add_rows<T: Real>(x: &[T], width: usize, acc: &mut [f64]) {
    for row in x.chunks_exact(width) {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a += T::c_to_f64(v.load());
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn add_rows_avx2<T: Real>(x: &[T], width: usize, acc: &mut [f64]) {
    add_rows(x, width, acc)
}

/// acc[b] += sum over rows r of x[r * stride + b] for `rows` rows (x starts at column 0 of acc).
fn column_sums<T: Real>(x: &[T], rows: usize, stride: usize, acc: &mut [f64]) {
    let w = acc.len();
    for r in 0..rows {
        let row = &x[r * stride..r * stride + w];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            unsafe { add_rows_avx2(row, w, acc) };
            continue;
        }
        add_rows(row, w, acc);
    }
}

/// `[A, R, B]` when `l` is contiguous and the reduced dims form one block of its non-unit dims.
fn outer_block(l: &Layout, dims: &[usize]) -> Option<(usize, usize, usize)> {
    if !l.is_contiguous() || dims.is_empty() {
        return None;
    }
    let (mut a, mut r, mut b) = (1usize, 1usize, 1usize);
    let mut state = 0; // 0 before the block, 1 inside, 2 after
    for (i, &d) in l.shape.iter().enumerate() {
        if d == 1 {
            continue;
        }
        let red = dims.contains(&i);
        match (state, red) {
            (0, false) => a *= d as usize,
            (0, true) | (1, true) => {
                state = 1;
                r *= d as usize
            }
            (1, false) | (2, false) => {
                state = 2;
                b *= d as usize
            }
            _ => return None,
        }
    }
    Some((a, r, b))
}

/// Float sum (or mean with `scale`) of `d` (already of the output dtype `T`) over `dims`.
fn float_sum<T: Real>(d: &TensorData, dims: &[usize], keepdim: bool, scale: f64) -> Result<TensorData> {
    let plan = Plan::new(&d.layout, dims, keepdim);
    let out = TensorData::empty(&plan.out_shape, T::DTYPE, d.device())?;
    let dst = unsafe { out.as_mut_slice::<T>() };
    if plan.n_out == 0 {
        return Ok(out);
    }
    let fin = |s: f64| T::store(T::c_from_f64(s * scale));
    if let Some((_, r, b)) = outer_block(&d.layout, dims).filter(|&(_, _, b)| b > 1) {
        let src = unsafe { d.as_slice::<T>() };
        let bc = if plan.n_out * r < GRAIN { b } else { (GRAIN / r.max(1)).max(64).min(b) };
        let job = |(ai, orow): (usize, &mut [T])| {
            let x = &src[ai * r * b..(ai + 1) * r * b];
            let mut acc = vec![0f64; bc.min(b)];
            for (ci, oc) in orow.chunks_mut(bc).enumerate() {
                let acc = &mut acc[..oc.len()];
                acc.fill(0.0);
                column_sums(&x[ci * bc..], r, b, acc);
                for (o, &s) in oc.iter_mut().zip(acc.iter()) {
                    *o = fin(s);
                }
            }
        };
        if plan.n_out * r < GRAIN {
            dst.chunks_mut(b).enumerate().for_each(job);
        } else {
            crate::cpu::threads::install(|| {
                dst.par_chunks_mut(b).enumerate().for_each(|(ai, orow)| {
                    let x = &src[ai * r * b..(ai + 1) * r * b];
                    orow.par_chunks_mut(bc).enumerate().for_each(|(ci, oc)| {
                        let mut acc = vec![0f64; oc.len()];
                        column_sums(&x[ci * bc..], r, b, &mut acc);
                        for (o, &s) in oc.iter_mut().zip(&acc) {
                            *o = fin(s);
                        }
                    })
                })
            });
        }
        return Ok(out);
    }
    if plan.n_out == 1 && d.layout.is_contiguous() {
        let src = unsafe { d.as_slice::<T>() };
        let s: f64 = split_parallel(src.len(), |r| sum_slice(&src[r])).into_iter().sum();
        dst[0] = fin(s);
        return Ok(out);
    }
    fill_rows::<T, T>(d, &plan, dst, |row| match row.as_slice() {
        Some(xs) => fin(sum_slice(xs)),
        None => {
            let mut s = 0f64;
            row.each(|x, _| s += T::c_to_f64(x.load()));
            fin(s)
        }
    });
    Ok(out)
}

/// Sum of `d` over `dims` in `out_dtype` (floats as above; integers in wrapping i64).
pub fn sum_data(d: &TensorData, dims: &[usize], keepdim: bool, out_dtype: DType, scale: f64) -> Result<TensorData> {
    with_float_dtype!(out_dtype, T, {
        let c = if d.dtype == out_dtype { d.clone() } else { contiguous_as(d, out_dtype)? };
        float_sum::<T>(&c, dims, keepdim, scale)
    }, {
        let plan = Plan::new(&d.layout, dims, keepdim);
        with_dtype!(d.dtype, S, {
            with_dtype!(out_dtype, U, {
                super::fold::reduce_into::<S, U>(d, &plan, |row| {
                    let mut s = 0i64;
                    row.each(|x, _| s = s.wrapping_add(x.to_i64()));
                    U::from_i64(s)
                })
            })
        })
    })
}
