//! index_select (a row-copy fast path for contiguous inputs), index_add, index_fill,
//! index_copy and embedding, with their backward rules.

use super::{index_values, with_size, Elem};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::copy_into;
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::ops::arith::{binary, BinOp};
use crate::ops::shape;
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Scalar, Tensor, TensorData};
use crate::with_dtype;

/// `[outer, size, inner]` around dim `d` of a shape (0-d: `[1, 1, 1]`).
pub fn split3(shape: &[i64], d: usize) -> (usize, usize, usize) {
    if shape.is_empty() {
        return (1, 1, 1);
    }
    let p = |s: &[i64]| s.iter().product::<i64>() as usize;
    (p(&shape[..d]), shape[d] as usize, p(&shape[d + 1..]))
}

/// Rows `idx` of `t` along `d` (indices already checked), as a new contiguous tensor.
pub fn select_rows(t: &TensorData, d: usize, idx: &[i64], out_shape: &[i64]) -> Result<TensorData> {
    let out = TensorData::empty(out_shape, t.dtype, t.device())?;
    if out.numel() == 0 {
        return Ok(out);
    }
    if t.layout.is_contiguous() {
        let (_, size, inner) = split3(&t.layout.shape, d);
        with_size!(t.dtype.size(), E, {
            let (src, dst) = unsafe { (super::raw::<E>(t), super::raw_mut::<E>(&out)) };
            gather_blocks(src, dst, size, inner, idx);
        });
        return Ok(out);
    }
    for (j, &i) in idx.iter().enumerate() {
        let dst = TensorData { layout: out.layout.narrow(d, j, 1), ..out.clone() };
        let src = TensorData { layout: t.layout.narrow(d, i as usize, 1), ..t.clone() };
        copy_into(&dst, &src)?;
    }
    Ok(out)
}

/// `dst[o, j, :] = src[o, idx[j], :]` for `src` of shape `[outer, size, inner]` and `dst` of
/// `[outer, idx.len(), inner]`, both contiguous: long rows copied whole, rows of one element
/// gathered in a loop; the work split across threads.
fn gather_blocks<E: Copy + Send + Sync>(src: &[E], dst: &mut [E], size: usize, inner: usize, idx: &[i64]) {
    use crate::cpu::copy::copy_slice;
    use crate::cpu::threads::{for_chunks_mut, rows_per_run};
    let k = idx.len();
    if inner >= 64 {
        // units of one picked row each, unit u being (o, j) = (u / k, u % k)
        let per = rows_per_run(dst.len() / inner, inner);
        for_chunks_mut(dst, per * inner, |c, chunk| {
            for (r, d) in chunk.chunks_exact_mut(inner).enumerate() {
                let u = c * per + r;
                let s = ((u / k) * size + idx[u % k] as usize) * inner;
                copy_slice(d, &src[s..s + inner]);
            }
        });
        return;
    }
    let rows = dst.len() / (k * inner);
    let per = rows_per_run(rows, k * inner);
    for_chunks_mut(dst, per * k * inner, |c, chunk| {
        for (r, drow) in chunk.chunks_exact_mut(k * inner).enumerate() {
            let o = c * per + r;
            let srow = &src[o * size * inner..(o + 1) * size * inner];
            if inner == 1 {
                for (d, &i) in drow.iter_mut().zip(idx) {
                    *d = srow[i as usize];
                }
            } else {
                for (d, &i) in drow.chunks_exact_mut(inner).zip(idx) {
                    copy_slice(d, &srow[i as usize * inner..(i as usize + 1) * inner]);
                }
            }
        }
    });
}

/// Index values checked to lie in `0..size` (negative ones wrapped when `wrap`), with the
/// error text `bad(value)`.
fn checked(values: Vec<i64>, size: i64, wrap: bool, bad: impl Fn(i64) -> String) -> Result<Vec<i64>> {
    values
        .into_iter()
        .map(|v| {
            let w = if wrap && v < 0 { v + size } else { v };
            if w < 0 || w >= size {
                Err(crate::error::Error(bad(v)))
            } else {
                Ok(w)
            }
        })
        .collect()
}

fn vector_index(op: &str, index: &Tensor) -> Result<Vec<i64>> {
    crate::ensure!(index.dim() <= 1, "{op}(): Index is supposed to be a vector");
    crate::ensure!(
        matches!(index.dtype(), DType::I64 | DType::I32),
        "{op}(): Expected dtype int32 or int64 for index"
    );
    index_values(op, index)
}

pub fn index_select(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    let d = wrap_dim(dim, t.dim())?;
    let raw = vector_index("index_select", index)?;
    let size = t.shape().get(d).copied().unwrap_or(1);
    let idx = checked(raw, size, false, |_| "index out of range in self".into())?;
    let mut out_shape = t.shape();
    if let Some(s) = out_shape.get_mut(d) {
        *s = idx.len() as i64;
    }
    let out = Tensor::from_data(select_rows(&t.data(), d, &idx, &out_shape)?);
    if needs_grad(&[t]) {
        let (shape, si) = (t.shape(), SavedTensor::input(index));
        record("IndexSelectBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(index_select_backward(g, &shape, dim, &si.get(node)?)?)])
        });
    }
    Ok(out)
}

