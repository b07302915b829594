//! Random ops: rand/randn/randint and their `_like` and `_out` forms, the in-place samplers
//! (uniform_, normal_, bernoulli_, exponential_, cauchy_, log_normal_, geometric_, random_)
//! and their out-of-place forms, poisson, `_standard_gamma`, `_sample_dirichlet`. Each draws
//! from the global generator in PyTorch's order and way (`tensor::stream_fills`), so a seed
//! gives PyTorch's values.

use crate::autograd::SavedTensor;
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::tensor::random::{with_rng, Rng};
use crate::tensor::stream_fills;
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

/// `t` with its dims ordered as PyTorch's TensorIterator walks one output: by stride, the
/// largest outermost.
fn iteration_view(t: &Tensor) -> Result<Tensor> {
    crate::ops::shape::permute(t, &visit_perm(t))
}

/// The dim order of [`iteration_view`].
pub(crate) fn visit_perm(t: &Tensor) -> Vec<i64> {
    let st = t.strides();
    let mut perm: Vec<i64> = (0..t.dim() as i64).collect();
    perm.sort_by_key(|&d| std::cmp::Reverse(st[d as usize]));
    perm
}

/// Runs a `stream_fills` fill on a contiguous tensor holding `t`'s elements in PyTorch's visiting
/// order (`t` itself when contiguous), then writes them into `t`. `gen` gets the buffer and
/// whether it is `t` itself.
fn in_visit_order(t: &Tensor, gen: impl FnOnce(&TensorData, bool)) -> Result<Tensor> {
    if t.is_contiguous() {
        gen(&t.data(), true);
    } else {
        let v = iteration_view(t)?;
        let tmp = Tensor::empty(&v.shape(), t.dtype(), t.device())?;
        gen(&tmp.data(), false);
        crate::ops::convert::copy_(&v, &tmp)?;
    }
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
    in_visit_order(t, |d, _| stream_fills::uniform(d, from, to))
}

pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<Tensor> {
    crate::ensure!(t.dtype().is_float(), "\"normal_kernel_cpu\" not implemented for '{}'", t.dtype().name());
    crate::ensure!(std >= 0.0, "normal expects std >= 0.0, but found std {}", num(std));
    in_visit_order(t, |d, dense| stream_fills::normal(d, mean, std, dense))
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

/// `t.bernoulli_(p)`: each element of `t` 1 where a uniform (double for double p, else float)
/// falls below the probability `p` holds there (p broadcast to t's shape), else 0, in t's dtype.
pub fn bernoulli_tensor_(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    crate::ensure!(p.dtype().is_float(), "\"bernoulli_tensor_cpu_p_\" not implemented for '{}'", p.dtype().name());
    crate::ensure!(
        probabilities_in_range(&p.data()),
        "Expected p_in >= 0 && p_in <= 1 to be true, but got false."
    );
    let pe = crate::ops::shape::expand(p, &t.shape())?;
    let order = if t.is_contiguous() { pe } else { crate::ops::shape::permute(&pe, &visit_perm(t))? };
    let probs = order.to_vec::<f64>()?;
    in_visit_order(t, |d, _| stream_fills::bernoulli(d, &probs, p.dtype() == DType::F64))
}

/// `t.bernoulli_(p)` with a number: 1 where a double uniform falls below p, else 0.
pub fn bernoulli_float_(t: &Tensor, p: f64) -> Result<Tensor> {
    crate::ensure!((0.0..=1.0).contains(&p), "bernoulli_ expects p to be in [0, 1], but got p={}", num(p));
    in_visit_order(t, |d, _| stream_fills::from_double_units(d, |u| if u < p { 1.0 } else { 0.0 }))
}

/// Exponential with rate `lambd`: `-1/lambd * ln(1 - u)` (in double, as PyTorch).
pub fn exponential_(t: &Tensor, lambd: f64) -> Result<Tensor> {
    crate::ensure!(lambd > 0.0, "exponential_ expects lambda > 0.0, but found lambda={}", num(lambd));
    continuous("Exponential", t)?;
    in_visit_order(t, |d, _| stream_fills::from_double_units(d, |u| -1.0 / lambd * (-u).ln_1p()))
}

/// Cauchy: `median + sigma tan(pi (u - 1/2))`, u kept within [eps, 1 - eps], the last step one
/// fused multiply-add (as PyTorch's AVX2 build computes it).
pub fn cauchy_(t: &Tensor, median: f64, sigma: f64) -> Result<Tensor> {
    continuous("Cauchy", t)?;
    crate::ensure!(sigma > 0.0, "cauchy_ expects sigma > 0.0, but found sigma={}", num(sigma));
    let eps = f64::EPSILON;
    in_visit_order(t, |d, _| {
        stream_fills::from_double_units(d, |u| {
            let u = u.clamp(eps, 1.0 - eps);
            sigma.mul_add((std::f64::consts::PI * (u - 0.5)).tan(), median)
        })
    })
}

/// Log-normal: e to a normal value, drawn as PyTorch draws them (so seeded values match).
pub fn log_normal_(t: &Tensor, mean: f64, std: f64) -> Result<Tensor> {
    crate::ensure!(t.dtype().is_float(), "\"log_normal_cpu\" not implemented for '{}'", t.dtype().name());
    crate::ensure!(std > 0.0, "log_normal_ expects std > 0.0, but found std={}", num(std));
    in_visit_order(t, |d, _| stream_fills::log_normal(d, mean, std))
}

/// Geometric on {1, 2, ...}: the number of trials to the first success of probability p,
/// `ceil(ln u / ln(1 - p))`.
pub fn geometric_(t: &Tensor, p: f64) -> Result<Tensor> {
    crate::ensure!(p > 0.0 && p < 1.0, "geometric_ expects p to be in (0, 1), but got p={}", num(p));
    crate::ensure!(t.dtype() != DType::Bool, "\"geometric_cpu\" not implemented for 'Bool'");
    let q = (-p).ln_1p();
    in_visit_order(t, |d, _| stream_fills::from_double_units(d, |u| (u.ln() / q).ceil()))
}

/// One Poisson value of rate `lam` as PyTorch's `sample_poisson`: counting uniforms whose
/// product stays above e^-lam below rate 10, Hormann's transformed rejection (PTRS) from 10 on.
fn poisson_one(rng: &mut Rng, lam: f64) -> f64 {
    if lam == 0.0 {
        return 0.0;
    }
    if lam < 10.0 {
        let (limit, mut prod, mut k) = ((-lam).exp(), 1.0, 0.0);
        loop {
            prod *= rng.uniform();
            if prod <= limit {
                return k;
            }
            k += 1.0;
        }
    }
    let (slam, loglam) = (lam.sqrt(), lam.ln());
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.uniform() - 0.5;
        let v = rng.uniform();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + lam + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if v.ln() + inv_alpha.ln() - (a / (us * us) + b).ln() <= -lam + k * loglam - libm::lgamma(k + 1.0) {
            return k;
        }
    }
}

