//! prod, var/std (with `correction`), var_mean/std_mean, logsumexp, all/any, count_nonzero.

use super::fold::{reduce_into, split_parallel, Plan, Row};
use super::real::Real;
use super::{elem, expand_back, group_size, reduction_dims, unsqueeze_back};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::ops::arith::{binary, binary_scalar, BinOp};
use crate::ops::index::Elem;
use crate::tensor::{DType, Element, Scalar, Tensor, TensorData};
use crate::{with_dtype, with_float_dtype};

/// Folds each row in the compute type `f64` (floats) and returns the results as `T`.
#[inline(always)]
fn row_f64<T: Real>(row: &Row<'_, T>, mut f: impl FnMut(f64)) {
    match row.as_slice() {
        Some(xs) => xs.iter().for_each(|&x| f(T::c_to_f64(x.load()))),
        None => row.each(|x, _| f(T::c_to_f64(x.load()))),
    }
}

// ---------------------------------------------------------------- prod

fn prod_values(t: &Tensor, dims: &[usize], keepdim: bool, out_dtype: DType) -> Result<Tensor> {
    let d = contiguous_or_same(&t.data(), out_dtype)?;
    let plan = Plan::new(&d.layout, dims, keepdim);
    let r = with_float_dtype!(out_dtype, T, {
        if plan.n_out == 1 && d.layout.is_contiguous() {
            // everything: per-thread parts in vector lanes, their products multiplied
            let xs = unsafe { d.as_slice::<T>() };
            let p: f64 = split_parallel(xs.len(), |r| prod_slice(&xs[r])).into_iter().product();
            let out = TensorData::empty(&plan.out_shape, out_dtype, d.device())?;
            unsafe { out.as_mut_slice::<T>()[0] = T::store(T::c_from_f64(p)) };
            out
        } else {
            reduce_into::<T, T>(&d, &plan, |row| {
                if let Some(xs) = row.as_slice() {
                    return T::store(T::c_from_f64(prod_slice(xs)));
                }
                let mut p = 1f64;
                row_f64(&row, |x| p *= x);
                T::store(T::c_from_f64(p))
            })?
        }
    }, {
        with_dtype!(out_dtype, T, {
            reduce_into::<T, T>(&d, &plan, |row| {
                let mut p = T::one();
                row.each(|x, _| p = p.mul(x));
                p
            })?
        })
    });
    Ok(Tensor::from_data(r))
}

