//! max/min (all, or along a dim with indices), amax/amin, argmax/argmin and aminmax, with
//! NaN propagation (a NaN wins and its first index is reported) and first-index ties.

use super::fold::{fill_rows, Plan, Row};
use super::{elem, reduction_dims, unsqueeze_back};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::error::Result;
use crate::ops::arith::{binary, BinOp};
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Element, Tensor, TensorData};
use crate::with_dtype;

/// The extreme element of a row and its logical index (the first NaN, else the first best).
#[inline(always)]
fn extreme<T: Element + PartialOrd>(row: Row<'_, T>, max: bool) -> (T, usize) {
    let (mut bv, mut bi, mut first, mut nan) = (T::zero(), 0usize, true, false);
    row.each(|x, j| {
        if nan {
            return;
        }
        #[allow(clippy::eq_op)]
        if x != x {
            (bv, bi, nan) = (x, j, true);
        } else if first || (max && x > bv) || (!max && x < bv) {
            (bv, bi, first) = (x, j, false);
        }
    });
    (bv, bi)
}

/// Defines `$name::<T, MAX>(args)`, which runs the `#[inline(always)]` kernel `$kernel::<T, MAX>`
/// compiled for AVX-512, for AVX2+FMA or for the baseline, whichever the CPU has (the kernels'
/// loops then vectorise for the wider registers).
macro_rules! widest {
    ($name:ident, $kernel:ident, ($($a:ident: $t:ty),*) $(-> $r:ty)?) => {
        fn $name<T: Element + PartialOrd, const MAX: bool>($($a: $t),*) $(-> $r)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
                unsafe fn avx512<T: Element + PartialOrd, const MAX: bool>($($a: $t),*) $(-> $r)? {
                    $kernel::<T, MAX>($($a),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<T: Element + PartialOrd, const MAX: bool>($($a: $t),*) $(-> $r)? {
                    $kernel::<T, MAX>($($a),*)
                }
                use crate::cpu::isa::{isa, Isa};
                match isa() {
                    // SAFETY: the CPU was probed for these features
                    Isa::Avx512 => return unsafe { avx512::<T, MAX>($($a),*) },
                    Isa::Avx2 => return unsafe { avx2::<T, MAX>($($a),*) },
                    Isa::Base => {}
                }
            }
            $kernel::<T, MAX>($($a),*)
        }
    };
}

/// Independent lanes of [`lane_extreme`] (four AVX2 registers of f32, two AVX-512 ones).
const LANES: usize = 32;

/// The extreme value of a contiguous run over [`LANES`] independent lanes (a NaN wins).
fn lane_extreme<T: Element + PartialOrd>(xs: &[T], max: bool) -> T {
    if max {
        lane_extreme_widest::<T, true>(xs)
    } else {
        lane_extreme_widest::<T, false>(xs)
    }
}

widest!(lane_extreme_widest, lane_extreme_m, (xs: &[T]) -> T);

#[inline(always)]
#[allow(clippy::eq_op)]
fn lane_extreme_m<T: Element + PartialOrd, const MAX: bool>(xs: &[T]) -> T {
    let better = |v: T, m: T| if MAX { v > m } else { v < m };
    let Some(&first) = xs.first() else { return T::zero() };
    // `q` keeps the last NaN its lane saw (a select: flags would not vectorise as well)
    let (mut m, mut q) = ([first; LANES], [first; LANES]);
    let mut ch = xs.chunks_exact(LANES);
    for c in &mut ch {
        for j in 0..LANES {
            let v = c[j];
            q[j] = if v != v { v } else { q[j] };
            m[j] = if better(v, m[j]) { v } else { m[j] };
        }
    }
    // (opaque: seen through, the folds below lead LLVM to pair the lanes into narrow vectors)
    let (m, q) = std::hint::black_box((m, q));
    if q.iter().chain(ch.remainder()).any(|&v| v != v) {
        return xs.iter().copied().find(|&v| v != v).unwrap_or(first);
    }
    let mut r = m[0];
    for &v in m[1..].iter().chain(ch.remainder()) {
        if better(v, r) {
            r = v;
        }
    }
    r
}

/// The extreme of a contiguous row and its index: the value in vector lanes, then the first
/// position holding it (or the first NaN).
#[inline(always)]
#[allow(clippy::eq_op)]
fn slice_extreme<T: Element + PartialOrd>(xs: &[T], max: bool) -> (T, usize) {
    let v = lane_extreme(xs, max);
    let at = if v != v { xs.iter().position(|&x| x != x) } else { xs.iter().position(|&x| x == v) };
    let at = at.unwrap_or(0);
    (xs.get(at).copied().unwrap_or(v), at)
}

