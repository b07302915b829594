//! Upsampling: nearest, nearest-exact, (bi/tri)linear and bicubic interpolation with PyTorch's
//! source-index rules (align_corners, explicit scales), as separable tap maps; the output-size
//! and scale-factor forms, and the backward functions (the adjoint maps).

use super::taps::{self, Maps, Taps};
use crate::error::Result;
use crate::tensor::{DType, Tensor};
use num_traits::Float;
use std::sync::Arc;

/// How one dim is interpolated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Nearest,
    NearestExact,
    Linear { align_corners: bool },
    Cubic { align_corners: bool },
}

/// PyTorch's `compute_scales_value`: 1 / scale when one is given, else in / out.
fn scales_value<F: Float>(scale: Option<f64>, input: usize, output: usize) -> F {
    match scale {
        Some(s) if s > 0.0 => F::from(1.0 / s).unwrap(),
        _ => F::from(input).unwrap() / F::from(output).unwrap(),
    }
}

/// PyTorch's `area_pixel_compute_scale`.
fn area_scale<F: Float>(input: usize, output: usize, align_corners: bool, scale: Option<f64>) -> F {
    if align_corners {
        if output > 1 {
            F::from(input - 1).unwrap() / F::from(output - 1).unwrap()
        } else {
            F::zero()
        }
    } else {
        scales_value(scale, input, output)
    }
}

/// PyTorch's `area_pixel_compute_source_index`.
fn source_index<F: Float>(scale: F, dst: usize, align_corners: bool, cubic: bool) -> F {
    let d = F::from(dst).unwrap();
    if align_corners {
        scale * d
    } else {
        let half = F::from(0.5).unwrap();
        let src = scale * (d + half) - half;
        if !cubic && src < F::zero() {
            F::zero()
        } else {
            src
        }
    }
}

/// PyTorch's `guard_index_and_lambda`: the floor index (at most `input - 1`) and the fraction.
fn guard<F: Float>(real: F, input: usize) -> (i64, F) {
    let idx = (real.floor().to_i64().unwrap_or(0)).min(input as i64 - 1);
    let lambda = (real - F::from(idx).unwrap()).max(F::zero()).min(F::one());
    (idx, lambda)
}

fn cubic_coefficients<F: Float>(t: F) -> [F; 4] {
    let a = F::from(-0.75).unwrap();
    let c = |v: f64| F::from(v).unwrap();
    let conv1 = |x: F| ((a + c(2.0)) * x - (a + c(3.0))) * x * x + F::one();
    let conv2 = |x: F| ((a * x - c(5.0) * a) * x + c(8.0) * a) * x - c(4.0) * a;
    let x2 = F::one() - t;
    [conv2(t + F::one()), conv1(t), conv1(x2), conv2(x2 + F::one())]
}

/// The taps of one dim, with weights computed in `F` (PyTorch's opmath type).
fn dim_taps<F: Float>(mode: Mode, input: usize, output: usize, scale: Option<f64>) -> Taps {
    let as_f64 = |w: F| w.to_f64().unwrap();
    match mode {
        Mode::Nearest | Mode::NearestExact => {
            let s: f32 = scales_value(scale, input, output);
            Taps::build(input, output, |o| {
                let i = if mode == Mode::Nearest {
                    if output == input {
                        o
                    } else if output == 2 * input {
                        o >> 1
                    } else {
                        ((o as f32 * s).floor() as usize).min(input - 1)
                    }
                } else {
                    ((((o as f64 + 0.5) * s as f64) as f32).floor() as usize).min(input - 1)
                };
                [(i, 1.0)]
            })
        }
        Mode::Linear { align_corners } => {
            let ratio: F = area_scale(input, output, align_corners, scale);
            Taps::build(input, output, |o| {
                if output == input {
                    // PyTorch still reads a second tap, at the same index with weight 0: an
                    // inf there gives NaN at its own place (and nowhere else)
                    return vec![(o, 1.0), (o, 0.0)];
                }
                let real = source_index(ratio, o, align_corners, false);
                let (i0, l1) = guard(real, input);
                let i1 = if i0 < input as i64 - 1 { i0 + 1 } else { i0 };
                vec![(i0 as usize, as_f64(F::one() - l1)), (i1 as usize, as_f64(l1))]
            })
        }
        Mode::Cubic { align_corners } => {
            let s: F = area_scale(input, output, align_corners, scale);
            Taps::build(input, output, |o| {
                let real = source_index(s, o, align_corners, true);
                let (i, t) = guard(real, input);
                let w = cubic_coefficients(t);
                (0..4).map(move |j| ((i - 1 + j as i64).clamp(0, input as i64 - 1) as usize, as_f64(w[j])))
            })
        }
    }
}

/// An upsampling op: its name (for messages and the graph), mode and spatial dims.
#[derive(Clone, Copy)]
pub struct Upsample {
    pub name: &'static str,
    pub mode: Mode,
    pub nsp: usize,
}

const GRAD_NAMES: [&str; 2] = ["UpsampleBackward0", "UpsampleBackwardBackward0"];

impl Upsample {
    fn maps(&self, dtype: DType, isp: &[i64], osp: &[i64], scales: &[Option<f64>]) -> Maps {
        let t = |i: usize| {
            let (a, b, s) = (isp[i] as usize, osp[i] as usize, scales.get(i).copied().flatten());
            if dtype == DType::F64 {
                dim_taps::<f64>(self.mode, a, b, s)
            } else {
                dim_taps::<f32>(self.mode, a, b, s)
            }
        };
        Arc::new((0..self.nsp).map(|i| Some(t(i))).collect())
    }

