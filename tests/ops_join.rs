//! Joining, splitting, repeating, flipping, padding and diagonal ops, and QR, against PyTorch fixtures
//! (tests/fixtures/join.json from tools/fixtures/gen_join.py), through the `AtgApi` entry
//! points; plus out= and large-input checks.


use crate::fixture_ops::{f, i, ints, opt_i, run_group, s};
use serde_json::Value;
use torchrs::capi::generated::AtgApi;
use torchrs::error::Result;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Tensor};

fn run(op: &str, xs: &[Tensor], a: &Value) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let one = |t: Result<Tensor>| t.map(|t| vec![t]);
    let dim = || i(a, "dim");
    match op {
        "cat" => one(N::cat(xs, dim())),
        "stack" => one(N::stack(xs, dim())),
        "hstack" => one(N::hstack(xs)),
        "vstack" => one(N::vstack(xs)),
        "dstack" => one(N::dstack(xs)),
        "column_stack" => one(N::column_stack(xs)),
        "split" => N::split(x, i(a, "size"), dim()),
        "split_with_sizes" => N::split_with_sizes(x, &ints(a, "sizes"), dim()),
        "chunk" => N::chunk(x, i(a, "chunks"), dim()),
        "tensor_split" => N::tensor_split(x, i(a, "sections"), dim()),
        "tensor_split_indices" => N::tensor_split_indices(x, &ints(a, "indices"), dim()),
        "unbind" => N::unbind(x, dim()),
        "hsplit" => N::hsplit(x, i(a, "n")),
        "vsplit" => N::vsplit(x, i(a, "n")),
        "repeat" => one(N::repeat(x, &ints(a, "r"))),
        "tile" => one(N::tile(x, &ints(a, "r"))),
        "repeat_interleave" => one(N::repeat_interleave_self_int(x, i(a, "r"), opt_i(a, "dim"), None)),
        "repeat_interleave_t" => one(N::repeat_interleave_self_tensor(x, &xs[1], opt_i(a, "dim"), None)),
        "repeat_interleave_idx" => one(N::repeat_interleave(x, None)),
        "flip" => one(N::flip(x, &ints(a, "dims"))),
        "fliplr" => one(N::fliplr(x)),
        "flipud" => one(N::flipud(x)),
        "roll" => one(N::roll(x, &ints(a, "shifts"), &ints(a, "dims"))),
        "rot90" => one(N::rot90(x, i(a, "k"), &ints(a, "dims"))),
        "constant_pad" => one(N::pad(x, &ints(a, "pad"), "constant", Some(f(a, "value")))),
        "pad" => one(N::pad(x, &ints(a, "pad"), s(a, "mode"), None)),
        "reflection_pad1d" => one(N::reflection_pad1d(x, &ints(a, "pad"))),
        "reflection_pad2d" => one(N::reflection_pad2d(x, &ints(a, "pad"))),
        "replication_pad1d" => one(N::replication_pad1d(x, &ints(a, "pad"))),
        "replication_pad2d" => one(N::replication_pad2d(x, &ints(a, "pad"))),
        "tril" => one(N::tril(x, i(a, "k"))),
        "triu" => one(N::triu(x, i(a, "k"))),
        "diagonal" => one(N::diagonal(x, i(a, "k"), i(a, "d1"), i(a, "d2"))),
        "diag" => one(N::diag(x, i(a, "k"))),
        "linalg_qr" => N::linalg_qr(x, s(a, "mode")).map(|(q, r)| vec![q, r]),
        "diag_embed" => one(N::diag_embed(x, i(a, "k"), i(a, "d1"), i(a, "d2"))),
        "diagflat" => one(N::diagflat(x, i(a, "k"))),
        "trace" => one(N::trace(x)),
        "diagonal_scatter" => one(N::diagonal_scatter(x, &xs[1], i(a, "k"), 0, 1)),
        "select_scatter" => one(N::select_scatter(x, &xs[1], dim(), i(a, "index"))),
        "slice_scatter" => one(N::slice_scatter(x, &xs[1], dim(), opt_i(a, "start"), opt_i(a, "end"), i(a, "step"))),
        "tril_indices" => one(N::tril_indices(i(a, "r"), i(a, "c"), i(a, "k"), DType::I64, Device::Cpu)),
        "triu_indices" => one(N::triu_indices(i(a, "r"), i(a, "c"), i(a, "k"), DType::I64, Device::Cpu)),
        "broadcast_tensors" => N::broadcast_tensors(xs),
        "broadcast_to" => one(N::broadcast_to(x, &ints(a, "size"))),
        "meshgrid" => N::meshgrid_indexing(xs, s(a, "indexing")),
        "movedim" => one(N::movedim(x, &ints(a, "src"), &ints(a, "dst"))),
        "swapaxes" => one(N::swapaxes(x, i(a, "a"), i(a, "b"))),
        "narrow_copy" => one(N::narrow_copy(x, dim(), i(a, "start"), i(a, "len"))),
        "atleast_1d" => one(N::atleast_1d(x)),
        "atleast_2d" => one(N::atleast_2d(x)),
        "atleast_3d" => one(N::atleast_3d(x)),
        other => panic!("unknown op {other}"),
    }
}

