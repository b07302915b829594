//! Pooling ops with PyTorch's argument checks: max_pool1d/2d/3d (with indices), avg_pool1d/2d/3d,
//! adaptive average and max pooling, and their backward functions.

use super::pool::{adaptive_windows, avg_windows, max_pool, max_windows, scatter};
use super::taps::{self, Maps, Taps};
use crate::error::Result;
use crate::ops::{reduce, shape};
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Tensor};
use std::sync::Arc;

const COUNT: [&str; 4] = ["", "one", "two", "three"];

/// Kernel, stride, padding and dilation after PyTorch's list-length checks.
struct Lists {
    k: Vec<i64>,
    s: Vec<i64>,
    p: Vec<i64>,
    d: Vec<i64>,
}

fn lists(op: &str, nsp: usize, kernel: &[i64], stride: &[i64], padding: &[i64], dilation: Option<&[i64]>) -> Result<Lists> {
    let n = COUNT[nsp];
    let full = |v: &[i64]| if v.len() == 1 { vec![v[0]; nsp] } else { v.to_vec() };
    crate::ensure!(kernel.len() == 1 || kernel.len() == nsp, "{op}: kernel_size must either be a single int, or a tuple of {n} ints");
    crate::ensure!(
        stride.len() <= 1 || stride.len() == nsp,
        "{op}: stride must either be omitted, a single int, or a tuple of {n} ints"
    );
    crate::ensure!(padding.len() == 1 || padding.len() == nsp, "{op}: padding must either be a single int, or a tuple of {n} ints");
    let d = match dilation {
        Some(d) => {
            crate::ensure!(d.len() == 1 || d.len() == nsp, "{op}: dilation must be either a single int, or a tuple of {n} ints");
            full(d)
        }
        None => vec![1; nsp],
    };
    let k = full(kernel);
    let s = if stride.is_empty() { k.clone() } else { full(stride) };
    Ok(Lists { k, s, p: full(padding), d })
}

