//! Vector norms (p = 0, 1, 2, inf, -inf, any real p; over dims) with PyTorch's backward, and
//! the matrix norms of `linalg_norm` that need no decomposition (fro, 1, -1, inf, -inf).

use super::fold::{reduce_into, split_parallel, Plan};
use super::real::Real;
use super::{elem, reduction_dims, unsqueeze_back};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::ops::arith::{binary, binary_scalar, BinOp};
use crate::ops::spectral::{singular_norm, SingularNorm};
use crate::tensor::{DType, Scalar, Tensor, TensorData};
use crate::with_float_dtype;

/// What a norm of order `p` accumulates before its root: sums of |x|^p (of |x| != 0 for p = 0),
/// the largest (p = inf) or the smallest (p = -inf) |x|; NaN when any value is NaN.
#[derive(Clone, Copy)]
struct NormAcc {
    p: f64,
}

impl NormAcc {
    fn empty(self) -> f64 {
        if self.p == f64::NEG_INFINITY {
            f64::INFINITY
        } else {
            0.0
        }
    }

    /// Two partial accumulations joined (NaN wins).
    fn join(self, a: f64, b: f64) -> f64 {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else if self.p == f64::INFINITY {
            a.max(b)
        } else if self.p == f64::NEG_INFINITY {
            a.min(b)
        } else {
            a + b
        }
    }

    /// The accumulation of a contiguous run: p = 2 and p = 1 in vector lanes.
    fn run<T: Real>(self, xs: &[T]) -> f64 {
        match self.p {
            2.0 => super::sum::map_sum(xs, |x| x * x),
            1.0 => super::sum::map_sum(xs, f64::abs),
            _ => {
                let mut acc = self.empty();
                xs.iter().for_each(|&x| acc = self.step(acc, T::c_to_f64(x.load())));
                acc
            }
        }
    }

    #[inline]
    fn step(self, acc: f64, x: f64) -> f64 {
        let (a, p) = (x.abs(), self.p);
        if p == 0.0 {
            // the count of nonzeros, where NaN counts (NaN != 0), as in PyTorch
            acc + (a != 0.0) as i64 as f64
        } else if a.is_nan() || acc.is_nan() {
            f64::NAN
        } else if p == 2.0 {
            acc + a * a
        } else if p == 1.0 {
            acc + a
        } else if p == f64::INFINITY {
            acc.max(a)
        } else if p == f64::NEG_INFINITY {
            acc.min(a)
        } else {
            acc + a.powf(p)
        }
    }

    /// The norm from the accumulation.
    fn finish(self, acc: f64) -> f64 {
        let p = self.p;
        if acc.is_nan() || p == 1.0 || p == 0.0 || p.is_infinite() {
            acc
        } else if p == 2.0 {
            acc.sqrt()
        } else {
            acc.powf(1.0 / p)
        }
    }
}

fn norm_values(t: &Tensor, p: f64, dims: &[usize], keepdim: bool) -> Result<Tensor> {
    let d = t.data();
    let plan = Plan::new(&d.layout, dims, keepdim);
    let k = NormAcc { p };
    let r = with_float_dtype!(d.dtype, T, {
        if plan.n_out == 1 && d.layout.is_contiguous() {
            // everything: per-thread parts joined
            let xs = unsafe { d.as_slice::<T>() };
            let acc = split_parallel(xs.len(), |r| k.run(&xs[r])).into_iter().fold(k.empty(), |a, b| k.join(a, b));
            let out = TensorData::empty(&plan.out_shape, d.dtype, d.device())?;
            unsafe { out.as_mut_slice::<T>()[0] = T::store(T::c_from_f64(k.finish(acc))) };
            out
        } else {
            reduce_into::<T, T>(&d, &plan, |row| {
                let acc = match row.as_slice() {
                    Some(xs) => k.run(xs),
                    None => {
                        let mut acc = k.empty();
                        row.each(|x, _| acc = k.step(acc, T::c_to_f64(x.load())));
                        acc
                    }
                };
                T::store(T::c_from_f64(k.finish(acc)))
            })?
        }
    }, { crate::bail!("torchrs: this op does not support {} tensors yet", d.dtype.name()) });
    Ok(Tensor::from_data(r))
}

