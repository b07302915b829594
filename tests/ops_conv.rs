//! Convolutions, pooling, upsampling, padding and shuffles against PyTorch
//! (tests/fixtures/conv.json from tools/fixtures/gen_conv.py): forward values on contiguous,
//! strided and transposed inputs, the gradients of sum(output * w), second-order gradients,
//! and PyTorch's error messages.

use crate::common;

use serde_json::Value;
use torchrs::autograd::engine;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Result, Tensor};

fn ints(kw: &Value, key: &str) -> Vec<i64> {
    kw[key].as_array().unwrap_or_else(|| panic!("kw {key} in {kw}")).iter().map(|v| v.as_i64().unwrap()).collect()
}

fn int(kw: &Value, key: &str) -> i64 {
    kw[key].as_i64().unwrap_or_else(|| panic!("kw {key} in {kw}"))
}

fn flag(kw: &Value, key: &str) -> bool {
    kw[key].as_bool().unwrap_or_else(|| panic!("kw {key} in {kw}"))
}

fn opt_f64(kw: &Value, key: &str) -> Option<f64> {
    kw.get(key).and_then(|v| v.as_f64())
}

fn opt_ints(kw: &Value, key: &str) -> Option<Vec<i64>> {
    kw.get(key).and_then(|v| v.as_array()).map(|a| a.iter().map(|v| v.as_i64().unwrap()).collect())
}

fn floats(kw: &Value, key: &str) -> Vec<f64> {
    kw.get(key).and_then(|v| v.as_array()).map(|a| a.iter().map(|v| v.as_f64().unwrap()).collect()).unwrap_or_default()
}

fn one(r: Result<Tensor>) -> Result<Vec<Tensor>> {
    r.map(|t| vec![t])
}

fn two(r: Result<(Tensor, Tensor)>) -> Result<Vec<Tensor>> {
    r.map(|(a, b)| vec![a, b])
}

/// Calls the op the way its `atg_*` function does.
fn run(op: &str, a: &[Option<Tensor>], kw: &Value) -> Result<Vec<Tensor>> {
    let t = |i: usize| a[i].as_ref().unwrap();
    let o = |i: usize| a.get(i).and_then(|x| x.as_ref());
    match op {
        "conv1d" => one(N::conv1d(t(0), t(1), o(2), &ints(kw, "stride"), &ints(kw, "padding"), &ints(kw, "dilation"), int(kw, "groups"))),
        "conv2d" => one(N::conv2d(t(0), t(1), o(2), &ints(kw, "stride"), &ints(kw, "padding"), &ints(kw, "dilation"), int(kw, "groups"))),
        "conv3d" => one(N::conv3d(t(0), t(1), o(2), &ints(kw, "stride"), &ints(kw, "padding"), &ints(kw, "dilation"), int(kw, "groups"))),
        "conv1d_padding" | "conv2d_padding" | "conv3d_padding" => {
            let pad = kw["padding"].as_str().unwrap();
            let dil = opt_ints(kw, "dilation").unwrap_or(vec![1]);
            let g = kw.get("groups").and_then(|v| v.as_i64()).unwrap_or(1);
            let f = match op {
                "conv1d_padding" => N::conv1d_padding,
                "conv2d_padding" => N::conv2d_padding,
                _ => N::conv3d_padding,
            };
            one(f(t(0), t(1), o(2), &ints(kw, "stride"), pad, &dil, g))
        }
        "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d" => {
            let f = match op {
                "conv_transpose1d" => N::conv_transpose1d,
                "conv_transpose2d" => N::conv_transpose2d,
                _ => N::conv_transpose3d,
            };
            one(f(t(0), t(1), o(2), &ints(kw, "stride"), &ints(kw, "padding"), &ints(kw, "output_padding"), int(kw, "groups"), &ints(kw, "dilation")))
        }
        "convolution" => one(N::convolution(
            t(0), t(1), o(2), &ints(kw, "stride"), &ints(kw, "padding"), &ints(kw, "dilation"),
            flag(kw, "transposed"), &ints(kw, "output_padding"), int(kw, "groups"),
        )),
        "_convolution" => one(N::_convolution(
            t(0), t(1), o(2), &ints(kw, "stride"), &ints(kw, "padding"), &ints(kw, "dilation"),
            flag(kw, "transposed"), &ints(kw, "output_padding"), int(kw, "groups"), false, false, false, false,
        )),
        "conv_tbc" => one(N::conv_tbc(t(0), t(1), t(2), int(kw, "pad"))),
        _ => run_pool(op, a, kw),
    }
}

