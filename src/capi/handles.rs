//! Opaque handles of the C ABI (`tensor`, `scalar`, `optimizer`, `module`, `ivalue`) and the
//! checked conversions between them and Rust values. Each handle is a `Box` owned by the caller.

#![allow(non_camel_case_types)]

use crate::error::{Error, Result};
use crate::tensor::{Scalar, Tensor};
use std::ffi::c_void;

/// An opaque tensor handle; release it with `at_free`.
pub type tensor = *mut c_void;
/// An opaque scalar handle; release it with `ats_free`.
pub type scalar = *mut c_void;
/// An opaque optimizer handle; release it with `ato_free`.
pub type optimizer = *mut c_void;
/// An opaque TorchScript module handle; release it with `atm_free`.
pub type module = *mut c_void;
/// An opaque IValue handle; release it with `ati_free`.
pub type ivalue = *mut c_void;

/// What a `tensor` handle points to: a tensor, or the undefined tensor (`at_new_tensor`,
/// a missing gradient), like an undefined `torch::Tensor`.
pub struct CTensor(pub Option<Tensor>);

/// A new handle owning `t`; the caller frees it with `at_free`.
pub fn new_tensor_handle(t: Tensor) -> tensor {
    Box::into_raw(Box::new(CTensor(Some(t)))) as tensor
}

/// A new handle to the undefined tensor.
pub fn new_undefined_handle() -> tensor {
    Box::into_raw(Box::new(CTensor(None))) as tensor
}

/// The handle itself, which may hold the undefined tensor.
///
/// # Safety
/// `p` is NULL or a live handle from this library.
pub unsafe fn ctensor<'a>(p: tensor) -> Result<&'a mut CTensor> {
    if p.is_null() {
        return Err(Error::msg("torchrs: the tensor handle is NULL"));
    }
    Ok(&mut *(p as *mut CTensor))
}

/// A defined tensor argument named `name`.
///
/// # Safety
/// `p` is NULL or a live handle from this library.
pub unsafe fn tensor_arg<'a>(p: tensor, name: &str) -> Result<&'a Tensor> {
    if p.is_null() {
        return Err(Error(format!("torchrs: argument '{name}' is a NULL tensor handle")));
    }
    match &(*(p as *const CTensor)).0 {
        Some(t) => Ok(t),
        None => Err(Error(format!("torchrs: argument '{name}' is an undefined tensor"))),
    }
}

/// An optional tensor argument: NULL and the undefined tensor both mean "absent".
///
/// # Safety
/// `p` is NULL or a live handle from this library.
pub unsafe fn opt_tensor_arg<'a>(p: tensor) -> Result<Option<&'a Tensor>> {
    if p.is_null() {
        return Ok(None);
    }
    Ok((*(p as *const CTensor)).0.as_ref())
}

/// A new handle owning `s`; the caller frees it with `ats_free`.
pub fn new_scalar_handle(s: Scalar) -> scalar {
    Box::into_raw(Box::new(s)) as scalar
}

/// A scalar argument named `name`.
///
/// # Safety
/// `p` is NULL or a live scalar handle from this library.
pub unsafe fn scalar_arg<'a>(p: scalar, name: &str) -> Result<&'a Scalar> {
    if p.is_null() {
        return Err(Error(format!("torchrs: argument '{name}' is a NULL scalar handle")));
    }
    Ok(&*(p as *const Scalar))
}

/// An optional scalar argument: NULL means absent.
///
/// # Safety
/// `p` is NULL or a live scalar handle from this library.
pub unsafe fn opt_scalar_arg<'a>(p: scalar) -> Option<&'a Scalar> {
    if p.is_null() {
        None
    } else {
        Some(&*(p as *const Scalar))
    }
}

/// Writes `outs` into the caller's `out__` array (one slot per output).
///
/// # Safety
/// `out` is NULL or points to at least `outs.len()` writable slots.
pub unsafe fn write_outputs(out: *mut tensor, outs: impl IntoIterator<Item = Tensor>) -> Result<()> {
    if out.is_null() {
        return Err(Error::msg("torchrs: the output array is NULL"));
    }
    for (i, t) in outs.into_iter().enumerate() {
        *out.add(i) = new_tensor_handle(t);
    }
    Ok(())
}

/// Writes one output that may be the undefined tensor.
///
/// # Safety
/// `out` is NULL or points to at least one writable slot.
pub unsafe fn write_opt_output(out: *mut tensor, t: Option<Tensor>) -> Result<()> {
    if out.is_null() {
        return Err(Error::msg("torchrs: the output array is NULL"));
    }
    *out = match t {
        Some(t) => new_tensor_handle(t),
        None => new_undefined_handle(),
    };
    Ok(())
}

/// Sets the caller's first `n` output slots to NULL (done before an op runs, so a failed op
/// leaves NULLs behind).
///
/// # Safety
/// `out` is NULL or points to at least `n` writable slots.
pub unsafe fn clear_outputs(out: *mut tensor, n: usize) {
    if !out.is_null() {
        for i in 0..n {
            *out.add(i) = std::ptr::null_mut();
        }
    }
}

/// A malloc'd, NULL-terminated array of new handles (the list-returning ops); the caller frees
/// the array with `free()` and each handle with `at_free`.
pub fn malloc_tensor_array(ts: Vec<Tensor>) -> *mut tensor {
    unsafe {
        let p = libc::malloc((ts.len() + 1) * std::mem::size_of::<tensor>()) as *mut tensor;
        if p.is_null() {
            return p;
        }
        let n = ts.len();
        for (i, t) in ts.into_iter().enumerate() {
            *p.add(i) = new_tensor_handle(t);
        }
        *p.add(n) = std::ptr::null_mut();
        p
    }
}