/// `linalg.vector_norm(t, ord=p, dim, keepdim, dtype)`.
pub fn vector_norm(t: &Tensor, p: f64, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    crate::ensure!(
        t.dtype().is_float(),
        "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}",
        t.dtype().name()
    );
    if let Some(dt) = dtype {
        crate::ensure!(dt.is_float(), "linalg.vector_norm: dtype should be floating point or complex. Got {}", dt.name());
    }
    let x = match dtype {
        Some(dt) => elem::cast(t, dt)?,
        None => t.clone(),
    };
    let wd = reduction_dims("linalg.vector_norm", &x, dims)?;
    if p < 0.0 || p.is_infinite() {
        let shape = x.shape();
        let empty = if wd.is_empty() { x.numel() == 0 } else { wd.iter().any(|&d| shape[d] == 0) };
        crate::ensure!(
            !empty,
            "linalg.vector_norm cannot compute the {p} norm on an empty tensor because the operation does not have an identity"
        );
    }
    let out = norm_values(&x, p, &wd, keepdim)?;
    if needs_grad(&[&x]) {
        let (sx, so) = (SavedTensor::input(&x), SavedTensor::output(&out, 0));
        let nd = x.dim();
        record("LinalgVectorNormBackward0", &[&x], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let (x, n) = (sx.get(node)?, so.get(node)?);
            let g = unsqueeze_back(g, nd, &wd, keepdim)?;
            let n = unsqueeze_back(&n, nd, &wd, keepdim)?;
            Ok(vec![Some(norm_backward(&g, &x, p, &n, &wd)?)])
        });
    }
    Ok(out)
}

/// PyTorch's `norm_backward` (grad and norm already have the reduced dims restored).
fn norm_backward(g: &Tensor, x: &Tensor, p: f64, norm: &Tensor, dims: &[usize]) -> Result<Tensor> {
    let f = |v: f64| Scalar::Float(v);
    if p == 0.0 {
        return binary_scalar(BinOp::Mul, &binary(BinOp::Mul, g, x)?, &f(0.0));
    }
    if p == 1.0 {
        return binary(BinOp::Mul, &elem::sgn(x)?, g);
    }
    if p == 2.0 {
        return binary(BinOp::Mul, g, &binary(BinOp::Div, x, &elem::nonzero_denominator(norm)?)?);
    }
    if p.is_infinite() {
        let ax = elem::abs(&crate::ops::autograd_ops::detach(x))?;
        let mask = elem::picked_mask(&ax, &crate::ops::autograd_ops::detach(norm))?;
        let all: Vec<i64> = if dims.is_empty() { (0..x.dim() as i64).collect() } else { dims.iter().map(|&d| d as i64).collect() };
        let count = super::sum(&mask, Some(&all), true, None)?;
        let share = binary(BinOp::Mul, &binary(BinOp::Div, g, &count)?, &mask)?;
        return binary(BinOp::Mul, &elem::sgn(x)?, &share);
    }
    let ax = elem::abs(x)?;
    if p < 1.0 {
        let safe = elem::nonzero_denominator(&ax)?;
        let scaled = binary(BinOp::Mul, &elem::sgn(x)?, &elem::pow_scalar(&safe, p - 1.0)?)?;
        return binary(BinOp::Mul, &binary(BinOp::Mul, &scaled, g)?, &elem::pow_scalar(norm, 1.0 - p)?);
    }
    let scaled = if p < 2.0 {
        binary(BinOp::Mul, &elem::sgn(x)?, &elem::pow_scalar(&ax, p - 1.0)?)?
    } else {
        binary(BinOp::Mul, x, &elem::pow_scalar(&ax, p - 2.0)?)?
    };
    let scale = binary(BinOp::Div, g, &elem::pow_scalar(&elem::nonzero_denominator(norm)?, p - 1.0)?)?;
    binary(BinOp::Mul, &scaled, &scale)
}

