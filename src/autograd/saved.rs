//! Tensors a backward rule keeps from the forward pass, with PyTorch's check that they were not
//! modified in place since (the storage version counter).

use super::Node;
use crate::error::Result;
use crate::tensor::Tensor;
use std::sync::Arc;

/// A tensor saved for backward. Inputs are kept as they are; an op's own outputs are kept
/// without their `grad_fn` (which would be a reference cycle) and get it back when unpacked.
#[derive(Clone)]
pub struct SavedTensor {
    tensor: Tensor,
    version: u64,
    /// `Some(output_nr)` when this is an output of the node that saved it.
    output_nr: Option<usize>,
}

impl SavedTensor {
    pub fn input(t: &Tensor) -> SavedTensor {
        SavedTensor { tensor: t.clone(), version: t.version(), output_nr: None }
    }

    pub fn output(t: &Tensor, output_nr: usize) -> SavedTensor {
        let detached = t.view_as_layout(t.layout());
        SavedTensor { tensor: detached, version: t.version(), output_nr: Some(output_nr) }
    }

    /// The saved tensor, or PyTorch's error when it was modified in place after being saved.
    pub fn get(&self, node: &Arc<Node>) -> Result<Tensor> {
        let now = self.tensor.version();
        if now != self.version {
            crate::bail!(
                "one of the variables needed for gradient computation has been modified by an inplace operation: [{}{:?}] is at version {now}; expected version {} instead. Hint: the backtrace further above can show the operation that failed to compute its gradient.",
                self.tensor.dtype().name(),
                &self.tensor.shape()[..],
                self.version
            );
        }
        Ok(match self.output_nr {
            None => self.tensor.clone(),
            Some(nr) => {
                let t = self.tensor.view_as_layout(self.tensor.layout());
                let mut m = t.autograd();
                m.grad_fn = Some(node.clone());
                m.output_nr = nr;
                t.sync_requires_grad(&m);
                drop(m);
                t
            }
        })
    }
}
