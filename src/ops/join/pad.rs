//! Padding: constant (negative pads crop; backward is the opposite pad), and reflect /
//! replicate / circular as index maps per padded dim (index_select forward, index_add backward).

use crate::autograd::{needs_grad, record};
use crate::cpu::copy::copy_into;
use crate::error::Result;
use crate::ops::index::select::{index_add, index_select};
use crate::tensor::{Dims, Scalar, Tensor, TensorData};

fn check_pad_len(t: &Tensor, pad: &[i64]) -> Result<()> {
    crate::ensure!(pad.len() % 2 == 0, "Length of pad must be even but instead it equals {}", pad.len());
    crate::ensure!(
        pad.len() / 2 <= t.dim(),
        "Length of pad should be no more than twice the number of dimensions of the input. Pad length is {} while the input has {} dimensions.",
        pad.len(),
        t.dim()
    );
    Ok(())
}

/// `constant_pad_nd(t, pad, value)`: `pad` lists (left, right) pairs from the last dim.
pub fn constant_pad(t: &Tensor, pad: &[i64], value: Scalar) -> Result<Tensor> {
    check_pad_len(t, pad)?;
    let s = t.shape();
    let nd = s.len();
    let mut out_shape: Dims = s.clone();
    let mut src = t.data();
    let mut dst_ranges = vec![];
    for (k, lr) in pad.chunks(2).enumerate() {
        let d = nd - 1 - k;
        let (l, r) = (lr[0], lr[1]);
        let n = s[d] + l + r;
        crate::ensure!(n >= 0, "narrow(): length must be non-negative.");
        out_shape[d] = n;
        // crop the source where pads are negative
        let (cl, cr) = ((-l).max(0), (-r).max(0));
        let keep = (s[d] - cl - cr).max(0);
        src.layout = src.layout.narrow(d, cl.min(s[d]) as usize, keep as usize);
        dst_ranges.push((d, l.max(0) as usize, keep as usize));
    }
    let out = Tensor::full(&out_shape, value, t.dtype(), t.device())?;
    let od = out.data();
    let mut l = od.layout.clone();
    for &(d, start, len) in &dst_ranges {
        l = l.narrow(d, start, len);
    }
    if l.numel() > 0 {
        copy_into(&TensorData { layout: l, ..od.clone() }, &src)?;
    }
    if needs_grad(&[t]) {
        let neg: Vec<i64> = pad.iter().map(|p| -p).collect();
        record("ConstantPadNdBackward0", &[t], &[&out], move |_, g| {
            Ok(vec![g[0].as_ref().map(|g| constant_pad(g, &neg, Scalar::Int(0))).transpose()?])
        });
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Reflect,
    Replicate,
    Circular,
}

/// For each padded dim (from the last), the input index read by each output position.
fn maps(t: &Tensor, pad: &[i64], mode: Mode) -> Result<Vec<(usize, Vec<i64>)>> {
    let s = t.shape();
    let nd = s.len();
    let mut out = vec![];
    for (k, lr) in pad.chunks(2).enumerate() {
        let d = nd - 1 - k;
        let (l, r, n) = (lr[0], lr[1], s[d]);
        match mode {
            Mode::Reflect => crate::ensure!(
                l < n && r < n,
                "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding ({l}, {r}) at dimension {d} of input {:?}",
                &s[..]
            ),
            Mode::Circular => crate::ensure!(l <= n && r <= n, "Padding value causes wrapping around more than once."),
            Mode::Replicate => crate::ensure!(n > 0 || l + r <= 0, "input tensor must have non-zero size along padded dims"),
        }
        let len = n + l + r;
        crate::ensure!(len >= 0, "narrow(): length must be non-negative.");
        let idx: Vec<i64> = (0..len)
            .map(|o| {
                let i = o - l;
                match mode {
                    Mode::Replicate => i.clamp(0, n - 1),
                    Mode::Circular => i.rem_euclid(n),
                    Mode::Reflect => {
                        let p = 2 * (n - 1);
                        if p == 0 {
                            0
                        } else {
                            let m = i.rem_euclid(p);
                            if m < n { m } else { p - m }
                        }
                    }
                }
            })
            .collect();
        out.push((d, idx));
    }
    Ok(out)
}

/// Reflect / replicate / circular padding of the last `pad.len() / 2` dims.
pub fn index_pad(t: &Tensor, pad: &[i64], mode: Mode) -> Result<Tensor> {
    let mut x = t.clone();
    for (d, idx) in maps(t, pad, mode)? {
        let n = idx.len() as i64;
        x = index_select(&x, d as i64, &Tensor::from_vec(idx, &[n])?)?;
    }
    if x.same_tensor(t) {
        x = super::misc::copy_of(t)?;
    }
    Ok(x)
}

/// The input gradient of an index pad: the maps' index_add, last padded dim first reversed.
pub fn index_pad_backward(g: &Tensor, input: &Tensor, pad: &[i64], mode: Mode) -> Result<Tensor> {
    let mut x = g.clone();
    let in_shape = input.shape();
    for (d, idx) in maps(input, pad, mode)?.into_iter().rev() {
        let mut s = x.shape();
        s[d] = in_shape[d];
        let z = Tensor::zeros(&s, g.dtype(), g.device())?;
        let n = idx.len() as i64;
        x = index_add(&z, d as i64, &Tensor::from_vec(idx, &[n])?, &x)?;
    }
    Ok(x)
}

/// The batch-mode shape checks of reflection_padNd / replication_padNd.
pub fn check_nd(t: &Tensor, pad: &[i64], spatial: usize) -> Result<()> {
    crate::ensure!(pad.len() == 2 * spatial, "padding size is expected to be {}", 2 * spatial);
    let n = t.dim();
    let s = t.shape();
    let ok = (n == spatial + 1 || n == spatial + 2) && s[n - spatial..].iter().all(|&d| d > 0);
    crate::ensure!(
        ok,
        "Expected {}D or {}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: {:?}",
        spatial + 1,
        spatial + 2,
        &s[..]
    );
    Ok(())
}

/// `pad(t, pad, mode, value)` (aten::pad).
pub fn pad(t: &Tensor, pad: &[i64], mode: &str, value: Option<f64>) -> Result<Tensor> {
    crate::ensure!(pad.len() % 2 == 0, "Padding length must be divisible by 2");
    crate::ensure!(
        pad.len() / 2 <= t.dim(),
        "Padding length should be less than or equal to two times the input dimension but got padding length {} and input of dimension {}",
        pad.len(),
        t.dim()
    );
    let m = match mode {
        "constant" => return constant_pad(t, pad, Scalar::Float(value.unwrap_or(0.0))),
        "reflect" => Mode::Reflect,
        "replicate" => Mode::Replicate,
        "circular" => Mode::Circular,
        _ => crate::bail!("Unrecognised padding mode {mode}"),
    };
    crate::ensure!(value.is_none_or(|v| v == 0.0), "Padding mode \"{mode}\" doesn't take in value argument");
    let k = pad.len() / 2;
    crate::ensure!(
        (1..=3).contains(&k) && (t.dim() == k + 1 || t.dim() == k + 2),
        "Padding size {} is not supported for {}D input tensor.",
        pad.len(),
        t.dim()
    );
    index_pad(t, pad, m)
}
