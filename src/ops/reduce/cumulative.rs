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
pub(super) fn split3(shape: &[i64], d: usize) -> (usize, usize, usize) {
    if shape.is_empty() {
        return (1, 1, 1);
    }
    let p = |s: &[i64]| s.iter().product::<i64>() as usize;
    (p(&shape[..d]), shape[d] as usize, p(&shape[d + 1..]))
}

/// Rows scanned together when the scanned dim is innermost (independent chains of adds).
const ROW_GROUP: usize = 4;
/// Columns scanned together when it is not (a vector of accumulators that stays in L1).
const COL_BLOCK: usize = 256;

/// `dst = scan(src)` along the middle dim of `[outer, n, inner]` (both contiguous), in the
/// accumulator type `A`: `load` converts an element, `op` combines, `store` converts back.
/// The work is cut into units (a group of rows when `inner == 1`, else a block of columns of
/// one `[n, inner]` slab), units spread across threads.
#[allow(clippy::too_many_arguments)]
fn scan_kernel<T: Copy + Send + Sync, A: Copy>(
    src: &[T],
    dst: &mut [T],
    (outer, n, inner): (usize, usize, usize),
    reverse: bool,
    load: impl Fn(T) -> A + Sync,
    op: impl Fn(A, A) -> A + Sync,
    store: impl Fn(A) -> T + Sync,
) {
    use crate::cpu::threads::{parallel_for, rows_per_run, SendPtr};
    if src.is_empty() {
        return;
    }
    let pos = |k: usize| if reverse { n - 1 - k } else { k };
    let out = SendPtr(dst.as_mut_ptr());
    let (units, unit_work) = if inner == 1 {
        (outer.div_ceil(ROW_GROUP), ROW_GROUP * n)
    } else {
        (outer * inner.div_ceil(COL_BLOCK), n * COL_BLOCK.min(inner))
    };
    let unit = |u: usize| {
        let o = out;
        if inner == 1 {
            let rows = u * ROW_GROUP..((u + 1) * ROW_GROUP).min(outer);
            if rows.len() == ROW_GROUP {
                let base = rows.start * n;
                let mut acc = [load(src[base + pos(0)]); ROW_GROUP];
                for (r, a) in acc.iter_mut().enumerate() {
                    let i = base + r * n + pos(0);
                    *a = load(src[i]);
                    // SAFETY: each unit writes only its own rows
                    unsafe { *o.get().add(i) = store(*a) };
                }
                for k in 1..n {
                    let i = base + pos(k);
                    for (r, a) in acc.iter_mut().enumerate() {
                        *a = op(*a, load(src[i + r * n]));
                        unsafe { *o.get().add(i + r * n) = store(*a) };
                    }
                }
            } else {
                for row in rows {
                    let mut a = load(src[row * n + pos(0)]);
                    unsafe { *o.get().add(row * n + pos(0)) = store(a) };
                    for k in 1..n {
                        let i = row * n + pos(k);
                        a = op(a, load(src[i]));
                        unsafe { *o.get().add(i) = store(a) };
                    }
                }
            }
        } else {
            let blocks = inner.div_ceil(COL_BLOCK);
            let (slab, b) = (u / blocks, u % blocks);
            let cols = b * COL_BLOCK..((b + 1) * COL_BLOCK).min(inner);
            let row0 = slab * n * inner;
            let first = row0 + pos(0) * inner;
            let mut acc: Vec<A> = cols.clone().map(|j| load(src[first + j])).collect();
            for (c, a) in acc.iter().enumerate() {
                // SAFETY: each unit writes only its own columns of its own slab
                unsafe { *o.get().add(first + cols.start + c) = store(*a) };
            }
            for k in 1..n {
                let at = row0 + pos(k) * inner + cols.start;
                for (c, a) in acc.iter_mut().enumerate() {
                    *a = op(*a, load(src[at + c]));
                    unsafe { *o.get().add(at + c) = store(*a) };
                }
            }
        }
    };
    let per = rows_per_run(units, unit_work);
    parallel_for(units.div_ceil(per), |r| (r * per..((r + 1) * per).min(units)).for_each(unit));
}

/// The scan of `t` (converted to `dtype`) along `d`.
fn scan(t: &Tensor, d: usize, dtype: DType, op: Op, reverse: bool) -> Result<Tensor> {
    let c = contiguous_as(&t.data(), dtype)?;
    let out = Tensor::empty(&c.layout.shape, dtype, c.device())?;
    let dims = split3(&c.layout.shape, d);
    with_float_dtype!(dtype, T, {
        let od = out.data();
        let (src, dst) = unsafe { (c.as_slice::<T>(), od.as_mut_slice::<T>()) };
        let f = |x: T| x.to_f64();
        match op {
            Op::Sum => scan_kernel(src, dst, dims, reverse, f, |a, b| a + b, T::from_f64),
            Op::Prod => scan_kernel(src, dst, dims, reverse, f, |a, b| a * b, T::from_f64),
        }
    }, {
        with_dtype!(dtype, T, {
            let od = out.data();
            let (src, dst) = unsafe { (c.as_slice::<T>(), od.as_mut_slice::<T>()) };
            let f = |x: T| x.to_i64();
            match op {
                Op::Sum => scan_kernel(src, dst, dims, reverse, f, i64::wrapping_add, T::from_i64),
                Op::Prod => scan_kernel(src, dst, dims, reverse, f, i64::wrapping_mul, T::from_i64),
            }
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
    }, { crate::bail!("torchrs: this op does not support {} tensors yet", dt.name()) });
    if needs_grad(&[g, x]) {
        record("CumprodBackwardBackward", &[g, x], &[&out], |_, _| {
            Err(crate::error::Error::not_implemented("double backward of cumprod"))
        });
    }
    Ok(out)
}
