//! f32 products `a @ w^T` where both `a` and `w` have contiguous rows (every linear layer's
//! `x @ w.t()`): register-blocked dot products of rows, so the weight is read in place rather
//! than copied transposed and then packed by the gemm crate.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Depth of one pass over k: a block of weight rows (8 x 512 floats, 16 KB) stays in L1
/// while every row block of `a` passes over it.
const KC: usize = 512;
/// Rows of `a` per pass, so that the `a` panel (MC x KC floats, 384 KB) stays in L2.
const MC: usize = 192;
/// Rows of `a` per register tile.
const RA: usize = 3;

/// Rows of `a` up to which [`nt_f32`] beats a transposed copy of `w` and the gemm crate (at
/// 1024 rows the copy is cheap beside the product, and the crate's packed kernel faster).
const MAX_ROWS: usize = 256;

/// Whether [`nt_f32`] takes this product: f32 `a` (m x k) with contiguous rows (`a_cs == 1`)
/// times a right operand whose columns are contiguous (`c_rs == 1`, the transpose of a
/// row-major `w`), deep and wide enough for row dot products to fill the vector registers.
pub fn fits((m, n, k): (usize, usize, usize), a_cs: isize, c_rs: isize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use super::isa::{isa, Isa};
        a_cs == 1 && c_rs == 1 && m <= MAX_ROWS && k >= 64 && n >= 8 && matches!(isa(), Isa::Avx2 | Isa::Avx512)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (m, n, k, a_cs, c_rs);
        false
    }
}

/// dst (m x n, rows `dst_rs` apart) = a (m x k, rows `a_rs` apart) @ w^T, w (n x k, rows
/// `w_rs` apart). Only call where [`fits`] said yes.
///
/// # Safety
/// The pointers must cover the shapes and strides given.
#[allow(clippy::too_many_arguments)]
pub unsafe fn nt_f32(dst: *mut f32, dst_rs: usize, a: *const f32, a_rs: isize, w: *const f32, w_rs: isize, (m, n, k): (usize, usize, usize)) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = Product { dst, dst_rs, a, a_rs, w, w_rs, m, n, k };
        match super::isa::isa() {
            super::isa::Isa::Avx512 => nt_avx512(&p),
            super::isa::Isa::Avx2 => nt_avx2(&p),
            super::isa::Isa::Base => unreachable!("gemm_nt::fits rules out the baseline build"),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (dst, dst_rs, a, a_rs, w, w_rs, m, n, k);
        unreachable!("gemm_nt::fits rules out non-x86 targets")
    }
}

/// The operands and sizes of one product.
#[cfg(target_arch = "x86_64")]
struct Product {
    dst: *mut f32,
    dst_rs: usize,
    a: *const f32,
    a_rs: isize,
    w: *const f32,
    w_rs: isize,
    m: usize,
    n: usize,
    k: usize,
}

