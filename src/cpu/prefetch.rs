//! Software prefetch hints for row loops: while a loop works on one row, it asks the CPU to
//! bring the next row's input and output lines into L1 (a store to a line already there does
//! not wait for memory). The hardware prefetcher stops at each 4 KB page's end, so without the
//! hint a row loop's first pass over each row (a row of 1000 f32 spans two pages) waits.

/// The next row of a row loop: where its input and its output start (just past the current
/// row's ends). Past a tensor's last row the addresses lie outside it: a prefetch is a hint
/// that never faults, and the pointers are never read.
#[derive(Clone, Copy)]
pub struct NextRow {
    x: *const u8,
    /// A second input (null when there is none).
    y: *const u8,
    o: *const u8,
}

impl NextRow {
    /// The rows that follow `x` and `o` in memory.
    pub fn after<T, U>(x: &[T], o: &[U]) -> NextRow {
        NextRow { x: x.as_ptr_range().end as *const u8, y: std::ptr::null(), o: o.as_ptr_range().end as *const u8 }
    }

    /// The rows that follow inputs `x` and `y` (of the same length) and output `o`.
    pub fn after2<T, U>(x: &[T], y: &[T], o: &[U]) -> NextRow {
        NextRow { y: y.as_ptr_range().end as *const u8, ..NextRow::after(x, o) }
    }

    /// Prefetches the part of the next rows that chunk `i` of `CHUNK` values of this row
    /// covers (the loop's i-th step: the whole next row is requested over the row's steps).
    #[inline(always)]
    pub fn fetch<T, const CHUNK: usize>(self, i: usize) {
        let bytes = CHUNK * std::mem::size_of::<T>();
        for line in (0..bytes).step_by(64) {
            read(self.x.wrapping_add(i * bytes + line));
            if !self.y.is_null() {
                read(self.y.wrapping_add(i * bytes + line));
            }
            read(self.o.wrapping_add(i * bytes + line));
        }
    }
}

/// Asks for the cache line holding `p` in L1 (`prefetcht0`).
#[inline(always)]
pub fn read(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and never faults, whatever the address
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p as *const i8)
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
