//! `ats_*`: scalar handles.

use super::boundary::{guard, malloc_cstring};
use super::handles::{new_scalar_handle, scalar, scalar_arg};
use crate::tensor::Scalar;
use std::ffi::c_char;

#[no_mangle]
pub extern "C" fn ats_int(v: i64) -> scalar {
    new_scalar_handle(Scalar::Int(v))
}

#[no_mangle]
pub extern "C" fn ats_float(v: f64) -> scalar {
    new_scalar_handle(Scalar::Float(v))
}

#[no_mangle]
pub unsafe extern "C" fn ats_to_int(s: scalar) -> i64 {
    guard("ats_to_int", 0, || Ok(scalar_arg(s, "scalar")?.to_i64()))
}

#[no_mangle]
pub unsafe extern "C" fn ats_to_float(s: scalar) -> f64 {
    guard("ats_to_float", 0.0, || Ok(scalar_arg(s, "scalar")?.to_f64()))
}

#[no_mangle]
pub unsafe extern "C" fn ats_to_string(s: scalar) -> *mut c_char {
    guard("ats_to_string", std::ptr::null_mut(), || Ok(malloc_cstring(&scalar_arg(s, "scalar")?.to_text())))
}

#[no_mangle]
pub unsafe extern "C" fn ats_free(s: scalar) {
    if !s.is_null() {
        drop(Box::from_raw(s as *mut Scalar));
    }
}
