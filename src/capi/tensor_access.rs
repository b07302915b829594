//! Element access by index (`at_*_value_at_indexes`), autocast state and the thread pool size.

use super::boundary::{guard, guard_void};
use super::handles::{tensor, tensor_arg};
use crate::error::Result;
use crate::tensor::create::scalar_as;
use crate::tensor::{Scalar, Tensor};
use crate::with_dtype;
use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The element offset of `index` in `t`, with PyTorch's bounds checks (negative indexes wrap).
fn element_offset(t: &Tensor, index: &[i64]) -> Result<isize> {
    let l = t.layout();
    crate::ensure!(
        index.len() == l.ndim(),
        "torchrs: {} indexes given for a tensor with {} dimensions",
        index.len(),
        l.ndim()
    );
    let mut off = 0isize;
    for (d, &i) in index.iter().enumerate() {
        let size = l.shape[d];
        let w = if i < 0 { i + size } else { i };
        crate::ensure!(
            w >= 0 && w < size,
            "index {i} is out of bounds for dimension {d} with size {size}"
        );
        off += (w * l.strides[d]) as isize;
    }
    Ok(off)
}

unsafe fn index_list<'a, T: Copy>(p: *const T, len: c_int) -> Result<&'a [T]> {
    crate::ensure!(len >= 0, "torchrs: negative index count {len}");
    if len == 0 {
        return Ok(&[]);
    }
    crate::ensure!(!p.is_null(), "torchrs: the index array is NULL");
    Ok(std::slice::from_raw_parts(p, len as usize))
}

fn read_f64(t: &Tensor, idx: &[i64]) -> Result<f64> {
    let off = element_offset(t, idx)?;
    let d = t.data();
    Ok(with_dtype!(d.dtype, T, { unsafe { crate::tensor::Element::to_f64(*(d.base_ptr() as *const T).offset(off)) } }))
}

fn read_i64(t: &Tensor, idx: &[i64]) -> Result<i64> {
    let off = element_offset(t, idx)?;
    let d = t.data();
    Ok(with_dtype!(d.dtype, T, { unsafe { crate::tensor::Element::to_i64(*(d.base_ptr() as *const T).offset(off)) } }))
}

fn write(t: &Tensor, idx: &[i64], v: Scalar) -> Result<()> {
    let off = element_offset(t, idx)?;
    let d = t.data();
    with_dtype!(d.dtype, T, { unsafe { *(d.base_ptr() as *mut T).offset(off) = scalar_as::<T>(v) } });
    t.bump_version();
    Ok(())
}

#[no_mangle]
pub unsafe extern "C" fn at_double_value_at_indexes(t: tensor, indexes: *mut i64, indexes_len: c_int) -> f64 {
    guard("at_double_value_at_indexes", 0.0, || read_f64(tensor_arg(t, "tensor")?, index_list(indexes, indexes_len)?))
}

#[no_mangle]
pub unsafe extern "C" fn at_int64_value_at_indexes(t: tensor, indexes: *mut i64, indexes_len: c_int) -> i64 {
    guard("at_int64_value_at_indexes", 0, || read_i64(tensor_arg(t, "tensor")?, index_list(indexes, indexes_len)?))
}

#[no_mangle]
pub unsafe extern "C" fn at_set_double_value_at_indexes(t: tensor, indexes: *mut c_int, indexes_len: c_int, v: f64) {
    guard_void("at_set_double_value_at_indexes", || {
        let idx: Vec<i64> = index_list(indexes, indexes_len)?.iter().map(|&i| i as i64).collect();
        write(tensor_arg(t, "tensor")?, &idx, Scalar::Float(v))
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_set_int64_value_at_indexes(t: tensor, indexes: *mut c_int, indexes_len: c_int, v: i64) {
    guard_void("at_set_int64_value_at_indexes", || {
        let idx: Vec<i64> = index_list(indexes, indexes_len)?.iter().map(|&i| i as i64).collect();
        write(tensor_arg(t, "tensor")?, &idx, Scalar::Int(v))
    })
}

// ---- autocast: we run every op in its own dtype, so autocast only keeps its flags.

static AUTOCAST_ENABLED: AtomicBool = AtomicBool::new(false);
static AUTOCAST_NESTING: AtomicI32 = AtomicI32::new(0);

#[no_mangle]
pub extern "C" fn at_autocast_clear_cache() {}

#[no_mangle]
pub extern "C" fn at_autocast_decrement_nesting() -> c_int {
    AUTOCAST_NESTING.fetch_sub(1, Ordering::Relaxed) - 1
}

#[no_mangle]
pub extern "C" fn at_autocast_increment_nesting() -> c_int {
    AUTOCAST_NESTING.fetch_add(1, Ordering::Relaxed) + 1
}

#[no_mangle]
pub extern "C" fn at_autocast_is_enabled() -> bool {
    AUTOCAST_ENABLED.load(Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn at_autocast_set_enabled(b: bool) -> bool {
    AUTOCAST_ENABLED.swap(b, Ordering::Relaxed)
}

// ---- threads

static INTEROP_THREADS: AtomicI32 = AtomicI32::new(1);

#[no_mangle]
pub extern "C" fn at_get_num_threads() -> c_int {
    crate::cpu::threads::num_threads() as c_int
}

#[no_mangle]
pub extern "C" fn at_set_num_threads(n: c_int) {
    guard_void("at_set_num_threads", || {
        crate::ensure!(n > 0, "Expected positive number of threads, got {n}");
        crate::cpu::threads::set_num_threads(n as usize)
    })
}

#[no_mangle]
pub extern "C" fn at_get_num_interop_threads() -> c_int {
    INTEROP_THREADS.load(Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn at_set_num_interop_threads(n: c_int) {
    guard_void("at_set_num_interop_threads", || {
        crate::ensure!(n > 0, "Expected positive number of threads, got {n}");
        INTEROP_THREADS.store(n, Ordering::Relaxed);
        Ok(())
    })
}
