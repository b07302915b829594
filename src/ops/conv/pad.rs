//! Padding: constant (`constant_pad_nd`, negative pads crop), reflect, replicate and circular
//! (index maps over the trailing dims, their gradients the adjoint maps), and `pad`, which
//! picks one by name like `torch.nn.functional.pad`.

use super::taps::{self, Maps, Taps};
use crate::autograd::{needs_grad, record};
use crate::error::Result;
use crate::ops::shape;
use crate::tensor::{Scalar, Tensor};
use std::sync::Arc;

/// The non-constant padding modes (PyTorch's `at::padding_mode` codes 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Reflect,
    Replicate,
    Circular,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Reflect => "reflect",
            Mode::Replicate => "replicate",
            Mode::Circular => "circular",
        }
    }

    /// The input position output `o` copies, for input length `n` and pads `l`, `r`. Circular
    /// padding wraps around the input left after negative pads crop it, as PyTorch's does.
    fn source(self, o: i64, n: i64, l: i64, r: i64) -> Option<i128> {
        let i = o as i128 - l as i128;
        let n = n as i128;
        Some(match self {
            Mode::Reflect if i < 0 => -i,
            Mode::Reflect if i >= n => 2 * (n - 1) - i,
            Mode::Reflect => i,
            Mode::Replicate => i.clamp(0, n - 1),
            Mode::Circular => {
                let (crop_l, crop_r) = ((-l).max(0) as i128, (-r).max(0) as i128);
                let kept = n - crop_l - crop_r;
                if kept <= 0 {
                    return None;
                }
                crop_l + (o as i128 - l.max(0) as i128).rem_euclid(kept)
            }
        })
    }
}

/// Pads so large that negating or adding them could overflow are refused.
fn check_range(pad: &[i64]) -> Result<()> {
    crate::ensure!(pad.iter().all(|&p| p.unsigned_abs() < 1 << 62), "torchrs: padding {pad:?} is out of range");
    Ok(())
}

/// The (left, right) pads of the trailing dims, outermost first (`pad` lists innermost first).
fn pairs(pad: &[i64]) -> Vec<(i64, i64)> {
    let k = pad.len() / 2;
    (0..k).map(|i| (pad[2 * (k - 1 - i)], pad[2 * (k - 1 - i) + 1])).collect()
}

/// `constant_pad_nd`: negative pads narrow the input, positive ones add `value`.
pub fn constant_pad_nd(x: &Tensor, pad: &[i64], value: Scalar) -> Result<Tensor> {
    crate::ensure!(pad.len() % 2 == 0, "Length of pad must be even but instead it equals {}", pad.len());
    let shape_in = x.shape();
    let l_inp = shape_in.len();
    let l_pad = pad.len() / 2;
    crate::ensure!(
        l_inp >= l_pad,
        "Length of pad should be no more than twice the number of dimensions of the input. Pad length is {}while the input has {l_inp}dimensions.",
        pad.len()
    );
    check_range(pad)?;
    let lead = l_inp - l_pad;
    let p = pairs(pad);
    let mut c = x.clone();
    for (j, &(l, r)) in p.iter().enumerate() {
        let d = (lead + j) as i64;
        if l < 0 {
            let size = c.shape()[lead + j];
            c = shape::narrow(&c, d, -l, size + l)?;
        }
        if r < 0 {
            let size = c.shape()[lead + j];
            c = shape::narrow(&c, d, 0, size + r)?;
        }
    }
    let mut new_shape: Vec<i64> = shape_in[..lead].to_vec();
    for (j, &(l, r)) in p.iter().enumerate() {
        let n = shape_in[lead + j] as i128 + l as i128 + r as i128;
        crate::ensure!(
            n >= 0,
            "The input size {}, plus negative padding {l} and {r} resulted in a negative output size, which is invalid. Check dimension {} of your input.",
            shape_in[lead + j],
            lead + j
        );
        new_shape.push(n.min(i64::MAX as i128) as i64);
    }
    taps::check_alloc(&new_shape, x.dtype())?;
    let out = Tensor::full(&new_shape, value, x.dtype(), x.device())?;
    let inner = move |t: &Tensor| -> Result<Tensor> {
        let mut v = t.clone();
        for (j, &(l, r)) in p.iter().enumerate() {
            let d = (lead + j) as i64;
            let size = v.shape()[lead + j];
            let (s, e) = (l.max(0), size - r.max(0));
            v = shape::narrow(&v, d, s, e - s)?;
        }
        Ok(v)
    };
    crate::cpu::copy::copy_into(&inner(&out.view_as_layout(out.layout()))?.data(), &c.data())?;
    if needs_grad(&[&c]) {
        record("ConstantPadNdBackward0", &[&c], &[&out], move |_, g| Ok(vec![g[0].as_ref().map(&inner).transpose()?]));
    }
    Ok(out)
}

