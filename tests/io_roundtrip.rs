//! What we write, we read back exactly (values, dtypes, layouts, shared storages), in both
//! formats, through `torchrs::io` and the C functions, streams included (this test binary defines
//! tch's `tch_*_stream_*` callbacks, as a tch program does); and our libtorch archive is
//! byte-for-byte the one libtorch writes, but for its random serialization id.

use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use torchrs::capi::handles::{new_tensor_handle, new_undefined_handle, tensor_arg};
use torchrs::io::{self, Format, Select};
use torchrs::{DType, Device, Tensor};

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("torchrs-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_str().unwrap().to_string()
}

fn data(rel: &str) -> String {
    format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn same_storage(a: &Tensor, b: &Tensor) -> bool {
    Arc::ptr_eq(&a.data().storage, &b.data().storage)
}

fn cast(t: &Tensor, d: DType) -> Tensor {
    torchrs::ops::convert::to(t, None, Some(d), false).unwrap()
}

/// One tensor of each dtype plus views: transposed, offset slice, stride-0 expand, 0-d, empty.
fn samples() -> Vec<(String, Tensor)> {
    let base = Tensor::from_vec((0..24).map(|i| i as f64 * 1.5 - 7.0).collect::<Vec<f64>>(), &[4, 6]).unwrap();
    let mut v: Vec<(String, Tensor)> = DType::ALL.iter().map(|&d| (format!("{d:?}"), cast(&base, d))).collect();
    let f = cast(&base, DType::F32);
    v.push(("t".into(), f.view_as_layout(f.layout().transpose(0, 1))));
    v.push(("slice".into(), f.view_as_layout(f.layout().narrow(1, 2, 3))));
    let row = Tensor::from_vec(vec![1i64, -2, 3], &[3]).unwrap();
    v.push(("expanded".into(), row.view_as_layout(row.layout().expand(&[2, 3]).unwrap())));
    v.push(("scalar".into(), Tensor::scalar_tensor(2.5f64)));
    v.push(("empty".into(), Tensor::zeros(&[0, 3], DType::F16, Device::Cpu).unwrap()));
    v
}

fn assert_same(what: &str, a: &Tensor, b: &Tensor) {
    assert_eq!(a.dtype(), b.dtype(), "{what}: dtype");
    assert_eq!(a.layout(), b.layout(), "{what}: layout");
    assert_eq!(a.to_vec::<f64>().unwrap(), b.to_vec::<f64>().unwrap(), "{what}: values");
    assert_eq!(a.requires_grad(), b.requires_grad(), "{what}: requires_grad");
}

#[test]
fn every_dtype_and_layout_round_trips_in_both_formats() {
    let s = samples();
    let named: Vec<(&str, &Tensor)> = s.iter().map(|(n, t)| (n.as_str(), t)).collect();
    for format in [Format::TorchScript, Format::Python] {
        let path = tmp(&format!("all_{format:?}.pt"));
        io::save_named(&named, &path, format).unwrap();
        let back = io::load_named(&path, Select::All).unwrap();
        assert_eq!(back.len(), s.len());
        for ((n, a), (m, b)) in s.iter().zip(&back) {
            assert_eq!(n, m);
            assert_same(&format!("{format:?} {n}"), a, b);
        }
        // t and slice view the f32 storage: still one storage after loading
        let find = |n: &str| &back.iter().find(|(k, _)| k == n).unwrap().1;
        assert!(same_storage(find("t"), find("slice")));
        assert!(!same_storage(find("t"), find("F64")));
    }
}

#[test]
fn single_tensor_and_requires_grad() {
    let t = Tensor::from_vec(vec![3.0f32, 1.0, 4.0, 1.0, 5.0], &[5]).unwrap();
    t.set_requires_grad(true).unwrap();
    let path = tmp("single.pt");
    io::save(&t, &path).unwrap();
    let back = io::load(&path).unwrap();
    assert_same("single", &t, &back);
    assert!(back.is_leaf());
}

#[test]
fn names_follow_each_format() {
    let t = Tensor::from_vec(vec![1.0f32], &[1]).unwrap();
    let err = io::save_multi(&[("a.b", &t)], &tmp("dots.ot")).unwrap_err();
    assert!(err.0.contains("can't contain"), "{err}");
    assert!(io::save_multi(&[("", &t)], &tmp("empty.ot")).is_err());
    // Python checkpoints keep dotted state-dict keys
    let path = tmp("dots.pt");
    io::save_state_dict(&[("layer1.weight", &t), ("weird \"name\"", &t)], &path).unwrap();
    let back = io::load_named(&path, Select::All).unwrap();
    assert_eq!(back.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["layer1.weight", "weird \"name\""]);
    // no tensors at all is a valid (empty) archive in both formats
    for f in [Format::TorchScript, Format::Python] {
        let p = tmp(&format!("none_{f:?}.pt"));
        io::save_named(&[], &p, f).unwrap();
        assert!(io::load_named(&p, Select::All).unwrap().is_empty());
    }
}

/// The records of a zip: (name, data offset, data), from its central directory and local headers.
fn records(bytes: &[u8]) -> Vec<(String, usize, Vec<u8>)> {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let eocd = (0..bytes.len() - 21).rev().find(|&i| u32_at(i) == 0x0605_4b50).unwrap();
    let (n, mut p) = (u16_at(eocd + 10), u32_at(eocd + 16));
    let mut out = Vec::new();
    for _ in 0..n {
        let (size, nl, xl, cl, off) = (u32_at(p + 24), u16_at(p + 28), u16_at(p + 30), u16_at(p + 32), u32_at(p + 42));
        let name = String::from_utf8(bytes[p + 46..p + 46 + nl].to_vec()).unwrap();
        let start = off + 30 + u16_at(off + 26) + u16_at(off + 28);
        out.push((name, start, bytes[start..start + size].to_vec()));
        p += 46 + nl + xl + cl;
    }
    out
}

#[test]
fn archive_matches_libtorch_byte_for_byte() {
    let a = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], &[3]).unwrap();
    let bc = Tensor::ones(&[2, 2], DType::I32, Device::Cpu).unwrap();
    let dir = tmp("bytes");
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/multi.ot");
    io::save_multi(&[("a", &a), ("b|c", &bc)], &path).unwrap();
    let ours = std::fs::read(&path).unwrap();
    let theirs = std::fs::read(data("fixtures/libtorch/multi.ot")).unwrap();
    let (ro, rt) = (records(&ours), records(&theirs));
    assert_eq!(ro.iter().map(|r| &r.0).collect::<Vec<_>>(), rt.iter().map(|r| &r.0).collect::<Vec<_>>());
    for ((name, off, d), (_, off2, d2)) in ro.iter().zip(&rt) {
        assert_eq!(off % 64, 0, "{name} is 64-byte aligned");
        assert_eq!(off, off2, "{name}: same offset as libtorch");
        if !name.ends_with("serialization_id") {
            assert_eq!(d, d2, "{name}: same bytes as libtorch");
        }
    }
    assert_eq!(ours.len(), theirs.len());
}

