//! `ato_*`: optimizers. Not built yet: every constructor answers "not implemented" (the training
//! work adds SGD, Adam, AdamW and RMSprop here).

use super::boundary::{guard, guard_void};
use super::handles::{optimizer, tensor};
use crate::error::{Error, Result};
use std::ffi::c_int;

fn missing<T>(op: &str) -> Result<T> {
    Err(Error::not_implemented(op))
}

fn check(o: optimizer) -> Result<()> {
    crate::ensure!(!o.is_null(), "torchrs: the optimizer handle is NULL");
    missing("optimizer")
}

#[no_mangle]
pub extern "C" fn ato_adam(_lr: f64, _beta1: f64, _beta2: f64, _wd: f64, _eps: f64, _amsgrad: bool) -> optimizer {
    guard("ato_adam", std::ptr::null_mut(), || missing("optimizer adam"))
}

#[no_mangle]
pub extern "C" fn ato_adamw(_lr: f64, _beta1: f64, _beta2: f64, _wd: f64, _eps: f64, _amsgrad: bool) -> optimizer {
    guard("ato_adamw", std::ptr::null_mut(), || missing("optimizer adamw"))
}

#[no_mangle]
pub extern "C" fn ato_rms_prop(_lr: f64, _alpha: f64, _eps: f64, _wd: f64, _momentum: f64, _centered: c_int) -> optimizer {
    guard("ato_rms_prop", std::ptr::null_mut(), || missing("optimizer rms_prop"))
}

#[no_mangle]
pub extern "C" fn ato_sgd(_lr: f64, _momentum: f64, _dampening: f64, _wd: f64, _nesterov: c_int) -> optimizer {
    guard("ato_sgd", std::ptr::null_mut(), || missing("optimizer sgd"))
}

#[no_mangle]
pub extern "C" fn ato_add_parameters(o: optimizer, _t: tensor, _group: usize) {
    guard_void("ato_add_parameters", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_set_learning_rate(o: optimizer, _lr: f64) {
    guard_void("ato_set_learning_rate", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_set_momentum(o: optimizer, _m: f64) {
    guard_void("ato_set_momentum", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_set_learning_rate_group(o: optimizer, _group: usize, _lr: f64) {
    guard_void("ato_set_learning_rate_group", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_set_momentum_group(o: optimizer, _group: usize, _m: f64) {
    guard_void("ato_set_momentum_group", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_set_weight_decay(o: optimizer, _wd: f64) {
    guard_void("ato_set_weight_decay", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_set_weight_decay_group(o: optimizer, _group: usize, _wd: f64) {
    guard_void("ato_set_weight_decay_group", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_zero_grad(o: optimizer) {
    guard_void("ato_zero_grad", || check(o))
}

#[no_mangle]
pub extern "C" fn ato_step(o: optimizer) {
    guard_void("ato_step", || check(o))
}

/// No optimizer handle is ever handed out yet, so there is nothing to release.
#[no_mangle]
pub extern "C" fn ato_free(_o: optimizer) {}
