//! Triangular solves, the Cholesky family, matrix_power, SVD, symmetric eigendecomposition and
//! what is built on them (svdvals, pinv, matrix_rank, 2- and nuclear norms, cond), and QR's
//! gradient against PyTorch (tests/fixtures/decomp.json, written by
//! tools/fixtures/gen_decomp.py): values, gradients of sign-independent losses, error messages;
//! plus the factors' own identities (U S V^T = A, orthonormal U and V, V L V^T = A) and a
//! gradient of a gradient against central differences.

use crate::common::{assert_close, fixture, num, tensor};
use serde_json::Value;
use torchrs::autograd::engine::run;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Scalar, Tensor};

type Outs = torchrs::error::Result<Vec<Tensor>>;

fn arg_bool(a: &Value, k: &str) -> bool {
    a[k].as_bool().unwrap_or_else(|| panic!("argument {k}"))
}

fn sq(t: &Tensor) -> torchrs::error::Result<Tensor> {
    N::mul(t, t)
}

/// The Rust side of gen_decomp.py's OPS table.
fn run_op(op: &str, x: &[Tensor], a: &Value) -> Outs {
    Ok(match op {
        "solve_triangular" => vec![N::linalg_solve_triangular(&x[0], &x[1], arg_bool(a, "upper"), arg_bool(a, "left"), arg_bool(a, "unit"))?],
        "triangular_solve" => vec![N::triangular_solve(&x[1], &x[0], arg_bool(a, "upper"), arg_bool(a, "transpose"), arg_bool(a, "unit"))?.0],
        "cholesky" => vec![N::linalg_cholesky(&x[0], arg_bool(a, "upper"))?],
        "cholesky_ex_info" => vec![N::linalg_cholesky_ex(&x[0], false, false)?.1],
        "cholesky_solve" => vec![N::cholesky_solve(&x[1], &x[0], arg_bool(a, "upper"))?],
        "cholesky_inverse" => vec![N::cholesky_inverse(&x[0], arg_bool(a, "upper"))?],
        "matrix_power" => vec![N::linalg_matrix_power(&x[0], a["n"].as_i64().unwrap())?],
        "svd_sq" => {
            let (u, s, vh) = N::linalg_svd(&x[0], arg_bool(a, "full"), "")?;
            vec![sq(&u)?, s, sq(&vh)?]
        }
        "svdvals" => vec![N::linalg_svdvals(&x[0], "")?],
        "eigh_sq" => {
            let (l, v) = N::linalg_eigh(&x[0], a["uplo"].as_str().unwrap())?;
            vec![l, sq(&v)?]
        }
        "eigvalsh" => vec![N::linalg_eigvalsh(&x[0], a["uplo"].as_str().unwrap())?],
        "pinv" => vec![N::linalg_pinv_atol_rtol_float(&x[0], None, None, arg_bool(a, "hermitian"))?],
        "matrix_rank" => vec![N::linalg_matrix_rank_atol_rtol_float(&x[0], None, None, arg_bool(a, "hermitian"))?],
        "matrix_rank_tol" => vec![N::linalg_matrix_rank_atol_rtol_float(&x[0], a["atol"].as_f64(), a["rtol"].as_f64(), false)?],
        "norm" => vec![N::linalg_norm(&x[0], &Scalar::Float(num(&a["ord"])), Some(&[-2, -1][..]), false, None)?],
        "norm_str" => vec![N::linalg_norm_ord_str(&x[0], a["ord"].as_str().unwrap(), Some(&[-2, -1][..]), false, None)?],
        "cond" => vec![match a["p"].as_f64() {
            None if a["p"].is_null() => N::linalg_cond(&x[0], &Scalar::Float(2.0))?,
            _ => N::linalg_cond(&x[0], &Scalar::Float(num(&a["p"])))?,
        }],
        "qr" => {
            let (q, r) = N::linalg_qr(&x[0], a["mode"].as_str().unwrap())?;
            vec![q, r]
        }
        "matrix_exp" => vec![N::linalg_matrix_exp(&x[0])?],
        "lstsq" => {
            let (sol, res, rank, sv) = N::linalg_lstsq(&x[0], &x[1], None, a["driver"].as_str().unwrap())?;
            vec![sol, res, rank, sv]
        }
        "lu_factor" => {
            let (lu, piv) = N::linalg_lu_factor(&x[0], true)?;
            vec![lu, piv]
        }
        "lu_factor_ex" => {
            let (lu, piv, info) = N::linalg_lu_factor_ex(&x[0], true, false)?;
            vec![lu, piv, info]
        }
        "lu" => {
            let (p, l, u) = N::linalg_lu(&x[0], true)?;
            vec![p, l, u]
        }
        "lu_solve" => {
            let (lu, piv) = N::linalg_lu_factor(&x[0], true)?;
            vec![N::linalg_lu_solve(&lu, &piv, &x[1], arg_bool(a, "left"), arg_bool(a, "adjoint"))?]
        }
        _ => panic!("unknown op {op}"),
    })
}

