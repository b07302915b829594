//! Small f32 matrix products (up to about 100 rows, columns and depth) that read both operands
//! in place, without the gemm crate's packing and dispatch: blocks of 6 output rows by 64
//! columns (AVX-512), 16 (AVX2) or 4 (baseline) held in registers while k runs, the last
//! columns through masked loads and stores.

/// Products up to this many multiply-adds (m * n * k) take this path: it runs about as fast as
/// the gemm crate at 64-112 on a side and up to twice as fast below 48.
const MAX_WORK: usize = 96 * 96 * 96;
/// The longest k: each output is one chain of k multiply-adds, and a block's k x 64 slice of
/// the right operand should stay in the core's cache.
const MAX_K: usize = 256;

/// Whether [`small_f32`] handles a product of this size whose right operand has rows of
/// contiguous elements (`c_cs == 1`). A single output column (a matrix times a vector) is left
/// to the gemm crate, whose dot-product path runs it three times as fast as one lane of ours.
pub fn fits(m: usize, n: usize, k: usize, c_cs: isize) -> bool {
    c_cs == 1 && n > 1 && k <= MAX_K && m.saturating_mul(n).saturating_mul(k) <= MAX_WORK
}

/// Output rows per block.
const MR: usize = 6;

/// One SIMD width's operations.
trait Lanes {
    type V: Copy;
    type Mask: Copy;
    const W: usize;
    /// Column vectors per block (registers: R x NV accumulators, NV operands, one broadcast).
    const NV: usize;
    unsafe fn zero() -> Self::V;
    unsafe fn splat(x: f32) -> Self::V;
    unsafe fn load(p: *const f32) -> Self::V;
    unsafe fn load_masked(p: *const f32, m: Self::Mask) -> Self::V;
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    unsafe fn store(p: *mut f32, v: Self::V);
    unsafe fn store_masked(p: *mut f32, v: Self::V, m: Self::Mask);
    /// The mask of the first `valid` lanes (0 < valid <= W).
    unsafe fn mask(valid: usize) -> Self::Mask;
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Lanes;
    use std::arch::x86_64::*;

    pub struct Avx512;
    impl Lanes for Avx512 {
        type V = __m512;
        type Mask = __mmask16;
        const W: usize = 16;
        const NV: usize = 4;
        #[inline(always)]
        unsafe fn zero() -> __m512 {
            _mm512_setzero_ps()
        }
        #[inline(always)]
        unsafe fn splat(x: f32) -> __m512 {
            _mm512_set1_ps(x)
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> __m512 {
            _mm512_loadu_ps(p)
        }
        #[inline(always)]
        unsafe fn load_masked(p: *const f32, m: __mmask16) -> __m512 {
            _mm512_maskz_loadu_ps(m, p)
        }
        #[inline(always)]
        unsafe fn fma(a: __m512, b: __m512, c: __m512) -> __m512 {
            _mm512_fmadd_ps(a, b, c)
        }
        #[inline(always)]
        unsafe fn store(p: *mut f32, v: __m512) {
            _mm512_storeu_ps(p, v)
        }
        #[inline(always)]
        unsafe fn store_masked(p: *mut f32, v: __m512, m: __mmask16) {
            _mm512_mask_storeu_ps(p, m, v)
        }
        #[inline(always)]
        unsafe fn mask(valid: usize) -> __mmask16 {
            ((1u32 << valid) - 1) as __mmask16
        }
    }

