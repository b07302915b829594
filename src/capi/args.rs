//! Checked unpacking of the C arguments of the generated `atg_*` wrappers: tensor, int, double
//! lists (plain and optional), optional ints and doubles, strings, dtypes, devices and layouts.
//! Every failure is an [`Error`] that names the argument.

use crate::capi::handles::{tensor, CTensor};
use crate::error::{Error, Result};
use crate::tensor::{DType, Device, Tensor};
use std::ffi::{c_char, c_int};

/// The `(data, len)` pair of a C array as a slice: NULL with length 0 is empty; a negative
/// length, NULL with a positive length, or a misaligned pointer is an error.
///
/// # Safety
/// When `data` is non-NULL it points to `len` readable `T`s that outlive `'a`.
unsafe fn raw_slice<'a, T>(data: *const T, len: c_int, name: &str) -> Result<&'a [T]> {
    if len < 0 {
        return Err(Error(format!(
            "torchrs: argument '{name}' has a negative length ({len})"
        )));
    }
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(Error(format!(
            "torchrs: argument '{name}' is NULL but its length is {len}"
        )));
    }
    if !data.is_aligned() {
        return Err(Error(format!(
            "torchrs: argument '{name}' is a misaligned pointer"
        )));
    }
    Ok(std::slice::from_raw_parts(data, len as usize))
}

/// A tensor list (`tensor *data, int len`): every element must be a defined tensor.
///
/// # Safety
/// `data` is NULL or points to `len` handles, each NULL or live.
pub unsafe fn tensor_list(data: *const tensor, len: c_int, name: &str) -> Result<Vec<Tensor>> {
    let handles = raw_slice(data, len, name)?;
    let mut out = Vec::with_capacity(handles.len());
    for (i, &p) in handles.iter().enumerate() {
        if p.is_null() {
            return Err(Error(format!(
                "torchrs: element {i} of argument '{name}' is a NULL tensor handle"
            )));
        }
        match &(*(p as *const CTensor)).0 {
            Some(t) => out.push(t.clone()),
            None => {
                return Err(Error(format!(
                    "torchrs: element {i} of argument '{name}' is an undefined tensor"
                )))
            }
        }
    }
    Ok(out)
}

/// A list of optional tensors: NULL elements and undefined tensors are `None`.
///
/// # Safety
/// `data` is NULL or points to `len` handles, each NULL or live.
pub unsafe fn opt_tensor_list(
    data: *const tensor,
    len: c_int,
    name: &str,
) -> Result<Vec<Option<Tensor>>> {
    let handles = raw_slice(data, len, name)?;
    Ok(handles
        .iter()
        .map(|&p| {
            if p.is_null() {
                None
            } else {
                (*(p as *const CTensor)).0.clone()
            }
        })
        .collect())
}

/// An int list (`int64_t *data, int len`).
///
/// # Safety
/// `data` is NULL or points to `len` readable `i64`s that outlive `'a`.
pub unsafe fn int_list<'a>(data: *const i64, len: c_int, name: &str) -> Result<&'a [i64]> {
    raw_slice(data, len, name)
}

/// An optional int list: NULL data means absent (whatever the length).
///
/// # Safety
/// As for [`int_list`].
pub unsafe fn opt_int_list<'a>(
    data: *const i64,
    len: c_int,
    name: &str,
) -> Result<Option<&'a [i64]>> {
    if data.is_null() {
        Ok(None)
    } else {
        raw_slice(data, len, name).map(Some)
    }
}

/// A double list (`double *data, int len`).
///
/// # Safety
/// `data` is NULL or points to `len` readable `f64`s that outlive `'a`.
pub unsafe fn double_list<'a>(data: *const f64, len: c_int, name: &str) -> Result<&'a [f64]> {
    raw_slice(data, len, name)
}

