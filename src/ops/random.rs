//! Random ops: rand/randn/randint and their `_like` and `_out` forms, the in-place samplers
//! (uniform_, normal_, bernoulli_, exponential_, cauchy_, log_normal_, geometric_, random_)
//! and their out-of-place forms; the fills themselves are `tensor::sampling`'s.

use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::ops::unary::approx::{ln_m, Split};
use crate::tensor::sampling::{self, BlockFill, FromUnit, Normal};
use crate::tensor::{DType, Device, Tensor, TensorData};
use crate::with_dtype;

/// A number as PyTorch prints it in these messages (`nan`, `inf`, `1.5`, `0`).
fn num(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{v}")
    }
}

/// A new tensor shaped, typed and placed like `t`.
pub fn like(t: &Tensor) -> Result<Tensor> {
    Tensor::empty(&t.shape(), t.dtype(), t.device())
}

/// Fills `t` in place with `fill` (no autograd history: a sampled value has no gradient).
fn fill_(t: &Tensor, fill: &impl BlockFill) -> Result<Tensor> {
    sampling::fill(&t.data(), fill)?;
    t.bump_version();
    Ok(t.clone())
}

fn continuous(name: &str, t: &Tensor) -> Result<()> {
    crate::ensure!(
        t.dtype().is_float(),
        "{name} distribution is a continuous probability distribution. dtype must be a floating point but you specified {}",
        t.dtype().name()
    );
    Ok(())
}

pub fn uniform_(t: &Tensor, from: f64, to: f64) -> Result<Tensor> {
    crate::ensure!(t.dtype().is_float(), "\"check_uniform_bounds\" not implemented for '{}'", t.dtype().name());
    crate::ensure!(from <= to, "uniform_ expects to return a [from, to) range, but found from={} > to={}", num(from), num(to));
    fill_(t, &sampling::uniform(from, to))
}

pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<Tensor> {
    crate::ensure!(t.dtype().is_float(), "\"normal_kernel_cpu\" not implemented for '{}'", t.dtype().name());
    crate::ensure!(std >= 0.0, "normal expects std >= 0.0, but found std {}", num(std));
    fill_(t, &Normal { mean, std })
}

/// Every element of `p` in [0, 1] (NaN is not).
fn probabilities_in_range(p: &TensorData) -> bool {
    let mut ok = true;
    with_dtype!(p.dtype, T, {
        let base = p.base_ptr() as *const T;
        for_each_run(&p.layout.shape, [&p.layout.strides], [0], |o, n, s| unsafe {
            for i in 0..n as isize {
                let v = crate::tensor::Element::to_f64(*base.offset(o[0] + i * s[0]));
                ok &= (0.0..=1.0).contains(&v);
            }
        });
    });
    ok
}

/// `t.bernoulli_(p)`: each element of `t` 1 with the probability `p` holds there (p broadcast
/// to t's shape), else 0, in t's dtype.
pub fn bernoulli_tensor_(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    crate::ensure!(p.dtype().is_float(), "\"bernoulli_tensor_cpu_p_\" not implemented for '{}'", p.dtype().name());
    crate::ensure!(
        probabilities_in_range(&p.data()),
        "Expected p_in >= 0 && p_in <= 1 to be true, but got false."
    );
    let wide = if p.dtype() == DType::F64 { DType::F64 } else { DType::F32 };
    let u = Tensor::empty(&t.shape(), wide, t.device())?;
    sampling::fill(&u.data(), &sampling::uniform(0.0, 1.0))?;
    crate::ops::convert::copy_(t, &N::lt_tensor(&u, p)?)
}

/// `t.bernoulli_(p)` with a number: 1 with probability p, else 0.
pub fn bernoulli_float_(t: &Tensor, p: f64) -> Result<Tensor> {
    crate::ensure!((0.0..=1.0).contains(&p), "bernoulli_ expects p to be in [0, 1], but got p={}", num(p));
    fill_(t, &sampling::bernoulli(p))
}

