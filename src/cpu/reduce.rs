//! Reductions: the reduced dims are moved innermost and each output element folds one run.

use super::copy::contiguous_as;
use crate::error::Result;
use crate::tensor::layout::Dims;
use crate::tensor::{DType, Element, TensorData};

/// Output shape of a reduction over `dims` (sorted, unique, wrapped).
pub fn reduced_shape(shape: &[i64], dims: &[usize], keepdim: bool) -> Dims {
    let mut out = Dims::new();
    for (i, &d) in shape.iter().enumerate() {
        if dims.contains(&i) {
            if keepdim {
                out.push(1);
            }
        } else {
            out.push(d);
        }
    }
    out
}

/// Folds each reduced group of `a` (converted to `T`) with `fold`, writing a `U` per output.
/// `dims` are wrapped and unique; an empty `dims` reduces everything.
pub fn reduce_map<T: Element, U: Element>(
    a: &TensorData,
    dims: &[usize],
    keepdim: bool,
    fold: impl Fn(&[T]) -> U,
) -> Result<TensorData> {
    let nd = a.layout.ndim();
    let all: Vec<usize> = if dims.is_empty() { (0..nd).collect() } else { dims.to_vec() };
    let kept: Vec<usize> = (0..nd).filter(|d| !all.contains(d)).collect();
    let mut perm = kept.clone();
    perm.extend(all.iter().copied());
    let permuted = TensorData { layout: a.layout.permute(&perm), ..a.clone() };
    let c = contiguous_as(&permuted, T::DTYPE)?;
    let out_shape = reduced_shape(&a.layout.shape, &all, keepdim);
    let out = TensorData::empty(&out_shape, U::DTYPE, a.device())?;
    let group: usize = all.iter().map(|&d| a.layout.shape[d] as usize).product();
    unsafe {
        let src = c.as_slice::<T>();
        let dst = out.as_mut_slice::<U>();
        for (i, o) in dst.iter_mut().enumerate() {
            *o = fold(&src[i * group..(i + 1) * group]);
        }
    }
    Ok(out)
}

/// Sum of a run in f64 (pairwise), for float results.
pub fn sum_f64<T: Element>(xs: &[T]) -> f64 {
    if xs.len() <= 32 {
        let mut s = 0.0;
        for &x in xs {
            s += x.to_f64();
        }
        s
    } else {
        let mid = xs.len() / 2;
        sum_f64(&xs[..mid]) + sum_f64(&xs[mid..])
    }
}

/// Sum of a run in i64 (integer results wrap like PyTorch's).
pub fn sum_i64<T: Element>(xs: &[T]) -> i64 {
    xs.iter().fold(0i64, |s, &x| s.wrapping_add(x.to_i64()))
}

/// The dtype `sum` returns for an input dtype when none is given.
pub fn sum_dtype(d: DType) -> DType {
    if d.is_float() {
        d
    } else {
        DType::I64
    }
}