/// PyTorch's `padding::check_valid_input<dim>`.
fn check_valid_input(x: &Tensor, nsp: usize, pad: &[i64]) -> Result<()> {
    crate::ensure!(pad.len() == 2 * nsp, "padding size is expected to be {}, but got: {}", 2 * nsp, pad.len());
    let s = x.shape();
    let nd = s.len();
    let batch = nd == nsp + 2;
    let ok = if batch { s[1..].iter().all(|&d| d != 0) } else { nd == nsp + 1 && s.iter().all(|&d| d != 0) };
    crate::ensure!(
        ok,
        "Expected {}D or {}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: {:?}",
        nsp + 1,
        nsp + 2,
        &s[..]
    );
    Ok(())
}

/// The index maps of a reflect / replicate / circular padding of `x` (checks included).
fn pad_maps(mode: Mode, nsp: usize, x: &Tensor, pad: &[i64]) -> Result<Maps> {
    check_range(pad)?;
    let s = x.shape();
    let nd = s.len();
    let p = pairs(pad);
    if mode == Mode::Circular {
        let padded = pad.len() / 2;
        let nonpadded = nd as i64 - padded as i64;
        crate::ensure!(
            nonpadded == 1 || nonpadded == 2,
            "Invalid padding size, expected 1 or 2 non-padded dimensions, which would be equivalent to padding of length {} or {} respectively but got {}",
            (nd as i64 - 1) * 2,
            (nd as i64 - 2) * 2,
            pad.len()
        );
        for (j, &(l, r)) in p.iter().enumerate() {
            let size = s[nd - nsp + j];
            crate::ensure!(l <= size && r <= size, "Padding value causes wrapping around more than once.");
            crate::ensure!(size as i128 + l as i128 + r as i128 >= 0, "Negative padding value is resulting in an empty dimension");
        }
    } else {
        check_valid_input(x, nsp, pad)?;
        let sp = &s[nd - nsp..];
        if mode == Mode::Reflect {
            // checked innermost first, as PyTorch does
            for j in (0..nsp).rev() {
                let (l, r) = p[j];
                crate::ensure!(
                    l < sp[j] && r < sp[j],
                    "Argument #{}: Padding size should be less than the corresponding input dimension, but got: padding ({l}, {r}) at dimension {} of input {:?}",
                    4 + 2 * (nsp - 1 - j),
                    nd - nsp + j,
                    &s[..]
                );
            }
        }
        let out: Vec<i64> = (0..nsp).map(|j| sp[j].saturating_add(p[j].0).saturating_add(p[j].1)).collect();
        if out.iter().any(|&o| o < 1) {
            let names = ["D", "H", "W"];
            let names = &names[3 - nsp..];
            let sep = if mode == Mode::Reflect { ", " } else { " " };
            let ins: Vec<String> = names.iter().zip(sp).map(|(n, v)| format!("{n}: {v}")).collect();
            let outs: Vec<String> = names.iter().zip(&out).map(|(n, v)| format!("{n}: {v}")).collect();
            crate::bail!("input ({}) is too small. Calculated output {}", ins.join(sep), outs.join(" "));
        }
    }
    let mut out_shape: Vec<i64> = s[..nd - nsp].to_vec();
    out_shape.extend((0..nsp).map(|j| s[nd - nsp + j].saturating_add(p[j].0).saturating_add(p[j].1)));
    taps::check_alloc(&out_shape, x.dtype())?;
    let mut maps = Vec::new();
    for j in 0..nsp {
        let (n, (l, r)) = (s[nd - nsp + j], p[j]);
        let o = out_shape[nd - nsp + j].max(0);
        let src: Vec<i128> = (0..o).map(|k| mode.source(k, n, l, r).unwrap_or(-1)).collect();
        crate::ensure!(
            src.iter().all(|&i| i >= 0 && i < n as i128),
            "torchrs: {} padding ({l}, {r}) does not fit a dimension of size {n}",
            mode.name()
        );
        maps.push(Some(Taps::build(n as usize, o as usize, |k| [(src[k] as usize, 1.0)])));
    }
    Ok(Arc::new(maps))
}

