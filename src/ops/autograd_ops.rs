//! Ops about gradients (grad, detach, requires_grad) and tensor metadata queries (is_floating_point...).

use crate::error::Result;
use crate::tensor::Tensor;

/// A new tensor sharing storage and layout, outside the autograd graph.
pub fn detach(t: &Tensor) -> Tensor {
    t.view_as_layout(t.layout())
}

/// Cuts `t` out of the graph in place.
pub fn detach_(t: &Tensor) -> Result<Tensor> {
    let mut m = t.autograd();
    m.grad_fn = None;
    m.output_nr = 0;
    m.requires_grad = false;
    t.sync_requires_grad(&m);
    drop(m);
    Ok(t.clone())
}

macro_rules! atg_autograd {
    () => {
        fn grad(a: &Tensor) -> Result<Option<Tensor>> { Ok(a.grad()) }
        fn detach(a: &Tensor) -> Result<Tensor> { Ok($crate::ops::autograd_ops::detach(a)) }
        fn detach_(a: &Tensor) -> Result<Tensor> { $crate::ops::autograd_ops::detach_(a) }
        fn set_requires_grad(a: &Tensor, r: bool) -> Result<Tensor> { a.set_requires_grad(r)?; Ok(a.clone()) }
        fn requires_grad_(a: &Tensor, r: bool) -> Result<Tensor> { a.set_requires_grad(r)?; Ok(a.clone()) }
        fn is_leaf(a: &Tensor) -> Result<bool> { Ok(a.is_leaf()) }
        fn output_nr(a: &Tensor) -> Result<i64> { Ok(a.autograd().output_nr as i64) }
        fn retains_grad(a: &Tensor) -> Result<bool> { Ok(a.autograd().retains_grad) }
        fn is_floating_point(a: &Tensor) -> Result<bool> { Ok(a.dtype().is_float()) }
        fn is_complex(_a: &Tensor) -> Result<bool> { Ok(false) }
        fn is_signed(a: &Tensor) -> Result<bool> { Ok(!matches!(a.dtype(), DType::U8 | DType::Bool)) }
        fn is_same_size(a: &Tensor, b: &Tensor) -> Result<bool> { Ok(a.shape() == b.shape()) }
        fn is_nonzero(a: &Tensor) -> Result<bool> {
            $crate::ensure!(a.numel() == 1, "Boolean value of Tensor with {} values is ambiguous", if a.numel() == 0 { "no".to_string() } else { "more than one".to_string() });
            Ok(a.to_vec::<f64>()?[0] != 0.0)
        }
    };
}
pub(crate) use atg_autograd;
