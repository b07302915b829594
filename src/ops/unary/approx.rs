//! Branch-free f32 approximations (exp, tanh, sigmoid, erf, log) that loops auto-vectorize, plus
//! the C library's erf/erfc for the scalar paths. Each is within about 1-2 ulp of the true value.

extern "C" {
    fn erf(x: f64) -> f64;
    fn erfc(x: f64) -> f64;
    fn erfcf(x: f32) -> f32;
}

/// The C library's `erf` (f64).
#[inline]
pub fn erf_f64(x: f64) -> f64 {
    unsafe { erf(x) }
}

/// The C library's `erfc` (f64).
#[inline]
pub fn erfc_f64(x: f64) -> f64 {
    unsafe { erfc(x) }
}

/// The C library's `erfcf` (f32): accurate in the far tail, where `1 - erf` is not.
#[inline]
pub fn erfc_f32(x: f32) -> f32 {
    unsafe { erfcf(x) }
}

/// How a polynomial step `a * b + c` is computed: [`Fused`] (one FMA) in code built with the
/// FMA feature (the AVX2/AVX-512 kernels), [`Split`] elsewhere (where `mul_add` would call libm).
pub trait Madd: Copy {
    fn madd(a: f32, b: f32, c: f32) -> f32;
}

/// `a * b + c` as one fused multiply-add; only for code compiled with the FMA feature.
#[derive(Clone, Copy)]
pub struct Fused;
/// `a * b + c` as a multiply and an add.
#[derive(Clone, Copy)]
pub struct Split;

impl Madd for Fused {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

impl Madd for Split {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

/// An f32 function with a [`Madd`]-generic body, so each kernel build picks its own steps.
pub trait MaddFn: Copy + Sync {
    /// The largest |x| the approximation holds for; the vector loops send blocks holding a
    /// larger |x| (or inf) to [`MaddFn::exact`].
    const LIMIT: f32 = f32::INFINITY;
    fn at<M: Madd>(self, x: f32) -> f32;
    /// Set by a function of the form `post(x, 1 / den(x))` (whose `at` is that, with the
    /// division): the AVX2/AVX-512 loops then take the reciprocal as the CPU's estimate refined
    /// by Newton steps (within about 1 ulp: one step after AVX-512's, two after AVX2's), where
    /// a vector division costs 5-10 cycles.
    const RECIP: bool = false;
    /// The denominator, and a value (a numerator) that [`MaddFn::post`] needs again, carried
    /// between the loops rather than computed twice (only with [`MaddFn::RECIP`]).
    #[inline(always)]
    fn den<M: Madd>(self, x: f32) -> (f32, f32) {
        (x, 0.0)
    }
    /// The value from x, the value `den` carried and `r = 1 / den(x)` (only with
    /// [`MaddFn::RECIP`]).
    #[inline(always)]
    fn post<M: Madd>(self, _x: f32, _carried: f32, r: f32) -> f32 {
        r
    }
    /// The value beyond [`MaddFn::LIMIT`] (the C library's, where there is one; else steps
    /// computed by `M`).
    #[inline(always)]
    fn exact<M: Madd>(self, x: f32) -> f32 {
        self.at::<M>(x)
    }
    /// A loop over a whole f32 slice written out for `isa` (one whose hand-scheduled steps beat
    /// the generic builds'), or None to use those.
    #[inline(always)]
    fn slice_loop(self, _isa: crate::cpu::isa::Isa) -> Option<unsafe fn(&[f32], &mut [f32])> {
        None
    }
}

/// A plain f32 function as a [`MaddFn`] (it computes its steps its own way in every build).
#[derive(Clone, Copy)]
pub struct Plain<F>(pub F);

impl<F: Fn(f32) -> f32 + Copy + Sync> MaddFn for Plain<F> {
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        (self.0)(x)
    }
}

/// e^x as a [`MaddFn`].
#[derive(Clone, Copy)]
pub struct Exp;
/// tanh as a [`MaddFn`].
#[derive(Clone, Copy)]
pub struct Tanh;
/// The logistic function as a [`MaddFn`].
#[derive(Clone, Copy)]
pub struct Sigmoid;

/// The vector loops take [`exp_within_m`], and blocks holding an |x| above 87 (inf among
/// them) the two-step scale of [`exp_m`] (overflow to inf, subnormal results below -87.3).
impl MaddFn for Exp {
    const LIMIT: f32 = 87.0;
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        exp_within_m::<M>(x)
    }
    #[inline(always)]
    fn exact<M: Madd>(self, x: f32) -> f32 {
        exp_m::<M>(x)
    }
}

