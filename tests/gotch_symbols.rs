//! gotch's nine extra C functions (beyond tch's ABI): declared here with gotch's signatures from
//! sugarme/gotch `libtch/torch_api.h`, called through the C ABI, with their errors checked.

// Links the library so the extern block below resolves against its exported functions.
extern crate torchrs;

use std::ffi::{c_char, c_int, c_void, CStr};

type Tensor = *mut c_void;
type Scalar = *mut c_void;
type Optimizer = *mut c_void;

extern "C" {
    fn get_and_reset_last_err() -> *mut c_char;
    fn at_free(t: Tensor);
    fn at_dim(t: Tensor) -> usize;
    fn at_shape(t: Tensor, dims: *mut i64);
    fn ats_int(v: i64) -> Scalar;
    fn ats_float(v: f64) -> Scalar;
    fn ats_free(s: Scalar);
    fn atg_ones(out: *mut Tensor, size: *const i64, size_len: c_int, kind: c_int, device: c_int);

    fn ato_sgd(lr: f64, momentum: f64, dampening: f64, wd: f64, nesterov: c_int) -> Optimizer;
    fn ato_free(o: Optimizer);
    fn ato_add_parameters_old(o: Optimizer, ts: *mut Tensor, ntensors: c_int);
    fn ato_add_parameter(o: Optimizer, t: Tensor, group: usize);
    fn ato_set_learning_rates(o: Optimizer, lrs: *mut f64, lrs_num: c_int);
    fn ato_get_learning_rates(o: Optimizer, lrs: *mut f64, ngroup: *mut c_int);
    fn ato_param_group_num(o: Optimizer) -> i64;
    fn ato_add_param_group(o: Optimizer, params: *mut Tensor, param_num: c_int);
    fn ato_constant_pad_nd(out: *mut Tensor, self_: Tensor, pad: *mut i64, pad_len: c_int, value: Scalar);
    fn at_double_value_at_indexes(t: Tensor, idx: *const i64, idx_len: c_int) -> f64;
    fn atc_get_device() -> c_int;
    fn atc_set_device(device_index: c_int);
}

/// Takes this thread's last error (freeing the C string).
fn last_err() -> Option<String> {
    unsafe {
        let p = get_and_reset_last_err();
        if p.is_null() {
            return None;
        }
        let s = CStr::from_ptr(p).to_string_lossy().into_owned();
        libc::free(p as *mut c_void);
        Some(s)
    }
}

const NULL_OPT: &str = "torchrs: the optimizer handle is NULL";

#[test]
fn optimizer_extras_reject_a_null_handle() {
    let mut lrs = [0.0f64; 2];
    let mut n: c_int = 7;
    unsafe {
        ato_add_parameters_old(std::ptr::null_mut(), std::ptr::null_mut(), 0);
        assert_eq!(last_err().as_deref(), Some(NULL_OPT));
        ato_add_parameter(std::ptr::null_mut(), std::ptr::null_mut(), 0);
        assert_eq!(last_err().as_deref(), Some(NULL_OPT));
        ato_set_learning_rates(std::ptr::null_mut(), lrs.as_mut_ptr(), 2);
        assert_eq!(last_err().as_deref(), Some(NULL_OPT));
        ato_get_learning_rates(std::ptr::null_mut(), lrs.as_mut_ptr(), &mut n);
        assert_eq!(last_err().as_deref(), Some(NULL_OPT));
        assert_eq!(n, 7, "nothing is written on error");
        assert_eq!(ato_param_group_num(std::ptr::null_mut()), -1);
        assert_eq!(last_err().as_deref(), Some(NULL_OPT));
        ato_add_param_group(std::ptr::null_mut(), std::ptr::null_mut(), 0);
        assert_eq!(last_err().as_deref(), Some(NULL_OPT));
    }
    assert_eq!(last_err(), None, "the error slot is reset after each read");
}

#[test]
fn optimizer_groups_and_learning_rates() {
    unsafe {
        let o = ato_sgd(0.1, 0.0, 0.0, 0.0, 0);
        assert_eq!(last_err(), None);
        assert_eq!(ato_param_group_num(o), 1, "libtorch starts with one empty group");
        let (a, b) = (ones(&[2]), ones(&[3]));
        let mut ts = [a];
        ato_add_parameters_old(o, ts.as_mut_ptr(), 1);
        ato_add_parameter(o, b, 2);
        assert_eq!(last_err(), None);
        assert_eq!(ato_param_group_num(o), 3);
        let mut group = [b];
        ato_add_param_group(o, group.as_mut_ptr(), 1);
        assert_eq!(ato_param_group_num(o), 4);
        let mut lrs = [0.5, 0.25, 0.125, 0.0625];
        ato_set_learning_rates(o, lrs.as_mut_ptr(), 4);
        assert_eq!(last_err(), None);
        let mut got = [0.0f64; 4];
        let mut n: c_int = 0;
        ato_get_learning_rates(o, got.as_mut_ptr(), &mut n);
        assert_eq!((n, got), (4, lrs));
        ato_set_learning_rates(o, lrs.as_mut_ptr(), 2);
        assert_eq!(last_err().as_deref(), Some("torchrs: 2 learning rates given for 4 parameter groups"));
        ato_free(o);
        at_free(a);
        at_free(b);
    }
}

