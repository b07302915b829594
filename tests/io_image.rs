//! Images: decoding (exact for PNG; JPEG against libtorch's stb decoder), encoding round trips,
//! resizing bit-exact with libtorch's stb_image_resize (stb_* files from tools/fixtures/gen_io.py), the
//! `[h, w, c]` layout of the C functions, and their errors.

use serde_json::Value;
use std::ffi::{c_char, c_void, CString};
use torchrs::capi::handles::{new_tensor_handle, tensor_arg};
use torchrs::io::image::{load_image, load_image_from_memory, resize_image, save_image};
use torchrs::{DType, Device, Tensor};

fn data(rel: &str) -> String {
    format!("{}/tests/data/io/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> String {
    std::env::temp_dir().join(format!("torchrs-img-{}-{name}", std::process::id())).to_str().unwrap().to_string()
}

fn bytes(t: &Tensor) -> Vec<i64> {
    t.to_vec::<i64>().unwrap()
}

fn expected(name: &str) -> (Vec<i64>, Vec<i64>) {
    let e: Value = serde_json::from_str(&std::fs::read_to_string(data("expected.json")).unwrap()).unwrap();
    let img = &e["images"][name];
    let v = |k: &str| img[k].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    (v("shape"), v("data"))
}

/// (max, mean) absolute difference of two u8 images of one shape.
fn diff(a: &Tensor, b: &Tensor) -> (i64, f64) {
    assert_eq!(a.shape(), b.shape());
    let (x, y) = (bytes(a), bytes(b));
    let d: Vec<i64> = x.iter().zip(&y).map(|(p, q)| (p - q).abs()).collect();
    (*d.iter().max().unwrap(), d.iter().sum::<i64>() as f64 / d.len() as f64)
}

#[test]
fn png_decodes_exactly_into_hwc_rgb() {
    for name in ["img_rgb.png", "img_gray.png", "img_rgba.png", "img_grad.png"] {
        let (shape, want) = expected(name);
        let t = load_image(&data(name)).unwrap();
        assert_eq!(t.dtype(), DType::U8);
        assert_eq!(&t.shape()[..], &shape[..], "{name}");
        assert_eq!(bytes(&t), want, "{name}");
        let m = load_image_from_memory(&std::fs::read(data(name)).unwrap()).unwrap();
        assert_eq!(bytes(&m), want, "{name} from memory");
    }
}

#[test]
fn jpeg_decodes_like_stb() {
    let ours = load_image(&data("stb_grad.jpg")).unwrap();
    let stb = load_image(&data("stb_grad_jpg_decoded.png")).unwrap();
    let (max, mean) = diff(&ours, &stb);
    eprintln!("JPEG decode vs stb: max {max}, mean {mean:.3}");
    assert!(max <= 8 && mean <= 1.5, "max {max}, mean {mean}");
}

#[test]
fn encoders_round_trip() {
    let grad = load_image(&data("img_grad.png")).unwrap();
    for ext in ["png", "bmp", "tga", "PNG"] {
        let p = tmp(&format!("grad.{ext}"));
        assert_eq!(save_image(&grad, &p).unwrap(), 1);
        assert_eq!(bytes(&load_image(&p).unwrap()), bytes(&grad), "{ext}");
    }
    let p = tmp("grad.jpg");
    save_image(&grad, &p).unwrap();
    assert_eq!(&std::fs::read(&p).unwrap()[..2], &[0xFF, 0xD8], "a JPEG file");
    let (max, mean) = diff(&load_image(&p).unwrap(), &grad);
    assert!(max <= 40 && mean <= 6.0, "JPEG q90: max {max}, mean {mean}");
    // 1 and 4 channels: gray comes back replicated, alpha is dropped
    let gray = Tensor::from_vec((0..12u8).map(|v| v * 20).collect::<Vec<u8>>(), &[3, 4, 1]).unwrap();
    let p = tmp("gray.png");
    save_image(&gray, &p).unwrap();
    let back = load_image(&p).unwrap();
    assert_eq!(bytes(&back), bytes(&gray).iter().flat_map(|&v| [v, v, v]).collect::<Vec<_>>());
    let rgba = Tensor::from_vec((0..24u8).map(|v| v * 10).collect::<Vec<u8>>(), &[2, 3, 4]).unwrap();
    for ext in ["png", "jpg"] {
        let p = tmp(&format!("rgba.{ext}"));
        save_image(&rgba, &p).unwrap();
        assert_eq!(&load_image(&p).unwrap().shape()[..], &[2, 3, 3]);
    }
    // float images are converted to u8 (tch's vision::image::save does the same)
    let f = torchrs::ops::convert::to(&grad, None, Some(DType::F32), false).unwrap();
    let p = tmp("float.png");
    save_image(&f, &p).unwrap();
    assert_eq!(bytes(&load_image(&p).unwrap()), bytes(&grad));
}

#[test]
fn resize_matches_stb_exactly() {
    let grad = load_image(&data("img_grad.png")).unwrap();
    for (w, h) in [(7, 5), (23, 17)] {
        let ours = resize_image(&grad, w, h).unwrap();
        assert_eq!(&ours.shape()[..], &[h, w, 3]);
        let stb = load_image(&data(&format!("stb_resize_{w}x{h}.png"))).unwrap();
        let (max, mean) = diff(&ours, &stb);
        eprintln!("resize to {w}x{h} vs stb: max {max}, mean {mean:.3}");
        assert!(max <= 1 && mean <= 0.01, "{w}x{h}: max {max}, mean {mean}");
    }
    // a constant image stays constant; any channel count works
    let c = Tensor::full(&[5, 6, 2], torchrs::Scalar::Int(77), DType::U8, Device::Cpu).unwrap();
    let r = resize_image(&c, 13, 3).unwrap();
    assert_eq!(&r.shape()[..], &[3, 13, 2]);
    assert!(bytes(&r).iter().all(|&v| v == 77));
    // tch's vision test: float [8, 12, 3] input, sizes only
    let z = Tensor::zeros(&[8, 12, 3], DType::F32, Device::Cpu).unwrap();
    assert_eq!(&resize_image(&z, 16, 16).unwrap().shape()[..], &[16, 16, 3]);
    assert_eq!(&resize_image(&z, 4, 16).unwrap().shape()[..], &[16, 4, 3]);
    assert_eq!(&resize_image(&z, 32, 8).unwrap().shape()[..], &[8, 32, 3]);
    // like stb, the same size is not the identity: Mitchell's [1, 16, 1] / 18 blur, edges clamped
    let row = Tensor::from_vec(vec![0u8, 0, 180, 0, 0], &[1, 5, 1]).unwrap();
    assert_eq!(bytes(&resize_image(&row, 5, 1).unwrap()), [0, 10, 160, 10, 0]);
}

#[test]
fn bad_images_are_errors() {
    assert!(load_image(&data("missing.png")).unwrap_err().0.contains("cannot open"));
    assert!(load_image_from_memory(b"definitely not an image").is_err());
    assert!(load_image_from_memory(&[]).is_err());
    let png = std::fs::read(data("img_grad.png")).unwrap();
    for n in [8, 30, 60, png.len() - 13] {
        assert!(load_image_from_memory(&png[..n]).is_err(), "PNG cut at {n}");
    }
    // a PNG header claiming 60000 x 60000 pixels is refused, not allocated
    let mut big = png.clone();
    big[16..20].copy_from_slice(&60000u32.to_be_bytes());
    big[20..24].copy_from_slice(&60000u32.to_be_bytes());
    assert!(load_image_from_memory(&big).is_err());
    // a JPEG of 860 bytes whose header declares 44048 x 3072 pixels (found by fuzz/image): refused
    // before decoding, from memory and from a file
    let huge = std::fs::read(data("huge_declared.jpg")).unwrap();
    assert_eq!(huge.len(), 860);
    let e = load_image_from_memory(&huge).unwrap_err().0;
    assert!(e.contains("declares 3072x44048 pixels"), "{e}");
    let e = load_image(&data("huge_declared.jpg")).unwrap_err().0;
    assert!(e.contains("cannot decode image '") && e.contains("declares"), "{e}");
    // small images compress far less than the limit allows: the fixtures still decode
    assert!(load_image_from_memory(&png).is_ok());
    let t2 = Tensor::zeros(&[4, 4], DType::U8, Device::Cpu).unwrap();
    assert_eq!(save_image(&t2, &tmp("x.png")).unwrap_err().0, "invalid number of dimensions, should be 3");
    assert_eq!(resize_image(&t2, 2, 2).unwrap_err().0, "invalid number of dimensions, should be 3");
    let t5 = Tensor::zeros(&[4, 4, 5], DType::U8, Device::Cpu).unwrap();
    assert!(save_image(&t5, &tmp("x.png")).is_err());
    let t3 = Tensor::zeros(&[4, 4, 3], DType::U8, Device::Cpu).unwrap();
    assert!(resize_image(&t3, 0, 4).is_err());
    assert!(resize_image(&t3, 4, -1).is_err());
    assert!(save_image(&t3, "/nonexistent-dir/x.png").is_err());
    let e = Tensor::zeros(&[0, 4, 3], DType::U8, Device::Cpu).unwrap();
    assert!(save_image(&e, &tmp("e.png")).is_err());
}

extern "C" {
    fn at_load_image(f: *const c_char) -> *mut c_void;
    fn at_load_image_from_memory(d: *const u8, n: usize) -> *mut c_void;
    fn at_save_image(t: *mut c_void, f: *const c_char) -> i32;
    fn at_resize_image(t: *mut c_void, w: i32, h: i32) -> *mut c_void;
    fn at_free(t: *mut c_void);
}

#[test]
fn c_functions() {
    let p = CString::new(data("img_rgb.png")).unwrap();
    let t = unsafe { at_load_image(p.as_ptr()) };
    let img = unsafe { tensor_arg(t, "t") }.unwrap().clone();
    assert_eq!(&img.shape()[..], &[4, 5, 3]);
    let png = std::fs::read(data("img_rgb.png")).unwrap();
    let m = unsafe { at_load_image_from_memory(png.as_ptr(), png.len()) };
    assert_eq!(bytes(unsafe { tensor_arg(m, "m") }.unwrap()), bytes(&img));
    let r = unsafe { at_resize_image(t, 10, 8) };
    assert_eq!(&unsafe { tensor_arg(r, "r") }.unwrap().shape()[..], &[8, 10, 3]);
    let out = CString::new(tmp("c.png")).unwrap();
    assert_eq!(unsafe { at_save_image(r, out.as_ptr()) }, 1);
    assert!(torchrs::capi::boundary::take_last_error().is_none());
    // errors: NULL data, undefined handle, bad file
    assert!(unsafe { at_load_image_from_memory(std::ptr::null(), 10) }.is_null());
    assert!(torchrs::capi::boundary::take_last_error().is_some());
    assert_eq!(unsafe { at_save_image(std::ptr::null_mut(), out.as_ptr()) }, -1);
    assert!(torchrs::capi::boundary::take_last_error().is_some());
    let bad = new_tensor_handle(Tensor::zeros(&[2], DType::U8, Device::Cpu).unwrap());
    assert!(unsafe { at_resize_image(bad, 4, 4) }.is_null());
    assert_eq!(torchrs::capi::boundary::take_last_error().unwrap(), "invalid number of dimensions, should be 3");
    for h in [t, m, r, bad] {
        unsafe { at_free(h) };
    }
}