/// The tanh op: `x P(x^2) / Q(x^2)` with x clamped to [-9, 9] and exactly +-1 from |x| = 9.1 on
/// (tanh rounds to +-1 in f32 from 9.011), P and Q of degree 4 fitted by `tools/fit/tanh_rational.py`
/// (within about 6 ulp in f32, 1 on average): a third of [`tanh_m`]'s steps, so the 1M-element
/// op runs at memory speed. Q >= 1, so the reciprocal estimate applies.
impl MaddFn for Tanh {
    const RECIP: bool = true;
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        let (q, cp) = self.den::<M>(x);
        self.post::<M>(x, cp, 1.0 / q)
    }
    /// Q(c^2) and the numerator c P(c^2), c the argument clamped to [-9, 9].
    #[inline(always)]
    fn den<M: Madd>(self, x: f32) -> (f32, f32) {
        let c = clamp_nan(x, -9.0, 9.0);
        let s = c * c;
        let mut q = M::madd(7.776_899_2e-7, s, 3.285_698_8e-4);
        q = M::madd(q, s, 2.587_713_6e-2);
        q = M::madd(q, s, 4.671_437_5e-1);
        let mut p = M::madd(1.335_545_7e-8, s, 2.060_970_7e-5);
        p = M::madd(p, s, 3.495_628e-3);
        p = M::madd(p, s, 1.338_106e-1);
        p = M::madd(p, s, 9.999_999_8e-1);
        (M::madd(q, s, 1.0), c * p)
    }
    #[inline(always)]
    fn post<M: Madd>(self, x: f32, cp: f32, r: f32) -> f32 {
        select(x.abs() >= 9.1, 1f32.copysign(x), cp * r)
    }
}

impl MaddFn for Sigmoid {
    const RECIP: bool = true;
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        1.0 / self.den::<M>(x).0
    }
    #[inline(always)]
    fn den<M: Madd>(self, x: f32) -> (f32, f32) {
        // the reciprocal damps the exponential's error; e^-x overflows to inf (a result of 0)
        // from x <= -88.7 and bottoms out at 2^-126 (a result of 1) from x >= 87.5
        (1.0 + exp_fast_m::<M>(-x), 0.0)
    }
}

/// `if c { a } else { b }` written so that it compiles to a blend.
#[inline(always)]
pub(super) fn select(c: bool, a: f32, b: f32) -> f32 {
    if c {
        a
    } else {
        b
    }
}

/// Clamps `x` to `[lo, hi]`, letting NaN through.
#[inline(always)]
pub(super) fn clamp_nan(x: f32, lo: f32, hi: f32) -> f32 {
    let x = select(x > hi, hi, x);
    select(x < lo, lo, x)
}

/// `2^n` for an integer `n` in `[-126, 127]`, built from its exponent bits.
#[inline(always)]
pub(super) fn pow2i(n: i32) -> f32 {
    f32::from_bits(((n + 127) << 23) as u32)
}

/// e^x (Cephes expf): rounding to nearest `n = x/ln2`, a degree-5 polynomial on the remainder,
/// and the scale `2^n` applied in two halves so that overflow gives inf and underflow gives
/// subnormals and then 0. NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    exp_m::<Split>(x)
}

/// 1.5 * 2^23: adding it to a float of magnitude below 2^22 rounds that to an integer (to
/// nearest), which then sits in the sum's low mantissa bits (exp, exp2, the sin/cos octant).
pub(super) const ROUND_MAGIC: f32 = 12582912.0;

/// [`exp`] with its polynomial steps computed by `M`.
#[inline(always)]
pub fn exp_m<M: Madd>(x: f32) -> f32 {
    let (y, t) = exp_split::<M>(clamp_nan(x, -104.0, 89.0));
    let ni = (t.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32);
    let n1 = ni >> 1;
    y * pow2i(n1) * pow2i(ni - n1)
}

