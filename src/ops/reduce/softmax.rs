//! Fused softmax and log_softmax along a dim (one pass for the max, one for exp-sum and the
//! write; a vectorisable f32 exp; rows across threads), and their fused backward kernels
//! `_softmax_backward_data` / `_log_softmax_backward_data`, themselves differentiable.

use super::fold::GRAIN;
use super::real::Real;
use super::{elem, sum};
use crate::autograd::{needs_grad, record, SavedTensor};
use crate::cpu::copy::contiguous_as;
use crate::cpu::prefetch::NextRow;
use crate::cpu::threads::SendPtr;
use crate::error::Result;
use crate::ops::arith::{binary, BinOp};
use crate::tensor::layout::wrap_dim;
use crate::tensor::{DType, Tensor, TensorData};
use crate::with_float_dtype;
use crate::ops::unary::approx::{Fused, Madd, Split};
use num_traits::{Float, Zero};

/// exp for the compute types: f32 with [`exp_fast_m`](crate::ops::unary::approx::exp_fast_m)
/// (about 2 ulp), f64 with the library's. `fexp_nonpos` is the forward's exp of `x - max` for a
/// finite max and no NaN (callers check both first and redo other rows exactly): never
/// positive, so f32 takes [`exp_nonpos_m`](crate::ops::unary::approx::exp_nonpos_m) (one-step
/// reduction as PyTorch's softmax exp, the scale an integer add; the extra error only reaches
/// terms below e^-10, a few ulp of values that the row sum drowns).
/// (`M` computes the polynomial steps: fused in the FMA builds.)
pub trait FastExp: Float {
    fn fexp<M: Madd>(self) -> Self;
    fn fexp_nonpos<M: Madd>(self) -> Self;
}

impl FastExp for f32 {
    #[inline(always)]
    fn fexp<M: Madd>(self) -> f32 {
        crate::ops::unary::approx::exp_fast_m::<M>(self)
    }

    #[inline(always)]
    fn fexp_nonpos<M: Madd>(self) -> f32 {
        crate::ops::unary::approx::exp_nonpos_m::<M>(if self < -87.5 { -87.5 } else { self })
    }
}

impl FastExp for f64 {
    #[inline(always)]
    fn fexp<M: Madd>(self) -> f64 {
        self.exp()
    }

    #[inline(always)]
    fn fexp_nonpos<M: Madd>(self) -> f64 {
        self.exp()
    }
}

/// A contiguous `[outer, dim, inner]` view of the problem.
#[derive(Clone, Copy)]
struct Shape3 {
    outer: usize,
    n: usize,
    inner: usize,
}

fn shape3(shape: &[i64], d: usize) -> Shape3 {
    let p = |s: &[i64]| s.iter().product::<i64>() as usize;
    if shape.is_empty() {
        return Shape3 { outer: 1, n: 1, inner: 1 };
    }
    Shape3 { outer: p(&shape[..d]), n: shape[d] as usize, inner: p(&shape[d + 1..]) }
}

/// Runs `f(block index, block_out)` for each outer block of `[n * inner]` elements, in
/// parallel for large problems.
fn for_blocks<T: Send>(s: Shape3, out: &mut [T], f: impl Fn(std::ops::Range<usize>, &mut [T]) + Sync) {
    let bl = s.n * s.inner;
    if bl == 0 {
        return;
    }
    let run = |(i, o): (usize, &mut [T])| f(i * bl..(i + 1) * bl, o);
    if s.outer * bl < GRAIN || s.outer < 2 {
        out.chunks_mut(bl).enumerate().for_each(run);
    } else {
        let per = crate::cpu::threads::rows_per_run(s.outer, bl);
        crate::cpu::threads::for_chunks_mut(out, per * bl, |c, o| {
            o.chunks_mut(bl).enumerate().for_each(|(i, ob)| run((c * per + i, ob)))
        });
    }
}

/// Independent lanes of the row loops (two AVX-512 registers of f32, four AVX2 ones: two
/// dependency chains per accumulator step).
const W: usize = 32;

