//! Losses with PyTorch's reductions (0 none, 1 mean, 2 sum): a fused nll_loss (forward and
//! backward), cross-entropy over it, and the other losses composed from ops (their gradients
//! follow from the ops'); the pointwise regression losses live in `loss_pointwise`.

use super::Native as N;
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::{DType, Element, Scalar, Tensor, TensorData};

pub(super) const NONE: i64 = 0;
pub(super) const MEAN: i64 = 1;
pub(super) const SUM: i64 = 2;

fn f(v: f64) -> Scalar {
    Scalar::Float(v)
}

/// Applies a loss reduction to per-element losses.
pub fn reduce(x: &Tensor, reduction: i64) -> Result<Tensor> {
    match reduction {
        NONE => Ok(x.clone()),
        MEAN => super::reduce::mean(x, None, false, None),
        SUM => super::reduce::sum(x, None, false, None),
        r => crate::bail!("{r} is not a valid value for reduction"),
    }
}

fn check_same_size(op: &str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.shape() != b.shape() {
        crate::bail!(
            "{op}: Using a target size ({:?}) that is different to the input size ({:?}) is not supported",
            &b.shape()[..],
            &a.shape()[..]
        );
    }
    Ok(())
}

pub fn binary_cross_entropy(x: &Tensor, t: &Tensor, w: Option<&Tensor>, reduction: i64) -> Result<Tensor> {
    check_same_size("binary_cross_entropy", x, t)?;
    let vals = x.to_vec::<f64>()?;
    crate::ensure!(
        vals.iter().all(|v| (0.0..=1.0).contains(v) || v.is_nan()),
        "all elements of input should be between 0 and 1"
    );
    let logx = N::clamp_min(&N::log(x)?, &f(-100.0))?;
    let log1mx = N::clamp_min(&N::log(&N::rsub_scalar(x, &f(1.0))?)?, &f(-100.0))?;
    // -(t * log(x) + (1 - t) * log(1 - x))
    let pos = N::mul(t, &logx)?;
    let neg = N::mul(&N::rsub_scalar(t, &f(1.0))?, &log1mx)?;
    let mut l = N::neg(&N::add(&pos, &neg)?)?;
    if let Some(w) = w {
        l = N::mul(&l, w)?;
    }
    reduce(&l, reduction)
}

pub fn binary_cross_entropy_with_logits(
    x: &Tensor,
    t: &Tensor,
    w: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
    reduction: i64,
) -> Result<Tensor> {
    check_same_size("binary_cross_entropy_with_logits", x, t)?;
    // log(1 + exp(-|x|)) + max(-x, 0): a stable log(1 + exp(-x))
    let softplus_neg = N::add(&N::log1p(&N::exp(&N::neg(&N::abs(x)?)?)?)?, &N::clamp_min(&N::neg(x)?, &f(0.0))?)?;
    let one_minus_t = N::rsub_scalar(t, &f(1.0))?;
    let mut l = match pos_weight {
        Some(pw) => {
            let log_weight = N::add_scalar(&N::mul(&N::sub_scalar(pw, &f(1.0))?, t)?, &f(1.0))?;
            N::add(&N::mul(&one_minus_t, x)?, &N::mul(&log_weight, &softplus_neg)?)?
        }
        None => N::add(&N::mul(&one_minus_t, x)?, &softplus_neg)?,
    };
    if let Some(w) = w {
        l = N::mul(&l, w)?;
    }
    reduce(&l, reduction)
}

pub fn kl_div(x: &Tensor, t: &Tensor, reduction: i64, log_target: bool) -> Result<Tensor> {
    let l = if log_target {
        N::mul(&N::exp(t)?, &N::sub(t, x)?)?
    } else {
        N::sub(&N::xlogy(t, t)?, &N::mul(t, x)?)?
    };
    reduce(&l, reduction)
}

pub fn soft_margin_loss(x: &Tensor, t: &Tensor, reduction: i64) -> Result<Tensor> {
    let z = N::neg(&N::mul(t, x)?)?;
    reduce(&N::log1p(&N::exp(&z)?)?, reduction)
}

pub fn margin_ranking_loss(a: &Tensor, b: &Tensor, t: &Tensor, margin: f64, reduction: i64) -> Result<Tensor> {
    let z = N::add_scalar(&N::neg(&N::mul(t, &N::sub(a, b)?)?)?, &f(margin))?;
    reduce(&N::clamp_min(&z, &f(0.0))?, reduction)
}