/// The blocking loops around a register tile of `RA` rows of `a` by `$rw` rows of `w`: `$tile`
/// is called as `$tile::<R>(a_rows, w_rows, kc)` and returns the R x `$rw` dot products over
/// `kc` elements. Past the last row of `a` or `w` a tile repeats that row (its results are
/// not stored); the first pass over k stores, the later ones add.
#[cfg(target_arch = "x86_64")]
macro_rules! blocked {
    ($p:expr, $rw:expr, $tile:ident) => {{
        let p: &Product = $p;
        const RW: usize = $rw;
        for k0 in (0..p.k).step_by(KC) {
            let kc = KC.min(p.k - k0);
            let first = k0 == 0;
            for i0 in (0..p.m).step_by(MC) {
                let i_end = (i0 + MC).min(p.m);
                for j0 in (0..p.n).step_by(RW) {
                    let nw = RW.min(p.n - j0);
                    let wr: [*const f32; RW] =
                        std::array::from_fn(|r| p.w.offset((j0 + r.min(nw - 1)) as isize * p.w_rs + k0 as isize));
                    let mut i = i0;
                    while i < i_end {
                        let na = RA.min(i_end - i);
                        let sums: [[f32; RW]; RA] = if na == RA {
                            let ar: [*const f32; RA] = std::array::from_fn(|r| p.a.offset((i + r) as isize * p.a_rs + k0 as isize));
                            $tile::<RA>(ar, wr, kc)
                        } else {
                            // the last one or two rows: one row at a time
                            let mut s = [[0f32; RW]; RA];
                            for (r, row) in s.iter_mut().enumerate().take(na) {
                                *row = $tile::<1>([p.a.offset((i + r) as isize * p.a_rs + k0 as isize)], wr, kc)[0];
                            }
                            s
                        };
                        for (r, row) in sums.iter().enumerate().take(na) {
                            let d = p.dst.add((i + r) * p.dst_rs + j0);
                            for (c, &v) in row.iter().enumerate().take(nw) {
                                *d.add(c) = if first { v } else { *d.add(c) + v };
                            }
                        }
                        i += na;
                    }
                }
            }
        }
    }};
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2,fma")]
unsafe fn nt_avx512(p: &Product) {
    blocked!(p, 8, tile_avx512)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn nt_avx2(p: &Product) {
    blocked!(p, 4, tile_avx2)
}

/// R rows of `a` dotted with 8 rows of `w` over `kc` elements: R x 8 accumulators of 16 lanes,
/// a masked step for the last `kc % 16`, then each row's 8 accumulators summed into 8 lanes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn tile_avx512<const R: usize>(a: [*const f32; R], w: [*const f32; 8], kc: usize) -> [[f32; 8]; R] {
    let mut acc = [[_mm512_setzero_ps(); 8]; R];
    let full = kc / 16 * 16;
    let mut q = 0;
    while q < full {
        let av: [__m512; R] = std::array::from_fn(|r| _mm512_loadu_ps(a[r].add(q)));
        for (j, wj) in w.iter().enumerate() {
            let wv = _mm512_loadu_ps(wj.add(q));
            for r in 0..R {
                acc[r][j] = _mm512_fmadd_ps(av[r], wv, acc[r][j]);
            }
        }
        q += 16;
    }
    if q < kc {
        let mask: __mmask16 = (1u16 << (kc - q)) - 1;
        let av: [__m512; R] = std::array::from_fn(|r| _mm512_maskz_loadu_ps(mask, a[r].add(q)));
        for (j, wj) in w.iter().enumerate() {
            let wv = _mm512_maskz_loadu_ps(mask, wj.add(q));
            for r in 0..R {
                acc[r][j] = _mm512_fmadd_ps(av[r], wv, acc[r][j]);
            }
        }
    }
    std::array::from_fn(|r| std::mem::transmute::<__m256, [f32; 8]>(sum8_avx512(&acc[r])))
}

/// The lane sums of 8 vectors, as the 8 lanes of one: pairs interleaved and added within
/// 128-bit lanes, then the four 128-bit lanes added.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn sum8_avx512(v: &[__m512; 8]) -> __m256 {
    #[inline(always)]
    unsafe fn pair(x: __m512, y: __m512) -> __m512 {
        // per 128-bit lane: [x0+x2, y0+y2, x1+x3, y1+y3]
        _mm512_add_ps(_mm512_unpacklo_ps(x, y), _mm512_unpackhi_ps(x, y))
    }
    #[inline(always)]
    unsafe fn quad(s: __m512, t: __m512) -> __m512 {
        // per 128-bit lane: that lane's sums of the four vectors behind s and t
        _mm512_add_ps(_mm512_shuffle_ps::<0b01_00_01_00>(s, t), _mm512_shuffle_ps::<0b11_10_11_10>(s, t))
    }
    let lo = quad(pair(v[0], v[1]), pair(v[2], v[3]));
    let hi = quad(pair(v[4], v[5]), pair(v[6], v[7]));
    // lanes: lo.0+lo.1, lo.2+lo.3, hi.0+hi.1, hi.2+hi.3
    let u = _mm512_add_ps(_mm512_shuffle_f32x4::<0b10_00_10_00>(lo, hi), _mm512_shuffle_f32x4::<0b11_01_11_01>(lo, hi));
    let s = _mm512_add_ps(_mm512_shuffle_f32x4::<0b00_00_10_00>(u, u), _mm512_shuffle_f32x4::<0b00_00_11_01>(u, u));
    _mm512_castps512_ps256(s)
}