/// The maximum of a row's non-NaN values over `W` independent lanes, or None when it is not
/// finite (rows whose exponentials [`FastExp::fexp_nonpos`] cannot take). A NaN is not looked
/// for here: it makes the row's exp sum NaN, which the callers check.
#[inline(always)]
fn row_max<T: Real>(x: &[T]) -> Option<T::C> {
    let mut m = [T::C::neg_infinity(); W];
    let mut ch = x.chunks_exact(W);
    for xs in &mut ch {
        for j in 0..W {
            let v = xs[j].load();
            m[j] = if v > m[j] { v } else { m[j] };
        }
    }
    let mm = ch.remainder().iter().fold(T::C::neg_infinity(), |a, &v| {
        let v = v.load();
        if v > a { v } else { a }
    });
    let mm = m.iter().fold(mm, |a, &b| if b > a { b } else { a });
    mm.is_finite().then_some(mm)
}

/// The sum of exp(x - m) over a row (`W` lanes); with `o`, each exp is also stored there. The
/// last partial chunk runs through the same lanes, padded with -inf (whose terms are dropped).
#[inline(always)]
fn row_exp_sum<T: Real, M: Madd>(x: &[T], m: T::C, mut o: Option<&mut [T]>, ahead: Option<NextRow>) -> T::C
where
    T::C: FastExp,
{
    let mut acc = [T::C::zero(); W];
    let n = x.len() / W * W;
    match o.as_deref_mut() {
        Some(o) => {
            for (i, (xs, os)) in x.chunks_exact(W).zip(o.chunks_exact_mut(W)).enumerate() {
                if let Some(a) = ahead {
                    a.fetch::<T, W>(i);
                }
                for j in 0..W {
                    let e = (xs[j].load() - m).fexp_nonpos::<M>();
                    os[j] = T::store(e);
                    acc[j] = acc[j] + e;
                }
            }
        }
        None => {
            for (i, xs) in x.chunks_exact(W).enumerate() {
                if let Some(a) = ahead {
                    a.fetch::<T, W>(i);
                }
                for j in 0..W {
                    acc[j] = acc[j] + (xs[j].load() - m).fexp_nonpos::<M>();
                }
            }
        }
    }
    let rem = x.len() - n;
    if rem > 0 {
        let mut e = [T::C::neg_infinity(); W];
        for (d, v) in e.iter_mut().zip(&x[n..]) {
            *d = v.load();
        }
        for (j, ej) in e.iter_mut().enumerate() {
            let v = (*ej - m).fexp_nonpos::<M>();
            *ej = if j < rem { v } else { T::C::zero() };
            acc[j] = acc[j] + *ej;
        }
        if let Some(o) = o {
            for (oo, &v) in o[n..].iter_mut().zip(&e) {
                *oo = T::store(v);
            }
        }
    }
    let mut w = W;
    while w > 1 {
        w /= 2;
        for j in 0..w {
            acc[j] = acc[j] + acc[j + w];
        }
    }
    acc[0]
}

/// softmax (or log_softmax) of one block `[n, inner]`.
#[inline(always)]
fn softmax_block<T: Real, M: Madd>(x: &[T], o: &mut [T], n: usize, inner: usize, log: bool)
where
    T::C: FastExp,
{
    if inner == 1 {
        // with a finite maximum and no NaN, every term lies in [0, 1] and the sum in [1, n]
        if let Some(m) = row_max(x) {
            let next = NextRow::after(x, o);
            let s = row_exp_sum::<T, M>(x, m, if log { None } else { Some(&mut *o) }, Some(next));
            if !s.is_nan() {
                if log {
                    // (x - max) - ln(sum) as PyTorch: x - (max + ln(sum)) would round max +
                    // ln(sum) at max's scale (3e4 + ln 2 in f32 loses ln 2's last 9 bits)
                    let ls = s.ln();
                    for (oo, &v) in o.iter_mut().zip(x) {
                        *oo = T::store((v.load() - m) - ls);
                    }
                } else {
                    let inv = <T::C as num_traits::One>::one() / s;
                    for oo in o.iter_mut() {
                        *oo = T::store(oo.load() * inv);
                    }
                }
                return;
            }
        }
        // a NaN or an infinite maximum: the library exp gives PyTorch's NaNs and zeros
        let m = x.iter().fold(T::C::neg_infinity(), |a, &v| a.max(v.load()));
        let mut s = T::C::zero();
        for &v in x {
            s = s + (v.load() - m).exp();
        }
        for (oo, &v) in o.iter_mut().zip(x) {
            let d = v.load() - m;
            *oo = T::store(if log { d - s.ln() } else { d.exp() / s });
        }
        return;
    }
    // the softmax dim is strided
    softmax_columns::<T, M>(x, SendPtr(o.as_mut_ptr()), n, inner, (0, inner), log)
}