fn opt_int(kw: &Value, key: &str) -> Option<i64> {
    kw.get(key).and_then(|v| v.as_i64())
}

/// Pooling, upsampling, padding, shuffles and unfold.
fn run_pool(op: &str, a: &[Option<Tensor>], kw: &Value) -> Result<Vec<Tensor>> {
    let t = |i: usize| a[i].as_ref().unwrap();
    let k = || ints(kw, "kernel_size");
    let (st, pd) = (|| ints(kw, "stride"), || ints(kw, "padding"));
    let dl = || ints(kw, "dilation");
    let ceil = || flag(kw, "ceil_mode");
    let cip = || flag(kw, "count_include_pad");
    let os = || ints(kw, "output_size");
    let ac = || flag(kw, "align_corners");
    let sc = |key: &str| opt_f64(kw, key);
    match op {
        "max_pool1d" => one(N::max_pool1d(t(0), &k(), &st(), &pd(), &dl(), ceil())),
        "max_pool1d_with_indices" => two(N::max_pool1d_with_indices(t(0), &k(), &st(), &pd(), &dl(), ceil())),
        "max_pool2d" => one(N::max_pool2d(t(0), &k(), &st(), &pd(), &dl(), ceil())),
        "max_pool2d_with_indices" => two(N::max_pool2d_with_indices(t(0), &k(), &st(), &pd(), &dl(), ceil())),
        "max_pool3d" => one(N::max_pool3d(t(0), &k(), &st(), &pd(), &dl(), ceil())),
        "max_pool3d_with_indices" => two(N::max_pool3d_with_indices(t(0), &k(), &st(), &pd(), &dl(), ceil())),
        "max_pool2d_with_indices_backward" => one(N::max_pool2d_with_indices_backward(t(0), t(1), &k(), &st(), &pd(), &dl(), ceil(), t(2))),
        "avg_pool1d" => one(N::avg_pool1d(t(0), &k(), &st(), &pd(), ceil(), cip())),
        "avg_pool2d" => one(N::avg_pool2d(t(0), &k(), &st(), &pd(), ceil(), cip(), opt_int(kw, "divisor_override"))),
        "avg_pool3d" => one(N::avg_pool3d(t(0), &k(), &st(), &pd(), ceil(), cip(), opt_int(kw, "divisor_override"))),
        "avg_pool2d_backward" => one(N::avg_pool2d_backward(t(0), t(1), &k(), &st(), &pd(), ceil(), cip(), opt_int(kw, "divisor_override"))),
        "adaptive_avg_pool1d" => one(N::adaptive_avg_pool1d(t(0), &os())),
        "adaptive_avg_pool2d" => one(N::adaptive_avg_pool2d(t(0), &os())),
        "adaptive_avg_pool3d" => one(N::adaptive_avg_pool3d(t(0), &os())),
        "_adaptive_avg_pool2d" => one(N::_adaptive_avg_pool2d(t(0), &os())),
        "_adaptive_avg_pool2d_backward" => one(N::_adaptive_avg_pool2d_backward(t(0), t(1))),
        "adaptive_max_pool1d" => two(N::adaptive_max_pool1d(t(0), &os())),
        "adaptive_max_pool2d" => two(N::adaptive_max_pool2d(t(0), &os())),
        "adaptive_max_pool3d" => two(N::adaptive_max_pool3d(t(0), &os())),
        "adaptive_max_pool2d_backward" => one(N::adaptive_max_pool2d_backward(t(0), t(1), t(2))),
        "upsample_nearest1d" => one(N::upsample_nearest1d(t(0), &os(), sc("scales"))),
        "upsample_nearest2d" => one(N::upsample_nearest2d(t(0), &os(), sc("scales_h"), sc("scales_w"))),
        "upsample_nearest3d" => one(N::upsample_nearest3d(t(0), &os(), sc("scales_d"), sc("scales_h"), sc("scales_w"))),
        "_upsample_nearest_exact1d" => one(N::_upsample_nearest_exact1d(t(0), &os(), sc("scales"))),
        "_upsample_nearest_exact2d" => one(N::_upsample_nearest_exact2d(t(0), &os(), sc("scales_h"), sc("scales_w"))),
        "upsample_nearest1d_vec" => one(N::upsample_nearest1d_vec(t(0), opt_ints(kw, "output_size").as_deref(), &floats(kw, "scale_factors"))),
        "upsample_nearest2d_vec" => one(N::upsample_nearest2d_vec(t(0), opt_ints(kw, "output_size").as_deref(), &floats(kw, "scale_factors"))),
        "upsample_linear1d" => one(N::upsample_linear1d(t(0), &os(), ac(), sc("scales"))),
        "upsample_linear1d_vec" => one(N::upsample_linear1d_vec(t(0), opt_ints(kw, "output_size").as_deref(), ac(), &floats(kw, "scale_factors"))),
        "upsample_bilinear2d" => one(N::upsample_bilinear2d(t(0), &os(), ac(), sc("scales_h"), sc("scales_w"))),
        "upsample_bilinear2d_vec" => one(N::upsample_bilinear2d_vec(t(0), opt_ints(kw, "output_size").as_deref(), ac(), &floats(kw, "scale_factors"))),
        "upsample_bicubic2d" => one(N::upsample_bicubic2d(t(0), &os(), ac(), sc("scales_h"), sc("scales_w"))),
        "upsample_bicubic2d_vec" => one(N::upsample_bicubic2d_vec(t(0), opt_ints(kw, "output_size").as_deref(), ac(), &floats(kw, "scale_factors"))),
        "upsample_trilinear3d" => one(N::upsample_trilinear3d(t(0), &os(), ac(), sc("scales_d"), sc("scales_h"), sc("scales_w"))),
        "upsample_bilinear2d_backward" => one(N::upsample_bilinear2d_backward(t(0), &os(), &ints(kw, "input_size"), ac(), None, None)),
        "upsample_nearest2d_backward" => one(N::upsample_nearest2d_backward(t(0), &os(), &ints(kw, "input_size"), None, None)),
        "pad" => one(N::pad(t(0), &ints(kw, "pad"), kw["mode"].as_str().unwrap(), opt_f64(kw, "value"))),
        "constant_pad_nd" => one(N::constant_pad_nd(t(0), &ints(kw, "pad"))),
        "reflection_pad2d_backward" => one(N::reflection_pad2d_backward(t(0), t(1), &pd())),
        "replication_pad1d_backward" => one(N::replication_pad1d_backward(t(0), t(1), &pd())),
        "pixel_shuffle" => one(N::pixel_shuffle(t(0), int(kw, "factor"))),
        "pixel_unshuffle" => one(N::pixel_unshuffle(t(0), int(kw, "factor"))),
        "channel_shuffle" => one(N::channel_shuffle(t(0), int(kw, "groups"))),
        "im2col" => one(N::im2col(t(0), &k(), &dl(), &pd(), &st())),
        "col2im" => one(N::col2im(t(0), &os(), &k(), &dl(), &pd(), &st())),
        _ => panic!("unknown op {op}"),
    }
}