// ---- the C functions ----

extern "C" {
    fn at_save(t: *mut c_void, f: *const c_char);
    fn at_load(f: *const c_char) -> *mut c_void;
    fn at_save_multi(ts: *const *mut c_void, names: *const *const c_char, n: i32, f: *const c_char);
    fn at_load_multi(ts: *mut *mut c_void, names: *const *const c_char, n: i32, f: *const c_char);
    fn at_load_multi_(ts: *mut *mut c_void, names: *const *const c_char, n: i32, f: *const c_char);
    fn torchrs_save_state_dict(ts: *const *mut c_void, names: *const *const c_char, n: i32, f: *const c_char);
    fn at_loadz_callback(f: *const c_char, data: *mut c_void, cb: Cb);
    fn at_save_to_stream(t: *mut c_void, s: *mut c_void);
    fn at_save_multi_to_stream(ts: *const *mut c_void, names: *const *const c_char, n: i32, s: *mut c_void);
    fn at_load_from_stream(s: *mut c_void) -> *mut c_void;
    fn at_load_from_stream_callback(s: *mut c_void, data: *mut c_void, cb: Cb, enable: bool, device: i32);
    fn at_free(t: *mut c_void);
}
type Cb = Option<extern "C" fn(*mut c_void, *mut c_char, *mut c_void)>;

extern "C" fn collect(data: *mut c_void, name: *mut c_char, t: *mut c_void) {
    let v = unsafe { &mut *(data as *mut Vec<(String, Tensor)>) };
    let name = unsafe { std::ffi::CStr::from_ptr(name) }.to_str().unwrap().to_string();
    v.push((name, unsafe { tensor_arg(t, "t") }.unwrap().clone()));
    unsafe { at_free(t) };
}

fn last_error() -> Option<String> {
    torchrs::capi::boundary::take_last_error()
}

fn get(h: *mut c_void) -> Tensor {
    unsafe { tensor_arg(h, "t") }.unwrap().clone()
}

