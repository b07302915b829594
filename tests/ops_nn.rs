//! Losses and layer ops against PyTorch (tests/fixtures/nn.json from tools/fixtures/gen_nn.py):
//! forward values and the gradients of sum(output * w).

use crate::common;

use serde_json::Value;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{Result, Scalar, Tensor};

fn reduction(kw: &Value) -> i64 {
    match kw.get("reduction").and_then(|v| v.as_str()) {
        Some("none") => 0,
        Some("sum") => 2,
        _ => 1,
    }
}

fn run(op: &str, a: &[Tensor], kw: &Value) -> Result<Tensor> {
    let r = reduction(kw);
    match op {
        "mse_loss" => N::mse_loss(&a[0], &a[1], r),
        "l1_loss" => N::l1_loss(&a[0], &a[1], r),
        "smooth_l1_loss" => N::smooth_l1_loss(&a[0], &a[1], r, 0.7),
        "huber_loss" => N::huber_loss(&a[0], &a[1], r, 0.8),
        "binary_cross_entropy" => N::binary_cross_entropy(&a[0], &a[1], Some(&a[2]), r),
        "binary_cross_entropy_with_logits" => N::binary_cross_entropy_with_logits(&a[0], &a[1], Some(&a[2]), Some(&a[3]), r),
        "nll_loss" => N::nll_loss(&a[0], &a[1], Some(&a[2]), r, 1),
        "cross_entropy" => N::cross_entropy_loss(&a[0], &a[1], None, r, -100, 0.0),
        "cross_entropy_smooth" => N::cross_entropy_loss(&a[0], &a[1], Some(&a[2]), r, 3, 0.2),
        "cross_entropy_probs" => N::cross_entropy_loss(&a[0], &a[1], None, r, -100, 0.0),
        "nll_loss2d" => N::nll_loss2d(&a[0], &a[1], None, r, -100),
        "kl_div" => N::kl_div(&a[0], &a[1], r, false),
        "soft_margin_loss" => N::soft_margin_loss(&a[0], &a[1], r),
        "margin_ranking_loss" => N::margin_ranking_loss(&a[0], &a[1], &a[2], 0.3, r),
        "hinge_embedding_loss" => N::hinge_embedding_loss(&a[0], &a[1], 0.9, r),
        "cosine_embedding_loss" => N::cosine_embedding_loss(&a[0], &a[1], &a[2], 0.1, r),
        "poisson_nll_loss" => N::poisson_nll_loss(&a[0], &a[1], true, true, 1e-8, r),
        "linear" => N::linear(&a[0], &a[1], Some(&a[2])),
        "layer_norm" => N::layer_norm(&a[0], &[4, 5], Some(&a[1]), Some(&a[2]), 1e-5, false),
        "batch_norm_train" => N::batch_norm(&a[0], Some(&a[1]), Some(&a[2]), None, None, true, 0.1, 1e-5, false),
        "group_norm" => N::group_norm(&a[0], 2, Some(&a[1]), Some(&a[2]), 1e-5, false),
        "addmm" => N::addmm(&a[0], &a[1], &a[2]),
        "dot" => N::dot(&a[0], &a[1]),
        "outer" => N::outer(&a[0], &a[1]),
        "mv" => N::mv(&a[0], &a[1]),
        "baddbmm" => N::baddbmm(&a[0], &a[1], &a[2], &Scalar::Float(0.5), &Scalar::Float(2.0)),
        "glu" => N::glu(&a[0], kw["dim"].as_i64().unwrap()),
        "prelu" => N::prelu(&a[0], &a[1]),
        "instance_norm" => N::instance_norm(&a[0], Some(&a[1]), Some(&a[2]), None, None, true, 0.1, 1e-5, false),
        "unfold" => N::unfold(&a[0], kw["dim"].as_i64().unwrap(), kw["size"].as_i64().unwrap(), kw["step"].as_i64().unwrap()),
        _ => panic!("unknown op {op}"),
    }
}

#[test]
fn losses_and_layers_match_pytorch() {
    let fx = common::fixture("nn.json");
    let mut failures = vec![];
    for case in fx["cases"].as_array().unwrap() {
        let op = case["op"].as_str().unwrap();
        let what = format!("{op} {}", case["kw"]);
        let grads = case["grads"].as_object().unwrap();
        let args: Vec<Tensor> = case["args"].as_array().unwrap().iter().map(common::tensor).collect();
        for (i, a) in args.iter().enumerate() {
            if grads.contains_key(&i.to_string()) {
                a.set_requires_grad(true).unwrap();
            }
        }
        let out = match run(op, &args, &case["kw"]) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{what}: {e}"));
                continue;
            }
        };
        common::assert_close(&what, &out, &case["out"], 1e-4, 1e-5);
        let n = out.numel() as i64;
        let w = torchrs::ops::convert::to(&Tensor::linspace(0.5, 1.5, n, torchrs::DType::F64, torchrs::Device::Cpu).unwrap(), None, Some(out.dtype()), false).unwrap();
        let w = w.reshape(&out.shape()).unwrap();
        let loss = N::sum(&N::mul(&out, &w).unwrap(), None).unwrap();
        if let Err(e) = torchrs::autograd::engine::backward(&loss, None, false, false) {
            failures.push(format!("{what} backward: {e}"));
            continue;
        }
        for (k, g) in grads {
            let i: usize = k.parse().unwrap();
            let got = args[i].grad().unwrap_or_else(|| panic!("{what}: no grad for arg {i}"));
            common::assert_close(&format!("{what} grad {i}"), &got, g, 1e-4, 1e-5);
        }
    }
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));
}

/// Many small products in one bmm (run one per task) equal the products done one at a time,
/// also with a broadcast (stride 0) batch.
#[test]
fn batched_small_products_match_single_products() {
    use torchrs::ops::{linalg, shape};
    use torchrs::tensor::{DType, Device};
    torchrs::tensor::random::manual_seed(5);
    let a = N::randn(&[48, 40, 72], DType::F32, Device::Cpu).unwrap();
    let b = N::randn(&[48, 72, 56], DType::F32, Device::Cpu).unwrap();
    let shared = N::randn(&[1, 72, 56], DType::F32, Device::Cpu).unwrap();
    let shared_b = N::expand(&shared, &[48, 72, 56], false).unwrap();
    for rhs in [&b, &shared_b] {
        let all = linalg::bmm(&a, rhs).unwrap();
        assert_eq!(&all.shape()[..], &[48, 40, 56]);
        for i in [0i64, 1, 23, 47] {
            let one = linalg::mm(&shape::select(&a, 0, i).unwrap(), &shape::select(rhs, 0, i).unwrap()).unwrap();
            let got = shape::select(&all, 0, i).unwrap().to_vec::<f32>().unwrap();
            let want = one.to_vec::<f32>().unwrap();
            let diff = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0f32, f32::max);
            assert!(diff < 1e-4, "batch {i}: max difference {diff}");
        }
    }
}