/// Exponential with rate `lambd`: `-ln(1 - u) / lambd`, never 0 (as PyTorch: ln(1 - u) is
/// kept below -eps/2).
pub fn exponential_(t: &Tensor, lambd: f64) -> Result<Tensor> {
    crate::ensure!(lambd > 0.0, "exponential_ expects lambda > 0.0, but found lambda={}", num(lambd));
    continuous("Exponential", t)?;
    let (l32, h32, h64) = (lambd as f32, f32::EPSILON / 2.0, f64::EPSILON / 2.0);
    fill_(
        t,
        &FromUnit {
            f32: move |u: f32| -(if u <= h32 { -h32 } else { ln_m::<Split>(1.0 - u) }) / l32,
            f64: move |u: f64| -(if u <= h64 { -h64 } else { (1.0 - u).ln() }) / lambd,
        },
    )
}

/// Cauchy: `median + sigma tan(pi (u - 1/2))`.
pub fn cauchy_(t: &Tensor, median: f64, sigma: f64) -> Result<Tensor> {
    continuous("Cauchy", t)?;
    crate::ensure!(sigma > 0.0, "cauchy_ expects sigma > 0.0, but found sigma={}", num(sigma));
    let (m32, s32) = (median as f32, sigma as f32);
    fill_(
        t,
        &FromUnit {
            f32: move |u: f32| m32 + s32 * (std::f32::consts::PI * (u - 0.5)).tan(),
            f64: move |u: f64| median + sigma * (std::f64::consts::PI * (u - 0.5)).tan(),
        },
    )
}

/// Log-normal: e to a normal value.
pub fn log_normal_(t: &Tensor, mean: f64, std: f64) -> Result<Tensor> {
    crate::ensure!(t.dtype().is_float(), "\"log_normal_cpu\" not implemented for '{}'", t.dtype().name());
    crate::ensure!(std > 0.0, "log_normal_ expects std > 0.0, but found std={}", num(std));
    struct LogNormal(Normal);
    impl BlockFill for LogNormal {
        fn f32s(&self, lanes: &mut sampling::Lanes, out: &mut [f32]) {
            self.0.f32s(lanes, out);
            out.iter_mut().for_each(|v| *v = v.exp());
        }
        fn f64s(&self, lanes: &mut sampling::Lanes, out: &mut [f64]) {
            self.0.f64s(lanes, out);
            out.iter_mut().for_each(|v| *v = v.exp());
        }
    }
    fill_(t, &LogNormal(Normal { mean, std }))
}

/// Geometric on {1, 2, ...}: the number of trials to the first success of probability p.
pub fn geometric_(t: &Tensor, p: f64) -> Result<Tensor> {
    crate::ensure!(p > 0.0 && p < 1.0, "geometric_ expects p to be in (0, 1), but got p={}", num(p));
    let (q64, q32) = ((-p).ln_1p(), (-p).ln_1p() as f32);
    fill_(
        t,
        &FromUnit {
            f32: move |u: f32| (ln_m::<Split>(1.0 - u) / q32).ceil().max(1.0),
            f64: move |u: f64| ((1.0 - u).ln() / q64).ceil().max(1.0),
        },
    )
}

/// The largest integer `random_` draws by default: 2^digits for floats (every integer up to it
/// is exact), the type's maximum for integers, 1 for bool.
fn default_top(d: DType) -> u64 {
    match d {
        DType::F32 => 1 << 24,
        DType::F64 => 1 << 53,
        DType::F16 => 1 << 11,
        DType::BF16 => 1 << 8,
        DType::Bool => 1,
        DType::U8 => u8::MAX as u64,
        DType::I8 => i8::MAX as u64,
        DType::I16 => i16::MAX as u64,
        DType::I32 => i32::MAX as u64,
        DType::I64 => i64::MAX as u64,
    }
}

