//! The three forms of one convolution geometry, as im2col + gemm per image (images in
//! parallel): the convolution, its adjoint (transposed convolution / input gradient) and the
//! weight gradient. f16/bf16 compute in f32, integers in wrapping i64.

use super::gemm::{Acc, Mat, MatMut, SendPtr};
use super::geom::Geom;
use super::im2col::{col2im, im2col};
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::tensor::{layout::Layout, DType, Device, TensorData};
use rayon::prelude::*;

/// Which product of the geometry to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `[n, cin, isp] x weight -> [n, cout, osp]`
    Fwd,
    /// `[n, cout, osp] x weight -> [n, cin, isp]` (the transposed convolution)
    Adj,
    /// `[n, cin, isp] x [n, cout, osp] -> weight-shaped`
    WGrad,
}

impl Form {
    pub fn out_shape(self, g: &Geom) -> Vec<i64> {
        match self {
            Form::Fwd => g.output_shape(),
            Form::Adj => g.input_shape(),
            Form::WGrad => g.weight_shape(),
        }
    }
}

/// Multiply-adds above which images are spread over threads.
const PARALLEL_WORK: usize = 1 << 16;

/// Runs `form` on `a`, `b` (and a bias added per output channel, for Fwd/Adj); the result has
/// the operands' dtype.
pub fn run(form: Form, a: &TensorData, b: &TensorData, bias: Option<&TensorData>, g: &Geom) -> Result<TensorData> {
    let dt = a.dtype;
    match dt {
        DType::F32 => compute::<f32>(form, a, b, bias, g),
        DType::F64 => compute::<f64>(form, a, b, bias, g),
        DType::F16 | DType::BF16 => contiguous_as(&compute::<f32>(form, a, b, bias, g)?, dt),
        DType::Bool => crate::bail!("\"slow_conv2d_cpu\" not implemented for 'Bool'"),
        _ => contiguous_as(&compute::<i64>(form, a, b, bias, g)?, dt),
    }
}

fn compute<T: Acc>(form: Form, a: &TensorData, b: &TensorData, bias: Option<&TensorData>, g: &Geom) -> Result<TensorData> {
    let a = contiguous_as(a, T::DTYPE)?;
    let b = contiguous_as(b, T::DTYPE)?;
    let bias = bias.map(|t| contiguous_as(t, T::DTYPE)).transpose()?;
    let out = TensorData::empty(&form.out_shape(g), T::DTYPE, Device::Cpu)?;
    if out.numel() == 0 {
        return Ok(out);
    }
    let ptr = |t: &TensorData| SendPtr(t.base_ptr() as *mut T);
    let (pa, pb, po) = (ptr(&a), ptr(&b), ptr(&out));
    let pbias = bias.as_ref().map(ptr);
    // a stride-1 adjoint runs as the forward convolution of the flipped weight: its products
    // reduce over og * k instead of og, which the gemm kernels do much faster
    let flipped = match (form, adjoint_as_forward(g)) {
        (Form::Adj, Some(fg)) => Some((fg, flip_weight(unsafe { b.as_slice::<T>() }, g))),
        _ => None,
    };
    // otherwise the adjoint multiplies by each group's weight transposed: made row-major once
    // here, not re-packed from a transposed view for every image
    let wt = match (form, &flipped) {
        (Form::Adj, None) => Some(transposed_weight(&b, g)?),
        _ => None,
    };
    crate::cpu::threads::install(|| unsafe {
        match (form, &flipped) {
            (Form::Fwd, _) => fwd(pa, pb, pbias, po, g),
            (Form::Adj, Some((fg, fw))) => fwd(pa, SendPtr(fw.as_ptr() as *mut T), pbias, po, fg),
            (Form::Adj, None) => adj(pa, ptr(wt.as_ref().expect("the adjoint's transposed weight")), pbias, po, g),
            (Form::WGrad, _) => wgrad(pa, pb, po, g),
        }
    });
    Ok(out)
}