/// `torch.poisson(rates)`: a Poisson count per rate, in the rates' dtype, drawn rate after rate
/// in order.
pub fn poisson(rates: &Tensor) -> Result<Tensor> {
    crate::ensure!(rates.dtype().is_float(), "\"poisson_cpu\" not implemented for '{}'", rates.dtype().name());
    let r = rates.to_vec::<f64>()?;
    crate::ensure!(r.iter().all(|&l| l >= 0.0), "invalid Poisson rate, expected rate to be non-negative");
    let counts: Vec<f64> = with_rng(|rng| r.iter().map(|&l| poisson_one(rng, l)).collect());
    crate::ops::convert::to(&Tensor::from_vec(counts, &rates.shape())?, None, Some(rates.dtype()), false)
}

/// One standard Gamma(alpha) value as PyTorch's `sample_gamma` draws it: Marsaglia and Tsang's
/// rejection on cached-pair double normals and double uniforms, alpha below 1 boosted by one
/// and the result scaled by `u^(1/alpha)`; in double with its float constants (1/3 and 0.0331
/// rounded to float first). NaN for a NaN or negative alpha (whose rejection loop never ends).
fn gamma_one(rng: &mut Rng, alpha: f64) -> f64 {
    if alpha.is_nan() || alpha < 0.0 {
        return f64::NAN;
    }
    let (mut scale, mut alpha) = (1.0, alpha);
    if alpha < 1.0 {
        if alpha == 0.0 {
            return 0.0;
        }
        scale *= (1.0 - rng.uniform()).powf(1.0 / alpha);
        alpha += 1.0;
    }
    let d = alpha - (1.0f32 / 3.0f32) as f64;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let (x, y) = loop {
            let x = rng.normal();
            let y = 1.0 + c * x;
            if y > 0.0 {
                break (x, y);
            }
        };
        let v = y * y * y;
        let u = 1.0 - rng.uniform();
        let xx = x * x;
        if u < 1.0 - 0.0331f32 as f64 * xx * xx || u.ln() < 0.5 * xx + d * (1.0 - v + v.ln()) {
            return scale * d * v;
        }
    }
}

/// The smallest positive normal value of a float dtype (PyTorch's `numeric_limits::min`).
fn min_positive(d: DType) -> f64 {
    match d {
        DType::F64 => f64::MIN_POSITIVE,
        DType::F16 => 6.103_515_625e-5,
        _ => f32::MIN_POSITIVE as f64, // f32 and bf16 share the exponent range
    }
}