/// Integers in `[low, high)` into `t`.
pub fn randint_(t: &Tensor, low: i64, high: i64) -> Result<Tensor> {
    crate::ensure!(low < high, "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}");
    sampling::integers(&t.data(), low, (high as i128 - low as i128) as u64)?;
    t.bump_version();
    Ok(t.clone())
}

/// `random_(from, to)`: integers in [from, to), or with no `to` from `from` up to
/// [`default_top`] inclusive.
pub fn random_from_(t: &Tensor, from: i64, to: Option<i64>) -> Result<Tensor> {
    let Some(to) = to else {
        let top = default_top(t.dtype());
        crate::ensure!(
            from as i128 <= top as i128,
            "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but got from={from} > to_inc={top}"
        );
        sampling::integers(&t.data(), from, (top as i128 - from as i128 + 1) as u64)?;
        t.bump_version();
        return Ok(t.clone());
    };
    randint_(t, from, to)
}

pub fn rand(size: &[i64], kind: DType, device: Device) -> Result<Tensor> {
    uniform_(&Tensor::empty(size, kind, device)?, 0.0, 1.0)
}

pub fn randn(size: &[i64], kind: DType, device: Device) -> Result<Tensor> {
    normal_(&Tensor::empty(size, kind, device)?, 0.0, 1.0)
}

pub fn randint(low: i64, high: i64, size: &[i64], kind: DType, device: Device) -> Result<Tensor> {
    randint_(&Tensor::empty(size, kind, device)?, low, high)
}