/// [`exp_m`] for |x| <= 87 or NaN, where `n` lies in [-126, 126]: 2^n is a normal number, so
/// one scaling by it rounds as `exp_m`'s two halves do (the same bits) in 8 fewer vector steps.
#[inline(always)]
pub fn exp_within_m<M: Madd>(x: f32) -> f32 {
    let (y, t) = exp_split::<M>(x);
    // t's bits are those of ROUND_MAGIC plus n
    y * f32::from_bits(t.to_bits().wrapping_sub(ROUND_MAGIC.to_bits() - 127) << 23)
}

/// Cephes expf's reduction `x = n ln2 + r` and polynomial: `(e^r, ROUND_MAGIC + n)`.
#[inline(always)]
fn exp_split<M: Madd>(x: f32) -> (f32, f32) {
    let t = M::madd(x, std::f32::consts::LOG2_E, ROUND_MAGIC);
    let n = t - ROUND_MAGIC;
    let r = M::madd(n, 2.121_944_4e-4, M::madd(n, -0.693_359_4, x));
    let z = r * r;
    let mut p = M::madd(1.987_569_1e-4, r, 1.398_199_9e-3);
    p = M::madd(p, r, 8.333_452e-3);
    p = M::madd(p, r, 4.166_579_6e-2);
    p = M::madd(p, r, 1.666_666_5e-1);
    p = M::madd(p, r, 5.000_000_1e-1);
    (M::madd(p, z, r) + 1.0, t)
}

/// e^x for results that damp its error (softmax terms, the logistic function): Cody-Waite
/// reduction, a degree-5 polynomial (about 2 ulp: the accuracy of PyTorch's own `exp_u20`,
/// which its softmax uses) and one scale, so 4 fewer steps than [`exp_m`]. No subnormal
/// results: x is clamped to [-87.5, 89], so below -87.5 it returns about 2^-126 and from
/// about 88.7 on, inf. NaN stays NaN.
#[inline(always)]
pub fn exp_fast_m<M: Madd>(x: f32) -> f32 {
    exp_fast_clamped::<M>(x.clamp(-87.5, 89.0))
}

/// [`exp_fast_m`] after its clamp, for callers that bound x themselves (x in [-87.5, 89] or
/// NaN).
#[inline(always)]
fn exp_fast_clamped<M: Madd>(x: f32) -> f32 {
    // 1.5 * 2^23 + n: the integer n sits in the low mantissa bits (round to nearest)
    let j = M::madd(x, std::f32::consts::LOG2_E, ROUND_MAGIC);
    let n = j - ROUND_MAGIC;
    let p = exp_reduced_m::<M>(M::madd(n, -1.428_606_8e-6, M::madd(n, -0.693_145_75, x)));
    // 2^n from those bits (n = 128 gives the bits of inf), without a float-to-int conversion
    let scale = f32::from_bits(j.to_bits().wrapping_sub(ROUND_MAGIC.to_bits() - 127) << 23);
    p * scale
}

/// e^r for r in [-ln2/2, ln2/2]: 1 + r + c2 r^2 + ... + c5 r^5 (relative error below 2e-7 in
/// f32 arithmetic).
#[inline(always)]
pub(super) fn exp_reduced_m<M: Madd>(r: f32) -> f32 {
    let mut p = M::madd(8.312_534e-3, r, 4.189_012_6e-2);
    p = M::madd(p, r, 1.666_711_4e-1);
    p = M::madd(p, r, 4.999_923e-1);
    p = M::madd(p, r, 1.0);
    M::madd(p, r, 1.0)
}

/// e^x for x in [-87.5, 0] (softmax's `x - max`, clamped by the caller; never NaN): the
/// polynomial of [`exp_fast_m`], with 2^n applied by adding n to
/// the exponent bits of the polynomial's value (an integer add, off the floating-point pipes
/// the rest of the loop keeps busy) and ln 2 taken off in one step (as PyTorch's softmax exp:
/// exact enough where |n| is small, a few ulp more error near the bottom of the range). p lies
/// in [0.7, 1.42] and n in [-126, 0], so the exponent stays in range; only at n = -126 with
/// p < 1 the result reads as a subnormal of the same order (about 1e-38: terms the row sum
/// drowns).
#[inline(always)]
pub fn exp_nonpos_m<M: Madd>(x: f32) -> f32 {
    let j = M::madd(x, std::f32::consts::LOG2_E, ROUND_MAGIC);
    let n = j - ROUND_MAGIC;
    let p = exp_reduced_m::<M>(M::madd(n, -std::f32::consts::LN_2, x));
    // j's bits are those of ROUND_MAGIC plus n
    f32::from_bits(p.to_bits().wrapping_add(j.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) << 23))
}

