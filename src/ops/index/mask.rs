//! Masks: nonzero (and its list form `where(condition)`), masked_select, masked_scatter, and
//! the masked fill the backward rules need.

use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::ops::shape;
use crate::tensor::layout::broadcast_shapes;
use crate::tensor::{DType, Element, Scalar, Tensor};
use crate::with_dtype;

/// The logical positions (row-major) of the nonzero elements of `t`.
fn nonzero_flat(t: &Tensor) -> Vec<usize> {
    let d = t.data();
    let mut hits = Vec::new();
    with_dtype!(d.dtype, T, {
        let (p, z) = (d.base_ptr() as *const T, T::zero());
        let mut k = 0usize;
        for_each_run(&d.layout.shape, [&d.layout.strides], [0], |o, n, s| unsafe {
            for i in 0..n as isize {
                if *p.offset(o[0] + i * s[0]) != z {
                    hits.push(k);
                }
                k += 1;
            }
        });
    });
    hits
}

/// `nonzero`: an `[n, ndim]` int64 tensor of the coordinates of the nonzero elements.
pub fn nonzero(t: &Tensor) -> Result<Tensor> {
    let shape = t.shape();
    let hits = nonzero_flat(t);
    let nd = shape.len();
    let mut coords = vec![0i64; hits.len() * nd];
    for (r, &h) in hits.iter().enumerate() {
        let mut rem = h as i64;
        for dd in (0..nd).rev() {
            coords[r * nd + dd] = rem % shape[dd].max(1);
            rem /= shape[dd].max(1);
        }
    }
    Tensor::from_vec(coords, &[hits.len() as i64, nd as i64])
}

/// `nonzero_numpy` / `where(condition)`: one index tensor per dim.
pub fn nonzero_numpy(t: &Tensor) -> Result<Vec<Tensor>> {
    let t = if t.dim() == 0 { t.unsqueeze(0)? } else { t.clone() };
    let nz = nonzero(&t)?;
    (0..t.dim()).map(|d| nz.select(1, d as i64)?.contiguous()).collect()
}

fn check_bool_mask(op: &str, mask: &Tensor) -> Result<()> {
    crate::ensure!(mask.dtype() == DType::Bool, "{op}: expected BoolTensor for mask");
    Ok(())
}

/// The elements of `t` where `mask` (both broadcast) is true, as a 1-d tensor.
pub fn masked_select(t: &Tensor, mask: &Tensor) -> Result<Tensor> {
    check_bool_mask("masked_select", mask)?;
    let bs = broadcast_shapes(&mask.shape(), &t.shape())?;
    let (te, me) = (t.expand(&bs)?, mask.expand(&bs)?);
    let hits = nonzero_flat(&me);
    let src = te.contiguous()?;
    let out = Tensor::empty(&[hits.len() as i64], t.dtype(), t.device())?;
    super::with_size!(t.dtype().size(), E, {
        let od = out.data();
        let sd = src.data();
        let (s, o) = unsafe { (super::raw::<E>(&sd), super::raw_mut::<E>(&od)) };
        for (x, &h) in o.iter_mut().zip(&hits) {
            *x = s[h];
        }
    });
    if needs_grad(&[t]) {
        let (sm, in_shape) = (SavedTensor::input(mask), t.shape());
        record("MaskedSelectBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(masked_select_backward(g, &in_shape, &sm.get(node)?)?)])
        });
    }
    Ok(out)
}

/// The gradient of masked_select: `g` scattered at the mask's true positions into zeros of the
/// broadcast shape, summed back to the input's shape.
pub fn masked_select_backward(g: &Tensor, in_shape: &[i64], mask: &Tensor) -> Result<Tensor> {
    let bs = broadcast_shapes(in_shape, &mask.shape())?;
    let z = Tensor::zeros(&bs, g.dtype(), g.device())?;
    shape::sum_to(&masked_scatter(&z, mask, g)?, in_shape)
}

/// A copy of `t` whose positions where `mask` (broadcast to `t`) is true take the elements of
/// `source` in order.
pub fn masked_scatter(t: &Tensor, mask: &Tensor, source: &Tensor) -> Result<Tensor> {
    check_bool_mask("masked_scatter_", mask)?;
    crate::ensure!(
        t.dtype() == source.dtype(),
        "masked_scatter_: expected self and source to have same dtypes but got {} and {}",
        t.dtype().name(),
        source.dtype().name()
    );
    let me = mask.expand(&t.shape())?;
    let hits = nonzero_flat(&me);
    crate::ensure!(hits.len() <= source.numel(), "Number of elements of source < number of ones in mask");
    let out = crate::ops::convert::clone(t)?;
    let src = source.contiguous()?;
    super::with_size!(t.dtype().size(), E, {
        let od = out.data();
        let sd = src.data();
        let (s, o) = unsafe { (super::raw::<E>(&sd), super::raw_mut::<E>(&od)) };
        for (k, &h) in hits.iter().enumerate() {
            o[h] = s[k];
        }
    });
    if needs_grad(&[t, source]) {
        let (sm, src_shape, rs) = (SavedTensor::input(mask), source.shape(), source.requires_grad());
        record("MaskedScatterBackward0", &[t, source], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None, None]) };
            let m = sm.get(node)?;
            let gs = if rs { Some(masked_scatter_backward(g, &m, &src_shape)?) } else { None };
            Ok(vec![Some(masked_fill(g, &m, Scalar::Int(0))?), gs])
        });
    }
    Ok(out)
}

/// The source gradient of masked_scatter: the selected gradient, zero-padded to the source's size.
pub fn masked_scatter_backward(g: &Tensor, mask: &Tensor, sizes: &[i64]) -> Result<Tensor> {
    let sel = masked_select(g, mask)?;
    let n: i64 = sizes.iter().product();
    let pad = n - sel.numel() as i64;
    let full = if pad > 0 {
        let z = Tensor::zeros(&[pad], g.dtype(), g.device())?;
        crate::ops::join::cat::cat(&[sel, z], 0)?
    } else {
        sel
    };
    shape::reshape(&full, sizes)
}

/// A copy of `t` with `value` where `mask` (broadcast to `t`) is true; the gradient flows
/// through the other positions.
pub fn masked_fill(t: &Tensor, mask: &Tensor, value: Scalar) -> Result<Tensor> {
    let me = mask.expand(&t.shape())?;
    let out = crate::ops::convert::clone(t)?;
    let hits = nonzero_flat(&me);
    let od = out.data();
    with_dtype!(od.dtype, T, {
        let v: T = crate::tensor::create::scalar_as::<T>(value);
        let o = unsafe { od.as_mut_slice::<T>() };
        for &h in &hits {
            o[h] = v;
        }
    });
    if needs_grad(&[t]) {
        let sm = SavedTensor::input(mask);
        record("MaskedFillBackward0", &[t], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(masked_fill(g, &sm.get(node)?, Scalar::Int(0))?)])
        });
    }
    Ok(out)
}
