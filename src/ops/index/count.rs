//! Counting and bucketing: bincount, searchsorted (with `sorter`, left/right), one_hot.

use super::index_values;
use crate::error::Result;
use crate::tensor::{DType, Scalar, Tensor};

/// `bincount(t, weights, minlength)`: int64 counts, or weight sums (float32 weights stay
/// float32, other weights give float64).
pub fn bincount(t: &Tensor, weights: Option<&Tensor>, minlength: i64) -> Result<Tensor> {
    crate::ensure!(minlength >= 0, "minlength should be >= 0");
    crate::ensure!(
        t.dtype().is_int() || t.dtype() == DType::Bool,
        "\"bincount_cpu\" not implemented for '{}'",
        t.dtype().name()
    );
    let vals = if t.dim() == 1 { t.to_vec::<i64>()? } else { vec![-1] };
    crate::ensure!(t.dim() == 1 && vals.iter().all(|&v| v >= 0), "bincount only supports 1-d non-negative integral inputs.");
    let n = vals.iter().copied().max().map_or(0, |m| m + 1).max(minlength) as usize;
    match weights {
        None => {
            let mut c = vec![0i64; n];
            vals.iter().for_each(|&v| c[v as usize] += 1);
            Tensor::from_vec(c, &[n as i64])
        }
        Some(w) => {
            crate::ensure!(
                w.dim() == 1 && w.numel() == vals.len(),
                "weights should be 1-d and have the same length as input"
            );
            let ws = w.to_vec::<f64>()?;
            let mut c = vec![0f64; n];
            vals.iter().zip(&ws).for_each(|(&v, &x)| c[v as usize] += x);
            let r = Tensor::from_vec(c, &[n as i64])?;
            let dt = if w.dtype() == DType::F32 { DType::F32 } else { DType::F64 };
            crate::ops::convert::to(&r, None, Some(dt), false)
        }
    }
}

/// Binary searches of PyTorch's searchsorted kernel (plain IEEE comparisons, so NaN values
/// land after the boundaries).
fn bound<T: PartialOrd + Copy>(bd: &[T], sorter: Option<&[i64]>, v: T, right: bool) -> usize {
    let (mut lo, mut hi) = (0usize, bd.len());
    while lo < hi {
        let mid = lo + ((hi - lo) >> 1);
        let m = match sorter {
            Some(s) => bd[s[mid] as usize],
            None => bd[mid],
        };
        let go_right = if right { !(m > v) } else { !(m >= v) };
        if go_right {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// `searchsorted(boundaries, values, out_int32, right, side, sorter)`.
pub fn searchsorted(bd: &Tensor, values: &Tensor, out_int32: bool, right: bool, side: &str, sorter: Option<&Tensor>) -> Result<Tensor> {
    let right = match side {
        "" => right,
        "left" | "right" => {
            let r = side == "right";
            crate::ensure!(
                !right || r,
                "torch.searchsorted(): side and right can't be set to opposites, got side of {side} while right was True"
            );
            r
        }
        _ => crate::bail!("torch.searchsorted(): side can only be 'left' or 'right' but got {side}"),
    };
    let (bs, vs) = (bd.shape(), values.shape());
    let one_d = bs.len() == 1;
    crate::ensure!(
        one_d || (bs.len() == vs.len() && bs[..bs.len() - 1] == vs[..vs.len() - 1]),
        "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor {:?} and input value tensor {:?}",
        &bs[..],
        &vs[..]
    );
    let n = *bs.last().unwrap_or(&0) as usize;
    let sorter = match sorter {
        Some(s) => {
            crate::ensure!(s.shape() == bs, "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor {:?}and got sorter tensor {:?}", &bs[..], &s.shape()[..]);
            let v = index_values("searchsorted", s)?;
            crate::ensure!(v.iter().all(|&i| i >= 0 && (i as usize) < n.max(1)), "torch.searchsorted(): sorter index out of range");
            Some(v)
        }
        None => None,
    };
    let rows_of = |k: usize| if one_d { 0 } else { k / vs.last().copied().unwrap_or(1).max(1) as usize };
    let float = bd.dtype().is_float() || values.dtype().is_float();
    let out: Vec<i64> = if float {
        let (b, v) = (bd.to_vec::<f64>()?, values.to_vec::<f64>()?);
        v.iter().enumerate().map(|(k, &x)| {
            let r = rows_of(k);
            bound(&b[r * n..(r + 1) * n], sorter.as_ref().map(|s| &s[r * n..(r + 1) * n]), x, right) as i64
        }).collect()
    } else {
        let (b, v) = (bd.to_vec::<i64>()?, values.to_vec::<i64>()?);
        v.iter().enumerate().map(|(k, &x)| {
            let r = rows_of(k);
            bound(&b[r * n..(r + 1) * n], sorter.as_ref().map(|s| &s[r * n..(r + 1) * n]), x, right) as i64
        }).collect()
    };
    let r = Tensor::from_vec(out, &vs)?;
    if out_int32 {
        crate::ops::convert::to(&r, None, Some(DType::I32), false)
    } else {
        Ok(r)
    }
}

pub fn searchsorted_scalar(bd: &Tensor, v: &Scalar, out_int32: bool, right: bool, side: &str, sorter: Option<&Tensor>) -> Result<Tensor> {
    let t = crate::ops::arith::scalar_tensor(*v, v.default_dtype());
    searchsorted(bd, &t, out_int32, right, side, sorter)
}

/// `one_hot(t, num_classes)` (-1: max + 1).
pub fn one_hot(t: &Tensor, num_classes: i64) -> Result<Tensor> {
    crate::ensure!(t.dtype() == DType::I64, "one_hot is only applicable to index tensor of type LongTensor.");
    let vals = t.to_vec::<i64>()?;
    let n = if num_classes == -1 {
        crate::ensure!(!vals.is_empty(), "Can not infer total number of classes from empty tensor.");
        vals.iter().copied().max().unwrap_or(0) + 1
    } else {
        num_classes
    };
    crate::ensure!(vals.iter().all(|&v| v >= 0), "Class values must be non-negative.");
    crate::ensure!(vals.iter().all(|&v| v < n), "Class values must be smaller than num_classes.");
    crate::ensure!(n >= 0, "num_classes should be positive");
    let mut shape: Vec<i64> = t.shape().to_vec();
    shape.push(n);
    let mut out = vec![0i64; vals.len() * n as usize];
    for (k, &v) in vals.iter().enumerate() {
        out[k * n as usize + v as usize] = 1;
    }
    Tensor::from_vec(out, &shape)
}