/// PyTorch's `pooling_output_shape`, with its checks.
fn out_size(input: i64, k: i64, p: i64, s: i64, d: i64, ceil: bool) -> Result<i64> {
    crate::ensure!(s != 0, "stride should not be zero");
    crate::ensure!(p >= 0, "pad must be non-negative, but got pad: {p}");
    let eff = (k as i128 - 1) * d as i128 + 1;
    crate::ensure!(
        (p as i128) <= eff / 2,
        "pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and dilation={d}"
    );
    let (i, p, s) = (input as i128, p as i128, s as i128);
    let num = i + 2 * p - (eff - 1) - 1 + if ceil { s - 1 } else { 0 };
    let mut o = num.div_euclid(s) + 1;
    if s < 0 {
        o = num / s + 1;
    }
    if ceil && (o - 1) * s >= i + p {
        o -= 1;
    }
    Ok(o.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

fn labels(nsp: usize, prefix: &str, v: &[i64]) -> String {
    let names: &[&str] = if nsp == 3 { &["T", "H", "W"] } else { &["H", "W"] };
    let v: Vec<i64> = if nsp == 1 { std::iter::once(1).chain(v.iter().copied()).collect() } else { v.to_vec() };
    names.iter().zip(&v).map(|(n, x)| format!("{prefix}{n}: {x}")).collect::<Vec<_>>().join(" ")
}

fn join_x(v: impl IntoIterator<Item = i64>) -> String {
    v.into_iter().map(|x| x.to_string()).collect::<Vec<_>>().join("x")
}

/// PyTorch's `pool2d_shape_check` / `pool3d_shape_check`; `avg3d` adds the input size check.
fn shape_check(x: &Tensor, nsp: usize, l: &Lists, out: &[i64], avg3d: bool) -> Result<()> {
    let s = x.shape();
    crate::ensure!(l.k.iter().all(|&k| k > 0), "kernel size should be greater than zero, but got {}", labels(nsp, "k", &l.k));
    crate::ensure!(l.s.iter().all(|&v| v > 0), "stride should be greater than zero, but got {}", labels(nsp, "d", &l.s));
    crate::ensure!(
        l.d.iter().all(|&v| v > 0),
        "dilation should be greater than zero, but got {}",
        labels(nsp, "dilation", &l.d)
    );
    let nd = s.len();
    if nsp == 3 {
        crate::ensure!(nd == 4 || nd == 5, "max_pool3d(): Expected 4D or 5D tensor for input, but got: {:?}", &s[..]);
        for i in (nd - 4)..nd {
            crate::ensure!(
                s[i] > 0,
                "Expected input's non-batch dimensions to have positive length, but input has a shape of {:?} and non-batch dimension {} has length zero!",
                &s[..],
                s[i]
            );
        }
        if avg3d {
            let isp = &s[nd - 3..];
            crate::ensure!(
                (0..3).all(|i| isp[i] >= l.k[i]),
                "input image (T: {} H: {} W: {}) smaller than kernel size (kT: {} kH: {} kW: {})",
                isp[0], isp[1], isp[2], l.k[0], l.k[1], l.k[2]
            );
        }
    } else {
        let valid = nd >= 3 && s[nd - 3] != 0 && s[nd - 2] != 0 && s[nd - 1] != 0;
        crate::ensure!(
            (nd == 3 || nd == 4) && valid,
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:{:?}",
            &s[..]
        );
    }
    let half_ok = (0..nsp).all(|i| l.k[i] / 2 >= l.p[i]);
    if !half_ok {
        if nsp == 3 {
            crate::bail!(
                "pad should be smaller than or equal to half of kernel size, but got kT: {} kW: {} kH: {} padT: {} padW: {} padH: {}",
                l.k[0], l.k[2], l.k[1], l.p[0], l.p[2], l.p[1]
            );
        }
        crate::bail!(
            "pad should be smaller than or equal to half of kernel size, but got padW = {}, padH = {}, kW = {}, kH = {}",
            l.p[1], l.p[0], l.k[1], l.k[0]
        );
    }
    if out.iter().any(|&o| o < 1) {
        let planes = s[nd - nsp - 1];
        let isp = &s[nd - nsp..];
        crate::bail!(
            "Given input size: ({}). Calculated output size: ({}). Output size is too small",
            join_x(std::iter::once(planes).chain(isp.iter().copied())),
            join_x(std::iter::once(planes).chain(out.iter().copied()))
        );
    }
    Ok(())
}

/// Output sizes of the trailing `nsp` dims of `x` (dims checked first).
fn out_sizes(x: &Tensor, nsp: usize, l: &Lists, ceil: bool) -> Result<Vec<i64>> {
    let s = x.shape();
    (0..nsp).map(|i| out_size(s[s.len() - nsp + i], l.k[i], l.p[i], l.s[i], l.d[i], ceil)).collect()
}

/// Checked max pooling windows of a 2-d or 3-d max pool.
fn max_pool_windows(nsp: usize, x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], dilation: &[i64], ceil: bool) -> Result<Vec<Taps>> {
    let op = format!("max_pool{nsp}d");
    let l = lists(&op, nsp, kernel, stride, padding, Some(dilation))?;
    let nd = x.dim();
    crate::ensure!(
        nd == nsp + 1 || nd == nsp + 2,
        "non-empty {}D or {}D (batch mode) tensor expected for input",
        nsp + 1,
        nsp + 2
    );
    let out = out_sizes(x, nsp, &l, ceil)?;
    shape_check(x, nsp, &l, &out, false)?;
    let s = x.shape();
    Ok((0..nsp)
        .map(|i| max_windows(s[nd - nsp + i] as usize, out[i] as usize, l.k[i] as usize, l.s[i] as usize, l.p[i] as usize, l.d[i] as usize))
        .collect())
}

fn no_bool(op: &str, x: &Tensor) -> Result<()> {
    crate::ensure!(x.dtype() != DType::Bool, "\"{op}\" not implemented for 'Bool'");
    Ok(())
}

/// max_pool2d / max_pool3d with indices.
pub fn max_pool_nd(nsp: usize, x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], dilation: &[i64], ceil: bool) -> Result<(Tensor, Tensor)> {
    let win = max_pool_windows(nsp, x, kernel, stride, padding, dilation, ceil)?;
    no_bool(&format!("max_pool{nsp}d"), x)?;
    max_pool(if nsp == 2 { "MaxPool2DWithIndicesBackward0" } else { "MaxPool3DWithIndicesBackward0" }, x, &win)
}