fn ones(shape: &[i64]) -> Tensor {
    let mut out: Tensor = std::ptr::null_mut();
    unsafe { atg_ones(&mut out, shape.as_ptr(), shape.len() as c_int, 6, -1) };
    assert_eq!(last_err(), None);
    assert!(!out.is_null());
    out
}

fn shape_of(t: Tensor) -> Vec<i64> {
    unsafe {
        let mut dims = vec![0i64; at_dim(t)];
        at_shape(t, dims.as_mut_ptr());
        dims
    }
}

#[test]
fn constant_pad_nd_checks_its_arguments() {
    let t = ones(&[2, 3]);
    let mut pad = [1i64, 1];
    unsafe {
        let mut out: Tensor = 1usize as Tensor;
        let v = ats_int(0);
        ato_constant_pad_nd(&mut out, std::ptr::null_mut(), pad.as_mut_ptr(), 2, v);
        assert_eq!(last_err().as_deref(), Some("torchrs: argument 'self' is a NULL tensor handle"));
        assert!(out.is_null(), "the output slot is cleared before the op runs");
        ato_constant_pad_nd(&mut out, t, pad.as_mut_ptr(), 2, std::ptr::null_mut());
        assert_eq!(last_err().as_deref(), Some("torchrs: argument 'value' is a NULL scalar handle"));
        ato_constant_pad_nd(&mut out, t, std::ptr::null_mut(), 2, v);
        assert_eq!(last_err().as_deref(), Some("torchrs: argument 'pad' is NULL but its length is 2"));
        ats_free(v);
        at_free(t);
    }
}

#[test]
fn constant_pad_nd_pads_with_the_value_and_crops_with_negative_pads() {
    let t = ones(&[2, 3]);
    let at = |t: Tensor, i: i64, j: i64| unsafe { at_double_value_at_indexes(t, [i, j].as_ptr(), 2) };
    unsafe {
        let mut out: Tensor = std::ptr::null_mut();
        let two = ats_float(2.5);
        let mut pad = [1i64, 2];
        ato_constant_pad_nd(&mut out, t, pad.as_mut_ptr(), 2, two);
        assert_eq!(last_err(), None);
        assert_eq!(shape_of(out), vec![2, 6]);
        let row: Vec<f64> = (0..6).map(|j| at(out, 1, j)).collect();
        assert_eq!(row, vec![2.5, 1.0, 1.0, 1.0, 2.5, 2.5]);
        at_free(out);
        let mut crop = [-1i64, 0, 1, 0];
        ato_constant_pad_nd(&mut out, t, crop.as_mut_ptr(), 4, two);
        assert_eq!(last_err(), None);
        assert_eq!(shape_of(out), vec![3, 2]);
        assert_eq!((at(out, 0, 0), at(out, 1, 1)), (2.5, 1.0));
        at_free(out);
        ats_free(two);
        at_free(t);
    }
}

#[test]
fn cuda_device_is_like_libtorch_without_cuda() {
    unsafe {
        assert_eq!(atc_get_device(), -99);
        let e = last_err().expect("atc_get_device fails without a CUDA device");
        assert!(e.contains("cuda:0 is not available"), "{e}");

        atc_set_device(-1); // the CPU: accepted, nothing changes
        assert_eq!(last_err(), None);

        atc_set_device(0);
        let e = last_err().expect("cuda:0 is not available");
        assert!(e.contains("cuda:0 is not available"), "{e}");
        atc_set_device(-2);
        assert_eq!(last_err().as_deref(), Some("torchrs: the MPS device is not supported"));
        atc_set_device(-7);
        assert_eq!(last_err().as_deref(), Some("torchrs: unknown device code -7"));
    }
}

/// The built cdylib (target/<profile>/libtorchrs.so, next to the `deps/` folder of this test)
/// exports all nine, so gotch programs link against it.
#[test]
fn the_shared_library_exports_them() {
    let exe = std::env::current_exe().expect("current_exe");
    let path = exe.parent().and_then(std::path::Path::parent).expect("target/<profile>").join("libtorchrs.so");
    let c = std::ffi::CString::new(path.to_str().expect("utf-8 path")).unwrap();
    let lib = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    assert!(!lib.is_null(), "cannot dlopen {}", path.display());
    let names = [
        "ato_add_parameter",
        "ato_add_parameters_old",
        "ato_set_learning_rates",
        "ato_get_learning_rates",
        "ato_param_group_num",
        "ato_add_param_group",
        "ato_constant_pad_nd",
        "atc_get_device",
        "atc_set_device",
    ];
    let missing: Vec<_> = names
        .iter()
        .filter(|n| {
            let s = std::ffi::CString::new(**n).unwrap();
            unsafe { libc::dlsym(lib, s.as_ptr()) }.is_null()
        })
        .collect();
    unsafe { libc::dlclose(lib) };
    assert!(missing.is_empty(), "{} does not export {missing:?}", path.display());
}
