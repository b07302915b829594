//! CPU kernels: strided iteration, copies and casts, elementwise maps, reductions and matmul.

pub mod isa;
pub mod iter;
pub mod copy;
pub mod elementwise;
pub mod reduce;
pub mod matmul;
pub mod prefetch;
pub mod gemm_nt;
pub mod small_gemm;
pub mod team;
pub mod threads;
pub mod transpose;