/// The forward geometry whose convolution is the adjoint of `g`, for unit strides: input and
/// output swap and the padding becomes `d * (k - 1) - p` (the weight is flipped, see
/// [`flip_weight`]). None when a stride is not 1 or the padding exceeds the dilated kernel.
fn adjoint_as_forward(g: &Geom) -> Option<Geom> {
    // the flipped forward reduces over more products when the input is larger than the output
    // (a "valid" convolution: [og*k, isp] patches instead of [ck, osp]); col2im is then cheaper
    if g.stride.iter().any(|&s| s != 1) || g.ilen() * 4 > g.olen() * 5 {
        return None;
    }
    let mut pad = [0; 3];
    for i in 0..3 {
        let full = g.dil[i] * (g.k[i] - 1);
        if g.pad[i] > full {
            return None;
        }
        pad[i] = full - g.pad[i];
    }
    Some(Geom { cin: g.cout, cout: g.cin, pad, isp: g.osp, osp: g.isp, ..*g })
}

/// `w' [cin, cout / groups, k]` with `w'[gi*cg + c, o, flip(t)] = w[gi*og + o, c, t]` (every
/// spatial dim reversed).
fn flip_weight<T: Acc>(w: &[T], g: &Geom) -> Vec<T> {
    let (cg, og, kk) = (g.cg(), g.og(), g.kprod());
    let mut out = vec![T::zero(); w.len()];
    for gi in 0..g.groups {
        for o in 0..og {
            for c in 0..cg {
                for t in 0..kk {
                    out[((gi * cg + c) * og + o) * kk + (kk - 1 - t)] = w[((gi * og + o) * cg + c) * kk + t];
                }
            }
        }
    }
    out
}

/// Each group's weight `[og, ck]` transposed: `[groups, ck, og]`, by the blocked transposed copy.
fn transposed_weight(w: &TensorData, g: &Geom) -> Result<TensorData> {
    let dims = [g.groups as i64, g.og() as i64, (g.cg() * g.kprod()) as i64];
    let view = TensorData { layout: Layout::contiguous(&dims).transpose(1, 2), ..w.clone() };
    crate::cpu::copy::to_contiguous_dtype(&view, w.dtype)
}

/// A scratch buffer every element of which is written before it is read.
#[allow(clippy::uninit_vec)]
fn scratch<T: Acc>(len: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(len);
    unsafe { v.set_len(len) };
    v
}

/// Whether to spread the images of `g` over threads (then each product runs on one thread
/// unless there are fewer images than threads).
fn spread(g: &Geom) -> (bool, bool) {
    let threads = crate::cpu::threads::num_threads();
    let par_images = threads > 1 && g.n >= 2 && g.work() >= PARALLEL_WORK;
    (par_images, !par_images || g.n < threads)
}

/// Runs `f(image, scratch, parallel_gemm)` for every image.
fn for_images<T: Acc>(g: &Geom, scratch_len: usize, f: impl Fn(usize, &mut Vec<T>, bool) + Sync + Send) {
    let (par_images, par_gemm) = spread(g);
    if par_images {
        (0..g.n).into_par_iter().for_each_init(|| scratch::<T>(scratch_len), |col, n| f(n, col, par_gemm));
    } else {
        let mut col = scratch::<T>(scratch_len);
        (0..g.n).for_each(|n| f(n, &mut col, true));
    }
}

/// Fills `rows` rows of `len` elements at `dst` with `bias[i]` each.
unsafe fn fill_rows<T: Acc>(dst: *mut T, rows: usize, len: usize, bias: Option<*const T>) {
    for r in 0..rows {
        let v = bias.map_or(T::zero(), |b| *b.add(r));
        std::slice::from_raw_parts_mut(dst.add(r * len), len).fill(v);
    }
}

unsafe fn fwd<T: Acc>(x: SendPtr<T>, w: SendPtr<T>, bias: Option<SendPtr<T>>, y: SendPtr<T>, g: &Geom) {
    let (cg, og, il, ol) = (g.cg(), g.og(), g.ilen(), g.olen());
    let ck = cg * g.kprod();
    let pointwise = g.pointwise();
    for_images::<T>(g, if pointwise { 0 } else { ck * ol }, |n, col, par| {
        let (x, w, y) = (x.get() as *const T, w.get() as *const T, y.get());
        for gi in 0..g.groups {
            let xin = x.add((n * g.cin + gi * cg) * il);
            let out = y.add((n * g.cout + gi * og) * ol);
            let src = if pointwise {
                xin
            } else {
                im2col(xin, cg, g, col.as_mut_ptr(), (ol, 1));
                col.as_ptr()
            };
            let b = bias.map(|b| (b.0 as *const T).add(gi * og));
            if b.is_some() {
                fill_rows(out, og, ol, b);
            }
            T::gemm(og, ol, ck, MatMut::rows(out, ol), b.is_some(), Mat::rows(w.add(gi * og * ck), ck), Mat::rows(src, ol), par);
        }
    });
}