/// The same values with a non-contiguous layout: every other element of a wider buffer.
fn strided(t: &Tensor) -> Tensor {
    let s = t.shape();
    if s.is_empty() {
        return t.clone();
    }
    let mut wide = s.to_vec();
    *wide.last_mut().unwrap() *= 2;
    let buf = Tensor::zeros(&wide, t.dtype(), Device::Cpu).unwrap();
    let v = buf.slice(-1, None, None, 2).unwrap();
    torchrs::ops::convert::copy_(&v, t).unwrap();
    assert!(!v.is_contiguous() || t.numel() <= 1);
    v
}

/// The same values stored with reversed dims (a transposed layout).
fn transposed(t: &Tensor) -> Tensor {
    let n = t.dim() as i64;
    let rev: Vec<i64> = (0..n).rev().collect();
    t.permute(&rev).unwrap().contiguous().unwrap().permute(&rev).unwrap()
}

fn weights_for(out: &Tensor) -> Tensor {
    let n = out.numel() as i64;
    let w = Tensor::linspace(0.5, 1.5, n, DType::F64, Device::Cpu).unwrap();
    torchrs::ops::convert::to(&w, None, Some(out.dtype()), false).unwrap().reshape(&out.shape()).unwrap()
}

fn tolerances(dt: DType) -> (f64, f64) {
    match dt {
        DType::F64 => (1e-9, 1e-10),
        DType::F16 | DType::BF16 => (2e-2, 2e-2),
        _ => (1e-4, 1e-5),
    }
}

