//! `ato_*`: optimizer handles (SGD, Adam, AdamW, RMSprop) with libtorch's parameter-group rules.

use super::boundary::{guard, guard_void};
use super::handles::{optimizer, tensor, tensor_arg};
use crate::error::Result;
use crate::optim::{Algorithm, Optimizer, Options};
use std::ffi::c_int;

fn new_handle(alg: Algorithm, o: Options) -> Result<optimizer> {
    Ok(Box::into_raw(Box::new(Optimizer::new(alg, o)?)) as optimizer)
}

/// The optimizer behind a handle.
///
/// # Safety
/// `o` is NULL or a live handle from this library, not used by another thread meanwhile.
pub(crate) unsafe fn opt<'a>(o: optimizer) -> Result<&'a mut Optimizer> {
    crate::ensure!(!o.is_null(), "torchrs: the optimizer handle is NULL");
    Ok(&mut *(o as *mut Optimizer))
}

#[no_mangle]
pub extern "C" fn ato_adam(learning_rate: f64, beta1: f64, beta2: f64, weight_decay: f64, eps: f64, amsgrad: bool) -> optimizer {
    guard("ato_adam", std::ptr::null_mut(), || {
        let o = Options { lr: learning_rate, beta1, beta2, weight_decay, eps, amsgrad, ..Options::default() };
        new_handle(Algorithm::Adam, o)
    })
}

#[no_mangle]
pub extern "C" fn ato_adamw(learning_rate: f64, beta1: f64, beta2: f64, weight_decay: f64, eps: f64, amsgrad: bool) -> optimizer {
    guard("ato_adamw", std::ptr::null_mut(), || {
        let o = Options { lr: learning_rate, beta1, beta2, weight_decay, eps, amsgrad, ..Options::default() };
        new_handle(Algorithm::AdamW, o)
    })
}

#[no_mangle]
pub extern "C" fn ato_rms_prop(learning_rate: f64, alpha: f64, eps: f64, weight_decay: f64, momentum: f64, centered: c_int) -> optimizer {
    guard("ato_rms_prop", std::ptr::null_mut(), || {
        let o = Options { lr: learning_rate, alpha, eps, weight_decay, momentum, centered: centered != 0, ..Options::default() };
        new_handle(Algorithm::RmsProp, o)
    })
}

#[no_mangle]
pub extern "C" fn ato_sgd(learning_rate: f64, momentum: f64, dampening: f64, weight_decay: f64, nesterov: c_int) -> optimizer {
    guard("ato_sgd", std::ptr::null_mut(), || {
        let o = Options { lr: learning_rate, momentum, dampening, weight_decay, nesterov: nesterov != 0, ..Options::default() };
        new_handle(Algorithm::Sgd, o)
    })
}

#[no_mangle]
pub unsafe extern "C" fn ato_add_parameters(o: optimizer, t: tensor, group: usize) {
    guard_void("ato_add_parameters", || opt(o)?.add_parameter(tensor_arg(t, "tensor")?, group))
}

#[no_mangle]
pub unsafe extern "C" fn ato_set_learning_rate(o: optimizer, learning_rate: f64) {
    guard_void("ato_set_learning_rate", || {
        opt(o)?.set_all(|x| x.lr = learning_rate);
        Ok(())
    })
}

/// Sets the momentum, which is beta1 for Adam and AdamW.
fn set_momentum(alg: Algorithm, x: &mut Options, m: f64) {
    match alg {
        Algorithm::Adam | Algorithm::AdamW => x.beta1 = m,
        _ => x.momentum = m,
    }
}

#[no_mangle]
pub unsafe extern "C" fn ato_set_momentum(o: optimizer, momentum: f64) {
    guard_void("ato_set_momentum", || {
        let op = opt(o)?;
        let alg = op.algorithm;
        op.set_all(|x| set_momentum(alg, x, momentum));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ato_set_learning_rate_group(o: optimizer, group: usize, learning_rate: f64) {
    guard_void("ato_set_learning_rate_group", || {
        opt(o)?.group_mut(group)?.options.lr = learning_rate;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ato_set_momentum_group(o: optimizer, group: usize, momentum: f64) {
    guard_void("ato_set_momentum_group", || {
        let op = opt(o)?;
        let alg = op.algorithm;
        set_momentum(alg, &mut op.group_mut(group)?.options, momentum);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ato_set_weight_decay(o: optimizer, weight_decay: f64) {
    guard_void("ato_set_weight_decay", || {
        opt(o)?.set_all(|x| x.weight_decay = weight_decay);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ato_set_weight_decay_group(o: optimizer, group: usize, weight_decay: f64) {
    guard_void("ato_set_weight_decay_group", || {
        opt(o)?.group_mut(group)?.options.weight_decay = weight_decay;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ato_zero_grad(o: optimizer) {
    guard_void("ato_zero_grad", || {
        opt(o)?.zero_grad();
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn ato_step(o: optimizer) {
    guard_void("ato_step", || opt(o)?.step())
}

#[no_mangle]
pub unsafe extern "C" fn ato_free(o: optimizer) {
    if !o.is_null() {
        drop(Box::from_raw(o as *mut Optimizer));
    }
}
