//! `im2col` (`F.unfold`) and `col2im` (`F.fold`): sliding 2-d blocks to columns and back, on
//! the convolution's patch kernels; each is the other's gradient.

use super::gemm::Acc;
use super::geom::Geom;
use super::im2col::{col2im as col2im_kernel, im2col as im2col_kernel};
use crate::autograd::{needs_grad, record};
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::ops::shape;
use crate::tensor::{DType, Device, Tensor, TensorData};

/// Kernel, dilation, padding and stride of a 2-d unfold, as (height, width) pairs.
#[derive(Clone, Copy)]
struct Params {
    k: [i64; 2],
    d: [i64; 2],
    p: [i64; 2],
    s: [i64; 2],
}

fn pair(name: &str, v: &[i64]) -> Result<[i64; 2]> {
    crate::ensure!(v.len() == 2, "It is expected {name} equals to 2, but got size {}", v.len());
    Ok([v[0], v[1]])
}

impl Params {
    fn new(kernel: &[i64], dilation: &[i64], padding: &[i64], stride: &[i64]) -> Result<Params> {
        let p = Params { k: pair("kernel_size", kernel)?, d: pair("dilation", dilation)?, p: pair("padding", padding)?, s: pair("stride", stride)? };
        crate::ensure!(p.k[0] > 0 && p.k[1] > 0, "kernel size should be greater than zero, but got kernel_height: {} kernel_width: {}", p.k[0], p.k[1]);
        crate::ensure!(p.s[0] > 0 && p.s[1] > 0, "stride should be greater than zero, but got stride_height: {} stride_width: {}", p.s[0], p.s[1]);
        crate::ensure!(p.d[0] > 0 && p.d[1] > 0, "dilation should be greater than zero, but got dilation_height: {} dilation_width: {}", p.d[0], p.d[1]);
        crate::ensure!(p.p[0] >= 0 && p.p[1] >= 0, "padding should be non-negative, but got pad_height: {} pad_width: {}", p.p[0], p.p[1]);
        crate::ensure!(
            p.k.iter().chain(&p.d).chain(&p.p).chain(&p.s).all(|&v| v < 1 << 31),
            "torchrs: unfold parameters are too large"
        );
        Ok(p)
    }

    /// Number of blocks along each dim of an `hw`-sized image.
    fn blocks(&self, hw: [i64; 2]) -> [i64; 2] {
        let b = |i: usize| (hw[i] + 2 * self.p[i] - (self.d[i] * (self.k[i] - 1) + 1)).div_euclid(self.s[i]) + 1;
        [b(0), b(1)]
    }

    fn geom(&self, n: usize, c: usize, hw: [i64; 2], blocks: [i64; 2]) -> Geom {
        let u = |v: [i64; 2], one: usize| [one, v[0] as usize, v[1] as usize];
        Geom {
            nsp: 2,
            n,
            cin: c,
            cout: 1,
            groups: 1,
            k: u(self.k, 1),
            stride: u(self.s, 1),
            pad: u(self.p, 0),
            dil: u(self.d, 1),
            isp: u(hw, 1),
            osp: u(blocks, 1),
        }
    }
}

/// Runs `f` in the compute type of `dt` on a contiguous copy of `x`, into zeros of `shape`.
fn kernel_call(x: &TensorData, shape: &[i64], g: &Geom, to_cols: bool) -> Result<TensorData> {
    fn go<T: Acc>(x: &TensorData, shape: &[i64], g: &Geom, to_cols: bool) -> Result<TensorData> {
        let x = contiguous_as(x, T::DTYPE)?;
        let out = Tensor::zeros(shape, T::DTYPE, Device::Cpu)?.data();
        let (c, il, cl) = (g.cin, g.ilen(), g.cin * g.kprod() * g.olen());
        let (src, dst) = (x.base_ptr() as *const T, out.base_ptr() as *mut T);
        for n in 0..g.n {
            unsafe {
                if to_cols {
                    im2col_kernel(src.add(n * c * il), c, g, dst.add(n * cl), (g.olen(), 1));
                } else {
                    col2im_kernel(src.add(n * cl), c, g, dst.add(n * c * il));
                }
            }
        }
        Ok(out)
    }
    let dt = x.dtype;
    let r = match dt {
        DType::F64 => go::<f64>(x, shape, g, to_cols)?,
        DType::F32 | DType::F16 | DType::BF16 => go::<f32>(x, shape, g, to_cols)?,
        _ => go::<i64>(x, shape, g, to_cols)?,
    };
    if r.dtype == dt {
        Ok(r)
    } else {
        contiguous_as(&r, dt)
    }
}

/// The unfold of a batched 4-d input with a checked geometry, recorded.
fn unfold_geom(x: &Tensor, g: Geom) -> Result<Tensor> {
    let shape = [g.n as i64, (g.cin * g.kprod()) as i64, g.olen() as i64];
    let out = Tensor::from_data(kernel_call(&x.data(), &shape, &g, true)?);
    if needs_grad(&[x]) {
        record("Im2ColBackward0", &[x], &[&out], move |_, gr| Ok(vec![gr[0].as_ref().map(|gr| fold_geom(gr, g)).transpose()?]));
    }
    Ok(out)
}

