//! Fast sums: contiguous runs summed in SIMD lanes (f32 in short f32 blocks, everything in
//! f64 across blocks; AVX2/AVX-512 when the CPU has them); outer-dim reductions of a
//! contiguous input accumulate whole rows; large inputs split across threads.

use super::fold::{fill_rows, split_parallel, Plan, GRAIN};
use super::real::Real;
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::tensor::{DType, Element, Layout, TensorData};
use crate::{with_dtype, with_float_dtype};

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
    let mut s = lanes_then_tail(&mut acc, &[]);
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

/// The sum of squared deviations from `mean` over a contiguous run, in f64 lanes (the
/// variance's second pass: f64 as PyTorch's CPU variance accumulates).
#[inline]
pub fn sq_dev_sum<T: Real>(xs: &[T], mean: f64) -> f64 {
    map_sum(xs, move |x| {
        let d = x - mean;
        d * d
    })
}

/// `sum(f(x))` over a contiguous run, each value widened to f64, in f64 lanes (AVX2 when the
/// CPU has it). `f` should be small and branch-free: it is inlined into the vector loop.
#[inline]
pub fn map_sum<T: Real>(xs: &[T], f: impl Fn(f64) -> f64 + Copy) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if xs.len() >= 64 && !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
        // SAFETY: the CPU was probed for AVX2 and FMA
        return unsafe { map_sum_avx2(xs, f) };
    }
    map_sum_lanes(xs, f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map_sum_avx2<T: Real>(xs: &[T], f: impl Fn(f64) -> f64 + Copy) -> f64 {
    map_sum_lanes(xs, f)
}

#[inline(always)]
fn map_sum_lanes<T: Real>(xs: &[T], f: impl Fn(f64) -> f64 + Copy) -> f64 {
    let mut acc = [0f64; LANES];
    let mut it = xs.chunks_exact(LANES);
    for c in &mut it {
        for j in 0..LANES {
            acc[j] += f(T::c_to_f64(c[j].load()));
        }
    }
    let tail = it.remainder().iter().fold(0.0, |s, &x| s + f(T::c_to_f64(x.load())));
    // (black_box: see diff_map_blocks)
    lanes_then_tail(&mut std::hint::black_box(acc), &[]) + tail
}

/// `sum(f(a - b))` of two f32 runs of equal length (the pointwise losses: f(d) = d^2, |d|,
/// ...): differences and f in f32 (as PyTorch's loss kernels compute them), added in f32 lanes
/// within blocks of [`F32_BLOCK`], the blocks widened to f64. `f` should be branch-free (a
/// select) so that the loop vectorises.
pub fn diff_map_sum_f32(a: &[f32], b: &[f32], f: impl Fn(f32) -> f32 + Copy) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if a.len() >= 64 && !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
        // SAFETY: the CPU was probed for AVX2 and FMA
        return unsafe { diff_map_avx2(a, b, f) };
    }
    diff_map_blocks(a, b, f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn diff_map_avx2(a: &[f32], b: &[f32], f: impl Fn(f32) -> f32 + Copy) -> f64 {
    diff_map_blocks(a, b, f)
}

#[inline(always)]
fn diff_map_blocks(a: &[f32], b: &[f32], f: impl Fn(f32) -> f32 + Copy) -> f64 {
    const W: usize = 32;
    let mut total = 0f64;
    for (ca, cb) in a.chunks(F32_BLOCK).zip(b.chunks(F32_BLOCK)) {
        let mut acc = [0f32; W];
        let (mut ia, mut ib) = (ca.chunks_exact(W), cb.chunks_exact(W));
        for (x, y) in (&mut ia).zip(&mut ib) {
            for j in 0..W {
                acc[j] += f(x[j] - y[j]);
            }
        }
        // Opaque to the optimiser: seen through, the widening and the pairwise tree of
        // lanes_then_tail lead LLVM's SLP vectoriser to group the loop's lanes in pairs (2-wide
        // xmm code, half the AVX2 speed). Per 2048-value block, the cost is nil.
        let mut lanes = std::hint::black_box(acc).map(|v| v as f64);
        let tail = ia.remainder().iter().zip(ib.remainder()).fold(0f64, |s, (&x, &y)| s + f(x - y) as f64);
        total += lanes_then_tail(&mut lanes, &[]) + tail;
    }
    total
}

/// Elements summed in f32 registers before the block's partial sums are widened into the f64
/// total: each f32 lane adds at most 32 values, so the f32 rounding stays within a few ulps of
/// the block (PyTorch's cascade sum loses about as much), while the loop runs at f32 speed.
const F32_BLOCK: usize = 2048;

/// f32 sum: blocks of [`F32_BLOCK`] in four AVX2 f32 accumulators, each block widened to f64.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn f32_sum_avx2(xs: &[f32]) -> f64 {
    use std::arch::x86_64::*;
    let (n, p) = (xs.len(), xs.as_ptr());
    let mut total = [_mm256_setzero_pd(); 2];
    let mut i = 0;
    while i + 8 <= n {
        let end = (i + F32_BLOCK).min(n);
        let mut acc = [_mm256_setzero_ps(); 4];
        while i + 32 <= end {
            for (k, a) in acc.iter_mut().enumerate() {
                *a = _mm256_add_ps(*a, _mm256_loadu_ps(p.add(i + 8 * k)));
            }
            i += 32;
        }
        while i + 8 <= end {
            acc[0] = _mm256_add_ps(acc[0], _mm256_loadu_ps(p.add(i)));
            i += 8;
        }
        for a in acc {
            total[0] = _mm256_add_pd(total[0], _mm256_cvtps_pd(_mm256_castps256_ps128(a)));
            total[1] = _mm256_add_pd(total[1], _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
        }
    }
    let mut lanes = [0f64; 8];
    _mm256_storeu_pd(lanes.as_mut_ptr(), total[0]);
    _mm256_storeu_pd(lanes.as_mut_ptr().add(4), total[1]);
    lanes_then_tail(&mut lanes, &xs[i..])
}

/// [`f32_sum_avx2`] with AVX-512: four 16-lane f32 accumulators per block, and a masked load
/// for the last partial vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn f32_sum_avx512(xs: &[f32]) -> f64 {
    use std::arch::x86_64::*;
    let (n, p) = (xs.len(), xs.as_ptr());
    let mut total = [_mm512_setzero_pd(); 2];
    let mut i = 0;
    while i < n {
        let end = (i + F32_BLOCK).min(n);
        let mut acc = [_mm512_setzero_ps(); 4];
        while i + 64 <= end {
            for (k, a) in acc.iter_mut().enumerate() {
                *a = _mm512_add_ps(*a, _mm512_loadu_ps(p.add(i + 16 * k)));
            }
            i += 64;
        }
        while i + 16 <= end {
            acc[0] = _mm512_add_ps(acc[0], _mm512_loadu_ps(p.add(i)));
            i += 16;
        }
        if i < end {
            let mask: __mmask16 = (1u16 << (end - i)) - 1;
            acc[1] = _mm512_add_ps(acc[1], _mm512_maskz_loadu_ps(mask, p.add(i)));
            i = end;
        }
        for a in acc {
            total[0] = _mm512_add_pd(total[0], _mm512_cvtps_pd(_mm512_castps512_ps256(a)));
            total[1] = _mm512_add_pd(total[1], _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1))));
        }
    }
    let mut lanes = [0f64; 16];
    _mm512_storeu_pd(lanes.as_mut_ptr(), total[0]);
    _mm512_storeu_pd(lanes.as_mut_ptr().add(8), total[1]);
    lanes_then_tail(&mut lanes, &[])
}