fn check_case(case: &Value, layout: &str, failures: &mut Vec<String>) {
    let op = case["op"].as_str().unwrap();
    let what = format!("{op} {} [{layout}]", case["kw"]);
    let empty = serde_json::Map::new();
    let grads = case.get("grads").and_then(|g| g.as_object()).unwrap_or(&empty);
    let args: Vec<Option<Tensor>> = case["args"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if v.is_null() {
                return None;
            }
            let t = common::tensor(v);
            let t = match layout {
                "strided" => strided(&t),
                "transposed" => transposed(&t),
                _ => t,
            };
            if grads.contains_key(&i.to_string()) {
                t.set_requires_grad(true).unwrap();
            }
            Some(t)
        })
        .collect();
    let outs = match run(op, &args, &case["kw"]) {
        Ok(o) => o,
        Err(e) => return failures.push(format!("{what}: {e}")),
    };
    let expected = case["outs"].as_array().unwrap();
    assert_eq!(outs.len(), expected.len(), "{what}: number of outputs");
    let (rtol, atol) = tolerances(outs[0].dtype());
    for (k, (o, e)) in outs.iter().zip(expected).enumerate() {
        common::assert_close(&format!("{what} out {k}"), o, e, rtol, atol);
    }
    if grads.is_empty() {
        return;
    }
    let keys: Vec<usize> = grads.keys().map(|k| k.parse().unwrap()).collect();
    let inputs: Vec<Tensor> = keys.iter().map(|&i| args[i].clone().unwrap()).collect();
    let double = case.get("double").and_then(|d| d.as_object());
    let loss = N::sum(&N::mul(&outs[0], &weights_for(&outs[0])).unwrap(), None).unwrap();
    let one = Tensor::ones(&[], loss.dtype(), Device::Cpu).unwrap();
    let gs = match engine::run(&[(loss, one)], Some(&inputs), true, double.is_some()) {
        Ok(g) => g,
        Err(e) => return failures.push(format!("{what} backward: {e}")),
    };
    for (k, g) in keys.iter().zip(&gs) {
        let g = g.as_ref().unwrap_or_else(|| panic!("{what}: no gradient for input {k}"));
        common::assert_close(&format!("{what} grad {k}"), g, &grads[&k.to_string()], rtol, atol);
    }
    let Some(double) = double else { return };
    let mut s: Option<Tensor> = None;
    for g in gs.iter().flatten() {
        let half = N::mul_scalar(&weights_for(g), &torchrs::Scalar::Float(0.5)).unwrap();
        let term = N::sum(&N::mul(g, &half).unwrap(), None).unwrap();
        s = Some(match s {
            None => term,
            Some(p) => N::add(&p, &term).unwrap(),
        });
    }
    let s = s.unwrap();
    let one = Tensor::ones(&[], s.dtype(), Device::Cpu).unwrap();
    let dd = match engine::run(&[(s, one)], Some(&inputs), false, false) {
        Ok(g) => g,
        Err(e) => return failures.push(format!("{what} double backward: {e}")),
    };
    for (k, d) in keys.iter().zip(&dd) {
        let want = &double[&k.to_string()];
        match (d, want.is_null()) {
            (Some(d), false) => common::assert_close(&format!("{what} double grad {k}"), d, want, rtol * 10.0, atol * 10.0),
            (Some(d), true) => assert!(d.to_vec::<f64>().unwrap().iter().all(|&v| v == 0.0), "{what}: double grad {k} should be zero"),
            (None, false) => {
                let zero = common::tensor(want).to_vec::<f64>().unwrap().iter().all(|&v| v == 0.0);
                assert!(zero, "{what}: no double grad for {k}")
            }
            (None, true) => {}
        }
    }
}