    pub struct Avx2;
    impl Lanes for Avx2 {
        type V = __m256;
        type Mask = __m256i;
        const W: usize = 8;
        const NV: usize = 2;
        #[inline(always)]
        unsafe fn zero() -> __m256 {
            _mm256_setzero_ps()
        }
        #[inline(always)]
        unsafe fn splat(x: f32) -> __m256 {
            _mm256_set1_ps(x)
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> __m256 {
            _mm256_loadu_ps(p)
        }
        #[inline(always)]
        unsafe fn load_masked(p: *const f32, m: __m256i) -> __m256 {
            _mm256_maskload_ps(p, m)
        }
        #[inline(always)]
        unsafe fn fma(a: __m256, b: __m256, c: __m256) -> __m256 {
            _mm256_fmadd_ps(a, b, c)
        }
        #[inline(always)]
        unsafe fn store(p: *mut f32, v: __m256) {
            _mm256_storeu_ps(p, v)
        }
        #[inline(always)]
        unsafe fn store_masked(p: *mut f32, v: __m256, m: __m256i) {
            _mm256_maskstore_ps(p, m, v)
        }
        #[inline(always)]
        unsafe fn mask(valid: usize) -> __m256i {
            _mm256_cmpgt_epi32(_mm256_set1_epi32(valid as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
        }
    }
}

/// Plain f32 lanes (one value each) for CPUs without AVX2: separate multiply and add.
struct Scalar;
impl Lanes for Scalar {
    type V = f32;
    type Mask = ();
    const W: usize = 1;
    const NV: usize = 4;
    #[inline(always)]
    unsafe fn zero() -> f32 {
        0.0
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> f32 {
        x
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> f32 {
        *p
    }
    #[inline(always)]
    unsafe fn load_masked(p: *const f32, _: ()) -> f32 {
        *p
    }
    #[inline(always)]
    unsafe fn fma(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: f32) {
        *p = v
    }
    #[inline(always)]
    unsafe fn store_masked(p: *mut f32, v: f32, _: ()) {
        *p = v
    }
    #[inline(always)]
    unsafe fn mask(_: usize) {}
}

/// Rows `R` by `V` vectors of output columns: dst = sum over k of a[r, p] * c[p, ..]; with
/// `MASKED` the last vector holds only the lanes `mask` selects.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn block<L: Lanes, const R: usize, const V: usize, const MASKED: bool>(
    dst: *mut f32,
    dst_rs: usize,
    a: *const f32,
    (a_rs, a_cs): (isize, isize),
    c: *const f32,
    c_rs: isize,
    k: usize,
    mask: L::Mask,
) {
    let mut acc = [[L::zero(); V]; R];
    let mut rows = [a; R];
    for (r, p) in rows.iter_mut().enumerate() {
        *p = a.offset(r as isize * a_rs);
    }
    let (mut off, mut cp) = (0isize, c);
    for _ in 0..k {
        let mut b = [L::zero(); V];
        for (v, bv) in b.iter_mut().enumerate() {
            *bv = if MASKED && v == V - 1 { L::load_masked(cp.add(v * L::W), mask) } else { L::load(cp.add(v * L::W)) };
        }
        for (r, row) in acc.iter_mut().enumerate() {
            let x = L::splat(*rows[r].offset(off));
            for (s, &bv) in row.iter_mut().zip(&b) {
                *s = L::fma(x, bv, *s);
            }
        }
        off += a_cs;
        cp = cp.offset(c_rs);
    }
    for (r, row) in acc.iter().enumerate() {
        let d = dst.add(r * dst_rs);
        for (v, &s) in row.iter().enumerate() {
            if MASKED && v == V - 1 {
                L::store_masked(d.add(v * L::W), s, mask)
            } else {
                L::store(d.add(v * L::W), s)
            }
        }
    }
}

/// [`block`] for a run-time row count (1..=MR), vector count (1..=NV) and masking.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn block_dyn<L: Lanes>(
    rows: usize,
    vecs: usize,
    masked: bool,
    dst: *mut f32,
    dst_rs: usize,
    a: *const f32,
    sa: (isize, isize),
    c: *const f32,
    c_rs: isize,
    k: usize,
    mask: L::Mask,
) {
    macro_rules! by_vecs {
        ($r:literal) => {
            match (vecs, masked) {
                (1, false) => block::<L, $r, 1, false>(dst, dst_rs, a, sa, c, c_rs, k, mask),
                (1, true) => block::<L, $r, 1, true>(dst, dst_rs, a, sa, c, c_rs, k, mask),
                (2, false) => block::<L, $r, 2, false>(dst, dst_rs, a, sa, c, c_rs, k, mask),
                (2, true) => block::<L, $r, 2, true>(dst, dst_rs, a, sa, c, c_rs, k, mask),
                (3, false) => block::<L, $r, 3, false>(dst, dst_rs, a, sa, c, c_rs, k, mask),
                (3, true) => block::<L, $r, 3, true>(dst, dst_rs, a, sa, c, c_rs, k, mask),
                (_, false) => block::<L, $r, 4, false>(dst, dst_rs, a, sa, c, c_rs, k, mask),
                (_, true) => block::<L, $r, 4, true>(dst, dst_rs, a, sa, c, c_rs, k, mask),
            }
        };
    }
    match rows {
        1 => by_vecs!(1),
        2 => by_vecs!(2),
        3 => by_vecs!(3),
        4 => by_vecs!(4),
        5 => by_vecs!(5),
        _ => by_vecs!(6),
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn product<L: Lanes>(
    dst: *mut f32,
    dst_rs: usize,
    a: *const f32,
    (a_rs, a_cs): (isize, isize),
    c: *const f32,
    c_rs: isize,
    (m, n, k): (usize, usize, usize),
) {
    let nr = L::NV * L::W;
    let mut j0 = 0;
    while j0 < n {
        let w = nr.min(n - j0);
        let vecs = w.div_ceil(L::W);
        let last = w - (vecs - 1) * L::W;
        let (masked, mask) = (last < L::W, L::mask(last));
        let mut i = 0;
        while i < m {
            let rows = MR.min(m - i);
            let ai = a.offset(i as isize * a_rs);
            block_dyn::<L>(rows, vecs, masked, dst.add(i * dst_rs + j0), dst_rs, ai, (a_rs, a_cs), c.add(j0), c_rs, k, mask);
            i += rows;
        }
        j0 += w;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn product_avx512(dst: *mut f32, dst_rs: usize, a: *const f32, sa: (isize, isize), c: *const f32, c_rs: isize, mnk: (usize, usize, usize)) {
    product::<x86::Avx512>(dst, dst_rs, a, sa, c, c_rs, mnk)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn product_avx2(dst: *mut f32, dst_rs: usize, a: *const f32, sa: (isize, isize), c: *const f32, c_rs: isize, mnk: (usize, usize, usize)) {
    product::<x86::Avx2>(dst, dst_rs, a, sa, c, c_rs, mnk)
}

/// dst (m x n, rows `dst_rs` apart) = a (m x k, strides `sa`) @ c (k x n, rows `c_rs` apart,
/// contiguous within a row), on the calling thread. Each output is one multiply-add chain over
/// k in order, so the result does not depend on how callers cut the output into bands.
///
/// # Safety
/// The pointers and strides must address valid m x k, k x n and m x n matrices; dst must not
/// overlap the operands.
pub unsafe fn small_f32(dst: *mut f32, dst_rs: usize, a: *const f32, c: *const f32, mnk: (usize, usize, usize), sa: (isize, isize), c_rs: isize) {
    use super::isa::{isa, Isa};
    match isa() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => product_avx512(dst, dst_rs, a, sa, c, c_rs, mnk),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => product_avx2(dst, dst_rs, a, sa, c, c_rs, mnk),
        _ => product::<Scalar>(dst, dst_rs, a, sa, c, c_rs, mnk),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Kernel = unsafe fn(*mut f32, usize, *const f32, (isize, isize), *const f32, isize, (usize, usize, usize));

    /// Every build this CPU runs: the baseline, and AVX2 / AVX-512 where present.
    fn kernels() -> Vec<(&'static str, Kernel)> {
        let mut ks: Vec<(&'static str, Kernel)> = vec![("base", product::<Scalar>)];
        #[cfg(target_arch = "x86_64")]
        {
            use crate::cpu::isa::{isa, Isa};
            if isa() != Isa::Base {
                ks.push(("avx2", product_avx2));
            }
            if isa() == Isa::Avx512 {
                ks.push(("avx512", product_avx512));
            }
        }
        ks
    }

    /// Against the definition (in f64) for ragged sizes (partial row blocks and masked column
    /// vectors), a transposed left operand, and an output band inside wider rows whose other
    /// columns must stay untouched.
    #[test]
    fn small_products_match_the_definition() {
        let val = |i: usize| ((i * 7919 % 97) as f32 - 48.0) / 17.0;
        let sizes = [(1, 1, 1), (3, 5, 7), (4, 16, 16), (6, 64, 3), (7, 65, 9), (16, 16, 16), (17, 33, 9), (13, 48, 31), (40, 40, 40), (5, 1, 30), (64, 64, 64), (11, 130, 5)];
        for (name, kernel) in kernels() {
            for &(m, n, k) in &sizes {
                let a: Vec<f32> = (0..m * k).map(val).collect();
                let c: Vec<f32> = (0..k * n).map(|i| val(i + 13)).collect();
                for transposed in [false, true] {
                    // a stored row-major (m x k), or column-major (the transpose of a k x m matrix)
                    let (sa, av): ((isize, isize), Vec<f32>) = if transposed {
                        let mut t = vec![0f32; m * k];
                        for i in 0..m {
                            for p in 0..k {
                                t[p * m + i] = a[i * k + p];
                            }
                        }
                        ((1, m as isize), t)
                    } else {
                        ((k as isize, 1), a.clone())
                    };
                    // the output is columns 2..2+n of rows n + 5 wide
                    let rs = n + 5;
                    let mut d = vec![f32::NAN; m * rs];
                    unsafe { kernel(d.as_mut_ptr().add(2), rs, av.as_ptr(), sa, c.as_ptr(), n as isize, (m, n, k)) };
                    for i in 0..m {
                        for j in 0..rs {
                            let got = d[i * rs + j] as f64;
                            if j < 2 || j >= n + 2 {
                                assert!(got.is_nan(), "{name} {m}x{n}x{k}: wrote [{i},{j}] outside the band");
                                continue;
                            }
                            let terms = (0..k).map(|p| a[i * k + p] as f64 * c[p * n + j - 2] as f64);
                            let (want, size): (f64, f64) = terms.fold((0.0, 0.0), |(s, z), t| (s + t, z + t.abs()));
                            assert!((got - want).abs() <= 1e-6 * (1.0 + size), "{name} {m}x{n}x{k} t={transposed} [{i},{}]: {got} vs {want}", j - 2);
                        }
                    }
                }
            }
        }
    }
}
