//! The exported C ABI of torch-sys 0.26: the boundary (errors, panics, handles), the hand-written
//! `at_*`/`ats_*`/`ato_*`/`ati_*`/`atm_*`/`atc_*` functions, and the generated `atg_*` wrappers.

pub mod boundary;
pub mod handles;
pub mod args;
pub mod generated;
mod tensor_api;
mod tensor_access;
mod scalar_api;
mod context_api;
mod optim_api;
mod gotch_api;
mod module_api;
mod ivalue_api;
mod io_api;
pub mod streams;
