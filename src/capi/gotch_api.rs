//! gotch's nine extra C functions (sugarme/gotch `libtch/torch_api.h`, beyond tch's ABI), with
//! gotch's exact signatures, so gotch programs link this library too: optimizer parameter groups
//! and learning rates, `ato_constant_pad_nd` (constant padding with a value), and the current
//! CUDA device (`atc_get_device`, `atc_set_device`).

use super::args;
use super::boundary::{guard, guard_void};
use super::handles::{self, optimizer, scalar, tensor};
use crate::error::Result;
use crate::tensor::{Device, Scalar, Tensor};
use std::ffi::c_int;
use std::sync::atomic::{AtomicI32, Ordering};

/// `void ato_add_parameters_old(optimizer, tensor *, int ntensors);`: adds to group 0.
#[no_mangle]
pub unsafe extern "C" fn ato_add_parameters_old(o: optimizer, tensors: *mut tensor, ntensors: c_int) {
    guard_void("ato_add_parameters_old", || {
        let op = super::optim_api::opt(o)?;
        for t in args::tensor_list(tensors, ntensors, "tensors")? {
            op.add_parameter(&t, 0)?;
        }
        Ok(())
    })
}

/// `void ato_add_parameter(optimizer, tensor, size_t group);`
#[no_mangle]
pub unsafe extern "C" fn ato_add_parameter(o: optimizer, t: tensor, group: usize) {
    guard_void("ato_add_parameter", || super::optim_api::opt(o)?.add_parameter(handles::tensor_arg(t, "tensor")?, group))
}

/// `void ato_set_learning_rates(optimizer, double *learning_rates, int lrs_num);`: one per group.
#[no_mangle]
pub unsafe extern "C" fn ato_set_learning_rates(o: optimizer, lrs: *mut f64, lrs_num: c_int) {
    guard_void("ato_set_learning_rates", || {
        let op = super::optim_api::opt(o)?;
        let lrs = args::double_list(lrs, lrs_num, "learning_rates")?;
        crate::ensure!(
            lrs.len() == op.groups.len(),
            "torchrs: {} learning rates given for {} parameter groups",
            lrs.len(),
            op.groups.len()
        );
        for (g, &lr) in op.groups.iter_mut().zip(lrs) {
            g.options.lr = lr;
        }
        Ok(())
    })
}

/// `void ato_get_learning_rates(optimizer, double *lrs, int *ngroup);`: the caller's array must
/// hold one value per group.
#[no_mangle]
pub unsafe extern "C" fn ato_get_learning_rates(o: optimizer, lrs: *mut f64, ngroup: *mut c_int) {
    guard_void("ato_get_learning_rates", || {
        let op = super::optim_api::opt(o)?;
        crate::ensure!(!lrs.is_null() && !ngroup.is_null(), "torchrs: ato_get_learning_rates: NULL output");
        for (i, g) in op.groups.iter().enumerate() {
            *lrs.add(i) = g.options.lr;
        }
        *ngroup = op.groups.len() as c_int;
        Ok(())
    })
}

/// `int64_t ato_param_group_num(optimizer);` -1 on error, as in gotch.
#[no_mangle]
pub unsafe extern "C" fn ato_param_group_num(o: optimizer) -> i64 {
    guard("ato_param_group_num", -1, || Ok(super::optim_api::opt(o)?.groups.len() as i64))
}

/// `void ato_add_param_group(optimizer, tensor *params, int param_num);`: a new group with the
/// default options.
#[no_mangle]
pub unsafe extern "C" fn ato_add_param_group(o: optimizer, params: *mut tensor, param_num: c_int) {
    guard_void("ato_add_param_group", || {
        let op = super::optim_api::opt(o)?;
        let ts = args::tensor_list(params, param_num, "params")?;
        let g = op.groups.len();
        if ts.is_empty() {
            // still creates the (empty) group
            let d = op.defaults.clone();
            op.groups.push(crate::optim::Group::new(d));
        }
        for t in ts {
            op.add_parameter(&t, g)?;
        }
        Ok(())
    })
}

/// `torch::constant_pad_nd(self, pad, value)`: padding with any value (negative pads crop).
fn constant_pad(t: &Tensor, pad: &[i64], value: Scalar) -> Result<Tensor> {
    crate::ops::conv::pad::constant_pad_nd(t, pad, value)
}

/// `void ato_constant_pad_nd(tensor *, tensor self, int64_t *pad_data, int pad_len, scalar value);`
/// writes the padded tensor into `out__[0]`.
///
/// # Safety
/// Handles are NULL or live; `pad_data` points to `pad_len` values; `out__` to one slot.
#[no_mangle]
pub unsafe extern "C" fn ato_constant_pad_nd(
    out__: *mut tensor,
    self_: tensor,
    pad_data: *mut i64,
    pad_len: c_int,
    value: scalar,
) {
    handles::clear_outputs(out__, 1);
    guard_void("ato_constant_pad_nd", || {
        let t = handles::tensor_arg(self_, "self")?;
        let pad = args::int_list(pad_data, pad_len, "pad")?;
        let value = *handles::scalar_arg(value, "value")?;
        let r = constant_pad(t, pad, value)?;
        handles::write_outputs(out__, vec![r])
    })
}

/// The CUDA device `atc_set_device` chose last (libtorch's current device starts at 0).
static CURRENT_CUDA: AtomicI32 = AtomicI32::new(0);

/// `int atc_get_device();` the current CUDA device index. Like libtorch built without CUDA, it
/// fails (returning gotch's -99) when no CUDA device can be used.
#[no_mangle]
pub extern "C" fn atc_get_device() -> c_int {
    guard("atc_get_device", -99, || {
        Device::Gpu(0).check_available()?;
        Ok(CURRENT_CUDA.load(Ordering::Relaxed))
    })
}

/// `void atc_set_device(int device_index);` makes `device_index` (a tch device code) current: the
/// CPU (-1) is accepted and changes nothing, as in libtorch; a device this build lacks is an error.
#[no_mangle]
pub extern "C" fn atc_set_device(device_index: c_int) {
    guard_void("atc_set_device", || {
        if let Device::Gpu(n) = Device::from_code(device_index)?.check_available()? {
            CURRENT_CUDA.store(n as i32, Ordering::Relaxed);
        }
        Ok(())
    })
}
