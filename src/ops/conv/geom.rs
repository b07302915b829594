//! Convolution geometry: PyTorch's argument expansion and shape checks, and the sizes every
//! kernel reads (spatial dims padded to three with leading unit dims).

use crate::error::Result;
use crate::tensor::{DType, Tensor};

/// Spatial dims the kernels handle.
pub const MAX_SP: usize = 3;

/// Sizes of one convolution `[n, cin, isp] * [cout, cin/groups, k] -> [n, cout, osp]`. The
/// transposed convolution is the adjoint of the same geometry (its input is `osp`-sized).
/// Spatial arrays are right-aligned: dims before `MAX_SP - nsp` are 1 (padding 0, stride 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geom {
    pub nsp: usize,
    pub n: usize,
    pub cin: usize,
    pub cout: usize,
    pub groups: usize,
    pub k: [usize; MAX_SP],
    pub stride: [usize; MAX_SP],
    /// Padding before each spatial dim (the padding after follows from `isp` and `osp`).
    pub pad: [usize; MAX_SP],
    pub dil: [usize; MAX_SP],
    pub isp: [usize; MAX_SP],
    pub osp: [usize; MAX_SP],
}

impl Geom {
    /// Input channels per group.
    pub fn cg(&self) -> usize {
        self.cin / self.groups
    }
    /// Output channels per group.
    pub fn og(&self) -> usize {
        self.cout / self.groups
    }
    pub fn kprod(&self) -> usize {
        self.k.iter().product()
    }
    pub fn ilen(&self) -> usize {
        self.isp.iter().product()
    }
    pub fn olen(&self) -> usize {
        self.osp.iter().product()
    }
    /// Whether every window lies inside the input, unpadded (no position reads padding).
    pub fn unpadded(&self) -> bool {
        (0..3).all(|i| self.pad[i] == 0 && (self.osp[i] == 0 || (self.osp[i] - 1) * self.stride[i] + self.dil[i] * (self.k[i] - 1) < self.isp[i]))
    }
    /// Whether im2col is the identity (1x1 kernel, unit stride, no padding, same size).
    pub fn pointwise(&self) -> bool {
        self.k.iter().all(|&k| k == 1) && self.stride.iter().all(|&s| s == 1) && self.pad.iter().all(|&p| p == 0) && self.isp == self.osp
    }
    /// Shape `[n, c, sp...]` of a batch with `c` channels and spatial sizes `sp`.
    pub fn batch_shape(&self, c: usize, sp: &[usize; MAX_SP]) -> Vec<i64> {
        let mut s = vec![self.n as i64, c as i64];
        s.extend(sp[MAX_SP - self.nsp..].iter().map(|&d| d as i64));
        s
    }
    pub fn input_shape(&self) -> Vec<i64> {
        self.batch_shape(self.cin, &self.isp)
    }
    pub fn output_shape(&self) -> Vec<i64> {
        self.batch_shape(self.cout, &self.osp)
    }
    pub fn weight_shape(&self) -> Vec<i64> {
        let mut s = vec![self.cout as i64, self.cg() as i64];
        s.extend(self.k[MAX_SP - self.nsp..].iter().map(|&d| d as i64));
        s
    }
    /// Multiply-adds of one pass (to decide on threads).
    pub fn work(&self) -> usize {
        self.n.saturating_mul(self.cout).saturating_mul(self.cg()).saturating_mul(self.kprod()).saturating_mul(self.olen())
    }
}

/// Right-aligns `v` into a `MAX_SP` array filled with `fill`.
pub fn spatial(v: &[i64], fill: usize) -> [usize; MAX_SP] {
    let mut out = [fill; MAX_SP];
    let off = MAX_SP - v.len();
    for (i, &x) in v.iter().enumerate() {
        out[off + i] = x as usize;
    }
    out
}

/// PyTorch's `expand_param_if_needed`: one value for every dim, or exactly one per dim.
pub fn expand_param(name: &str, v: &[i64], nsp: usize) -> Result<Vec<i64>> {
    if v.len() == 1 {
        Ok(vec![v[0]; nsp])
    } else if v.len() == nsp {
        Ok(v.to_vec())
    } else {
        crate::bail!(
            "expected {name} to be a single integer value or a list of {nsp} values to match the convolution dimensions, but got {name}={v:?}"
        )
    }
}

/// The C++ spelling of a dtype in PyTorch's "Input type (...)" messages.
pub fn cpp_type_name(d: DType) -> &'static str {
    d.cpp_name()
}

/// A convolution call's arguments after expansion to one value per spatial dim.
pub struct ConvArgs {
    pub stride: Vec<i64>,
    pub padding: Vec<i64>,
    /// Extra padding after each dim (only `padding="same"` with an even effective kernel).
    pub pad_extra: Vec<i64>,
    pub dilation: Vec<i64>,
    pub transposed: bool,
    pub output_padding: Vec<i64>,
    pub groups: i64,
}

