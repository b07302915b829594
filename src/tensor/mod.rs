//! The tensor core: dtypes, devices, scalars, storage, layouts, the Tensor handle, views,
//! creation, random numbers and printing.

pub mod dtype;
pub mod float8;
pub mod device;
pub mod scalar;
pub mod storage;
pub mod pool;
pub mod layout;
#[allow(clippy::module_inception)]
mod tensor;
pub mod views;
pub mod create;
pub mod random;
pub mod stream_fills;
pub mod print;

pub use device::Device;
pub use dtype::{DType, Element};
pub use layout::{Dims, Layout};
pub use scalar::Scalar;
pub use storage::Storage;
pub use tensor::{Tensor, TensorData};
