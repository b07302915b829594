//! gather and the scatter family (scatter with a tensor or a value, scatter_add, scatter
//! reductions), take_along_dim, and the backward of value-selecting reductions.

use super::{check_long, check_range, with_size, Elem};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::iter::{for_each_run, for_each_run_par};
use crate::cpu::threads::{SendPtr, GRAIN};
use crate::error::Result;
use crate::ops::shape;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{Dims, Scalar, Tensor, TensorData};
use crate::with_dtype;

/// Checks gather's shapes: same rank, and index no larger than self apart from `dim`.
fn check_gather(t: &Tensor, d: usize, index: &Tensor) -> Result<()> {
    check_long("gather", index)?;
    let (ts, is) = (t.shape(), index.shape());
    crate::ensure!(
        ts.len().max(1) == is.len().max(1),
        "Index tensor must have the same number of dimensions as input tensor"
    );
    for i in 0..is.len() {
        if i != d && ts.len() == is.len() && is[i] > ts[i] {
            crate::bail!(
                "Size does not match at dimension {i} expected index {:?} to be no larger than self {:?} apart from dimension {d}",
                &is[..],
                &ts[..]
            );
        }
    }
    Ok(())
}

/// Strides of `t` seen through `index`'s shape, with `dim`'s stride zeroed (the index supplies it).
fn strides_through(t: &TensorData, index_ndim: usize, d: usize) -> (Dims, i64) {
    let mut st: Dims = (0..index_ndim).map(|i| t.layout.strides.get(i).copied().unwrap_or(0)).collect();
    let sd = t.layout.strides.get(d).copied().unwrap_or(0);
    if let Some(s) = st.get_mut(d) {
        *s = 0;
    }
    (st, sd)
}

