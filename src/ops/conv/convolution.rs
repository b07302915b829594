//! Convolution ops with autograd, and PyTorch's entry points (convolution, conv1d/2d/3d with
//! int or string padding, conv_transpose1d/2d/3d, conv_tbc). Each form of a geometry (forward,
//! adjoint, weight gradient) is one recorded op whose gradients are the other forms, so
//! gradients of gradients work.

use super::geom::{ConvArgs, Geom};
use super::kernels::{self, Form};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::ops::{convert, reduce, shape};
use crate::tensor::Tensor;

/// Computes `form` of geometry `g` on `a`, `b` (plus a per-channel bias) and records it.
pub fn conv_form(form: Form, a: &Tensor, b: &Tensor, bias: Option<&Tensor>, g: Geom) -> Result<Tensor> {
    let bias_data = bias.map(|t| t.data());
    let out = Tensor::from_data(kernels::run(form, &a.data(), &b.data(), bias_data.as_ref(), &g)?);
    let mut inputs = vec![a, b];
    inputs.extend(bias);
    if needs_grad(&inputs) {
        record_form(form, &inputs, &out, g);
    }
    Ok(out)
}

fn record_form(form: Form, inputs: &[&Tensor], out: &Tensor, g: Geom) {
    let (sa, sb) = (SavedTensor::input(inputs[0]), SavedTensor::input(inputs[1]));
    let wants: Vec<bool> = inputs.iter().map(|t| t.requires_grad()).collect();
    let dtype = inputs[0].dtype();
    let name = if form == Form::WGrad { "ConvolutionBackwardBackward0" } else { "ConvolutionBackward0" };
    record(name, inputs, &[out], move |node, grads| {
        let mut res: Vec<Option<Tensor>> = vec![None; wants.len()];
        let Some(gz) = &grads[0] else { return Ok(res) };
        let gz = if gz.dtype() != dtype { convert::to(gz, None, Some(dtype), false)? } else { gz.clone() };
        // <form(a, b), gz> written as the pairing of each operand with another form
        let (fa, fb) = match form {
            Form::Fwd => (Form::Adj, Form::WGrad),
            Form::Adj => (Form::Fwd, Form::WGrad),
            Form::WGrad => (Form::Adj, Form::Fwd),
        };
        if wants[0] {
            res[0] = Some(match form {
                Form::WGrad => conv_form(fa, &sb.get(node)?, &gz, None, g)?,
                _ => conv_form(fa, &gz, &sb.get(node)?, None, g)?,
            });
        }
        if wants[1] {
            res[1] = Some(match form {
                Form::Fwd => conv_form(fb, &sa.get(node)?, &gz, None, g)?,
                Form::Adj => conv_form(fb, &gz, &sa.get(node)?, None, g)?,
                Form::WGrad => conv_form(fb, &sa.get(node)?, &gz, None, g)?,
            });
        }
        if wants.len() > 2 && wants[2] {
            // the spatial dims first: each (image, channel) sums one contiguous run
            let spatial: Vec<i64> = (2..2 + g.nsp as i64).collect();
            res[2] = Some(reduce::sum(&reduce::sum(&gz, Some(&spatial), false, None)?, Some(&[0]), false, None)?);
        }
        Ok(res)
    });
}

/// A checked convolution (or transposed convolution) of a batched input.
pub fn run_args(input: &Tensor, weight: &Tensor, bias: Option<&Tensor>, args: &ConvArgs) -> Result<Tensor> {
    let g = args.geom(input, weight, bias)?;
    if args.transposed {
        return conv_form(Form::Adj, input, weight, bias, g);
    }
    let out = conv_form(Form::Fwd, input, weight, bias, g)?;
    if g.cin == 0 {
        // PyTorch answers an input without channels with an output without channels
        return shape::narrow(&out, 1, 0, 0);
    }
    Ok(out)
}

