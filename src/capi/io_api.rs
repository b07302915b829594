//! File and image functions of torch_api.h (`at_save*`, `at_load*`, images), plus
//! `torchrs_save_state_dict` (a Python-loadable checkpoint). The formats live in `crate::io`.
//! Stream functions own the tch stream they are given and release it exactly once, on every path.

use super::boundary::{guard, guard_void};
use super::handles::{ctensor, new_tensor_handle, tensor, tensor_arg};
use super::streams::{ReadStream, WriteStream};
use crate::error::{Error, Result};
use crate::io::{self, source::SeekSource, Format, Select};
use crate::tensor::{Device, Tensor};
use std::ffi::{c_char, c_int, c_void, CStr, CString};

type Callback = Option<unsafe extern "C" fn(*mut c_void, *mut c_char, tensor)>;

unsafe fn c_str<'a>(p: *const c_char, what: &str) -> Result<&'a str> {
    crate::ensure!(!p.is_null(), "torchrs: argument '{what}' is a NULL string");
    CStr::from_ptr(p).to_str().map_err(|_| Error(format!("torchrs: argument '{what}' is not valid UTF-8")))
}

/// The `n` names of `names`, checked.
unsafe fn names<'a>(names: *mut *mut c_char, n: c_int) -> Result<Vec<&'a str>> {
    crate::ensure!(n >= 0, "torchrs: negative tensor count {n}");
    crate::ensure!(n == 0 || !names.is_null(), "torchrs: argument 'tensor_names' is NULL");
    (0..n as usize).map(|i| c_str(*names.add(i), "tensor_names")).collect()
}

/// The `n` (name, tensor) pairs of the save functions.
unsafe fn named<'a>(ts: *mut tensor, nm: *mut *mut c_char, n: c_int) -> Result<Vec<(&'a str, &'a Tensor)>> {
    let names = names(nm, n)?;
    crate::ensure!(n == 0 || !ts.is_null(), "torchrs: argument 'tensors' is NULL");
    names.into_iter().enumerate().map(|(i, name)| Ok((name, tensor_arg(*ts.add(i), "tensors")?))).collect()
}

/// Hands each named tensor to the caller's callback as a new handle it owns.
unsafe fn deliver(named: Vec<(String, Tensor)>, data: *mut c_void, f: Callback) -> Result<()> {
    let f = f.ok_or_else(|| Error::msg("torchrs: the callback is NULL"))?;
    for (name, t) in named {
        let c = CString::new(name.replace('\0', " ")).expect("no NUL left");
        f(data, c.as_ptr() as *mut c_char, new_tensor_handle(t));
    }
    Ok(())
}

fn load_with(filename: *mut c_char, select: Select, device: Option<c_int>) -> Result<Vec<(String, Tensor)>> {
    let device = match device {
        Some(d) => Device::from_code(d)?,
        None => Device::Cpu,
    };
    let path = unsafe { c_str(filename, "filename")? };
    io::to_device(io::load_named(path, select)?, device)
}

/// Takes ownership of `stream` first (so it is released on every path), then writes what `f` gives.
fn save_to_stream(stream: *mut c_void, f: impl FnOnce() -> Result<Vec<(String, Tensor)>>) -> Result<()> {
    let w = std::io::BufWriter::new(unsafe { WriteStream::new(stream)? });
    let named = f()?;
    let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
    io::save_named_to(&refs, w, Format::TorchScript).map(drop)
}

#[no_mangle]
pub extern "C" fn at_save(t: tensor, filename: *mut c_char) {
    guard_void("at_save", || unsafe { io::save(tensor_arg(t, "t")?, c_str(filename, "filename")?) })
}

#[no_mangle]
pub extern "C" fn at_save_to_stream(t: tensor, stream: *mut c_void) {
    guard_void("at_save_to_stream", || {
        save_to_stream(stream, || Ok(vec![("0".to_string(), unsafe { tensor_arg(t, "t")? }.clone())]))
    })
}

#[no_mangle]
pub extern "C" fn at_load(filename: *mut c_char) -> tensor {
    guard("at_load", std::ptr::null_mut(), || Ok(new_tensor_handle(io::load(unsafe { c_str(filename, "filename")? })?)))
}

#[no_mangle]
pub extern "C" fn at_load_from_stream(stream: *mut c_void) -> tensor {
    guard("at_load_from_stream", std::ptr::null_mut(), || {
        let src = SeekSource::new(unsafe { ReadStream::new(stream)? })?;
        Ok(new_tensor_handle(io::load_from(src)?))
    })
}

#[no_mangle]
pub extern "C" fn at_load_image(filename: *mut c_char) -> tensor {
    guard("at_load_image", std::ptr::null_mut(), || {
        Ok(new_tensor_handle(io::image::load_image(unsafe { c_str(filename, "filename")? })?))
    })
}

#[no_mangle]
pub extern "C" fn at_load_image_from_memory(data: *mut u8, size: usize) -> tensor {
    guard("at_load_image_from_memory", std::ptr::null_mut(), || {
        crate::ensure!(!data.is_null() || size == 0, "torchrs: argument 'img_data' is NULL");
        let bytes = if size == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(data, size) } };
        Ok(new_tensor_handle(io::image::load_image_from_memory(bytes)?))
    })
}

