//! `at_context_*` and `atc_*`: what this build has (answered truthfully), CUDA queries, and
//! process-wide switches we accept and keep.

use super::boundary::guard_void;
use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

macro_rules! has {
    ($($name:ident => $v:expr),* $(,)?) => {
        $( #[no_mangle] pub extern "C" fn $name() -> bool { $v } )*
    };
}

has! {
    at_context_has_openmp => false,
    at_context_has_mkl => false,
    at_context_has_lapack => false,
    at_context_has_mkldnn => false,
    at_context_has_magma => false,
    at_context_has_cuda => false,
    at_context_has_cudart => false,
    at_context_has_cudnn => false,
    at_context_has_cusolver => false,
    at_context_has_hip => false,
    at_context_has_ipu => false,
    at_context_has_xla => false,
    at_context_has_lazy => false,
    at_context_has_mps => false,
}

#[no_mangle]
pub extern "C" fn at_context_version_cudnn() -> i64 {
    0
}

#[no_mangle]
pub extern "C" fn at_context_version_cudart() -> i64 {
    0
}

#[no_mangle]
pub extern "C" fn atc_cuda_device_count() -> c_int {
    0
}

#[no_mangle]
pub extern "C" fn atc_cuda_is_available() -> c_int {
    0
}

#[no_mangle]
pub extern "C" fn atc_cudnn_is_available() -> c_int {
    0
}

/// The GPU generator is the CPU one until the GPU backend lands.
#[no_mangle]
pub extern "C" fn atc_manual_seed(seed: u64) {
    crate::tensor::random::manual_seed(seed)
}

#[no_mangle]
pub extern "C" fn atc_manual_seed_all(seed: u64) {
    crate::tensor::random::manual_seed(seed)
}

#[no_mangle]
pub extern "C" fn atc_synchronize(device_index: i64) {
    guard_void("atc_synchronize", || {
        crate::bail!("torchrs: cannot synchronize cuda:{device_index}: no CUDA device is available")
    })
}

static CUDNN_ENABLED: AtomicBool = AtomicBool::new(true);
static CUDNN_BENCHMARK: AtomicBool = AtomicBool::new(false);

#[no_mangle]
pub extern "C" fn atc_user_enabled_cudnn() -> c_int {
    CUDNN_ENABLED.load(Ordering::Relaxed) as c_int
}

#[no_mangle]
pub extern "C" fn atc_set_user_enabled_cudnn(b: c_int) {
    CUDNN_ENABLED.store(b != 0, Ordering::Relaxed)
}

#[no_mangle]
pub extern "C" fn atc_set_benchmark_cudnn(b: c_int) {
    CUDNN_BENCHMARK.store(b != 0, Ordering::Relaxed)
}

static QENGINE: AtomicI32 = AtomicI32::new(0);

#[no_mangle]
pub extern "C" fn at_set_qengine(qengine: c_int) {
    guard_void("at_set_qengine", || {
        crate::ensure!((0..=4).contains(&qengine), "torchrs: unknown quantized engine {qengine}");
        QENGINE.store(qengine, Ordering::Relaxed);
        Ok(())
    })
}

thread_local! {
    static GRAPH_EXECUTOR_OPTIMIZE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

#[no_mangle]
pub extern "C" fn at_set_graph_executor_optimize(b: bool) {
    GRAPH_EXECUTOR_OPTIMIZE.with(|c| c.set(b))
}