/// PyTorch's `checkDimRange(op, self, 2, 4)` of the 1-d composites.
fn check_2_to_3(op: &str, x: &Tensor) -> Result<()> {
    let d = x.dim();
    crate::ensure!(
        d == 2 || d == 3,
        "Expected 2 to 3 dimensions, but got {d}-dimensional tensor for argument #1 'self' (while checking arguments for {op})"
    );
    Ok(())
}

fn check_1d(op: &str, arg: &str, v: &[i64]) -> Result<()> {
    crate::ensure!(v.len() == 1, "{op}() argument '{arg}' should contain one int (got {})", v.len());
    Ok(())
}

/// `max_pool1d_with_indices`: a 2-d max pool over a unit height.
pub fn max_pool1d_with_indices(x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], dilation: &[i64], ceil: bool) -> Result<(Tensor, Tensor)> {
    let stride = if stride.is_empty() { kernel } else { stride };
    check_2_to_3("max_pool1d", x)?;
    for (arg, v) in [("kernel_size", kernel), ("stride", stride), ("padding", padding), ("dilation", dilation)] {
        check_1d("max_pool1d", arg, v)?;
    }
    let (v, i) = max_pool_nd(2, &shape::unsqueeze(x, -2)?, &[1, kernel[0]], &[1, stride[0]], &[0, padding[0]], &[1, dilation[0]], ceil)?;
    Ok((shape::squeeze(&v, Some(&[-2]))?, i.squeeze(Some(&[-2]))?))
}

/// `max_pool1d` (values only), with its own checks.
pub fn max_pool1d(x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], dilation: &[i64], ceil: bool) -> Result<Tensor> {
    let s = x.shape();
    let nd = s.len();
    crate::ensure!(
        (nd == 2 || nd == 3) && s[nd - 1] != 0 && s[nd - 2] != 0,
        "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:{:?}",
        &s[..]
    );
    let m = "max_pool1d()";
    crate::ensure!(kernel.len() == 1, "{m} kernel_size must be an int, list of ints or tuple of ints of size 1 but got size {}", kernel.len());
    crate::ensure!(stride.len() <= 1, "{m} stride must be None, an int, list of ints, or tuple of ints of size 1 but got size {}", stride.len());
    crate::ensure!(padding.len() == 1, "{m} padding must be an int, list of ints, or tuple of ints of size 1 but got size {}", padding.len());
    crate::ensure!(dilation.len() == 1, "{m} dilation must be an int, list of ints or tuple of ints of size 1 but got size {}", dilation.len());
    let (k, st, p, d) = (kernel[0], stride.first().copied().unwrap_or(kernel[0]), padding[0], dilation[0]);
    crate::ensure!(k > 0, "{m} kernel_size must be greater than zero, but got {k}");
    crate::ensure!(st > 0, "{m} stride must be greater than zero, but got {st}");
    crate::ensure!(p >= 0, "{m} padding must be non-negative, but got {p}");
    crate::ensure!(p <= k / 2, "{m} padding should be at most half of kernel size, but got padding={p} and kernel_size={k}");
    crate::ensure!(d > 0, "{m} dilation must be greater than zero, but got {d}");
    let o = out_size(s[nd - 1], k, p, st, d, ceil)?;
    crate::ensure!(o > 0, "{m} Invalid computed output size: {o}");
    no_bool("max_pool1d", x)?;
    let win = max_windows(s[nd - 1] as usize, o as usize, k as usize, st as usize, p as usize, d as usize);
    Ok(max_pool("MaxPool1DBackward0", x, &[win])?.0)
}

/// The average pooling maps of a 2-d or 3-d avg pool, and the integer divisors when `x` is
/// integral (PyTorch divides integer sums, truncating).
struct AvgPlan {
    maps: Maps,
    divisors: Option<Vec<Vec<i64>>>,
    divisor_override: Option<i64>,
}

