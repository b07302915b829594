//! The worker team behind our parallel loops: `parallel_for(n, body)` runs `body(0..n)` on the
//! calling thread and on helper threads that spin for a short while after each loop before they
//! sleep, so back-to-back kernels (a training step) start without a futex round trip (what
//! OpenMP's busy-wait gives libtorch). The caller always takes part, so a loop never waits for a
//! helper to wake up; a loop started while another runs (another user thread, or a loop nested in
//! a task) runs on its caller alone.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering::*};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long an idle helper spins for the next loop before it sleeps.
const SPIN: Duration = Duration::from_micros(300);

type Body<'a> = &'a (dyn Fn(usize) + Sync);

/// An atomic alone on its cache line: the task counter, the finished count and the epoch are
/// written by different threads during a loop and must not share a line.
#[repr(align(128))]
struct Line<T>(T);

impl<T> std::ops::Deref for Line<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

struct Team {
    /// Odd while a loop is open; every open and every close adds one.
    epoch: Line<AtomicUsize>,
    /// The open loop's body: a `*const Body`, valid while the loop is open.
    body: AtomicPtr<()>,
    /// Tasks of the open loop, the next one to hand out, and how many have finished.
    tasks: AtomicUsize,
    next: Line<AtomicUsize>,
    done: Line<AtomicUsize>,
    /// Helpers inside the open loop (the caller waits for them to leave before it returns).
    inside: AtomicUsize,
    /// A task of the open loop panicked on a helper.
    panicked: AtomicBool,
    /// A caller holds the team.
    busy: AtomicBool,
    /// How many helpers may join loops (the thread count less the caller).
    helpers: AtomicUsize,
    /// Helpers started so far.
    started: Mutex<usize>,
    /// Sleeping helpers, and where they sleep.
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
    /// Rayon regions running (gemm): helpers then sleep rather than spin, leaving the cores.
    quiet: AtomicUsize,
}

static TEAM: Team = Team {
    epoch: Line(AtomicUsize::new(0)),
    body: AtomicPtr::new(std::ptr::null_mut()),
    tasks: AtomicUsize::new(0),
    next: Line(AtomicUsize::new(0)),
    done: Line(AtomicUsize::new(0)),
    inside: AtomicUsize::new(0),
    panicked: AtomicBool::new(false),
    busy: AtomicBool::new(false),
    helpers: AtomicUsize::new(usize::MAX),
    started: Mutex::new(0),
    sleepers: AtomicUsize::new(0),
    lock: Mutex::new(()),
    wake: Condvar::new(),
    quiet: AtomicUsize::new(0),
};

/// Sets how many threads loops use, the caller included (at least 1).
pub fn set_threads(n: usize) {
    TEAM.helpers.store(n.max(1) - 1, SeqCst);
}

/// Marks a rayon region (gemm's threads) while the returned guard lives: helpers stop spinning.
pub fn quiet() -> impl Drop {
    struct Quiet;
    impl Drop for Quiet {
        fn drop(&mut self) {
            TEAM.quiet.fetch_sub(1, SeqCst);
        }
    }
    TEAM.quiet.fetch_add(1, SeqCst);
    Quiet
}

/// Runs the tasks of the open loop until none is left; false when one panicked.
fn run_tasks(body: Body<'_>) -> Result<(), Box<dyn std::any::Any + Send>> {
    let mut result = Ok(());
    let n = TEAM.tasks.load(Acquire);
    let mut ran = 0;
    loop {
        let i = TEAM.next.fetch_add(1, AcqRel);
        if i >= n {
            // counted once per thread and loop (not per task): the waiting caller reads this line
            TEAM.done.fetch_add(ran, AcqRel);
            return result;
        }
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| body(i))) {
            result = Err(p);
        }
        ran += 1;
    }
}

