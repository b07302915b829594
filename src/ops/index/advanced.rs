//! Advanced indexing (`index`, what tch's `Tensor::i` calls with tensors) and `index_put`
//! (with accumulate): bool masks expand to their nonzero positions, integer index tensors
//! broadcast together, `None` keeps a dim; the indexed dims collapse into the broadcast
//! shape, in place when adjacent, else first (NumPy's rule).

use super::{index_values, with_size, Elem};
use crate::autograd::{needs_grad, record};
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::ops::shape;
use crate::tensor::layout::broadcast_shapes;
use crate::tensor::{DType, Dims, Layout, Tensor, TensorData};
use crate::with_dtype;

/// An advanced index resolved against a tensor's shape.
struct Plan {
    /// The dims of the source in the order they are walked (indexed dims made adjacent).
    perm: Vec<usize>,
    /// Position (in `perm` order) of the first indexed dim, and how many there are.
    start: usize,
    k: usize,
    /// The broadcast shape of the index tensors.
    bshape: Dims,
    /// Per broadcast position, the wrapped index along each indexed dim.
    idx: Vec<Vec<i64>>,
}

impl Plan {
    fn new(shape: &[i64], indices: &[Option<Tensor>]) -> Result<Plan> {
        let nd = shape.len();
        // expand masks into index tensors, check dtypes
        let mut per_dim: Vec<Option<Tensor>> = Vec::new();
        for t in indices {
            match t {
                None => per_dim.push(None),
                Some(t) => match t.dtype() {
                    DType::Bool | DType::U8 => {
                        let pos = per_dim.len();
                        let ms = t.shape();
                        for (j, &m) in ms.iter().enumerate() {
                            let s = shape.get(pos + j).copied();
                            crate::ensure!(
                                s == Some(m),
                                "The shape of the mask {:?} at index {j} does not match the shape of the indexed tensor {:?} at index {}",
                                &ms[..],
                                shape,
                                pos + j
                            );
                        }
                        if ms.is_empty() {
                            return Err(crate::error::Error::not_implemented("indexing with a 0-d boolean mask"));
                        }
                        let nz = super::mask::nonzero(t)?;
                        for j in 0..ms.len() {
                            per_dim.push(Some(nz.select(1, j as i64)?));
                        }
                    }
                    DType::I64 | DType::I32 => per_dim.push(Some(t.clone())),
                    _ => crate::bail!("tensors used as indices must be long, int, byte or bool tensors"),
                },
            }
        }
        crate::ensure!(per_dim.len() <= nd, "too many indices for tensor of dimension {nd} (got {})", per_dim.len());
        per_dim.resize(nd, None);
        let used: Vec<usize> = (0..nd).filter(|&d| per_dim[d].is_some()).collect();
        crate::ensure!(!used.is_empty(), "torchrs: advanced indexing needs at least one index tensor");
        let mut bshape = Dims::new();
        let shapes: Vec<Dims> = used.iter().map(|&d| per_dim[d].as_ref().unwrap().shape()).collect();
        for (n, s) in shapes.iter().enumerate() {
            bshape = if n == 0 {
                s.clone()
            } else {
                broadcast_shapes(&bshape, s).map_err(|_| {
                    let all: Vec<String> = shapes.iter().map(|s| format!("{:?}", &s[..])).collect();
                    crate::error::Error(format!("shape mismatch: indexing tensors could not be broadcast together with shapes {}", all.join(", ")))
                })?
            };
        }
        let adjacent = used.windows(2).all(|w| w[1] == w[0] + 1);
        let (perm, start): (Vec<usize>, usize) = if adjacent {
            ((0..nd).collect(), used[0])
        } else {
            (used.iter().copied().chain((0..nd).filter(|d| !used.contains(d))).collect(), 0)
        };
        let mut idx = Vec::with_capacity(used.len());
        for (j, &d) in used.iter().enumerate() {
            let t = per_dim[d].as_ref().unwrap().expand(&bshape)?;
            let size = shape[d];
            let vals = index_values("index", &t)?;
            let mut w = Vec::with_capacity(vals.len());
            for v in vals {
                let x = if v < 0 { v + size } else { v };
                crate::ensure!(x >= 0 && x < size, "index {v} is out of bounds for dimension {j} with size {size}");
                w.push(x);
            }
            idx.push(w);
        }
        Ok(Plan { perm, start, k: used.len(), bshape, idx })
    }

    /// The result shape: dims before, the broadcast shape, dims after (in walk order).
    fn out_shape(&self, shape: &[i64]) -> Dims {
        let ps: Dims = self.perm.iter().map(|&d| shape[d]).collect();
        let mut out: Dims = ps[..self.start].into();
        out.extend_from_slice(&self.bshape);
        out.extend_from_slice(&ps[self.start + self.k..]);
        out
    }

    /// Element offsets (in `l`) of the indexed positions, one per broadcast position, and the
    /// layouts of the dims before and after the indexed block.
    fn offsets(&self, l: &Layout) -> (Vec<isize>, Layout, Layout) {
        let pl = l.permute(&self.perm);
        let n = self.idx.first().map_or(0, |v| v.len());
        let mut offs = vec![0isize; n];
        for (j, vals) in self.idx.iter().enumerate() {
            let st = pl.strides[self.start + j] as isize;
            for (o, &v) in offs.iter_mut().zip(vals) {
                *o += v as isize * st;
            }
        }
        let part = |r: std::ops::Range<usize>| Layout { shape: pl.shape[r.clone()].into(), strides: pl.strides[r].into(), offset: 0 };
        (offs, part(0..self.start), part(self.start + self.k..pl.ndim()))
    }
}