/// The adjoint with `wt` the groups' transposed weights (see [`transposed_weight`]).
unsafe fn adj<T: Acc>(y: SendPtr<T>, wt: SendPtr<T>, bias: Option<SendPtr<T>>, x: SendPtr<T>, g: &Geom) {
    let (cg, og, il, ol) = (g.cg(), g.og(), g.ilen(), g.olen());
    let ck = cg * g.kprod();
    let pointwise = g.pointwise();
    for_images::<T>(g, if pointwise { 0 } else { ck * ol }, |n, col, par| {
        let (y, w, x) = (y.get() as *const T, wt.get() as *const T, x.get());
        for gi in 0..g.groups {
            let yin = y.add((n * g.cout + gi * og) * ol);
            let out = x.add((n * g.cin + gi * cg) * il);
            let b = bias.map(|b| (b.0 as *const T).add(gi * cg));
            let wt = Mat::rows(w.add(gi * og * ck), og);
            if pointwise {
                if b.is_some() {
                    fill_rows(out, cg, il, b);
                }
                T::gemm(cg, il, og, MatMut::rows(out, il), b.is_some(), wt, Mat::rows(yin, ol), par);
            } else {
                fill_rows(out, cg, il, b);
                T::gemm(ck, ol, og, MatMut::rows(col.as_mut_ptr(), ol), false, wt, Mat::rows(yin, ol), par);
                col2im(col.as_ptr(), cg, g, out);
            }
        }
    });
}

unsafe fn wgrad<T: Acc>(x: SendPtr<T>, y: SendPtr<T>, dw: SendPtr<T>, g: &Geom) {
    let (cg, og, il, ol) = (g.cg(), g.og(), g.ilen(), g.olen());
    let ck = cg * g.kprod();
    let pointwise = g.pointwise();
    let wlen = g.cout * ck;
    // adds the transposed gradient of images `range` into `acc` (per group `[ck, og]`):
    // dW_g^T [ck, og] = patches [ck, ol] @ y_g^T [ol, og], so the large operand (the patches)
    // is row-major as im2col writes it and only the small one is read transposed
    let images = |range: std::ops::Range<usize>, acc: *mut T, col: &mut Vec<T>, par: bool| {
        let (x, y) = (x.get() as *const T, y.get() as *const T);
        for n in range {
            for gi in 0..g.groups {
                let xin = x.add((n * g.cin + gi * cg) * il);
                let yin = y.add((n * g.cout + gi * og) * ol);
                let src = if pointwise {
                    xin
                } else {
                    im2col(xin, cg, g, col.as_mut_ptr(), (ol, 1));
                    col.as_ptr()
                };
                T::gemm(ck, og, ol, MatMut::rows(acc.add(gi * ck * og), og), true, Mat::rows(src, ol), Mat::cols(yin, ol), par);
            }
        }
    };
    let (par_images, par_gemm) = spread(g);
    let chunks = if par_images { crate::cpu::threads::num_threads().min(g.n) } else { 1 };
    let per = g.n.div_ceil(chunks);
    let one = |c: usize, par: bool| {
        let mut acc = vec![T::zero(); wlen];
        let mut col = scratch::<T>(if pointwise { 0 } else { ck * ol });
        images(c * per..((c + 1) * per).min(g.n), acc.as_mut_ptr(), &mut col, par);
        acc
    };
    let partials: Vec<Vec<T>> = if par_images { (0..chunks).into_par_iter().map(|c| one(c, par_gemm)).collect() } else { vec![one(0, true)] };
    // dW [gi, o, r] = sum of the partials' [gi, r, o]
    let out = std::slice::from_raw_parts_mut(dw.0, wlen);
    for gi in 0..g.groups {
        let base = gi * og * ck;
        for o in 0..og {
            for r in 0..ck {
                let at = base + r * og + o;
                out[base + o * ck + r] = partials[1..].iter().fold(partials[0][at], |s, p| s.add(p[at]));
            }
        }
    }
}