/// Waits until the epoch differs from `seen`: spins while loops keep coming, then sleeps.
fn next_epoch(seen: usize) -> usize {
    let start = Instant::now();
    let mut spins = 0u32;
    loop {
        let e = TEAM.epoch.load(Acquire);
        if e != seen {
            return e;
        }
        spins = spins.wrapping_add(1);
        let spinning = TEAM.quiet.load(Relaxed) == 0 && (spins % 64 != 0 || start.elapsed() < SPIN);
        if spinning {
            std::hint::spin_loop();
            continue;
        }
        let mut g = TEAM.lock.lock().unwrap_or_else(|e| e.into_inner());
        TEAM.sleepers.fetch_add(1, SeqCst);
        loop {
            let e = TEAM.epoch.load(SeqCst);
            if e != seen {
                TEAM.sleepers.fetch_sub(1, SeqCst);
                return e;
            }
            g = TEAM.wake.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}

fn helper(index: usize) {
    let mut seen = TEAM.epoch.load(SeqCst);
    loop {
        let e = next_epoch(seen);
        seen = e;
        if e % 2 == 0 || index >= TEAM.helpers.load(Relaxed) {
            continue;
        }
        TEAM.inside.fetch_add(1, SeqCst);
        // the caller closes (bumps the epoch) before it waits for `inside` to reach zero, so a
        // helper that still sees `e` here is waited for, and the body is still alive
        if TEAM.epoch.load(SeqCst) == e {
            // SAFETY: set by the caller before it opened epoch `e`, valid until it closes it
            let body = unsafe { *(TEAM.body.load(Acquire) as *const Body<'_>) };
            if run_tasks(body).is_err() {
                TEAM.panicked.store(true, SeqCst);
            }
        }
        TEAM.inside.fetch_sub(1, SeqCst);
    }
}

/// Starts helpers up to the wanted count (once each; they live as long as the process).
fn start_helpers(want: usize) {
    let mut started = TEAM.started.lock().unwrap_or_else(|e| e.into_inner());
    while *started < want {
        let index = *started;
        let spawned = std::thread::Builder::new().name(format!("torchrs-team-{index}")).spawn(move || helper(index));
        if spawned.is_err() {
            break; // fewer helpers; the caller does the rest
        }
        *started += 1;
    }
}

/// Spins (then yields) until `ready()`.
fn wait_until(ready: impl Fn() -> bool) {
    let mut spins = 0u32;
    while !ready() {
        spins += 1;
        if spins < 1 << 12 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

/// Runs `body(i)` for every `i` in `0..n`, across the team; returns when all have run. A panic
/// in a task is raised again on the caller once every task has finished.
pub fn parallel_for(n: usize, body: impl Fn(usize) + Sync) {
    let mut helpers = TEAM.helpers.load(Relaxed);
    if helpers == usize::MAX {
        helpers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) - 1;
        let _ = TEAM.helpers.compare_exchange(usize::MAX, helpers, SeqCst, SeqCst);
        helpers = TEAM.helpers.load(SeqCst);
    }
    if n < 2 || helpers == 0 || TEAM.busy.compare_exchange(false, true, Acquire, Relaxed).is_err() {
        (0..n).for_each(body);
        return;
    }
    start_helpers(helpers);
    let dyn_body: Body<'_> = &body;
    TEAM.body.store(&dyn_body as *const Body<'_> as *mut (), Release);
    TEAM.tasks.store(n, Release);
    TEAM.next.store(0, Release);
    TEAM.done.store(0, Release);
    TEAM.panicked.store(false, Release);
    TEAM.epoch.fetch_add(1, SeqCst); // open
    if TEAM.sleepers.load(SeqCst) > 0 {
        let _g = TEAM.lock.lock().unwrap_or_else(|e| e.into_inner());
        TEAM.wake.notify_all();
    }
    let mine = run_tasks(dyn_body);
    wait_until(|| TEAM.done.load(Acquire) >= n);
    TEAM.epoch.fetch_add(1, SeqCst); // close
    wait_until(|| TEAM.inside.load(SeqCst) == 0);
    let theirs = TEAM.panicked.load(SeqCst);
    TEAM.busy.store(false, Release);
    if let Err(p) = mine {
        resume_unwind(p);
    }
    if theirs {
        panic!("torchrs: a parallel task panicked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_runs_once_and_nested_loops_run_inline() {
        let hits: Vec<AtomicUsize> = (0..1000).map(|_| AtomicUsize::new(0)).collect();
        for _ in 0..50 {
            parallel_for(1000, |i| {
                hits[i].fetch_add(1, Relaxed);
                if i % 100 == 0 {
                    let inner = AtomicUsize::new(0);
                    parallel_for(10, |_| {
                        inner.fetch_add(1, Relaxed);
                    });
                    assert_eq!(inner.load(Relaxed), 10);
                }
            });
        }
        assert!(hits.iter().all(|h| h.load(Relaxed) == 50));
    }

    #[test]
    fn a_panicking_task_reaches_the_caller_and_the_team_stays_usable() {
        let r = std::panic::catch_unwind(|| parallel_for(64, |i| assert!(i != 37, "task 37")));
        assert!(r.is_err());
        let count = AtomicUsize::new(0);
        parallel_for(64, |_| {
            count.fetch_add(1, Relaxed);
        });
        assert_eq!(count.load(Relaxed), 64);
    }

    #[test]
    fn loops_from_many_threads_all_complete() {
        let total = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..200 {
                        parallel_for(16, |_| {
                            total.fetch_add(1, Relaxed);
                        });
                    }
                });
            }
        });
        assert_eq!(total.load(Relaxed), 4 * 200 * 16);
    }
}
