//! Matrix products against PyTorch (tests/fixtures/products.json from
//! tools/fixtures/gen_products.py): mm, bmm, matmul's broadcasting cases, mv, dot, outer, the
//! fused addmm/addmv/baddbmm/addbmm, linear and einsum, in f32, f64, int64, f16 and bf16, on
//! strided operands, with gradients and error texts, through the `AtgApi` entry points.

use crate::common;
use crate::fixture_ops::{run_group, s};
use serde_json::Value;
use torchrs::capi::generated::AtgApi;
use torchrs::error::Result;
use torchrs::ops::{nn, shape, Native as N};
use torchrs::{Scalar, Tensor};

/// A beta or alpha argument: an integer stays an integer (integer products reject floats).
fn scalar(v: &Value) -> Scalar {
    match v.as_i64() {
        Some(i) => Scalar::Int(i),
        None => Scalar::Float(common::num(v)),
    }
}

fn run(op: &str, xs: &[Tensor], a: &Value) -> Result<Vec<Tensor>> {
    let one = |t: Result<Tensor>| t.map(|t| vec![t]);
    let x = &xs[0];
    let y = || -> Result<Tensor> {
        if a.get("other_t").and_then(|v| v.as_bool()) == Some(true) {
            shape::transpose(&xs[1], -1, -2)
        } else {
            Ok(xs[1].clone())
        }
    };
    let (beta, alpha) = (|| scalar(&a["beta"]), || scalar(&a["alpha"]));
    match op {
        "mm" => one(N::mm(x, &y()?)),
        "bmm" => one(N::bmm(x, &y()?)),
        "matmul" => one(N::matmul(x, &y()?)),
        "mv" => one(N::mv(x, &y()?)),
        "dot" => one(N::dot(x, &y()?)),
        "outer" => one(N::outer(x, &y()?)),
        // tch's addmm, addmv, addbmm and addr take no beta or alpha: those go through the
        // functions the entry points call with 1 and 1
        "addmm" => one(nn::addmm(x, &xs[1], &xs[2], &beta(), &alpha())),
        "addmv" => one(nn::addmv(x, &xs[1], &xs[2], &beta(), &alpha())),
        "addr" => one(nn::addr(x, &xs[1], &xs[2], &beta(), &alpha())),
        "baddbmm" => one(N::baddbmm(x, &xs[1], &xs[2], &beta(), &alpha())),
        "addbmm" => one(nn::addbmm(x, &xs[1], &xs[2], &beta(), &alpha())),
        "addmm_1" => one(N::addmm(x, &xs[1], &xs[2])),
        "addmv_1" => one(N::addmv(x, &xs[1], &xs[2])),
        "addr_1" => one(N::addr(x, &xs[1], &xs[2])),
        "addbmm_1" => one(N::addbmm(x, &xs[1], &xs[2])),
        "linear" => one(N::linear(x, &xs[1], Some(&xs[2]))),
        "linear_nobias" => one(N::linear(x, &xs[1], None)),
        "einsum" => one(N::einsum(s(a, "eq"), xs, None)),
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn products_match_pytorch() {
    run_group("products.json", "products", run);
}
