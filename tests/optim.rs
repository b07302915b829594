//! Optimizer trajectories equal torch.optim's over 5 steps (fixtures from tools/fixtures/gen_optim.py).

use crate::common;

use torchrs::optim::{Algorithm, Optimizer, Options};
use torchrs::{DType, Tensor};

fn options(alg: &str, o: &serde_json::Value) -> (Algorithm, Options) {
    let f = |k: &str, d: f64| o.get(k).and_then(|v| v.as_f64()).unwrap_or(d);
    let b = |k: &str| o.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let betas = o.get("betas").and_then(|v| v.as_array()).map(|a| (a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
    let (beta1, beta2) = betas.unwrap_or((0.9, 0.999));
    let alg = match alg {
        "sgd" => Algorithm::Sgd,
        "adam" => Algorithm::Adam,
        "adamw" => Algorithm::AdamW,
        "rmsprop" => Algorithm::RmsProp,
        a => panic!("unknown algorithm {a}"),
    };
    let wd_default = if alg == Algorithm::AdamW { 0.01 } else { 0.0 };
    let eps_default = if alg == Algorithm::RmsProp { 1e-8 } else { 1e-8 };
    let opts = Options {
        lr: f("lr", 1e-3),
        momentum: f("momentum", 0.0),
        dampening: f("dampening", 0.0),
        weight_decay: f("weight_decay", wd_default),
        nesterov: b("nesterov"),
        beta1,
        beta2,
        eps: f("eps", eps_default),
        amsgrad: b("amsgrad"),
        alpha: f("alpha", 0.99),
        centered: b("centered"),
    };
    (alg, opts)
}

#[test]
fn trajectories_match_torch_optim() {
    let fx = common::fixture("optim.json");
    let shape: Vec<i64> = fx["shape"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let p0: Vec<f64> = fx["p0"].as_array().unwrap().iter().map(common::num).collect();
    let grads: Vec<Vec<f64>> =
        fx["grads"].as_array().unwrap().iter().map(|g| g.as_array().unwrap().iter().map(common::num).collect()).collect();
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 30);
    for case in cases {
        let dtype = common::dtype(case["dtype"].as_str().unwrap());
        let (alg, opts) = options(case["algorithm"].as_str().unwrap(), &case["options"]);
        let to = |v: &Vec<f64>| {
            torchrs::ops::convert::to(&Tensor::from_vec(v.clone(), &shape).unwrap(), None, Some(dtype), false).unwrap()
        };
        let p = to(&p0);
        p.set_requires_grad(true).unwrap();
        let mut opt = Optimizer::new(alg, opts.clone()).unwrap();
        opt.add_parameter(&p, 0).unwrap();
        for (step, (g, want)) in grads.iter().zip(case["trajectory"].as_array().unwrap()).enumerate() {
            p.set_grad(Some(to(g)));
            opt.step().unwrap();
            let got = p.to_vec::<f64>().unwrap();
            for (i, (a, w)) in got.iter().zip(want.as_array().unwrap()).enumerate() {
                let w = common::num(w);
                let tol = if dtype == DType::F32 { 1e-6 } else { 1e-12 };
                assert!(
                    (a - w).abs() <= tol * w.abs().max(1e-3),
                    "{alg:?} {opts:?} {dtype:?} step {step} element {i}: got {a}, torch {w}"
                );
            }
        }
    }
}

#[test]
fn groups_take_their_own_learning_rate() {
    let a = Tensor::from_vec(vec![1.0f32, 2.0], &[2]).unwrap();
    let b = Tensor::from_vec(vec![1.0f32, 2.0], &[2]).unwrap();
    let mut opt = Optimizer::new(Algorithm::Sgd, Options { lr: 0.1, ..Options::default() }).unwrap();
    opt.add_parameter(&a, 0).unwrap();
    opt.add_parameter(&b, 2).unwrap();
    assert_eq!(opt.groups.len(), 3);
    opt.group_mut(2).unwrap().options.lr = 1.0;
    assert!(opt.group_mut(3).is_err());
    for t in [&a, &b] {
        t.set_grad(Some(Tensor::from_vec(vec![1.0f32, 1.0], &[2]).unwrap()));
    }
    opt.step().unwrap();
    assert_eq!(a.to_vec::<f32>().unwrap(), vec![0.9, 1.9]);
    assert_eq!(b.to_vec::<f32>().unwrap(), vec![0.0, 1.0]);
    opt.zero_grad();
    assert!(a.grad().is_none());
}