/// e^x - 1: its Taylor polynomial (to x^7) below |x| = 0.35, where `e^x - 1` would cancel, and
/// [`exp_m`] minus one above (within about 3 ulp). NaN stays NaN.
#[inline(always)]
pub fn expm1_m<M: Madd>(x: f32) -> f32 {
    let mut p = M::madd(x, 1.0 / 5040.0, 1.0 / 720.0);
    p = M::madd(p, x, 1.0 / 120.0);
    p = M::madd(p, x, 1.0 / 24.0);
    p = M::madd(p, x, 1.0 / 6.0);
    p = M::madd(p, x, 0.5);
    let small = M::madd(p * x, x, x);
    // e^x - 1 has the sign of x (this keeps expm1(-0) = -0)
    select(x.abs() < 0.35, small, exp_m::<M>(x) - 1.0).copysign(x)
}

/// tanh(x): an odd polynomial below |x| = 0.625 (Cephes tanhf), `1 - 2 / (e^{2|x|} + 1)` above.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    tanh_m::<Split>(x)
}

/// [`tanh`] with its polynomial steps computed by `M`.
#[inline(always)]
pub fn tanh_m<M: Madd>(x: f32) -> f32 {
    let ax = x.abs();
    let z = x * x;
    let mut p = M::madd(-5.704_988_7e-3, z, 2.063_908_9e-2);
    p = M::madd(p, z, -5.373_971_6e-2);
    p = M::madd(p, z, 1.333_144_2e-1);
    p = M::madd(p, z, -3.333_328_2e-1) * z;
    let small = M::madd(p, x, x);
    let big = (1.0 - 2.0 / (exp_m::<M>(2.0 * ax) + 1.0)).copysign(x);
    select(ax < 0.625, small, big)
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// erf(x): `x + x*Q(x^2)` below |x| = 0.921875, `1 - e^{R(|x|)}` above (R fits log erfc);
/// coefficients fitted for this evaluation order (about 1 ulp in each range).
#[inline(always)]
pub fn erf_approx(x: f32) -> f32 {
    let s = x * x;
    let q = (((((8.165_694_5e-5 * s - 8.088_196_6e-4) * s + 5.195_493_3e-3) * s - 2.685_673_5e-2) * s
        + 1.128_363_5e-1)
        * s
        - 3.761_262_9e-1)
        * s
        + 1.283_791_7e-1;
    let small = x + x * q;
    let t = clamp_nan(x.abs(), 0.0, 4.0);
    let r = (((((((1.648_892_6e-6 * t - 4.625_929e-5) * t + 5.982_232_4e-4) * t - 4.764_841e-3) * t
        + 2.643_181_2e-2)
        * t
        - 1.100_910_1e-1)
        * t
        - 6.318_232_4e-1)
        * t
        - 1.130_229_7)
        * t
        + 3.178_781e-4;
    let big = (1.0 - exp(r)).copysign(x);
    select(x.abs() < 0.921_875, small, big)
}

/// erf(x) as one rational function, `x * P(x^2) / Q(x^2)`, and exactly +-1 from |x| = 3.92 on
/// (where erf rounds to +-1 in f32): no branches, so a vector evaluates it in ~12 steps and a
/// division. The fit (relative error 2.5e-8 on [0, 4]) is made by `tools/fit/erf_rational.py`;
/// evaluated in f32 it is within about 3e-7 of the true value near +-1 (PyTorch's own vector
/// erf, Abramowitz-Stegun 7.1.26, within 1.5e-7) and a few ulp near 0. For gelu, whose
/// `1 + erf` rounds at that level anyway.
#[inline(always)]
pub fn erf_rational_m<M: Madd>(x: f32) -> f32 {
    let (c, s, p) = erf_rational_num::<M>(x);
    erf_rational_end(c, c * p / erf_rational_den::<M>(s))
}

/// [`erf_rational_m`]'s argument clamped to [-4, 4], its square and the numerator P.
#[inline(always)]
fn erf_rational_num<M: Madd>(x: f32) -> (f32, f32, f32) {
    let c = clamp_nan(x, -4.0, 4.0);
    let s = c * c;
    let mut p = M::madd(ERF_P[0], s, ERF_P[1]);
    for &k in &ERF_P[2..] {
        p = M::madd(p, s, k);
    }
    (c, s, p)
}

/// The coefficients of [`erf_rational_m`]'s numerator P and denominator Q, highest power
/// first (Horner's order); Q's constant term is 1.
pub(super) const ERF_P: [f32; 6] = [1.986_864_9e-6, 2.845_565_8e-4, 3.882_901_7e-3, 5.310_035_7e-2, 1.935_346_4e-1, 1.128_379_1];
pub(super) const ERF_Q: [f32; 6] = [3.742_055_6e-5, 1.185_465_7e-3, 1.520_635_6e-2, 1.153_456_9e-1, 5.048_481_7e-1, 1.0];

/// [`erf_rational_m`]'s denominator Q of the clamped argument's square `s` (at least 1).
#[inline(always)]
fn erf_rational_den<M: Madd>(s: f32) -> f32 {
    let mut q = M::madd(ERF_Q[0], s, ERF_Q[1]);
    for &k in &ERF_Q[2..] {
        q = M::madd(q, s, k);
    }
    q
}

/// [`erf_rational_m`] from the clamped argument `c` and the ratio `c P / Q`.
#[inline(always)]
fn erf_rational_end(c: f32, ratio: f32) -> f32 {
    select(c.abs() >= 3.92, 1f32.copysign(c), clamp_nan(ratio, -1.0, 1.0))
}

/// The standard normal CDF `(1 + erf(x / sqrt 2)) / 2` through [`erf_rational_m`].
#[inline(always)]
pub fn normal_cdf_m<M: Madd>(x: f32) -> f32 {
    M::madd(erf_rational_m::<M>(x * std::f32::consts::FRAC_1_SQRT_2), 0.5, 0.5)
}

/// Exact gelu `x * Phi(x)` as a [`MaddFn`]; `INF_NAN` makes +inf give NaN, as PyTorch's float
/// and bfloat16 kernels do.
#[derive(Clone, Copy)]
pub struct GeluErf<const INF_NAN: bool>;

impl<const INF_NAN: bool> MaddFn for GeluErf<INF_NAN> {
    const RECIP: bool = true;
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        let v = x * normal_cdf_m::<M>(x);
        select(INF_NAN && x == f32::INFINITY, f32::NAN, v)
    }
    /// Q, and the numerator c P of erf's rational function at `x / sqrt 2`.
    #[inline(always)]
    fn den<M: Madd>(self, x: f32) -> (f32, f32) {
        let (c, s, p) = erf_rational_num::<M>(x * std::f32::consts::FRAC_1_SQRT_2);
        (erf_rational_den::<M>(s), c * p)
    }
    #[inline(always)]
    fn post<M: Madd>(self, x: f32, cp: f32, r: f32) -> f32 {
        let c = clamp_nan(x * std::f32::consts::FRAC_1_SQRT_2, -4.0, 4.0);
        let v = x * M::madd(erf_rational_end(c, cp * r), 0.5, 0.5);
        select(INF_NAN && x == f32::INFINITY, f32::NAN, v)
    }
    /// The AVX-512 and AVX2 loops of `gelu_simd` (a third fewer steps than the generic
    /// reciprocal loops).
    #[inline(always)]
    fn slice_loop(self, isa: crate::cpu::isa::Isa) -> Option<unsafe fn(&[f32], &mut [f32])> {
        super::gelu_simd::gelu_loop::<INF_NAN>(isa)
    }
}