#[test]
fn c_save_load_multi_and_state_dict() {
    let a = Tensor::from_vec(vec![3.0f64, 1.0, 4.0], &[3]).unwrap();
    let e = Tensor::from_vec(vec![2i64, 7, 1, 8], &[2, 2]).unwrap();
    let hs = [new_tensor_handle(a.clone()), new_tensor_handle(e.clone())];
    let names = [CString::new("pi").unwrap(), CString::new("e").unwrap()];
    let np: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
    let path = CString::new(tmp("multi_c.ot")).unwrap();
    unsafe { at_save_multi(hs.as_ptr(), np.as_ptr(), 2, path.as_ptr()) };
    assert_eq!(last_error(), None);

    let mut out = [std::ptr::null_mut(); 2];
    unsafe { at_load_multi(out.as_mut_ptr(), np.as_ptr(), 2, path.as_ptr()) };
    assert_eq!(last_error(), None);
    assert_same("pi", &a, &get(out[0]));
    assert_same("e", &e, &get(out[1]));
    // a missing name fails and leaves the output slots alone
    let bad = [CString::new("pi").unwrap(), CString::new("nope").unwrap()];
    let bp: Vec<*const c_char> = bad.iter().map(|n| n.as_ptr()).collect();
    let mut none = [std::ptr::null_mut(); 2];
    unsafe { at_load_multi(none.as_mut_ptr(), bp.as_ptr(), 2, path.as_ptr()) };
    assert!(last_error().unwrap().contains("nope"));
    assert!(none.iter().all(|p| p.is_null()));

    // at_load_multi_ makes existing tensors view the loaded data; an undefined handle is filled
    let dst = Tensor::zeros(&[7], DType::F32, Device::Cpu).unwrap();
    let mut targets = [new_tensor_handle(dst.clone()), new_undefined_handle()];
    unsafe { at_load_multi_(targets.as_mut_ptr(), np.as_ptr(), 2, path.as_ptr()) };
    assert_eq!(last_error(), None);
    assert_same("pi into existing", &a, &dst);
    assert_same("e into undefined", &e, &get(targets[1]));

    let sd = CString::new(tmp("state_dict_c.pt")).unwrap();
    let dotted = [CString::new("layer.weight").unwrap(), CString::new("layer.bias").unwrap()];
    let dp: Vec<*const c_char> = dotted.iter().map(|n| n.as_ptr()).collect();
    unsafe { torchrs_save_state_dict(hs.as_ptr(), dp.as_ptr(), 2, sd.as_ptr()) };
    assert_eq!(last_error(), None);
    let mut v: Vec<(String, Tensor)> = Vec::new();
    unsafe { at_loadz_callback(sd.as_ptr(), &mut v as *mut _ as *mut c_void, Some(collect)) };
    assert_eq!(v.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["layer.weight", "layer.bias"]);
    assert_same("weight", &a, &v[0].1);

    let one = CString::new(tmp("one_c.pt")).unwrap();
    unsafe { at_save(hs[1], one.as_ptr()) };
    let back = unsafe { at_load(one.as_ptr()) };
    assert_same("at_save", &e, &get(back));
    // bad arguments are errors
    unsafe { at_save(std::ptr::null_mut(), one.as_ptr()) };
    assert!(last_error().is_some());
    unsafe { at_save_multi(hs.as_ptr(), std::ptr::null(), 2, path.as_ptr()) };
    assert!(last_error().is_some());
    for h in hs.into_iter().chain(out).chain(targets).chain([back]) {
        unsafe { at_free(h) };
    }
}

// ---- tch's stream callbacks, defined here as a tch program defines them ----

/// Shared with the test: the bytes written, and how often the stream was released.
#[derive(Default)]
struct Shared {
    bytes: Mutex<Vec<u8>>,
    released: AtomicUsize,
}

struct WStream {
    shared: Arc<Shared>,
    fail: bool,
}

struct RStream {
    shared: Arc<Shared>,
    pos: u64,
}

fn write_stream(shared: &Arc<Shared>, fail: bool) -> *mut c_void {
    Box::into_raw(Box::new(WStream { shared: shared.clone(), fail })) as *mut c_void
}

fn read_stream(shared: &Arc<Shared>) -> *mut c_void {
    Box::into_raw(Box::new(RStream { shared: shared.clone(), pos: 0 })) as *mut c_void
}

#[no_mangle]
pub extern "C" fn tch_write_stream_destructor(p: *mut c_void) -> bool {
    let s = unsafe { Box::from_raw(p as *mut WStream) };
    s.shared.released.fetch_add(1, Ordering::SeqCst);
    true
}

#[no_mangle]
pub extern "C" fn tch_write_stream_write(p: *mut c_void, buf: *const u8, size: usize, out: *mut usize) -> bool {
    let s = unsafe { &*(p as *const WStream) };
    if s.fail {
        return false;
    }
    s.shared.bytes.lock().unwrap().extend_from_slice(unsafe { std::slice::from_raw_parts(buf, size) });
    unsafe { *out = size };
    true
}

