//! The backward engine: runs the recorded graph from root tensors in dependency order, sums
//! gradients per node input, accumulates into leaves or captures the gradients of given inputs.

use super::graph::{gradient_edge, Edge, Node, NodeKind};
use super::with_grad_mode;
use crate::error::Result;
use crate::tensor::Tensor;
use std::collections::BinaryHeap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// Hashes node addresses with one multiply (SipHash showed in profiles of small graphs).
#[derive(Default)]
struct AddrHasher(u64);
impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
    fn write_u64(&mut self, x: u64) {
        let h = (self.0 ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}
type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<AddrHasher>>;
type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<AddrHasher>>;

fn key(n: &Arc<Node>) -> usize {
    Arc::as_ptr(n) as usize
}

/// Adds `g` into slot `i` of a gradient buffer.
fn add_into(buf: &mut [Option<Tensor>], i: usize, g: Tensor) -> Result<()> {
    buf[i] = Some(match buf[i].take() {
        None => g,
        Some(prev) => crate::ops::arith::binary(crate::ops::arith::BinOp::Add, &prev, &g)?,
    });
    Ok(())
}

struct Ready(u64, Arc<Node>);
impl PartialEq for Ready {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl Eq for Ready {}
impl PartialOrd for Ready {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ready {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.cmp(&o.0)
    }
}

/// Runs backward from `roots` (tensor, gradient) pairs. With `inputs`, returns the gradient
/// reaching each of them (leaves' `.grad` untouched), as `torch.autograd.grad`; without, adds
/// into the leaves' `.grad`, as `tensor.backward()`.
pub fn run(
    roots: &[(Tensor, Tensor)],
    inputs: Option<&[Tensor]>,
    keep_graph: bool,
    create_graph: bool,
) -> Result<Vec<Option<Tensor>>> {
    let mut root_edges = Vec::new();
    for (i, (t, g)) in roots.iter().enumerate() {
        let e = gradient_edge(t).ok_or_else(|| {
            crate::error::Error(format!("element {i} of tensors does not require grad and does not have a grad_fn"))
        })?;
        crate::ensure!(
            g.shape() == t.shape(),
            "Mismatch in shape: grad_output[{i}] has a shape of {:?} and output[{i}] has a shape of {:?}.",
            &g.shape()[..],
            &t.shape()[..]
        );
        root_edges.push((e, g.clone()));
    }
    let input_edges: Option<Vec<Edge>> = match inputs {
        None => None,
        Some(ins) => Some(
            ins.iter()
                .map(|t| {
                    gradient_edge(t).ok_or_else(|| crate::error::Error::msg("One of the differentiated Tensors does not require grad"))
                })
                .collect::<Result<_>>()?,
        ),
    };

    // Count, for every node reachable from the roots, how many edges point at it.
    let mut deps: HashMap<usize, usize> = HashMap::default();
    let mut seen: HashSet<usize> = HashSet::default();
    let mut stack: Vec<Arc<Node>> = root_edges.iter().map(|(e, _)| e.node.clone()).collect();
    let mut order: Vec<Arc<Node>> = Vec::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(key(&n)) {
            continue;
        }
        order.push(n.clone());
        for e in n.next.iter().flatten() {
            *deps.entry(key(&e.node)).or_insert(0) += 1;
            stack.push(e.node.clone());
        }
    }

    // With inputs, only nodes from which an input's node can be reached need to run.
    let needed: Option<HashSet<usize>> = input_edges.as_ref().map(|ies| {
        let targets: HashSet<usize> = ies.iter().map(|e| key(&e.node)).collect();
        let mut needed = HashSet::default();
        // reverse creation order: a node's successors were created before it
        let mut by_seq = order.clone();
        by_seq.sort_by_key(|n| n.seq);
        for n in by_seq {
            if targets.contains(&key(&n)) || n.next.iter().flatten().any(|e| needed.contains(&key(&e.node))) {
                needed.insert(key(&n));
            }
        }
        needed
    });

    let mut buffers: HashMap<usize, Vec<Option<Tensor>>> = HashMap::default();
    for (e, g) in root_edges {
        let buf = buffers.entry(key(&e.node)).or_insert_with(|| vec![None; e.node.num_outputs]);
        add_into(buf, e.input_nr, g)?;
    }
    let mut captured: Vec<Option<Tensor>> = vec![None; input_edges.as_ref().map_or(0, |v| v.len())];
    let mut heap = BinaryHeap::new();
    let mut queued: HashSet<usize> = HashSet::default();
    for n in &order {
        if deps.get(&key(n)).copied().unwrap_or(0) == 0 && queued.insert(key(n)) {
            heap.push(Ready(n.seq, n.clone()));
        }
    }

    while let Some(Ready(_, node)) = heap.pop() {
        let k = key(&node);
        let buf = buffers.remove(&k).unwrap_or_else(|| vec![None; node.num_outputs]);
        if let Some(ies) = &input_edges {
            for (i, e) in ies.iter().enumerate() {
                if key(&e.node) == k {
                    captured[i] = buf[e.input_nr].clone();
                }
            }
        }
        let run_it = needed.as_ref().is_none_or(|s| s.contains(&k));
        let outs: Vec<Option<Tensor>> = if !run_it || buf.iter().all(|g| g.is_none()) {
            vec![None; node.next.len()]
        } else {
            match &node.kind {
                NodeKind::Accumulate(leaf) => {
                    if input_edges.is_none() {
                        if let Some(g) = buf.into_iter().next().flatten() {
                            accumulate(leaf, g, create_graph)?;
                        }
                    }
                    vec![]
                }
                NodeKind::Function(f) => {
                    let mut guard = f.lock();
                    let func = guard.as_mut().ok_or_else(|| {
                        crate::error::Error::msg(
                            "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.",
                        )
                    })?;
                    let r = with_grad_mode(create_graph, || func(&node, &buf))?;
                    if !keep_graph && node.saves {
                        *guard = None;
                    }
                    r
                }
            }
        };
        for (i, e) in node.next.iter().enumerate() {
            let Some(e) = e else { continue };
            let ek = key(&e.node);
            if let Some(Some(g)) = outs.get(i) {
                let buf = buffers.entry(ek).or_insert_with(|| vec![None; e.node.num_outputs]);
                add_into(buf, e.input_nr, g.clone())?;
            }
            let d = deps.get_mut(&ek).expect("every edge was counted");
            *d -= 1;
            if *d == 0 && queued.insert(ek) {
                heap.push(Ready(e.node.seq, e.node.clone()));
            }
        }
    }
    Ok(captured)
}

/// Adds `g` into `leaf.grad`: the first time `g` itself when nobody else holds it (else a fresh
/// copy); in place after, unless create_graph.
fn accumulate(leaf: &Tensor, g: Tensor, create_graph: bool) -> Result<()> {
    crate::ensure!(
        g.shape() == leaf.shape(),
        "torchrs: gradient of shape {:?} does not match its leaf of shape {:?}",
        &g.shape()[..],
        &leaf.shape()[..]
    );
    let prev = leaf.grad();
    let new = match prev {
        None => {
            if create_graph {
                g
            } else if g.dtype() == leaf.dtype() && g.device() == leaf.device() && !g.requires_grad() && g.is_sole_dense_owner() {
                g
            } else {
                crate::ops::convert::to(&g, None, Some(leaf.dtype()), true)?
            }
        }
        Some(p) => {
            if create_graph || p.requires_grad() {
                crate::ops::arith::binary(crate::ops::arith::BinOp::Add, &p, &g)?
            } else if add_in_place(&p, &g) {
                p
            } else {
                with_grad_mode(false, || {
                    crate::ops::arith::assign_inplace("add_", &p, &crate::ops::arith::binary(crate::ops::arith::BinOp::Add, &p, &g)?)
                })?
            }
        }
    };
    leaf.set_grad(Some(new));
    Ok(())
}

/// `p += g` straight into `p`'s buffer when both are contiguous and of one float dtype (the
/// usual case of a gradient accumulating into `.grad`); false when it did nothing.
fn add_in_place(p: &Tensor, g: &Tensor) -> bool {
    use crate::tensor::DType;
    fn run<T: Copy + Send + Sync + std::ops::Add<Output = T>>(dst: &mut [T], src: &[T]) {
        let body = |d: &mut [T], s: &[T]| {
            for (d, &s) in d.iter_mut().zip(s) {
                *d = *d + s;
            }
        };
        match crate::cpu::threads::chunk_len(dst.len()) {
            None => body(dst, src),
            Some(c) => crate::cpu::threads::for_chunks_mut(dst, c, |i, d| body(d, &src[i * c..i * c + d.len()])),
        }
    }
    if p.same_tensor(g) || p.dtype() != g.dtype() || p.shape() != g.shape() {
        return false;
    }
    let (pd, gd) = (p.data(), g.data());
    if !pd.layout.is_contiguous() || !gd.layout.is_contiguous() || pd.base_ptr() == gd.base_ptr() {
        return false;
    }
    let n = pd.numel();
    // SAFETY: both are contiguous buffers of n elements of the matched dtype; p's is not g's
    unsafe {
        match p.dtype() {
            DType::F32 => run(
                std::slice::from_raw_parts_mut(pd.base_ptr() as *mut f32, n),
                std::slice::from_raw_parts(gd.base_ptr() as *const f32, n),
            ),
            DType::F64 => run(
                std::slice::from_raw_parts_mut(pd.base_ptr() as *mut f64, n),
                std::slice::from_raw_parts(gd.base_ptr() as *const f64, n),
            ),
            _ => return false,
        }
    }
    drop((pd, gd));
    p.bump_version();
    true
}

/// `tensor.backward(gradient)`: an implicit gradient of ones only for single-element outputs.
pub fn backward(t: &Tensor, grad: Option<&Tensor>, keep_graph: bool, create_graph: bool) -> Result<()> {
    let g = match grad {
        Some(g) => g.clone(),
        None => {
            crate::ensure!(t.numel() == 1, "grad can be implicitly created only for scalar outputs");
            Tensor::ones(&t.shape(), t.dtype(), t.device())?
        }
    };
    run(&[(t.clone(), g)], None, keep_graph, create_graph).map(|_| ())
}
