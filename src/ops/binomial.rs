//! `torch.binomial(count, prob)`: one Binomial(count, prob) draw per element, as PyTorch's CPU
//! kernel draws it (inversion by geometric jumps below a mean of 10, Hormann's BTRS rejection
//! above it, the smaller tail drawn for prob > 1/2), from the default generator's double
//! uniforms, element after element. The float-typed steps of its f32 kernel are rounded to f32
//! here too, so a seed gives PyTorch's values in both dtypes.

use crate::error::Result;
use crate::ops::Native as N;
use crate::capi::generated::AtgApi;
use crate::tensor::random::{with_rng, Rng};
use crate::tensor::{DType, Tensor};

/// Arithmetic in the kernel's element type: f32 values rounded after each step, or f64.
#[derive(Clone, Copy)]
struct Elem {
    single: bool,
}

impl Elem {
    fn r(self, v: f64) -> f64 {
        if self.single {
            v as f32 as f64
        } else {
            v
        }
    }
}

/// Stirling's series tail `ln k! - (k + 1/2) ln(k + 1) + (k + 1) - ln sqrt(2 pi)`, tabulated
/// for k <= 9 (the values BTRS uses).
fn stirling_tail(k: f64) -> f64 {
    const SMALL: [f64; 10] = [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ];
    if k <= 9.0 {
        return SMALL[k as usize];
    }
    let sq = (k + 1.0) * (k + 1.0);
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / sq) / sq) / (k + 1.0)
}

/// Counts geometric waiting times until they pass `count` (small means).
fn by_inversion(rng: &mut Rng, e: Elem, count: f64, prob: f64) -> f64 {
    let log_q = if e.single { (-(prob as f32)).ln_1p() as f64 } else { (-prob).ln_1p() };
    let (mut total, mut hits) = (0.0f64, 0.0f64);
    loop {
        total += (rng.uniform().ln() / log_q).ceil();
        if total > count {
            return hits;
        }
        hits += 1.0;
    }
}

/// Transformed rejection with squeeze (Hormann 1993, as PyTorch adapts it), prob <= 1/2.
fn btrs(rng: &mut Rng, e: Elem, count: f64, prob: f64) -> f64 {
    let spq = e.r(e.r(e.r(count * prob) * e.r(1.0 - prob)).sqrt());
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * prob;
    let c = e.r(count * prob) + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let r = e.r(prob / e.r(1.0 - prob));
    let alpha = (2.83 + 5.1 / b) * spq;
    let m = e.r(e.r(count + 1.0) * prob).floor();
    loop {
        let u = rng.uniform() - 0.5;
        let v = rng.uniform();
        let us = 0.5 - u.abs();
        let k = e.r(((2.0 * a / us + b) * u + c).floor());
        if k < 0.0 || k > count {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return k;
        }
        let v = (v * alpha / (a / (us * us) + b)).ln();
        let bound = (m + 0.5) * ((m + 1.0) / (r * (count - m + 1.0))).ln()
            + e.r(count + 1.0) * ((count - m + 1.0) / e.r(count - k + 1.0)).ln()
            + (k + 0.5) * (r * e.r(count - k + 1.0) / e.r(k + 1.0)).ln()
            + stirling_tail(m)
            + stirling_tail(count - m)
            - stirling_tail(k)
            - stirling_tail(e.r(count - k));
        if v <= bound {
            return k;
        }
    }
}

/// One draw (PyTorch's `sample_binomial`): 0 for count <= 0 or prob <= 0, count for prob >= 1,
/// NaN for a NaN prob, and NaN for an infinite or NaN count (whose loops never end in PyTorch).
fn draw(rng: &mut Rng, e: Elem, count: f64, prob: f64) -> f64 {
    if count <= 0.0 || prob <= 0.0 {
        0.0
    } else if !count.is_finite() {
        f64::NAN
    } else if prob >= 1.0 {
        count
    } else if prob <= 0.5 {
        if e.r(count * prob) >= 10.0 {
            btrs(rng, e, count, prob)
        } else {
            by_inversion(rng, e, count, prob)
        }
    } else if prob > 0.5 {
        let q = e.r(1.0 - prob);
        let tail = if e.r(count * q) >= 10.0 { btrs(rng, e, count, q) } else { by_inversion(rng, e, count, q) };
        e.r(count - tail)
    } else {
        f64::NAN
    }
}

/// `torch.binomial(count, prob)`: f32 or f64 tensors of one dtype, broadcast together.
pub fn binomial(count: &Tensor, prob: &Tensor) -> Result<Tensor> {
    let dt = count.dtype();
    crate::ensure!(dt.is_float(), "binomial only supports floating-point dtypes for count, got: {}", dt.name());
    crate::ensure!(prob.dtype().is_float(), "binomial only supports floating-point dtypes for prob, got: {}", prob.dtype().name());
    crate::ensure!(matches!(dt, DType::F32 | DType::F64), "\"binomial_cpu\" not implemented for '{}'", dt.name());
    crate::ensure!(prob.dtype() == dt, "Found dtype {} but expected {}", prob.dtype().name(), dt.name());
    let both = N::broadcast_tensors(&[count.clone(), prob.clone()])?;
    let (n, p) = (both[0].to_vec::<f64>()?, both[1].to_vec::<f64>()?);
    let e = Elem { single: dt == DType::F32 };
    let vals: Vec<f64> = with_rng(|rng| n.iter().zip(&p).map(|(&n, &p)| draw(rng, e, n, p)).collect());
    let out = crate::ops::convert::to(&Tensor::from_vec(vals, &both[0].shape())?, Some(count.device()), Some(dt), false)?;
    if crate::autograd::needs_grad(&[count, prob]) {
        crate::autograd::record("BinomialBackward0", &[count, prob], &[&out], |_, _| {
            Err(crate::error::Error::msg("derivative for aten::binomial is not implemented"))
        });
    }
    Ok(out)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_binomial {
    () => {
        fn binomial(count: &Tensor, prob: &Tensor) -> Result<Tensor> { $crate::ops::binomial::binomial(count, prob) }
        fn binomial_out(out: &Tensor, count: &Tensor, prob: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::binomial::binomial(count, prob)?)
        }
    };
}
pub(crate) use atg_binomial;