pub fn hinge_embedding_loss(x: &Tensor, t: &Tensor, margin: f64, reduction: i64) -> Result<Tensor> {
    let zeros = N::zeros_like(x)?;
    let m = N::clamp_min(&N::rsub_scalar(x, &f(margin))?, &f(0.0))?;
    let out_margin = N::where_self(&N::ne(t, &f(1.0))?, &m, &zeros)?;
    let out_self = N::where_self(&N::ne(t, &f(-1.0))?, x, &zeros)?;
    reduce(&N::add(&out_margin, &out_self)?, reduction)
}

pub fn cosine_embedding_loss(a: &Tensor, b: &Tensor, t: &Tensor, margin: f64, reduction: i64) -> Result<Tensor> {
    const EPS: f64 = 1e-12;
    let d = a.dim() as i64 - 1;
    let prod = super::reduce::sum(&N::mul(a, b)?, Some(&[d]), false, None)?;
    let ma = N::add_scalar(&super::reduce::sum(&N::mul(a, a)?, Some(&[d]), false, None)?, &f(EPS))?;
    let mb = N::add_scalar(&super::reduce::sum(&N::mul(b, b)?, Some(&[d]), false, None)?, &f(EPS))?;
    let cos = N::div(&prod, &N::sqrt(&N::mul(&ma, &mb)?)?)?;
    let zeros = N::zeros_like(&cos)?;
    let pos = N::rsub_scalar(&cos, &f(1.0))?;
    let neg = N::clamp_min(&N::sub_scalar(&cos, &f(margin))?, &f(0.0))?;
    let out = N::add(
        &N::where_self(&N::eq(t, &f(1.0))?, &pos, &zeros)?,
        &N::where_self(&N::eq(t, &f(-1.0))?, &neg, &zeros)?,
    )?;
    reduce(&out, reduction)
}

pub fn poisson_nll_loss(x: &Tensor, t: &Tensor, log_input: bool, full: bool, eps: f64, reduction: i64) -> Result<Tensor> {
    let mut l = if log_input {
        N::sub(&N::exp(x)?, &N::mul(t, x)?)?
    } else {
        N::sub(x, &N::mul(t, &N::log(&N::add_scalar(x, &f(eps))?)?)?)?
    };
    if full {
        // Stirling's approximation, where target > 1
        let two_pi_t = N::mul_scalar(t, &f(2.0 * std::f64::consts::PI))?;
        let stirling = N::add(
            &N::sub(&N::mul(t, &N::log(t)?)?, t)?,
            &N::mul_scalar(&N::log(&two_pi_t)?, &f(0.5))?,
        )?;
        let mask = N::gt(t, &f(1.0))?;
        l = N::add(&l, &N::masked_fill(&stirling, &N::logical_not(&mask)?, &f(0.0))?)?;
    }
    reduce(&l, reduction)
}

/// For each target: where its input element is (a flat position in the contiguous input) and
/// the weight it counts with, or None where it is `ignore`.
fn nll_picks(target: &[i64], w: Option<&[f64]>, (n, c, inner): (usize, usize, usize), ignore: i64) -> Result<Vec<Option<(usize, f64)>>> {
    let mut picks = Vec::with_capacity(n * inner);
    for b in 0..n {
        for i in 0..inner {
            let cls = target[b * inner + i];
            if cls == ignore {
                picks.push(None);
                continue;
            }
            crate::ensure!(cls >= 0 && (cls as usize) < c, "Target {cls} is out of bounds.");
            let wt = w.map_or(1.0, |w| w[cls as usize]);
            picks.push(Some(((b * c + cls as usize) * inner + i, wt)));
        }
    }
    Ok(picks)
}

/// The elements of a float tensor at these flat positions of its contiguous form, as f64.
fn gather_f64(x: &Tensor, at: impl Iterator<Item = usize>) -> Result<Vec<f64>> {
    fn get<T: Element>(d: &TensorData, at: impl Iterator<Item = usize>) -> Vec<f64> {
        // SAFETY: `d` is contiguous of element type T; positions come from in-bounds targets
        let s = unsafe { d.as_slice::<T>() };
        at.map(|i| s[i].to_f64()).collect()
    }
    let x = x.contiguous()?;
    let d = x.data();
    Ok(match d.dtype {
        DType::F32 => get::<f32>(&d, at),
        DType::F64 => get::<f64>(&d, at),
        DType::F16 => get::<half::f16>(&d, at),
        DType::BF16 => get::<half::bf16>(&d, at),
        other => crate::bail!("\"nll_loss\" not implemented for '{}'", other.name()),
    })
}

