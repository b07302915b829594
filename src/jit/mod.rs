//! TorchScript values (IValue); TorchScript modules come later.

pub mod ivalue;