macro_rules! atg_random {
    () => {
        fn rand(size: &[i64], kind: DType, device: Device) -> Result<Tensor> { $crate::ops::random::rand(size, kind, device) }
        fn randn(size: &[i64], kind: DType, device: Device) -> Result<Tensor> { $crate::ops::random::randn(size, kind, device) }
        fn rand_like(a: &Tensor) -> Result<Tensor> { $crate::ops::random::rand(&a.shape(), a.dtype(), a.device()) }
        fn randn_like(a: &Tensor) -> Result<Tensor> { $crate::ops::random::randn(&a.shape(), a.dtype(), a.device()) }
        fn randint(high: i64, size: &[i64], kind: DType, device: Device) -> Result<Tensor> { $crate::ops::random::randint(0, high, size, kind, device) }
        fn randint_low(low: i64, high: i64, size: &[i64], kind: DType, device: Device) -> Result<Tensor> { $crate::ops::random::randint(low, high, size, kind, device) }
        fn randint_like(a: &Tensor, high: i64) -> Result<Tensor> { $crate::ops::random::randint(0, high, &a.shape(), a.dtype(), a.device()) }
        fn randint_like_low_dtype(a: &Tensor, low: i64, high: i64) -> Result<Tensor> { $crate::ops::random::randint(low, high, &a.shape(), a.dtype(), a.device()) }
        fn rand_out(out: &Tensor, size: &[i64]) -> Result<Tensor> { $crate::ops::random::out_of(out, size, |t| $crate::ops::random::uniform_(t, 0.0, 1.0)) }
        fn randn_out(out: &Tensor, size: &[i64]) -> Result<Tensor> { $crate::ops::random::out_of(out, size, |t| $crate::ops::random::normal_(t, 0.0, 1.0)) }
        fn randint_out(out: &Tensor, high: i64, size: &[i64]) -> Result<Tensor> { $crate::ops::random::out_of(out, size, |t| $crate::ops::random::randint_(t, 0, high)) }
        fn randint_low_out(out: &Tensor, low: i64, high: i64, size: &[i64]) -> Result<Tensor> { $crate::ops::random::out_of(out, size, |t| $crate::ops::random::randint_(t, low, high)) }
        fn uniform_(a: &Tensor, from: f64, to: f64) -> Result<Tensor> { $crate::ops::random::uniform_(a, from, to) }
        fn uniform(a: &Tensor, from: f64, to: f64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::uniform_(t, from, to)) }
        fn normal_(a: &Tensor, mean: f64, std: f64) -> Result<Tensor> { $crate::ops::random::normal_(a, mean, std) }
        fn normal_functional(a: &Tensor, mean: f64, std: f64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::normal_(t, mean, std)) }
        fn bernoulli(a: &Tensor) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::bernoulli_tensor_(t, a)) }
        fn bernoulli_(a: &Tensor, p: &Tensor) -> Result<Tensor> { $crate::ops::random::bernoulli_tensor_(a, p) }
        fn bernoulli_tensor(a: &Tensor, p: &Tensor) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::bernoulli_tensor_(t, p)) }
        fn bernoulli_float_(a: &Tensor, p: f64) -> Result<Tensor> { $crate::ops::random::bernoulli_float_(a, p) }
        fn bernoulli_p(a: &Tensor, p: f64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::bernoulli_float_(t, p)) }
        fn exponential_(a: &Tensor, lambd: f64) -> Result<Tensor> { $crate::ops::random::exponential_(a, lambd) }
        fn exponential(a: &Tensor, lambd: f64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::exponential_(t, lambd)) }
        fn exponential_out(out: &Tensor, a: &Tensor, lambd: f64) -> Result<Tensor> { $crate::ops::random::out_like(out, a, |t| $crate::ops::random::exponential_(t, lambd)) }
        fn cauchy_(a: &Tensor, median: f64, sigma: f64) -> Result<Tensor> { $crate::ops::random::cauchy_(a, median, sigma) }
        fn cauchy(a: &Tensor, median: f64, sigma: f64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::cauchy_(t, median, sigma)) }
        fn cauchy_out(out: &Tensor, a: &Tensor, median: f64, sigma: f64) -> Result<Tensor> { $crate::ops::random::out_like(out, a, |t| $crate::ops::random::cauchy_(t, median, sigma)) }
        fn log_normal_(a: &Tensor, mean: f64, std: f64) -> Result<Tensor> { $crate::ops::random::log_normal_(a, mean, std) }
        fn log_normal(a: &Tensor, mean: f64, std: f64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::log_normal_(t, mean, std)) }
        fn log_normal_out(out: &Tensor, a: &Tensor, mean: f64, std: f64) -> Result<Tensor> { $crate::ops::random::out_like(out, a, |t| $crate::ops::random::log_normal_(t, mean, std)) }
        fn geometric_(a: &Tensor, p: f64) -> Result<Tensor> { $crate::ops::random::geometric_(a, p) }
        fn geometric(a: &Tensor, p: f64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::geometric_(t, p)) }
        fn geometric_out(out: &Tensor, a: &Tensor, p: f64) -> Result<Tensor> { $crate::ops::random::out_like(out, a, |t| $crate::ops::random::geometric_(t, p)) }
        fn random_(a: &Tensor) -> Result<Tensor> { $crate::ops::random::random_from_(a, 0, None) }
        fn random(a: &Tensor) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::random_from_(t, 0, None)) }
        fn random_from_(a: &Tensor, from: i64, to: Option<i64>) -> Result<Tensor> { $crate::ops::random::random_from_(a, from, to) }
        fn random_from(a: &Tensor, from: i64, to: Option<i64>) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::random_from_(t, from, to)) }
        fn random_to_(a: &Tensor, to: i64) -> Result<Tensor> { $crate::ops::random::randint_(a, 0, to) }
        fn random_to(a: &Tensor, to: i64) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::randint_(t, 0, to)) }
    };
}
pub(crate) use atg_random;

/// The out-of-place form of an in-place sampler: a new tensor like `t`, filled.
pub fn fresh_of(t: &Tensor, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    f(&like(t)?)
}

/// `_out` form of a sampler that takes its shape from `a`.
pub fn out_like(out: &Tensor, a: &Tensor, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    crate::ops::arith::assign_out(out, &fresh_of(a, f)?)
}

/// `_out` form of a factory of the given size: a new tensor of out's dtype, filled.
pub fn out_of(out: &Tensor, size: &[i64], f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    crate::ops::arith::assign_out(out, &f(&Tensor::empty(size, out.dtype(), out.device())?)?)
}