/// ln(x) (Cephes logf): mantissa in [sqrt(1/2), sqrt(2)), a degree-8 polynomial, exponent
/// added back, polynomial steps computed by `M`. 0 gives -inf, negatives and NaN give NaN, +inf
/// gives +inf; subnormals are scaled.
#[inline(always)]
pub fn ln_m<M: Madd>(x: f32) -> f32 {
    let (ef, m, z, q) = ln_split::<M>(x);
    let y = M::madd(-0.5, z, M::madd(ef, -2.121_944_4e-4, q));
    log_specials(x, M::madd(ef, 0.693_359_4, m + y))
}

/// ln as a [`MaddFn`].
#[derive(Clone, Copy)]
pub struct Ln;

impl MaddFn for Ln {
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        ln_m::<M>(x)
    }
}

/// Cephes logf's reduction: `x = 2^e (1 + m)` with `1 + m` in [sqrt(1/2), sqrt(2)) (subnormals
/// scaled first), and `ln(1 + m) = m - z/2 + q` with `z = m^2` and `q = m z P(m)`. Returns
/// `(e, m, z, q)`; the callers combine them in their own base.
#[inline(always)]
pub(super) fn ln_split<M: Madd>(x: f32) -> (f32, f32, f32, f32) {
    let tiny = x < f32::MIN_POSITIVE;
    let xs = select(tiny, x * 16_777_216.0, x); // 2^24
    let bits = xs.to_bits() as i32;
    let mut e = ((bits >> 23) & 0xff) - 126;
    let mut m = f32::from_bits(((bits & 0x007f_ffff) | 0x3f00_0000) as u32); // in [0.5, 1)
    let low = m < std::f32::consts::FRAC_1_SQRT_2;
    e -= low as i32;
    m = select(low, m + m, m) - 1.0;
    let z = m * m;
    let mut p = M::madd(7.037_683_6e-2, m, -1.151_461e-1);
    for c in [1.167_699_9e-1, -1.242_014_1e-1, 1.424_932_3e-1, -1.666_805_8e-1, 2.000_071_4e-1, -2.499_999_4e-1, 3.333_333e-1] {
        p = M::madd(p, m, c);
    }
    ((e - 24 * tiny as i32) as f32, m, z, m * z * p)
}

