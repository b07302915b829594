//! Creation: full/zeros/ones, fill, arange, linspace, eye.

use super::{DType, Device, Element, Scalar, Tensor, TensorData};
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::with_dtype;

/// Writes `v` into every element of the view `t`.
pub fn fill(t: &TensorData, v: Scalar) -> Result<()> {
    with_dtype!(t.dtype, T, {
        let x: T = scalar_as::<T>(v);
        let p = t.base_ptr() as *mut T;
        for_each_run(&t.layout.shape, [&t.layout.strides], [0], |o, n, s| unsafe {
            if s[0] == 1 {
                std::slice::from_raw_parts_mut(p.offset(o[0]), n).fill(x);
            } else {
                for i in 0..n as isize {
                    *p.offset(o[0] + i * s[0]) = x;
                }
            }
        });
    });
    Ok(())
}

/// A scalar converted to element type `T` (integers stay exact).
#[inline]
pub fn scalar_as<T: Element>(v: Scalar) -> T {
    match v {
        Scalar::Int(i) if !T::DTYPE.is_float() => T::from_i64(i),
        Scalar::Bool(b) => T::from_i64(b as i64),
        _ => T::from_f64(v.to_f64()),
    }
}

impl Tensor {
    pub fn full(shape: &[i64], v: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
        let t = Tensor::empty(shape, dtype, device)?;
        fill(&t.data(), v)?;
        Ok(t)
    }

    pub fn ones(shape: &[i64], dtype: DType, device: Device) -> Result<Tensor> {
        Self::full(shape, Scalar::Int(1), dtype, device)
    }

    /// `arange(start, end, step)`; the dtype defaults like PyTorch (i64 unless a bound is float).
    pub fn arange(start: Scalar, end: Scalar, step: Scalar, dtype: Option<DType>, device: Device) -> Result<Tensor> {
        let any_float = start.is_float() || end.is_float() || step.is_float();
        let dtype = dtype.unwrap_or(if any_float { DType::F32 } else { DType::I64 });
        let (s, e, st) = (start.to_f64(), end.to_f64(), step.to_f64());
        crate::ensure!(st != 0.0, "step must be nonzero");
        crate::ensure!(s.is_finite() && e.is_finite(), "unsupported range: {s} -> {e}");
        crate::ensure!(
            (st > 0.0 && e >= s) || (st < 0.0 && e <= s),
            "upper bound and larger bound inconsistent with step sign"
        );
        let n = if dtype.is_float() || any_float {
            ((e - s) / st).ceil() as i64
        } else {
            let (si, ei, sti) = (start.to_i64(), end.to_i64(), step.to_i64());
            (ei - si + sti - sti.signum()) / sti
        };
        let t = Tensor::empty(&[n.max(0)], dtype, device)?;
        with_dtype!(dtype, T, {
            let td = t.data();
            let out = unsafe { td.as_mut_slice::<T>() };
            for (i, o) in out.iter_mut().enumerate() {
                *o = if any_float || dtype.is_float() {
                    T::from_f64(s + st * i as f64)
                } else {
                    T::from_i64(start.to_i64() + step.to_i64() * i as i64)
                };
            }
        });
        Ok(t)
    }

    pub fn linspace(start: f64, end: f64, steps: i64, dtype: DType, device: Device) -> Result<Tensor> {
        crate::ensure!(steps >= 0, "number of steps must be non-negative");
        let t = Tensor::empty(&[steps], dtype, device)?;
        let step = if steps > 1 { (end - start) / (steps - 1) as f64 } else { 0.0 };
        let half = steps / 2;
        with_dtype!(dtype, T, {
            let td = t.data();
            let out = unsafe { td.as_mut_slice::<T>() };
            for (i, o) in out.iter_mut().enumerate() {
                // PyTorch fills the second half backwards from `end` for symmetry.
                let i = i as i64;
                let v = if steps == 1 {
                    start
                } else if i < half {
                    start + step * i as f64
                } else {
                    end - step * (steps - 1 - i) as f64
                };
                *o = T::from_f64(v);
            }
        });
        Ok(t)
    }

    pub fn eye(n: i64, m: i64, dtype: DType, device: Device) -> Result<Tensor> {
        crate::ensure!(n >= 0, "n must be greater or equal to 0, got {n}");
        crate::ensure!(m >= 0, "m must be greater or equal to 0, got {m}");
        let t = Tensor::zeros(&[n, m], dtype, device)?;
        with_dtype!(dtype, T, {
            let td = t.data();
            let out = unsafe { td.as_mut_slice::<T>() };
            for i in 0..n.min(m) as usize {
                out[i * m as usize + i] = T::one();
            }
        });
        Ok(t)
    }
}
