//! Indexing ops against PyTorch fixtures (tests/fixtures/index.json from
//! tools/fixtures/gen_index.py), through the `AtgApi` entry points; plus in-place,
//! random-sampling and large-input checks.


use crate::fixture_ops::{b, f, i, opt_i, run_group, s};
use serde_json::Value;
use torchrs::capi::generated::AtgApi;
use torchrs::error::Result;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Scalar, Tensor};

fn pair(r: (Tensor, Tensor)) -> Vec<Tensor> {
    vec![r.0, r.1]
}

fn triple(r: (Tensor, Tensor, Tensor)) -> Vec<Tensor> {
    vec![r.0, r.1, r.2]
}

/// The optional index list of an "idx" argument (input numbers or null).
fn opt_list(xs: &[Tensor], a: &Value) -> Vec<Option<Tensor>> {
    a["idx"].as_array().unwrap().iter().map(|v| v.as_u64().map(|k| xs[k as usize].clone())).collect()
}

/// A number argument as the Scalar PyTorch would see (int or float).
fn scalar(a: &Value, k: &str) -> Scalar {
    match a[k].as_i64() {
        Some(v) if !a[k].is_f64() => Scalar::Int(v),
        _ => Scalar::Float(f(a, k)),
    }
}

fn run(op: &str, xs: &[Tensor], a: &Value) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let one = |t: Result<Tensor>| t.map(|t| vec![t]);
    let dim = || i(a, "dim");
    match op {
        "index_select" => one(N::index_select(x, dim(), &xs[1])),
        "index_add" => one(N::index_add(x, dim(), &xs[1], &xs[2])),
        "index_copy" => one(N::index_copy(x, dim(), &xs[1], &xs[2])),
        "index_fill" => one(N::index_fill(x, dim(), &xs[1], &scalar(a, "value"))),
        "embedding" => one(N::embedding(x, &xs[1], i(a, "padding_idx"), b(a, "scale_grad_by_freq"), false)),
        "gather" => one(N::gather(x, dim(), &xs[1], false)),
        "scatter" => one(N::scatter(x, dim(), &xs[1], &xs[2])),
        "scatter_value" => one(N::scatter_value(x, dim(), &xs[1], &scalar(a, "value"))),
        "scatter_add" => one(N::scatter_add(x, dim(), &xs[1], &xs[2])),
        "scatter_legacy" => one(N::scatter_reduce(x, dim(), &xs[1], &xs[2], s(a, "reduce"))),
        "scatter_reduce" => one(N::_scatter_reduce(x, dim(), &xs[1], &xs[2], s(a, "reduce"), b(a, "include_self"))),
        "take" => one(N::take(x, &xs[1])),
        "take_along_dim" => one(N::take_along_dim(x, &xs[1], opt_i(a, "dim"))),
        "put" => one(N::put(x, &xs[1], &xs[2], b(a, "accumulate"))),
        "index" => one(N::index(x, &opt_list(xs, a))),
        "index_put" => one(N::index_put(x, &opt_list(xs, a), xs.last().unwrap(), b(a, "accumulate"))),
        "masked_select" => one(N::masked_select(x, &xs[1])),
        "masked_scatter" => one(N::masked_scatter(x, &xs[1], &xs[2])),
        "nonzero" => one(N::nonzero(x)),
        "nonzero_numpy" => N::r#where(x),
        "one_hot" => one(N::one_hot(x, i(a, "num_classes"))),
        "sort" => N::sort_stable(x, true, dim(), b(a, "descending")).map(pair),
        "argsort" => one(N::argsort_stable(x, true, dim(), b(a, "descending"))),
        "topk" => N::topk(x, i(a, "k"), dim(), b(a, "largest"), true).map(pair),
        "kthvalue" => N::kthvalue(x, i(a, "k"), dim(), b(a, "keepdim")).map(pair),
        "median" => one(N::median(x)),
        "nanmedian" => one(N::nanmedian(x)),
        "median_dim" => N::median_dim(x, dim(), b(a, "keepdim")).map(pair),
        "nanmedian_dim" => N::nanmedian_dim(x, dim(), b(a, "keepdim")).map(pair),
        "unique2" => N::_unique2(x, true, b(a, "inverse"), b(a, "counts")).map(triple),
        "unique" => N::_unique(x, true, b(a, "inverse")).map(pair),
        "unique_dim" => N::unique_dim(x, dim(), true, true, true).map(triple),
        "unique_consecutive" => {
            let flags = a.get("flags").and_then(|v| v.as_bool()).unwrap_or(true);
            N::unique_consecutive(x, flags, flags, opt_i(a, "dim")).map(triple)
        }
        "bincount" => one(N::bincount(x, None, i(a, "minlength"))),
        "bincount_w" => one(N::bincount(x, Some(&xs[1]), i(a, "minlength"))),
        "searchsorted" => one(N::searchsorted(x, &xs[1], false, b(a, "right"), s(a, "side"), None)),
        "searchsorted_sorter" => one(N::searchsorted(x, &xs[1], false, false, "", Some(&xs[2]))),
        other => panic!("unknown op {other}"),
    }
}

