//! Runs the op cases of a fixture file written by tools/fixtures/gen_{reduce,index,join}.py:
//! builds the inputs (applying the case's view to the first), calls the op through the
//! caller's dispatcher, compares outputs or PyTorch's error text, and checks the gradient of
//! sum(out[0] * w) with respect to the first input. Failures are collected, then reported.
#![allow(dead_code)]

use crate::common;
use serde_json::Value;
use torchrs::error::Result;
use torchrs::ops::arith::{binary, BinOp};
use torchrs::ops::shape;
use torchrs::{DType, Tensor};

/// Input tensor of a case: stored values, or `sin(0.37 i + 0.1)` for large inputs.
pub fn input(v: &Value) -> Tensor {
    if v.get("sin").is_some() {
        let shape: Vec<i64> = v["shape"].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect();
        let n: i64 = shape.iter().product();
        let data: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37 + 0.1).sin()).collect();
        let t = Tensor::from_vec(data, &shape).unwrap();
        let dt = common::dtype(v["dtype"].as_str().unwrap());
        return torchrs::ops::convert::to(&t, None, Some(dt), false).unwrap();
    }
    common::tensor(v)
}

/// The case's view of its first input (with autograd, like the PyTorch side).
pub fn apply_view(t: &Tensor, view: &Value) -> Tensor {
    let Some(v) = view.as_array() else { return t.clone() };
    let i = |k: usize| v[k].as_i64().unwrap();
    let list = |k: usize| -> Vec<i64> { v[k].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect() };
    match v[0].as_str().unwrap() {
        "transpose" => shape::transpose(t, i(1), i(2)).unwrap(),
        "slice" => shape::slice(t, i(1), Some(i(2)), Some(i(3)), i(4)).unwrap(),
        "expand" => shape::expand(t, &list(1)).unwrap(),
        "permute" => shape::permute(t, &list(1)).unwrap(),
        other => panic!("unknown view {other}"),
    }
}

/// Tolerances by dtype.
pub fn tol(dt: DType) -> (f64, f64) {
    match dt {
        DType::F16 | DType::BF16 => (1e-2, 1e-3),
        DType::F32 => (2e-5, 2e-6),
        DType::F64 => (1e-10, 1e-12),
        _ => (0.0, 0.0),
    }
}

// ---- argument readers
pub fn i(a: &Value, k: &str) -> i64 {
    a[k].as_i64().unwrap_or_else(|| panic!("arg {k}: {}", a[k]))
}
pub fn f(a: &Value, k: &str) -> f64 {
    common::num(&a[k])
}
pub fn b(a: &Value, k: &str) -> bool {
    a[k].as_bool().unwrap_or_else(|| panic!("arg {k}: {}", a[k]))
}
pub fn s<'a>(a: &'a Value, k: &str) -> &'a str {
    a[k].as_str().unwrap_or_else(|| panic!("arg {k}: {}", a[k]))
}
pub fn opt_i(a: &Value, k: &str) -> Option<i64> {
    a.get(k).and_then(|v| v.as_i64())
}
pub fn ints(a: &Value, k: &str) -> Vec<i64> {
    a[k].as_array().unwrap_or_else(|| panic!("arg {k}: {}", a[k])).iter().map(|d| d.as_i64().unwrap()).collect()
}
pub fn opt_ints(a: &Value, k: &str) -> Option<Vec<i64>> {
    a.get(k).and_then(|v| v.as_array()).map(|l| l.iter().map(|d| d.as_i64().unwrap()).collect())
}
pub fn opt_dtype(a: &Value, k: &str) -> Option<DType> {
    a.get(k).and_then(|v| v.as_str()).map(common::dtype)
}

/// The dispatcher a test file supplies: op name, inputs (first one viewed), args -> outputs.
pub type Dispatch = fn(&str, &[Tensor], &Value) -> Result<Vec<Tensor>>;

fn check_case(case: &Value, run: Dispatch) -> std::result::Result<(), String> {
    let op = case["op"].as_str().unwrap();
    let mut xs: Vec<Tensor> = case["inputs"].as_array().unwrap().iter().map(input).collect();
    let want_grad = case.get("grad").is_some();
    if want_grad {
        xs[0].set_requires_grad(true).unwrap();
    }
    let leaf = xs[0].clone();
    xs[0] = apply_view(&xs[0], &case["view"]);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(op, &xs, &case["args"])))
        .map_err(|p| format!("panicked: {}", panic_text(&p)))?;
    if let Some(e) = case.get("error") {
        return match r {
            Ok(_) => Err(format!("expected error {e}")),
            // the generators record the first line of PyTorch's message
            Err(got) if got.0.lines().next() == e.as_str() => Ok(()),
            Err(got) => Err(format!("error text: got {:?}, expected {e}", got.0)),
        };
    }
    let outs = r.map_err(|e| format!("unexpected error: {}", e.0))?;
    let want = case["out"].as_array().unwrap();
    if outs.len() != want.len() {
        return Err(format!("{} outputs, expected {}", outs.len(), want.len()));
    }
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for (k, (o, w)) in outs.iter().zip(want).enumerate() {
            let (rt, at) = tol(o.dtype());
            common::assert_close(&format!("out[{k}]"), o, w, rt, at);
        }
        if want_grad {
            let w = common::tensor(&case["w"]);
            let loss = torchrs::ops::reduce::sum(&binary(BinOp::Mul, &outs[0], &w).unwrap(), None, false, None).unwrap();
            torchrs::autograd::engine::backward(&loss, None, false, false).unwrap();
            let g = leaf.grad().expect("a gradient reached the input");
            let (rt, at) = tol(g.dtype());
            common::assert_close("grad", &g, &case["grad"], rt * 10.0, at * 10.0);
        }
    }));
    res.map_err(|p| panic_text(&p))
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

/// Checks every case of `group` in `file`; panics listing all failures.
pub fn run_group(file: &str, group: &str, run: Dispatch) {
    let fx = common::fixture(file);
    let mut n = 0;
    let mut fails = vec![];
    for (k, case) in fx["cases"].as_array().unwrap().iter().enumerate() {
        if case["group"] != group {
            continue;
        }
        n += 1;
        if let Err(e) = check_case(case, run) {
            fails.push(format!("case {k} {} {} view={}: {e}", case["op"], case["args"], case["view"]));
        }
    }
    assert!(n > 0, "no cases in group {group}");
    assert!(fails.is_empty(), "{} of {n} cases failed:\n{}", fails.len(), fails.join("\n"));
}
