//! The CPU buffer pool: freed tensor buffers wait in a per-thread cache, by size class, so the
//! next tensor of a similar size takes one without reaching the allocator (PyTorch's caching
//! allocator idea, for the CPU). Bounded per class and per thread; larger buffers bypass it.

use std::alloc::{self, Layout};
use std::cell::RefCell;

/// Alignment of every buffer (a cache line; enough for any SIMD load).
pub const ALIGN: usize = 64;
/// Buffers above this size go straight to the allocator.
const MAX_POOLED: usize = 8 << 20;
/// At most this many bytes wait in one thread's cache.
const MAX_CACHED_BYTES: usize = 64 << 20;
/// At most this many buffers wait in one size class.
const MAX_PER_CLASS: usize = 16;
/// Classes: 64-byte steps up to 1 KiB, then four per power of two (at most 25% slack) up to
/// `MAX_POOLED` = 2^23.
const CLASSES: usize = 16 + 4 * (23 - 10);

/// The class of a request and the capacity every buffer of that class has.
fn class_of(nbytes: usize) -> (usize, usize) {
    debug_assert!(nbytes > 0 && nbytes <= MAX_POOLED);
    if nbytes <= 1024 {
        let c = nbytes.div_ceil(64);
        return (c - 1, c * 64);
    }
    // nbytes in (2^e, 2^(e+1)], e >= 10: four steps of 2^(e-2)
    let e = (usize::BITS - 1 - (nbytes - 1).leading_zeros()) as usize;
    let step = 1usize << (e - 2);
    let q = (nbytes - (1 << e)).div_ceil(step); // 1..=4
    (16 + (e - 10) * 4 + (q - 1), (1 << e) + q * step)
}

struct Cache {
    free: Vec<Vec<*mut u8>>,
    bytes: usize,
}

impl Drop for Cache {
    fn drop(&mut self) {
        for (c, list) in self.free.iter().enumerate() {
            let cap = capacity_of_class(c);
            for &p in list {
                unsafe { alloc::dealloc(p, Layout::from_size_align_unchecked(cap, ALIGN)) }
            }
        }
    }
}

fn capacity_of_class(c: usize) -> usize {
    if c < 16 {
        (c + 1) * 64
    } else {
        let (e, q) = (10 + (c - 16) / 4, (c - 16) % 4 + 1);
        (1 << e) + q * (1 << (e - 2))
    }
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache { free: (0..CLASSES).map(|_| Vec::new()).collect(), bytes: 0 });
}

/// A buffer of at least `nbytes` (> 0) bytes, aligned to [`ALIGN`], and its capacity (what
/// [`release`] must be given back). `zero` fills the requested bytes with zeros. Null when the
/// allocator fails.
pub fn acquire(nbytes: usize, zero: bool) -> (*mut u8, usize) {
    if nbytes > MAX_POOLED {
        let layout = unsafe { Layout::from_size_align_unchecked(nbytes, ALIGN) };
        let p = unsafe { if zero { alloc::alloc_zeroed(layout) } else { alloc::alloc(layout) } };
        return (p, nbytes);
    }
    let (class, cap) = class_of(nbytes);
    let reused = CACHE
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let p = c.free[class].pop();
            if p.is_some() {
                c.bytes -= cap;
            }
            p
        })
        .ok()
        .flatten();
    match reused {
        Some(p) => {
            if zero {
                unsafe { std::ptr::write_bytes(p, 0, nbytes) };
            }
            (p, cap)
        }
        None => {
            let layout = unsafe { Layout::from_size_align_unchecked(cap, ALIGN) };
            let p = unsafe { if zero { alloc::alloc_zeroed(layout) } else { alloc::alloc(layout) } };
            (p, cap)
        }
    }
}

/// Gives back a buffer from [`acquire`] with the capacity it returned.
///
/// # Safety
/// `p` and `cap` come from one `acquire` call, and `p` is not used after.
pub unsafe fn release(p: *mut u8, cap: usize) {
    if cap <= MAX_POOLED {
        let class = class_of(cap).0;
        let kept = CACHE
            .try_with(|c| {
                let mut c = c.borrow_mut();
                if c.free[class].len() < MAX_PER_CLASS && c.bytes + cap <= MAX_CACHED_BYTES {
                    c.free[class].push(p);
                    c.bytes += cap;
                    true
                } else {
                    false
                }
            })
            .unwrap_or(false);
        if kept {
            return;
        }
    }
    alloc::dealloc(p, Layout::from_size_align_unchecked(cap, ALIGN));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_their_requests_and_round_trip() {
        let mut last = 0;
        for n in (1..=MAX_POOLED).step_by(97).chain([1, 64, 65, 1024, 1025, 4096, 4097, MAX_POOLED]) {
            let (c, cap) = class_of(n);
            assert!(cap >= n && cap <= n + n / 4 + 64, "{n} -> {cap}");
            assert_eq!(capacity_of_class(c), cap, "{n}");
            assert_eq!(class_of(cap), (c, cap), "{n}");
            assert!(c < CLASSES);
            last = last.max(c);
        }
        assert_eq!(last, CLASSES - 1);
    }

    #[test]
    fn a_released_buffer_is_reused_and_zeroed_on_request() {
        let (p, cap) = acquire(1000, false);
        unsafe { std::ptr::write_bytes(p, 7, 1000) };
        unsafe { release(p, cap) };
        let (q, cap2) = acquire(990, true);
        assert_eq!((q, cap2), (p, cap));
        let s = unsafe { std::slice::from_raw_parts(q, 990) };
        assert!(s.iter().all(|&b| b == 0));
        unsafe { release(q, cap2) };
    }
}
