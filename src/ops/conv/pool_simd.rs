//! The AVX2 build of max pooling's inner loop for f32: eight windows of a uniform span at a
//! time, with PyTorch's rule (a larger value or a NaN replaces the current maximum) as
//! compare-and-blend instead of unpredictable branches.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Max and flat index of the `n >= 4` windows of a uniform span (see `pool::uniform_max`):
/// window `t` reads `row + c0 + t * step + e * cs` for each row of `rows` and `e < k`.
/// `ilen` is how many elements of `s` may be read; every index must fit in an i32.
///
/// # Safety
/// The CPU must have AVX2; `n >= 4`; `s` must cover every index read (all below `ilen`); `v`
/// and `ix` must cover `n` elements; `rows` must not be empty.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn uniform_max_f32(s: *const f32, ilen: usize, rows: &[isize], [c0, k, cs]: [usize; 3], step: usize, n: usize, v: *mut f32, ix: *mut i64) {
    let lanes = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(step as i32));
    let load = |at: isize| -> __m256 {
        let p = s.offset(at);
        if step == 1 {
            _mm256_loadu_ps(p)
        } else if step == 2 && at as usize + 16 <= ilen {
            // even elements of 16: [a0 a2 b0 b2 | a4 a6 b4 b6], then the 64-bit pairs reordered
            let sh = _mm256_shuffle_ps::<0x88>(_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)));
            _mm256_castpd_ps(_mm256_permute4x64_pd::<0xD8>(_mm256_castps_pd(sh)))
        } else {
            _mm256_i32gather_ps::<4>(p, lanes)
        }
    };
    // blocks of 8, the last one overlapping its predecessor when 8 does not divide n
    // (recomputing a window writes the same result)
    let starts = (0..n / 8).map(|b| b * 8).chain((n % 8 != 0 && n >= 8).then_some(n.saturating_sub(8)));
    for t0 in starts {
        let (mut best, mut bidx) = (_mm256_setzero_ps(), _mm256_setzero_si256());
        let mut first = true;
        for &row in rows {
            for e in 0..k {
                let at = row + (c0 + e * cs + t0 * step) as isize;
                let vals = load(at);
                let idx = _mm256_add_epi32(_mm256_set1_epi32(at as i32), lanes);
                if first {
                    (best, bidx, first) = (vals, idx, false);
                    continue;
                }
                let take = _mm256_or_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(vals, best), _mm256_cmp_ps::<_CMP_UNORD_Q>(vals, vals));
                best = _mm256_blendv_ps(best, vals, take);
                bidx = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bidx), _mm256_castsi256_ps(idx), take));
            }
        }
        _mm256_storeu_ps(v.add(t0), best);
        _mm256_storeu_si256(ix.add(t0) as *mut __m256i, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(bidx)));
        _mm256_storeu_si256(ix.add(t0 + 4) as *mut __m256i, _mm256_cvtepi32_epi64(_mm256_extracti128_si256::<1>(bidx)));
    }
    if n < 8 {
        uniform_max_f32_x4(s, ilen, rows, [c0, k, cs], step, n, v, ix);
    }
}

/// [`uniform_max_f32`] for 4 to 7 windows (small pooled maps, like 8x8 -> 4x4), four at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn uniform_max_f32_x4(s: *const f32, ilen: usize, rows: &[isize], [c0, k, cs]: [usize; 3], step: usize, n: usize, v: *mut f32, ix: *mut i64) {
    let lanes = _mm_mullo_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32(step as i32));
    let load = |at: isize| -> __m128 {
        let p = s.offset(at);
        if step == 1 {
            _mm_loadu_ps(p)
        } else if step == 2 && at as usize + 8 <= ilen {
            _mm_shuffle_ps::<0x88>(_mm_loadu_ps(p), _mm_loadu_ps(p.add(4)))
        } else {
            _mm_i32gather_ps::<4>(p, lanes)
        }
    };
    for t0 in [0, n - 4] {
        let (mut best, mut bidx) = (_mm_setzero_ps(), _mm_setzero_si128());
        let mut first = true;
        for &row in rows {
            for e in 0..k {
                let at = row + (c0 + e * cs + t0 * step) as isize;
                let vals = load(at);
                let idx = _mm_add_epi32(_mm_set1_epi32(at as i32), lanes);
                if first {
                    (best, bidx, first) = (vals, idx, false);
                    continue;
                }
                let take = _mm_or_ps(_mm_cmp_ps::<_CMP_GT_OQ>(vals, best), _mm_cmp_ps::<_CMP_UNORD_Q>(vals, vals));
                best = _mm_blendv_ps(best, vals, take);
                bidx = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(bidx), _mm_castsi128_ps(idx), take));
            }
        }
        _mm_storeu_ps(v.add(t0), best);
        _mm_storeu_si128(ix.add(t0) as *mut __m128i, _mm_cvtepi32_epi64(bidx));
        _mm_storeu_si128(ix.add(t0 + 2) as *mut __m128i, _mm_cvtepi32_epi64(_mm_unpackhi_epi64(bidx, bidx)));
    }
}
