//! LU-based linear algebra (det, slogdet, logdet, inverse, solve), the distances and
//! products (dist, cdist, pdist, pairwise_distance, cosine_similarity, triplet_margin_loss,
//! kron, cross) and the composed statistics (cov, corrcoef, nanmean, trapezoid, tensordot,
//! block_diag, cartesian_prod, bucketize) against PyTorch (tests/fixtures/linalg.json, written by
//! tools/fixtures/gen_linalg.py): values, gradients and error messages.

use crate::common::{assert_close, fixture, tensor};
use serde_json::Value;
use torchrs::autograd::engine::run;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::Tensor;

type R = torchrs::error::Result<Tensor>;

fn tol(v: &Value) -> (f64, f64) {
    if v["dtype"] == "float64" { (1e-10, 1e-12) } else { (2e-5, 1e-5) }
}

fn unary(op: &str, x: &Tensor) -> R {
    match op {
        "det" => N::det(x),
        "logdet" => N::logdet(x),
        "slogdet_sign" => N::slogdet(x).map(|p| p.0),
        "slogdet_log" => N::linalg_slogdet(x).map(|p| p.1),
        "inverse" => N::linalg_inv(x),
        _ => panic!("unknown op {op}"),
    }
}

#[test]
fn lu_ops_match_pytorch() {
    let fx = fixture("linalg.json");
    for e in fx["cases"].as_array().unwrap() {
        let (op, m) = (e["op"].as_str().unwrap(), e["input"].as_str().unwrap());
        let mut x = tensor(&fx["mats"][m]);
        if e["view"] == "t" {
            x = N::t(&x).unwrap();
        }
        let y = unary(op, &x).unwrap_or_else(|err| panic!("{op}({m}): {err}"));
        let (rtol, atol) = tol(&e["expected"]);
        assert_close(&format!("{op}({m})"), &y, &e["expected"], rtol, atol);
    }
    for e in fx["solves"].as_array().unwrap() {
        let a = tensor(&fx["mats"][e["a"].as_str().unwrap()]);
        let b = tensor(&e["b"]);
        let left = e["left"].as_bool().unwrap();
        let y = N::linalg_solve(&a, &b, left).unwrap();
        let (rtol, atol) = tol(&e["expected"]);
        assert_close(&format!("solve({:?}, {:?}, left={left})", a.shape(), b.shape()), &y, &e["expected"], rtol, atol);
    }
}

#[test]
fn lu_gradients_match_pytorch() {
    let fx = fixture("linalg.json");
    for e in fx["grads"].as_array().unwrap() {
        let op = e["op"].as_str().unwrap();
        let x = tensor(&e["input"]);
        x.set_requires_grad(true).unwrap();
        let y = unary(op, &x).unwrap();
        let g = run(&[(y, tensor(&e["grad_output"]))], Some(&[x.clone()]), false, false).unwrap();
        assert_close(&format!("d {op}"), g[0].as_ref().unwrap(), &e["expected"], 1e-9, 1e-11);
    }
    for e in fx["solve_grads"].as_array().unwrap() {
        let (a, b) = (tensor(&e["a"]), tensor(&e["b"]));
        a.set_requires_grad(true).unwrap();
        b.set_requires_grad(true).unwrap();
        let y = N::linalg_solve(&a, &b, e["left"].as_bool().unwrap()).unwrap();
        let g = run(&[(y, tensor(&e["grad_output"]))], Some(&[a.clone(), b.clone()]), false, false).unwrap();
        assert_close("d solve / dA", g[0].as_ref().unwrap(), &e["ga"], 1e-9, 1e-11);
        assert_close("d solve / dB", g[1].as_ref().unwrap(), &e["gb"], 1e-9, 1e-11);
    }
}

/// The gradient of the gradient of det (through the inverse's own rule) against central
/// differences of the first gradient.
#[test]
fn det_gradient_of_gradient_matches_differences() {
    let a0 = vec![1.2f64, -0.3, 0.5, 0.4, 2.0, -1.1, 0.7, 0.2, 1.5];
    let grad_at = |v: &[f64], create: bool| -> (Tensor, Tensor) {
        let x = Tensor::from_vec(v.to_vec(), &[3, 3]).unwrap();
        x.set_requires_grad(true).unwrap();
        let d = N::det(&x).unwrap();
        let g = run(&[(d, Tensor::from_vec(vec![1.0f64], &[]).unwrap())], Some(&[x.clone()]), create, create).unwrap();
        (x, g[0].clone().unwrap())
    };
    let (x, g) = grad_at(&a0, true);
    let w = Tensor::from_vec((0..9).map(|i| (i as f64 * 0.37).sin()).collect::<Vec<_>>(), &[3, 3]).unwrap();
    let gg = run(&[(g, w.clone())], Some(&[x]), false, false).unwrap()[0].clone().unwrap().to_vec::<f64>().unwrap();
    let wv = w.to_vec::<f64>().unwrap();
    for k in 0..9 {
        let h = 1e-6;
        let (mut p, mut m) = (a0.clone(), a0.clone());
        p[k] += h;
        m[k] -= h;
        let (gp, gm) = (grad_at(&p, false).1.to_vec::<f64>().unwrap(), grad_at(&m, false).1.to_vec::<f64>().unwrap());
        let fd: f64 = (0..9).map(|j| (gp[j] - gm[j]) / (2.0 * h) * wv[j]).sum();
        assert!((fd - gg[k]).abs() < 1e-6, "element {k}: {} vs differences {fd}", gg[k]);
    }
}

