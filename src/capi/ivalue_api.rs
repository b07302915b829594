//! `ati_*`: IValue handles: construction, inspection and conversion.

use super::boundary::{guard, guard_void, malloc_cstring};
use super::handles::{ivalue, new_tensor_handle, tensor, tensor_arg};
use crate::error::{Error, Result};
use crate::jit::ivalue::IValue;
use crate::tensor::Device;
use std::ffi::{c_char, c_int, CStr};

fn new_handle(v: IValue) -> ivalue {
    Box::into_raw(Box::new(v)) as ivalue
}

unsafe fn iv<'a>(p: ivalue) -> Result<&'a IValue> {
    crate::ensure!(!p.is_null(), "torchrs: the ivalue handle is NULL");
    Ok(&*(p as *const IValue))
}

unsafe fn slice<'a, T>(p: *const T, n: c_int, what: &str) -> Result<&'a [T]> {
    crate::ensure!(n >= 0, "torchrs: negative length {n} for {what}");
    if n == 0 {
        return Ok(&[]);
    }
    crate::ensure!(!p.is_null(), "torchrs: {what} is NULL");
    Ok(std::slice::from_raw_parts(p, n as usize))
}

unsafe fn ivalues(p: *const ivalue, n: c_int) -> Result<Vec<IValue>> {
    slice(p, n, "ivalue array")?.iter().map(|&x| iv(x).cloned()).collect()
}

unsafe fn cstr(p: *const c_char) -> Result<String> {
    crate::ensure!(!p.is_null(), "torchrs: the string is NULL");
    Ok(CStr::from_ptr(p).to_str().map_err(|_| Error::msg("torchrs: the string is not valid UTF-8"))?.to_string())
}

fn wrong(expected: &str, got: &IValue) -> Error {
    Error(format!("Expected {expected} but got {}", got.kind()))
}

#[no_mangle]
pub extern "C" fn ati_none() -> ivalue {
    new_handle(IValue::None)
}

#[no_mangle]
pub unsafe extern "C" fn ati_tensor(t: tensor) -> ivalue {
    guard("ati_tensor", std::ptr::null_mut(), || Ok(new_handle(IValue::Tensor(tensor_arg(t, "tensor")?.clone()))))
}

#[no_mangle]
pub extern "C" fn ati_int(v: i64) -> ivalue {
    new_handle(IValue::Int(v))
}

#[no_mangle]
pub extern "C" fn ati_double(v: f64) -> ivalue {
    new_handle(IValue::Double(v))
}

#[no_mangle]
pub extern "C" fn ati_bool(v: c_int) -> ivalue {
    new_handle(IValue::Bool(v != 0))
}

#[no_mangle]
pub unsafe extern "C" fn ati_string(s: *mut c_char) -> ivalue {
    guard("ati_string", std::ptr::null_mut(), || Ok(new_handle(IValue::String(cstr(s)?))))
}

#[no_mangle]
pub unsafe extern "C" fn ati_tuple(is: *mut ivalue, n: c_int) -> ivalue {
    guard("ati_tuple", std::ptr::null_mut(), || Ok(new_handle(IValue::Tuple(ivalues(is, n)?))))
}

#[no_mangle]
pub unsafe extern "C" fn ati_generic_list(is: *mut ivalue, n: c_int) -> ivalue {
    guard("ati_generic_list", std::ptr::null_mut(), || Ok(new_handle(IValue::GenericList(ivalues(is, n)?))))
}