fn tol(v: &Value) -> (f64, f64) {
    if v["dtype"] == "float32" { (2e-4, 2e-5) } else { (1e-9, 1e-11) }
}

/// One fixture case: its outputs and, when the fixture has them, its gradients.
fn check_case(i: usize, c: &Value) {
    let op = c["op"].as_str().unwrap();
    let what = format!("case {i}: {op} {}", c["args"]);
    let xs: Vec<Tensor> = c["inputs"].as_array().unwrap().iter().map(tensor).collect();
    let grad = c.get("grads").is_some();
    let float_inputs: Vec<Tensor> = xs.iter().filter(|t| t.dtype().is_float()).cloned().collect();
    if grad {
        float_inputs.iter().for_each(|t| t.set_requires_grad(true).unwrap());
    }
    let outs = run_op(op, &xs, &c["args"]).unwrap_or_else(|e| panic!("{what}: {e}"));
    for (k, (o, want)) in outs.iter().zip(c["outputs"].as_array().unwrap()).enumerate() {
        let (rtol, atol) = tol(want);
        assert_close(&format!("{what}: output {k}"), o, want, rtol, atol);
    }
    if grad {
        let weights = c["weights"].as_array().unwrap();
        let pairs: Vec<(Tensor, Tensor)> =
            outs.into_iter().zip(weights).filter(|(_, w)| !w.is_null()).map(|(o, w)| (o, tensor(w))).collect();
        let gs = run(&pairs, Some(&float_inputs), false, false).unwrap_or_else(|e| panic!("{what}: backward: {e}"));
        for (k, (g, want)) in gs.iter().zip(c["grads"].as_array().unwrap()).enumerate() {
            let (rtol, atol) = tol(want);
            let g = g.as_ref().unwrap_or_else(|| panic!("{what}: no gradient for input {k}"));
            assert_close(&format!("{what}: gradient {k}"), g, want, rtol * 10.0, atol * 10.0);
        }
    }
}