/// A logarithm's value `r` with the special inputs set: 0 gives -inf, +inf gives +inf,
/// negatives and NaN give NaN.
#[inline(always)]
pub(super) fn log_specials(x: f32, r: f32) -> f32 {
    let r = select(x == 0.0, f32::NEG_INFINITY, r);
    let r = select(x == f32::INFINITY, f32::INFINITY, r);
    select(x < 0.0 || x.is_nan(), f32::NAN, r)
}

/// ln(1 + u) without losing small `u`: `ln(w) * u / (w - 1)` with `w = 1 + u` corrects the
/// rounding of `w` (Goldberg's trick); `u` itself when `w` rounds to 1.
#[inline(always)]
pub fn ln_1p(u: f32) -> f32 {
    ln_1p_m::<Split>(u)
}

/// [`ln_1p`] with its polynomial steps computed by `M`.
#[inline(always)]
pub fn ln_1p_m<M: Madd>(u: f32) -> f32 {
    let w = 1.0 + u;
    let r = select(w == 1.0, u, ln_m::<M>(w) * (u / (w - 1.0)));
    select(u == f32::INFINITY, u, r)
}

/// Where [`sincos_m`]'s reduction by multiples of pi/4 stays accurate (Cephes's bound);
/// larger arguments go to the C library.
pub const SINCOS_LIMIT: f32 = 8192.0;

/// sin (`COS` false) or cos (`COS` true) for |x| <= [`SINCOS_LIMIT`] (Cephes sinf/cosf): the
/// even octant j nearest |x| * 4/pi (j/2 mod 4 the quadrant), the remainder `|x| - j pi/4` in three steps, and the sine
/// or cosine polynomial of that remainder picked and signed by the quadrant (within ~2 ulp).
/// NaN stays NaN; sin keeps the sign of zero.
#[inline(always)]
pub fn sincos_m<M: Madd, const COS: bool>(x: f32) -> f32 {
    let (q, r) = reduce_half_pi::<M>(x.abs());
    let z = r * r;
    let mut s = M::madd(-1.951_529_6e-4, z, 8.332_161e-3);
    s = M::madd(s, z, -1.666_665_5e-1);
    let s = M::madd(s * z, r, r);
    let mut c = M::madd(2.443_315_7e-5, z, -1.388_731_6e-3);
    c = M::madd(c, z, 4.166_664_6e-2);
    let c = M::madd(c * z, z, M::madd(-0.5, z, 1.0));
    let (v, negative) = if COS {
        (select(q & 1 == 1, s, c), q == 1 || q == 2)
    } else {
        (select(q & 1 == 1, c, s), (q >= 2) != (x.to_bits() >> 31 == 1))
    };
    f32::from_bits(v.to_bits() ^ ((negative as u32) << 31))
}

