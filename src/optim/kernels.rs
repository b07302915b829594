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

/// Adam's constants in the parameter's type.
struct AdamQ<T> {
    b1: T,
    b2: T,
    ob1: T,
    ob2: T,
    wd: T,
    eps: T,
    sqrt_bc2: T,
    neg_step: T,
    decay: T,
    decoupled: bool,
    has_wd: bool,
}

/// One run of the update over equal-length slices (`xs`: amsgrad's running max of `vs`).
#[inline(always)]
fn adam_run<T: Float>(ps: &mut [T], gs: &[T], ms: &mut [T], vs: &mut [T], xs: Option<&mut [T]>, q: &AdamQ<T>) {
    let n = ps.len();
    let (gs, ms, vs) = (&gs[..n], &mut ms[..n], &mut vs[..n]);
    let mut xs = xs.map(|x| &mut x[..n]);
    for i in 0..n {
        let mut grad = gs[i];
        if q.decoupled {
            if q.has_wd {
                ps[i] = ps[i] * q.decay;
            }
        } else if q.has_wd {
            grad = grad + q.wd * ps[i];
        }
        ms[i] = ms[i] * q.b1;
        ms[i] = ms[i] + q.ob1 * grad;
        vs[i] = vs[i] * q.b2;
        vs[i] = vs[i] + q.ob2 * grad * grad;
        let second = match xs.as_deref_mut() {
            Some(x) => {
                // max_out propagates NaN like torch.max
                x[i] = if vs[i].is_nan() || vs[i] > x[i] { vs[i] } else { x[i] };
                x[i]
            }
            None => vs[i],
        };
        let denom = second.sqrt() / q.sqrt_bc2 + q.eps;
        ps[i] = ps[i] + q.neg_step * ms[i] / denom;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn adam_run_avx2<T: Float>(ps: &mut [T], gs: &[T], ms: &mut [T], vs: &mut [T], xs: Option<&mut [T]>, q: &AdamQ<T>) {
    adam_run(ps, gs, ms, vs, xs, q)
}

/// [`adam_run`] in 512-bit registers (Rust never contracts `a * b + c` into an FMA, so the
/// numbers are those of the other builds).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
unsafe fn adam_run_avx512<T: Float>(ps: &mut [T], gs: &[T], ms: &mut [T], vs: &mut [T], xs: Option<&mut [T]>, q: &AdamQ<T>) {
    adam_run(ps, gs, ms, vs, xs, q)
}

/// A pointer that may cross to the pool's threads (each thread touches its own range).
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);
unsafe impl<T> Send for Shared<T> {}
unsafe impl<T> Sync for Shared<T> {}

unsafe fn adam<T: Float + crate::tensor::Element>(
    p: &Tensor,
    g: &Tensor,
    m: &Tensor,
    v: &Tensor,
    vmax: Option<&Tensor>,
    k: &AdamConsts,
) {
    let (ps, gs, ms, vs) = (slice::<T>(p), slice::<T>(g), slice::<T>(m), slice::<T>(v));
    let q = AdamQ {
        b1: c::<T>(k.beta1),
        b2: c::<T>(k.beta2),
        ob1: c::<T>(1.0 - k.beta1),
        ob2: c::<T>(1.0 - k.beta2),
        wd: c::<T>(k.wd),
        eps: c::<T>(k.eps),
        sqrt_bc2: c::<T>(k.bias_correction2.sqrt()),
        neg_step: c::<T>(-(k.lr / k.bias_correction1)),
        decay: c::<T>(1.0 - k.lr * k.wd),
        decoupled: k.decoupled,
        has_wd: k.wd != 0.0,
    };
    let n = ps.len();
    let ptrs = (Shared(ps.as_mut_ptr()), Shared(gs.as_mut_ptr()), Shared(ms.as_mut_ptr()), Shared(vs.as_mut_ptr()));
    let xp = vmax.map(|t| Shared(slice::<T>(t).as_mut_ptr()));
    #[cfg(target_arch = "x86_64")]
    let isa = crate::cpu::isa::isa();
    let run = |lo: usize, hi: usize| {
        let len = hi - lo;
        let (p, g, m, v) = ptrs;
        let (ps, gs) = (std::slice::from_raw_parts_mut(p.0.add(lo), len), std::slice::from_raw_parts(g.0.add(lo) as *const T, len));
        let (ms, vs) = (std::slice::from_raw_parts_mut(m.0.add(lo), len), std::slice::from_raw_parts_mut(v.0.add(lo), len));
        let xs = xp.map(|x| std::slice::from_raw_parts_mut(x.0.add(lo), len));
        #[cfg(target_arch = "x86_64")]
        match isa {
            crate::cpu::isa::Isa::Avx512 => return adam_run_avx512(ps, gs, ms, vs, xs, &q),
            crate::cpu::isa::Isa::Avx2 => return adam_run_avx2(ps, gs, ms, vs, xs, &q),
            crate::cpu::isa::Isa::Base => {}
        }
        adam_run(ps, gs, ms, vs, xs, &q)
    };
    crate::cpu::threads::for_ranges(n, run);
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