/// Every case of the fixture (all run; the failures are reported together).
#[test]
fn decompositions_match_pytorch() {
    let fx = fixture("decomp.json");
    let failed: Vec<String> = fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            std::panic::catch_unwind(|| check_case(i, c)).err().map(|e| {
                e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
            })
        })
        .collect();
    assert!(failed.is_empty(), "{} cases failed:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn decomposition_errors_match_pytorch() {
    let fx = fixture("decomp.json");
    let f64t = |v: Vec<f64>, s: &[i64]| Tensor::from_vec(v, s).unwrap();
    let eye = |n: i64| N::eye(n, DType::F64, Device::Cpu).unwrap();
    let rand = |s: &[i64]| N::randn(s, DType::F64, Device::Cpu).unwrap();
    let batch = N::stack(&[eye(2), N::neg(&eye(2)).unwrap()], 0).unwrap();
    let qr_grad = |mode: &str| {
        let a = rand(&[3, 2]);
        a.set_requires_grad(true).unwrap();
        let (q, r) = N::linalg_qr(&a, mode).unwrap();
        let y = N::sum(&if mode == "r" { r } else { q }, None).unwrap();
        torchrs::autograd::engine::backward(&y, None, false, false).map(|_| eye(1))
    };
    let cases: Vec<(&str, torchrs::error::Result<Tensor>)> = vec![
        ("cholesky_not_pd", N::linalg_cholesky(&f64t(vec![1.0, 2.0, 2.0, 1.0], &[2, 2]), false)),
        ("cholesky_not_pd_batch", N::linalg_cholesky(&batch, false)),
        ("cholesky_not_square", N::linalg_cholesky(&rand(&[2, 3]), false)),
        ("cholesky_int", N::linalg_cholesky(&Tensor::ones(&[2, 2], DType::I64, Device::Cpu).unwrap(), false)),
        ("solve_triangular_shapes", N::linalg_solve_triangular(&eye(3), &rand(&[2, 2]), true, true, false)),
        ("cholesky_solve_dtypes", N::cholesky_solve(&N::randn(&[3, 2], DType::F32, Device::Cpu).unwrap(), &eye(3), false)),
        ("cholesky_solve_1d", N::cholesky_solve(&rand(&[3]), &eye(3), false)),
        ("cholesky_inverse_not_square", N::cholesky_inverse(&rand(&[2, 3]), false)),
        ("matrix_exp_not_square", N::matrix_exp(&rand(&[2, 3]))),
        ("lstsq_dtypes", N::linalg_lstsq(&rand(&[5, 3]), &N::randn(&[5, 2], DType::F32, Device::Cpu).unwrap(), None, "").map(|r| r.0)),
        ("lstsq_rows", N::linalg_lstsq(&rand(&[5, 3]), &rand(&[4, 2]), None, "").map(|r| r.0)),
        ("lstsq_driver", N::linalg_lstsq(&rand(&[5, 3]), &rand(&[5, 2]), None, "foo").map(|r| r.0)),
        ("matrix_power_not_square", N::linalg_matrix_power(&rand(&[2, 3]), 2)),
        ("eigh_not_square", N::linalg_eigh(&rand(&[2, 3]), "L").map(|p| p.0)),
        ("eigh_uplo", N::linalg_eigh(&eye(2), "X").map(|p| p.0)),
        ("svd_1d", N::linalg_svd(&rand(&[3]), true, "").map(|p| p.1)),
        ("svd_int", N::linalg_svd(&Tensor::ones(&[2, 2], DType::I64, Device::Cpu).unwrap(), true, "").map(|p| p.1)),
        ("cond_not_square", N::linalg_cond(&rand(&[2, 3]), &Scalar::Float(1.0))),
        ("qr_r_backward", qr_grad("r")),
        ("qr_complete_backward", qr_grad("complete")),
    ];
    for (name, r) in cases {
        let want = fx["errors"][name].as_str().unwrap_or_else(|| panic!("no error {name} in the fixture"));
        match r {
            Ok(_) => panic!("{name}: expected the error {want:?}"),
            Err(e) => assert!(e.to_string().contains(want), "{name}: {e} instead of {want:?}"),
        }
    }
}