fn gather_values(t: &TensorData, d: usize, index: &TensorData) -> Result<TensorData> {
    let size = t.layout.shape.get(d).copied().unwrap_or(1);
    if size == 0 {
        // nothing to read at position 0 either: any index is out of range
        check_range(index, d, size)?;
    }
    let out = TensorData::empty(&index.layout.shape, t.dtype, t.device())?;
    let (st, sd) = strides_through(t, index.layout.ndim(), d);
    let (pi, sd) = (SendPtr(index.base_ptr() as *mut i64), sd as isize);
    // indices are checked in the same pass: an out-of-range one reads position 0 instead and
    // raises the flag, and the error is built after the loop (so no separate pass over them)
    let any_bad = std::sync::atomic::AtomicBool::new(false);
    let limit = size as u64;
    with_size!(t.dtype.size(), E, {
        let (po, ps) = (SendPtr(out.base_ptr() as *mut E), SendPtr(t.base_ptr() as *mut E));
        let strides = [&out.layout.strides[..], &index.layout.strides[..], &st[..]];
        for_each_run_par(&index.layout.shape, strides, GRAIN, |o, n, s| unsafe {
            // copied into locals: read through the closure's captures, they would be reloaded
            // after every store (the stores go through raw pointers that might alias them)
            let (pi, po, ps, limit, sd) = (pi.get(), po.get(), ps.get(), limit, sd);
            let fetch = |k: i64| -> (isize, bool) {
                let ok = (k as u64) < limit;
                ((if ok { k } else { 0 }) as isize * sd, !ok)
            };
            let mut bad = false;
            if s == [1, 1, 0] {
                // the common case: a contiguous run of indices into one line of `t`
                let (idx, dst) = (std::slice::from_raw_parts(pi.offset(o[1]), n), std::slice::from_raw_parts_mut(po.offset(o[0]), n));
                let line = ps.offset(o[2]);
                for (d, &k) in dst.iter_mut().zip(idx) {
                    let (at, b) = fetch(k);
                    bad |= b;
                    *d = *line.offset(at);
                }
            } else {
                for i in 0..n as isize {
                    let (at, b) = fetch(*pi.offset(o[1] + i * s[1]));
                    bad |= b;
                    *po.offset(o[0] + i * s[0]) = *ps.offset(o[2] + i * s[2] + at);
                }
            }
            if bad {
                any_bad.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
    });
    if any_bad.into_inner() {
        check_range(index, d, size)?;
    }
    Ok(out)
}

pub fn gather(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    let index = &super::as_long("gather", index)?;
    let d = wrap_dim(dim, t.dim())?;
    check_gather(t, d, index)?;
    let out = Tensor::from_data(gather_values(&t.data(), d, &index.data())?);
    if needs_grad(&[t]) {
        let (shape, si) = (t.shape(), SavedTensor::input(index));
        record("GatherBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let z = Tensor::zeros(&shape, g.dtype(), g.device())?;
            Ok(vec![Some(scatter(&z, dim, &si.get(node)?, Src::Tensor(g), Reduce::Add)?)])
        });
    }
    Ok(out)
}

/// What a scatter writes: a tensor's elements or one value.
#[derive(Clone, Copy)]
pub enum Src<'a> {
    Tensor(&'a Tensor),
    Value(Scalar),
}

/// How a scatter combines with what is there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reduce {
    Assign,
    Add,
    Mul,
    Mean,
    Max,
    Min,
}

impl Reduce {
    /// `scatter(..., reduce=)` ("add", "multiply") and `scatter_reduce` ("sum", "prod", "mean", "amax", "amin").
    pub fn parse(s: &str, legacy: bool) -> Result<Reduce> {
        Ok(match (s, legacy) {
            ("add", true) | ("sum", false) => Reduce::Add,
            ("multiply", true) | ("prod", false) => Reduce::Mul,
            ("mean", false) => Reduce::Mean,
            ("amax", false) => Reduce::Max,
            ("amin", false) => Reduce::Min,
            (_, true) => crate::bail!("reduce argument must be either add or multiply."),
            _ => crate::bail!("reduce argument must be either sum, prod, mean, amax or amin, got {s}"),
        })
    }
}

#[inline(always)]
fn combine<T: Elem>(op: Reduce, a: T, b: T) -> T {
    match op {
        Reduce::Assign => b,
        Reduce::Add | Reduce::Mean => a.add(b),
        Reduce::Mul => a.mul(b),
        Reduce::Max => {
            if a.is_nan() || b.is_nan() {
                if a.is_nan() { a } else { b }
            } else if b > a {
                b
            } else {
                a
            }
        }
        Reduce::Min => {
            if a.is_nan() || b.is_nan() {
                if a.is_nan() { a } else { b }
            } else if b < a {
                b
            } else {
                a
            }
        }
    }
}

fn check_scatter(t: &Tensor, d: usize, index: &Tensor, src: Src<'_>) -> Result<()> {
    check_long("scatter", index)?;
    let (ts, is) = (t.shape(), index.shape());
    crate::ensure!(
        ts.len().max(1) == is.len().max(1),
        "Index tensor must have the same number of dimensions as self tensor"
    );
    if let Src::Tensor(s) = src {
        crate::ensure!(
            s.dtype() == t.dtype(),
            "scatter(): Expected self.dtype to be equal to src.dtype"
        );
        crate::ensure!(
            s.dim().max(1) == is.len().max(1),
            "Index tensor must have the same number of dimensions as src tensor"
        );
    }
    let ss = match src {
        Src::Tensor(s) => Some(s.shape()),
        Src::Value(_) => None,
    };
    for i in 0..is.len() {
        let over_self = i != d && ts.len() == is.len() && is[i] > ts[i];
        let over_src = ss.as_ref().is_some_and(|s| s.len() == is.len() && is[i] > s[i]);
        if over_self || over_src {
            match &ss {
                Some(s) => crate::bail!(
                    "Expected index {:?} to be no larger than self {:?} apart from dimension {d} and to be no larger size than src {:?}",
                    &is[..], &ts[..], &s[..]
                ),
                None => crate::bail!(
                    "Expected index {:?} to be no larger than self {:?} apart from dimension {d}",
                    &is[..], &ts[..]
                ),
            }
        }
    }
    Ok(())
}

/// Scatters into `dst` (a fresh contiguous tensor, written in place) along `d`.
fn scatter_into(dst: &TensorData, d: usize, index: &TensorData, src: Src<'_>, op: Reduce, include_self: bool) -> Result<()> {
    let size = dst.layout.shape.get(d).copied().unwrap_or(1);
    check_range(index, d, size)?;
    let (st, sd) = strides_through(dst, index.layout.ndim(), d);
    let (pi, sd) = (index.base_ptr() as *const i64, sd as isize);
    let shape = &index.layout.shape;
    with_dtype!(dst.dtype, T, {
        let pd = dst.base_ptr() as *mut T;
        // "mean" and reductions without self need to know which slots were hit and how often
        let track = op == Reduce::Mean || (!include_self && op != Reduce::Assign);
        let mut counts = if track { vec![0i64; dst.numel()] } else { vec![] };
        let mut visit = |o: isize, v: T| unsafe {
            let p = pd.offset(o);
            if track {
                let c = &mut counts[o as usize];
                *p = if *c == 0 && !include_self { v } else { combine(op, *p, v) };
                *c += 1;
            } else {
                *p = combine(op, *p, v);
            }
        };
        match src {
            Src::Value(v) => {
                let v: T = crate::tensor::create::scalar_as::<T>(v);
                for_each_run(shape, [&index.layout.strides, &st], [0, 0], |o, n, s| unsafe {
                    for i in 0..n as isize {
                        let k = *pi.offset(o[0] + i * s[0]) as isize;
                        visit(o[1] + i * s[1] + k * sd, v);
                    }
                });
            }
            Src::Tensor(s) => {
                let sdata = s.data();
                let sst: Dims = (0..shape.len()).map(|i| sdata.layout.strides.get(i).copied().unwrap_or(0)).collect();
                let ps = sdata.base_ptr() as *const T;
                for_each_run(shape, [&index.layout.strides, &st, &sst], [0, 0, 0], |o, n, s| unsafe {
                    for i in 0..n as isize {
                        let k = *pi.offset(o[0] + i * s[0]) as isize;
                        visit(o[1] + i * s[1] + k * sd, *ps.offset(o[2] + i * s[2]));
                    }
                });
            }
        }
        if op == Reduce::Mean {
            let out = unsafe { dst.as_mut_slice::<T>() };
            for (x, &c) in out.iter_mut().zip(&counts) {
                let n = c + include_self as i64;
                if c > 0 && n > 1 {
                    *x = x.div_n(n);
                }
            }
        }
    });
    Ok(())
}

/// Out-of-place scatter: a copy of `t` with `src` scattered in (PyTorch's `scatter`,
/// `scatter_add`, `scatter(reduce=)` and `scatter_reduce(include_self=true)`).
pub fn scatter(t: &Tensor, dim: i64, index: &Tensor, src: Src<'_>, op: Reduce) -> Result<Tensor> {
    scatter_full(t, dim, index, src, op, true)
}

pub fn scatter_full(t: &Tensor, dim: i64, index: &Tensor, src: Src<'_>, op: Reduce, include_self: bool) -> Result<Tensor> {
    let index = &super::as_long("scatter", index)?;
    let d = wrap_dim(dim, t.dim())?;
    check_scatter(t, d, index, src)?;
    let out = crate::ops::convert::clone(t)?;
    scatter_into(&out.data(), d, &index.data(), src, op, include_self)?;
    let src_t = match src {
        Src::Tensor(s) => Some(s.clone()),
        Src::Value(_) => None,
    };
    let inputs: Vec<&Tensor> = std::iter::once(t).chain(src_t.as_ref()).collect();
    if needs_grad(&inputs) {
        let si = SavedTensor::input(index);
        let has_src = src_t.is_some();
        record("ScatterBackward0", &inputs, &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None; 1 + has_src as usize]) };
            let idx = si.get(node)?;
            let (gs, gsrc) = match op {
                Reduce::Assign => (
                    scatter(g, dim, &idx, Src::Value(Scalar::Int(0)), Reduce::Assign)?,
                    if has_src { Some(gather(g, dim, &idx)?) } else { None },
                ),
                Reduce::Add if include_self => (g.clone(), if has_src { Some(gather(g, dim, &idx)?) } else { None }),
                _ => return Err(crate::error::Error::not_implemented(&format!("scatter backward with reduce {op:?}"))),
            };
            let mut r = vec![Some(gs)];
            if has_src {
                r.push(gsrc);
            }
            Ok(r)
        });
    }
    Ok(out)
}

