//! PyTorch's type promotion between operands (`torch.result_type`) and the casting rule of
//! in-place and `out=` results.

use crate::tensor::{DType, Scalar, Tensor};

fn category(d: DType) -> u8 {
    if d == DType::Bool {
        0
    } else if d.is_float() {
        2
    } else {
        1
    }
}

/// Result dtype of an op on tensors: dimensioned tensors decide, 0-d tensors only lift the category.
pub fn result_type(tensors: &[&Tensor]) -> DType {
    let v: Vec<(usize, DType)> = tensors.iter().map(|t| (t.dim(), t.dtype())).collect();
    result_type_of(&v)
}

/// [`result_type`] from (ndim, dtype) pairs.
pub fn result_type_of(operands: &[(usize, DType)]) -> DType {
    let mut dim: Option<DType> = None;
    let mut zero: Option<DType> = None;
    for &(ndim, d) in operands {
        let slot = if ndim > 0 { &mut dim } else { &mut zero };
        *slot = Some(match *slot {
            Some(p) => DType::promote(p, d),
            None => d,
        });
    }
    match (dim, zero) {
        (Some(h), Some(l)) => {
            if category(l) > category(h) {
                DType::promote(h, l)
            } else {
                h
            }
        }
        (Some(h), None) => h,
        (None, Some(l)) => l,
        (None, None) => DType::F32,
    }
}

/// Result dtype of `tensor op scalar` (a Python number never widens within a category).
pub fn result_type_scalar(t: &Tensor, s: &Scalar) -> DType {
    s.promote_with(t.dtype())
}

/// Whether a value of dtype `from` may be written into a tensor of dtype `to` (PyTorch's canCast).
pub fn can_cast(from: DType, to: DType) -> bool {
    category(from) <= category(to)
}