/// Columns per strip of [`column_extremes`] (the strip's extremes stay in L1).
const STRIP: usize = 512;

/// `out[j]` = the extreme of column j of the row-major `[rows, inner]` matrix `xs` (a NaN wins),
/// each strip of columns folding the rows in one vectorisable loop, strips across threads.
fn column_extremes<T: Element + PartialOrd>(xs: &[T], inner: usize, out: &mut [T], max: bool) {
    if max {
        column_extremes_m::<T, true>(xs, inner, out)
    } else {
        column_extremes_m::<T, false>(xs, inner, out)
    }
}

/// Runs `strip(first column, strip's outputs)` over strips of [`STRIP`] columns of `out`, on
/// threads when `work` elements are many.
fn for_strips<U: Send>(out: &mut [U], work: usize, strip: impl Fn(usize, &mut [U]) + Sync) {
    if work < super::fold::GRAIN {
        return out.chunks_mut(STRIP).enumerate().for_each(|(s, acc)| strip(s * STRIP, acc));
    }
    crate::cpu::threads::for_chunks_mut(out, STRIP, |s, acc| strip(s * STRIP, acc));
}

/// Whether `v` replaces the extreme `b` so far: larger (`MAX`) or smaller, or a NaN replacing a
/// number (the first NaN stays). Written without short-circuits so that the loops vectorise.
#[inline(always)]
#[allow(clippy::eq_op)]
fn replaces<T: PartialOrd, const MAX: bool>(v: T, b: T) -> bool {
    ((v != v) & (b == b)) | if MAX { v > b } else { v < b }
}

fn column_extremes_m<T: Element + PartialOrd, const MAX: bool>(xs: &[T], inner: usize, out: &mut [T]) {
    for_strips(out, xs.len(), |j0, acc| fold_strip_widest::<T, MAX>(xs, inner, j0, acc));
}

widest!(fold_strip_widest, fold_strip, (xs: &[T], inner: usize, j0: usize, acc: &mut [T]));

/// The extremes of columns `j0..j0 + acc.len()` of the row-major `[rows, inner]` matrix `xs`.
#[inline(always)]
fn fold_strip<T: Element + PartialOrd, const MAX: bool>(xs: &[T], inner: usize, j0: usize, acc: &mut [T]) {
    let (rows, w) = (xs.len() / inner, acc.len());
    acc.copy_from_slice(&xs[j0..j0 + w]);
    for r in 1..rows {
        for (b, &v) in acc.iter_mut().zip(&xs[r * inner + j0..r * inner + j0 + w]) {
            // a NaN is taken and then kept (nothing compares above it)
            #[allow(clippy::eq_op)]
            let take = (v != v) | if MAX { v > *b } else { v < *b };
            *b = if take { v } else { *b };
        }
    }
}

/// [`column_extremes`] with the row of each extreme (the first NaN, else the first best), for
/// `max(dim)` / `argmax` over leading dims.
fn column_extremes_at<T: Element + PartialOrd>(xs: &[T], inner: usize, out: &mut [(T, usize)], max: bool) {
    if max {
        column_extremes_at_m::<T, true>(xs, inner, out)
    } else {
        column_extremes_at_m::<T, false>(xs, inner, out)
    }
}

fn column_extremes_at_m<T: Element + PartialOrd, const MAX: bool>(xs: &[T], inner: usize, out: &mut [(T, usize)]) {
    for_strips(out, xs.len(), |j0, acc| {
        let w = acc.len();
        let mut best: Vec<T> = xs[j0..j0 + w].to_vec();
        let mut at = vec![0u32; w];
        fold_strip_at_widest::<T, MAX>(xs, inner, j0, &mut best, &mut at);
        for ((o, &b), &a) in acc.iter_mut().zip(&best).zip(&at) {
            *o = (b, a as usize);
        }
    });
}

widest!(fold_strip_at_widest, fold_strip_at, (xs: &[T], inner: usize, j0: usize, best: &mut [T], at: &mut [u32]));

/// [`fold_strip`] with the row of each extreme in `at` (`best` starts as row 0's values).
#[inline(always)]
fn fold_strip_at<T: Element + PartialOrd, const MAX: bool>(xs: &[T], inner: usize, j0: usize, best: &mut [T], at: &mut [u32]) {
    let (rows, w) = (xs.len() / inner, best.len());
    for r in 1..rows {
        let row = &xs[r * inner + j0..r * inner + j0 + w];
        for ((b, a), &v) in best.iter_mut().zip(at.iter_mut()).zip(row) {
            let take = replaces::<T, MAX>(v, *b);
            *b = if take { v } else { *b };
            *a = if take { r as u32 } else { *a };
        }
    }
}