/// `index_select_backward`: the gradient added into zeros of the input's shape.
pub fn index_select_backward(g: &Tensor, sizes: &[i64], dim: i64, index: &Tensor) -> Result<Tensor> {
    let z = Tensor::zeros(sizes, g.dtype(), g.device())?;
    index_add(&z, dim, index, g)
}

/// Checks the shapes of index_add/index_copy: same rank, equal sizes outside `d`, and
/// `source.size(d) == len(index)`.
fn check_source(op: &str, t: &Tensor, d: usize, n: usize, source: &Tensor) -> Result<()> {
    let (ts, ss) = (t.shape(), source.shape());
    crate::ensure!(
        t.dtype() == source.dtype(),
        "{op}(): self ({}) and source ({}) must have the same scalar type",
        t.dtype().name(),
        source.dtype().name()
    );
    let src_n = ss.get(d).copied().unwrap_or(1) as usize;
    crate::ensure!(
        src_n == n,
        "{op}(): Number of indices ({n}) should be equal to source.size(dim){} ({src_n}){}",
        if op == "index_add_" { ":" } else { "" },
        if op == "index_add_" { format!(", for dim: {d}") } else { String::new() }
    );
    let same = ts.len().max(1) == ss.len().max(1)
        && (0..ts.len().min(ss.len())).all(|i| i == d || ts[i] == ss[i]);
    crate::ensure!(
        same,
        "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = {:?} source.shape = {:?}",
        &ts[..],
        &ss[..]
    );
    Ok(())
}

/// `dst.select(d, i) op= src.select(d, k)` for each pair; `dst` is a fresh contiguous tensor.
fn combine_rows(dst: &TensorData, d: usize, idx: &[i64], src: &TensorData, add: bool) -> Result<()> {
    with_dtype!(dst.dtype, T, {
        let (pd, ps) = (dst.base_ptr() as *mut T, src.base_ptr() as *const T);
        for (k, &i) in idx.iter().enumerate() {
            let (ld, ls) = if dst.layout.ndim() == 0 {
                (dst.layout.clone(), src.layout.clone())
            } else {
                (dst.layout.select(d, i as usize), src.layout.select(d, k))
            };
            let (od, os) = (ld.offset as isize - dst.layout.offset as isize, ls.offset as isize - src.layout.offset as isize);
            for_each_run(&ld.shape, [&ld.strides, &ls.strides], [od, os], |o, n, s| unsafe {
                for j in 0..n as isize {
                    let (a, b) = (pd.offset(o[0] + j * s[0]), *ps.offset(o[1] + j * s[1]));
                    *a = if add { (*a).add(b) } else { b };
                }
            });
        }
    });
    Ok(())
}

/// index_add (`add`) or index_copy: rows of `source` added or copied at `index` along `dim`
/// of a copy of `t`. Gradients: `t` gets `g` (add) or `g` with the rows zeroed (copy);
/// `source` gets the selected rows of `g`.
fn index_combine(t: &Tensor, dim: i64, index: &Tensor, source: &Tensor, add: bool) -> Result<Tensor> {
    let d = wrap_dim(dim, t.dim())?;
    let (op, prefix) = if add { ("index_add_", "") } else { ("index_copy_", "index_copy_(): ") };
    let raw = vector_index(op, index)?;
    check_source(op, t, d, raw.len(), source)?;
    let size = t.shape().get(d).copied().unwrap_or(1);
    let idx = checked(raw, size, false, |v| format!("{prefix}index {v} is out of bounds for dimension {d} with size {size}"))?;
    let out = crate::ops::convert::clone(t)?;
    combine_rows(&out.data(), d, &idx, &source.data(), add)?;
    if needs_grad(&[t, source]) {
        let (si, rs) = (SavedTensor::input(index), source.requires_grad());
        let src_shape = source.shape();
        let name = if add { "IndexAddBackward0" } else { "IndexCopyBackward0" };
        record(name, &[t, source], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            let idx = si.get(node)?;
            let gs = if rs { Some(shape::reshape(&index_select(g, dim, &idx)?, &src_shape)?) } else { None };
            let gt = if add { g.clone() } else { index_fill(g, dim, &idx, Scalar::Int(0))? };
            Ok(vec![Some(gt), gs])
        });
    }
    Ok(out)
}

pub fn index_add(t: &Tensor, dim: i64, index: &Tensor, source: &Tensor) -> Result<Tensor> {
    index_combine(t, dim, index, source, true)
}

pub fn index_copy(t: &Tensor, dim: i64, index: &Tensor, source: &Tensor) -> Result<Tensor> {
    index_combine(t, dim, index, source, false)
}

