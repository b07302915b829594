//! Hand-written tensor functions of torch_api.h: creation from data, shallow clones, metadata,
//! copies, grad mode and backward.

use super::boundary::{guard, guard_void, malloc_cstring};
use super::handles::{ctensor, new_tensor_handle, new_undefined_handle, tensor, tensor_arg};
use crate::error::Result;
use crate::tensor::layout::{checked_numel, Layout};
use crate::tensor::{DType, Device, Storage, Tensor};
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

/// Reads `(ptr, len)` as an i64 slice, checking the pointer and length.
pub(crate) unsafe fn dims_arg<'a>(p: *const i64, len: usize, what: &str) -> Result<&'a [i64]> {
    if len == 0 {
        return Ok(&[]);
    }
    crate::ensure!(!p.is_null(), "torchrs: {what} is NULL but its length is {len}");
    crate::ensure!(len <= 64, "torchrs: {what} has {len} dimensions; at most 64 are supported");
    Ok(std::slice::from_raw_parts(p, len))
}

#[no_mangle]
pub extern "C" fn at_manual_seed(seed: i64) {
    crate::tensor::random::manual_seed(seed as u64)
}

#[no_mangle]
pub extern "C" fn at_new_tensor() -> tensor {
    new_undefined_handle()
}

#[no_mangle]
pub unsafe extern "C" fn at_tensor_of_data(
    vs: *mut c_void,
    dims: *mut i64,
    ndims: usize,
    element_size_in_bytes: usize,
    type_: c_int,
) -> tensor {
    guard("at_tensor_of_data", std::ptr::null_mut(), || {
        let dtype = DType::from_code(type_)?;
        let shape = dims_arg(dims, ndims, "dims")?;
        crate::ensure!(
            element_size_in_bytes == dtype.size(),
            "torchrs: at_tensor_of_data: element size {element_size_in_bytes} does not match dtype {} (size {})",
            dtype.name(),
            dtype.size()
        );
        let t = Tensor::empty(shape, dtype, Device::Cpu)?;
        let nbytes = t.numel() * dtype.size();
        if nbytes > 0 {
            crate::ensure!(!vs.is_null(), "torchrs: at_tensor_of_data: data is NULL");
            std::ptr::copy_nonoverlapping(vs as *const u8, t.data().base_ptr(), nbytes);
        }
        Ok(new_tensor_handle(t))
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_tensor_of_blob(
    data: *mut c_void,
    dims: *mut i64,
    ndims: usize,
    strides: *mut i64,
    nstrides: usize,
    type_: c_int,
    device: c_int,
) -> tensor {
    guard("at_tensor_of_blob", std::ptr::null_mut(), || {
        let dtype = DType::from_code(type_)?;
        let device = Device::from_code(device)?.check_available()?;
        let shape = dims_arg(dims, ndims, "dims")?;
        checked_numel(shape)?;
        let layout = if nstrides == 0 {
            Layout::contiguous(shape)
        } else {
            let st = dims_arg(strides, nstrides, "strides")?;
            crate::ensure!(st.len() == shape.len(), "torchrs: at_tensor_of_blob: {} strides for {} dims", st.len(), shape.len());
            crate::ensure!(st.iter().all(|&s| s >= 0), "torchrs: at_tensor_of_blob: negative strides {st:?}");
            Layout { shape: shape.into(), strides: st.into(), offset: 0 }
        };
        let nbytes = layout.extent() * dtype.size();
        crate::ensure!(nbytes == 0 || !data.is_null(), "torchrs: at_tensor_of_blob: data is NULL");
        let storage = Storage::borrowed(data as *mut u8, nbytes, device);
        Ok(new_tensor_handle(Tensor::from_parts(Arc::new(storage), layout, dtype)))
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_copy_data(t: tensor, vs: *mut c_void, numel: usize, elt_size_in_bytes: usize) {
    guard_void("at_copy_data", || {
        let t = tensor_arg(t, "tensor")?;
        let d = t.data();
        crate::ensure!(
            elt_size_in_bytes == d.dtype.size(),
            "torchrs: at_copy_data: element size {elt_size_in_bytes} does not match dtype {} (size {})",
            d.dtype.name(),
            d.dtype.size()
        );
        crate::ensure!(
            numel == d.numel(),
            "torchrs: at_copy_data: asked for {numel} elements of a tensor holding {}",
            d.numel()
        );
        if numel == 0 {
            return Ok(());
        }
        crate::ensure!(!vs.is_null(), "torchrs: at_copy_data: destination is NULL");
        let c = crate::cpu::copy::contiguous_as(&d, d.dtype)?;
        std::ptr::copy_nonoverlapping(c.base_ptr(), vs as *mut u8, numel * d.dtype.size());
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_shallow_clone(t: tensor) -> tensor {
    guard("at_shallow_clone", std::ptr::null_mut(), || {
        let c = ctensor(t)?;
        Ok(match &c.0 {
            Some(t) => new_tensor_handle(t.clone()),
            None => new_undefined_handle(),
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_free(t: tensor) {
    if !t.is_null() {
        drop(Box::from_raw(t as *mut super::handles::CTensor));
    }
}

#[no_mangle]
pub unsafe extern "C" fn at_data_ptr(t: tensor) -> *mut c_void {
    guard("at_data_ptr", std::ptr::null_mut(), || Ok(tensor_arg(t, "tensor")?.data().base_ptr() as *mut c_void))
}

#[no_mangle]
pub unsafe extern "C" fn at_defined(t: tensor) -> c_int {
    guard("at_defined", 0, || Ok(ctensor(t)?.0.is_some() as c_int))
}

#[no_mangle]
pub unsafe extern "C" fn at_is_mkldnn(t: tensor) -> c_int {
    guard("at_is_mkldnn", 0, || tensor_arg(t, "tensor").map(|_| 0))
}

#[no_mangle]
pub unsafe extern "C" fn at_is_sparse(t: tensor) -> c_int {
    guard("at_is_sparse", 0, || tensor_arg(t, "tensor").map(|_| 0))
}

#[no_mangle]
pub unsafe extern "C" fn at_is_contiguous(t: tensor) -> c_int {
    guard("at_is_contiguous", 0, || Ok(tensor_arg(t, "tensor")?.is_contiguous() as c_int))
}

#[no_mangle]
pub unsafe extern "C" fn at_device(t: tensor) -> c_int {
    guard("at_device", -1, || Ok(tensor_arg(t, "tensor")?.device().code()))
}

#[no_mangle]
pub unsafe extern "C" fn at_dim(t: tensor) -> usize {
    guard("at_dim", 0, || Ok(tensor_arg(t, "tensor")?.dim()))
}

#[no_mangle]
pub unsafe extern "C" fn at_shape(t: tensor, dims: *mut i64) {
    guard_void("at_shape", || {
        let s = tensor_arg(t, "tensor")?.shape();
        crate::ensure!(!dims.is_null() || s.is_empty(), "torchrs: at_shape: output array is NULL");
        std::ptr::copy_nonoverlapping(s.as_ptr(), dims, s.len());
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_stride(t: tensor, dims: *mut i64) {
    guard_void("at_stride", || {
        let s = tensor_arg(t, "tensor")?.strides();
        crate::ensure!(!dims.is_null() || s.is_empty(), "torchrs: at_stride: output array is NULL");
        std::ptr::copy_nonoverlapping(s.as_ptr(), dims, s.len());
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_scalar_type(t: tensor) -> c_int {
    guard("at_scalar_type", -1, || Ok(tensor_arg(t, "tensor")?.dtype().code()))
}

#[no_mangle]
pub unsafe extern "C" fn at_copy_(dst: tensor, src: tensor) {
    guard_void("at_copy_", || {
        let (d, s) = (tensor_arg(dst, "dst")?, tensor_arg(src, "src")?);
        crate::ops::convert::copy_(d, s).map(|_| ())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_print(t: tensor) {
    guard_void("at_print", || {
        let c = ctensor(t)?;
        match &c.0 {
            Some(t) => println!("{}", crate::tensor::print::format_tensor(t, 80)),
            None => println!("[ Tensor (undefined) ]"),
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_to_string(t: tensor, line_size: c_int) -> *mut c_char {
    guard("at_to_string", std::ptr::null_mut(), || {
        let c = ctensor(t)?;
        let s = match &c.0 {
            Some(t) => crate::tensor::print::format_tensor(t, line_size as i64),
            None => "[ Tensor (undefined) ]".to_string(),
        };
        Ok(malloc_cstring(&s))
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_get(t: tensor, index: c_int) -> tensor {
    guard("at_get", std::ptr::null_mut(), || {
        Ok(new_tensor_handle(tensor_arg(t, "tensor")?.select(0, index as i64)?))
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_fill_double(t: tensor, v: f64) {
    guard_void("at_fill_double", || {
        crate::ops::convert::fill_(tensor_arg(t, "tensor")?, crate::tensor::Scalar::Float(v)).map(|_| ())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_fill_int64(t: tensor, v: i64) {
    guard_void("at_fill_int64", || {
        crate::ops::convert::fill_(tensor_arg(t, "tensor")?, crate::tensor::Scalar::Int(v)).map(|_| ())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at_requires_grad(t: tensor) -> c_int {
    guard("at_requires_grad", 0, || Ok(tensor_arg(t, "tensor")?.requires_grad() as c_int))
}

#[no_mangle]
pub extern "C" fn at_grad_set_enabled(b: c_int) -> c_int {
    crate::autograd::set_grad_enabled(b != 0) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn at_backward(t: tensor, keep_graph: c_int, create_graph: c_int) {
    guard_void("at_backward", || {
        let t = tensor_arg(t, "tensor")?;
        crate::autograd::engine::backward(t, None, keep_graph != 0, create_graph != 0)
    })
}

/// `torch.autograd.grad(tensors, inputs, ones, keep_graph, create_graph)`: writes one new handle
/// per input into `outputs` (undefined when no gradient reaches that input).
#[no_mangle]
pub unsafe extern "C" fn at_run_backward(
    tensors: *const tensor,
    ntensors: c_int,
    inputs: *const tensor,
    ninputs: c_int,
    outputs: *mut tensor,
    keep_graph: c_int,
    create_graph: c_int,
) {
    guard_void("at_run_backward", || {
        let roots = super::args::tensor_list(tensors, ntensors, "tensors")?;
        let ins = super::args::tensor_list(inputs, ninputs, "inputs")?;
        for i in &ins {
            crate::ensure!(i.requires_grad(), "one of the input tensor does not use set_requires_grad");
        }
        crate::ensure!(ins.is_empty() || !outputs.is_null(), "torchrs: at_run_backward: outputs is NULL");
        let pairs: Vec<(Tensor, Tensor)> = roots
            .iter()
            .map(|t| Ok((t.clone(), Tensor::ones(&t.shape(), t.dtype(), t.device())?)))
            .collect::<Result<_>>()?;
        let grads = crate::autograd::engine::run(&pairs, Some(&ins), keep_graph != 0, create_graph != 0)?;
        for (i, g) in grads.into_iter().enumerate() {
            *outputs.add(i) = match g {
                Some(g) => new_tensor_handle(g),
                None => new_undefined_handle(),
            };
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn at__amp_non_finite_check_and_unscale(t: tensor, found_inf: tensor, inv_scale: tensor) {
    guard_void("at__amp_non_finite_check_and_unscale", || {
        tensor_arg(t, "self")?;
        tensor_arg(found_inf, "found_inf")?;
        tensor_arg(inv_scale, "inv_scale")?;
        Err(crate::error::Error::not_implemented("_amp_foreach_non_finite_check_and_unscale_"))
    })
}