/// The product of a contiguous run in f64 lanes (AVX2 when the CPU has it).
fn prod_slice<T: Real>(xs: &[T]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if xs.len() >= 64 && !matches!(crate::cpu::isa::isa(), crate::cpu::isa::Isa::Base) {
        // SAFETY: the CPU was probed for AVX2 and FMA
        return unsafe { prod_lanes_avx2(xs) };
    }
    prod_lanes(xs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn prod_lanes_avx2<T: Real>(xs: &[T]) -> f64 {
    prod_lanes(xs)
}

#[inline(always)]
fn prod_lanes<T: Real>(xs: &[T]) -> f64 {
    const LANES: usize = 16;
    let mut acc = [1f64; LANES];
    let mut it = xs.chunks_exact(LANES);
    for c in &mut it {
        for j in 0..LANES {
            acc[j] *= T::c_to_f64(c[j].load());
        }
    }
    let mut p = acc.iter().product::<f64>();
    for &x in it.remainder() {
        p *= T::c_to_f64(x.load());
    }
    p
}

/// `d` itself when of `dtype`, else a converted contiguous copy.
fn contiguous_or_same(d: &TensorData, dtype: DType) -> Result<TensorData> {
    if d.dtype == dtype {
        Ok(d.clone())
    } else {
        contiguous_as(d, dtype)
    }
}

/// The product of the other elements of each reduced group (no division, exact with zeros).
fn exclusive_prod(x: &Tensor, dims: &[usize]) -> Result<Tensor> {
    let nd = x.dim();
    let all: Vec<usize> = if dims.is_empty() { (0..nd).collect() } else { dims.to_vec() };
    let mut perm: Vec<i64> = (0..nd).filter(|d| !all.contains(d)).map(|d| d as i64).collect();
    perm.extend(all.iter().map(|&d| d as i64));
    let xp = x.permute(&perm)?.contiguous()?;
    let r = group_size(&x.shape(), &all).max(1);
    let out = Tensor::empty(&xp.shape(), x.dtype(), x.device())?;
    with_float_dtype!(x.dtype(), T, {
        let od = out.data();
        let xd = xp.data();
        let (src, dst) = unsafe { (xd.as_slice::<T>().to_vec(), od.as_mut_slice::<T>()) };
        for (xs, os) in src.chunks(r).zip(dst.chunks_mut(r)) {
            let mut acc = 1f64;
            for (o, &v) in os.iter_mut().zip(xs) {
                *o = T::store(T::c_from_f64(acc));
                acc *= T::c_to_f64(v.load());
            }
            acc = 1.0;
            for (o, &v) in os.iter_mut().zip(xs).rev() {
                *o = T::store(T::c_from_f64(T::c_to_f64(o.load()) * acc));
                acc *= T::c_to_f64(v.load());
            }
        }
    }, { crate::bail!("prod backward: expected a floating point tensor") });
    let mut inv = vec![0i64; nd];
    for (i, &p) in perm.iter().enumerate() {
        inv[p as usize] = i as i64;
    }
    out.permute(&inv)
}

pub fn prod(t: &Tensor, dim: Option<i64>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let dims = match dim {
        Some(d) => reduction_dims("prod", t, Some(&[d]))?,
        None => vec![],
    };
    let out_dtype = dtype.unwrap_or_else(|| crate::cpu::reduce::sum_dtype(t.dtype()));
    let out = prod_values(t, &dims, keepdim, out_dtype)?;
    if needs_grad(&[t]) {
        let (st, so) = (SavedTensor::input(t), SavedTensor::output(&out, 0));
        let in_shape = t.shape();
        record("ProdBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let x = st.get(node)?;
            let ge = expand_back(g, &in_shape, &dims, keepdim)?;
            let has_zero = x.to_vec::<f64>()?.contains(&0.0);
            let gi = if has_zero {
                binary(BinOp::Mul, &ge, &exclusive_prod(&crate::ops::autograd_ops::detach(&x), &dims)?)?
            } else {
                let oe = expand_back(&so.get(node)?, &in_shape, &dims, keepdim)?;
                binary(BinOp::Mul, &ge, &binary(BinOp::Div, &oe, &x)?)?
            };
            Ok(vec![Some(gi)])
        });
    }
    Ok(out)
}

/// `nansum`: the sum with NaNs counted as zero.
pub fn nansum(t: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let x = if t.dtype().is_float() { elem::nan_to_zero(t)? } else { t.clone() };
    super::sum(&x, dims, keepdim, dtype)
}

// ---------------------------------------------------------------- var / std

fn check_float(op: &str, t: &Tensor) -> Result<()> {
    crate::ensure!(t.dtype().is_float(), "{op} only support floating point and complex dtypes");
    Ok(())
}

/// Variance values (two passes in f64 per group), divisor `max(0, N - correction)`.
fn var_values(t: &Tensor, dims: &[usize], correction: f64, keepdim: bool) -> Result<Tensor> {
    let d = t.data();
    let plan = Plan::new(&d.layout, dims, keepdim);
    let n = plan.red_numel as f64;
    let div = (n - correction).max(0.0);
    let r = with_float_dtype!(d.dtype, T, {
        reduce_into::<T, T>(&d, &plan, |row| {
            if let Some(xs) = row.as_slice() {
                // a contiguous row: both passes in vector lanes
                let mean = super::sum::sum_slice(xs) / n;
                return T::store(T::c_from_f64(super::sum::sq_dev_sum(xs, mean) / div));
            }
            let mut s = 0f64;
            row_f64(&row, |x| s += x);
            let mean = s / n;
            let mut m2 = 0f64;
            row_f64(&row, |x| m2 += (x - mean) * (x - mean));
            T::store(T::c_from_f64(m2 / div))
        })?
    }, { crate::bail!("torchrs: this op does not support {} tensors yet", d.dtype.name()) });
    Ok(Tensor::from_data(r))
}

/// `var` over dims (None or empty: all) with a correction (1 = unbiased).
pub fn var(t: &Tensor, dims: Option<&[i64]>, correction: f64, keepdim: bool) -> Result<Tensor> {
    check_float("std and var", t)?;
    let wd = reduction_dims("var", t, dims)?;
    let out = var_values(t, &wd, correction, keepdim)?;
    if needs_grad(&[t]) {
        let st = SavedTensor::input(t);
        let (nd, n) = (t.dim(), group_size(&t.shape(), &wd) as f64);
        record("VarBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let x = st.get(node)?;
            let all: Vec<i64> = if wd.is_empty() { (0..nd as i64).collect() } else { wd.iter().map(|&d| d as i64).collect() };
            let centered = binary(BinOp::Sub, &x, &super::mean(&x, Some(&all), true, None)?)?;
            let ge = unsqueeze_back(g, nd, &wd, keepdim)?;
            let scaled = binary_scalar(BinOp::Mul, &ge, &Scalar::Float(2.0 / (n - correction)))?;
            Ok(vec![Some(binary(BinOp::Mul, &scaled, &centered)?)])
        });
    }
    Ok(out)
}

