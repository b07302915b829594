//! Shape helpers: broadcast_tensors/broadcast_to, meshgrid, movedim/moveaxis, swapaxes,
//! narrow_copy and the `*_copy` variants, in-place view ops, and `copy_of` (a recorded copy).

use crate::autograd::{needs_grad, record};
use crate::error::Result;
use crate::ops::shape;
use crate::tensor::layout::{broadcast_shapes, wrap_dim};
use crate::tensor::Tensor;

/// A contiguous copy with its own storage whose gradient passes through unchanged.
pub fn copy_of(t: &Tensor) -> Result<Tensor> {
    let out = crate::ops::convert::clone(t)?;
    if needs_grad(&[t]) {
        record("CloneBackward0", &[t], &[&out], |_, g| Ok(vec![g[0].clone()]));
    }
    Ok(out)
}

/// In-place view ops (`swapaxes_`, `squeeze_dims_`): `t` takes the view's layout and history.
pub fn inplace_view(t: &Tensor, v: Result<Tensor>) -> Result<Tensor> {
    let v = v?;
    t.set_layout(v.layout());
    if v.requires_grad() {
        crate::autograd::graph::take_history(t, &v);
    }
    Ok(t.clone())
}

pub fn broadcast_tensors(tensors: &[Tensor]) -> Result<Vec<Tensor>> {
    let mut s = crate::tensor::Dims::new();
    for t in tensors {
        s = broadcast_shapes(&s, &t.shape())?;
    }
    tensors.iter().map(|t| shape::expand(t, &s)).collect()
}

pub fn meshgrid(tensors: &[Tensor], indexing: &str) -> Result<Vec<Tensor>> {
    crate::ensure!(!tensors.is_empty(), "meshgrid expects a non-empty TensorList");
    for t in tensors {
        crate::ensure!(
            t.dim() <= 1,
            "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {:?}",
            t
        );
    }
    let swap = match indexing {
        "ij" => false,
        "xy" => true,
        _ => crate::bail!("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}"),
    };
    let n = tensors.len();
    let mut order: Vec<usize> = (0..n).collect();
    if swap && n >= 2 {
        order.swap(0, 1);
    }
    let sizes: Vec<i64> = order.iter().map(|&i| tensors[i].numel() as i64).collect();
    let mut out = vec![None; n];
    for (pos, &i) in order.iter().enumerate() {
        let mut vshape = vec![1i64; n];
        vshape[pos] = -1;
        let v = shape::reshape(&tensors[i], &vshape)?;
        out[i] = Some(shape::expand(&v, &sizes)?);
    }
    Ok(out.into_iter().map(|t| t.unwrap()).collect())
}

/// `movedim(source, destination)` as a permutation view.
pub fn movedim(t: &Tensor, src: &[i64], dst: &[i64]) -> Result<Tensor> {
    let nd = t.dim();
    crate::ensure!(
        src.len() == dst.len(),
        "movedim: Invalid source or destination dims: source ({src:?} dims) should contain the same number of dims as destination ({dst:?} dims)"
    );
    let ws: Vec<usize> = src.iter().map(|&d| wrap_dim(d, nd)).collect::<Result<_>>()?;
    let wd: Vec<usize> = dst.iter().map(|&d| wrap_dim(d, nd)).collect::<Result<_>>()?;
    for (w, name, orig) in [(&ws, "source", src), (&wd, "destination", dst)] {
        for (i, a) in w.iter().enumerate() {
            crate::ensure!(!w[..i].contains(a), "movedim: repeated dim in `{name}` ({orig:?})");
        }
    }
    let mut perm = vec![usize::MAX; nd];
    for (&s, &d) in ws.iter().zip(&wd) {
        perm[d] = s;
    }
    let mut rest = (0..nd).filter(|d| !ws.contains(d));
    for p in perm.iter_mut() {
        if *p == usize::MAX {
            *p = rest.next().unwrap();
        }
    }
    let p: Vec<i64> = perm.iter().map(|&d| d as i64).collect();
    if nd == 0 {
        return Ok(t.clone());
    }
    shape::permute(t, &p)
}

/// `narrow_copy`: a narrowed copy.
pub fn narrow_copy(t: &Tensor, dim: i64, start: i64, len: i64) -> Result<Tensor> {
    copy_of(&shape::narrow(t, dim, start, len)?)
}
