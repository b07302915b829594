//! Copies and casts between any two dtypes and layouts (the engine of contiguous, to, copy_, clone).

use super::iter::for_each_run_par;
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
pub unsafe fn copy_bytes(src: *const u8, dst: *mut u8, bytes: usize) {
    let overlap = (src as usize) < dst as usize + bytes && (dst as usize) < src as usize + bytes;
    if overlap {
        std::ptr::copy(src, dst, bytes);
    } else if bytes < PARALLEL_COPY_BYTES {
        copy_disjoint(src, dst, bytes);
    } else {
        let (s, d) = (SendPtr(src as *mut u8), SendPtr(dst));
        for_ranges(bytes, |lo, hi| unsafe { copy_disjoint(s.get().add(lo), d.get().add(lo), hi - lo) });
    }
}

/// Copies `bytes` bytes between disjoint buffers. glibc's memcpy moves runs from a few KB up
/// with `rep movsb`, which crawls when the two addresses differ in alignment (3.5 GB/s against
/// 45 GB/s on this kind of machine; a roll by 3 floats hits it on every row): those runs take
/// unaligned vector moves instead.
///
/// # Safety
/// Both ranges must be valid for `bytes` bytes and must not overlap.
#[inline]
pub unsafe fn copy_disjoint(src: *const u8, dst: *mut u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    if bytes >= 256 && (src as usize ^ dst as usize) & 63 != 0 {
        if matches!(super::isa::isa(), super::isa::Isa::Base) {
            return vector_copy_sse2(src, dst, bytes);
        }
        return vector_copy_avx(src, dst, bytes);
    }
    std::ptr::copy_nonoverlapping(src, dst, bytes);
}

/// `dst.copy_from_slice(src)` through [`copy_disjoint`] (for runs that may sit at different
/// alignments: rows picked by an index, parts of a row).
#[inline]
pub fn copy_slice<T: Copy>(dst: &mut [T], src: &[T]) {
    assert_eq!(dst.len(), src.len(), "copy_slice: lengths differ");
    // SAFETY: equal lengths, and a shared and an exclusive borrow never overlap
    unsafe { copy_disjoint(src.as_ptr() as *const u8, dst.as_mut_ptr() as *mut u8, std::mem::size_of_val(src)) }
}

/// An unaligned vector copy loop: four vectors a step, the tail by `copy_nonoverlapping`.
macro_rules! vector_copy {
    ($(#[$attr:meta])* $name:ident, $vec:ident, $load:ident, $store:ident) => {
        #[cfg(target_arch = "x86_64")]
        $(#[$attr])*
        unsafe fn $name(src: *const u8, dst: *mut u8, bytes: usize) {
            use std::arch::x86_64::{$load as load, $store as store, $vec};
            const STEP: usize = 4 * std::mem::size_of::<$vec>();
            let mut i = 0;
            while i + STEP <= bytes {
                let (s, d) = (src.add(i) as *const $vec, dst.add(i) as *mut $vec);
                let (a, b, c, e) = (load(s), load(s.add(1)), load(s.add(2)), load(s.add(3)));
                store(d, a);
                store(d.add(1), b);
                store(d.add(2), c);
                store(d.add(3), e);
                i += STEP;
            }
            std::ptr::copy_nonoverlapping(src.add(i), dst.add(i), bytes - i);
        }
    };
}

vector_copy!(vector_copy_sse2, __m128i, _mm_loadu_si128, _mm_storeu_si128);
vector_copy!(#[target_feature(enable = "avx")] vector_copy_avx, __m256i, _mm256_loadu_si256, _mm256_storeu_si256);

fn copy_typed<S: Element, D: Element>(dst: &TensorData, src_layout: &Layout, src_ptr: *const S) {
    let (dp, sp) = (SendPtr(dst.base_ptr() as *mut D), SendPtr(src_ptr as *mut S));
    let run = move |o: [isize; 2], n: usize, s: [isize; 2]| unsafe {
        let (mut pd, mut ps) = (dp.get().offset(o[0]), sp.get().offset(o[1]) as *const S);
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
    };
    for_each_run_par(&dst.layout.shape, [&dst.layout.strides, &src_layout.strides], PARALLEL_COPY_BYTES / std::mem::size_of::<D>(), run);
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