const FILE: &str = "join.json";

#[test]
fn cat_stack() {
    run_group(FILE, "cat", run);
}

#[test]
fn split_chunk_unbind() {
    run_group(FILE, "split", run);
}

#[test]
fn repeat_flip_roll_rot90() {
    run_group(FILE, "repeat", run);
}

#[test]
fn padding() {
    run_group(FILE, "pad", run);
}

#[test]
fn linalg_qr() {
    run_group(FILE, "qr", run);
}

#[test]
fn tril_triu_diagonal_trace() {
    run_group(FILE, "diag", run);
}

#[test]
fn broadcast_meshgrid_movedim() {
    run_group(FILE, "misc", run);
}

/// A large cat along each dim equals the pieces (the whole-run copy path), and cat_out
/// resizes its output.
#[test]
fn large_cat_and_out() {
    let a = Tensor::from_vec((0..300 * 500).map(|v| v as f32).collect(), &[300, 500]).unwrap();
    let b = Tensor::from_vec((0..300 * 200).map(|v| -(v as f32)).collect(), &[300, 200]).unwrap();
    let c = N::cat(&[a.clone(), b.clone()], 1).unwrap();
    assert_eq!(&c.shape()[..], &[300, 700]);
    let cv = c.to_vec::<f32>().unwrap();
    assert_eq!(cv[700 + 499], 999.0);
    assert_eq!(cv[700 + 500 + 3], -203.0);
    let out = Tensor::empty(&[1], DType::F32, Device::Cpu).unwrap();
    N::cat_out(&out, &[a.t().unwrap(), a.t().unwrap()], 0).unwrap();
    assert_eq!(&out.shape()[..], &[1000, 300]);
    assert_eq!(out.to_vec::<f32>().unwrap()[500 * 300 + 2], 1000.0);
}

/// Contiguous parts (cat's row-by-row fast path) along every dim, with an empty part, a part
/// given twice, 8- and 2-byte elements and sizes that go across threads, against the index
/// formula.
#[test]
fn contiguous_cats_match_index_formulas() {
    let (outer, inner) = (40i64, 33i64);
    let sizes = [37i64, 0, 250, 3];
    for d in 0..3usize {
        let shape_of = |n: i64| -> Vec<i64> {
            let mut s = vec![outer, inner, 7];
            s[d] = n;
            s
        };
        let parts: Vec<Tensor> = sizes
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let shape = shape_of(n);
                let len: i64 = shape.iter().product();
                Tensor::from_vec((0..len).map(|v| v * 10 + k as i64).collect::<Vec<i64>>(), &shape).unwrap()
            })
            .collect();
        let mut all = parts.clone();
        all.push(parts[0].clone());
        let got = N::cat(&all, d as i64).unwrap();
        let total: i64 = sizes.iter().sum::<i64>() + sizes[0];
        assert_eq!(&got.shape()[..], &shape_of(total)[..]);
        let gv = got.to_vec::<i64>().unwrap();
        let gs = shape_of(total);
        let mut starts = vec![];
        let mut at = 0;
        for &n in sizes.iter().chain([&sizes[0]]) {
            starts.push((at, n));
            at += n;
        }
        for (flat, &g) in gv.iter().enumerate() {
            let f = flat as i64;
            let idx = [f / (gs[1] * gs[2]), f / gs[2] % gs[1], f % gs[2]];
            let (k, &(start, n)) = starts.iter().enumerate().find(|(_, (s0, n))| idx[d] >= *s0 && idx[d] < s0 + n).unwrap();
            let mut local = idx;
            local[d] -= start;
            let ps = shape_of(n);
            let want = (local[0] * ps[1] * ps[2] + local[1] * ps[2] + local[2]) * 10 + (k % sizes.len()) as i64;
            assert_eq!(g, want, "cat along {d} at {idx:?}");
        }
        // 2-byte elements through the same path
        let h: Vec<Tensor> = parts.iter().map(|p| N::totype(p, DType::F16).unwrap()).collect();
        let hg = N::totype(&N::cat(&h, d as i64).unwrap(), DType::I64).unwrap();
        let want = N::totype(&N::totype(&N::cat(&parts, d as i64).unwrap(), DType::F16).unwrap(), DType::I64).unwrap();
        assert_eq!(hg.to_vec::<i64>().unwrap(), want.to_vec::<i64>().unwrap(), "f16 cat along {d}");
    }
}

