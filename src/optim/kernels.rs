//! Fused optimizer updates over contiguous buffers, in the parameter's dtype, with the same
//! operation order (and so the same rounding) as libtorch's C++ optimizers.

use crate::error::Result;
use crate::tensor::{DType, Tensor};
use num_traits::Float;

pub struct SgdConsts {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub wd: f64,
    pub nesterov: bool,
    pub first: bool,
}

pub struct AdamConsts {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub wd: f64,
    pub decoupled: bool,
    pub bias_correction1: f64,
    pub bias_correction2: f64,
}

pub struct RmsConsts {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub wd: f64,
    pub momentum: f64,
    pub centered: bool,
}

/// Mutable slice of a contiguous f32/f64 tensor.
///
/// # Safety
/// The tensor is contiguous, of type `T`, and nothing else touches it during the update.
unsafe fn slice<'a, T: crate::tensor::Element>(t: &Tensor) -> &'a mut [T] {
    let d = t.data();
    std::slice::from_raw_parts_mut(d.base_ptr() as *mut T, d.numel())
}

fn c<T: Float>(v: f64) -> T {
    T::from(v).unwrap()
}

macro_rules! by_dtype {
    ($p:expr, $f:ident ( $($a:expr),* )) => {
        match $p.dtype() {
            DType::F32 => unsafe { $f::<f32>($($a),*) },
            DType::F64 => unsafe { $f::<f64>($($a),*) },
            d => crate::bail!("torchrs: optimizer step is not implemented for dtype {}", d.name()),
        }
    };
}

pub fn sgd_step(p: &Tensor, g: &Tensor, buf: Option<&Tensor>, k: &SgdConsts) -> Result<()> {
    by_dtype!(p, sgd(p, g, buf, k));
    Ok(())
}

unsafe fn sgd<T: Float + crate::tensor::Element>(p: &Tensor, g: &Tensor, buf: Option<&Tensor>, k: &SgdConsts) {
    let (ps, gs) = (slice::<T>(p), slice::<T>(g));
    let mut bs = buf.map(|b| slice::<T>(b));
    let (wd, mom, damp, lr) = (c::<T>(k.wd), c::<T>(k.momentum), c::<T>(1.0 - k.dampening), c::<T>(-k.lr));
    for i in 0..ps.len() {
        let mut d = gs[i];
        if k.wd != 0.0 {
            d = d + wd * ps[i];
        }
        if let Some(b) = bs.as_deref_mut() {
            b[i] = if k.first { d } else { b[i] * mom + damp * d };
            d = if k.nesterov { d + mom * b[i] } else { b[i] };
        }
        ps[i] = ps[i] + lr * d;
    }
}

pub fn adam_step(p: &Tensor, g: &Tensor, m: &Tensor, v: &Tensor, vmax: Option<&Tensor>, k: &AdamConsts) -> Result<()> {
    by_dtype!(p, adam(p, g, m, v, vmax, k));
    Ok(())
}

unsafe fn adam<T: Float + crate::tensor::Element>(
    p: &Tensor,
    g: &Tensor,
    m: &Tensor,
    v: &Tensor,
    vmax: Option<&Tensor>,
    k: &AdamConsts,
) {
    let (ps, gs, ms, vs) = (slice::<T>(p), slice::<T>(g), slice::<T>(m), slice::<T>(v));
    let mut xs = vmax.map(|t| slice::<T>(t));
    let (b1, b2) = (c::<T>(k.beta1), c::<T>(k.beta2));
    let (ob1, ob2) = (c::<T>(1.0 - k.beta1), c::<T>(1.0 - k.beta2));
    let (wd, eps) = (c::<T>(k.wd), c::<T>(k.eps));
    let sqrt_bc2 = c::<T>(k.bias_correction2.sqrt());
    let neg_step = c::<T>(-(k.lr / k.bias_correction1));
    let decay = c::<T>(1.0 - k.lr * k.wd);
    for i in 0..ps.len() {
        let mut grad = gs[i];
        if k.decoupled {
            if k.wd != 0.0 {
                ps[i] = ps[i] * decay;
            }
        } else if k.wd != 0.0 {
            grad = grad + wd * ps[i];
        }
        ms[i] = ms[i] * b1;
        ms[i] = ms[i] + ob1 * grad;
        vs[i] = vs[i] * b2;
        vs[i] = vs[i] + ob2 * grad * grad;
        let second = match xs.as_deref_mut() {
            Some(x) => {
                // max_out propagates NaN like torch.max
                x[i] = if vs[i].is_nan() || vs[i] > x[i] { vs[i] } else { x[i] };
                x[i]
            }
            None => vs[i],
        };
        let denom = second.sqrt() / sqrt_bc2 + eps;
        ps[i] = ps[i] + neg_step * ms[i] / denom;
    }
}

pub fn rmsprop_step(
    p: &Tensor,
    g: &Tensor,
    sq: &Tensor,
    buf: Option<&Tensor>,
    gavg: Option<&Tensor>,
    k: &RmsConsts,
) -> Result<()> {
    by_dtype!(p, rmsprop(p, g, sq, buf, gavg, k));
    Ok(())
}

unsafe fn rmsprop<T: Float + crate::tensor::Element>(
    p: &Tensor,
    g: &Tensor,
    sq: &Tensor,
    buf: Option<&Tensor>,
    gavg: Option<&Tensor>,
    k: &RmsConsts,
) {
    let (ps, gs, ss) = (slice::<T>(p), slice::<T>(g), slice::<T>(sq));
    let mut bs = buf.map(|t| slice::<T>(t));
    let mut avs = gavg.map(|t| slice::<T>(t));
    let (alpha, oalpha, wd, eps) = (c::<T>(k.alpha), c::<T>(1.0 - k.alpha), c::<T>(k.wd), c::<T>(k.eps));
    let (mom, neg_lr) = (c::<T>(k.momentum), c::<T>(-k.lr));
    for i in 0..ps.len() {
        let mut grad = gs[i];
        if k.wd != 0.0 {
            grad = grad + wd * ps[i];
        }
        ss[i] = ss[i] * alpha;
        ss[i] = ss[i] + oalpha * grad * grad;
        let avg = match avs.as_deref_mut() {
            Some(a) if k.centered => {
                a[i] = a[i] * alpha;
                a[i] = a[i] + oalpha * grad;
                (ss[i] + c::<T>(-1.0) * a[i] * a[i]).sqrt() + eps
            }
            _ => ss[i].sqrt() + eps,
        };
        match bs.as_deref_mut() {
            Some(b) if k.momentum > 0.0 => {
                b[i] = b[i] * mom;
                b[i] = b[i] + grad / avg;
                ps[i] = ps[i] + neg_lr * b[i];
            }
            _ => ps[i] = ps[i] + neg_lr * grad / avg,
        }
    }
}