/// `is` holds `n` key/value pairs, 2n handles.
#[no_mangle]
pub unsafe extern "C" fn ati_generic_dict(is: *mut ivalue, n: c_int) -> ivalue {
    guard("ati_generic_dict", std::ptr::null_mut(), || {
        crate::ensure!(n >= 0 && n <= c_int::MAX / 2, "torchrs: bad dict size {n}");
        let flat = ivalues(is, 2 * n)?;
        let pairs = flat.chunks(2).map(|kv| (kv[0].clone(), kv[1].clone())).collect();
        Ok(new_handle(IValue::GenericDict(pairs)))
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_int_list(is: *mut i64, n: c_int) -> ivalue {
    guard("ati_int_list", std::ptr::null_mut(), || Ok(new_handle(IValue::IntList(slice(is, n, "int list")?.to_vec()))))
}

#[no_mangle]
pub unsafe extern "C" fn ati_double_list(is: *mut f64, n: c_int) -> ivalue {
    guard("ati_double_list", std::ptr::null_mut(), || {
        Ok(new_handle(IValue::DoubleList(slice(is, n, "double list")?.to_vec())))
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_bool_list(is: *mut c_char, n: c_int) -> ivalue {
    guard("ati_bool_list", std::ptr::null_mut(), || {
        Ok(new_handle(IValue::BoolList(slice(is, n, "bool list")?.iter().map(|&b| b != 0).collect())))
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_string_list(is: *mut *mut c_char, n: c_int) -> ivalue {
    guard("ati_string_list", std::ptr::null_mut(), || {
        let v: Result<Vec<IValue>> = slice(is, n, "string list")?.iter().map(|&s| cstr(s).map(IValue::String)).collect();
        Ok(new_handle(IValue::GenericList(v?)))
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_tensor_list(is: *mut tensor, n: c_int) -> ivalue {
    guard("ati_tensor_list", std::ptr::null_mut(), || {
        Ok(new_handle(IValue::TensorList(super::args::tensor_list(is, n, "tensors")?)))
    })
}

#[no_mangle]
pub extern "C" fn ati_device(d: c_int) -> ivalue {
    guard("ati_device", std::ptr::null_mut(), || Ok(new_handle(IValue::Device(Device::from_code(d)?))))
}

#[no_mangle]
pub unsafe extern "C" fn ati_tag(i: ivalue) -> c_int {
    guard("ati_tag", -1, || {
        let v = iv(i)?;
        v.tag().ok_or_else(|| Error(format!("unsupported tag {}", v.kind())))
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_tensor(i: ivalue) -> tensor {
    guard("ati_to_tensor", std::ptr::null_mut(), || match iv(i)? {
        IValue::Tensor(t) => Ok(new_tensor_handle(t.clone())),
        v => Err(wrong("Tensor", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_int(i: ivalue) -> i64 {
    guard("ati_to_int", -1, || match iv(i)? {
        IValue::Int(x) => Ok(*x),
        v => Err(wrong("Int", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_double(i: ivalue) -> f64 {
    guard("ati_to_double", 0.0, || match iv(i)? {
        IValue::Double(x) => Ok(*x),
        v => Err(wrong("Double", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_bool(i: ivalue) -> c_int {
    guard("ati_to_bool", -1, || match iv(i)? {
        IValue::Bool(x) => Ok(*x as c_int),
        v => Err(wrong("Bool", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_string(i: ivalue) -> *mut c_char {
    guard("ati_to_string", std::ptr::null_mut(), || match iv(i)? {
        IValue::String(s) => Ok(malloc_cstring(s)),
        v => Err(wrong("String", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_length(i: ivalue) -> c_int {
    guard("ati_length", -1, || {
        let v = iv(i)?;
        v.len().map(|n| n as c_int).ok_or_else(|| Error(format!("unsupported tag for length {}", v.kind())))
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_tuple_length(i: ivalue) -> c_int {
    guard("ati_tuple_length", -1, || match iv(i)? {
        IValue::Tuple(v) => Ok(v.len() as c_int),
        v => Err(wrong("Tuple", v)),
    })
}

/// Checks the caller's output count and array.
unsafe fn outputs<'a, T>(p: *mut T, n: c_int, have: usize, what: &str) -> Result<&'a mut [T]> {
    crate::ensure!(n >= 0 && n as usize == have, "unexpected {what} size");
    if n == 0 {
        return Ok(&mut []);
    }
    crate::ensure!(!p.is_null(), "torchrs: the output array is NULL");
    Ok(std::slice::from_raw_parts_mut(p, n as usize))
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_tuple(i: ivalue, out: *mut ivalue, n: c_int) {
    guard_void("ati_to_tuple", || match iv(i)? {
        IValue::Tuple(v) => {
            for (o, x) in outputs(out, n, v.len(), "tuple")?.iter_mut().zip(v) {
                *o = new_handle(x.clone());
            }
            Ok(())
        }
        v => Err(wrong("Tuple", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_generic_list(i: ivalue, out: *mut ivalue, n: c_int) {
    guard_void("ati_to_generic_list", || {
        let items: Vec<IValue> = match iv(i)? {
            IValue::GenericList(v) => v.clone(),
            IValue::IntList(v) => v.iter().map(|&x| IValue::Int(x)).collect(),
            IValue::DoubleList(v) => v.iter().map(|&x| IValue::Double(x)).collect(),
            IValue::BoolList(v) => v.iter().map(|&x| IValue::Bool(x)).collect(),
            IValue::TensorList(v) => v.iter().map(|x| IValue::Tensor(x.clone())).collect(),
            v => return Err(wrong("List", v)),
        };
        for (o, x) in outputs(out, n, items.len(), "list")?.iter_mut().zip(items) {
            *o = new_handle(x);
        }
        Ok(())
    })
}

/// Writes 2n handles: key, value, key, value...
#[no_mangle]
pub unsafe extern "C" fn ati_to_generic_dict(i: ivalue, out: *mut ivalue, n: c_int) {
    guard_void("ati_to_generic_dict", || match iv(i)? {
        IValue::GenericDict(v) => {
            crate::ensure!(n >= 0 && n as usize == v.len(), "unexpected dict size");
            let o = outputs(out, 2 * n, 2 * v.len(), "dict")?;
            for (k, (key, val)) in v.iter().enumerate() {
                o[2 * k] = new_handle(key.clone());
                o[2 * k + 1] = new_handle(val.clone());
            }
            Ok(())
        }
        v => Err(wrong("GenericDict", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_int_list(i: ivalue, out: *mut i64, n: c_int) {
    guard_void("ati_to_int_list", || match iv(i)? {
        IValue::IntList(v) => Ok(outputs(out, n, v.len(), "list<int>")?.copy_from_slice(v)),
        v => Err(wrong("IntList", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_double_list(i: ivalue, out: *mut f64, n: c_int) {
    guard_void("ati_to_double_list", || match iv(i)? {
        IValue::DoubleList(v) => Ok(outputs(out, n, v.len(), "list<double>")?.copy_from_slice(v)),
        v => Err(wrong("DoubleList", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_bool_list(i: ivalue, out: *mut c_char, n: c_int) {
    guard_void("ati_to_bool_list", || match iv(i)? {
        IValue::BoolList(v) => {
            for (o, &b) in outputs(out, n, v.len(), "list<bool>")?.iter_mut().zip(v) {
                *o = b as c_char;
            }
            Ok(())
        }
        v => Err(wrong("BoolList", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_to_tensor_list(i: ivalue, out: *mut tensor, n: c_int) {
    guard_void("ati_to_tensor_list", || match iv(i)? {
        IValue::TensorList(v) => {
            for (o, t) in outputs(out, n, v.len(), "list<tensor>")?.iter_mut().zip(v) {
                *o = new_tensor_handle(t.clone());
            }
            Ok(())
        }
        v => Err(wrong("TensorList", v)),
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_object_method_(i: ivalue, _name: *mut c_char, _args: *mut ivalue, _n: c_int) -> ivalue {
    guard("ati_object_method_", std::ptr::null_mut(), || {
        Err(wrong("Object", iv(i)?))
    })
}

#[no_mangle]
pub unsafe extern "C" fn ati_object_getattr_(i: ivalue, _name: *mut c_char) -> ivalue {
    guard("ati_object_getattr_", std::ptr::null_mut(), || Err(wrong("Object", iv(i)?)))
}

#[no_mangle]
pub unsafe extern "C" fn ati_clone(i: ivalue) -> ivalue {
    guard("ati_clone", std::ptr::null_mut(), || Ok(new_handle(iv(i)?.clone())))
}

#[no_mangle]
pub unsafe extern "C" fn ati_free(i: ivalue) {
    if !i.is_null() {
        drop(Box::from_raw(i as *mut IValue));
    }
}
