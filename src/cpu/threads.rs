//! The threads kernels run on, sized by `at_set_num_threads`: our worker team
//! ([`super::team`]) for the parallel loops of the elementwise, reduction and copy kernels, and a
//! rayon pool for what runs on rayon (gemm, convolutions).

use crate::error::Result;
use once_cell::sync::OnceCell;
use parking_lot::RwLock;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

static POOL: OnceCell<RwLock<Arc<rayon::ThreadPool>>> = OnceCell::new();

fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn build(n: usize) -> Result<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("torchrs-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| crate::error::Error(format!("torchrs: cannot start {n} threads: {e}")))
}

fn pool() -> &'static RwLock<Arc<rayon::ThreadPool>> {
    POOL.get_or_init(|| RwLock::new(build(default_threads()).expect("the default thread pool starts")))
}

/// The thread count (0 until first asked).
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// How many threads kernels use.
pub fn num_threads() -> usize {
    match THREADS.load(Relaxed) {
        0 => {
            let n = pool().read().current_num_threads();
            THREADS.store(n, Relaxed);
            n
        }
        n => n,
    }
}

/// Resizes the pools (`at_set_num_threads`).
pub fn set_num_threads(n: usize) -> Result<()> {
    let p = build(n)?;
    *pool().write() = p;
    THREADS.store(n.max(1), Relaxed);
    super::team::set_threads(n);
    Ok(())
}

/// Runs `f` inside our rayon pool, so rayon calls within it use our thread count (the team's
/// helpers sleep meanwhile rather than spin on the cores rayon's threads need).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let p = pool().read().clone();
    let _quiet = super::team::quiet();
    p.install(f)
}

/// A raw pointer that may cross into pool tasks (each task touches a disjoint part).
pub struct SendPtr<T>(pub *mut T);
impl<T> Clone for SendPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SendPtr<T> {}
unsafe impl<T> Send for SendPtr<T> {}
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// The pointer (a method, so closures capture the whole `SendPtr`).
    #[inline(always)]
    pub fn get(self) -> *mut T {
        self.0
    }
}

/// [`install`] for a closure holding raw pointers (a gemm call on tensor buffers).
///
/// # Safety
/// What the pointers point at must be usable from the pool's threads until `f` returns.
pub unsafe fn install_raw<R: Send>(f: impl FnOnce() -> R) -> R {
    struct AssertSend<F>(F);
    unsafe impl<F> Send for AssertSend<F> {}
    let w = AssertSend(f);
    install(move || {
        let w = w;
        (w.0)()
    })
}

/// Below this many elements a loop runs on the calling thread.
pub const GRAIN: usize = 32 * 1024;

/// The chunk length that spreads `n` elements over the pool (about four chunks per thread, 64-
/// element aligned), or None to run on the calling thread.
pub fn chunk_len(n: usize) -> Option<usize> {
    if n < GRAIN {
        return None;
    }
    let t = num_threads();
    (t > 1).then(|| n.div_ceil(t * 4).max(GRAIN / 4).next_multiple_of(64))
}

pub use super::team::parallel_for;

/// Rows per chunk for `rows` rows of equal work (`row_work` elements each): one contiguous run
/// of rows per thread (prefetch-friendly; rows handed out one by one alternate between cores),
/// but no run below [`GRAIN`] elements of work.
pub fn rows_per_run(rows: usize, row_work: usize) -> usize {
    rows.div_ceil(num_threads()).max(GRAIN / row_work.max(1)).max(1)
}

/// Runs `body(lo, hi)` over the chunks of `0..n` that [`chunk_len`] picks, across threads.
pub fn for_ranges(n: usize, body: impl Fn(usize, usize) + Sync) {
    match chunk_len(n) {
        None => body(0, n),
        Some(c) => parallel_for(n.div_ceil(c), |i| body(i * c, ((i + 1) * c).min(n))),
    }
}

/// Runs `body(i, chunk i)` over `dst` cut in chunks of `c` elements (the last may be shorter),
/// across threads.
pub fn for_chunks_mut<T: Send>(dst: &mut [T], c: usize, body: impl Fn(usize, &mut [T]) + Sync) {
    let (n, p) = (dst.len(), SendPtr(dst.as_mut_ptr()));
    if n == 0 {
        return;
    }
    let c = c.max(1);
    parallel_for(n.div_ceil(c), |i| {
        let lo = i * c;
        // SAFETY: chunks are disjoint parts of `dst`, which outlives the loop
        body(i, unsafe { std::slice::from_raw_parts_mut(p.get().add(lo), c.min(n - lo)) })
    });
}
