//! Small f32 matrix products (a few dozen rows and columns): register-blocked loops compiled
//! for AVX-512 and AVX2+FMA, without the gemm crate's packing and dispatch, which dominate
//! products this small.

/// Output columns per block (one AVX-512 register, two AVX2 ones).
const JB: usize = 16;
/// Output rows per block (independent accumulator chains).
const RB: usize = 4;
/// Products up to this many multiply-adds (m * n * k) take this path.
const MAX_WORK: usize = 40 * 40 * 40;

/// Whether [`small_f32`] handles a product of this size whose right operand has rows of
/// contiguous elements (`c_cs == 1`).
pub fn fits(m: usize, n: usize, k: usize, c_cs: isize) -> bool {
    c_cs == 1 && m.saturating_mul(n).saturating_mul(k) <= MAX_WORK
}

/// `R` rows of the output, columns `j0..j0 + w` (w <= JB): sums over k of a[i, p] * c[p, j].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rows_block<const FMA: bool, const R: usize>(
    dst: *mut f32,
    dst_rs: usize,
    a: *const f32,
    c: *const f32,
    k: usize,
    (a_rs, a_cs): (isize, isize),
    c_rs: isize,
    w: usize,
) {
    let mut acc = [[0f32; JB]; R];
    for p in 0..k {
        let src = c.offset(p as isize * c_rs);
        let cv: [f32; JB] = if w == JB {
            std::ptr::read_unaligned(src as *const [f32; JB])
        } else {
            let mut v = [0f32; JB];
            for (j, x) in v.iter_mut().enumerate().take(w) {
                *x = *src.add(j);
            }
            v
        };
        for (r, row) in acc.iter_mut().enumerate() {
            let av = *a.offset(r as isize * a_rs + p as isize * a_cs);
            for j in 0..JB {
                row[j] = if FMA { av.mul_add(cv[j], row[j]) } else { av * cv[j] + row[j] };
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        let d = dst.add(r * dst_rs);
        if w == JB {
            std::ptr::write_unaligned(d as *mut [f32; JB], *row);
        } else {
            for (j, &x) in row.iter().enumerate().take(w) {
                *d.add(j) = x;
            }
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn product<const FMA: bool>(
    dst: *mut f32,
    dst_rs: usize,
    a: *const f32,
    c: *const f32,
    (m, n, k): (usize, usize, usize),
    (a_rs, a_cs): (isize, isize),
    c_rs: isize,
) {
    let mut j0 = 0;
    while j0 < n {
        let w = JB.min(n - j0);
        let (cj, mut i) = (c.add(j0), 0);
        while i + RB <= m {
            let (d, ai) = (dst.add(i * dst_rs + j0), a.offset(i as isize * a_rs));
            rows_block::<FMA, RB>(d, dst_rs, ai, cj, k, (a_rs, a_cs), c_rs, w);
            i += RB;
        }
        while i < m {
            let (d, ai) = (dst.add(i * dst_rs + j0), a.offset(i as isize * a_rs));
            rows_block::<FMA, 1>(d, dst_rs, ai, cj, k, (a_rs, a_cs), c_rs, w);
            i += 1;
        }
        j0 += JB;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn product_avx512(dst: *mut f32, dst_rs: usize, a: *const f32, c: *const f32, mnk: (usize, usize, usize), sa: (isize, isize), c_rs: isize) {
    product::<true>(dst, dst_rs, a, c, mnk, sa, c_rs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn product_avx2(dst: *mut f32, dst_rs: usize, a: *const f32, c: *const f32, mnk: (usize, usize, usize), sa: (isize, isize), c_rs: isize) {
    product::<true>(dst, dst_rs, a, c, mnk, sa, c_rs)
}

/// dst (m x n, rows `dst_rs` apart) = a (m x k, strides `sa`) @ c (k x n, rows `c_rs` apart,
/// contiguous within a row), on the calling thread.
///
/// # Safety
/// The pointers and strides must address valid m x k, k x n and m x n matrices; dst must not
/// overlap the operands.
pub unsafe fn small_f32(dst: *mut f32, dst_rs: usize, a: *const f32, c: *const f32, mnk: (usize, usize, usize), sa: (isize, isize), c_rs: isize) {
    use super::isa::{isa, Isa};
    match isa() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => product_avx512(dst, dst_rs, a, c, mnk, sa, c_rs),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => product_avx2(dst, dst_rs, a, c, mnk, sa, c_rs),
        _ => product::<false>(dst, dst_rs, a, c, mnk, sa, c_rs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition (in f64) for ragged sizes and a transposed left operand.
    #[test]
    fn small_products_match_the_definition() {
        let val = |i: usize| ((i * 7919 % 97) as f32 - 48.0) / 17.0;
        for &(m, n, k) in &[(1, 1, 1), (3, 5, 7), (4, 16, 16), (16, 16, 16), (17, 33, 9), (40, 40, 40), (5, 1, 30)] {
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
                let mut d = vec![f32::NAN; m * n];
                unsafe { small_f32(d.as_mut_ptr(), n, av.as_ptr(), c.as_ptr(), (m, n, k), sa, n as isize) };
                for i in 0..m {
                    for j in 0..n {
                        let want: f64 = (0..k).map(|p| a[i * k + p] as f64 * c[p * n + j] as f64).sum();
                        let got = d[i * n + j] as f64;
                        assert!((got - want).abs() <= 1e-5 * (1.0 + want.abs()), "{m}x{n}x{k} t={transposed} [{i},{j}]: {got} vs {want}");
                    }
                }
            }
        }
    }
}
