//! The C boundary: the thread-local last error, and the guard every exported function runs in
//! (errors become the last error, panics are caught and never cross into C).

use crate::error::{Error, Result};
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Stores `msg` as this thread's last error.
pub fn set_last_error(msg: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(msg));
}

/// Takes this thread's last error, if any (for Rust callers and tests).
pub fn take_last_error() -> Option<String> {
    LAST_ERROR.with(|e| e.borrow_mut().take())
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs `f` for the exported function `op`; on an error or a panic, records the last error and
/// returns `default`.
#[inline]
pub fn guard<T>(op: &str, default: T, f: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(Error(msg))) => {
            set_last_error(msg);
            default
        }
        Err(p) => {
            set_last_error(format!("torchrs: internal error in {op}: {}", panic_message(p)));
            default
        }
    }
}

/// Like [`guard`] for functions that return nothing.
#[inline]
pub fn guard_void(op: &str, f: impl FnOnce() -> Result<()>) {
    guard(op, (), f)
}

/// A `malloc`-allocated copy of `s`, which the C caller frees with `free()`.
pub fn malloc_cstring(s: &str) -> *mut c_char {
    let c = CString::new(s.replace('\0', " ")).expect("no interior NUL after replace");
    let bytes = c.as_bytes_with_nul();
    unsafe {
        let p = libc::malloc(bytes.len()) as *mut c_char;
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(bytes.as_ptr() as *const c_char, p, bytes.len());
        }
        p
    }
}

/// Returns this thread's last error as a malloc'd string the caller frees, or NULL; clears it.
#[no_mangle]
pub extern "C" fn get_and_reset_last_err() -> *mut c_char {
    match take_last_error() {
        Some(msg) => malloc_cstring(&msg),
        None => std::ptr::null_mut(),
    }
}