const FILE: &str = "index.json";

#[test]
fn index_select_add_copy_fill_embedding() {
    run_group(FILE, "select", run);
}

#[test]
fn gather_scatter_take_put() {
    run_group(FILE, "gather", run);
}

#[test]
fn advanced_indexing_masks_nonzero() {
    run_group(FILE, "advanced", run);
}

#[test]
fn sort_topk_kthvalue_median() {
    run_group(FILE, "sort", run);
}

#[test]
fn unique_bincount_searchsorted() {
    run_group(FILE, "unique", run);
}

fn t32(v: Vec<f32>, shape: &[i64]) -> Tensor {
    Tensor::from_vec(v, shape).unwrap()
}

/// index_put_ with accumulate writes into the tensor itself (duplicates add up), and the
/// in-place scatter_/index_add_ variants modify their first argument.
#[test]
fn inplace_variants_write_through() {
    let x = Tensor::zeros(&[4], DType::F32, Device::Cpu).unwrap();
    let idx = Tensor::from_vec(vec![1i64, 1, 3], &[3]).unwrap();
    let v = t32(vec![1.0, 2.0, 5.0], &[3]);
    N::index_put_(&x, &[Some(idx.clone())], &v, true).unwrap();
    assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.0, 3.0, 0.0, 5.0]);
    let view = x.narrow(0, 1, 3).unwrap();
    N::index_put_(&view, &[Some(Tensor::from_vec(vec![0i64], &[1]).unwrap())], &t32(vec![-1.0], &[1]), false).unwrap();
    assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.0, -1.0, 0.0, 5.0]);
    let y = Tensor::zeros(&[2, 2], DType::F32, Device::Cpu).unwrap();
    N::index_add_(&y, 0, &Tensor::from_vec(vec![1i64], &[1]).unwrap(), &t32(vec![1.0, 2.0], &[1, 2])).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 0.0, 1.0, 2.0]);
    N::scatter_value_(&y, 1, &Tensor::from_vec(vec![0i64, 1], &[2, 1]).unwrap(), &Scalar::Float(7.0)).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![7.0, 0.0, 1.0, 7.0]);
}