/// Element offsets of every position of a layout, in logical order.
fn positions(l: &Layout) -> Vec<isize> {
    let mut v = Vec::with_capacity(l.numel());
    for_each_run(&l.shape, [&l.strides], [0], |o, n, s| v.extend((0..n as isize).map(|i| o[0] + i * s[0])));
    v
}

/// `t[indices]`.
pub fn index(t: &Tensor, indices: &[Option<Tensor>]) -> Result<Tensor> {
    let shape = t.shape();
    let plan = Plan::new(&shape, indices)?;
    let d = t.data();
    let out = Tensor::empty(&plan.out_shape(&shape), d.dtype, d.device())?;
    let od = out.data();
    if od.numel() > 0 {
        let (offs, pre, post) = plan.offsets(&d.layout);
        let (pre_offs, post_offs) = (positions(&pre), positions(&post));
        let post_contig = post.is_contiguous();
        let m = post_offs.len();
        with_size!(d.dtype.size(), E, {
            let src = d.base_ptr() as *const E;
            let dst = unsafe { super::raw_mut::<E>(&od) };
            let mut w = 0;
            for &p in &pre_offs {
                for &o in &offs {
                    let base = unsafe { src.offset(p + o) };
                    if post_contig {
                        crate::cpu::copy::copy_slice(&mut dst[w..w + m], unsafe { std::slice::from_raw_parts(base, m) });
                    } else {
                        for (x, &q) in dst[w..w + m].iter_mut().zip(&post_offs) {
                            *x = unsafe { *base.offset(q) };
                        }
                    }
                    w += m;
                }
            }
        });
    }
    if needs_grad(&[t]) {
        let idx: Vec<Option<Tensor>> = indices.to_vec();
        record("IndexBackward0", &[t], &[&out], move |_, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            let z = Tensor::zeros(&shape, g.dtype(), g.device())?;
            Ok(vec![Some(index_put(&z, &idx, g, true)?)])
        });
    }
    Ok(out)
}

/// Writes (or adds) `values`, broadcast to the indexing result's shape, into `dst` in place.
fn put_into(dst: &TensorData, plan: &Plan, values: &Tensor, accumulate: bool) -> Result<()> {
    let rshape = plan.out_shape(&dst.layout.shape);
    let vs = values.shape();
    let vl = values.layout().expand(&rshape).map_err(|_| {
        crate::error::Error(format!(
            "shape mismatch: value tensor of shape {:?} cannot be broadcast to indexing result of shape {:?}",
            &vs[..],
            &rshape[..]
        ))
    })?;
    if rshape.iter().any(|&s| s == 0) {
        return Ok(());
    }
    let (offs, pre, post) = plan.offsets(&dst.layout);
    let (pre_offs, post_offs) = (positions(&pre), positions(&post));
    let vd = values.data();
    let vpos = positions(&Layout { offset: 0, ..vl });
    let base_off = dst.layout.offset as isize;
    with_dtype!(dst.dtype, T, {
        let (pd, pv) = (dst.storage.as_ptr() as *mut T, vd.base_ptr() as *const T);
        let mut w = 0;
        for &p in &pre_offs {
            for &o in &offs {
                for &q in &post_offs {
                    unsafe {
                        let at = pd.offset(base_off + p + o + q);
                        let v = *pv.offset(vpos[w]);
                        *at = if accumulate { (*at).add(v) } else { v };
                    }
                    w += 1;
                }
            }
        }
    });
    Ok(())
}

fn check_values(t: &Tensor, values: &Tensor) -> Result<()> {
    crate::ensure!(
        t.dtype() == values.dtype(),
        "Index put requires the source and destination dtypes match, got {} for the destination and {} for the source.",
        t.dtype().name(),
        values.dtype().name()
    );
    Ok(())
}

/// Out-of-place `index_put`.
pub fn index_put(t: &Tensor, indices: &[Option<Tensor>], values: &Tensor, accumulate: bool) -> Result<Tensor> {
    check_values(t, values)?;
    let plan = Plan::new(&t.shape(), indices)?;
    let out = crate::ops::convert::clone(t)?;
    put_into(&out.data(), &plan, values, accumulate)?;
    if needs_grad(&[t, values]) {
        let idx: Vec<Option<Tensor>> = indices.to_vec();
        let (rv, vshape) = (values.requires_grad(), values.shape());
        record("IndexPutBackward0", &[t, values], &[&out], move |_, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            let gt = if accumulate {
                g.clone()
            } else {
                let z = Tensor::zeros(&[], g.dtype(), g.device())?;
                index_put(g, &idx, &z, false)?
            };
            let gv = if rv { Some(shape::sum_to(&index(g, &idx)?, &vshape)?) } else { None };
            Ok(vec![Some(gt), gv])
        });
    }
    Ok(out)
}

/// In-place `index_put_`: written straight into `t` when no gradient is recorded.
pub fn index_put_(t: &Tensor, indices: &[Option<Tensor>], values: &Tensor, accumulate: bool) -> Result<Tensor> {
    if crate::autograd::needs_grad(&[t, values]) {
        return crate::ops::arith::inplace("index_put_", t, &[values], |x| index_put(x, indices, values, accumulate));
    }
    check_values(t, values)?;
    let plan = Plan::new(&t.shape(), indices)?;
    put_into(&t.data(), &plan, values, accumulate)?;
    t.bump_version();
    Ok(t.clone())
}
