//! Cross-checks with the reference install (tools/fixtures/cross_check.sh runs them all):
//! `write_cross_files` writes our files and their values to target/io-cross/ours;
//! tools/fixtures/check_io.py loads them with Python's torch.jit.load / torch.load;
//! tools/fixtures/libtorch_roundtrip.c loads them with real libtorch and saves what it read
//! into target/io-cross/libtorch; `libtorch_read_our_files` (ignored: it needs that step) checks
//! that libtorch read every value exactly.

use serde_json::{json, Value};
use torchrs::io::{self, Format, Select};
use torchrs::{DType, Tensor};

fn dir(sub: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/io-cross").join(sub)
}

fn cast(t: &Tensor, d: DType) -> Tensor {
    torchrs::ops::convert::to(t, None, Some(d), false).unwrap()
}

/// Every dtype, and views (transposed, offset slice, stride 0) sharing storages.
fn samples() -> Vec<(String, Tensor)> {
    let base = Tensor::from_vec((0..12).map(|i| i as f64 * 1.25 - 3.0).collect::<Vec<f64>>(), &[3, 4]).unwrap();
    let mut v: Vec<(String, Tensor)> = DType::ALL.iter().map(|&d| (d.name().to_string(), cast(&base, d))).collect();
    let f = v.iter().find(|(_, t)| t.dtype() == DType::F32).unwrap().1.clone();
    v.push(("f_t".into(), f.view_as_layout(f.layout().transpose(0, 1))));
    v.push(("f_slice".into(), f.view_as_layout(f.layout().narrow(1, 1, 2))));
    let row = Tensor::from_vec(vec![1i64, -2, 3], &[3]).unwrap();
    v.push(("expanded".into(), row.view_as_layout(row.layout().expand(&[2, 3]).unwrap())));
    v.push(("big".into(), Tensor::from_vec(vec![-(1i64 << 62), 40000000000], &[2]).unwrap()));
    v
}

fn describe(t: &Tensor) -> Value {
    let data: Vec<Value> = if t.dtype().is_float() {
        t.to_vec::<f64>().unwrap().into_iter().map(|x| json!(x)).collect()
    } else {
        t.to_vec::<i64>().unwrap().into_iter().map(|x| json!(x)).collect()
    };
    json!({"dtype": t.dtype().torch_name(), "shape": &t.shape()[..], "stride": &t.strides()[..],
           "offset": t.layout().offset, "data": data})
}

#[test]
fn write_cross_files() {
    let out = dir("ours");
    std::fs::create_dir_all(&out).unwrap();
    let s = samples();
    let named: Vec<(&str, &Tensor)> = s.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let p = |n: &str| out.join(n).to_str().unwrap().to_string();
    io::save_named(&named, &p("ts_all.ot"), Format::TorchScript).unwrap();
    io::save_named(&named, &p("py_all.pt"), Format::Python).unwrap();
    let dotted: Vec<(String, Tensor)> = s.iter().map(|(n, t)| (format!("layer.{n}"), t.clone())).collect();
    let dn: Vec<(&str, &Tensor)> = dotted.iter().map(|(n, t)| (n.as_str(), t)).collect();
    io::save_state_dict(&dn, &p("py_dotted.pt")).unwrap();
    let w = Tensor::from_vec(vec![0.5f32, -1.0, 2.0, 0.25, 3.0, -4.0], &[2, 3]).unwrap();
    let b = Tensor::from_vec(vec![0.125f32, -0.5], &[2]).unwrap();
    io::save_state_dict(&[("weight", &w), ("bias", &b)], &p("linear_state_dict.pt")).unwrap();
    let single = &s.iter().find(|(n, _)| n == "f_t").unwrap().1;
    io::save(single, &p("ts_single.pt")).unwrap();
    let tensors: serde_json::Map<String, Value> = s.iter().map(|(n, t)| (n.clone(), describe(t))).collect();
    let order: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
    let expected = json!({"tensors": tensors, "order": order, "single": describe(single),
                          "linear": {"weight": describe(&w), "bias": describe(&b)},
                          "shares": [["Float", "f_t", "f_slice"]]});
    std::fs::write(out.join("expected.json"), serde_json::to_string_pretty(&expected).unwrap()).unwrap();
    // and they read back here
    assert_eq!(io::load_named(&p("ts_all.ot"), Select::Parameters).unwrap().len(), s.len());
}

fn check(what: &str, t: &Tensor, e: &Value) {
    assert_eq!(t.dtype().torch_name(), e["dtype"].as_str().unwrap(), "{what}: dtype");
    let shape: Vec<i64> = e["shape"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    assert_eq!(&t.shape()[..], &shape[..], "{what}: shape");
    let want = e["data"].as_array().unwrap();
    if t.dtype().is_float() {
        let w: Vec<f64> = want.iter().map(|x| x.as_f64().unwrap()).collect();
        assert_eq!(t.to_vec::<f64>().unwrap(), w, "{what}: values");
    } else {
        let w: Vec<i64> = want.iter().map(|x| x.as_i64().unwrap()).collect();
        assert_eq!(t.to_vec::<i64>().unwrap(), w, "{what}: values");
    }
}

#[test]
#[ignore = "needs tools/fixtures/cross_check.sh to have run libtorch on our files"]
fn libtorch_read_our_files() {
    let e: Value = serde_json::from_str(&std::fs::read_to_string(dir("ours").join("expected.json")).unwrap()).unwrap();
    let lt = dir("libtorch");
    let p = |n: &str| lt.join(n).to_str().unwrap().to_string();
    // at_load_callback(ts_all.ot) then at_save_multi; at_loadz_callback(py_all.pt) then at_save_multi
    for file in ["from_ts_all.ot", "from_py_all.ot"] {
        let got = io::load_named(&p(file), Select::Parameters).unwrap();
        assert_eq!(got.len(), e["tensors"].as_object().unwrap().len(), "{file}");
        for (n, t) in &got {
            check(&format!("{file}:{n}"), t, &e["tensors"][n]);
        }
    }
    // at_load(ts_single.pt) then at_save
    let t = io::load(&p("from_ts_single.pt")).unwrap();
    check("single", &t, &e["single"]);
}