#[test]
fn ops_match_pytorch_on_every_layout() {
    let fx = common::fixture("conv.json");
    let mut failures = vec![];
    let cases = fx["cases"].as_array().unwrap();
    for case in cases {
        for layout in ["contiguous", "strided", "transposed"] {
            check_case(case, layout, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(cases.len() > 30);
}

#[test]
fn bad_calls_give_pytorchs_errors() {
    let fx = common::fixture("conv.json");
    let mut failures = vec![];
    for e in fx["errors"].as_array().unwrap() {
        let op = e["op"].as_str().unwrap();
        let args: Vec<Option<Tensor>> = e["shapes"]
            .as_array()
            .unwrap()
            .iter()
            .zip(e["dtypes"].as_array().unwrap())
            .map(|(s, d)| {
                (!s.is_null()).then(|| {
                    let shape: Vec<i64> = s.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
                    Tensor::ones(&shape, common::dtype(d.as_str().unwrap()), Device::Cpu).unwrap()
                })
            })
            .collect();
        let mut kw = e["kw"].clone();
        default_kw(op, &mut kw);
        let want = e["err"].as_str().unwrap();
        match run(op, &args, &kw) {
            Ok(_) => failures.push(format!("{op} {}: no error, expected {want:?}", e["kw"])),
            Err(got) if got.0.lines().next() != Some(want) => failures.push(format!("{op} {}:\n   got {:?}\n  want {want:?}", e["kw"], got.0)),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Fills in the arguments an error case leaves at PyTorch's defaults.
fn default_kw(op: &str, kw: &mut Value) {
    let m = kw.as_object_mut().unwrap();
    let mut set = |k: &str, v: Value| {
        m.entry(k.to_string()).or_insert(v);
    };
    if op.contains("pool") {
        set("stride", serde_json::json!([]));
        set("padding", serde_json::json!([0]));
        set("dilation", serde_json::json!([1]));
        set("ceil_mode", serde_json::json!(false));
        set("count_include_pad", serde_json::json!(true));
    }
    if op.starts_with("upsample") {
        set("align_corners", serde_json::json!(false));
    }
    if op.starts_with("conv") || op.starts_with("_conv") {
        set("stride", serde_json::json!([1]));
        set("padding", serde_json::json!([0]));
        set("dilation", serde_json::json!([1]));
        set("output_padding", serde_json::json!([0]));
        set("groups", serde_json::json!(1));
        set("transposed", serde_json::json!(false));
    }
}

#[test]
fn tch_conv_and_upsample_tests() {
    // tch's nn_tests.rs `conv` (zero padding) and tensor_tests.rs `upsample1d`
    let x = Tensor::from_vec(vec![1f32, 2., 3., 4.], &[1, 1, 2, 2]).unwrap();
    let w = Tensor::ones(&[1, 1, 3, 3], DType::F32, Device::Cpu).unwrap();
    let y = N::conv2d(&x, &w, None, &[1, 1], &[1, 1], &[1, 1], 1).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![10.0, 10.0, 10.0, 10.0]);
    // the other padding modes pad first, then convolve without padding
    for (mode, want) in [("reflect", [27.0, 24.0, 21.0, 18.0]), ("circular", [27.0, 24.0, 21.0, 18.0]), ("replicate", [18.0, 21.0, 24.0, 27.0])] {
        let p = N::pad(&x, &[1, 1, 1, 1], mode, None).unwrap();
        let y = N::conv2d(&p, &w, None, &[1, 1], &[0, 0], &[1, 1], 1).unwrap();
        assert_eq!(y.to_vec::<f32>().unwrap(), want.to_vec(), "{mode}");
    }
    // nn_tests.rs `pad`
    let v = Tensor::from_vec(vec![1f64, 2., 3.], &[3]).unwrap();
    assert_eq!(N::pad(&v, &[1, 1], "constant", None).unwrap().to_vec::<f64>().unwrap(), vec![0., 1., 2., 3., 0.]);
    let v4 = Tensor::from_vec(vec![1f64, 2., 3., 4.], &[1, 2, 2]).unwrap();
    let r = N::pad(&v4, &[1, 1, 1, 1], "reflect", None).unwrap();
    assert_eq!(r.to_vec::<f64>().unwrap(), vec![4., 3., 4., 3., 2., 1., 2., 1., 4., 3., 4., 3., 2., 1., 2., 1.]);
    // tensor_tests.rs `upsample1d`
    let t = Tensor::from_vec(vec![1f64, 2., 3., 4., 5., 6.], &[2, 3, 1]).unwrap();
    let up = N::upsample_linear1d(&t, &[2], false, Some(1.0)).unwrap();
    assert_eq!(up.to_vec::<f64>().unwrap()[..11], [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 6.0]);
    let up = N::upsample_linear1d(&t, &[2], false, None).unwrap();
    assert_eq!(up.to_vec::<f64>().unwrap(), vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 6.0, 6.0]);
}

#[test]
fn huge_or_negative_sizes_are_errors_not_crashes() {
    let x = Tensor::ones(&[1, 2, 5, 5], DType::F32, Device::Cpu).unwrap();
    let w = Tensor::ones(&[3, 2, 3, 3], DType::F32, Device::Cpu).unwrap();
    let big = 1i64 << 62;
    assert!(N::conv2d(&x, &w, None, &[1], &[0], &[big], 1).is_err());
    assert!(N::conv2d(&x, &w, None, &[big], &[big / 2], &[1], 1).is_err());
    assert!(N::conv_transpose2d(&x.narrow(1, 0, 2).unwrap(), &w.transpose(0, 1).unwrap(), None, &[1 << 40], &[0], &[0], 1, &[1]).is_err());
    assert!(N::max_pool2d(&x, &[big], &[1], &[big / 4], &[2], false).is_err());
    assert!(N::max_pool2d(&x, &[i64::MAX], &[i64::MAX], &[0], &[i64::MAX], true).is_err());
    assert!(N::avg_pool2d(&x, &[3], &[i64::MAX], &[1], true, true, None).is_ok());
    assert!(N::adaptive_avg_pool2d(&x, &[big, 2]).is_err());
    assert!(N::adaptive_max_pool2d(&x, &[1 << 40, 1 << 40]).is_err());
    assert!(N::upsample_nearest2d(&x, &[big, big], None, None).is_err());
    assert!(N::upsample_bilinear2d_vec(&x, None, false, &[1e30, 1e30]).is_err());
    assert!(N::upsample_bilinear2d_vec(&x, None, false, &[-2.0, 1.0]).is_err());
    assert!(N::pad(&x, &[big, big], "constant", None).is_err());
    assert!(N::pad(&x, &[-big, big], "replicate", None).is_err());
    assert!(N::pad(&x, &[-big, big], "reflect", None).is_err());
    assert!(N::pad(&x, &[-3, 3], "circular", None).is_err());
    assert!(N::pad(&x, &[-5, 1], "circular", None).is_err());
    for mode in ["constant", "reflect", "replicate", "circular"] {
        assert!(N::pad(&x, &[i64::MIN, 1], mode, None).is_err(), "{mode}");
        assert!(N::pad(&x, &[1, i64::MAX], mode, None).is_err(), "{mode}");
    }
    let x1 = Tensor::ones(&[1, 1, 5, 5], DType::F32, Device::Cpu).unwrap();
    let w1 = Tensor::ones(&[1, 1, 1, 1], DType::F32, Device::Cpu).unwrap();
    assert!(N::conv2d(&x1, &w1, None, &[1 << 39], &[(1 << 62) - 1], &[1], 1).is_err());
    let e = N::pixel_shuffle(&Tensor::ones(&[1, 0, 2, 2], DType::F32, Device::Cpu).unwrap(), 1 << 40).unwrap();
    assert_eq!(&e.shape()[..], &[1, 0, 1 << 41, 1 << 41]);
    assert!(N::pixel_shuffle(&Tensor::ones(&[1, 0, 2, 2], DType::F32, Device::Cpu).unwrap(), 1 << 62).is_err());
    assert!(N::im2col(&x, &[big, big], &[1, 1], &[0, 0], &[1, 1]).is_err());
    assert!(N::col2im(&x.reshape(&[1, 2, 25]).unwrap(), &[big, big], &[1, 1], &[1, 1], &[0, 0], &[1, 1]).is_err());
    let idx = Tensor::full(&[1, 2, 2, 2], torchrs::Scalar::Int(99), DType::I64, Device::Cpu).unwrap();
    let g = Tensor::ones(&[1, 2, 2, 2], DType::F32, Device::Cpu).unwrap();
    let e = N::max_pool2d_with_indices_backward(&g, &x, &[2], &[2], &[0], &[1], false, &idx).unwrap_err();
    assert!(e.0.contains("invalid max index"), "{e}");
    assert!(N::adaptive_max_pool2d_backward(&g, &x, &idx).is_err());
}

#[test]
fn big_convolutions_agree_with_a_direct_sum() {
    // a batch large enough for the threaded path, against a naive loop in f64
    let (n, c, h, w, o, k) = (8usize, 3usize, 12usize, 11usize, 5usize, 3usize);
    let xs: Vec<f64> = (0..n * c * h * w).map(|i| ((i * 37 % 101) as f64 - 50.0) / 25.0).collect();
    let ws: Vec<f64> = (0..o * c * k * k).map(|i| ((i * 13 % 29) as f64 - 14.0) / 10.0).collect();
    let x = Tensor::from_vec(xs.clone(), &[n as i64, c as i64, h as i64, w as i64]).unwrap();
    let wt = Tensor::from_vec(ws.clone(), &[o as i64, c as i64, k as i64, k as i64]).unwrap();
    let y = N::conv2d(&x, &wt, None, &[1], &[1], &[1], 1).unwrap();
    let got = y.to_vec::<f64>().unwrap();
    for b in 0..n {
        for oc in 0..o {
            for yy in 0..h {
                for xx in 0..w {
                    let mut s = 0.0;
                    for ic in 0..c {
                        for a in 0..k {
                            for e in 0..k {
                                let (iy, ix) = (yy as isize + a as isize - 1, xx as isize + e as isize - 1);
                                if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                                    s += xs[((b * c + ic) * h + iy as usize) * w + ix as usize] * ws[((oc * c + ic) * k + a) * k + e];
                                }
                            }
                        }
                    }
                    let g = got[((b * o + oc) * h + yy) * w + xx];
                    assert!((g - s).abs() < 1e-9, "at {b} {oc} {yy} {xx}: {g} vs {s}");
                }
            }
        }
    }
}

#[test]
fn threaded_batches_match_image_by_image_gradients() {
    // a batch big enough to spread images over threads, against one image at a time
    let x = N::randn(&[6, 4, 24, 23], DType::F64, Device::Cpu).unwrap();
    let w = N::randn(&[6, 2, 3, 3], DType::F64, Device::Cpu).unwrap();
    let b = N::randn(&[6], DType::F64, Device::Cpu).unwrap();
    for (stride, transposed) in [(1i64, false), (2, false), (1, true), (2, true)] {
        let grads = |x: &Tensor| -> Vec<Vec<f64>> {
            let (x, w, b) = (x.detach_copy(), w.detach_copy(), b.detach_copy());
            for t in [&x, &w, &b] {
                t.set_requires_grad(true).unwrap();
            }
            let y = if transposed {
                let wt = N::reshape(&w, &[4, 3, 3, 3]).unwrap();
                let bt = N::narrow(&b, 0, 0, 6).unwrap();
                N::conv_transpose2d(&x, &wt, Some(&bt), &[stride], &[1], &[0], 2, &[1]).unwrap()
            } else {
                N::conv2d(&x, &w, Some(&b), &[stride], &[1], &[1], 2).unwrap()
            };
            let loss = N::sum(&N::mul(&y, &y).unwrap(), None).unwrap();
            let one = Tensor::ones(&[], DType::F64, Device::Cpu).unwrap();
            let g = engine::run(&[(loss, one)], Some(&[x.clone(), w.clone(), b.clone()]), false, false).unwrap();
            let mut out = vec![y.to_vec::<f64>().unwrap()];
            out.extend(g.iter().map(|g| g.as_ref().unwrap().to_vec::<f64>().unwrap()));
            out
        };
        let whole = grads(&x);
        let mut parts: Vec<Vec<f64>> = vec![vec![], vec![], vec![0.0; whole[2].len()], vec![0.0; whole[3].len()]];
        for i in 0..6 {
            let p = grads(&x.narrow(0, i, 1).unwrap().contiguous().unwrap());
            parts[0].extend(&p[0]);
            parts[1].extend(&p[1]);
            for k in 2..4 {
                parts[k].iter_mut().zip(&p[k]).for_each(|(a, b)| *a += b);
            }
        }
        for (k, (a, b)) in whole.iter().zip(&parts).enumerate() {
            assert_eq!(a.len(), b.len());
            for (u, v) in a.iter().zip(b) {
                assert!((u - v).abs() <= 1e-9 * (1.0 + v.abs()), "stride {stride} transposed {transposed} part {k}: {u} vs {v}");
            }
        }
    }
}

trait DetachCopy {
    fn detach_copy(&self) -> Tensor;
}

impl DetachCopy for Tensor {
    fn detach_copy(&self) -> Tensor {
        torchrs::ops::convert::clone(self).unwrap()
    }
}