fn distance(op: &str, a: &[Tensor]) -> R {
    match op {
        "dist" => N::dist(&a[0], &a[1]),
        "cdist_p2" => N::cdist(&a[0], &a[1], 2.0, None),
        "cdist_p1" => N::cdist(&a[0], &a[1], 1.0, None),
        "cdist_pinf" => N::cdist(&a[0], &a[1], f64::INFINITY, None),
        "cdist_p3" => N::cdist(&a[0], &a[1], 3.0, None),
        "pdist" => N::pdist(&a[0], 2.0),
        "pdist_p1" => N::pdist(&a[0], 1.0),
        "pairwise_distance" => N::pairwise_distance(&a[0], &a[1], 2.0, 1e-6, false),
        "pairwise_distance_keep" => N::pairwise_distance(&a[0], &a[1], 1.5, 1e-6, true),
        "cosine_similarity" => N::cosine_similarity(&a[0], &a[1], 1, 1e-8),
        "cosine_similarity_dim0" => N::cosine_similarity(&a[0], &a[1], 0, 1e-8),
        "cosine_similarity_zero" => N::cosine_similarity(&a[0], &a[1], 1, 1e-8),
        "triplet" => N::triplet_margin_loss(&a[0], &a[1], &a[2], 1.0, 2.0, 1e-6, false, 1),
        "triplet_swap" => N::triplet_margin_loss(&a[0], &a[1], &a[2], 2.0, 1.0, 1e-6, true, 2),
        "kron" | "kron_1d2d" | "kron_3d" | "kron_int" => N::kron(&a[0], &a[1]),
        "cross" => N::linalg_cross(&a[0], &a[1], -1),
        "cross_dim0" => N::linalg_cross(&a[0], &a[1], 0),
        "cross_nodim" => N::cross(&a[0], &a[1], None),
        "cov" | "cov_1d" => N::cov(&a[0], 1, None, None),
        "cov_weights" => N::cov(&a[0], 1, Some(&a[1]), Some(&a[2])),
        "corrcoef" => N::corrcoef(&a[0]),
        "nanmean" => N::nanmean(&a[0], Some(&[1]), false, None),
        "trapezoid" => N::trapezoid(&a[0], -1),
        "trapezoid_x" => N::trapezoid_x(&a[0], &a[1], -1),
        "trapz_dx" => N::trapz_dx(&a[0], 0.5, 0),
        "tensordot" => N::tensordot(&a[0], &a[1], &[1, 2], &[1, 0]),
        "block_diag" => N::block_diag(a),
        "cartesian_prod" => N::cartesian_prod(a),
        "bucketize" => N::bucketize(&a[0], &a[1], false, false),
        "bucketize_right" => N::bucketize(&a[0], &a[1], true, true),
        _ => panic!("unknown op {op}"),
    }
}

#[test]
fn distances_and_products_match_pytorch() {
    let fx = fixture("linalg.json");
    for e in fx["distances"].as_array().unwrap() {
        let op = e["op"].as_str().unwrap();
        let args: Vec<Tensor> = e["args"].as_array().unwrap().iter().map(tensor).collect();
        let y = distance(op, &args).unwrap_or_else(|err| panic!("{op}: {err}"));
        let (rtol, atol) = tol(&e["expected"]);
        assert_close(op, &y, &e["expected"], rtol, atol);
        if e.get("grads").is_none() {
            continue;
        }
        for a in &args {
            a.set_requires_grad(true).unwrap();
        }
        let y = distance(op, &args).unwrap();
        let g = run(&[(y, tensor(&e["grad_output"]))], Some(&args), false, false).unwrap();
        for (i, want) in e["grads"].as_array().unwrap().iter().enumerate() {
            assert_close(&format!("d {op} / d arg {i}"), g[i].as_ref().unwrap(), want, 1e-9, 1e-11);
        }
    }
}

#[test]
fn errors_match_pytorch() {
    let fx = fixture("linalg.json");
    let ones = |s: &[i64]| Tensor::ones(s, torchrs::DType::F32, torchrs::Device::Cpu).unwrap();
    let eye2 = N::eye(2, torchrs::DType::F32, torchrs::Device::Cpu).unwrap();
    let cases: Vec<(&str, R)> = vec![
        ("det_nonsquare", N::det(&ones(&[2, 3]))),
        ("det_1d", N::det(&ones(&[3]))),
        ("det_int", N::det(&Tensor::ones(&[2, 2], torchrs::DType::I64, torchrs::Device::Cpu).unwrap())),
        ("det_half", N::det(&Tensor::ones(&[2, 2], torchrs::DType::F16, torchrs::Device::Cpu).unwrap())),
        ("inverse_singular", N::inverse(&ones(&[2, 2]))),
        ("inverse_batch_singular", N::linalg_inv(&Tensor::zeros(&[2, 3, 3], torchrs::DType::F32, torchrs::Device::Cpu).unwrap())),
        ("solve_singular", N::linalg_solve(&ones(&[2, 2]), &ones(&[2]), true)),
        ("solve_shapes", N::linalg_solve(&eye2, &ones(&[3, 1]), true)),
        ("solve_dtypes", N::linalg_solve(&eye2, &Tensor::ones(&[2], torchrs::DType::F64, torchrs::Device::Cpu).unwrap(), true)),
        ("cross_len", N::linalg_cross(&ones(&[2, 4]), &ones(&[2, 4]), -1)),
        ("cdist_cols", N::cdist(&ones(&[2, 3]), &ones(&[2, 4]), 2.0, None)),
    ];
    for (name, r) in cases {
        let want = fx["errors"][name].as_str().unwrap();
        match r {
            Ok(_) => panic!("{name}: expected the error {want:?}"),
            Err(e) => assert_eq!(e.to_string(), want, "{name}"),
        }
    }
}