/// The lanes added pairwise (halves, then halves again), then the tail the vector loop left,
/// one value at a time.
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

/// Sum of a contiguous run of floats, as f64. f32 runs add short blocks in f32 lanes and the
/// blocks in f64 (see [`F32_BLOCK`]); other types widen every value to f64. Threads split long
/// runs at block boundaries, so the result does not depend on the thread count.
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
    if xs.len() >= 64 && !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
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

/// Rows added in f32 (a row of partial column sums) before those are widened into the f64
/// accumulators (as [`F32_BLOCK`] does for one run).
const F32_ROWS: usize = 32;

/// [`column_sums`] of f32 on AVX2, reading the rows in memory order (each row in its own page
/// when they are long: walking down a strip of columns instead defeats the prefetcher): each
/// [`F32_ROWS`] rows, four at a time, added into one f32 row of partial sums (in L1), which is
/// then widened into `acc`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn column_sums_f32_avx2(x: *const f32, rows: usize, stride: usize, acc: &mut [f64]) {
    let w = acc.len();
    let mut part = vec![0f32; w];
    let row = |i: usize| std::slice::from_raw_parts(x.add(i * stride), w);
    let mut r = 0;
    while r < rows {
        let end = (r + F32_ROWS).min(rows);
        part.fill(0.0);
        let mut i = r;
        while i + 4 <= end {
            let (x0, x1, x2, x3) = (row(i), row(i + 1), row(i + 2), row(i + 3));
            for j in 0..w {
                part[j] += (x0[j] + x1[j]) + (x2[j] + x3[j]);
            }
            i += 4;
        }
        for i in i..end {
            for (p, &v) in part.iter_mut().zip(row(i)) {
                *p += v;
            }
        }
        for (a, &p) in acc.iter_mut().zip(&part) {
            *a += p as f64;
        }
        r = end;
    }
}

