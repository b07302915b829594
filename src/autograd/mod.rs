//! Autograd: per-tensor gradient state (requires_grad, .grad), grad mode, and (later) the graph.

use crate::tensor::Tensor;
use std::cell::Cell;

/// The autograd state each tensor carries.
#[derive(Default)]
pub struct AutogradMeta {
    pub requires_grad: bool,
    pub grad: Option<Tensor>,
}

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Whether ops record gradients on this thread (`torch.is_grad_enabled`).
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Sets grad mode for this thread and returns the previous mode (`at_grad_set_enabled`).
pub fn set_grad_enabled(b: bool) -> bool {
    GRAD_ENABLED.with(|g| g.replace(b))
}