#[allow(clippy::too_many_arguments)]
fn avg_plan(nsp: usize, x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], ceil: bool, cip: bool, div: Option<i64>) -> Result<AvgPlan> {
    let op = format!("avg_pool{nsp}d");
    let l = lists(&op, nsp, kernel, stride, padding, None)?;
    crate::ensure!(div != Some(0), "divisor must be not zero");
    let nd = x.dim();
    if nsp == 2 {
        wrap_dim(-3, nd)?;
    } else {
        crate::ensure!(nd == 4 || nd == 5, "non-empty 4D or 5D (batch mode) tensor expected for input");
    }
    let out = out_sizes(x, nsp, &l, ceil)?;
    shape_check(x, nsp, &l, &out, nsp == 3)?;
    let s = x.shape();
    let int = !x.dtype().is_float();
    let unit = div.is_some() || int;
    let mut maps = Vec::new();
    let mut divisors = Vec::new();
    for i in 0..nsp {
        let (il, ol, k, st, p) = (s[nd - nsp + i] as usize, out[i] as usize, l.k[i] as usize, l.s[i] as usize, l.p[i] as usize);
        let (mut t, divs) = avg_windows(il, ol, k, st, p, cip, unit);
        if let (Some(d), 0, false) = (div, i, int) {
            t = t.scale(1.0 / d as f64);
        }
        divisors.push(divs);
        maps.push(Some(t));
    }
    Ok(AvgPlan { maps: Arc::new(maps), divisors: int.then_some(divisors), divisor_override: div })
}

/// Divides integer window sums by their divisors (truncating, like C++), in place of weights.
fn divide_ints(sums: &Tensor, divisors: &[Vec<i64>], over: Option<i64>) -> Result<Tensor> {
    let s = sums.shape();
    let nsp = divisors.len();
    let vals = sums.to_vec::<i64>()?;
    let sp: Vec<usize> = s[s.len() - nsp..].iter().map(|&d| d as usize).collect();
    let olen: usize = sp.iter().product();
    let out: Vec<i64> = vals
        .iter()
        .enumerate()
        .map(|(n, &v)| {
            let mut r = n % olen.max(1);
            let mut div = 1i64;
            for j in (0..nsp).rev() {
                div = div.wrapping_mul(divisors[j][r % sp[j]]);
                r /= sp[j];
            }
            let div = over.unwrap_or(div);
            if div == 0 {
                0
            } else {
                v.wrapping_div(div)
            }
        })
        .collect();
    let t = Tensor::from_vec(out, &s)?;
    crate::ops::convert::to(&t, None, Some(sums.dtype()), false)
}

/// avg_pool2d / avg_pool3d.
#[allow(clippy::too_many_arguments)]
pub fn avg_pool_nd(nsp: usize, x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], ceil: bool, cip: bool, div: Option<i64>) -> Result<Tensor> {
    let plan = avg_plan(nsp, x, kernel, stride, padding, ceil, cip, div)?;
    crate::ensure!(x.dtype() != DType::Bool, "\"avg_pool{nsp}d\" not implemented for 'Bool'");
    let name = if nsp == 2 { "AvgPool2DBackward0" } else { "AvgPool3DBackward0" };
    let sums = taps::apply(name, x, &plan.maps)?;
    match &plan.divisors {
        Some(d) => divide_ints(&sums, d, plan.divisor_override),
        None => Ok(sums),
    }
}

/// avg_pool2d_backward / avg_pool3d_backward: the adjoint of the pooling map.
#[allow(clippy::too_many_arguments)]
pub fn avg_pool_backward(nsp: usize, g: &Tensor, x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], ceil: bool, cip: bool, div: Option<i64>) -> Result<Tensor> {
    let plan = avg_plan(nsp, x, kernel, stride, padding, ceil, cip, div)?;
    crate::ensure!(plan.divisors.is_none(), "\"avg_pool{nsp}d_backward\" not implemented for '{}'", x.dtype().name());
    check_grad_shape(g, x, &plan.maps)?;
    taps::adjoint(if nsp == 2 { "AvgPool2DBackwardBackward0" } else { "AvgPool3DBackwardBackward0" }, g, &plan.maps)
}