/// A zero tensor of this shape and float dtype with `values` written at flat positions.
fn scattered(shape: &[i64], dtype: DType, values: impl Iterator<Item = (usize, f64)>) -> Result<Tensor> {
    fn put<T: Element>(d: &TensorData, values: impl Iterator<Item = (usize, f64)>) {
        // SAFETY: a new contiguous tensor of element type T that nobody else sees yet
        let s = unsafe { d.as_mut_slice::<T>() };
        values.for_each(|(i, v)| s[i] = T::from_f64(v));
    }
    let out = Tensor::zeros(shape, dtype, crate::tensor::Device::Cpu)?;
    let d = out.data();
    match dtype {
        DType::F32 => put::<f32>(&d, values),
        DType::F64 => put::<f64>(&d, values),
        DType::F16 => put::<half::f16>(&d, values),
        DType::BF16 => put::<half::bf16>(&d, values),
        other => crate::bail!("nll_loss_backward not implemented for '{}'", other.name()),
    }
    Ok(out)
}

/// Splits an input of shape [C], [N, C] or [N, C, d1...] into (N, C, inner).
fn nll_dims(x: &Tensor, t: &Tensor) -> Result<(usize, usize, usize)> {
    let (xs, ts) = (x.shape(), t.shape());
    match xs.len() {
        1 => {
            crate::ensure!(ts.is_empty(), "0D or 1D target tensor expected, multi-target not supported");
            Ok((1, xs[0] as usize, 1))
        }
        0 => crate::bail!("input tensor should be 1D or 2D"),
        _ => {
            let mut expect: Vec<i64> = vec![xs[0]];
            expect.extend_from_slice(&xs[2..]);
            crate::ensure!(
                ts[..] == expect[..],
                "Expected target size {:?}, got {:?}",
                &expect[..],
                &ts[..]
            );
            Ok((xs[0] as usize, xs[1] as usize, xs[2..].iter().product::<i64>() as usize))
        }
    }
}

/// `nll_loss` (and `nll_loss2d`/`nll_loss_nd`): fused forward, with its own backward.
pub fn nll_loss(x: &Tensor, t: &Tensor, w: Option<&Tensor>, reduction: i64, ignore: i64) -> Result<Tensor> {
    crate::ensure!(
        t.dtype() == DType::I64 || t.dtype() == DType::U8,
        "expected scalar type Long but found {}",
        t.dtype().name()
    );
    crate::ensure!((0..=2).contains(&reduction), "{reduction} is not a valid value for reduction");
    // PyTorch's nll_loss has no derivative for its weight (derivatives.yaml): refuse, as it does
    if w.is_some_and(|w| crate::autograd::needs_grad(&[w])) {
        crate::bail!(
            "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True."
        );
    }
    let (n, c, inner) = nll_dims(x, t)?;
    if let Some(w) = w {
        crate::ensure!(
            w.numel() == c,
            "weight tensor should be defined either for all {c} classes or no classes but got weight tensor of shape: {:?}",
            &w.shape()[..]
        );
    }
    let dtype = x.dtype();
    let target = t.to_vec::<i64>()?;
    crate::ensure!(dtype.is_float(), "\"nll_loss_forward_reduce_cuda_kernel_2d_index\" not implemented for '{}'", dtype.name());
    let wv = w.map(|w| w.to_vec::<f64>()).transpose()?;
    let picks = nll_picks(&target, wv.as_deref(), (n, c, inner), ignore)?;
    let picked = gather_f64(x, picks.iter().flatten().map(|p| p.0))?;
    let mut picked = picked.into_iter();
    let (mut losses, mut weights) = (vec![0.0; picks.len()], vec![0.0; picks.len()]);
    for (k, &(_, wt)) in picks.iter().enumerate().filter_map(|(k, p)| p.as_ref().map(|p| (k, p))) {
        losses[k] = -(picked.next().unwrap_or(f64::NAN) * wt);
        weights[k] = wt;
    }
    let out64 = match reduction {
        NONE => Tensor::from_vec(losses, &t.shape())?,
        _ => {
            let total: f64 = losses.iter().sum();
            let wsum: f64 = weights.iter().sum();
            Tensor::from_vec(vec![if reduction == MEAN { total / wsum } else { total }], &[])?
        }
    };
    let out = super::convert::to(&out64, None, Some(dtype), false)?;
    if needs_grad(&[x]) {
        let (sx, st) = (SavedTensor::input(x), SavedTensor::input(t));
        let sw = w.map(SavedTensor::input);
        record("NllLossBackward0", &[x], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let (x, t) = (sx.get(node)?, st.get(node)?);
            let w = sw.as_ref().map(|s| s.get(node)).transpose()?;
            Ok(vec![Some(nll_loss_backward(g, &x, &t, w.as_ref(), reduction, ignore)?)])
        });
    }
    Ok(out)
}