/// `(k mod 4, ax - k pi/2)` for `k = round(ax 2/pi)`, `ax` >= 0 up to [`SINCOS_LIMIT`]: the
/// remainder lies in [-pi/4, pi/4], taken off in four steps: pi/4 split as Cephes's first two
/// parts (8 and 11 bits) and a third of 11 bits, so that each product with the (at most
/// 13-bit) even octant is exact even without FMA, and a fourth for the rest (the remainder is
/// then good to about 1e-16 |x|, which matters for tan near its poles).
#[inline(always)]
pub(super) fn reduce_half_pi<M: Madd>(ax: f32) -> (u32, f32) {
    let kf = M::madd(ax, std::f32::consts::FRAC_2_PI, ROUND_MAGIC);
    let q = kf.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) & 3;
    let y = (kf - ROUND_MAGIC) * 2.0; // the even octant
    let r = M::madd(y, -3.774_766_8e-8, M::madd(y, -2.418_756_5e-4, M::madd(y, -0.785_156_25, ax)));
    (q, M::madd(y, -1.281_672e-12, r))
}

/// sin or cos as a [`MaddFn`] (valid for |x| <= [`SINCOS_LIMIT`]).
#[derive(Clone, Copy)]
pub struct SinCos<const COS: bool>;

impl<const COS: bool> MaddFn for SinCos<COS> {
    const LIMIT: f32 = SINCOS_LIMIT;
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        sincos_m::<M, COS>(x)
    }
    fn exact<M: Madd>(self, x: f32) -> f32 {
        if COS {
            x.cos()
        } else {
            x.sin()
        }
    }
}

/// atan2(y, x) on f32 without branches (Cephes atanf on the ratio of the smaller to the larger
/// magnitude, then the octant and quadrant corrections; within ~2 ulp), with the C library's
/// special values: signed zeros (atan2(+-0, -0) = +-pi), infinities (atan2(+-inf, -inf) =
/// +-3pi/4) and NaN.
#[inline(always)]
pub fn atan2(y: f32, x: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    let (ax, ay) = (x.abs(), y.abs());
    let swap = ay > ax;
    let (num, den) = (select(swap, ax, ay), select(swap, ay, ax));
    let t = num / den;
    // 0/0 and inf/inf: the ratio the limits give (0 and 1)
    let t = select(ax == 0.0 && ay == 0.0, 0.0, t);
    let t = select(ax == f32::INFINITY && ay == f32::INFINITY, 1.0, t);
    // atan(t) for t in [0, 1]: around pi/4 through (t - 1) / (t + 1) above tan(pi/8)
    let high = t > 0.414_213_57;
    let u = select(high, (t - 1.0) / (t + 1.0), t);
    let z = u * u;
    let p = (((8.053_744_5e-2 * z - 1.387_768_5e-1) * z + 1.997_771_1e-1) * z - 3.333_295e-1) * z * u + u;
    let a = select(high, FRAC_PI_4 + p, p);
    let a = select(swap, FRAC_PI_2 - a, a);
    let a = select(x.is_sign_negative(), PI - a, a);
    a.copysign(y)
}