/// `torch.norm(t, p, dim, keepdim, dtype)`: a vector norm over dims (all when empty).
pub fn norm(t: &Tensor, p: Option<&Scalar>, dims: &[i64], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let p = p.map(|s| s.to_f64()).unwrap_or(2.0);
    vector_norm(t, p, Some(dims), keepdim, dtype)
}

/// A matrix norm over the two dims `(r, c)`: fro, or max/min of absolute column (ord ±1) or
/// row (ord ±inf) sums.
fn matrix_norm(t: &Tensor, ord: f64, r: i64, c: i64, keepdim: bool) -> Result<Tensor> {
    let nd = t.dim() as i64;
    let (r, c) = (crate::tensor::layout::wrap_dim(r, nd as usize)? as i64, crate::tensor::layout::wrap_dim(c, nd as usize)? as i64);
    crate::ensure!(r != c, "linalg.matrix_norm: dims must be different. Got ({r}, {c})");
    let (sum_dim, max_dim) = if ord.abs() == 1.0 { (r, c) } else { (c, r) };
    let s = super::sum(&elem::abs(t)?, Some(&[sum_dim]), true, None)?;
    let m = super::minmax::amax(&s, &[max_dim], true, ord > 0.0)?;
    if keepdim {
        Ok(m)
    } else {
        let (hi, lo) = (r.max(c), r.min(c));
        crate::ops::shape::squeeze(&crate::ops::shape::squeeze(&m, Some(&[hi]))?, Some(&[lo]))
    }
}

/// `linalg_norm(t, ord, dim, keepdim, dtype)` for a numeric ord (±2 through the singular values).
pub fn linalg_norm(t: &Tensor, ord: f64, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let x = match dtype {
        Some(dt) => elem::cast(t, dt)?,
        None => t.clone(),
    };
    let nd = x.dim();
    let dims: Vec<i64> = match dims {
        Some(d) if !d.is_empty() => d.to_vec(),
        _ => {
            crate::ensure!(
                nd == 1 || nd == 2,
                "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D."
            );
            (0..nd as i64).collect()
        }
    };
    match dims.len() {
        1 => vector_norm(&x, ord, Some(&dims), keepdim, None),
        2 => {
            crate::ensure!(x.dtype().is_float(), "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got {}", x.dtype().name());
            if ord.abs() == 1.0 || ord.is_infinite() {
                matrix_norm(&x, ord, dims[0], dims[1], keepdim)
            } else if ord.abs() == 2.0 {
                let kind = if ord > 0.0 { SingularNorm::Largest } else { SingularNorm::Smallest };
                singular_norm(&x, kind, dims[0], dims[1], keepdim)
            } else {
                crate::bail!("linalg.matrix_norm: Order {ord} not supported.")
            }
        }
        n => crate::bail!("linalg.norm: If dim is specified, it must be of length 1 or 2. Got [{n} dims]"),
    }
}

/// `linalg_norm(t, "fro" | "nuc", dim, keepdim, dtype)`.
pub fn linalg_norm_str(t: &Tensor, ord: &str, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let nd = t.dim() as i64;
    let dims: Vec<i64> = match dims {
        Some(d) if !d.is_empty() => d.to_vec(),
        _ => {
            crate::ensure!(nd == 2, "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.");
            vec![0, 1]
        }
    };
    crate::ensure!(dims.len() == 2, "linalg.matrix_norm: dim must be a 2-tuple. Got {dims:?}");
    match ord {
        "fro" => vector_norm(t, 2.0, Some(&dims), keepdim, dtype),
        "nuc" => {
            let x = match dtype {
                Some(dt) => elem::cast(t, dt)?,
                None => t.clone(),
            };
            singular_norm(&x, SingularNorm::Nuclear, dims[0], dims[1], keepdim)
        }
        _ => crate::bail!("linalg.matrix_norm: Order {ord} not supported."),
    }
}