impl ConvArgs {
    /// Expands and checks the parameter lists against the weight's spatial dims.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        weight: &Tensor,
        stride: &[i64],
        padding: &[i64],
        dilation: &[i64],
        transposed: bool,
        output_padding: &[i64],
        groups: i64,
    ) -> Result<ConvArgs> {
        let wd = weight.dim();
        crate::ensure!(wd >= 3, "weight should have at least three dimensions");
        crate::ensure!(groups > 0, "non-positive groups is not supported");
        let nsp = wd - 2;
        crate::ensure!(nsp <= MAX_SP, "torchrs: convolutions with {nsp} spatial dimensions are not supported");
        let a = ConvArgs {
            stride: expand_param("stride", stride, nsp)?,
            padding: expand_param("padding", padding, nsp)?,
            pad_extra: vec![0; nsp],
            dilation: expand_param("dilation", dilation, nsp)?,
            transposed,
            output_padding: expand_param("output_padding", output_padding, nsp)?,
            groups,
        };
        crate::ensure!(a.padding.iter().all(|&p| p >= 0), "negative padding is not supported");
        crate::ensure!(a.output_padding.iter().all(|&p| p >= 0), "negative output_padding is not supported");
        crate::ensure!(a.stride.iter().all(|&s| s > 0), "non-positive stride is not supported");
        crate::ensure!(a.dilation.iter().all(|&d| d >= 0), "dilation should be greater than zero");
        crate::ensure!(a.dilation.iter().all(|&d| d > 0), "dilation should be greater than zero, but got {:?}", a.dilation);
        for (i, &p) in a.padding.iter().enumerate() {
            crate::ensure!(
                p <= i64::MAX / 2,
                "Given padding={p} at dimension {i} , expected padding to be at most {}",
                i64::MAX / 2
            );
        }
        Ok(a)
    }

    /// Checks input, weight and bias against each other (PyTorch's `check_shape_forward` and
    /// the backends' dtype checks) and returns the geometry of the (possibly adjoint) convolution.
    pub fn geom(&self, input: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Geom> {
        let (is, ws) = (input.shape(), weight.shape());
        let (k, wd) = (is.len(), ws.len());
        let groups = self.groups;
        crate::ensure!(
            wd == k,
            "Expected {wd}-dimensional input for {wd}-dimensional weight {:?}, but got {k}-dimensional input of size {:?} instead",
            &ws[..],
            &is[..]
        );
        crate::ensure!(
            ws[0] >= groups,
            "Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got weight of size {:?} instead",
            &ws[..]
        );
        crate::ensure!(
            ws[0] % groups == 0,
            "Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of size [{:?}] instead",
            &ws[..]
        );
        let nsp = wd - 2;
        let bias_ok = |n: i64| bias.is_none_or(|b| b.dim() == 1 && b.shape()[0] == n);
        let isp: Vec<i64> = is[2..].to_vec();
        let ksp: Vec<i64> = ws[2..].to_vec();
        let (cin, cout, conv_in, conv_out);
        if !self.transposed {
            crate::ensure!(
                is[1] == ws[1] * groups,
                "Given groups={groups}, weight of size {:?}, expected input{:?} to have {} channels, but got {} channels instead",
                &ws[..],
                &is[..],
                ws[1] * groups,
                is[1]
            );
            crate::ensure!(
                bias_ok(ws[0]),
                "Given weight of size {:?}, expected bias to be 1-dimensional with {} elements, but got bias of size {:?} instead",
                &ws[..],
                ws[0],
                &bias.map(|b| b.shape()).unwrap_or_default()[..]
            );
            // padded input and effective kernel sizes, in i128 so no size overflows
            let padded: Vec<i128> =
                (0..nsp).map(|i| isp[i] as i128 + 2 * self.padding[i] as i128 + self.pad_extra[i] as i128).collect();
            let eff: Vec<i128> = (0..nsp).map(|i| self.dilation[i] as i128 * (ksp[i] as i128 - 1) + 1).collect();
            if (0..nsp).any(|i| padded[i] < eff[i]) {
                let j = |v: &[i128]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" x ");
                crate::bail!(
                    "Calculated padded input size per channel: ({}). Kernel size: ({}). Kernel size can't be greater than actual input size",
                    j(&padded),
                    j(&eff)
                );
            }
            check_kernel_positive(&ksp)?;
            let osp: Vec<i128> = (0..nsp).map(|i| (padded[i] - eff[i]) / self.stride[i] as i128 + 1).collect();
            (cin, cout) = (is[1], ws[0]);
            conv_in = isp.iter().map(|&d| d as i128).collect::<Vec<_>>();
            conv_out = osp;
        } else {
            crate::ensure!(
                is[1] == ws[0],
                "Given transposed=1, weight of size {:?}, expected input{:?} to have {} channels, but got {} channels instead",
                &ws[..],
                &is[..],
                ws[0],
                is[1]
            );
            crate::ensure!(
                bias_ok(ws[1] * groups),
                "Given transposed=1, weight of size {:?}, expected bias to be 1-dimensional with {} elements, but got bias of size {:?} instead",
                &ws[..],
                ws[1] * groups,
                &bias.map(|b| b.shape()).unwrap_or_default()[..]
            );
            check_kernel_positive(&ksp)?;
            self.check_output_padding(nsp)?;
            let out: Vec<i128> = (0..nsp)
                .map(|i| {
                    (isp[i] as i128 - 1) * self.stride[i] as i128 - 2 * self.padding[i] as i128
                        + self.dilation[i] as i128 * (ksp[i] as i128 - 1)
                        + self.output_padding[i] as i128
                        + 1
                })
                .collect();
            if out.iter().any(|&o| o < 1) {
                let j = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(" x ");
                crate::bail!(
                    "Given input size per channel: ({}). Calculated output size per channel: ({}). Output size is too small",
                    j(&mut isp.iter().map(|x| x.to_string())),
                    j(&mut out.iter().map(|x| x.to_string()))
                );
            }
            // the adjoint convolution maps the transposed output back to its input
            (cin, cout) = (ws[1] * groups, ws[0]);
            conv_in = out;
            conv_out = isp.iter().map(|&d| d as i128).collect();
        }
        check_dtypes(input, weight, bias)?;
        const LIMIT: i128 = 1 << 40;
        // every index the kernels compute (position * stride + tap * dilation, padded sizes)
        // then fits comfortably in an isize
        crate::ensure!(
            conv_in.iter().chain(&conv_out).all(|&d| d < LIMIT)
                && (0..nsp).all(|i| {
                    (self.dilation[i] as i128) * (ksp[i] as i128) < LIMIT
                        && (self.stride[i] as i128) < LIMIT
                        && (self.padding[i] as i128) < LIMIT
                }),
            "torchrs: convolution sizes are too large (input {:?}, weight {:?})",
            &is[..],
            &ws[..]
        );
        let conv_in: Vec<i64> = conv_in.iter().map(|&d| d as i64).collect();
        let conv_out: Vec<i64> = conv_out.iter().map(|&d| d as i64).collect();
        Ok(Geom {
            nsp,
            n: is[0] as usize,
            cin: cin as usize,
            cout: cout as usize,
            groups: groups as usize,
            k: spatial(&ksp, 1),
            stride: spatial(&self.stride, 1),
            pad: spatial(&self.padding, 0),
            dil: spatial(&self.dilation, 1),
            isp: spatial(&conv_in, 1),
            osp: spatial(&conv_out, 1),
        })
    }

    fn check_output_padding(&self, nsp: usize) -> Result<()> {
        let ok = (0..nsp).all(|i| self.output_padding[i] < self.stride[i] || self.output_padding[i] < self.dilation[i]);
        if ok {
            return Ok(());
        }
        // PyTorch runs 1-d convolutions as 2-d ones, so their message names a height of 0 / 1
        let (op, st, di) = if nsp == 1 {
            (vec![0, self.output_padding[0]], vec![1, self.stride[0]], vec![1, self.dilation[0]])
        } else {
            (self.output_padding.clone(), self.stride.clone(), self.dilation.clone())
        };
        let names: &[&str] = if op.len() == 3 { &["depth", "height", "width"] } else { &["height", "width"] };
        let part = |label: &str, v: &[i64]| {
            names.iter().zip(v).map(|(n, x)| format!("{label}_{n}: {x}")).collect::<Vec<_>>().join(" ")
        };
        crate::bail!(
            "output padding must be smaller than either stride or dilation, but got {} {} {}",
            part("output_padding", &op),
            part("stride", &st),
            part("dilation", &di)
        )
    }
}

fn check_kernel_positive(ksp: &[i64]) -> Result<()> {
    if ksp.iter().all(|&k| k > 0) {
        return Ok(());
    }
    let v: Vec<i64> = if ksp.len() == 1 { vec![1, ksp[0]] } else { ksp.to_vec() };
    let names: &[&str] = if v.len() == 3 { &["depth", "height", "width"] } else { &["height", "width"] };
    let parts: Vec<String> = names.iter().zip(&v).map(|(n, k)| format!("kernel_{n}: {k}")).collect();
    crate::bail!("kernel size should be greater than zero, but got {}", parts.join(" "))
}

fn check_dtypes(input: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<()> {
    let it = input.dtype();
    if let Some(b) = bias {
        crate::ensure!(
            b.dtype() == it,
            "Input type ({}) and bias type ({}) should be the same",
            cpp_type_name(it),
            cpp_type_name(b.dtype())
        );
    }
    crate::ensure!(weight.dtype() == it, "expected scalar type {} but found {}", it.name(), weight.dtype().name());
    crate::ensure!(it != DType::Bool, "\"slow_conv2d_cpu\" not implemented for 'Bool'");
    Ok(())
}
