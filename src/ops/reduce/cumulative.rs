//! cumsum and cumprod along a dim (floats accumulate in f64, integers wrap in i64), with their
//! backward: a reversed cumsum, and an exact division-free cumprod gradient.

use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Element, Tensor};
use crate::{with_dtype, with_float_dtype};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Sum,
    Prod,
}

/// `[outer, n, inner]` of a shape around dim `d` (a 0-d tensor is `[1, 1, 1]`).
fn split3(shape: &[i64], d: usize) -> (usize, usize, usize) {
    if shape.is_empty() {
        return (1, 1, 1);
    }
    let p = |s: &[i64]| s.iter().product::<i64>() as usize;
    (p(&shape[..d]), shape[d] as usize, p(&shape[d + 1..]))
}

/// Visits the elements of each `[n, inner]` block column by column in scan order, calling
/// `f(index)` in order along the dim (reversed when asked).
#[inline(always)]
fn scan_order(outer: usize, n: usize, inner: usize, reverse: bool, mut f: impl FnMut(usize, bool)) {
    for o in 0..outer {
        for j in 0..inner {
            for k in 0..n {
                let r = if reverse { n - 1 - k } else { k };
                f((o * n + r) * inner + j, k == 0);
            }
        }
    }
}

/// The scan of `t` (converted to `dtype`) along `d`.
fn scan(t: &Tensor, d: usize, dtype: DType, op: Op, reverse: bool) -> Result<Tensor> {
    let c = contiguous_as(&t.data(), dtype)?;
    let out = Tensor::empty(&c.layout.shape, dtype, c.device())?;
    let (outer, n, inner) = split3(&c.layout.shape, d);
    with_float_dtype!(dtype, T, {
        let od = out.data();
        let (src, dst) = unsafe { (c.as_slice::<T>(), od.as_mut_slice::<T>()) };
        let mut acc = 0f64;
        scan_order(outer, n, inner, reverse, |i, first| {
            let x = src[i].to_f64();
            acc = if first { x } else if op == Op::Sum { acc + x } else { acc * x };
            dst[i] = T::from_f64(acc);
        });
    }, {
        with_dtype!(dtype, T, {
            let od = out.data();
            let (src, dst) = unsafe { (c.as_slice::<T>(), od.as_mut_slice::<T>()) };
            let mut acc = 0i64;
            scan_order(outer, n, inner, reverse, |i, first| {
                let x = src[i].to_i64();
                acc = if first { x } else if op == Op::Sum { acc.wrapping_add(x) } else { acc.wrapping_mul(x) };
                dst[i] = T::from_i64(acc);
            });
        })
    });
    Ok(out)
}

fn out_dtype(t: &Tensor, dtype: Option<DType>) -> DType {
    dtype.unwrap_or_else(|| crate::cpu::reduce::sum_dtype(t.dtype()))
}

/// cumsum (`reverse`: summing from the end, the backward of cumsum), recorded.
fn cumsum_dir(t: &Tensor, dim: i64, dtype: Option<DType>, reverse: bool) -> Result<Tensor> {
    let d = wrap_dim(dim, t.dim())?;
    let out = scan(t, d, out_dtype(t, dtype), Op::Sum, reverse)?;
    if needs_grad(&[t]) && out.dtype().is_float() {
        let in_dtype = t.dtype();
        record("CumsumBackward0", &[t], &[&out], move |_, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(cumsum_dir(g, dim, Some(in_dtype), !reverse)?)])
        });
    }
    Ok(out)
}

pub fn cumsum(t: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> {
    cumsum_dir(t, dim, dtype, false)
}

pub fn cumprod(t: &Tensor, dim: i64, dtype: Option<DType>) -> Result<Tensor> {
    let d = wrap_dim(dim, t.dim())?;
    let out = scan(t, d, out_dtype(t, dtype), Op::Prod, false)?;
    if needs_grad(&[t]) && out.dtype().is_float() {
        let st = SavedTensor::input(t);
        record("CumprodBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(cumprod_backward(g, &st.get(node)?, dim)?)])
        });
    }
    Ok(out)
}

/// The gradient of cumprod: grad_i = prod_{j<i} x_j * S_i with S_i = g_i + x_{i+1} S_{i+1}
/// (exact with zeros, no division). Not itself differentiable.
pub fn cumprod_backward(g: &Tensor, x: &Tensor, dim: i64) -> Result<Tensor> {
    let d = wrap_dim(dim, x.dim())?;
    let dt = x.dtype();
    crate::ensure!(dt.is_float(), "cumprod_backward: expected a floating point input, got {}", dt.name());
    let (gc, xc) = (contiguous_as(&g.data(), dt)?, contiguous_as(&x.data(), dt)?);
    let out = Tensor::empty(&x.shape(), dt, x.device())?;
    let (outer, n, inner) = split3(&x.shape(), d);
    with_float_dtype!(dt, T, {
        let od = out.data();
        let (gs, xs, dst) = unsafe { (gc.as_slice::<T>(), xc.as_slice::<T>(), od.as_mut_slice::<T>()) };
        for o in 0..outer {
            for j in 0..inner {
                let at = |k: usize| (o * n + k) * inner + j;
                let mut s = 0f64;
                for k in (0..n).rev() {
                    s = gs[at(k)].to_f64() + if k + 1 < n { xs[at(k + 1)].to_f64() * s } else { 0.0 };
                    dst[at(k)] = T::from_f64(s);
                }
                let mut p = 1f64;
                for k in 0..n {
                    dst[at(k)] = T::from_f64(dst[at(k)].to_f64() * p);
                    p *= xs[at(k)].to_f64();
                }
            }
        }
    }, { unreachable!() });
    if needs_grad(&[g, x]) {
        record("CumprodBackwardBackward", &[g, x], &[&out], |_, _| {
            Err(crate::error::Error::not_implemented("double backward of cumprod"))
        });
    }
    Ok(out)
}