/// An optional double list: NULL data means absent.
///
/// # Safety
/// As for [`double_list`].
pub unsafe fn opt_double_list<'a>(
    data: *const f64,
    len: c_int,
    name: &str,
) -> Result<Option<&'a [f64]>> {
    if data.is_null() {
        Ok(None)
    } else {
        raw_slice(data, len, name).map(Some)
    }
}

/// An optional int passed as `(value, is_null)`.
#[inline]
pub fn opt_i64(v: i64, is_null: u8) -> Option<i64> {
    if is_null != 0 {
        None
    } else {
        Some(v)
    }
}

/// An optional double passed as `(value, is_null)`.
#[inline]
pub fn opt_f64(v: f64, is_null: u8) -> Option<f64> {
    if is_null != 0 {
        None
    } else {
        Some(v)
    }
}

/// A string passed as `(char *ptr, int len)` (not NUL-terminated); it must be UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that outlive `'a`.
pub unsafe fn string<'a>(ptr: *const c_char, len: c_int, name: &str) -> Result<&'a str> {
    let bytes = raw_slice(ptr as *const u8, len, name)?;
    std::str::from_utf8(bytes)
        .map_err(|_| Error(format!("torchrs: argument '{name}' is not valid UTF-8")))
}

/// An optional string: a NULL pointer means absent.
///
/// # Safety
/// As for [`string`].
pub unsafe fn opt_string<'a>(
    ptr: *const c_char,
    len: c_int,
    name: &str,
) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        string(ptr, len, name).map(Some)
    }
}

/// A dtype (tch `Kind` code).
#[inline]
pub fn dtype(code: c_int) -> Result<DType> {
    DType::from_code(code)
}

/// An optional dtype: a negative code means absent.
#[inline]
pub fn opt_dtype(code: c_int) -> Result<Option<DType>> {
    DType::from_opt_code(code)
}

/// A device code (-1 CPU, -2 MPS, -3 Vulkan, n >= 0 CUDA n).
#[inline]
pub fn device(code: c_int) -> Result<Device> {
    Device::from_code(code)
}

/// A layout (`int8_t`, c10::Layout: 0 strided, 1 sparse, 2 sparse CSR, ...), passed on as is.
#[inline]
pub fn layout(code: i8) -> i64 {
    code as i64
}

