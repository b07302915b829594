//! `atm_*`: TorchScript modules. Running TorchScript is not built: loading answers "not
//! implemented"; the process-wide JIT switches are kept as flags.

use super::boundary::{guard, guard_void};
use super::handles::{ivalue, module, tensor};
use crate::error::{Error, Result};
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

fn no_jit<T>(what: &str) -> Result<T> {
    Err(Error(format!("torchrs: {what} is not implemented (TorchScript modules are not supported yet)")))
}

fn check(m: module) -> Result<()> {
    crate::ensure!(!m.is_null(), "torchrs: the module handle is NULL");
    no_jit("module")
}

#[no_mangle]
pub extern "C" fn atm_load(_filename: *mut c_char) -> module {
    guard("atm_load", std::ptr::null_mut(), || no_jit("atm_load"))
}

#[no_mangle]
pub extern "C" fn atm_load_on_device(_filename: *mut c_char, _device: c_int) -> module {
    guard("atm_load_on_device", std::ptr::null_mut(), || no_jit("atm_load_on_device"))
}

#[no_mangle]
pub extern "C" fn atm_load_str(_data: *mut c_char, _sz: usize) -> module {
    guard("atm_load_str", std::ptr::null_mut(), || no_jit("atm_load_str"))
}

#[no_mangle]
pub extern "C" fn atm_load_str_on_device(_data: *mut c_char, _sz: usize, _device: c_int) -> module {
    guard("atm_load_str_on_device", std::ptr::null_mut(), || no_jit("atm_load_str_on_device"))
}

#[no_mangle]
pub extern "C" fn atm_forward(m: module, _tensors: *mut tensor, _ntensors: c_int) -> tensor {
    guard("atm_forward", std::ptr::null_mut(), || check(m).map(|_| std::ptr::null_mut()))
}

#[no_mangle]
pub extern "C" fn atm_forward_(m: module, _ivalues: *mut ivalue, _nivalues: c_int) -> ivalue {
    guard("atm_forward_", std::ptr::null_mut(), || check(m).map(|_| std::ptr::null_mut()))
}

#[no_mangle]
pub extern "C" fn atm_method(m: module, _name: *mut c_char, _tensors: *mut tensor, _ntensors: c_int) -> tensor {
    guard("atm_method", std::ptr::null_mut(), || check(m).map(|_| std::ptr::null_mut()))
}

#[no_mangle]
pub extern "C" fn atm_method_(m: module, _name: *mut c_char, _ivalues: *mut ivalue, _nivalues: c_int) -> ivalue {
    guard("atm_method_", std::ptr::null_mut(), || check(m).map(|_| std::ptr::null_mut()))
}

#[no_mangle]
pub extern "C" fn atm_create_class_(m: module, _name: *mut c_char, _ivalues: *mut ivalue, _nivalues: c_int) -> ivalue {
    guard("atm_create_class_", std::ptr::null_mut(), || check(m).map(|_| std::ptr::null_mut()))
}

#[no_mangle]
pub extern "C" fn atm_eval(m: module) {
    guard_void("atm_eval", || check(m))
}

#[no_mangle]
pub extern "C" fn atm_train(m: module) {
    guard_void("atm_train", || check(m))
}

/// No module handle is ever handed out yet, so there is nothing to release.
#[no_mangle]
pub extern "C" fn atm_free(_m: module) {}

#[no_mangle]
pub extern "C" fn atm_to(m: module, _device: c_int, _dtype: c_int, _non_blocking: bool) {
    guard_void("atm_to", || check(m))
}

#[no_mangle]
pub extern "C" fn atm_save(m: module, _filename: *mut c_char) {
    guard_void("atm_save", || check(m))
}

#[no_mangle]
pub extern "C" fn atm_named_parameters(m: module, _data: *mut c_void, _f: Option<unsafe extern "C" fn(*mut c_void, *mut c_char, tensor)>) {
    guard_void("atm_named_parameters", || check(m))
}

#[no_mangle]
pub extern "C" fn atm_create_for_tracing(_name: *mut c_char, _inputs: *mut tensor, _ninputs: c_int) -> module {
    guard("atm_create_for_tracing", std::ptr::null_mut(), || no_jit("atm_create_for_tracing"))
}

#[no_mangle]
pub extern "C" fn atm_end_tracing(m: module, _fn_name: *mut c_char, _outputs: *mut tensor, _noutputs: c_int) {
    guard_void("atm_end_tracing", || check(m))
}

static PROFILING_MODE: AtomicI32 = AtomicI32::new(1);
static FUSER_CUDA: AtomicBool = AtomicBool::new(false);
static TENSOR_EXPR_FUSER: AtomicBool = AtomicBool::new(false);

#[no_mangle]
pub extern "C" fn atm_get_profiling_mode() -> c_int {
    PROFILING_MODE.load(Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn atm_set_profiling_mode(b: c_int) {
    PROFILING_MODE.store(b, Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn atm_fuser_cuda_set_enabled(b: bool) {
    FUSER_CUDA.store(b, Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn atm_fuser_cuda_is_enabled() -> bool {
    FUSER_CUDA.load(Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn atm_set_tensor_expr_fuser_enabled(b: c_int) {
    TENSOR_EXPR_FUSER.store(b != 0, Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn atm_get_tensor_expr_fuser_enabled() -> bool {
    TENSOR_EXPR_FUSER.load(Ordering::Relaxed)
}