pub fn std(t: &Tensor, dims: Option<&[i64]>, correction: f64, keepdim: bool) -> Result<Tensor> {
    check_float("std and var", t)?;
    elem::sqrt(&var(t, dims, correction, keepdim)?)
}

/// The correction of the `unbiased` overloads.
pub fn unbiased(u: bool) -> f64 {
    if u {
        1.0
    } else {
        0.0
    }
}

pub fn var_mean(t: &Tensor, dims: Option<&[i64]>, correction: f64, keepdim: bool, take_sqrt: bool) -> Result<(Tensor, Tensor)> {
    let v = if take_sqrt { std(t, dims, correction, keepdim)? } else { var(t, dims, correction, keepdim)? };
    let dims = dims.filter(|d| !d.is_empty());
    Ok((v, super::mean(t, dims, keepdim, None)?))
}

// ---------------------------------------------------------------- logsumexp

pub fn logsumexp(t: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    let wd = reduction_dims("logsumexp", t, Some(dims))?;
    let src = if t.dtype().is_float() { t.clone() } else { elem::cast(t, DType::F32)? };
    let d = src.data();
    let plan = Plan::new(&d.layout, &wd, keepdim);
    let r = with_float_dtype!(d.dtype, T, {
        reduce_into::<T, T>(&d, &plan, |row| {
            if let Some(v) = row.as_slice().and_then(super::softmax::logsumexp_row) {
                return T::store(T::c_from_f64(v));
            }
            let mut m = f64::NEG_INFINITY;
            row_f64(&row, |x| if x > m || x.is_nan() { m = x });
            let shift = if m.is_infinite() { 0.0 } else { m };
            let mut s = 0f64;
            row_f64(&row, |x| s += (x - shift).exp());
            T::store(T::c_from_f64(s.ln() + shift))
        })?
    }, { crate::bail!("torchrs: this op does not support {} tensors yet", d.dtype.name()) });
    let out = Tensor::from_data(r);
    if needs_grad(&[&src]) {
        let (st, so) = (SavedTensor::input(&src), SavedTensor::output(&out, 0));
        let nd = src.dim();
        record("LogsumexpBackward0", &[&src], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let o = unsqueeze_back(&so.get(node)?, nd, &wd, keepdim)?;
            let p = elem::exp(&binary(BinOp::Sub, &st.get(node)?, &o)?)?;
            Ok(vec![Some(binary(BinOp::Mul, &unsqueeze_back(g, nd, &wd, keepdim)?, &p)?)])
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- all / any / count_nonzero

/// `all` (`any == false`) or `any` over dims; bool out, except uint8 in gives uint8 out.
pub fn all_any(t: &Tensor, dims: Option<&[i64]>, keepdim: bool, any: bool) -> Result<Tensor> {
    let wd = reduction_dims(if any { "any" } else { "all" }, t, dims)?;
    let d = t.data();
    let plan = Plan::new(&d.layout, &wd, keepdim);
    let out_dtype = if d.dtype == DType::U8 { DType::U8 } else { DType::Bool };
    let r = with_dtype!(d.dtype, T, {
        let z = T::zero();
        let fold = |row: Row<'_, T>| {
            let mut acc = !any;
            row.each(|x, _| {
                if any {
                    acc |= x != z;
                } else {
                    acc &= x != z;
                }
            });
            acc
        };
        if out_dtype == DType::U8 {
            reduce_into::<T, u8>(&d, &plan, |row| fold(row) as u8)?
        } else {
            reduce_into::<T, bool>(&d, &plan, fold)?
        }
    });
    Ok(Tensor::from_data(r))
}

pub fn count_nonzero(t: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let wd = reduction_dims("count_nonzero", t, Some(dims))?;
    let d = t.data();
    let plan = Plan::new(&d.layout, &wd, false);
    let r = with_dtype!(d.dtype, T, {
        let z = T::zero();
        reduce_into::<T, i64>(&d, &plan, |row| {
            let mut c = 0i64;
            row.each(|x, _| c += (x != z) as i64);
            c
        })?
    });
    Ok(Tensor::from_data(r))
}
