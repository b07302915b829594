//! Autograd: per-tensor gradient state, grad mode, the recorded graph (`graph`), saved tensors,
//! and the engine that runs backward passes (`engine`).

pub mod graph;
pub mod engine;
pub mod saved;

pub use graph::{record, Node};
pub use saved::SavedTensor;

use crate::tensor::Tensor;
use std::cell::Cell;
use std::sync::{Arc, Weak};

/// The autograd state each tensor carries.
#[derive(Default)]
pub struct AutogradMeta {
    /// Set by the user on leaves (`requires_grad_`); non-leaves require grad through `grad_fn`.
    pub requires_grad: bool,
    pub grad: Option<Tensor>,
    /// The node that produced this tensor, and which of its outputs it is.
    pub grad_fn: Option<Arc<Node>>,
    pub output_nr: usize,
    /// The leaf's gradient accumulator, shared by every use of the leaf in one graph.
    pub accumulator: Weak<Node>,
    /// Non-leaf tensors keep their `.grad` only when asked (`retain_grad`).
    pub retains_grad: bool,
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

/// Runs `f` with grad mode set to `b`, restoring the previous mode after (also on error).
pub fn with_grad_mode<R>(b: bool, f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            set_grad_enabled(self.0);
        }
    }
    let _r = Restore(set_grad_enabled(b));
    f()
}

/// Whether an op on these inputs must record a graph node.
pub fn needs_grad(inputs: &[&Tensor]) -> bool {
    is_grad_enabled() && inputs.iter().any(|t| t.requires_grad())
}
