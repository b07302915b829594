//! Layout: shape, strides and offset (in elements) of a view into a storage, and the pure
//! layout arithmetic of views (view, permute, narrow, expand, broadcasting).

use crate::error::Result;
use smallvec::SmallVec;

/// Dimensions, inline up to four (the common case never allocates).
pub type Dims = SmallVec<[i64; 4]>;

#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    pub shape: Dims,
    pub strides: Dims,
    pub offset: usize,
}

/// `Dims` holding a copy of `s` (one memcpy: smallvec's generic `From<&[T]>`/`clone` go
/// element by element, which showed in profiles of small ops).
#[inline]
pub fn dims(s: &[i64]) -> Dims {
    Dims::from_slice(s)
}

/// A copy of `d`: a plain copy of the value when its elements are stored inline (no call, no
/// loop: layouts are cloned several times per op), else one memcpy.
#[inline(always)]
fn dims_clone(d: &Dims) -> Dims {
    if d.spilled() {
        dims(d)
    } else {
        // SAFETY: an inline SmallVec of i64 owns no heap memory and its elements are Copy, so
        // its bytes are an independent, valid value
        unsafe { std::ptr::read(d) }
    }
}

impl Clone for Layout {
    #[inline]
    fn clone(&self) -> Layout {
        Layout { shape: dims_clone(&self.shape), strides: dims_clone(&self.strides), offset: self.offset }
    }
}

/// The strides of a contiguous (row-major) tensor of this shape.
pub fn contiguous_strides(shape: &[i64]) -> Dims {
    let mut strides: Dims = SmallVec::from_elem(1, shape.len());
    let mut acc = 1i64;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc = acc.saturating_mul(shape[i].max(1));
    }
    strides
}

/// Number of elements of a shape, with an error for negative sizes or overflow.
pub fn checked_numel(shape: &[i64]) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        if d < 0 {
            crate::bail!("Trying to create tensor with negative dimension {d}: {shape:?}");
        }
        n = n
            .checked_mul(d as usize)
            .ok_or_else(|| crate::error::Error::msg(format!("torchrs: shape {shape:?} is too large")))?;
    }
    Ok(n)
}

/// Wraps a possibly negative dimension index into `0..ndim`, as PyTorch does.
pub fn wrap_dim(dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim.max(1) as i64;
    let d = if dim < 0 { dim + n } else { dim };
    if d < 0 || d >= n {
        crate::bail!(
            "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
            -n,
            n - 1
        );
    }
    Ok(d as usize)
}

/// The broadcast shape of two shapes, or PyTorch's error.
pub fn broadcast_shapes(a: &[i64], b: &[i64]) -> Result<Dims> {
    let n = a.len().max(b.len());
    let mut out: Dims = SmallVec::from_elem(1, n);
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            crate::bail!(
                "The size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton dimension {i}"
            );
        };
    }
    Ok(out)
}

impl Layout {
    pub fn contiguous(shape: &[i64]) -> Layout {
        Layout { shape: dims(shape), strides: contiguous_strides(shape), offset: 0 }
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().map(|&d| d as usize).product()
    }