/// randperm is a permutation; multinomial respects zero weights and, without replacement,
/// never repeats a category.
#[test]
fn random_sampling_properties() {
    torchrs::tensor::random::manual_seed(3);
    let p = N::randperm(50, DType::I64, Device::Cpu).unwrap();
    let mut v = p.to_vec::<i64>().unwrap();
    v.sort();
    assert_eq!(v, (0..50).collect::<Vec<_>>());
    let w = t32(vec![0.0, 1.0, 3.0, 0.0, 1.0, 0.0], &[2, 3]);
    let s = N::multinomial(&w, 2000, true).unwrap();
    assert_eq!(&s.shape()[..], &[2, 2000]);
    let sv = s.to_vec::<i64>().unwrap();
    assert!(sv[..2000].iter().all(|&k| k == 1 || k == 2));
    let twos = sv[..2000].iter().filter(|&&k| k == 2).count();
    assert!((1350..1650).contains(&twos), "{twos} draws of a 3/4 category");
    assert!(sv[2000..].iter().all(|&k| k == 1));
    let u = N::multinomial(&t32(vec![1.0; 6], &[6]), 6, false).unwrap();
    let mut uv = u.to_vec::<i64>().unwrap();
    uv.sort();
    assert_eq!(uv, (0..6).collect::<Vec<_>>());
    // PyTorch draws zero-weight categories last once the positive ones are used up
    let z = N::multinomial(&t32(vec![1.0, 0.0], &[2]), 2, false).unwrap();
    assert_eq!(z.to_vec::<i64>().unwrap(), vec![0, 1]);
    let e = N::multinomial(&t32(vec![0.0, 0.0], &[2]), 1, false).unwrap_err().to_string();
    assert!(e.contains("sum of probabilities <= 0"), "{e}");
    assert!(N::multinomial(&t32(vec![1.0, 0.0], &[2]), 3, false).is_err());
}

/// Large contiguous index_select and gather (fast paths) agree with per-element references.
#[test]
fn large_select_and_gather() {
    let n = 2000i64;
    let x = Tensor::from_vec((0..n * 64).map(|v| v as f32).collect(), &[n, 64]).unwrap();
    let idx: Vec<i64> = (0..5000).map(|k| (k * 7919) % n).collect();
    let it = Tensor::from_vec(idx.clone(), &[5000]).unwrap();
    let r = N::index_select(&x, 0, &it).unwrap().to_vec::<f32>().unwrap();
    for (row, &k) in idx.iter().enumerate().step_by(97) {
        assert_eq!(r[row * 64 + 5], (k * 64 + 5) as f32);
    }
    let gi = Tensor::from_vec((0..n * 64).map(|v| (v * 31) % 64).collect::<Vec<i64>>(), &[n, 64]).unwrap();
    let g = N::gather(&x, 1, &gi, false).unwrap().to_vec::<f32>().unwrap();
    for k in (0..(n * 64) as usize).step_by(101) {
        let row = k as i64 / 64;
        assert_eq!(g[k], (row * 64 + (k as i64 * 31) % 64) as f32);
    }
    // an out-of-range index deep in a large (threaded) gather: PyTorch's error, nothing read
    let mut bad: Vec<i64> = (0..n * 64).map(|v| (v * 31) % 64).collect();
    bad[100_003] = 64;
    let e = N::gather(&x, 1, &Tensor::from_vec(bad, &[n, 64]).unwrap(), false).unwrap_err();
    assert!(e.to_string().contains("index 64 is out of bounds for dimension 1 with size 64"), "{e}");
    let empty = Tensor::from_vec(Vec::<f32>::new(), &[3, 0]).unwrap();
    let e = N::gather(&empty, 1, &Tensor::from_vec(vec![0i64; 3], &[3, 1]).unwrap(), false).unwrap_err();
    assert!(e.to_string().contains("index 0 is out of bounds for dimension 1 with size 0"), "{e}");
}

/// index_put_ on a non-leaf that requires grad: the overwritten positions get no gradient,
/// the values get theirs (torch: x = [1,2,3,4] * 1; y[[0, 2]] = v; (y * w).sum()).
#[test]
fn index_put_inplace_backward() {
    let x = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[4]).unwrap();
    x.set_requires_grad(true).unwrap();
    let v = Tensor::from_vec(vec![10.0f64, 20.0], &[2]).unwrap();
    v.set_requires_grad(true).unwrap();
    let y = N::mul_scalar(&x, &Scalar::Int(1)).unwrap();
    let idx = Tensor::from_vec(vec![0i64, 2], &[2]).unwrap();
    N::index_put_(&y, &[Some(idx)], &v, false).unwrap();
    assert_eq!(y.to_vec::<f64>().unwrap(), vec![10.0, 2.0, 20.0, 4.0]);
    let w = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[4]).unwrap();
    let loss = N::sum(&N::mul(&y, &w).unwrap(), None).unwrap();
    torchrs::autograd::engine::backward(&loss, None, false, false).unwrap();
    assert_eq!(x.grad().unwrap().to_vec::<f64>().unwrap(), vec![0.0, 2.0, 0.0, 4.0]);
    assert_eq!(v.grad().unwrap().to_vec::<f64>().unwrap(), vec![1.0, 3.0]);
}