/// Whether `dims` are the leading dims of contiguous `d` and leave at least `min_inner`
/// elements per output (the layout [`column_extremes`] folds).
fn leading_dims(d: &TensorData, dims: &[usize], min_inner: usize) -> Option<usize> {
    let k = dims.len();
    let inner = d.layout.shape[k.min(d.layout.shape.len())..].iter().product::<i64>() as usize;
    let ok = d.layout.is_contiguous() && k > 0 && dims.iter().enumerate().all(|(i, &x)| i == x) && inner >= min_inner && d.numel() > 0;
    ok.then_some(inner)
}

/// The extreme values of `d` over `dims` (empty: all), without indices.
fn extreme_values(d: &TensorData, dims: &[usize], keepdim: bool, max: bool) -> Result<TensorData> {
    let plan = Plan::new(&d.layout, dims, keepdim);
    with_dtype!(d.dtype, T, {
        if plan.n_out == 1 && d.layout.is_contiguous() && d.numel() > 0 {
            // a large all-reduce: per-thread extremes, then the extreme of those
            let xs = unsafe { d.as_slice::<T>() };
            let parts = super::fold::split_parallel(xs.len(), |r| lane_extreme(&xs[r], max));
            let v = lane_extreme(&parts, max);
            let out = TensorData::empty(&plan.out_shape, d.dtype, d.device())?;
            unsafe { out.as_mut_slice::<T>()[0] = v };
            return Ok(out);
        }
        if let Some(inner) = leading_dims(d, dims, 16) {
            // leading dims reduced, contiguous columns kept: rows folded into column strips
            let out = TensorData::empty(&plan.out_shape, d.dtype, d.device())?;
            let xs = unsafe { d.as_slice::<T>() };
            column_extremes(xs, inner, unsafe { out.as_mut_slice::<T>() }, max);
            return Ok(out);
        }
        super::fold::reduce_into::<T, T>(d, &plan, |row| match row.as_slice() {
            Some(xs) => lane_extreme(xs, max),
            None => extreme(row, max).0,
        })
    })
}

fn op_name(max: bool, arg: bool) -> &'static str {
    match (max, arg) {
        (true, false) => "max",
        (false, false) => "min",
        (true, true) => "argmax",
        (false, true) => "argmin",
    }
}

/// Values and indices of the extremes of `d` over `dims` (empty: all).
fn extremes(d: &TensorData, dims: &[usize], keepdim: bool, max: bool) -> Result<(TensorData, TensorData)> {
    let plan = Plan::new(&d.layout, dims, keepdim);
    let vals = TensorData::empty(&plan.out_shape, d.dtype, d.device())?;
    let idx = TensorData::empty(&plan.out_shape, DType::I64, d.device())?;
    with_dtype!(d.dtype, T, {
        let mut pairs = vec![(T::zero(), 0usize); plan.n_out];
        match leading_dims(d, dims, 16) {
            Some(inner) if d.numel() / inner <= u32::MAX as usize => {
                column_extremes_at(unsafe { d.as_slice::<T>() }, inner, &mut pairs, max)
            }
            _ => fill_rows::<T, (T, usize)>(d, &plan, &mut pairs, |row| match row.as_slice() {
                Some(xs) => slice_extreme(xs, max),
                None => extreme(row, max),
            }),
        }
        let (vs, is) = unsafe { (vals.as_mut_slice::<T>(), idx.as_mut_slice::<i64>()) };
        for (k, (v, i)) in pairs.into_iter().enumerate() {
            vs[k] = v;
            is[k] = i as i64;
        }
    });
    Ok((vals, idx))
}

/// Checks that reducing `dims` of `t` folds at least one element per output.
fn check_nonempty(op: &str, t: &Tensor, dims: &[usize]) -> Result<()> {
    let shape = t.shape();
    if dims.is_empty() {
        let hint = if op.starts_with("arg") { "" } else { " Specify the reduction dim with the 'dim' argument." };
        crate::ensure!(t.numel() > 0, "{op}(): Expected reduction dim to be specified for input.numel() == 0.{hint}");
    }
    for &d in dims {
        crate::ensure!(shape[d] > 0, "{op}(): Expected reduction dim {d} to have non-zero size.");
    }
    Ok(())
}