    /// PyTorch's definition: strides of size-1 dimensions do not matter.
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1i64;
        for i in (0..self.shape.len()).rev() {
            let d = self.shape[i];
            if d == 0 {
                return true;
            }
            if d != 1 {
                if self.strides[i] != expected {
                    return false;
                }
                expected *= d;
            }
        }
        true
    }

    /// The largest element offset reached plus one (0 when empty): the storage extent it needs.
    pub fn extent(&self) -> usize {
        if self.shape.iter().any(|&d| d == 0) {
            return 0;
        }
        let mut last = self.offset as i64;
        for (d, s) in self.shape.iter().zip(&self.strides) {
            last += (d - 1) * s;
        }
        last as usize + 1
    }

    pub fn transpose(&self, a: usize, b: usize) -> Layout {
        let mut l = self.clone();
        l.shape.swap(a, b);
        l.strides.swap(a, b);
        l
    }

    pub fn permute(&self, dims: &[usize]) -> Layout {
        Layout {
            shape: dims.iter().map(|&d| self.shape[d]).collect(),
            strides: dims.iter().map(|&d| self.strides[d]).collect(),
            offset: self.offset,
        }
    }

    pub fn narrow(&self, dim: usize, start: usize, len: usize) -> Layout {
        let mut l = self.clone();
        l.offset = (l.offset as i64 + start as i64 * l.strides[dim]) as usize;
        l.shape[dim] = len as i64;
        l
    }

    pub fn select(&self, dim: usize, index: usize) -> Layout {
        let mut l = self.narrow(dim, index, 1);
        l.shape.remove(dim);
        l.strides.remove(dim);
        l
    }

    pub fn unsqueeze(&self, dim: usize) -> Layout {
        let mut l = self.clone();
        let stride = if dim < l.shape.len() { l.shape[dim] * l.strides[dim] } else { 1 };
        l.shape.insert(dim, 1);
        l.strides.insert(dim, stride.max(1));
        l
    }

    /// Broadcasts to `shape` by giving new and size-1 dims a zero stride.
    pub fn expand(&self, shape: &[i64]) -> Result<Layout> {
        let n = shape.len();
        if n < self.ndim() {
            crate::bail!(
                "expand: the number of sizes provided ({n}) must be greater or equal to the number of dimensions in the tensor ({})",
                self.ndim()
            );
        }
        let lead = n - self.ndim();
        let mut strides: Dims = SmallVec::from_elem(0, n);
        let mut out: Dims = shape.into();
        for i in 0..n {
            if i < lead {
                if shape[i] < 0 {
                    crate::bail!("expand: the expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}");
                }
                continue;
            }
            let (d, s) = (self.shape[i - lead], self.strides[i - lead]);
            if shape[i] == -1 || shape[i] == d {
                out[i] = d;
                strides[i] = s;
            } else if d == 1 {
                if shape[i] < 0 {
                    crate::bail!("expand: invalid size {} at dimension {i}", shape[i]);
                }
                strides[i] = 0;
            } else {
                crate::bail!(
                    "The expanded size of the tensor ({}) must match the existing size ({d}) at non-singleton dimension {i}.  Target sizes: {shape:?}.  Tensor sizes: {:?}",
                    shape[i],
                    &self.shape[..]
                );
            }
        }
        Ok(Layout { shape: out, strides, offset: self.offset })
    }

    /// The strides a view of this layout with `new_shape` would have, if one exists without copying
    /// (PyTorch's `computeStride`).
    pub fn view_strides(&self, new_shape: &[i64]) -> Option<Dims> {
        if self.shape.is_empty() {
            return Some(SmallVec::from_elem(1, new_shape.len()));
        }
        let numel = self.numel();
        if numel == 0 {
            return Some(contiguous_strides(new_shape));
        }
        let mut new_strides: Dims = SmallVec::from_elem(0, new_shape.len());
        let mut view_d = new_shape.len() as i64 - 1;
        let mut chunk_base_stride = *self.strides.last().unwrap();
        let mut tensor_numel = 1i64;
        let mut view_numel = 1i64;
        for tensor_d in (0..self.shape.len()).rev() {
            tensor_numel *= self.shape[tensor_d];
            if tensor_d == 0
                || (self.shape[tensor_d - 1] != 1
                    && self.strides[tensor_d - 1] != tensor_numel * chunk_base_stride)
            {
                while view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d as usize] == 1) {
                    new_strides[view_d as usize] = view_numel * chunk_base_stride;
                    view_numel *= new_shape[view_d as usize];
                    view_d -= 1;
                }
                if view_numel != tensor_numel {
                    return None;
                }
                if tensor_d > 0 {
                    chunk_base_stride = self.strides[tensor_d - 1];
                    tensor_numel = 1;
                    view_numel = 1;
                }
            }
        }
        if view_d != -1 {
            return None;
        }
        Some(new_strides)
    }
}

/// Resolves a `-1` in a requested shape against `numel`, with PyTorch's errors.
pub fn infer_shape(shape: &[i64], numel: usize) -> Result<Dims> {
    let mut out: Dims = shape.into();
    let mut infer = None;
    let mut known: i64 = 1;
    for (i, &d) in shape.iter().enumerate() {
        if d == -1 {
            if infer.is_some() {
                crate::bail!("only one dimension can be inferred");
            }
            infer = Some(i);
        } else if d < 0 {
            crate::bail!("invalid shape dimension {d}");
        } else {
            known = known.saturating_mul(d);
        }
    }
    match infer {
        Some(i) => {
            if known == 0 || numel as i64 % known != 0 {
                crate::bail!("shape '{shape:?}' is invalid for input of size {numel}");
            }
            out[i] = numel as i64 / known;
        }
        None => {
            if known != numel as i64 {
                crate::bail!("shape '{shape:?}' is invalid for input of size {numel}");
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_strides_follow_pytorch() {
        let l = Layout::contiguous(&[2, 3, 4]);
        assert_eq!(&l.view_strides(&[6, 4]).unwrap()[..], &[4, 1]);
        let t = l.transpose(0, 2);
        assert!(t.view_strides(&[24]).is_none());
        assert_eq!(infer_shape(&[-1, 4], 24).unwrap().as_slice(), &[6, 4]);
        assert!(infer_shape(&[-1, 5], 24).is_err());
    }

    #[test]
    fn broadcast_and_expand() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap().as_slice(), &[3, 4]);
        assert!(broadcast_shapes(&[3], &[4]).is_err());
        let e = Layout::contiguous(&[3, 1]).expand(&[2, 3, 4]).unwrap();
        assert_eq!(e.strides.as_slice(), &[0, 1, 0]);
        assert!(!e.is_contiguous());
    }
}