#[no_mangle]
pub extern "C" fn at_save_image(t: tensor, filename: *mut c_char) -> c_int {
    guard("at_save_image", -1, || unsafe { io::image::save_image(tensor_arg(t, "tensor")?, c_str(filename, "filename")?) })
}

#[no_mangle]
pub extern "C" fn at_resize_image(t: tensor, w: c_int, h: c_int) -> tensor {
    guard("at_resize_image", std::ptr::null_mut(), || {
        Ok(new_tensor_handle(io::image::resize_image(unsafe { tensor_arg(t, "tensor")? }, w as i64, h as i64)?))
    })
}

#[no_mangle]
pub extern "C" fn at_save_multi(ts: *mut tensor, nm: *mut *mut c_char, n: c_int, filename: *mut c_char) {
    guard_void("at_save_multi", || unsafe { io::save_multi(&named(ts, nm, n)?, c_str(filename, "filename")?) })
}

/// Writes a checkpoint that Python's `torch.load(filename, weights_only=True)` reads as a
/// dict mapping each name (kept as given, dots included) to its tensor; libtorch's at_loadz_callback
/// reads it too.
#[no_mangle]
pub extern "C" fn torchrs_save_state_dict(ts: *mut tensor, nm: *mut *mut c_char, n: c_int, filename: *mut c_char) {
    guard_void("torchrs_save_state_dict", || unsafe {
        io::save_state_dict(&named(ts, nm, n)?, c_str(filename, "filename")?)
    })
}

#[no_mangle]
pub extern "C" fn at_save_multi_to_stream(ts: *mut tensor, nm: *mut *mut c_char, n: c_int, stream: *mut c_void) {
    guard_void("at_save_multi_to_stream", || {
        save_to_stream(stream, || {
            let v = unsafe { named(ts, nm, n)? };
            Ok(v.into_iter().map(|(k, t)| (k.to_string(), t.clone())).collect())
        })
    })
}

#[no_mangle]
pub extern "C" fn at_load_multi(ts: *mut tensor, nm: *mut *mut c_char, n: c_int, filename: *mut c_char) {
    guard_void("at_load_multi", || unsafe {
        let names = names(nm, n)?;
        crate::ensure!(n == 0 || !ts.is_null(), "torchrs: argument 'tensors' is NULL");
        let loaded = io::load_multi(c_str(filename, "filename")?, &names)?;
        for (i, t) in loaded.into_iter().enumerate() {
            *ts.add(i) = new_tensor_handle(t);
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn at_load_multi_(ts: *mut tensor, nm: *mut *mut c_char, n: c_int, filename: *mut c_char) {
    guard_void("at_load_multi_", || unsafe {
        let names = names(nm, n)?;
        crate::ensure!(n == 0 || !ts.is_null(), "torchrs: argument 'tensors' is NULL");
        let targets: Vec<_> = (0..n as usize).map(|i| ctensor(*ts.add(i))).collect::<Result<_>>()?;
        let loaded = io::load_multi(c_str(filename, "filename")?, &names)?;
        for (dst, src) in targets.into_iter().zip(loaded) {
            match &dst.0 {
                Some(d) => {
                    d.set_data(&src);
                    d.bump_version();
                }
                None => dst.0 = Some(src),
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn at_loadz_callback(filename: *mut c_char, data: *mut c_void, f: Callback) {
    guard_void("at_loadz_callback", || unsafe { deliver(load_with(filename, Select::All, None)?, data, f) })
}

#[no_mangle]
pub extern "C" fn at_loadz_callback_with_device(filename: *mut c_char, data: *mut c_void, f: Callback, device: c_int) {
    guard_void("at_loadz_callback_with_device", || unsafe {
        deliver(load_with(filename, Select::All, Some(device))?, data, f)
    })
}

#[no_mangle]
pub extern "C" fn at_load_callback(filename: *mut c_char, data: *mut c_void, f: Callback) {
    guard_void("at_load_callback", || unsafe { deliver(load_with(filename, Select::Parameters, None)?, data, f) })
}

#[no_mangle]
pub extern "C" fn at_load_callback_with_device(filename: *mut c_char, data: *mut c_void, f: Callback, device: c_int) {
    guard_void("at_load_callback_with_device", || unsafe {
        deliver(load_with(filename, Select::Parameters, Some(device))?, data, f)
    })
}

#[no_mangle]
pub extern "C" fn at_load_from_stream_callback(
    stream: *mut c_void,
    data: *mut c_void,
    f: Callback,
    enable_device_id: bool,
    device: c_int,
) {
    guard_void("at_load_from_stream_callback", || unsafe {
        let src = SeekSource::new(ReadStream::new(stream)?)?;
        let named = io::load_named_from(src, Select::Parameters)?;
        let device = if enable_device_id { Device::from_code(device)? } else { Device::Cpu };
        deliver(io::to_device(named, device)?, data, f)
    })
}