/// `torch.convolution` (batched input only).
#[allow(clippy::too_many_arguments)]
pub fn convolution(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    transposed: bool,
    output_padding: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let args = ConvArgs::new(weight, stride, padding, dilation, transposed, output_padding, groups)?;
    run_args(input, weight, bias, &args)
}

/// Runs `f` on `input` with a batch dim added when it has `nsp + 1` dims (PyTorch's `batchify`).
pub fn batchify(name: &str, nsp: usize, input: &Tensor, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let d = input.dim();
    crate::ensure!(
        d == nsp + 1 || d == nsp + 2,
        "Expected {}D (unbatched) or {}D (batched) input to {name}, but got input of size: {:?}",
        nsp + 1,
        nsp + 2,
        &input.shape()[..]
    );
    if d == nsp + 2 {
        return f(input);
    }
    let out = f(&shape::unsqueeze(input, 0)?)?;
    shape::squeeze(&out, Some(&[0]))
}

/// conv1d / conv2d / conv3d.
#[allow(clippy::too_many_arguments)]
pub fn conv_nd(
    nsp: usize,
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    batchify(&format!("conv{nsp}d"), nsp, input, |x| convolution(x, weight, bias, stride, padding, dilation, false, &[0], groups))
}

/// conv_transpose1d / 2d / 3d.
#[allow(clippy::too_many_arguments)]
pub fn conv_transpose_nd(
    nsp: usize,
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    output_padding: &[i64],
    groups: i64,
    dilation: &[i64],
) -> Result<Tensor> {
    batchify(&format!("conv_transpose{nsp}d"), nsp, input, |x| {
        convolution(x, weight, bias, stride, padding, dilation, true, output_padding, groups)
    })
}

/// `_convolution_mode`: padding given as "valid" or "same" (batched input).
pub fn convolution_mode(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &str,
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    match padding {
        "valid" => convolution(input, weight, bias, stride, &[0], dilation, false, &[0], groups),
        "same" => {
            crate::ensure!(stride.iter().all(|&s| s == 1), "padding='same' is not supported for strided convolutions");
            let mut args = ConvArgs::new(weight, stride, &[0], dilation, false, &[0], groups)?;
            let ws = weight.shape();
            for i in 0..ws.len() - 2 {
                let total = args.dilation[i].saturating_mul(ws[i + 2] - 1).max(0);
                args.padding[i] = total / 2;
                args.pad_extra[i] = total - 2 * (total / 2);
            }
            run_args(input, weight, bias, &args)
        }
        _ => crate::bail!("Invalid padding string: '{padding}'"),
    }
}

/// conv1d / conv2d / conv3d with string padding.
#[allow(clippy::too_many_arguments)]
pub fn conv_nd_mode(
    nsp: usize,
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &str,
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    batchify(&format!("conv{nsp}d"), nsp, input, |x| convolution_mode(x, weight, bias, stride, padding, dilation, groups))
}

/// `conv_tbc`: a 1-d convolution over time-batch-channel input with a `[k, cin, cout]` weight.
pub fn conv_tbc(input: &Tensor, weight: &Tensor, bias: &Tensor, pad: i64) -> Result<Tensor> {
    crate::ensure!(input.dim() == 3, "Input must have 3 dims: time, batch, in_channel");
    crate::ensure!(weight.dim() == 3, "Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.");
    crate::ensure!(bias.dim() == 1, "Bias must be 1-D");
    let (is, ws) = (input.shape(), weight.shape());
    crate::ensure!(is[2] == ws[1], "Input dim 2 (input channels) is not == dim 1 in the weight tensor");
    crate::ensure!(bias.shape()[0] == ws[2], "Bias size must equal dim 2 in the weight tensor (output channels).");
    let x = shape::permute(input, &[1, 2, 0])?;
    let w = shape::permute(weight, &[2, 1, 0])?;
    let y = convolution(&x, &w, Some(bias), &[1], &[pad], &[1], false, &[0], 1)?;
    shape::permute(&y, &[2, 0, 1])
}
