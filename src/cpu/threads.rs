//! The thread pool kernels run on: rayon's, sized by `at_set_num_threads`.

use crate::error::Result;
use once_cell::sync::OnceCell;
use parking_lot::RwLock;
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

/// How many threads kernels use.
pub fn num_threads() -> usize {
    pool().read().current_num_threads()
}

/// Resizes the pool (`at_set_num_threads`).
pub fn set_num_threads(n: usize) -> Result<()> {
    let p = build(n)?;
    *pool().write() = p;
    Ok(())
}

/// Runs `f` inside our pool, so rayon calls within it use our thread count.
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let p = pool().read().clone();
    p.install(f)
}

/// A raw pointer that may cross into pool tasks (each task touches a disjoint part).
#[derive(Clone, Copy)]
pub struct SendPtr<T>(pub *mut T);
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

/// Runs `body(lo, hi)` over the chunks of `0..n` that [`chunk_len`] picks, on the pool.
pub fn for_ranges(n: usize, body: impl Fn(usize, usize) + Sync) {
    use rayon::prelude::*;
    match chunk_len(n) {
        None => body(0, n),
        Some(c) => install(|| (0..n.div_ceil(c)).into_par_iter().for_each(|i| body(i * c, ((i + 1) * c).min(n)))),
    }
}