/// Backward of max/min/sort/topk/kthvalue/median along `dim`: `g` placed at `indices` in zeros.
pub fn value_selecting_backward(g: &Tensor, dim: i64, indices: &Tensor, in_shape: &[i64], keepdim: bool) -> Result<Tensor> {
    let (mut g, mut idx) = (g.clone(), indices.clone());
    if !keepdim && !in_shape.is_empty() {
        g = shape::unsqueeze(&g, dim)?;
        idx = idx.unsqueeze(dim)?;
    }
    let z = Tensor::zeros(in_shape, g.dtype(), g.device())?;
    scatter(&z, dim, &idx, Src::Tensor(&g), Reduce::Assign)
}

/// `take_along_dim`: gather after broadcasting `t` and `indices` outside `dim` (negative
/// indices count from the end); without a dim, over the flattened tensor.
pub fn take_along_dim(t: &Tensor, indices: &Tensor, dim: Option<i64>) -> Result<Tensor> {
    crate::ensure!(
        indices.dtype() == crate::tensor::DType::I64,
        "torch.take_along_dim(): dtype of indices should be Long but got {}",
        indices.dtype().name()
    );
    let Some(dim) = dim else {
        // without a dim, negative indices are out of bounds (PyTorch does not wrap them here)
        let flat = shape::reshape(t, &[-1])?;
        return gather(&flat, 0, &indices.reshape(&[-1])?);
    };
    crate::ensure!(
        t.dim() == indices.dim(),
        "torch.take_along_dim(): input and indices should have the same number of dimensions, but got {} dimensions for input, and {} dimensions for indices",
        t.dim(),
        indices.dim()
    );
    let d = wrap_dim(dim, t.dim())?;
    let (mut ts, mut is) = (t.shape(), indices.shape());
    let (td, id) = (ts.get(d).copied(), is.get(d).copied());
    if let Some(s) = ts.get_mut(d) {
        *s = 1;
    }
    if let Some(s) = is.get_mut(d) {
        *s = 1;
    }
    let b = crate::tensor::layout::broadcast_shapes(&ts, &is)?;
    let (mut bt, mut bi) = (b.clone(), b.clone());
    if let (Some(x), Some(y)) = (td, id) {
        bt[d] = x;
        bi[d] = y;
    }
    let te = shape::expand(t, &bt)?;
    let ie = wrap_negative(&indices.expand(&bi)?, td.unwrap_or(1))?;
    gather(&te, dim, &ie)
}

/// `idx` with negative values shifted by `n` (a new int64 tensor).
pub fn wrap_negative(idx: &Tensor, n: i64) -> Result<Tensor> {
    let d = idx.data();
    let r = crate::cpu::elementwise::unary_map::<i64, i64>(&d, |v| if v < 0 { v + n } else { v })?;
    Ok(Tensor::from_data(r))
}