    /// PyTorch's `upsample_{1,2,3}d_common_check`.
    fn check(&self, input: &[i64], output: &[i64]) -> Result<()> {
        let n = self.nsp;
        crate::ensure!(output.len() == n, "It is expected output_size equals to {n}, but got size {}", output.len());
        crate::ensure!(input.len() == n + 2, "It is expected input_size equals to {}, but got size {}", n + 2, input.len());
        let (i, o) = (&input[2..], output);
        if i.iter().chain(o).any(|&d| d <= 0) {
            let names = ["D", "H", "W"];
            let part = |v: &[i64]| {
                names[3 - n..].iter().zip(v).map(|(k, x)| format!("{k}: {x}")).collect::<Vec<_>>().join(", ")
            };
            let and = if n == 1 { " and" } else { "" };
            crate::bail!("Input and output sizes should be greater than 0, but got input ({}){and} output ({})", part(i), part(o));
        }
        Ok(())
    }

    fn check_dtype(&self, x: &Tensor) -> Result<()> {
        let dt = x.dtype();
        let ok = dt.is_float() || (dt == DType::U8 && matches!(self.mode, Mode::Nearest | Mode::NearestExact));
        // PyTorch names its 4-d kernels after the channels-last path they share
        let suffix = if self.nsp == 2 { "_channels_last" } else { "" };
        crate::ensure!(ok, "\"{}{suffix}\" not implemented for '{}'", self.name, dt.name());
        Ok(())
    }

    /// The op with an explicit output size (and optional scales for the source index).
    pub fn forward(&self, x: &Tensor, output_size: &[i64], scales: &[Option<f64>]) -> Result<Tensor> {
        let s = x.shape();
        self.check(&s, output_size)?;
        crate::ensure!(
            s[0] != 0 || s[1..].iter().all(|&d| d != 0),
            "Non-empty {}D data tensor expected but got a tensor with sizes {:?}",
            self.nsp + 2,
            &s[..]
        );
        self.check_dtype(x)?;
        let mut full = s[..2].to_vec();
        full.extend_from_slice(output_size);
        taps::check_alloc(&full, x.dtype())?;
        let maps = self.maps(x.dtype(), &s[2..], output_size, scales);
        taps::apply(GRAD_NAMES[0], x, &maps)
    }

    /// The `_vec` form: exactly one of an output size and scale factors.
    pub fn forward_vec(&self, x: &Tensor, output_size: Option<&[i64]>, scale_factors: &[f64]) -> Result<Tensor> {
        let s = x.shape();
        let n = s.len().saturating_sub(2);
        let (osize, scales): (Vec<i64>, Vec<Option<f64>>) = match (output_size, scale_factors.is_empty()) {
            (Some(o), true) => {
                crate::ensure!(
                    o.len() == n,
                    "Expected static_cast<int64_t>(output_size->size()) == spatial_dimensions to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)"
                );
                (o.to_vec(), vec![None; n])
            }
            (None, false) => {
                crate::ensure!(
                    scale_factors.len() == n,
                    "Expected static_cast<int64_t>(scale_factors->size()) == spatial_dimensions to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)"
                );
                let o = (0..n).map(|i| (s[i + 2] as f64 * scale_factors[i]) as i64).collect();
                (o, scale_factors.iter().map(|&f| Some(f)).collect())
            }
            _ => crate::bail!("Must specify exactly one of output_size and scale_factors"),
        };
        self.forward(x, &osize, &scales)
    }

    /// The backward function: the adjoint map of `input_size -> output_size` applied to `g`.
    pub fn backward(&self, g: &Tensor, output_size: &[i64], input_size: &[i64], scales: &[Option<f64>]) -> Result<Tensor> {
        self.check(input_size, output_size)?;
        let gs = g.shape();
        crate::ensure!(gs.len() == self.nsp + 2, "Expected grad_output to be a {}D tensor, but got {:?}", self.nsp + 2, &gs[..]);
        let mut full = input_size[..2].to_vec();
        full.extend_from_slice(output_size);
        for i in 0..full.len() {
            crate::ensure!(
                gs[i] == full[i],
                "Expected grad_output to have the same shape as output; output.size({i}) = {} but got grad_output.size({i}) = {}",
                full[i],
                gs[i]
            );
        }
        taps::check_alloc(input_size, g.dtype())?;
        let maps = self.maps(g.dtype(), &input_size[2..], output_size, scales);
        taps::adjoint(GRAD_NAMES[1], g, &maps)
    }
}

pub const NEAREST1D: Upsample = Upsample { name: "upsample_nearest1d", mode: Mode::Nearest, nsp: 1 };
pub const NEAREST2D: Upsample = Upsample { name: "upsample_nearest2d", mode: Mode::Nearest, nsp: 2 };
pub const NEAREST3D: Upsample = Upsample { name: "upsample_nearest3d", mode: Mode::Nearest, nsp: 3 };
pub const NEAREST_EXACT1D: Upsample = Upsample { name: "_upsample_nearest_exact1d", mode: Mode::NearestExact, nsp: 1 };
pub const NEAREST_EXACT2D: Upsample = Upsample { name: "_upsample_nearest_exact2d", mode: Mode::NearestExact, nsp: 2 };
pub const NEAREST_EXACT3D: Upsample = Upsample { name: "_upsample_nearest_exact3d", mode: Mode::NearestExact, nsp: 3 };

/// Linear interpolation over 1, 2 or 3 dims.
pub fn linear(nsp: usize, align_corners: bool) -> Upsample {
    let name = ["", "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d"][nsp];
    Upsample { name, mode: Mode::Linear { align_corners }, nsp }
}

pub fn bicubic(align_corners: bool) -> Upsample {
    Upsample { name: "upsample_bicubic2d", mode: Mode::Cubic { align_corners }, nsp: 2 }
}