/// softmax (or log_softmax) of columns `j0..j1` of one block `[n, inner]` whose softmax dim is
/// strided (`x` the block, `o` its output): per-column maxima, sums and scales, each pass a
/// vectorisable loop along the row. Columns holding a NaN or an infinite maximum are then
/// redone with the library exp, for PyTorch's NaNs and zeros.
#[inline(always)]
fn softmax_columns<T: Real, M: Madd>(x: &[T], o: SendPtr<T>, n: usize, inner: usize, (j0, j1): (usize, usize), log: bool)
where
    T::C: FastExp,
{
    let w = j1 - j0;
    assert!(x.len() >= n * inner && j1 <= inner, "softmax: columns {j0}..{j1} of a [{n}, {inner}] block out of {} values", x.len());
    let row = |r: usize| &x[r * inner + j0..r * inner + j1];
    // SAFETY: the caller gives each task its own columns of an output of n * inner values
    let out_row = |r: usize| unsafe { std::slice::from_raw_parts_mut(o.get().add(r * inner + j0), w) };
    let mut m = vec![T::C::neg_infinity(); w];
    let mut nan = vec![false; w];
    for r in 0..n {
        for ((mj, nj), &v) in m.iter_mut().zip(nan.iter_mut()).zip(row(r)) {
            let v = v.load();
            *nj |= v.is_nan();
            *mj = if v > *mj { v } else { *mj };
        }
    }
    let mut s = vec![T::C::zero(); w];
    for r in 0..n {
        for ((sj, &mj), &v) in s.iter_mut().zip(&m).zip(row(r)) {
            *sj = *sj + (v.load() - mj).fexp_nonpos::<M>();
        }
    }
    // log_softmax subtracts max, then ln(sum); softmax multiplies by 1 / sum
    let c: Vec<T::C> = s.iter().map(|&sj| if log { sj.ln() } else { <T::C as num_traits::One>::one() / sj }).collect();
    for r in 0..n {
        for (((oj, &mj), &cj), &v) in out_row(r).iter_mut().zip(&m).zip(&c).zip(row(r)) {
            let v = v.load();
            *oj = T::store(if log { (v - mj) - cj } else { (v - mj).fexp_nonpos::<M>() * cj });
        }
    }
    for j in (0..w).filter(|&j| nan[j] || !m[j].is_finite()) {
        let at = |r: usize| r * inner + j0 + j;
        let mut sj = (0..n).fold(T::C::zero(), |acc, r| acc + (x[at(r)].load() - m[j]).exp());
        if nan[j] {
            sj = T::C::nan();
        }
        for r in 0..n {
            let d = x[at(r)].load() - m[j];
            // SAFETY: as out_row
            unsafe { *o.get().add(at(r)) = T::store(if log { d - sj.ln() } else { d.exp() / sj }) };
        }
    }
}