/// x^e on f32, computed in f64 lanes: log2|x| from the exponent and an atanh series of the
/// mantissa (error below 1e-12), e log2|x| clamped to [-300, 300], then 2^y as 2^n times a
/// Taylor polynomial, rounded once to f32 (so overflow gives inf and tiny results subnormals
/// or 0). The C library's special cases: x^0 = 1 and 1^e = 1 (even for NaN), (-1)^(+-inf) =
/// 1, finite negative x with a non-integer e gives NaN ((-inf)^2.5 = inf), odd integer exponents keep the sign (of -0
/// too), NaN otherwise propagates.
#[inline(always)]
pub fn pow(x: f32, e: f32) -> f32 {
    const TWO52: f64 = 4_503_599_627_370_496.0; // 2^52: adding it leaves an integer in the mantissa bits
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: adding it rounds to nearest
    let ax = x.abs() as f64;
    let bits = ax.to_bits();
    // |x| = m 2^k with m in [sqrt(1/2), sqrt(2)) (|x| = 0 gives k = -1023, inf 1024, m = 1)
    let k = f64::from_bits(TWO52.to_bits() | (bits >> 52)) - TWO52 - 1023.0;
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let big = m > std::f64::consts::SQRT_2;
    let (m, k) = (select64(big, m * 0.5, m), select64(big, k + 1.0, k));
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // log2(m) = 2/ln2 (s + s^3/3 + ... + s^13/13)
    const C: f64 = 2.0 * std::f64::consts::LOG2_E;
    let mut p = C / 13.0;
    for d in [11.0, 9.0, 7.0, 5.0, 3.0, 1.0] {
        p = p * s2 + C / d;
    }
    let y = (e as f64) * (k + s * p);
    let y = select64(y > 300.0, 300.0, select64(y < -300.0, -300.0, y));
    // 2^y = 2^n e^(f ln2), n = round(y), |f| <= 1/2
    let t = y + ROUND;
    let n = t - ROUND;
    let g = (y - n) * std::f64::consts::LN_2;
    let mut q = 1.0 / 3_628_800.0;
    for d in [362_880.0, 40_320.0, 5040.0, 720.0, 120.0, 24.0, 6.0, 2.0, 1.0, 1.0] {
        q = q * g + 1.0 / d;
    }
    let scale = f64::from_bits(t.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(1023) << 52);
    let r = (q * scale) as f32;
    // the sign and the special cases
    // integer and odd exponents, by rounding through 2^52 (no libm `trunc` on the baseline build)
    let ae = (e as f64).abs();
    let integer = (ae + TWO52) - TWO52 == ae;
    let odd = integer && (ae * 0.5 + TWO52) - TWO52 != ae * 0.5;
    let r = select(x.is_sign_negative() && odd, -r, r);
    let r = select(x < 0.0 && x > f32::NEG_INFINITY && !integer, f32::NAN, r);
    let r = select(x.is_nan() || e.is_nan(), f32::NAN, r);
    let r = select(x.abs() == 1.0 && e.is_infinite(), 1.0, r);
    select(e == 0.0 || x == 1.0, 1.0, r)
}

/// [`select`] on f64.
#[inline(always)]
fn select64(c: bool, a: f64, b: f64) -> f64 {
    if c {
        a
    } else {
        b
    }
}

/// A two-input f32 function whose body the vector loops inline (a closure's body may stay a
/// call when it is large; a type with an `#[inline(always)]` method never does), with its
/// polynomial steps computed by `M` as in [`MaddFn`] (closures compute theirs their own way).
pub trait Inline2: Copy + Sync {
    fn at<M: Madd>(self, a: f32, b: f32) -> f32;
}

impl<F: Fn(f32, f32) -> f32 + Copy + Sync> Inline2 for F {
    #[inline(always)]
    fn at<M: Madd>(self, a: f32, b: f32) -> f32 {
        self(a, b)
    }
}

/// [`pow`] as an [`Inline2`] (base, exponent).
#[derive(Clone, Copy)]
pub struct Pow;

impl Inline2 for Pow {
    #[inline(always)]
    fn at<M: Madd>(self, x: f32, e: f32) -> f32 {
        pow(x, e)
    }
}

/// x^e for a fixed exponent, as a [`MaddFn`].
#[derive(Clone, Copy)]
pub struct PowBy(pub f32);

impl MaddFn for PowBy {
    #[inline(always)]
    fn at<M: Madd>(self, x: f32) -> f32 {
        pow(x, self.0)
    }
}

/// [`atan2`] as an [`Inline2`] (y, x).
#[derive(Clone, Copy)]
pub struct Atan2;

impl Inline2 for Atan2 {
    #[inline(always)]
    fn at<M: Madd>(self, y: f32, x: f32) -> f32 {
        atan2(y, x)
    }
}