/// Records the backward of amax/amin/max/min over all or several dims: the gradient is shared
/// evenly between the elements that equal the result (NaN counting as equal to a NaN result
/// when `nan_equal`, as for max()/min()/median()).
pub(crate) fn record_even(name: &'static str, t: &Tensor, out: &Tensor, dims: Vec<usize>, keepdim: bool, nan_equal: bool) {
    if !needs_grad(&[t]) {
        return;
    }
    let (st, so) = (SavedTensor::input(t), SavedTensor::output(out, 0));
    record(name, &[t], &[out], move |node, g| {
        let Some(g) = &g[0] else { return Ok(vec![None]) };
        let x = crate::ops::autograd_ops::detach(&st.get(node)?);
        let nd = x.dim();
        let r = unsqueeze_back(&crate::ops::autograd_ops::detach(&so.get(node)?), nd, &dims, keepdim)?;
        let mask = if nan_equal { elem::nan_eq_mask(&x, &r)? } else { elem::eq_mask(&x, &r)? };
        let all: Vec<i64> = if dims.is_empty() { (0..nd as i64).collect() } else { dims.iter().map(|&d| d as i64).collect() };
        let count = super::sum(&mask, Some(&all), true, None)?;
        let share = binary(BinOp::Div, &unsqueeze_back(g, nd, &dims, keepdim)?, &count)?;
        Ok(vec![Some(binary(BinOp::Mul, &share, &mask)?)])
    });
}

/// `max()` / `min()`: the extreme of all elements.
pub fn extreme_all(t: &Tensor, max: bool) -> Result<Tensor> {
    check_nonempty(op_name(max, false), t, &[])?;
    let out = Tensor::from_data(extreme_values(&t.data(), &[], false, max)?);
    record_even(if max { "MaxBackward1" } else { "MinBackward1" }, t, &out, vec![], false, true);
    Ok(out)
}

/// `amax` / `amin` over dims (empty: all).
pub fn amax(t: &Tensor, dims: &[i64], keepdim: bool, max: bool) -> Result<Tensor> {
    let name = if max { "amax" } else { "amin" };
    let wd = reduction_dims(name, t, Some(dims))?;
    check_nonempty(name, t, &wd)?;
    let out = Tensor::from_data(extreme_values(&t.data(), &wd, keepdim, max)?);
    record_even(if max { "AmaxBackward0" } else { "AminBackward0" }, t, &out, wd, keepdim, false);
    Ok(out)
}

/// `max(dim)` / `min(dim)`: values and their indices along one dim.
pub fn extreme_dim(t: &Tensor, dim: i64, keepdim: bool, max: bool) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim(dim, t.dim())?;
    let dims: Vec<usize> = if t.dim() == 0 { vec![] } else { vec![d] };
    if t.dim() > 0 {
        check_nonempty(op_name(max, false), t, &dims)?;
    }
    let (v, i) = extremes(&t.data(), &dims, keepdim, max)?;
    let (v, i) = (Tensor::from_data(v), Tensor::from_data(i));
    if needs_grad(&[t]) {
        let (in_shape, si) = (t.shape(), SavedTensor::input(&i));
        let name = if max { "MaxBackward0" } else { "MinBackward0" };
        record(name, &[t], &[&v], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(crate::ops::index::value_selecting_backward(g, dim, &si.get(node)?, &in_shape, keepdim)?)])
        });
    }
    Ok((v, i))
}

/// `argmax` / `argmin`: along a dim, or over the flattened tensor.
pub fn argext(t: &Tensor, dim: Option<i64>, keepdim: bool, max: bool) -> Result<Tensor> {
    let name = op_name(max, true);
    crate::ensure!(t.dtype() != crate::tensor::DType::Bool, "{name}(): does not support bool input");
    let dims: Vec<usize> = match dim {
        Some(dm) if t.dim() > 0 => vec![wrap_dim(dm, t.dim())?],
        Some(dm) => {
            wrap_dim(dm, 0)?;
            vec![]
        }
        None => vec![],
    };
    check_nonempty(name, t, &dims)?;
    let (_, i) = extremes(&t.data(), &dims, keepdim, max)?;
    Ok(Tensor::from_data(i))
}

/// `aminmax`: (min, max) over a dim or all elements, each with amin/amax's gradient.
pub fn aminmax(t: &Tensor, dim: Option<i64>, keepdim: bool) -> Result<(Tensor, Tensor)> {
    let dims: Vec<i64> = dim.into_iter().collect();
    if dim.is_none() {
        crate::ensure!(t.numel() > 0, "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
    } else {
        let wd = reduction_dims("aminmax", t, Some(&dims))?;
        check_nonempty("aminmax", t, &wd)?;
    }
    Ok((amax(t, &dims, keepdim, false)?, amax(t, &dims, keepdim, true)?))
}
