//! batch_norm: per-channel statistics, then one per-channel affine map `x * scale + shift`
//! (scale = weight / sqrt(var + eps), shift = bias - mean * scale). Without a graph the map is
//! one fused pass over the input; with one it is two broadcast ops, so gradients follow.

use super::nn::per_channel;
use super::reduce::real::Real;
use super::Native as N;
use crate::autograd::{needs_grad, with_grad_mode};
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::{DType, Scalar, Tensor, TensorData};

fn f(v: f64) -> Scalar {
    Scalar::Float(v)
}

#[allow(clippy::too_many_arguments)]
pub fn batch_norm(
    x: &Tensor,
    w: Option<&Tensor>,
    b: Option<&Tensor>,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    training: bool,
    momentum: f64,
    eps: f64,
) -> Result<Tensor> {
    let nd = x.dim();
    crate::ensure!(nd >= 2, "batch_norm: expected 2D or more input (got {nd}D input)");
    let c = x.shape()[1];
    for (name, p) in [("weight", w), ("bias", b), ("running_mean", running_mean), ("running_var", running_var)] {
        if let Some(p) = p {
            crate::ensure!(
                p.numel() == c as usize,
                "batch_norm: expected {name} to have {c} elements (the input's channels), but got {name} of shape {:?}",
                &p.shape()[..]
            );
        }
    }
    let dims: Vec<i64> = (0..nd as i64).filter(|&d| d != 1).collect();
    let (mean, var) = if training {
        let count = x.numel() / c as usize;
        crate::ensure!(
            count > 1,
            "Expected more than 1 value per channel when training, got input size {:?}",
            &x.shape()[..]
        );
        let mean = super::reduce::mean(x, Some(&dims), true, None)?;
        let centered = N::sub(x, &mean)?;
        let var = super::reduce::mean(&N::mul(&centered, &centered)?, Some(&dims), true, None)?;
        if let (Some(rm), Some(rv)) = (running_mean, running_var) {
            with_grad_mode(false, || -> Result<()> {
                let unbiased = N::mul_scalar(&var, &f(count as f64 / (count as f64 - 1.0)))?;
                let upd = |r: &Tensor, v: &Tensor| -> Result<()> {
                    let v = super::shape::reshape(v, &r.shape())?;
                    let nv = N::add(&N::mul_scalar(r, &f(1.0 - momentum))?, &N::mul_scalar(&v, &f(momentum))?)?;
                    super::convert::copy_(r, &nv).map(|_| ())
                };
                upd(rm, &mean)?;
                upd(rv, &unbiased)
            })?;
        }
        (super::shape::reshape(&mean, &[-1])?, super::shape::reshape(&var, &[-1])?)
    } else {
        match (running_mean, running_var) {
            (Some(m), Some(v)) => (super::shape::reshape(m, &[-1])?, super::shape::reshape(v, &[-1])?),
            _ => crate::bail!("running_mean and running_var must be defined in evaluation mode"),
        }
    };
    // scale = w / sqrt(var + eps), shift = b - mean * scale, per channel
    let mut scale = N::rsqrt(&N::add_scalar(&var, &f(eps))?)?;
    if let Some(w) = w {
        scale = N::mul(&scale, &super::shape::reshape(w, &[-1])?)?;
    }
    let mut shift = N::neg(&N::mul(&mean, &scale)?)?;
    if let Some(b) = b {
        shift = N::add(&shift, &super::shape::reshape(b, &[-1])?)?;
    }
    let (scale, shift) = (N::to_dtype(&scale, x.dtype(), false, false)?, N::to_dtype(&shift, x.dtype(), false, false)?);
    let inner: i64 = x.shape()[2..].iter().product();
    if !needs_grad(&[x, &scale, &shift]) && x.dtype().is_float() && inner >= 16 {
        return channel_affine(x, &scale, &shift);
    }
    N::add(&N::mul(x, &per_channel(&scale, nd)?)?, &per_channel(&shift, nd)?)
}

/// `x * scale[c] + shift[c]` along dim 1, one pass (blocks of the contiguous input split across
/// threads); scale and shift are 1-d of x's float dtype. Used when each channel's blocks are at
/// least 16 long: 2-d `[N, C]` input goes through the broadcast ops, which walk its rows.
fn channel_affine(x: &Tensor, scale: &Tensor, shift: &Tensor) -> Result<Tensor> {
    let x = x.contiguous()?;
    let (xd, sd, td) = (x.data(), scale.contiguous()?.data(), shift.contiguous()?.data());
    let out = TensorData::empty(&xd.layout.shape, xd.dtype, xd.device())?;
    let shape = &xd.layout.shape;
    let (c, inner) = (shape[1] as usize, shape[2..].iter().product::<i64>() as usize);
    match xd.dtype {
        DType::F32 => affine_blocks::<f32>(&xd, &sd, &td, &out, c, inner),
        DType::F64 => affine_blocks::<f64>(&xd, &sd, &td, &out, c, inner),
        DType::F16 => affine_blocks::<half::f16>(&xd, &sd, &td, &out, c, inner),
        DType::BF16 => affine_blocks::<half::bf16>(&xd, &sd, &td, &out, c, inner),
        other => crate::bail!("\"batch_norm\" not implemented for '{}'", other.name()),
    }
    Ok(Tensor::from_data(out))
}

fn affine_blocks<T: Real>(x: &TensorData, scale: &TensorData, shift: &TensorData, out: &TensorData, c: usize, inner: usize) {
    // SAFETY: contiguous tensors of element type T; `out` is new and each block has one writer
    let (xs, s, t) = unsafe { (x.as_slice::<T>(), scale.as_slice::<T>(), shift.as_slice::<T>()) };
    let blocks = if inner == 0 { 0 } else { xs.len() / inner };
    use crate::cpu::threads::{parallel_for, rows_per_run, SendPtr};
    let po = SendPtr(out.base_ptr() as *mut T);
    let per = rows_per_run(blocks, inner).max(1);
    parallel_for(blocks.div_ceil(per), |task| {
        for k in task * per..((task + 1) * per).min(blocks) {
            let ch = k % c;
            // SAFETY: block k of the output belongs to this task
            let o = unsafe { std::slice::from_raw_parts_mut(po.get().add(k * inner), inner) };
            affine(&xs[k * inner..(k + 1) * inner], s[ch].load(), t[ch].load(), o);
        }
    });
}

#[inline]
fn affine<T: Real>(x: &[T], a: T::C, b: T::C, o: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    if !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
        // SAFETY: the CPU was probed for AVX2 and FMA
        return unsafe { affine_avx2(x, a, b, o) };
    }
    affine_impl(x, a, b, o)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn affine_avx2<T: Real>(x: &[T], a: T::C, b: T::C, o: &mut [T]) {
    affine_impl(x, a, b, o)
}

#[inline(always)]
fn affine_impl<T: Real>(x: &[T], a: T::C, b: T::C, o: &mut [T]) {
    for (o, &v) in o.iter_mut().zip(x) {
        *o = T::store(v.load() * a + b);
    }
}
