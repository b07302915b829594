//! The float8 dtypes against tests/fixtures/float8.json (tools/fixtures/gen_float8.py, torch
//! 2.13): every code's value, and the codes torch's casts give f32 and f64 inputs (midpoints,
//! their neighbours, overflow, NaN, random values); tch's `Kind` codes 23 to 26 and names.

use crate::common::{fixture, num};
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::tensor::float8::{F8E4M3Fn, F8E4M3Fnuz, F8E5M2Fnuz, F8E5M2};
use torchrs::tensor::Element;
use torchrs::{DType, Tensor};

/// `a` equals the fixture's value (written with 9 significant digits, so compared as f32).
fn same(a: f32, b: f64) -> bool {
    a == b as f32 || (a.is_nan() && b.is_nan())
}

fn check<T: Element>(name: &str, code_of: fn(T) -> u8, make: fn(u8) -> T) {
    let case = &fixture("float8.json")[name];
    let dt = T::DTYPE;
    // decoding: fp8 codes cast to f32
    let codes: Vec<T> = (0..=255u8).map(make).collect();
    let t = Tensor::from_vec(codes, &[256]).unwrap();
    assert_eq!(t.dtype(), dt);
    let back = N::to_dtype(&t, DType::F32, false, false)
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    for (c, (got, want)) in back
        .iter()
        .zip(case["decode"].as_array().unwrap())
        .enumerate()
    {
        assert!(
            same(*got, num(want)),
            "{name}: code {c:#x} decodes to {got}, torch {}",
            num(want)
        );
    }
    // encoding: f32 and f64 tensors cast to fp8
    let x: Vec<f32> = case["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| num(v) as f32)
        .collect();
    let want: Vec<u8> = case["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    let xf = Tensor::from_vec(x.clone(), &[x.len() as i64]).unwrap();
    let xd = N::to_dtype(&xf, DType::F64, false, false).unwrap();
    for src in [&xf, &xd] {
        let q = N::to_dtype(src, dt, false, false).unwrap();
        assert_eq!(q.dtype(), dt);
        let got: Vec<u8> = q.to_vec::<T>().unwrap().into_iter().map(code_of).collect();
        let bad: Vec<String> = (0..x.len())
            .filter(|&i| got[i] != want[i])
            .take(5)
            .map(|i| format!("{} -> {:#x} (torch {:#x})", x[i], got[i], want[i]))
            .collect();
        assert!(
            bad.is_empty(),
            "{name} from {:?}: {}",
            src.dtype(),
            bad.join(", ")
        );
    }
}

#[test]
fn casts_match_torch() {
    check::<F8E5M2>("float8_e5m2", |t| t.0, F8E5M2);
    check::<F8E4M3Fn>("float8_e4m3fn", |t| t.0, F8E4M3Fn);
    check::<F8E5M2Fnuz>("float8_e5m2fnuz", |t| t.0, F8E5M2Fnuz);
    check::<F8E4M3Fnuz>("float8_e4m3fnuz", |t| t.0, F8E4M3Fnuz);
}

/// Kind codes, element size, names; layout ops and copies keep the values; ints cast through.
#[test]
fn kinds_sizes_and_layout_ops() {
    for (code, name) in [
        (23, "Float8_e5m2"),
        (24, "Float8_e4m3fn"),
        (25, "Float8_e5m2fnuz"),
        (26, "Float8_e4m3fnuz"),
    ] {
        let d = DType::from_code(code).unwrap();
        assert_eq!(
            (d.code(), d.size(), d.name(), d.is_float()),
            (code, 1, name, true)
        );
        let x = Tensor::from_vec(vec![1f32, 2.0, 3.0, 4.0, -0.5, 12.0], &[2, 3]).unwrap();
        let q = N::to_dtype(&x, d, false, false).unwrap();
        let t = N::contiguous(&N::transpose(&q, 0, 1).unwrap()).unwrap();
        assert_eq!(t.dtype(), d);
        assert_eq!(
            N::to_dtype(&t, DType::F32, false, false)
                .unwrap()
                .to_vec::<f32>()
                .unwrap(),
            vec![1.0, 4.0, 2.0, -0.5, 3.0, 12.0]
        );
        let c = N::cat(&[q.clone(), q.clone()], 0).unwrap();
        assert_eq!(&c.shape()[..], &[4, 3]);
        assert_eq!(
            N::to_dtype(&q, DType::I64, false, false)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![1, 2, 3, 4, 0, 12]
        );
        let i = Tensor::from_vec(vec![3i64, -7, 100], &[3]).unwrap();
        let qi = N::to_dtype(&i, d, false, false).unwrap();
        assert_eq!(
            N::to_dtype(&qi, DType::F64, false, false)
                .unwrap()
                .to_vec::<f64>()
                .unwrap(),
            vec![3.0, -7.0, 96.0]
        );
    }
}
