//! Reading what libtorch and Python wrote: the shared fixtures (tests/data/fixtures, values from
//! their EXPECTED.md) and the files of tools/fixtures/gen_io.py (tests/data/io, values in
//! expected.json), through `torchrs::io` and through the C functions tch calls.


use crate::common::{dtype, num};
use serde_json::Value;
use std::ffi::{c_char, c_void, CStr, CString};
use torchrs::capi::handles::tensor_arg;
use torchrs::io::{self, Select};
use torchrs::{DType, Tensor};

fn data(rel: &str) -> String {
    format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("io/expected.json")).unwrap()).unwrap()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect()
}

/// Checks dtype, shape, layout (strides and offset kept as written), requires_grad and exact values.
fn check(what: &str, t: &Tensor, e: &Value) {
    assert_eq!(t.dtype(), dtype(e["dtype"].as_str().unwrap()), "{what}: dtype");
    assert_eq!(&t.shape()[..], &ints(&e["shape"])[..], "{what}: shape");
    assert_eq!(&t.strides()[..], &ints(&e["stride"])[..], "{what}: stride");
    assert_eq!(t.layout().offset as i64, e["offset"].as_i64().unwrap(), "{what}: offset");
    assert_eq!(t.requires_grad(), e["requires_grad"].as_bool().unwrap(), "{what}: requires_grad");
    check_values(what, t, &e["data"]);
}

fn check_values(what: &str, t: &Tensor, want: &Value) {
    let want = want.as_array().unwrap();
    if t.dtype().is_float() {
        let got = t.to_vec::<f64>().unwrap();
        assert_eq!(got.len(), want.len(), "{what}: numel");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let w = num(w);
            assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()), "{what}[{i}]: got {g}, expected {w}");
        }
    } else {
        let got = t.to_vec::<i64>().unwrap();
        let w: Vec<i64> = want.iter().map(|x| x.as_i64().unwrap_or_else(|| x.as_bool().unwrap() as i64)).collect();
        assert_eq!(got, w, "{what}: values");
    }
}

fn same_storage(a: &Tensor, b: &Tensor) -> bool {
    std::sync::Arc::ptr_eq(&a.data().storage, &b.data().storage)
}

