//! The recorded graph: nodes (one per differentiable op call, plus one gradient accumulator per
//! leaf), edges to the nodes of the inputs, and `record`, which ops call after computing.

use super::{is_grad_enabled, AutogradMeta};
use crate::error::Result;
use crate::tensor::Tensor;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Gradients flowing into a node (one per forward output) or out of it (one per input).
pub type Grads = Vec<Option<Tensor>>;

/// A backward rule: given the node and the gradients of its outputs, the gradients of its inputs.
pub type BackwardFn = Box<dyn FnMut(&Arc<Node>, &[Option<Tensor>]) -> Result<Grads> + Send>;

/// Where a gradient goes: input `input_nr` of `node`.
#[derive(Clone)]
pub struct Edge {
    pub node: Arc<Node>,
    pub input_nr: usize,
}

pub enum NodeKind {
    /// An op's backward rule; `None` once released after a backward without keep_graph.
    Function(Mutex<Option<BackwardFn>>),
    /// Adds the incoming gradient into a leaf's `.grad`.
    Accumulate(Tensor),
}

pub struct Node {
    pub name: &'static str,
    pub kind: NodeKind,
    /// One edge per input of the op (None for inputs that need no gradient).
    pub next: Vec<Option<Edge>>,
    /// How many outputs the forward op had (the size of this node's gradient buffer).
    pub num_outputs: usize,
    /// Creation order: later nodes run first when both are ready.
    pub seq: u64,
    /// Whether the rule holds saved tensors, freed (with the rule) by a backward without
    /// keep_graph; a rule that holds none stays runnable, as PyTorch's nodes without saved
    /// variables do.
    pub saves: bool,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

impl Node {
    fn new(name: &'static str, kind: NodeKind, next: Vec<Option<Edge>>, num_outputs: usize) -> Arc<Node> {
        Arc::new(Node { name, kind, next, num_outputs, seq: SEQ.fetch_add(1, Ordering::Relaxed), saves: true })
    }
}

/// The edge a gradient for `t` flows into: its grad_fn, or its leaf accumulator; None when `t`
/// needs no gradient.
pub fn gradient_edge(t: &Tensor) -> Option<Edge> {
    let mut m = t.autograd();
    if let Some(f) = &m.grad_fn {
        return Some(Edge { node: f.clone(), input_nr: m.output_nr });
    }
    if !m.requires_grad {
        return None;
    }
    Some(Edge { node: accumulator(t, &mut m), input_nr: 0 })
}

fn accumulator(t: &Tensor, m: &mut AutogradMeta) -> Arc<Node> {
    if let Some(a) = m.accumulator.upgrade() {
        return a;
    }
    let a = Node::new("AccumulateGrad", NodeKind::Accumulate(t.clone()), vec![], 1);
    m.accumulator = Arc::downgrade(&a);
    a
}

/// Records `outputs = op(inputs)` when grad mode is on and an input requires grad: the outputs
/// become non-leaf tensors whose `grad_fn` runs `backward`, which receives the gradients of the
/// outputs and returns one gradient (or None) per input.
pub fn record<F>(name: &'static str, inputs: &[&Tensor], outputs: &[&Tensor], backward: F)
where
    F: FnMut(&Arc<Node>, &[Option<Tensor>]) -> Result<Grads> + Send + 'static,
{
    record_node(name, inputs, outputs, Box::new(backward), true);
}

/// `record` for a rule that holds no saved tensors (only shapes, dtypes, numbers): it can run
/// again after a backward without keep_graph, as in PyTorch.
pub fn record_unsaved<F>(name: &'static str, inputs: &[&Tensor], outputs: &[&Tensor], backward: F)
where
    F: FnMut(&Arc<Node>, &[Option<Tensor>]) -> Result<Grads> + Send + 'static,
{
    record_node(name, inputs, outputs, Box::new(backward), false);
}

fn record_node(name: &'static str, inputs: &[&Tensor], outputs: &[&Tensor], backward: BackwardFn, saves: bool) {
    if !is_grad_enabled() || !inputs.iter().any(|t| t.requires_grad()) {
        return;
    }
    let next = inputs.iter().map(|t| gradient_edge(t)).collect();
    let mut node = Node::new(name, NodeKind::Function(Mutex::new(Some(backward))), next, outputs.len());
    if let Some(n) = Arc::get_mut(&mut node) {
        n.saves = saves;
    }
    for (i, o) in outputs.iter().enumerate() {
        let mut m = o.autograd();
        m.grad_fn = Some(node.clone());
        m.output_nr = i;
        m.requires_grad = false;
        o.sync_requires_grad(&m);
    }
}

/// Makes `t` (modified in place) take over the history of `r`, the out-of-place result.
pub fn take_history(t: &Tensor, r: &Tensor) {
    let (f, nr) = {
        let m = r.autograd();
        (m.grad_fn.clone(), m.output_nr)
    };
    let mut m = t.autograd();
    m.grad_fn = f;
    m.output_nr = nr;
    t.sync_requires_grad(&m);
}