/// An optional layout: -1 means absent.
#[inline]
pub fn opt_layout(code: i8) -> Option<i64> {
    if code == -1 {
        None
    } else {
        Some(code as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::handles::{new_tensor_handle, new_undefined_handle};

    fn msg<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.expect_err("expected an error").0
    }

    unsafe fn free(p: tensor) {
        drop(Box::from_raw(p as *mut CTensor));
    }

    #[test]
    fn int_lists() {
        let v = [1i64, 2, 3];
        unsafe {
            assert_eq!(int_list(v.as_ptr(), 3, "size").unwrap(), &[1, 2, 3]);
            assert_eq!(
                int_list(std::ptr::null(), 0, "size").unwrap(),
                &[] as &[i64]
            );
            assert!(msg(int_list(std::ptr::null(), 2, "size")).contains("'size'"));
            assert!(msg(int_list(v.as_ptr(), -1, "size")).contains("negative"));
            let misaligned = (v.as_ptr() as *const u8).add(1) as *const i64;
            assert!(msg(int_list(misaligned, 1, "size")).contains("misaligned"));
            assert_eq!(opt_int_list(std::ptr::null(), 5, "dim").unwrap(), None);
            assert_eq!(
                opt_int_list(v.as_ptr(), 2, "dim").unwrap(),
                Some(&[1i64, 2][..])
            );
            assert!(msg(opt_int_list(v.as_ptr(), -3, "dim")).contains("'dim'"));
        }
    }

    #[test]
    fn double_lists() {
        let v = [0.5f64, 1.5];
        unsafe {
            assert_eq!(double_list(v.as_ptr(), 2, "range").unwrap(), &[0.5, 1.5]);
            assert!(msg(double_list(std::ptr::null(), 1, "range")).contains("'range'"));
            assert!(msg(double_list(v.as_ptr(), -2, "range")).contains("negative"));
            assert_eq!(
                opt_double_list(std::ptr::null(), 1, "scale_factors").unwrap(),
                None
            );
            assert_eq!(
                opt_double_list(v.as_ptr(), 1, "scale_factors").unwrap(),
                Some(&[0.5][..])
            );
        }
    }

    #[test]
    fn tensor_lists() {
        unsafe {
            let a = new_tensor_handle(Tensor::scalar_tensor(1.0f32));
            let u = new_undefined_handle();
            let ok = [a, a];
            assert_eq!(tensor_list(ok.as_ptr(), 2, "tensors").unwrap().len(), 2);
            assert!(tensor_list(std::ptr::null(), 0, "tensors")
                .unwrap()
                .is_empty());
            assert!(msg(tensor_list(std::ptr::null(), 1, "tensors")).contains("'tensors'"));
            assert!(msg(tensor_list(ok.as_ptr(), -1, "tensors")).contains("negative"));
            let with_null = [a, std::ptr::null_mut()];
            let m = msg(tensor_list(with_null.as_ptr(), 2, "tensors"));
            assert!(
                m.contains("element 1") && m.contains("NULL") && m.contains("'tensors'"),
                "{m}"
            );
            let with_undef = [u, a];
            let m = msg(tensor_list(with_undef.as_ptr(), 2, "tensors"));
            assert!(m.contains("element 0") && m.contains("undefined"), "{m}");

            let mixed = [a, std::ptr::null_mut(), u];
            let l = opt_tensor_list(mixed.as_ptr(), 3, "indices").unwrap();
            assert_eq!(
                l.iter().map(Option::is_some).collect::<Vec<_>>(),
                [true, false, false]
            );
            assert!(msg(opt_tensor_list(std::ptr::null(), 2, "indices")).contains("'indices'"));
            free(a);
            free(u);
        }
    }

    #[test]
    fn strings() {
        let s = b"reflect";
        let bad = [0xffu8, 0xfe];
        unsafe {
            assert_eq!(
                string(s.as_ptr() as *const c_char, 7, "mode").unwrap(),
                "reflect"
            );
            assert_eq!(
                string(s.as_ptr() as *const c_char, 3, "mode").unwrap(),
                "ref"
            );
            assert_eq!(string(std::ptr::null(), 0, "mode").unwrap(), "");
            assert!(msg(string(std::ptr::null(), 4, "mode")).contains("'mode'"));
            assert!(msg(string(s.as_ptr() as *const c_char, -1, "mode")).contains("negative"));
            assert!(msg(string(bad.as_ptr() as *const c_char, 2, "mode")).contains("UTF-8"));
            assert_eq!(
                opt_string(std::ptr::null(), 3, "rounding_mode").unwrap(),
                None
            );
            assert_eq!(
                opt_string(s.as_ptr() as *const c_char, 2, "rounding_mode").unwrap(),
                Some("re")
            );
        }
    }

    #[test]
    fn scalars_and_codes() {
        assert_eq!(opt_i64(7, 0), Some(7));
        assert_eq!(opt_i64(7, 1), None);
        assert_eq!(opt_f64(0.5, 0), Some(0.5));
        assert_eq!(opt_f64(0.5, 2), None);
        assert_eq!(dtype(6).unwrap(), DType::F32);
        assert!(dtype(99).is_err());
        assert!(dtype(-1).is_err());
        assert_eq!(opt_dtype(-1).unwrap(), None);
        assert_eq!(opt_dtype(4).unwrap(), Some(DType::I64));
        assert!(opt_dtype(99).is_err());
        assert_eq!(device(-1).unwrap(), Device::Cpu);
        assert!(device(-7).is_err());
        assert_eq!(layout(0), 0);
        assert_eq!(opt_layout(-1), None);
        assert_eq!(opt_layout(2), Some(2));
    }
}