/// acc[b] += sum over rows r of x[r * stride + b] for `rows` rows (x starts at column 0 of acc).
fn column_sums<T: Real>(x: &[T], rows: usize, stride: usize, acc: &mut [f64]) {
    let w = acc.len();
    #[cfg(target_arch = "x86_64")]
    if T::DTYPE == DType::F32 && !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) && rows > 0 {
        assert!(x.len() >= (rows - 1) * stride + w, "column_sums: {rows} rows of {w} at stride {stride} need more than {} values", x.len());
        // SAFETY: T is f32 (its dtype says so); the assert covers every element read
        return unsafe { column_sums_f32_avx2(x.as_ptr() as *const f32, rows, stride, acc) };
    }
    for r in 0..rows {
        let row = &x[r * stride..r * stride + w];
        #[cfg(target_arch = "x86_64")]
        if !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
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

/// The sum of all elements of a contiguous `d` of element type `T`, split across threads.
fn contiguous_total<T: Real>(d: &TensorData) -> f64 {
    let src = unsafe { d.as_slice::<T>() };
    split_parallel(src.len(), |r| sum_slice(&src[r])).into_iter().sum()
}

/// Float sum (or mean with `scale`) of `d` (already of the output dtype `T`) over `dims`.
fn float_sum<T: Real>(d: &TensorData, dims: &[usize], keepdim: bool, scale: f64) -> Result<TensorData> {
    let fin = |s: f64| T::store(T::c_from_f64(s * scale));
    let nd = d.layout.ndim();
    if (dims.is_empty() || dims.len() == nd) && d.layout.is_contiguous() {
        // all of a contiguous tensor (`x.sum()`, `x.mean()`): no reduction plan
        let shape: crate::tensor::layout::Dims = if keepdim { smallvec::smallvec![1; nd] } else { Default::default() };
        let out = TensorData::empty(&shape, T::DTYPE, d.device())?;
        unsafe { out.as_mut_slice::<T>()[0] = fin(contiguous_total::<T>(d)) };
        return Ok(out);
    }
    let plan = Plan::new(&d.layout, dims, keepdim);
    let out = TensorData::empty(&plan.out_shape, T::DTYPE, d.device())?;
    let dst = unsafe { out.as_mut_slice::<T>() };
    if plan.n_out == 0 {
        return Ok(out);
    }
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
        let (outer, nt) = (plan.n_out / b, crate::cpu::threads::num_threads());
        let row_parts = nt.min(r / F32_ROWS);
        if plan.n_out * r < GRAIN {
            dst.chunks_mut(b).enumerate().for_each(job);
        } else if outer < nt && row_parts > 1 {
            // few outer blocks of many rows (`x.sum(0)`): each task sums a band of rows over
            // every column, reading memory in order; the bands' sums are added at the end
            let band = r.div_ceil(row_parts);
            let mut partial = vec![0f64; outer * row_parts * b];
            let pp = crate::cpu::threads::SendPtr(partial.as_mut_ptr());
            crate::cpu::threads::parallel_for(outer * row_parts, |t| {
                let (ai, lo) = (t / row_parts, t % row_parts * band);
                let hi = (lo + band).min(r);
                // SAFETY: each task owns its b-long slice of `partial`
                let acc = unsafe { std::slice::from_raw_parts_mut(pp.get().add(t * b), b) };
                if lo < hi {
                    column_sums(&src[(ai * r + lo) * b..(ai * r + hi) * b], hi - lo, b, acc);
                }
            });
            for (ai, orow) in dst.chunks_mut(b).enumerate() {
                let parts = &partial[ai * row_parts * b..(ai + 1) * row_parts * b];
                for (j, o) in orow.iter_mut().enumerate() {
                    *o = fin(parts.iter().skip(j).step_by(b).sum());
                }
            }
        } else {
            let (nb, dp) = (b.div_ceil(bc), crate::cpu::threads::SendPtr(dst.as_mut_ptr()));
            crate::cpu::threads::parallel_for(plan.n_out / b * nb, |t| {
                let (ai, lo) = (t / nb, t % nb * bc);
                let len = bc.min(b - lo);
                let mut acc = vec![0f64; len];
                column_sums(&src[ai * r * b + lo..(ai + 1) * r * b], r, b, &mut acc);
                // SAFETY: each task writes its own columns of its own output row
                let oc = unsafe { std::slice::from_raw_parts_mut(dp.get().add(ai * b + lo), len) };
                for (o, &s) in oc.iter_mut().zip(&acc) {
                    *o = fin(s);
                }
            });
        }
        return Ok(out);
    }
    if let Some((_, r, 1)) = outer_block(&d.layout, dims).filter(|&(_, r, _)| r > 0 && plan.n_out > 1) {
        // reduced dims innermost: each output is the sum of one contiguous run of r values
        let src = unsafe { d.as_slice::<T>() };
        let rows = |lo: usize, os: &mut [T]| {
            for (k, o) in os.iter_mut().enumerate() {
                *o = fin(sum_slice(&src[(lo + k) * r..(lo + k + 1) * r]));
            }
        };
        if plan.n_out * r < GRAIN || crate::cpu::threads::num_threads() < 2 {
            rows(0, dst);
        } else {
            let chunk = crate::cpu::threads::rows_per_run(plan.n_out, r);
            crate::cpu::threads::for_chunks_mut(dst, chunk, |ci, os| rows(ci * chunk, os));
        }
        return Ok(out);
    }
    if plan.n_out == 1 && d.layout.is_contiguous() {
        // the reduced dims cover every dim of size > 1
        dst[0] = fin(contiguous_total::<T>(d));
        return Ok(out);
    }
    fill_rows::<T, T>(d, &plan, dst, |row| match row.as_slice() {
        Some(xs) => fin(sum_slice(xs)),
        None => {
            let mut s = 0f64;
            if !row.runs(|xs| s += sum_slice(xs)) {
                row.each(|x, _| s += T::c_to_f64(x.load()));
            }
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

#[cfg(test)]
mod tests {
    use super::{column_sums, sum_slice};

    /// Column sums of f32 (the vector strips of 32 and 8 columns, the last columns one by one,
    /// row counts on and off the f32 blocks) against f64 sums of the same values.
    #[test]
    fn column_sums_match_the_definition() {
        for &(rows, width, stride) in &[(1usize, 1000usize, 1000usize), (33, 37, 40), (100, 64, 64), (64, 8, 9), (5, 3, 3), (1000, 70, 1000)] {
            let x = values((rows - 1) * stride + width, (rows * width) as u64);
            let mut acc = vec![0.5f64; width];
            column_sums(&x, rows, stride, &mut acc);
            for (j, &a) in acc.iter().enumerate() {
                let want: f64 = 0.5 + (0..rows).map(|r| x[r * stride + j] as f64).sum::<f64>();
                let abs: f64 = (0..rows).map(|r| (x[r * stride + j] as f64).abs()).sum::<f64>();
                assert!((a - want).abs() <= 1e-6 * abs.max(1.0), "{rows}x{width} (stride {stride}) column {j}: {a} vs {want}");
            }
        }
    }

    /// Sums over the leading dims of contiguous tensors large enough to be split across
    /// threads (by bands of rows, or by outer blocks), against f64 sums of the same values.
    #[test]
    fn outer_dim_sums_match_the_definition_when_split() {
        for &(a, r, b) in &[(1usize, 1000usize, 1000usize), (2, 700, 300), (1, 70, 3000), (5, 200, 257), (1, 3000, 7)] {
            let x = values(a * r * b, (a + r + b) as u64);
            let t = crate::tensor::Tensor::from_vec(x.clone(), &[a as i64, r as i64, b as i64]).unwrap();
            let got = super::sum_data(&t.data(), &[1], false, crate::tensor::DType::F32, 1.0).unwrap();
            assert_eq!(&got.layout.shape[..], &[a as i64, b as i64]);
            let got = unsafe { got.as_slice::<f32>() }.to_vec();
            for ai in 0..a {
                for j in 0..b {
                    let col = (0..r).map(|i| x[(ai * r + i) * b + j] as f64);
                    let (want, abs) = col.fold((0.0, 0.0), |(s, t), v| (s + v, t + v.abs()));
                    let g = got[ai * b + j] as f64;
                    assert!((g - want).abs() <= 1e-6 * abs.max(1.0), "[{a}, {r}, {b}] at ({ai}, {j}): {g} vs {want}");
                }
            }
        }
    }

    /// `n` values of mean 1 and spread 1 (a fixed LCG and Box-Muller): a sequential f32 sum of
    /// a million of them is off by about 1e-5 relative; ours must stay within 1e-7.
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut uniform = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        (0..n).map(|_| (1.0 + (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos()) as f32).collect()
    }

    #[test]
    fn f32_sums_are_accurate_and_independent_of_the_split() {
        for &n in &[1usize, 7, 63, 64, 100, 1000, 2047, 2048, 2049, 150_000, 1 << 20] {
            let xs = values(n, n as u64);
            let exact: f64 = xs.iter().map(|&x| x as f64).sum();
            let abs: f64 = xs.iter().map(|&x| (x as f64).abs()).sum();
            let got = sum_slice(&xs);
            assert!((got - exact).abs() <= 1e-7 * abs, "n={n}: {got} vs {exact}");
            // threads split at multiples of 2048 (`split_parallel`): the same blocks, the same sum
            let cut = (n / 2) / 2048 * 2048;
            let parts = sum_slice(&xs[..cut]) + sum_slice(&xs[cut..]);
            assert!((parts - got).abs() <= 1e-12 * abs, "n={n}: split {parts} vs {got}");
        }
    }
}