/// topk and kthvalue with a small k (the insertion path) pick the same values and indices as the
/// prefix of a stable sort, with ties and NaN in long rows, along either dim.
#[test]
fn small_k_selection_matches_sorted_prefix() {
    let (rows, n) = (3usize, 2000usize);
    let v: Vec<f32> = (0..rows * n)
        .map(|i| if i % 97 == 5 { f32::NAN } else { ((i * 7919) % 23) as f32 - 11.0 })
        .collect();
    let x = t32(v, &[rows as i64, n as i64]);
    for (t, dim) in [(x.clone(), 1i64), (x.transpose(0, 1).unwrap(), 0)] {
        for largest in [true, false] {
            let (sv, si) = N::sort(&t, dim, largest).unwrap();
            for k in [1i64, 5, 16] {
                let (tv, ti) = N::topk(&t, k, dim, largest, true).unwrap();
                let pv = sv.narrow(dim, 0, k).unwrap().contiguous().unwrap();
                let pi = si.narrow(dim, 0, k).unwrap().contiguous().unwrap();
                assert_eq!(ti.to_vec::<i64>().unwrap(), pi.to_vec::<i64>().unwrap(), "topk k={k} largest={largest} dim={dim}");
                let (a, b) = (tv.to_vec::<f32>().unwrap(), pv.to_vec::<f32>().unwrap());
                assert!(a.iter().zip(&b).all(|(p, q)| p == q || (p.is_nan() && q.is_nan())), "topk values k={k}");
            }
            if !largest {
                let (kv, ki) = N::kthvalue(&t, 4, dim, false).unwrap();
                let pi = si.narrow(dim, 3, 1).unwrap().contiguous().unwrap();
                assert_eq!(ki.to_vec::<i64>().unwrap(), pi.to_vec::<i64>().unwrap(), "kthvalue dim={dim}");
                assert_eq!(kv.numel(), if dim == 1 { rows } else { rows });
            }
        }
    }
}

/// index_select on a large contiguous input along each dim (single-element gathers, row copies,
/// threaded) equals picking the elements one by one, with repeated indices.
#[test]
fn large_index_select_matches_elementwise_pick() {
    let shape = [40i64, 70, 90];
    let n: i64 = shape.iter().product();
    let x = Tensor::from_vec((0..n).map(|i| i as f32).collect::<Vec<_>>(), &shape).unwrap();
    for dim in 0..3usize {
        let size = shape[dim];
        let picks: Vec<i64> = (0..size + 5).map(|j| (j * 13) % size).collect();
        let idx = Tensor::from_vec(picks.clone(), &[picks.len() as i64]).unwrap();
        let got = N::index_select(&x, dim as i64, &idx).unwrap();
        let mut os = shape;
        os[dim] = picks.len() as i64;
        assert_eq!(&got.shape()[..], &os[..]);
        let g = got.to_vec::<f32>().unwrap();
        let mut k = 0;
        for a in 0..os[0] {
            for b in 0..os[1] {
                for c in 0..os[2] {
                    let mut src = [a, b, c];
                    src[dim] = picks[src[dim] as usize];
                    let want = ((src[0] * shape[1] + src[1]) * shape[2] + src[2]) as f32;
                    assert_eq!(g[k], want, "dim {dim} at {a},{b},{c}");
                    k += 1;
                }
            }
        }
    }
}