/// The gradient of nll_loss with respect to its input: -w[t] * g (over the total weight for
/// mean) at each kept target's element, zero elsewhere. When `g` is on a graph (a gradient of a
/// gradient), it is built as (constant coefficients) * g so that the result stays on it.
pub fn nll_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, w: Option<&Tensor>, reduction: i64, ignore: i64) -> Result<Tensor> {
    let (n, c, inner) = nll_dims(x, t)?;
    let target = t.to_vec::<i64>()?;
    let dtype = x.dtype();
    crate::ensure!(dtype.is_float(), "nll_loss_backward not implemented for '{}'", dtype.name());
    let wv = w.map(|w| w.to_vec::<f64>()).transpose()?;
    let picks = nll_picks(&target, wv.as_deref(), (n, c, inner), ignore)?;
    let wsum: f64 = picks.iter().flatten().map(|p| p.1).sum();
    let scale = if reduction == MEAN { 1.0 / wsum } else { 1.0 };
    let coefficients = picks.iter().flatten().map(|&(at, wt)| (at, -wt * scale));
    if needs_grad(&[g]) {
        let coeff = scattered(&x.shape(), dtype, coefficients)?;
        let gb = if reduction == NONE && x.dim() > 1 { super::shape::unsqueeze(g, 1)? } else { g.clone() };
        return N::mul(&coeff, &gb);
    }
    let gv = g.to_vec::<f64>()?;
    let per_target = reduction == NONE && gv.len() == picks.len();
    crate::ensure!(per_target || gv.len() == 1, "nll_loss_backward: grad_output of {} elements for {} targets", gv.len(), picks.len());
    let values = picks
        .iter()
        .enumerate()
        .filter_map(|(k, p)| p.map(|(at, wt)| (at, -wt * scale * gv[if per_target { k } else { 0 }])));
    scattered(&x.shape(), dtype, values)
}

/// `cross_entropy_loss`: class indices (log_softmax + nll_loss, with label smoothing) or class
/// probabilities (targets of the input's shape).
pub fn cross_entropy(x: &Tensor, t: &Tensor, w: Option<&Tensor>, reduction: i64, ignore: i64, smoothing: f64) -> Result<Tensor> {
    crate::ensure!((0.0..=1.0).contains(&smoothing), "label_smoothing must be between 0.0 and 1.0. Got: {smoothing}");
    let class_dim = if x.dim() == 1 { 0 } else { 1 };
    let logp = N::log_softmax(x, class_dim, None)?;
    let c = x.shape()[class_dim as usize];
    // weights broadcast along the class dim
    let wb = w
        .map(|w| {
            let mut shape = vec![1i64; x.dim()];
            shape[class_dim as usize] = c;
            super::shape::reshape(w, &shape)
        })
        .transpose()?;
    if t.dtype().is_float() {
        crate::ensure!(ignore < 0, "ignore_index is not supported for floating point target");
        check_same_size("cross_entropy", x, t)?;
        let mut t = t.clone();
        if smoothing > 0.0 {
            t = N::add_scalar(&N::mul_scalar(&t, &f(1.0 - smoothing))?, &f(smoothing / c as f64))?;
        }
        let mut prod = N::mul(&logp, &t)?;
        if let Some(wb) = &wb {
            prod = N::mul(&prod, wb)?;
        }
        let per = N::neg(&super::reduce::sum(&prod, Some(&[class_dim]), false, None)?)?;
        return match reduction {
            MEAN => {
                let n = if x.dim() == 1 { 1.0 } else { (x.numel() / c as usize) as f64 };
                N::div_scalar(&super::reduce::sum(&per, None, false, None)?, &f(n))
            }
            r => reduce(&per, r),
        };
    }
    let nll = nll_loss(&logp, t, w, reduction, ignore)?;
    if smoothing <= 0.0 {
        return Ok(nll);
    }
    // smooth part: -sum_c w_c logp_c per element, ignoring ignore_index targets
    let mut lp = logp.clone();
    if let Some(wb) = &wb {
        lp = N::mul(&lp, wb)?;
    }
    let smooth = N::neg(&super::reduce::sum(&lp, Some(&[class_dim]), false, None)?)?;
    let ignored = N::eq(t, &Scalar::Int(ignore))?;
    let smooth = N::masked_fill(&smooth, &ignored, &f(0.0))?;
    let smooth = match reduction {
        NONE => smooth,
        SUM => super::reduce::sum(&smooth, None, false, None)?,
        _ => {
            let denom = match w {
                Some(w) => {
                    let safe_t = N::masked_fill(t, &ignored, &Scalar::Int(0))?;
                    let wt = N::index_select(w, 0, &super::shape::reshape(&safe_t, &[-1])?)?;
                    let wt = N::masked_fill(&wt, &super::shape::reshape(&ignored, &[-1])?, &f(0.0))?;
                    super::reduce::sum(&wt, None, false, None)?
                }
                None => {
                    let kept = N::logical_not(&ignored)?;
                    super::reduce::sum(&kept, None, false, Some(x.dtype()))?
                }
            };
            N::div(&super::reduce::sum(&smooth, None, false, None)?, &denom)?
        }
    };
    N::add(
        &N::mul_scalar(&nll, &f(1.0 - smoothing))?,
        &N::mul_scalar(&smooth, &f(smoothing / c as f64))?,
    )
}