/// Runs a block kernel compiled for AVX-512 or AVX2+FMA when the CPU has them (the kernels are
/// `#[inline(always)]` generics, so each instantiation vectorises for the wider registers).
macro_rules! simd_dispatch {
    ($name:ident, $avx:ident, $avx512:ident, $kernel:ident, ($($a:ident: $t:ty),*)) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $avx<T: Real>($($a: $t),*) where T::C: FastExp {
            $kernel::<T, Fused>($($a),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
        unsafe fn $avx512<T: Real>($($a: $t),*) where T::C: FastExp {
            $kernel::<T, Fused>($($a),*)
        }

        fn $name<T: Real>($($a: $t),*) where T::C: FastExp {
            use crate::cpu::isa::{isa, Isa};
            match isa() {
                // SAFETY: the CPU was probed for these features
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => unsafe { $avx512::<T>($($a),*) },
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => unsafe { $avx::<T>($($a),*) },
                _ => $kernel::<T, Split>($($a),*),
            }
        }
    };
}

simd_dispatch!(forward_block, forward_block_avx2, forward_block_avx512, softmax_block, (x: &[T], o: &mut [T], n: usize, inner: usize, log: bool));
simd_dispatch!(forward_columns, forward_columns_avx2, forward_columns_avx512, softmax_columns, (x: &[T], o: SendPtr<T>, n: usize, inner: usize, cols: (usize, usize), log: bool));
simd_dispatch!(backward_dispatch, backward_block_avx2, backward_block_avx512, backward_block, (g: &[T], y: &[T], o: &mut [T], n: usize, inner: usize, log: bool));

/// logsumexp of a contiguous row: max + ln(Σ exp(x - max)) with the vector exp; None when the
/// maximum is not finite or the row holds a NaN (the caller's exact loop gives PyTorch's
/// -inf, +inf or NaN) or is short.
pub fn logsumexp_row<T: Real>(x: &[T]) -> Option<f64>
where
    T::C: FastExp,
{
    if x.len() < W {
        return None;
    }
    let mut r = [f64::NAN];
    lse_dispatch::<T>(x, &mut r);
    r[0].is_finite().then_some(r[0])
}

#[inline(always)]
fn lse_kernel<T: Real, M: Madd>(x: &[T], r: &mut [f64])
where
    T::C: FastExp,
{
    r[0] = match row_max(x) {
        Some(m) => T::c_to_f64(m) + T::c_to_f64(row_exp_sum::<T, M>(x, m, None, None)).ln(),
        None => f64::NAN,
    };
}

simd_dispatch!(lse_dispatch, lse_kernel_avx2, lse_kernel_avx512, lse_kernel, (x: &[T], r: &mut [f64]));

/// The fused forward on a tensor already of the compute dtype.
fn softmax_values(x: &TensorData, d: usize, log: bool) -> Result<TensorData> {
    let c = contiguous_as(x, x.dtype)?;
    let out = TensorData::empty(&c.layout.shape, c.dtype, c.device())?;
    let s = shape3(&c.layout.shape, d);
    with_float_dtype!(c.dtype, T, {
        let (src, dst) = unsafe { (c.as_slice::<T>(), out.as_mut_slice::<T>()) };
        let bl = s.n * s.inner;
        if s.inner > 1 && s.outer * bl >= GRAIN && crate::cpu::threads::num_threads() > 1 {
            // a strided softmax dim: tasks of columns, each about 256K values (three passes in
            // L2), whose rows are long enough (1 KB for 1000 rows) for the prefetcher to follow
            let cw = ((1usize << 18) / s.n.max(1)).next_multiple_of(16).min(s.inner);
            let nc = s.inner.div_ceil(cw);
            let o = SendPtr(dst.as_mut_ptr());
            crate::cpu::threads::parallel_for(s.outer * nc, |t| {
                let (b, j0) = (t / nc, t % nc * cw);
                // SAFETY: block b of the output starts b * bl values in
                let ob = SendPtr(unsafe { o.get().add(b * bl) });
                forward_columns(&src[b * bl..(b + 1) * bl], ob, s.n, s.inner, (j0, (j0 + cw).min(s.inner)), log)
            });
        } else {
            for_blocks(s, dst, |r, o| forward_block(&src[r], o, s.n, s.inner, log));
        }
    }, { crate::bail!("torchrs: this op does not support {} tensors yet", c.dtype.name()) });
    Ok(out)
}

/// Checks the input dtype like PyTorch's kernels (integers need an explicit dtype).
fn check_input(t: &Tensor, d: usize, log: bool) -> Result<()> {
    if !t.dtype().is_float() {
        let last = t.dim() == 0 || d + 1 == t.dim();
        let k = match (log, last) {
            (false, true) => "softmax_lastdim_kernel_impl",
            (false, false) => "softmax_kernel_impl",
            (true, true) => "log_softmax_lastdim_kernel_impl",
            (true, false) => "log_softmax_kernel_impl",
        };
        crate::bail!("\"{k}\" not implemented for '{}'", t.dtype().name());
    }
    Ok(())
}

/// `_softmax` / `_log_softmax` (with `half_to_float`) and the public softmax/log_softmax with
/// an optional dtype the input is converted to first.
pub fn softmax(t: &Tensor, dim: i64, dtype: Option<DType>, log: bool) -> Result<Tensor> {
    let x = match dtype {
        Some(dt) => elem::cast(t, dt)?,
        None => t.clone(),
    };
    softmax_impl(&x, dim, false, log)
}

pub fn softmax_impl(t: &Tensor, dim: i64, half_to_float: bool, log: bool) -> Result<Tensor> {
    let d = wrap_dim(dim, t.dim())?;
    check_input(t, d, log)?;
    let x = if half_to_float {
        crate::ensure!(
            matches!(t.dtype(), DType::F16 | DType::BF16),
            "conversion is supported for Half type only"
        );
        elem::cast(t, DType::F32)?
    } else {
        t.clone()
    };
    let out = Tensor::from_data(softmax_values(&x.data(), d, log)?);
    if needs_grad(&[&x]) {
        let so = SavedTensor::output(&out, 0);
        let dtype = x.dtype();
        record(if log { "LogSoftmaxBackward0" } else { "SoftmaxBackward0" }, &[&x], &[&out], move |node, g| {
            let Some(g) = &g[0] else { return Ok(vec![None]) };
            Ok(vec![Some(softmax_backward(g, &so.get(node)?, dim, dtype, log)?)])
        });
    }
    Ok(out)
}

/// One block of the fused backward: softmax `gi = y * (g - sum(g * y))`, log_softmax
/// `gi = g - exp(y) * sum(g)`.
#[inline(always)]
fn backward_block<T: Real, M: Madd>(g: &[T], y: &[T], o: &mut [T], n: usize, inner: usize, log: bool)
where
    T::C: FastExp,
{
    // softmax: y * (g - sum(g * y)); log_softmax: g - exp(y) * sum(g)
    let term = |gv: T::C, yv: T::C| if log { gv } else { gv * yv };
    let grad = |gv: T::C, yv: T::C, s: T::C| {
        if log {
            gv - (if yv.is_nan() { yv } else { yv.fexp::<M>() }) * s
        } else {
            yv * (gv - s)
        }
    };
    if inner == 1 {
        // one row: the sum in `W` independent lanes, then one elementwise pass
        let mut acc = [T::C::zero(); W];
        let (gc, yc) = (g[..n].chunks_exact(W), y[..n].chunks_exact(W));
        let tail = gc.remainder().iter().zip(yc.remainder()).fold(T::C::zero(), |a, (&gv, &yv)| a + term(gv.load(), yv.load()));
        let next = NextRow::after2(&g[..n], &y[..n], &o[..n]);
        for (i, (gs, ys)) in gc.zip(yc).enumerate() {
            next.fetch::<T, W>(i);
            for j in 0..W {
                acc[j] = acc[j] + term(gs[j].load(), ys[j].load());
            }
        }
        let mut w = W;
        while w > 1 {
            w /= 2;
            for j in 0..w {
                acc[j] = acc[j] + acc[j + w];
            }
        }
        let s = acc[0] + tail;
        for ((oo, &gv), &yv) in o[..n].iter_mut().zip(g).zip(y) {
            *oo = T::store(grad(gv.load(), yv.load(), s));
        }
        return;
    }
    let mut s = vec![T::C::zero(); inner];
    for r in 0..n {
        let (gr, yr) = (&g[r * inner..(r + 1) * inner], &y[r * inner..(r + 1) * inner]);
        for ((sj, &gv), &yv) in s.iter_mut().zip(gr).zip(yr) {
            *sj = *sj + term(gv.load(), yv.load());
        }
    }
    for r in 0..n {
        let (gr, yr) = (&g[r * inner..(r + 1) * inner], &y[r * inner..(r + 1) * inner]);
        for (((oj, &sj), &gv), &yv) in o[r * inner..(r + 1) * inner].iter_mut().zip(&s).zip(gr).zip(yr) {
            *oj = T::store(grad(gv.load(), yv.load(), sj));
        }
    }
}

/// `_softmax_backward_data` / `_log_softmax_backward_data`: the input gradient from the output
/// gradient `g` and the forward output `y`, recorded for double backward.
pub fn softmax_backward(g: &Tensor, y: &Tensor, dim: i64, input_dtype: DType, log: bool) -> Result<Tensor> {
    crate::ensure!(g.shape() == y.shape(), "grad_output and output must have the same shape, got {:?} and {:?}", &g.shape()[..], &y.shape()[..]);
    let d = wrap_dim(dim, y.dim())?;
    let dt = y.dtype();
    crate::ensure!(dt.is_float(), "softmax backward: expected a floating point output, got {}", dt.name());
    let (gc, yc) = (contiguous_as(&g.data(), dt)?, contiguous_as(&y.data(), dt)?);
    let out = Tensor::empty(&y.shape(), dt, y.device())?;
    let s = shape3(&y.shape(), d);
    with_float_dtype!(dt, T, {
        let od = out.data();
        let (gs, ys, dst) = unsafe { (gc.as_slice::<T>(), yc.as_slice::<T>(), od.as_mut_slice::<T>()) };
        for_blocks(s, dst, |r, o| backward_dispatch(&gs[r.clone()], &ys[r], o, s.n, s.inner, log));
    }, { crate::bail!("torchrs: this op does not support {} tensors yet", dt.name()) });
    let out = if input_dtype != dt && input_dtype.is_float() { elem::cast(&out, input_dtype)? } else { out };
    if needs_grad(&[g, y]) {
        let (sg, sy) = (SavedTensor::input(g), SavedTensor::input(y));
        let name = if log { "LogSoftmaxBackwardDataBackward0" } else { "SoftmaxBackwardDataBackward0" };
        record(name, &[g, y], &[&out], move |node, gg| {
            let Some(gg) = &gg[0] else { return Ok(vec![None, None]) };
            let (go, y) = (sg.get(node)?, sy.get(node)?);
            let gg = elem::cast(gg, y.dtype())?;
            let keep = |t: &Tensor| sum(t, Some(&[dim]), true, None);
            if log {
                // d/dgo: gg - sum(gg * exp(y)); d/dy: -sum(go) * exp(y) * gg
                let ey = elem::exp(&y)?;
                let d_go = binary(BinOp::Sub, &gg, &keep(&binary(BinOp::Mul, &gg, &ey)?)?)?;
                let d_y = crate::ops::arith::neg(&binary(BinOp::Mul, &binary(BinOp::Mul, &keep(&go)?, &ey)?, &gg)?)?;
                Ok(vec![Some(d_go), Some(d_y)])
            } else {
                let d_go = softmax_backward(&gg, &y, dim, y.dtype(), false)?;
                // go * gg - sum(y * go) * gg - go * sum(y * gg)
                let a = binary(BinOp::Mul, &go, &gg)?;
                let b = binary(BinOp::Mul, &keep(&binary(BinOp::Mul, &y, &go)?)?, &gg)?;
                let c = binary(BinOp::Mul, &go, &keep(&binary(BinOp::Mul, &y, &gg)?)?)?;
                Ok(vec![Some(d_go), Some(binary(BinOp::Sub, &binary(BinOp::Sub, &a, &b)?, &c)?)])
            }
        });
    }
    Ok(out)
}
