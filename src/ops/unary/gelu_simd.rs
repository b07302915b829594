//! Exact gelu's f32 loops written out for AVX-512 and AVX2: erf's rational function
//! (`approx::erf_rational_m`'s coefficients) in one pass, with the reciprocal of its
//! denominator from the CPU's estimate and Newton steps, and the clamps as single steps. The
//! generic reciprocal loops take three passes over each block and about 40 vector steps per 16
//! values; this takes 20-22 (AVX-512): gelu of 1M floats went from 208 to 159 us on two cores
//! (oneDNN's, through libtorch, 172-184 us).

use super::approx::{ERF_P, ERF_Q};
use crate::cpu::isa::Isa;

/// The loop for `isa`, if there is one: `INF_NAN` makes +inf give NaN (PyTorch's oneDNN path).
pub fn gelu_loop<const INF_NAN: bool>(isa: Isa) -> Option<unsafe fn(&[f32], &mut [f32])> {
    #[cfg(target_arch = "x86_64")]
    match isa {
        Isa::Avx512 => return Some(x86::gelu_avx512::<INF_NAN>),
        Isa::Avx2 => return Some(x86::gelu_avx2::<INF_NAN>),
        Isa::Base => {}
    }
    let _ = isa;
    None
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{ERF_P, ERF_Q};
    use std::arch::x86_64::*;
    use std::f32::consts::FRAC_1_SQRT_2;

    /// `x * (1 + erf(x / sqrt 2)) / 2` for 16 values. The argument is clamped to [-4, 4] (the
    /// fit is exactly +-1 at 4) and erf to [-1, 1] by `vrangeps` (the smaller magnitude, with
    /// the first operand's sign: NaN passes through); the reciprocal is `rcp14` and one Newton
    /// step (Q >= 1, so no special values reach it).
    #[inline(always)]
    unsafe fn gelu16<const INF_NAN: bool>(x: __m512) -> __m512 {
        let f = _mm512_set1_ps;
        let c = _mm512_range_ps::<0b0010>(_mm512_mul_ps(x, f(FRAC_1_SQRT_2)), f(4.0));
        let s = _mm512_mul_ps(c, c);
        let mut p = _mm512_fmadd_ps(f(ERF_P[0]), s, f(ERF_P[1]));
        let mut q = _mm512_fmadd_ps(f(ERF_Q[0]), s, f(ERF_Q[1]));
        for j in 2..6 {
            p = _mm512_fmadd_ps(p, s, f(ERF_P[j]));
            q = _mm512_fmadd_ps(q, s, f(ERF_Q[j]));
        }
        let r = _mm512_rcp14_ps(q);
        let r = _mm512_fmadd_ps(r, _mm512_fnmadd_ps(q, r, f(1.0)), r);
        let erf = _mm512_range_ps::<0b0010>(_mm512_mul_ps(_mm512_mul_ps(c, p), r), f(1.0));
        let v = _mm512_mul_ps(x, _mm512_fmadd_ps(erf, f(0.5), f(0.5)));
        if INF_NAN {
            _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(x, f(f32::INFINITY)), f(f32::NAN))
        } else {
            v
        }
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
    pub unsafe fn gelu_avx512<const INF_NAN: bool>(src: &[f32], dst: &mut [f32]) {
        let n = src.len().min(dst.len());
        let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
        let mut i = 0;
        while i + 32 <= n {
            // two vectors per step: the two chains of 16 steps overlap
            let (a, b) = (_mm512_loadu_ps(s.add(i)), _mm512_loadu_ps(s.add(i + 16)));
            _mm512_storeu_ps(d.add(i), gelu16::<INF_NAN>(a));
            _mm512_storeu_ps(d.add(i + 16), gelu16::<INF_NAN>(b));
            i += 32;
        }
        while i < n {
            let m: __mmask16 = if n - i >= 16 { 0xffff } else { ((1u32 << (n - i)) - 1) as __mmask16 };
            let v = gelu16::<INF_NAN>(_mm512_maskz_loadu_ps(m, s.add(i)));
            _mm512_mask_storeu_ps(d.add(i), m, v);
            i += 16;
        }
    }

    /// [`gelu16`] for 8 values with AVX2: the clamps as min and max (NaN kept by taking the
    /// bound first), the reciprocal `rcpps` and two Newton steps.
    #[inline(always)]
    unsafe fn gelu8<const INF_NAN: bool>(x: __m256) -> __m256 {
        let f = _mm256_set1_ps;
        // _mm256_min_ps(a, b) returns b when either is NaN: the value goes second
        let clamp = |v: __m256, hi: f32| _mm256_max_ps(f(-hi), _mm256_min_ps(f(hi), v));
        let c = clamp(_mm256_mul_ps(x, f(FRAC_1_SQRT_2)), 4.0);
        let s = _mm256_mul_ps(c, c);
        let mut p = _mm256_fmadd_ps(f(ERF_P[0]), s, f(ERF_P[1]));
        let mut q = _mm256_fmadd_ps(f(ERF_Q[0]), s, f(ERF_Q[1]));
        for j in 2..6 {
            p = _mm256_fmadd_ps(p, s, f(ERF_P[j]));
            q = _mm256_fmadd_ps(q, s, f(ERF_Q[j]));
        }
        let r = _mm256_rcp_ps(q);
        let r = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(q, r, f(1.0)), r);
        let r = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(q, r, f(1.0)), r);
        let erf = clamp(_mm256_mul_ps(_mm256_mul_ps(c, p), r), 1.0);
        let v = _mm256_mul_ps(x, _mm256_fmadd_ps(erf, f(0.5), f(0.5)));
        if INF_NAN {
            _mm256_blendv_ps(v, f(f32::NAN), _mm256_cmp_ps::<_CMP_EQ_OQ>(x, f(f32::INFINITY)))
        } else {
            v
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn gelu_avx2<const INF_NAN: bool>(src: &[f32], dst: &mut [f32]) {
        let n = src.len().min(dst.len());
        let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
        let mut i = 0;
        while i + 16 <= n {
            let (a, b) = (_mm256_loadu_ps(s.add(i)), _mm256_loadu_ps(s.add(i + 8)));
            _mm256_storeu_ps(d.add(i), gelu8::<INF_NAN>(a));
            _mm256_storeu_ps(d.add(i + 8), gelu8::<INF_NAN>(b));
            i += 16;
        }
        while i < n {
            let w = (n - i).min(8);
            let mut buf = [0f32; 8];
            buf[..w].copy_from_slice(&src[i..i + w]);
            _mm256_storeu_ps(buf.as_mut_ptr(), gelu8::<INF_NAN>(_mm256_loadu_ps(buf.as_ptr())));
            dst[i..i + w].copy_from_slice(&buf[..w]);
            i += w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::gelu_loop;
    use crate::cpu::isa::{isa, Isa};
    use crate::ops::unary::approx::{GeluErf, MaddFn, Split};

    /// Each loop this CPU runs against the scalar build's division: within 4 ulp of the value
    /// plus 4 ulp of x (the tail cancels in `1 + erf`), NaN where it gives NaN, on a sweep, the
    /// special values and every tail length.
    fn check<const INF_NAN: bool>() {
        let mut xs: Vec<f32> = (-40_000..40_000).map(|i| i as f32 * 0.0025).collect();
        xs.extend([0.0, -0.0, 1e-30, -1e-30, 5.5, -5.5, 5.6, -5.6, 100.0, -100.0, 1e30, -1e30]);
        xs.extend([f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MAX, f32::MIN]);
        let mut isas = vec![];
        if isa() != Isa::Base {
            isas.push(Isa::Avx2);
        }
        if isa() == Isa::Avx512 {
            isas.push(Isa::Avx512);
        }
        let ulp = |v: f32| (v.abs().max(f32::MIN_POSITIVE) * f32::EPSILON) as f64;
        let mut bad = vec![];
        for which in isas {
            let run = gelu_loop::<INF_NAN>(which).expect("a loop for this instruction set");
            for len in (1..40).chain([xs.len()]) {
                let mut got = vec![0f32; len];
                // SAFETY: the CPU was probed for the loop's instruction set
                unsafe { run(&xs[xs.len() - len..], &mut got) };
                for (&x, &g) in xs[xs.len() - len..].iter().zip(&got) {
                    let want = GeluErf::<INF_NAN>.at::<Split>(x);
                    let close = if g == want {
                        true
                    } else if want.is_nan() || g.is_nan() {
                        want.is_nan() && g.is_nan()
                    } else {
                        (g as f64 - want as f64).abs() <= 4.0 * ulp(want) + 4.0 * ulp(x.clamp(-1e30, 1e30))
                    };
                    if !close {
                        bad.push(format!("gelu({x}) = {g} ({which:?}), division gives {want}"));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{} mismatches: {:?}", bad.len(), &bad[..bad.len().min(12)]);
    }

    #[test]
    fn loops_match_the_division() {
        check::<true>();
        check::<false>();
    }
}