macro_rules! atg_loss {
    () => {
        fn binary_cross_entropy(x: &Tensor, t: &Tensor, w: Option<&Tensor>, r: i64) -> Result<Tensor> { $crate::ops::loss::binary_cross_entropy(x, t, w, r) }
        fn binary_cross_entropy_with_logits(x: &Tensor, t: &Tensor, w: Option<&Tensor>, pw: Option<&Tensor>, r: i64) -> Result<Tensor> {
            $crate::ops::loss::binary_cross_entropy_with_logits(x, t, w, pw, r)
        }
        fn kl_div(x: &Tensor, t: &Tensor, r: i64, log_target: bool) -> Result<Tensor> { $crate::ops::loss::kl_div(x, t, r, log_target) }
        fn soft_margin_loss(x: &Tensor, t: &Tensor, r: i64) -> Result<Tensor> { $crate::ops::loss::soft_margin_loss(x, t, r) }
        fn margin_ranking_loss(a: &Tensor, b: &Tensor, t: &Tensor, m: f64, r: i64) -> Result<Tensor> { $crate::ops::loss::margin_ranking_loss(a, b, t, m, r) }
        fn hinge_embedding_loss(x: &Tensor, t: &Tensor, m: f64, r: i64) -> Result<Tensor> { $crate::ops::loss::hinge_embedding_loss(x, t, m, r) }
        fn cosine_embedding_loss(a: &Tensor, b: &Tensor, t: &Tensor, m: f64, r: i64) -> Result<Tensor> { $crate::ops::loss::cosine_embedding_loss(a, b, t, m, r) }
        fn poisson_nll_loss(x: &Tensor, t: &Tensor, log_input: bool, full: bool, eps: f64, r: i64) -> Result<Tensor> {
            $crate::ops::loss::poisson_nll_loss(x, t, log_input, full, eps, r)
        }
        fn nll_loss(x: &Tensor, t: &Tensor, w: Option<&Tensor>, r: i64, ignore: i64) -> Result<Tensor> { $crate::ops::loss::nll_loss(x, t, w, r, ignore) }
        fn nll_loss2d(x: &Tensor, t: &Tensor, w: Option<&Tensor>, r: i64, ignore: i64) -> Result<Tensor> { $crate::ops::loss::nll_loss(x, t, w, r, ignore) }
        fn nll_loss_nd(x: &Tensor, t: &Tensor, w: Option<&Tensor>, r: i64, ignore: i64) -> Result<Tensor> { $crate::ops::loss::nll_loss(x, t, w, r, ignore) }
        fn nll_loss_backward(g: &Tensor, x: &Tensor, t: &Tensor, w: Option<&Tensor>, r: i64, ignore: i64, _total: &Tensor) -> Result<Tensor> {
            $crate::ops::loss::nll_loss_backward(g, x, t, w, r, ignore)
        }
        fn cross_entropy_loss(x: &Tensor, t: &Tensor, w: Option<&Tensor>, r: i64, ignore: i64, smoothing: f64) -> Result<Tensor> {
            $crate::ops::loss::cross_entropy(x, t, w, r, ignore, smoothing)
        }
    };
}
pub(crate) use atg_loss;