fn grad_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Reflect => "ReflectionPadBackward0",
        Mode::Replicate => "ReplicationPadBackward0",
        Mode::Circular => "CircularPadBackward0",
    }
}

/// reflection_pad{1,2,3}d / replication_pad{1,2,3}d / _pad_circular.
pub fn pad_mode(mode: Mode, nsp: usize, x: &Tensor, pad: &[i64]) -> Result<Tensor> {
    let maps = pad_maps(mode, nsp, x, pad)?;
    let kernel = match mode {
        Mode::Reflect => "reflection",
        Mode::Replicate => "replication",
        Mode::Circular => "",
    };
    if !kernel.is_empty() && x.dtype() == crate::tensor::DType::Bool {
        // PyTorch's reflect and replicate kernels have no bool build (circular padding copies)
        return Err(crate::ops::unary::kernel::not_for(&format!("{kernel}_pad{nsp}d"), x.dtype()));
    }
    taps::apply(grad_name(mode), x, &maps)
}

/// The backward functions of reflect / replicate padding.
pub fn pad_mode_backward(mode: Mode, nsp: usize, g: &Tensor, x: &Tensor, pad: &[i64]) -> Result<Tensor> {
    let maps = pad_maps(mode, nsp, x, pad)?;
    let (gs, xs) = (g.shape(), x.shape());
    let mut want: Vec<i64> = xs[..xs.len() - nsp].to_vec();
    want.extend(maps.iter().flatten().map(|t| t.out_len() as i64));
    crate::ensure!(gs[..] == want[..], "Expected grad_output of shape {want:?}, but got {:?}", &gs[..]);
    taps::adjoint(grad_name(mode), g, &maps)
}

/// `_pad_circular`: the number of padded dims follows from the pad length.
pub fn pad_circular(x: &Tensor, pad: &[i64]) -> Result<Tensor> {
    crate::ensure!(pad.len() % 2 == 0 && !pad.is_empty() && pad.len() <= 6, "Padding length must be divisible by 2");
    crate::ensure!(x.dim() >= pad.len() / 2, "Padding length too large");
    pad_mode(Mode::Circular, pad.len() / 2, x, pad)
}

/// `_pad_enum` with PyTorch's mode codes: 0 reflect, 1 replicate, 2 circular, 3 constant.
pub fn pad_enum(x: &Tensor, pad: &[i64], mode: i64, value: Option<f64>) -> Result<Tensor> {
    let nd = x.dim();
    crate::ensure!(pad.len() % 2 == 0, "Padding length must be divisible by 2");
    crate::ensure!(
        pad.len() <= nd * 2,
        "Padding length should be less than or equal to two times the input dimension but got padding length {} and input of dimension {nd}",
        pad.len()
    );
    let mode = match mode {
        0 => Mode::Reflect,
        1 => Mode::Replicate,
        2 => Mode::Circular,
        3 => {
            let v = value.unwrap_or(0.0);
            let s = if x.dtype().is_float() || v.fract() != 0.0 { Scalar::Float(v) } else { Scalar::Int(v as i64) };
            return constant_pad_nd(x, pad, s);
        }
        m => crate::bail!("torchrs: unknown padding mode {m}"),
    };
    crate::ensure!(
        value.is_none_or(|v| v == 0.0),
        "Padding mode \"{}\" doesn't take in value argument",
        mode.name()
    );
    let nsp = pad.len() / 2;
    let fits = matches!((nsp, nd), (1, 2) | (1, 3) | (2, 3) | (2, 4) | (3, 4) | (3, 5));
    crate::ensure!(
        fits,
        "Padding size {} is not supported for {nd}D input tensor.\nSupported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)",
        pad.len()
    );
    pad_mode(mode, nsp, x, pad)
}

/// `pad(input, pad, mode, value)` with the mode named.
pub fn pad(x: &Tensor, pad: &[i64], mode: &str, value: Option<f64>) -> Result<Tensor> {
    let code = match mode {
        "reflect" => 0,
        "replicate" => 1,
        "circular" => 2,
        "constant" => 3,
        _ => crate::bail!("Unrecognised padding mode {mode}"),
    };
    pad_enum(x, pad, code, value)
}