/// `index_fill` with a number (negative indices count from the end).
pub fn index_fill(t: &Tensor, dim: i64, index: &Tensor, value: Scalar) -> Result<Tensor> {
    let d = wrap_dim(dim, t.dim())?;
    let raw = vector_index("index_fill", index)?;
    let size = t.shape().get(d).copied().unwrap_or(1);
    let idx = checked(raw, size, true, |v| format!("index {v} is out of bounds for dimension {d} with size {size}"))?;
    let out = crate::ops::convert::clone(t)?;
    let od = out.data();
    for &i in &idx {
        let l = if od.layout.ndim() == 0 { od.layout.clone() } else { od.layout.narrow(d, i as usize, 1) };
        crate::tensor::create::fill(&TensorData { layout: l, ..od.clone() }, value)?;
    }
    if needs_grad(&[t]) {
        let si = SavedTensor::input(index);
        record("IndexFillBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(index_fill(g, dim, &si.get(node)?, Scalar::Int(0))?)])
        });
    }
    Ok(out)
}

/// `index_fill` with a 0-d tensor value (differentiable in the value).
pub fn index_fill_tensor(t: &Tensor, dim: i64, index: &Tensor, value: &Tensor) -> Result<Tensor> {
    crate::ensure!(
        value.dim() == 0,
        "index_fill_ only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).",
        value.dim()
    );
    let v = value.to_vec::<f64>()?[0];
    let s = if value.dtype().is_float() { Scalar::Float(v) } else { Scalar::Int(value.to_vec::<i64>()?[0]) };
    let out = index_fill(&crate::ops::autograd_ops::detach(t), dim, index, s)?;
    if needs_grad(&[t, value]) {
        let si = SavedTensor::input(index);
        record("IndexFillBackward1", &[t, value], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            let idx = si.get(node)?;
            let gv = crate::ops::reduce::sum(&index_select(g, dim, &idx.reshape(&[-1])?)?, None, false, None)?;
            Ok(vec![Some(index_fill(g, dim, &idx, Scalar::Int(0))?), Some(gv)])
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- embedding

pub fn embedding(weight: &Tensor, indices: &Tensor, padding_idx: i64, scale_grad_by_freq: bool) -> Result<Tensor> {
    crate::ensure!(weight.dim() == 2, "'weight' must be 2-D");
    crate::ensure!(
        matches!(indices.dtype(), DType::I64 | DType::I32),
        "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.{}Tensor instead (while checking arguments for embedding)",
        indices.dtype().name()
    );
    let ws = weight.shape();
    let flat = index_values("embedding", indices)?;
    let idx = checked(flat, ws[0], false, |_| "index out of range in self".into())?;
    let mut out_shape: Vec<i64> = indices.shape().to_vec();
    out_shape.push(ws[1]);
    let rows = select_rows(&weight.data(), 0, &idx, &[idx.len() as i64, ws[1]])?;
    let out = Tensor::from_data(rows).view(&out_shape)?;
    if needs_grad(&[weight]) {
        let (si, n) = (SavedTensor::input(indices), ws[0]);
        record("EmbeddingBackward0", &[weight], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(embedding_dense_backward(g, &si.get(node)?, n, padding_idx, scale_grad_by_freq)?)])
        });
    }
    Ok(out)
}

/// The weight gradient of embedding: rows of `g` added at their indices, none for
/// `padding_idx`, divided by the index frequency when `scale_grad_by_freq`.
pub fn embedding_dense_backward(g: &Tensor, indices: &Tensor, num_weights: i64, padding_idx: i64, scale_grad_by_freq: bool) -> Result<Tensor> {
    let gs = g.shape();
    let dim = *gs.last().unwrap_or(&1);
    let flat_idx = indices.reshape(&[-1])?.contiguous()?;
    let idx = index_values("embedding_backward", &flat_idx)?;
    let g2 = shape::reshape(g, &[idx.len() as i64, dim])?;
    let z = Tensor::zeros(&[num_weights, dim], g.dtype(), g.device())?;
    let sum = index_add(&z, 0, &crate::ops::convert::to(&flat_idx, None, Some(DType::I64), false)?, &g2)?;
    let mut scale = vec![1f64; num_weights as usize];
    if scale_grad_by_freq {
        let mut counts = vec![0f64; num_weights as usize];
        for &i in &idx {
            counts[i as usize] += 1.0;
        }
        for (s, c) in scale.iter_mut().zip(&counts) {
            if *c > 0.0 {
                *s = 1.0 / c;
            }
        }
    }
    // ATen's convention: a negative padding_idx means none (F.embedding wraps before calling)
    if (0..num_weights).contains(&padding_idx) {
        scale[padding_idx as usize] = 0.0;
    }
    if scale.iter().all(|&s| s == 1.0) {
        return Ok(sum);
    }
    let st = crate::ops::convert::to(&Tensor::from_vec(scale, &[num_weights, 1])?, None, Some(g.dtype()), false)?;
    binary(BinOp::Mul, &sum, &st)
}
