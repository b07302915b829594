//! Copies and casts between any two dtypes and layouts (the engine of contiguous, to, copy_, clone).

use super::iter::for_each_run;
use super::threads::{for_ranges, SendPtr};
use crate::error::Result;
use crate::tensor::{layout::Layout, DType, Element, TensorData};
use crate::with_dtype;

/// Converts one element, through i64 between integer types and through f64 otherwise.
#[inline(always)]
pub fn convert<S: Element, D: Element>(s: S) -> D {
    if S::DTYPE.is_float() || D::DTYPE.is_float() {
        D::from_f64(s.to_f64())
    } else if D::DTYPE == DType::Bool {
        D::from_i64((s.to_i64() != 0) as i64)
    } else {
        D::from_i64(s.to_i64())
    }
}

/// Below this many bytes a contiguous run is copied by the calling thread alone.
const PARALLEL_COPY_BYTES: usize = 256 * 1024;

/// `memmove` of `bytes` bytes; large copies between disjoint buffers are split across threads.
///
/// # Safety
/// Both ranges must be valid for `bytes` bytes.
unsafe fn copy_bytes(src: *const u8, dst: *mut u8, bytes: usize) {
    let overlap = (src as usize) < dst as usize + bytes && (dst as usize) < src as usize + bytes;
    if overlap || bytes < PARALLEL_COPY_BYTES {
        std::ptr::copy(src, dst, bytes);
        return;
    }
    let (s, d) = (SendPtr(src as *mut u8), SendPtr(dst));
    for_ranges(bytes, |lo, hi| unsafe { std::ptr::copy_nonoverlapping(s.get().add(lo), d.get().add(lo), hi - lo) });
}

fn copy_typed<S: Element, D: Element>(dst: &TensorData, src_layout: &Layout, src_ptr: *const S) {
    let dst_ptr = dst.base_ptr() as *mut D;
    for_each_run(
        &dst.layout.shape,
        [&dst.layout.strides, &src_layout.strides],
        [0, 0],
        |o, n, s| unsafe {
            let (mut pd, mut ps) = (dst_ptr.offset(o[0]), src_ptr.offset(o[1]));
            if s[0] == 1 && s[1] == 1 && S::DTYPE == D::DTYPE {
                copy_bytes(ps as *const u8, pd as *mut u8, n * std::mem::size_of::<S>());
                return;
            }
            if s[0] == 1 && (s[1] == 0 || s[1] == 1) {
                // a run filled with one value (a broadcast source) or converted in a loop that
                // vectorises
                let d = std::slice::from_raw_parts_mut(pd, n);
                if s[1] == 0 {
                    d.fill(convert::<S, D>(*ps));
                } else {
                    for (d, &v) in d.iter_mut().zip(std::slice::from_raw_parts(ps, n)) {
                        *d = convert::<S, D>(v);
                    }
                }
                return;
            }
            for _ in 0..n {
                *pd = convert::<S, D>(*ps);
                pd = pd.offset(s[0]);
                ps = ps.offset(s[1]);
            }
        },
    );
}

/// Copies `src` (broadcast to `dst`'s shape) into `dst`, converting dtypes.
pub fn copy_into(dst: &TensorData, src: &TensorData) -> Result<()> {
    let src_layout = if src.layout.shape == dst.layout.shape {
        src.layout.clone()
    } else {
        src.layout.expand(&dst.layout.shape).map_err(|_| {
            crate::error::Error(format!(
                "The size of tensor a ({:?}) must match the size of tensor b ({:?}) in copy_",
                &dst.layout.shape[..],
                &src.layout.shape[..]
            ))
        })?
    };
    let sp = src.base_ptr();
    if src.dtype == dst.dtype && super::transpose::copy_transposed(dst, &src_layout, sp, src.dtype.size()) {
        return Ok(());
    }
    with_dtype!(src.dtype, S, {
        with_dtype!(dst.dtype, D, { copy_typed::<S, D>(dst, &src_layout, sp as *const S) })
    });
    Ok(())
}

/// A new contiguous copy of `src` in `dtype`.
pub fn to_contiguous_dtype(src: &TensorData, dtype: DType) -> Result<TensorData> {
    let out = TensorData::empty(&src.layout.shape, dtype, src.device())?;
    copy_into(&out, src)?;
    Ok(out)
}

/// `src` itself when already contiguous in `dtype`, else a contiguous copy.
pub fn contiguous_as(src: &TensorData, dtype: DType) -> Result<TensorData> {
    if src.dtype == dtype && src.layout.is_contiguous() {
        Ok(src.clone())
    } else {
        to_contiguous_dtype(src, dtype)
    }
}