/// `_standard_gamma(alpha)`: one Gamma(alpha, 1) value per element, in order, kept at or above
/// the dtype's smallest normal value.
pub fn standard_gamma(alpha: &Tensor) -> Result<Tensor> {
    crate::ensure!(alpha.dtype().is_float(), "\"gamma_cpu\" not implemented for '{}'", alpha.dtype().name());
    let a = alpha.to_vec::<f64>()?;
    let dt = alpha.dtype();
    let floor = min_positive(dt);
    let vals: Vec<f64> = with_rng(|rng| {
        a.iter()
            .map(|&x| {
                let g = gamma_one(rng, x);
                // the sample in the dtype (through float for f16 and bf16), then at least `floor`
                let g = if dt == DType::F64 { g } else { g as f32 as f64 };
                if g < floor { floor } else { g }
            })
            .collect()
    });
    let out = crate::ops::convert::to(&Tensor::from_vec(vals, &alpha.shape())?, Some(alpha.device()), Some(dt), false)?;
    if crate::autograd::needs_grad(&[alpha]) {
        let (sa, so) = (SavedTensor::input(alpha), SavedTensor::output(&out, 0));
        crate::autograd::record("StandardGammaBackward0", &[alpha], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(crate::ops::gamma_grad::standard_gamma_backward(g, &sa.get(node)?, &so.get(node)?)?)])
        });
    }
    Ok(out)
}

/// Records a node whose backward is PyTorch's error for an op without a derivative, so no
/// gradient goes silently missing.
fn refuse_gradient(op: &'static str, input: &Tensor, out: &Tensor) {
    if crate::autograd::needs_grad(&[input]) {
        crate::autograd::record(op, &[input], &[out], move |_, _| {
            Err(crate::error::Error::msg(format!("derivative for aten::{op} is not implemented")))
        });
    }
}

/// `_sample_dirichlet(alpha)`: Gamma draws in double (each at least f64's smallest normal value)
/// divided by their sum over the last dim, kept within [smallest normal, largest value below 1]
/// of the dtype.
pub fn sample_dirichlet(alpha: &Tensor) -> Result<Tensor> {
    let dt = alpha.dtype();
    crate::ensure!(matches!(dt, DType::F32 | DType::F64), "\"dirichlet\" not implemented for '{}'", dt.name());
    let a = alpha.to_vec::<f64>()?;
    let g: Vec<f64> = with_rng(|rng| a.iter().map(|&x| gamma_one(rng, x).max(f64::MIN_POSITIVE)).collect());
    let shape = alpha.shape();
    let k = shape.last().copied().unwrap_or(1).max(1) as usize;
    let (lo, hi) = if dt == DType::F64 { (f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0) } else { (f32::MIN_POSITIVE as f64, (1.0 - f32::EPSILON as f64 / 2.0)) };
    let mut out = Vec::with_capacity(g.len());
    for row in g.chunks(k) {
        let sum: f64 = row.iter().sum();
        out.extend(row.iter().map(|&v| {
            let r = v / sum;
            let r = if dt == DType::F64 { r } else { r as f32 as f64 };
            r.max(lo).min(hi)
        }));
    }
    let out = crate::ops::convert::to(&Tensor::from_vec(out, &shape)?, Some(alpha.device()), Some(dt), false)?;
    refuse_gradient("_sample_dirichlet", alpha, &out);
    Ok(out)
}

/// The largest integer `random_(from)` draws: 2^digits for floats (every integer up to it is
/// exact), the type's maximum for integers, 1 for bool.
fn default_top(d: DType) -> u64 {
    match d {
        DType::Bool => 1,
        DType::U8 => u8::MAX as u64,
        DType::I8 => i8::MAX as u64,
        DType::I16 => i16::MAX as u64,
        DType::I32 => i32::MAX as u64,
        DType::I64 => i64::MAX as u64,
        _ => 1 << stream_fills::digits(d),
    }
}

/// Integers in `[low, high)` into `t`.
pub fn randint_(t: &Tensor, low: i64, high: i64) -> Result<Tensor> {
    crate::ensure!(low < high, "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}");
    let span = (high as i128 - low as i128) as u64;
    in_visit_order(t, |d, _| stream_fills::integers(d, low, span))
}

/// `random_()`: PyTorch's full range for the dtype.
pub fn random_(t: &Tensor) -> Result<Tensor> {
    in_visit_order(t, |d, _| stream_fills::full_range(d))
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
        let span = (top as i128 - from as i128 + 1) as u64;
        return in_visit_order(t, |d, _| stream_fills::integers(d, from, span));
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
        fn random_(a: &Tensor) -> Result<Tensor> { $crate::ops::random::random_(a) }
        fn random(a: &Tensor) -> Result<Tensor> { $crate::ops::random::fresh_of(a, $crate::ops::random::random_) }
        fn random_from_(a: &Tensor, from: i64, to: Option<i64>) -> Result<Tensor> { $crate::ops::random::random_from_(a, from, to) }
        fn random_from(a: &Tensor, from: i64, to: Option<i64>) -> Result<Tensor> { $crate::ops::random::fresh_of(a, |t| $crate::ops::random::random_from_(t, from, to)) }
        fn poisson(a: &Tensor) -> Result<Tensor> { $crate::ops::random::poisson(a) }
        fn _standard_gamma(a: &Tensor) -> Result<Tensor> { $crate::ops::random::standard_gamma(a) }
        fn _standard_gamma_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::random::standard_gamma(a)?) }
        fn _sample_dirichlet(a: &Tensor) -> Result<Tensor> { $crate::ops::random::sample_dirichlet(a) }
        fn _sample_dirichlet_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::random::sample_dirichlet(a)?) }
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