#[no_mangle]
pub extern "C" fn tch_read_stream_destructor(p: *mut c_void) -> bool {
    let s = unsafe { Box::from_raw(p as *mut RStream) };
    s.shared.released.fetch_add(1, Ordering::SeqCst);
    true
}

#[no_mangle]
pub extern "C" fn tch_read_stream_stream_position(p: *mut c_void, pos: *mut u64) -> bool {
    unsafe { *pos = (*(p as *const RStream)).pos };
    true
}

#[no_mangle]
pub extern "C" fn tch_read_stream_seek_start(p: *mut c_void, pos: u64, new_pos: *mut u64) -> bool {
    let s = unsafe { &mut *(p as *mut RStream) };
    s.pos = pos;
    unsafe { *new_pos = pos };
    true
}

#[no_mangle]
pub extern "C" fn tch_read_stream_seek_end(p: *mut c_void, pos: i64, new_pos: *mut u64) -> bool {
    let s = unsafe { &mut *(p as *mut RStream) };
    s.pos = (s.shared.bytes.lock().unwrap().len() as i64 + pos).max(0) as u64;
    unsafe { *new_pos = s.pos };
    true
}

#[no_mangle]
pub extern "C" fn tch_read_stream_read(p: *mut c_void, buf: *mut u8, size: usize, n: *mut usize) -> bool {
    let s = unsafe { &mut *(p as *mut RStream) };
    let bytes = s.shared.bytes.lock().unwrap();
    let start = (s.pos as usize).min(bytes.len());
    let k = size.min(bytes.len() - start);
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr().add(start), buf, k) };
    s.pos += k as u64;
    unsafe { *n = k };
    true
}

#[test]
fn streams_round_trip_and_are_released_once() {
    let t = Tensor::from_vec(vec![3.0f64, 1.0, 4.0, 1.0, 5.0], &[5]).unwrap();
    let h = new_tensor_handle(t.clone());
    let shared = Arc::new(Shared::default());
    unsafe { at_save_to_stream(h, write_stream(&shared, false)) };
    assert_eq!(last_error(), None);
    assert_eq!(shared.released.load(Ordering::SeqCst), 1);
    // the stream holds a libtorch archive, like a file
    let bytes = shared.bytes.lock().unwrap().clone();
    assert_same("stream bytes", &t, &io::load_from(&bytes[..]).unwrap());

    let back = unsafe { at_load_from_stream(read_stream(&shared)) };
    assert_eq!(last_error(), None);
    assert_same("stream", &t, &get(back));
    assert_eq!(shared.released.load(Ordering::SeqCst), 2);

    let e = Tensor::from_vec(vec![2i64, 7, 1, 8], &[4]).unwrap();
    let hs = [h, new_tensor_handle(e.clone())];
    let names = [CString::new("pi").unwrap(), CString::new("e").unwrap()];
    let np: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
    let multi = Arc::new(Shared::default());
    unsafe { at_save_multi_to_stream(hs.as_ptr(), np.as_ptr(), 2, write_stream(&multi, false)) };
    assert_eq!((last_error(), multi.released.load(Ordering::SeqCst)), (None, 1));
    let mut v: Vec<(String, Tensor)> = Vec::new();
    unsafe { at_load_from_stream_callback(read_stream(&multi), &mut v as *mut _ as *mut c_void, Some(collect), false, 0) };
    assert_eq!(last_error(), None);
    assert_eq!(multi.released.load(Ordering::SeqCst), 2);
    assert_eq!(v.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["pi", "e"]);
    assert_same("e", &e, &v[1].1);

    // error paths release the stream exactly once too
    let s = Arc::new(Shared::default());
    unsafe { at_save_to_stream(std::ptr::null_mut(), write_stream(&s, false)) };
    assert!(last_error().is_some());
    unsafe { at_save_to_stream(h, write_stream(&s, true)) };
    assert!(last_error().unwrap().contains("write"));
    *s.bytes.lock().unwrap() = b"not a zip file at all".to_vec();
    let none = unsafe { at_load_from_stream(read_stream(&s)) };
    assert!(none.is_null() && last_error().is_some());
    unsafe { at_load_from_stream_callback(read_stream(&s), std::ptr::null_mut(), Some(collect), true, -1) };
    assert!(last_error().is_some());
    assert_eq!(s.released.load(Ordering::SeqCst), 4);
    for h in hs.into_iter().chain([back]) {
        unsafe { at_free(h) };
    }
}
