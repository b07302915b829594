//! Helpers shared by the op tests: tensors from fixture JSON (written by tools/fixtures/*.py
//! from real PyTorch) and closeness checks with NaN/inf handling.
#![allow(dead_code)]

use serde_json::Value;
use torchrs::{DType, Tensor};

/// Reads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// A number of the fixture: JSON numbers, or the strings "nan", "inf", "-inf".
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::Bool(b) => *b as i64 as f64,
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => panic!("not a number: {s}"),
        },
        _ => panic!("not a number: {v}"),
    }
}

/// PyTorch's dtype names as the fixture scripts write them (`str(t.dtype)` without "torch.").
pub fn dtype(name: &str) -> DType {
    match name {
        "uint8" => DType::U8,
        "int8" => DType::I8,
        "int16" => DType::I16,
        "int32" => DType::I32,
        "int64" => DType::I64,
        "float16" => DType::F16,
        "bfloat16" => DType::BF16,
        "float32" => DType::F32,
        "float64" => DType::F64,
        "bool" => DType::Bool,
        _ => panic!("unknown dtype {name}"),
    }
}

/// A tensor from `{"dtype": "float32", "shape": [2, 3], "data": [...]}` (data flat, row-major).
pub fn tensor(v: &Value) -> Tensor {
    let dt = dtype(v["dtype"].as_str().unwrap());
    let shape: Vec<i64> = v["shape"].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect();
    let data: Vec<f64> = v["data"].as_array().unwrap().iter().map(num).collect();
    let t64 = Tensor::from_vec(data, &shape).unwrap();
    if dt.is_float() {
        torchrs::ops::convert::to(&t64, None, Some(dt), false).unwrap()
    } else {
        // integers through i64 so large values stay exact
        let ints: Vec<i64> = v["data"].as_array().unwrap().iter().map(|x| num(x) as i64).collect();
        let ti = Tensor::from_vec(ints, &shape).unwrap();
        torchrs::ops::convert::to(&ti, None, Some(dt), false).unwrap()
    }
}

/// Asserts `actual` has the expected dtype, shape and values (|a - e| <= atol + rtol * |e|,
/// NaN equal to NaN, infinities exact).
pub fn assert_close(what: &str, actual: &Tensor, expected: &Value, rtol: f64, atol: f64) {
    let edt = dtype(expected["dtype"].as_str().unwrap());
    assert_eq!(actual.dtype(), edt, "{what}: dtype");
    let shape: Vec<i64> = expected["shape"].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect();
    assert_eq!(&actual.shape()[..], &shape[..], "{what}: shape");
    let got = actual.to_vec::<f64>().unwrap();
    let want: Vec<f64> = expected["data"].as_array().unwrap().iter().map(num).collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g == w
        } else {
            (g - w).abs() <= atol + rtol * w.abs()
        };
        assert!(ok, "{what}: element {i}: got {g}, expected {w}");
    }
}