/// The full SVD rebuilds A with orthonormal U and V (square, tall, wide, rank-deficient, f32
/// and a batch), and eigh's V diag(L) V^T rebuilds a symmetric A.
#[test]
fn factors_rebuild_their_matrix() {
    let close = |what: &str, a: &Tensor, b: &Tensor, tol: f64| {
        let d = N::max(&N::abs(&N::sub(a, b).unwrap()).unwrap()).unwrap().to_vec::<f64>().unwrap()[0];
        assert!(d < tol, "{what}: off by {d}");
    };
    let rank2 = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 2.0, 4.0, 6.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0], &[4, 3]).unwrap();
    let inputs = [
        N::randn(&[5, 5], DType::F64, Device::Cpu).unwrap(),
        N::randn(&[7, 3], DType::F64, Device::Cpu).unwrap(),
        N::randn(&[2, 6], DType::F64, Device::Cpu).unwrap(),
        rank2.clone(),
        N::t(&rank2).unwrap(),
        N::randn(&[3, 4, 2], DType::F32, Device::Cpu).unwrap(),
    ];
    for a in &inputs {
        let tol = if a.dtype() == DType::F32 { 1e-5 } else { 1e-12 };
        for full in [false, true] {
            let (u, s, vh) = N::linalg_svd(a, full, "").unwrap();
            let (m, n) = (a.shape()[a.dim() - 2], a.shape()[a.dim() - 1]);
            let k = m.min(n);
            let us = N::mul(&N::narrow(&u, -1, 0, k).unwrap(), &N::unsqueeze(&s, -2).unwrap()).unwrap();
            let rebuilt = N::matmul(&us, &N::narrow(&vh, -2, 0, k).unwrap()).unwrap();
            close(&format!("U S V^T of {:?} full={full}", a.shape()), &rebuilt, a, tol);
            let eye = |t: &Tensor| N::expand_as(&N::eye(t.shape()[t.dim() - 1], a.dtype(), Device::Cpu).unwrap(), t).unwrap();
            let utu = N::matmul(&N::transpose(&u, -2, -1).unwrap(), &u).unwrap();
            close("U^T U", &utu, &eye(&utu), tol);
            let vvt = N::matmul(&vh, &N::transpose(&vh, -2, -1).unwrap()).unwrap();
            close("V^T V", &vvt, &eye(&vvt), tol);
        }
    }
    let b = N::randn(&[2, 5, 5], DType::F64, Device::Cpu).unwrap();
    let sym = N::add(&b, &N::transpose(&b, -2, -1).unwrap()).unwrap();
    let (l, v) = N::linalg_eigh(&sym, "L").unwrap();
    let rebuilt = N::matmul(&N::mul(&v, &N::unsqueeze(&l, -2).unwrap()).unwrap(), &N::transpose(&v, -2, -1).unwrap()).unwrap();
    close("V L V^T", &rebuilt, &sym, 1e-12);
}

/// The gradient of a gradient through cholesky (its rule is made of triangular solves, each
/// differentiable) against central differences of the first gradient.
#[test]
fn cholesky_gradient_of_gradient_matches_differences() {
    let a0 = Tensor::from_vec(vec![4.0f64, 1.0, 0.5, 1.0, 3.0, -0.2, 0.5, -0.2, 2.0], &[3, 3]).unwrap();
    let w = Tensor::from_vec(vec![0.3f64, -1.2, 0.7, 0.4, 1.1, -0.5, 0.9, 0.2, -0.8], &[3, 3]).unwrap();
    // f(A) = <d/dA sum(w * chol(A)), w>
    let f = |a: &Tensor, create: bool| -> (Tensor, Tensor) {
        let x = N::detach(a).unwrap();
        x.set_requires_grad(true).unwrap();
        let l = N::linalg_cholesky(&x, false).unwrap();
        let g = run(&[(l, w.clone())], Some(&[x.clone()]), create, create).unwrap()[0].clone().unwrap();
        (x, N::sum(&N::mul(&g, &w).unwrap(), None).unwrap())
    };
    let (x, y) = f(&a0, true);
    let gg = run(&[(y, Tensor::from_vec(vec![1.0f64], &[]).unwrap())], Some(&[x]), false, false).unwrap()[0].clone().unwrap();
    let gg = gg.to_vec::<f64>().unwrap();
    let base = a0.to_vec::<f64>().unwrap();
    // the rule returns a symmetric gradient while the factor reads only the lower triangle:
    // a difference in a_ij (i > j) matches gg_ij + gg_ji
    let h = 1e-6;
    for i in 0..3 {
        for j in 0..=i {
            let k = i * 3 + j;
            let shifted = |d: f64| {
                let mut v = base.clone();
                v[k] += d;
                f(&Tensor::from_vec(v, &[3, 3]).unwrap(), false).1.to_vec::<f64>().unwrap()[0]
            };
            let fd = (shifted(h) - shifted(-h)) / (2.0 * h);
            let want = if i == j { gg[k] } else { gg[k] + gg[j * 3 + i] };
            assert!((fd - want).abs() < 1e-6 * (1.0 + fd.abs()), "element ({i}, {j}): {want} vs {fd}");
        }
    }
}
