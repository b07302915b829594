//! Vector f32 bodies of the remaining elementary functions (tan, asin, acos, atan, sinh, cosh,
//! log2, log10, log1p, exp2, expm1) as [`MaddFn`]s: Cephes's float algorithms written without
//! branches so the loops vectorise, each within a few ulp of the true value, with the C
//! library's special values (signed zeros, infinities, NaN).

use super::approx::{
    clamp_nan, exp_m, expm1_m, ln_1p_m, ln_split, log_specials, pow2i, reduce_half_pi, select, Madd, MaddFn,
    ROUND_MAGIC, SINCOS_LIMIT,
};
use std::f32::consts::{FRAC_PI_2, PI};

/// Declares unit [`MaddFn`] types whose body is a `Madd`-generic function.
macro_rules! madd_fns {
    ($($(#[$doc:meta])* $name:ident => $body:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name;

        impl MaddFn for $name {
            #[inline(always)]
            fn at<M: Madd>(self, x: f32) -> f32 {
                $body::<M>(x)
            }
        }
    )*};
}

madd_fns! {
    /// asin as a [`MaddFn`].
    Asin => asin_m;
    /// acos as a [`MaddFn`].
    Acos => acos_m;
    /// atan as a [`MaddFn`].
    Atan => atan_m;
    /// sinh as a [`MaddFn`].
    Sinh => sinh_m;
    /// cosh as a [`MaddFn`].
    Cosh => cosh_m;
    /// log2 as a [`MaddFn`].
    Log2 => log2_m;
    /// log10 as a [`MaddFn`].
    Log10 => log10_m;
    /// log1p as a [`MaddFn`].
    Log1p => log1p_m;
    /// 2^x as a [`MaddFn`].
    Exp2 => exp2_m;
    /// e^x - 1 as a [`MaddFn`].
    Expm1 => expm1_m;
}

/// tan as a [`MaddFn`], valid for |x| <= [`SINCOS_LIMIT`] (the C library's beyond).
#[derive(Clone, Copy)]
pub struct Tan;

impl MaddFn for Tan {
    const LIMIT: f32 = SINCOS_LIMIT;
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        tan_m::<M>(x)
    }
    fn exact<M: Madd>(self, x: f32) -> f32 {
        x.tan()
    }
}

/// tan (Cephes tanf): the remainder r of |x| by pi/2, tan r by an odd polynomial, and
/// `-1 / tan r` in the odd quadrants; the sign of x back on (so tan(-0) = -0).
#[inline(always)]
fn tan_m<M: Madd>(x: f32) -> f32 {
    let (q, r) = reduce_half_pi::<M>(x.abs());
    let z = r * r;
    let mut p = M::madd(9.385_402e-3, z, 3.119_922_3e-3);
    p = M::madd(p, z, 2.443_013_5e-2);
    p = M::madd(p, z, 5.341_128e-2);
    p = M::madd(p, z, 1.333_879_9e-1);
    p = M::madd(p, z, 3.333_315_7e-1);
    let t = M::madd(p * z, r, r);
    let t = select(q & 1 == 1, -1.0 / t, t);
    f32::from_bits(t.to_bits() ^ (x.to_bits() & 0x8000_0000))
}

/// `v + v z P(z)` (Cephes asinf's polynomial: asin v for v in [0, 1/2], z = v^2).
#[inline(always)]
fn asin_core<M: Madd>(v: f32, z: f32) -> f32 {
    let mut p = M::madd(4.216_32e-2, z, 2.418_131_1e-2);
    p = M::madd(p, z, 4.547_002_6e-2);
    p = M::madd(p, z, 7.495_300_3e-2);
    p = M::madd(p, z, 1.666_675_2e-1);
    M::madd(p * z, v, v)
}

/// `(big, c)` for a = |x| <= 1: c = asin a when a <= 1/2; else (big) c = asin sqrt((1 - a)/2),
/// from which asin a = pi/2 - 2c. Above 1 the square root makes c NaN.
#[inline(always)]
fn asin_parts<M: Madd>(a: f32) -> (bool, f32) {
    let big = a > 0.5;
    let z = select(big, 0.5 * (1.0 - a), a * a);
    let v = select(big, z.sqrt(), a);
    (big, asin_core::<M>(v, z))
}

/// asin (Cephes asinf); NaN outside [-1, 1].
#[inline(always)]
fn asin_m<M: Madd>(x: f32) -> f32 {
    let (big, c) = asin_parts::<M>(x.abs());
    select(big, M::madd(-2.0, c, FRAC_PI_2), c).copysign(x)
}

/// acos (Cephes acosf): `2c` or `pi - 2c` past |x| = 1/2, `pi/2 - asin x` inside.
#[inline(always)]
fn acos_m<M: Madd>(x: f32) -> f32 {
    let (big, c) = asin_parts::<M>(x.abs());
    let outer = select(x < 0.0, M::madd(-2.0, c, PI), 2.0 * c);
    select(big, outer, FRAC_PI_2 - c.copysign(x))
}

