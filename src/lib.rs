//! torchrs: a pure-Rust replacement for libtorch behind the C ABI of tch-rs (torch-sys 0.26).
//!
//! Layers, bottom up: `tensor` (storage, layout, dtype, views), `cpu` (kernels), `ops` (PyTorch
//! semantics per op family), `autograd`, and `capi` (the exported C functions).

#![allow(clippy::missing_safety_doc)]

pub mod error;
pub mod tensor;
pub mod cpu;
pub mod autograd;
pub mod ops;
pub mod optim;
pub mod jit;
pub mod capi;
pub mod io;

pub use error::{Error, Result};
pub use tensor::{DType, Device, Scalar, Tensor};
