//! File and image functions of torch_api.h (`at_save*`, `at_load*`, images). The formats are
//! not built yet: each answers "not implemented" after checking its arguments.

use super::boundary::{guard, guard_void};
use super::handles::tensor;
use crate::error::{Error, Result};
use std::ffi::{c_char, c_int, c_void};

type Callback = Option<unsafe extern "C" fn(*mut c_void, *mut c_char, tensor)>;

fn missing<T>(op: &str) -> Result<T> {
    Err(Error::not_implemented(op))
}

#[no_mangle]
pub extern "C" fn at_save(_t: tensor, _filename: *mut c_char) {
    guard_void("at_save", || missing("save"))
}

#[no_mangle]
pub extern "C" fn at_save_to_stream(_t: tensor, _stream: *mut c_void) {
    guard_void("at_save_to_stream", || missing("save_to_stream"))
}

#[no_mangle]
pub extern "C" fn at_load(_filename: *mut c_char) -> tensor {
    guard("at_load", std::ptr::null_mut(), || missing("load"))
}

#[no_mangle]
pub extern "C" fn at_load_from_stream(_stream: *mut c_void) -> tensor {
    guard("at_load_from_stream", std::ptr::null_mut(), || missing("load_from_stream"))
}

#[no_mangle]
pub extern "C" fn at_load_image(_filename: *mut c_char) -> tensor {
    guard("at_load_image", std::ptr::null_mut(), || missing("load_image"))
}

#[no_mangle]
pub extern "C" fn at_load_image_from_memory(_data: *mut u8, _size: usize) -> tensor {
    guard("at_load_image_from_memory", std::ptr::null_mut(), || missing("load_image_from_memory"))
}

#[no_mangle]
pub extern "C" fn at_save_image(_t: tensor, _filename: *mut c_char) -> c_int {
    guard("at_save_image", -1, || missing("save_image"))
}

#[no_mangle]
pub extern "C" fn at_resize_image(_t: tensor, _w: c_int, _h: c_int) -> tensor {
    guard("at_resize_image", std::ptr::null_mut(), || missing("resize_image"))
}

#[no_mangle]
pub extern "C" fn at_save_multi(_ts: *mut tensor, _names: *mut *mut c_char, _n: c_int, _filename: *mut c_char) {
    guard_void("at_save_multi", || missing("save_multi"))
}

#[no_mangle]
pub extern "C" fn at_save_multi_to_stream(_ts: *mut tensor, _names: *mut *mut c_char, _n: c_int, _stream: *mut c_void) {
    guard_void("at_save_multi_to_stream", || missing("save_multi_to_stream"))
}

#[no_mangle]
pub extern "C" fn at_load_multi(_ts: *mut tensor, _names: *mut *mut c_char, _n: c_int, _filename: *mut c_char) {
    guard_void("at_load_multi", || missing("load_multi"))
}

#[no_mangle]
pub extern "C" fn at_load_multi_(_ts: *mut tensor, _names: *mut *mut c_char, _n: c_int, _filename: *mut c_char) {
    guard_void("at_load_multi_", || missing("load_multi_"))
}

#[no_mangle]
pub extern "C" fn at_loadz_callback(_filename: *mut c_char, _data: *mut c_void, _f: Callback) {
    guard_void("at_loadz_callback", || missing("loadz_callback"))
}

#[no_mangle]
pub extern "C" fn at_loadz_callback_with_device(_filename: *mut c_char, _data: *mut c_void, _f: Callback, _device: c_int) {
    guard_void("at_loadz_callback_with_device", || missing("loadz_callback_with_device"))
}

#[no_mangle]
pub extern "C" fn at_load_callback(_filename: *mut c_char, _data: *mut c_void, _f: Callback) {
    guard_void("at_load_callback", || missing("load_callback"))
}

#[no_mangle]
pub extern "C" fn at_load_callback_with_device(_filename: *mut c_char, _data: *mut c_void, _f: Callback, _device: c_int) {
    guard_void("at_load_callback_with_device", || missing("load_callback_with_device"))
}

#[no_mangle]
pub extern "C" fn at_load_from_stream_callback(_stream: *mut c_void, _data: *mut c_void, _f: Callback, _enable: bool, _device: c_int) {
    guard_void("at_load_from_stream_callback", || missing("load_from_stream_callback"))
}