/// atan (Cephes atanf): |x| above tan(3pi/8) through `pi/2 - atan(1/|x|)`, above tan(pi/8)
/// through `pi/4 + atan((|x| - 1) / (|x| + 1))`, then one polynomial; the sign of x back on.
#[inline(always)]
fn atan_m<M: Madd>(x: f32) -> f32 {
    let a = x.abs();
    let far = a > 2.414_213_6;
    let mid = a > 0.414_213_57;
    let u = select(far, -1.0 / a, select(mid, (a - 1.0) / (a + 1.0), a));
    let base = select(far, FRAC_PI_2, select(mid, std::f32::consts::FRAC_PI_4, 0.0));
    let z = u * u;
    let mut p = M::madd(8.053_744_5e-2, z, -1.387_768_5e-1);
    p = M::madd(p, z, 1.997_771_1e-1);
    p = M::madd(p, z, -3.333_295e-1);
    (base + M::madd(p * z, u, u)).copysign(x)
}

/// Above this |x|, f32 sinh and cosh overflow through e^|x|, as PyTorch's vectorized kernels do.
const SINH_OVERFLOW: f32 = 88.722_84;

/// sinh (Cephes sinhf): an odd polynomial up to |x| = 1, `(e^|x| - e^-|x|) / 2` above (inf
/// from |x| = 88.72 on).
#[inline(always)]
fn sinh_m<M: Madd>(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let mut p = M::madd(2.037_219_1e-4, z, 8.330_284e-3);
    p = M::madd(p, z, 1.666_671_6e-1);
    let small = M::madd(p * z, x, x);
    let e = exp_m::<M>(a);
    let big = select(a > SINH_OVERFLOW, f32::INFINITY, M::madd(0.5, e, -0.5 / e)).copysign(x);
    select(a <= 1.0, small, big)
}

/// cosh: `(e^|x| + e^-|x|) / 2` (inf from |x| = 88.72 on).
#[inline(always)]
fn cosh_m<M: Madd>(x: f32) -> f32 {
    let a = x.abs();
    let e = exp_m::<M>(a);
    select(a > SINH_OVERFLOW, f32::INFINITY, M::madd(0.5, e, 0.5 / e))
}

/// log2 (Cephes log2f): ln of the reduced mantissa times log2(e), written as `(1 + LOG2EA)` to
/// keep its low bits, plus the exponent.
#[inline(always)]
fn log2_m<M: Madd>(x: f32) -> f32 {
    const LOG2EA: f32 = 0.442_695_04; // log2(e) - 1
    let (e, m, z, q) = ln_split::<M>(x);
    let y = M::madd(-0.5, z, q);
    let r = M::madd(y, LOG2EA, M::madd(m, LOG2EA, y)) + m + e;
    log_specials(x, r)
}

/// log10 (Cephes log10f): the mantissa's ln times log10(e) and the exponent times log10(2),
/// each constant split in a short high part and a low part.
#[inline(always)]
fn log10_m<M: Madd>(x: f32) -> f32 {
    const L102A: f32 = 3.007_812_5e-1;
    const L102B: f32 = 2.487_456_6e-4;
    const L10EA: f32 = 4.335_937_5e-1;
    const L10EB: f32 = 7.007_319e-4;
    let (e, m, z, q) = ln_split::<M>(x);
    let y = M::madd(-0.5, z, q);
    let mut r = M::madd(m, L10EB, y * L10EB);
    r = M::madd(e, L102B, r);
    r = M::madd(y, L10EA, r);
    r = M::madd(m, L10EA, r);
    log_specials(x, M::madd(e, L102A, r))
}

/// ln(1 + x) (see [`ln_1p_m`]).
#[inline(always)]
fn log1p_m<M: Madd>(x: f32) -> f32 {
    ln_1p_m::<M>(x)
}

/// 2^x (Cephes exp2f): n = round(x), the exact remainder f in [-1/2, 1/2], 2^f by a degree-6
/// polynomial, and 2^n applied in two halves (so overflow gives inf and underflow subnormals,
/// then 0). Integer x gives 2^x exactly.
#[inline(always)]
fn exp2_m<M: Madd>(x: f32) -> f32 {
    let x = clamp_nan(x, -151.0, 129.0);
    let t = x + ROUND_MAGIC;
    let n = (t.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32);
    let f = x - (t - ROUND_MAGIC);
    let mut p = M::madd(1.535_336_2e-4, f, 1.339_887_4e-3);
    p = M::madd(p, f, 9.618_437e-3);
    p = M::madd(p, f, 5.550_332_5e-2);
    p = M::madd(p, f, 2.402_264_8e-1);
    p = M::madd(p, f, 6.931_472e-1);
    let y = M::madd(p, f, 1.0);
    let n1 = n >> 1;
    y * pow2i(n1) * pow2i(n - n1)
}