/// The gradient of a pooling of `x` must have the pooling output's shape.
fn check_grad_shape(g: &Tensor, x: &Tensor, maps: &[Option<Taps>]) -> Result<()> {
    let xs = x.shape();
    let mut want: Vec<i64> = xs[..xs.len() - maps.len()].to_vec();
    want.extend(maps.iter().map(|t| t.as_ref().map_or(0, |t| t.out_len() as i64)));
    crate::ensure!(
        g.shape()[..] == want[..],
        "Expected grad_output to have the output's shape {want:?}, but got {:?}",
        &g.shape()[..]
    );
    Ok(())
}

/// avg_pool1d: a 2-d average pool over a unit height.
pub fn avg_pool1d(x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], ceil: bool, cip: bool) -> Result<Tensor> {
    let stride = if stride.is_empty() { kernel } else { stride };
    check_2_to_3("avg_pool1d", x)?;
    for (arg, v) in [("kernel_size", kernel), ("stride", stride), ("padding", padding)] {
        check_1d("avg_pool1d", arg, v)?;
    }
    let y = avg_pool_nd(2, &shape::unsqueeze(x, -2)?, &[1, kernel[0]], &[1, stride[0]], &[0, padding[0]], ceil, cip, None)?;
    shape::squeeze(&y, Some(&[-2]))
}

/// The adaptive pooling windows of the trailing dims of `x`, with PyTorch's checks.
fn adaptive_plan(op: &str, nsp: usize, x: &Tensor, out: &[i64], average: bool) -> Result<Vec<Taps>> {
    let s = x.shape();
    let nd = s.len();
    let (lo, hi) = (nsp + 1, nsp + 2);
    if average {
        crate::ensure!(out.len() == nsp, "{op}: output_size must be {nsp}");
        crate::ensure!(nd == lo || nd == hi, "{op}(): Expected {lo}D or {hi}D tensor, but got {:?}", &s[..]);
        let first = if nsp == 2 { nd - 2 } else { 1 };
        for i in first..nd {
            crate::ensure!(
                s[i] > 0,
                "{op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes {:?} with dimension {i} being empty",
                &s[..]
            );
        }
    } else {
        crate::ensure!(nd == lo || nd == hi, "{op}(): Expected {lo}D or {hi}D tensor, but got: {:?}", &s[..]);
        for i in 1..nd {
            crate::ensure!(
                s[i] > 0,
                "{op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes {:?} with dimension {i} being empty",
                &s[..]
            );
        }
        crate::ensure!(out.len() == nsp, "{op}(): internal error: output_size.size() must be {nsp}");
    }
    if let Some(&o) = out.iter().find(|&&o| o < 0) {
        let mut shape: Vec<i64> = s[..nd - nsp].to_vec();
        shape.extend_from_slice(out);
        crate::bail!("Trying to create tensor with negative dimension {o}: {shape:?}");
    }
    crate::ensure!(x.dtype().is_float(), "\"{op}\" not implemented for '{}'", x.dtype().name());
    let mut shape: Vec<i64> = s[..nd - nsp].to_vec();
    shape.extend_from_slice(out);
    taps::check_alloc(&shape, x.dtype())?;
    Ok((0..nsp).map(|i| adaptive_windows(s[nd - nsp + i] as usize, out[i] as usize, average)).collect())
}

/// `_adaptive_avg_pool2d` / `_adaptive_avg_pool3d`.
pub fn adaptive_avg_pool_raw(nsp: usize, x: &Tensor, out: &[i64]) -> Result<Tensor> {
    let op = format!("adaptive_avg_pool{nsp}d");
    crate::ensure!(out.len() == nsp, "{op}: output_size must be {nsp}");
    if out.iter().any(|&o| o < 0) && nsp == 2 {
        crate::bail!("{op}: elements of output_size must be greater than or equal to 0 but received {{{}, {}}}", out[0], out[1]);
    }
    let win = adaptive_plan(&op, nsp, x, out, true)?;
    let maps: Maps = Arc::new(win.into_iter().map(Some).collect());
    taps::apply(if nsp == 2 { "AdaptiveAvgPool2DBackward0" } else { "AdaptiveAvgPool3DBackward0" }, x, &maps)
}