/// Gradients through split pieces and a stack of them recombine exactly.
#[test]
fn split_then_stack_backward() {
    let x = Tensor::from_vec((0..12).map(|v| v as f64).collect(), &[3, 4]).unwrap();
    x.set_requires_grad(true).unwrap();
    let parts = N::chunk(&x, 2, 1).unwrap();
    let s = N::stack(&parts, 0).unwrap();
    let w = Tensor::from_vec((0..12).map(|v| (v * v) as f64).collect(), &[2, 3, 2]).unwrap();
    let loss = N::sum(&N::mul(&s, &w).unwrap(), None).unwrap();
    torchrs::autograd::engine::backward(&loss, None, false, false).unwrap();
    // element (r, c) of x lands at stack position (c / 2, r, c % 2)
    let g = x.grad().unwrap().to_vec::<f64>().unwrap();
    for r in 0..3 {
        for c in 0..4 {
            let k = (c / 2) * 6 + r * 2 + c % 2;
            assert_eq!(g[r * 4 + c], (k * k) as f64);
        }
    }
}

/// Large roll, flip, cat along dim 1 and tril/triu take the threaded strided copy (runs
/// split across threads, misaligned runs moved with vector loads): each against its
/// definition by index.
#[test]
fn large_copies_match_their_definitions() {
    let (r, c) = (300usize, 1001usize);
    let v: Vec<f32> = (0..r * c).map(|i| i as f32).collect();
    let x = Tensor::from_vec(v.clone(), &[r as i64, c as i64]).unwrap();
    let at = |i: usize, j: usize| v[i * c + j];
    for shift in [3i64, -5, 997, 1] {
        let got = N::roll(&x, &[shift], &[1]).unwrap().to_vec::<f32>().unwrap();
        for i in 0..r {
            for j in 0..c {
                let src = (j as i64 - shift).rem_euclid(c as i64) as usize;
                assert_eq!(got[i * c + j], at(i, src), "roll {shift} at ({i}, {j})");
            }
        }
    }
    let flipped = N::flip(&x, &[0]).unwrap().to_vec::<f32>().unwrap();
    let both = N::flip(&x, &[0, 1]).unwrap().to_vec::<f32>().unwrap();
    let x2 = N::narrow(&x, 1, 1, 600).unwrap(); // a strided, misaligned second part
    let joined = N::cat(&[x.clone(), x2], 1).unwrap();
    assert_eq!(&joined.shape()[..], &[r as i64, c as i64 + 600]);
    let joined = joined.to_vec::<f32>().unwrap();
    for i in 0..r {
        for j in 0..c {
            assert_eq!(flipped[i * c + j], at(r - 1 - i, j), "flip(0) at ({i}, {j})");
            assert_eq!(both[i * c + j], at(r - 1 - i, c - 1 - j), "flip(0, 1) at ({i}, {j})");
            assert_eq!(joined[i * (c + 600) + j], at(i, j), "cat first part at ({i}, {j})");
        }
        for j in 0..600 {
            assert_eq!(joined[i * (c + 600) + c + j], at(i, j + 1), "cat second part at ({i}, {j})");
        }
    }
    // a batch of matrices, transposed (a strided input), every diagonal offset kind
    let b = Tensor::from_vec((0..4 * 200 * 300).map(|i| i as f64 + 1.0).collect::<Vec<_>>(), &[4, 200, 300]).unwrap();
    let bt = N::transpose(&b, 1, 2).unwrap(); // [4, 300, 200]
    let btv = N::contiguous(&bt).unwrap().to_vec::<f64>().unwrap();
    for k in [0i64, 5, -7, 1000, -1000, i64::MAX, i64::MIN] {
        for lower in [true, false] {
            let got = if lower { N::tril(&bt, k) } else { N::triu(&bt, k) }.unwrap();
            assert_eq!(&got.shape()[..], &[4, 300, 200]);
            let got = got.to_vec::<f64>().unwrap();
            for (idx, (&g, &w)) in got.iter().zip(&btv).enumerate() {
                let (i, j) = (((idx / 200) % 300) as i128, (idx % 200) as i128);
                let keep = if lower { j - i <= k as i128 } else { j - i >= k as i128 };
                assert_eq!(g, if keep { w } else { 0.0 }, "tri lower={lower} k={k} at {idx}");
            }
        }
    }
}