/// R rows of `a` dotted with 4 rows of `w` over `kc` elements: R x 4 accumulators of 8 lanes,
/// a masked step for the last `kc % 8`, then each row's 4 accumulators summed into 4 lanes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn tile_avx2<const R: usize>(a: [*const f32; R], w: [*const f32; 4], kc: usize) -> [[f32; 4]; R] {
    let mut acc = [[_mm256_setzero_ps(); 4]; R];
    let full = kc / 8 * 8;
    let mut q = 0;
    while q < full {
        let av: [__m256; R] = std::array::from_fn(|r| _mm256_loadu_ps(a[r].add(q)));
        for (j, wj) in w.iter().enumerate() {
            let wv = _mm256_loadu_ps(wj.add(q));
            for r in 0..R {
                acc[r][j] = _mm256_fmadd_ps(av[r], wv, acc[r][j]);
            }
        }
        q += 8;
    }
    if q < kc {
        let left = _mm256_set1_epi32((kc - q) as i32);
        let mask = _mm256_cmpgt_epi32(left, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        let av: [__m256; R] = std::array::from_fn(|r| _mm256_maskload_ps(a[r].add(q), mask));
        for (j, wj) in w.iter().enumerate() {
            let wv = _mm256_maskload_ps(wj.add(q), mask);
            for r in 0..R {
                acc[r][j] = _mm256_fmadd_ps(av[r], wv, acc[r][j]);
            }
        }
    }
    std::array::from_fn(|r| {
        let v = &acc[r];
        let h = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
        let s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps::<1>(h));
        std::mem::transmute::<__m128, [f32; 4]>(s)
    })
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// The product in f64, from the same operands.
    fn reference(a: &[f32], w: &[f32], (m, n, k): (usize, usize, usize)) -> Vec<f64> {
        let mut out = vec![0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|p| a[i * k + p] as f64 * w[j * k + p] as f64).sum();
            }
        }
        out
    }

    #[test]
    fn row_dot_products_match_f64_at_every_edge() {
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        // k past one pass (KC) with a tail, m past one row panel (MC) with 1 and 2 rows left,
        // n with partial tiles of both builds
        for &(m, n, k) in &[(1, 32, 64), (2, 37, 71), (5, 40, 513), (200, 45, 1100), (3, 64, 1030)] {
            let a: Vec<f32> = (0..m * k).map(|_| next()).collect();
            let w: Vec<f32> = (0..n * k).map(|_| next()).collect();
            let want = reference(&a, &w, (m, n, k));
            for build in builds() {
                // dst rows wider than n: the columns past n must stay untouched
                let pad = 3;
                let mut dst = vec![f32::NAN; m * (n + pad)];
                let p = Product { dst: dst.as_mut_ptr(), dst_rs: n + pad, a: a.as_ptr(), a_rs: k as isize, w: w.as_ptr(), w_rs: k as isize, m, n, k };
                unsafe { build(&p) };
                check(&dst, &want, (m, n, k), pad);
            }
        }
    }

    /// The builds this CPU runs.
    fn builds() -> Vec<unsafe fn(&Product)> {
        let mut b: Vec<unsafe fn(&Product)> = vec![];
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            b.push(nt_avx2);
        }
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") && is_x86_feature_detected!("avx512dq") {
            b.push(nt_avx512);
        }
        b
    }

    fn check(dst: &[f32], want: &[f64], (m, n, k): (usize, usize, usize), pad: usize) {
        for i in 0..m {
            for j in 0..n {
                let (got, exp) = (dst[i * (n + pad) + j] as f64, want[i * n + j]);
                assert!((got - exp).abs() <= 1e-5 * (k as f64).sqrt(), "{m}x{n}x{k} [{i},{j}]: {got} vs {exp}");
            }
            let past = &dst[i * (n + pad) + n..(i + 1) * (n + pad)];
            assert!(past.iter().all(|x| x.is_nan()), "{m}x{n}x{k}: row {i} written past n");
        }
    }
}