fn f32s(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

#[test]
fn libtorch_single_tensor_files() {
    let t = io::load(&data("fixtures/libtorch/tensor_f32_2x3.pt")).unwrap();
    assert_eq!((t.dtype(), &t.shape()[..]), (DType::F32, &[2i64, 3][..]));
    assert_eq!(f32s(&t), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let t = io::load(&data("fixtures/libtorch/tensor_i64_4.pt")).unwrap();
    assert_eq!(t.dtype(), DType::I64);
    assert_eq!(t.to_vec::<i64>().unwrap(), [1, -2, 3, 40000000000]);
    let t = io::load(&data("fixtures/libtorch/tensor_f16_3.pt")).unwrap();
    assert_eq!(t.dtype(), DType::F16);
    assert_eq!(f32s(&t), [0.5, 1.5, -2.0]);
    let t = io::load(&data("fixtures/libtorch/tensor_bf16_2.pt")).unwrap();
    assert_eq!(t.dtype(), DType::BF16);
    assert_eq!(f32s(&t), [1.0, 2.0]);
    let t = io::load(&data("fixtures/libtorch/tensor_f64_transposed_4x3.pt")).unwrap();
    assert_eq!((t.dtype(), &t.shape()[..], &t.strides()[..]), (DType::F64, &[4i64, 3][..], &[1i64, 4][..]));
    let want: Vec<f64> = (0..4).flat_map(|i| (0..3).map(move |j| (j * 4 + i) as f64)).collect();
    assert_eq!(t.to_vec::<f64>().unwrap(), want);
}

#[test]
fn libtorch_multi_and_varstore() {
    let m = io::load_named(&data("fixtures/libtorch/multi.ot"), Select::Parameters).unwrap();
    let names: Vec<&str> = m.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b|c"]);
    assert_eq!(f32s(&m[0].1), [1.0, 2.0, 3.0]);
    assert_eq!((m[1].1.dtype(), m[1].1.to_vec::<i64>().unwrap()), (DType::I32, vec![1; 4]));
    // at_load_multi names: tch's dotted name finds the `|` record too
    let ts = io::load_multi(&data("fixtures/libtorch/multi.ot"), &["b.c", "a"]).unwrap();
    assert_eq!(&ts[0].shape()[..], &[2, 2]);
    assert_eq!(f32s(&ts[1]), [1.0, 2.0, 3.0]);
    let err = io::load_multi(&data("fixtures/libtorch/multi.ot"), &["nope"]).unwrap_err();
    assert_eq!(err.0, "No such serialized tensor 'nope'");

    let vs = io::load_named(&data("fixtures/libtorch/varstore.ot"), Select::Parameters).unwrap();
    let get = |n: &str| vs.iter().find(|(k, _)| k == n).unwrap_or_else(|| panic!("{n} missing")).1.clone();
    assert_eq!(vs.len(), 8);
    assert_eq!(f32s(&get("bn|bias")), [0.0, 0.0]);
    assert_eq!(f32s(&get("bn|running_var")), [1.0, 1.0]);
    assert_eq!(f32s(&get("bn|weight")), [0.56907266, 0.74373275]);
    assert_eq!(f32s(&get("layer1|bias")), [0.03492254, -0.3011968, 0.1592117]);
    let w = get("layer1|weight");
    assert_eq!(&w.shape()[..], &[3, 4]);
    assert_eq!(f32s(&w)[..4], [0.38430113, -0.6545978, -0.18356133, -0.7174898]);
    let c = get("conv|weight");
    assert_eq!(&c.shape()[..], &[2, 1, 3, 3]);
    assert_eq!(f32s(&c)[17], 0.20681952);
}

#[test]
fn python_fixtures() {
    let sd = io::load_named(&data("fixtures/python/linear_state_dict.pt"), Select::All).unwrap();
    assert_eq!(sd.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["weight", "bias"]);
    assert_eq!(f32s(&sd[0].1)[..3], [-0.4957364797592163, -0.39443063735961914, -0.21415752172470093]);
    assert_eq!(f32s(&sd[1].1), [-0.3501591086387634, -0.09853118658065796, -0.445823073387146]);

    let m = io::load_named(&data("fixtures/python/mixed_state_dict.pt"), Select::All).unwrap();
    let names: Vec<&str> = m.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["w", "i", "h", "bf", "t", "b"]);
    assert_eq!(f32s(&m[0].1), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(m[1].1.to_vec::<i64>().unwrap(), [1, 2, 3]);
    assert_eq!((m[2].1.dtype(), f32s(&m[2].1)), (DType::F16, vec![0.5, -1.0]));
    assert_eq!((m[3].1.dtype(), f32s(&m[3].1)), (DType::BF16, vec![2.0]));
    assert_eq!(&m[4].1.strides()[..], &[1, 4]);
    assert_eq!(m[4].1.to_vec::<f64>().unwrap()[..4], [0.0, 4.0, 8.0, 1.0]);
    assert_eq!((m[5].1.dtype(), m[5].1.to_vec::<i64>().unwrap()), (DType::Bool, vec![1, 0]));

    let t = io::load(&data("fixtures/python/plain_tensor.pt")).unwrap();
    assert_eq!(f32s(&t), [0.0, 1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn generated_python_files() {
    let e = expected();
    for (file, spec) in e["files"].as_object().unwrap() {
        let got = io::load_named(&data(&format!("io/{file}")), Select::All).unwrap_or_else(|err| panic!("{file}: {err}"));
        let want = spec["tensors"].as_array().unwrap();
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        let want_names: Vec<&str> = want.iter().map(|p| p[0].as_str().unwrap()).collect();
        assert_eq!(names, want_names, "{file}: names");
        for ((name, t), w) in got.iter().zip(want) {
            check(&format!("{file}:{name}"), t, &w[1]);
        }
        for group in spec["shares"].as_array().unwrap() {
            let ts: Vec<&Tensor> =
                group.as_array().unwrap().iter().map(|n| &got.iter().find(|(k, _)| k == n.as_str().unwrap()).unwrap().1).collect();
            for t in &ts[1..] {
                assert!(same_storage(ts[0], t), "{file}: {group} share one storage");
            }
        }
    }
}

#[test]
fn torchscript_module_parameters() {
    let e = expected();
    let path = data("io/py_jit_module.pt");
    let params = io::load_named(&path, Select::Parameters).unwrap();
    let want = e["jit"]["parameters"].as_array().unwrap();
    assert_eq!(
        params.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        want.iter().map(|p| p[0].as_str().unwrap()).collect::<Vec<_>>()
    );
    for ((n, t), w) in params.iter().zip(want) {
        check(n, t, &w[1]);
    }
    let all = io::load_named(&path, Select::All).unwrap();
    for b in e["jit"]["buffers"].as_array().unwrap() {
        let n = b[0].as_str().unwrap();
        let t = &all.iter().find(|(k, _)| k == n).unwrap_or_else(|| panic!("buffer {n}")).1;
        check(n, t, &b[1]);
    }
    assert_eq!(all.len(), want.len() + e["jit"]["buffers"].as_array().unwrap().len());
}

#[test]
fn legacy_format_is_refused_with_a_reason() {
    let err = io::load(&data("io/py_legacy.pt")).unwrap_err();
    assert!(err.0.contains("legacy"), "{err}");
    let err = io::load(&data("io/does_not_exist.pt")).unwrap_err();
    assert!(err.0.contains("cannot open"), "{err}");
}

// ---- through the C functions, the way tch calls them ----

type Cb = Option<extern "C" fn(*mut c_void, *mut c_char, *mut c_void)>;
extern "C" {
    fn at_loadz_callback(f: *const c_char, data: *mut c_void, cb: Cb);
    fn at_loadz_callback_with_device(f: *const c_char, data: *mut c_void, cb: Cb, device: i32);
    fn at_load_callback(f: *const c_char, data: *mut c_void, cb: Cb);
    fn at_load(f: *const c_char) -> *mut c_void;
    fn at_free(t: *mut c_void);
}

extern "C" fn collect(data: *mut c_void, name: *mut c_char, t: *mut c_void) {
    let v = unsafe { &mut *(data as *mut Vec<(String, Tensor)>) };
    let name = unsafe { CStr::from_ptr(name) }.to_str().unwrap().to_string();
    v.push((name, unsafe { tensor_arg(t, "t") }.unwrap().clone()));
    unsafe { at_free(t) };
}

fn cpath(rel: &str) -> CString {
    CString::new(data(rel)).unwrap()
}

fn last_error() -> Option<String> {
    torchrs::capi::boundary::take_last_error()
}

#[test]
fn c_loadz_reads_ordered_dict_state_dicts() {
    let p = cpath("fixtures/python/mixed_state_dict.pt");
    let mut v: Vec<(String, Tensor)> = Vec::new();
    unsafe { at_loadz_callback(p.as_ptr(), &mut v as *mut _ as *mut c_void, Some(collect)) };
    assert_eq!(last_error(), None);
    assert_eq!(v.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["w", "i", "h", "bf", "t", "b"]);
    let mut v2: Vec<(String, Tensor)> = Vec::new();
    unsafe { at_loadz_callback_with_device(p.as_ptr(), &mut v2 as *mut _ as *mut c_void, Some(collect), -1) };
    assert_eq!((last_error(), v2.len()), (None, 6));
    // a device this build does not have is an error, and no tensor is delivered
    let mut v3: Vec<(String, Tensor)> = Vec::new();
    unsafe { at_loadz_callback_with_device(p.as_ptr(), &mut v3 as *mut _ as *mut c_void, Some(collect), 0) };
    assert!(last_error().is_some());
    assert!(v3.is_empty());
    // a NULL callback is an error, not a crash
    unsafe { at_loadz_callback(p.as_ptr(), std::ptr::null_mut(), None) };
    assert!(last_error().unwrap().contains("callback"));
}

#[test]
fn c_load_callback_gives_module_parameters() {
    let mut v: Vec<(String, Tensor)> = Vec::new();
    let p = cpath("fixtures/libtorch/varstore.ot");
    unsafe { at_load_callback(p.as_ptr(), &mut v as *mut _ as *mut c_void, Some(collect)) };
    assert_eq!(last_error(), None);
    assert_eq!(v.len(), 8);
    assert!(v.iter().any(|(n, t)| n == "conv|weight" && t.shape()[..] == [2, 1, 3, 3]));
    let t = unsafe { at_load(cpath("fixtures/libtorch/tensor_f32_2x3.pt").as_ptr()) };
    assert_eq!(f32s(unsafe { tensor_arg(t, "t") }.unwrap()), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    unsafe { at_free(t) };
    let t = unsafe { at_load(std::ptr::null()) };
    assert!(t.is_null());
    assert!(last_error().unwrap().contains("NULL"));
}