/// The fold of a batched 3-d input with a checked geometry, recorded.
fn fold_geom(x: &Tensor, g: Geom) -> Result<Tensor> {
    let shape = [g.n as i64, g.cin as i64, g.isp[1] as i64, g.isp[2] as i64];
    let out = Tensor::from_data(kernel_call(&x.data(), &shape, &g, false)?);
    if needs_grad(&[x]) {
        record("Col2ImBackward0", &[x], &[&out], move |_, gr| Ok(vec![gr[0].as_ref().map(|gr| unfold_geom(gr, g)).transpose()?]));
    }
    Ok(out)
}

/// `im2col(input, kernel_size, dilation, padding, stride)`: `[n, c, h, w] -> [n, c*kh*kw, L]`.
pub fn im2col(x: &Tensor, kernel: &[i64], dilation: &[i64], padding: &[i64], stride: &[i64]) -> Result<Tensor> {
    let p = Params::new(kernel, dilation, padding, stride)?;
    let s = x.shape();
    let nd = s.len();
    let valid = nd >= 3 && s[nd - 3] != 0 && s[nd - 2] != 0 && s[nd - 1] != 0;
    crate::ensure!(
        (nd == 3 || nd == 4) && valid,
        "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: {:?}",
        &s[..]
    );
    let hw = [s[nd - 2], s[nd - 1]];
    let b = p.blocks(hw);
    crate::ensure!(
        b[0] >= 1 && b[1] >= 1,
        "Given input with spatial size ({}, {}), kernel_size=({}, {}), dilation=({}, {}), padding=({}, {}), calculated shape of the array of sliding blocks as ({}, {}), but its components must be at least one.",
        hw[0], hw[0], p.k[0], p.k[1], p.d[0], p.d[1], p.p[0], p.p[1], b[0], b[1]
    );
    let batched = if nd == 3 { shape::unsqueeze(x, 0)? } else { x.clone() };
    let bs = batched.shape();
    let g = p.geom(bs[0] as usize, bs[1] as usize, hw, b);
    super::taps::check_alloc(&[g.n as i64, (g.cin * g.kprod()) as i64, g.olen() as i64], x.dtype())?;
    let out = unfold_geom(&batched, g)?;
    if nd == 3 {
        shape::squeeze(&out, Some(&[0]))
    } else {
        Ok(out)
    }
}

/// `col2im(input, output_size, kernel_size, dilation, padding, stride)`: the adjoint of im2col.
pub fn col2im(x: &Tensor, output_size: &[i64], kernel: &[i64], dilation: &[i64], padding: &[i64], stride: &[i64]) -> Result<Tensor> {
    let hw = pair("output_size", output_size)?;
    let p = Params::new(kernel, dilation, padding, stride)?;
    let s = x.shape();
    let nd = s.len();
    crate::ensure!(
        (nd == 2 && s[0] != 0 && s[1] != 0) || (nd == 3 && s[1] != 0 && s[2] != 0),
        "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: {:?}",
        &s[..]
    );
    let planes = s[nd - 2];
    let kk = p.k[0] * p.k[1];
    crate::ensure!(
        planes % kk == 0,
        "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)={planes} and kernel_size=({}, {}).",
        p.k[0],
        p.k[1]
    );
    crate::ensure!(hw[0] >= 0 && hw[1] >= 0 && hw[0] < 1 << 31 && hw[1] < 1 << 31, "torchrs: invalid output_size {output_size:?}");
    let b = p.blocks(hw);
    let len = s[nd - 1];
    crate::ensure!(
        len == b[0] * b[1],
        "Given output_size=({}, {}), kernel_size=({}, {}), dilation=({}, {}), padding=({}, {}), stride=({}, {}), expected size of input's dimension 2 to match the calculated number of sliding blocks {} * {} = {}, but got input.size(2)={len}.",
        hw[0], hw[1], p.k[0], p.k[1], p.d[0], p.d[1], p.p[0], p.p[1], p.s[0], p.s[1], b[0], b[1], b[0] * b[1]
    );
    crate::ensure!(
        b[0] >= 1 && b[1] >= 1,
        "Given output_size=({}, {}), kernel_size=({}, {}), dilation=({}, {}), padding=({}, {}), stride=({}, {}), calculated shape of the array of sliding blocks as ({}, {}), which is too small (non-positive)",
        hw[0], hw[1], p.k[0], p.k[1], p.d[0], p.d[1], p.p[0], p.p[1], p.s[0], p.s[1], b[0], b[1]
    );
    let batched = if nd == 2 { shape::unsqueeze(x, 0)? } else { x.clone() };
    let n = batched.shape()[0] as usize;
    let g = p.geom(n, (planes / kk) as usize, hw, b);
    super::taps::check_alloc(&[n as i64, planes / kk, hw[0], hw[1]], x.dtype())?;
    let out = fold_geom(&batched, g)?;
    if nd == 2 {
        shape::squeeze(&out, Some(&[0]))
    } else {
        Ok(out)
    }
}