/// `adaptive_avg_pool2d` / `3d`: a mean for a unit output, else the adaptive pool.
pub fn adaptive_avg_pool(nsp: usize, x: &Tensor, out: &[i64]) -> Result<Tensor> {
    let op = format!("adaptive_avg_pool{nsp}d");
    crate::ensure!(out.len() == nsp, "{op}: output_size must be {nsp}");
    if nsp == 2 {
        crate::ensure!(
            out[0] >= 0 && out[1] >= 0,
            "{op}: elements of output_size must be greater than or equal to 0 but received {{{}, {}}}",
            out[0],
            out[1]
        );
    }
    if out.iter().all(|&o| o == 1) {
        let dims: Vec<i64> = (1..=nsp as i64).map(|d| -d).collect();
        return reduce::mean(x, Some(&dims), true, None);
    }
    adaptive_avg_pool_raw(nsp, x, out)
}

/// The adjoint of the adaptive average pool of `x` applied to `g`.
pub fn adaptive_avg_pool_backward(nsp: usize, g: &Tensor, x: &Tensor) -> Result<Tensor> {
    let gs = g.shape();
    crate::ensure!(gs.len() >= nsp, "adaptive_avg_pool{nsp}d_backward: grad_output must have at least {nsp} dims");
    let out: Vec<i64> = gs[gs.len() - nsp..].to_vec();
    let win = adaptive_plan(&format!("adaptive_avg_pool{nsp}d"), nsp, x, &out, true)?;
    let maps: Maps = Arc::new(win.into_iter().map(Some).collect());
    check_grad_shape(g, x, &maps)?;
    taps::adjoint("AdaptiveAvgPoolBackwardBackward0", g, &maps)
}

/// `adaptive_max_pool2d` / `3d`: values and indices.
pub fn adaptive_max_pool(nsp: usize, x: &Tensor, out: &[i64]) -> Result<(Tensor, Tensor)> {
    let win = adaptive_plan(&format!("adaptive_max_pool{nsp}d"), nsp, x, out, false)?;
    max_pool(if nsp == 2 { "AdaptiveMaxPool2DBackward0" } else { "AdaptiveMaxPool3DBackward0" }, x, &win)
}

/// The 1-d adaptive pools: the 2-d ones over a unit height.
pub fn adaptive_pool1d(max: bool, x: &Tensor, out: &[i64]) -> Result<(Tensor, Option<Tensor>)> {
    let op = if max { "adaptive_max_pool1d" } else { "adaptive_avg_pool1d" };
    check_2_to_3(op, x)?;
    check_1d(op, "output_size", out)?;
    let x2 = shape::unsqueeze(x, -2)?;
    if max {
        let (v, i) = adaptive_max_pool(2, &x2, &[1, out[0]])?;
        return Ok((shape::squeeze(&v, Some(&[-2]))?, Some(i.squeeze(Some(&[-2]))?)));
    }
    Ok((shape::squeeze(&adaptive_avg_pool(2, &x2, &[1, out[0]])?, Some(&[-2]))?, None))
}

/// Backward of max pooling given its indices: the gradient scattered to the maxima.
pub fn max_pool_backward_indices(nsp: usize, g: &Tensor, x: &Tensor, idx: &Tensor) -> Result<Tensor> {
    crate::ensure!(g.dim() == x.dim(), "torchrs: grad_output {:?} and input {:?} differ in rank", &g.shape()[..], &x.shape()[..]);
    let (gs, xs) = (g.shape(), x.shape());
    crate::ensure!(
        gs[..gs.len() - nsp] == xs[..xs.len() - nsp],
        "torchrs: grad_output {:?} does not match input {:?}",
        &gs[..],
        &xs[..]
    );
    scatter(g, idx, &xs, nsp)
}

/// `max_pool{2,3}d_with_indices_backward`: the pooling parameters fix the gradient's shape.
#[allow(clippy::too_many_arguments)]
pub fn max_pool_backward(nsp: usize, g: &Tensor, x: &Tensor, kernel: &[i64], stride: &[i64], padding: &[i64], dilation: &[i64], ceil: bool, idx: &Tensor) -> Result<Tensor> {
    let win = max_pool_windows(nsp, x, kernel, stride, padding, dilation, ceil)?;
    let maps: Vec<Option<Taps>> = win.into_iter().map(Some).collect();
    check_grad_shape(g, x, &maps)?;
    scatter(g, idx, &x.shape(), nsp)
}
