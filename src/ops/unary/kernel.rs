//! The engine of this family's kernels: slice kernels run over dense inputs in memory order (on
//! our thread pool above a grain size), over gathered runs of strided inputs, with AVX2/AVX-512
//! builds of the f32 loops picked at run time and f16/bf16 computed in f32 chunks.

use super::approx::{Fused, Inline2, Madd, MaddFn, Plain, Split};
use crate::cpu::copy::contiguous_as;
use crate::cpu::isa::{isa, Isa};
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::tensor::layout::{broadcast_shapes, Layout};
use crate::tensor::{DType, Element, Storage, TensorData};
use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};
use std::sync::Arc;

/// Element count from which a kernel is split across threads.
pub use crate::cpu::threads::GRAIN;
/// Elements per gathered run or f16/bf16 conversion buffer.
const CHUNK: usize = 256;

/// True when the view covers a block of consecutive elements exactly once (a permutation of a
/// contiguous layout), so it can be processed as one slice in memory order.
pub fn is_dense(l: &Layout) -> bool {
    if l.is_contiguous() {
        return true;
    }
    let mut dims: smallvec::SmallVec<[(i64, i64); 6]> =
        l.shape.iter().zip(&l.strides).filter(|(&n, _)| n != 1).map(|(&n, &s)| (s, n)).collect();
    dims.sort_unstable();
    let mut expected = 1i64;
    for (s, n) in dims {
        if s != expected {
            return false;
        }
        expected *= n;
    }
    true
}

/// A new tensor laid out like the dense view `l` (same strides), of dtype `dtype`.
fn empty_dense_like(l: &Layout, dtype: DType, like: &TensorData) -> Result<TensorData> {
    if l.is_contiguous() {
        // `l` views a valid tensor: its size needs no overflow check
        like.device().check_available()?;
        let storage = Arc::new(Storage::uninit(l.numel() * dtype.size())?);
        return Ok(TensorData { storage, layout: Layout::contiguous(&l.shape), dtype });
    }
    let storage = Arc::new(Storage::uninit(l.numel() * dtype.size())?);
    let strides = l.strides.iter().zip(&l.shape).map(|(&s, &n)| if n == 1 { 1 } else { s }).collect();
    Ok(TensorData { storage, layout: Layout { shape: l.shape.clone(), strides, offset: 0 }, dtype })
}

/// The elements of a dense view in memory order.
///
/// # Safety
/// `d` must be dense and of element type `T`.
unsafe fn dense_slice<'a, T: Element>(d: &TensorData) -> &'a [T] {
    std::slice::from_raw_parts(d.base_ptr() as *const T, d.numel())
}

/// # Safety
/// As [`dense_slice`], for a tensor nobody else is using.
unsafe fn dense_slice_mut<'a, T: Element>(d: &TensorData) -> &'a mut [T] {
    std::slice::from_raw_parts_mut(d.base_ptr() as *mut T, d.numel())
}

// a length-n job's chunk size across threads, or None to run it inline
use crate::cpu::threads::chunk_len as split;

fn run1<S: Element, D: Element>(src: &[S], dst: &mut [D], k: &(impl Fn(&[S], &mut [D]) + Sync)) {
    match split(dst.len()) {
        None => k(src, dst),
        Some(c) => crate::cpu::threads::for_chunks_mut(dst, c, |i, d| k(&src[i * c..i * c + d.len()], d)),
    }
}

fn run2<S: Element, D: Element>(a: &[S], b: &[S], dst: &mut [D], k: &(impl Fn(&[S], &[S], &mut [D]) + Sync)) {
    match split(dst.len()) {
        None => k(a, b, dst),
        Some(c) => crate::cpu::threads::for_chunks_mut(dst, c, |i, d| {
            let r = i * c..i * c + d.len();
            k(&a[r.clone()], &b[r], d)
        }),
    }
}

/// `out = k(a)` for a slice kernel `k` (which sees matching runs of input and output). The
/// output keeps the input's memory order when the input is dense (as PyTorch's does), else it
/// is contiguous.
pub fn map<S: Element, D: Element>(a: &TensorData, k: impl Fn(&[S], &mut [D]) + Sync) -> Result<TensorData> {
    debug_assert_eq!(a.dtype, S::DTYPE);
    if is_dense(&a.layout) {
        let out = empty_dense_like(&a.layout, D::DTYPE, a)?;
        unsafe { run1(dense_slice::<S>(a), dense_slice_mut::<D>(&out), &k) };
        return Ok(out);
    }
    if a.numel() >= GRAIN {
        return map(&contiguous_as(a, S::DTYPE)?, k);
    }
    let out = TensorData::empty(&a.layout.shape, D::DTYPE, a.device())?;
    let (pa, po) = (a.base_ptr() as *const S, out.base_ptr() as *mut D);
    let mut buf = [S::zero(); CHUNK];
    for_each_run(&a.layout.shape, [&out.layout.strides, &a.layout.strides], [0, 0], |o, n, s| unsafe {
        debug_assert!(s[0] == 1 || n == 1, "a contiguous output's inner run has stride 1");
        let dst = std::slice::from_raw_parts_mut(po.offset(o[0]), n);
        if s[1] == 1 {
            return k(std::slice::from_raw_parts(pa.offset(o[1]), n), dst);
        }
        for start in (0..n).step_by(CHUNK) {
            let m = CHUNK.min(n - start);
            for (i, b) in buf[..m].iter_mut().enumerate() {
                *b = *pa.offset(o[1] + (start + i) as isize * s[1]);
            }
            k(&buf[..m], &mut dst[start..start + m]);
        }
    });
    Ok(out)
}

/// `out = k(a, b)` with broadcasting; both operands of type `S`. Same-shaped dense operands
/// with equal strides run in place; anything else is first made contiguous in the broadcast shape.
pub fn map2<S: Element, D: Element>(
    a: &TensorData,
    b: &TensorData,
    k: impl Fn(&[S], &[S], &mut [D]) + Sync,
) -> Result<TensorData> {
    debug_assert!(a.dtype == S::DTYPE && b.dtype == S::DTYPE);
    let same = a.layout.shape == b.layout.shape;
    if same && (a.layout.strides == b.layout.strides || a.numel() <= 1) && is_dense(&a.layout) {
        let out = empty_dense_like(&a.layout, D::DTYPE, a)?;
        unsafe { run2(dense_slice::<S>(a), dense_slice::<S>(b), dense_slice_mut::<D>(&out), &k) };
        return Ok(out);
    }
    let shape = broadcast_shapes(&a.layout.shape, &b.layout.shape)?;
    if let Some(out) = map2_rows(a, b, &shape, &k)? {
        return Ok(out);
    }
    let flat = |d: &TensorData| -> Result<TensorData> {
        if d.layout.shape == shape && d.layout.is_contiguous() {
            return Ok(d.clone());
        }
        let view = TensorData { layout: d.layout.expand(&shape)?, ..d.clone() };
        crate::cpu::copy::to_contiguous_dtype(&view, S::DTYPE)
    };
    let (a, b) = (flat(a)?, flat(b)?);
    let out = TensorData::empty(&shape, D::DTYPE, a.device())?;
    unsafe { run2(a.as_slice::<S>(), b.as_slice::<S>(), out.as_mut_slice::<D>(), &k) };
    Ok(out)
}

/// Shortest output row [`map2_rows`] takes; shorter rows go through a broadcast copy.
const MIN_ROW: i64 = 16;

/// [`map2`] on broadcast operands without copying them: the output is walked by rows (its
/// coalesced innermost dim), and in each row an operand is a slice (stride 1) or one value
/// repeated (stride 0, handed to `k` as a buffer filled once per row), e.g. `x + b` with `b` of
/// shape `[C, 1, 1]`, or `x - mean` with `mean` of shape `[N, 1]`. Rows are split across threads.
/// None when rows are shorter than [`MIN_ROW`] or an operand's inner stride is another.
fn map2_rows<S: Element, D: Element>(
    a: &TensorData,
    b: &TensorData,
    shape: &[i64],
    k: &(impl Fn(&[S], &[S], &mut [D]) + Sync),
) -> Result<Option<TensorData>> {
    let (la, lb) = (a.layout.expand(shape)?, b.layout.expand(shape)?);
    let lo = Layout::contiguous(shape);
    let (sizes, strides) = crate::cpu::iter::coalesced(shape, [&lo.strides, &la.strides, &lb.strides]);
    let (Some(&n), Some(&[_, sa, sb])) = (sizes.last(), strides.last()) else { return Ok(None) };
    if n < MIN_ROW || !(0..=1).contains(&sa) || !(0..=1).contains(&sb) {
        return Ok(None);
    }
    let out = TensorData::empty(shape, D::DTYPE, a.device())?;
    let (n, outer) = (n as usize, &sizes[..sizes.len() - 1]);
    let rows = out.numel() / n;
    use crate::cpu::threads::SendPtr;
    // the operands are only read through theirs
    let (pa, pb, po) = (SendPtr(a.base_ptr() as *mut S), SendPtr(b.base_ptr() as *mut S), SendPtr(out.base_ptr() as *mut D));
    let per = crate::cpu::threads::rows_per_run(rows, n);
    crate::cpu::threads::parallel_for(rows.div_ceil(per), |t| {
        let (first, last) = (t * per, ((t + 1) * per).min(rows));
        // the outer index of row `first`, and the operands' offsets there
        let mut idx: smallvec::SmallVec<[i64; 6]> = smallvec::SmallVec::from_elem(0, outer.len());
        let (mut oa, mut ob, mut r) = (0isize, 0isize, first as i64);
        for d in (0..outer.len()).rev() {
            idx[d] = r % outer[d];
            r /= outer[d];
            oa += (idx[d] * strides[d][1]) as isize;
            ob += (idx[d] * strides[d][2]) as isize;
        }
        let (mut bufa, mut bufb) = ([S::zero(); CHUNK], [S::zero(); CHUNK]);
        for row in first..last {
            // SAFETY: the offsets stay inside the operands' views; rows of `out` are disjoint
            unsafe {
                let dst = std::slice::from_raw_parts_mut(po.get().add(row * n), n);
                let (ra, rb) = (pa.get().offset(oa) as *const S, pb.get().offset(ob) as *const S);
                if sa == 1 && sb == 1 {
                    k(std::slice::from_raw_parts(ra, n), std::slice::from_raw_parts(rb, n), dst);
                } else {
                    if sa == 0 {
                        bufa[..n.min(CHUNK)].fill(*ra);
                    }
                    if sb == 0 {
                        bufb[..n.min(CHUNK)].fill(*rb);
                    }
                    for start in (0..n).step_by(CHUNK) {
                        let m = CHUNK.min(n - start);
                        let xa = if sa == 1 { std::slice::from_raw_parts(ra.add(start), m) } else { &bufa[..m] };
                        let xb = if sb == 1 { std::slice::from_raw_parts(rb.add(start), m) } else { &bufb[..m] };
                        k(xa, xb, &mut dst[start..start + m]);
                    }
                }
            }
            // advance the outer index
            for d in (0..outer.len()).rev() {
                idx[d] += 1;
                oa += strides[d][1] as isize;
                ob += strides[d][2] as isize;
                if idx[d] < outer[d] {
                    break;
                }
                oa -= (strides[d][1] * outer[d]) as isize;
                ob -= (strides[d][2] * outer[d]) as isize;
                idx[d] = 0;
            }
        }
    });
    Ok(Some(out))
}

// ---- slice loops

#[inline(always)]
fn each_impl<S: Copy, D, F: Fn(S) -> D>(src: &[S], dst: &mut [D], f: &F) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = f(s);
    }
}

/// [`each_impl`] over blocks of `B` elements, so that the wide builds interleave `B / lanes`
/// independent vectors per iteration (the polynomial chains of exp and tanh are long).
#[inline(always)]
fn each_blocked<const B: usize, S: Copy, D, F: Fn(S) -> D>(src: &[S], dst: &mut [D], f: &F) {
    let n = src.len().min(dst.len()) / B * B;
    for (d, s) in dst[..n].chunks_exact_mut(B).zip(src[..n].chunks_exact(B)) {
        for j in 0..B {
            d[j] = f(s[j]);
        }
    }
    each_impl(&src[n..], &mut dst[n..], f)
}

#[inline(always)]
fn each2_impl<S: Copy, D, F: Fn(S, S) -> D>(a: &[S], b: &[S], dst: &mut [D], f: &F) {
    for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
        *d = f(x, y);
    }
}

/// `dst[i] = f(src[i])`, compiled for the baseline target (the compiler vectorizes what it can).
#[inline]
pub fn each<S: Copy, D>(src: &[S], dst: &mut [D], f: impl Fn(S) -> D) {
    each_impl(src, dst, &f)
}

#[cfg(target_arch = "x86_64")]
mod wide {
    //! The f32 loops built for AVX2 and AVX-512 (`f` is inlined into each build).
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn each_avx2<F: Fn(f32) -> f32>(s: &[f32], d: &mut [f32], f: &F) {
        super::each_blocked::<16, _, _, _>(s, d, f)
    }
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
    pub unsafe fn each_avx512<F: Fn(f32) -> f32>(s: &[f32], d: &mut [f32], f: &F) {
        super::each_impl(s, d, f)
    }
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
    pub unsafe fn via_recip_avx512<K: super::MaddFn>(s: &[f32], d: &mut [f32], k: K) {
        super::each_via_recip(s, d, k, recip_avx512)
    }
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn via_recip_avx2<K: super::MaddFn>(s: &[f32], d: &mut [f32], k: K) {
        super::each_via_recip(s, d, k, recip_avx2)
    }
    /// Each value replaced by its reciprocal: `rcp14` (relative error below 2^-14) and a Newton
    /// step `r + r (1 - v r)`; where that step gives NaN (v = 0, inf or NaN) the estimate
    /// stands (inf, 0, NaN).
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
    unsafe fn recip_avx512(d: &mut [f32]) {
        use std::arch::x86_64::*;
        let one = _mm512_set1_ps(1.0);
        let mut ch = d.chunks_exact_mut(16);
        for c in &mut ch {
            let v = _mm512_loadu_ps(c.as_ptr());
            let r = _mm512_rcp14_ps(v);
            let e = _mm512_fnmadd_ps(v, r, one);
            let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(e, e);
            _mm512_storeu_ps(c.as_mut_ptr(), _mm512_mask_blend_ps(nan, _mm512_fmadd_ps(r, e, r), r));
        }
        ch.into_remainder().iter_mut().for_each(|x| *x = 1.0 / *x);
    }
    /// [`recip_avx512`] with AVX2's `rcpps` (relative error below 1.5 * 2^-12) and two Newton
    /// steps (one leaves about 3 ulp, which gelu's tail `1 + erf` would magnify). `rcpps`
    /// flushes reciprocals below f32's normal range to 0 (silu(-87.4) is -1e-36, not -0): a
    /// vector holding a value of magnitude 2^125 or more (inf too) is divided instead.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn recip_avx2(d: &mut [f32]) {
        use std::arch::x86_64::*;
        let one = _mm256_set1_ps(1.0);
        let (abs, huge) = (_mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff)), _mm256_set1_ps(2f32.powi(125)));
        let mut ch = d.chunks_exact_mut(8);
        for c in &mut ch {
            let v = _mm256_loadu_ps(c.as_ptr());
            if _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(_mm256_and_ps(v, abs), huge)) != 0 {
                _mm256_storeu_ps(c.as_mut_ptr(), _mm256_div_ps(one, v));
                continue;
            }
            let r = _mm256_rcp_ps(v);
            let e = _mm256_fnmadd_ps(v, r, one);
            let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(e, e);
            let r1 = _mm256_fmadd_ps(r, e, r);
            let r2 = _mm256_fmadd_ps(r1, _mm256_fnmadd_ps(v, r1, one), r1);
            _mm256_storeu_ps(c.as_mut_ptr(), _mm256_blendv_ps(r2, r, nan));
        }
        ch.into_remainder().iter_mut().for_each(|x| *x = 1.0 / *x);
    }
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
    pub unsafe fn within_avx512<K: super::MaddFn>(s: &[f32], d: &mut [f32], k: K) {
        super::each_within::<K, super::Fused>(s, d, k, |s, d| {
            if K::RECIP {
                super::each_via_recip(s, d, k, recip_avx512)
            } else {
                super::each_impl(s, d, &|x| k.at::<super::Fused>(x))
            }
        })
    }
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn within_avx2<K: super::MaddFn>(s: &[f32], d: &mut [f32], k: K) {
        super::each_within::<K, super::Fused>(s, d, k, |s, d| {
            if K::RECIP {
                super::each_via_recip(s, d, k, recip_avx2)
            } else {
                super::each_blocked::<16, _, _, _>(s, d, &|x| k.at::<super::Fused>(x))
            }
        })
    }
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn each2_avx2<K: super::Inline2>(a: &[f32], b: &[f32], d: &mut [f32], k: K) {
        super::each2_k::<super::Fused>(a, b, d, k)
    }
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
    pub unsafe fn each2_avx512<K: super::Inline2>(a: &[f32], b: &[f32], d: &mut [f32], k: K) {
        super::each2_k::<super::Fused>(a, b, d, k)
    }
}

/// `dst[i] = k(src[i])` on f32, in the widest vector build this CPU runs, a [`MaddFn`]'s
/// polynomial steps fused there (FMA) and split on the baseline build (a plain function goes in
/// as [`Plain`]).
#[inline]
pub fn each_f32_m<K: MaddFn>(src: &[f32], dst: &mut [f32], k: K) {
    #[cfg(target_arch = "x86_64")]
    if let Some(f) = k.slice_loop(isa()) {
        // SAFETY: the loop is the one for this CPU's instruction set
        return unsafe { f(src, dst) };
    }
    #[cfg(target_arch = "x86_64")]
    match isa() {
        // SAFETY: the CPU was probed for these features (FMA among them).
        Isa::Avx512 if K::RECIP => return unsafe { wide::via_recip_avx512(src, dst, k) },
        Isa::Avx2 if K::RECIP => return unsafe { wide::via_recip_avx2(src, dst, k) },
        Isa::Avx512 => return unsafe { wide::each_avx512(src, dst, &|x| k.at::<Fused>(x)) },
        Isa::Avx2 => return unsafe { wide::each_avx2(src, dst, &|x| k.at::<Fused>(x)) },
        Isa::Base => {}
    }
    each_impl(src, dst, &|x| k.at::<Split>(x))
}

/// `dst[i] = k.post(src[i], 1 / k.den(src[i]))` in blocks that stay in L1: the denominators
/// are written to `dst`, `recip` turns the block into their reciprocals, `post` finishes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn each_via_recip<K: MaddFn>(src: &[f32], dst: &mut [f32], k: K, recip: unsafe fn(&mut [f32])) {
    let mut carried = [0f32; 256];
    for (s, d) in src.chunks(256).zip(dst.chunks_mut(256)) {
        for ((o, c), &x) in d.iter_mut().zip(carried.iter_mut()).zip(s) {
            (*o, *c) = k.den::<Fused>(x);
        }
        recip(d);
        for ((o, &c), &x) in d.iter_mut().zip(&carried).zip(s) {
            *o = k.post::<Fused>(x, c, *o);
        }
    }
}

/// `dst[i] = f(a[i], b[i])` on f32, in the widest vector build this CPU runs.
#[inline]
pub fn each2_f32(a: &[f32], b: &[f32], dst: &mut [f32], k: impl Inline2) {
    #[cfg(target_arch = "x86_64")]
    match isa() {
        // SAFETY: the CPU was probed for these features.
        Isa::Avx512 => return unsafe { wide::each2_avx512(a, b, dst, k) },
        Isa::Avx2 => return unsafe { wide::each2_avx2(a, b, dst, k) },
        Isa::Base => {}
    }
    each2_k::<Split>(a, b, dst, k)
}

/// `dst[i] = k.at(a[i], b[i])` (the f32 loop each build inlines `k` into).
#[inline(always)]
fn each2_k<M: Madd>(a: &[f32], b: &[f32], dst: &mut [f32], k: impl Inline2) {
    for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
        *d = k.at::<M>(x, y);
    }
}

/// `dst[i] = f(a[i], b[i])` for any element types (baseline build).
#[inline]
pub fn each2<S: Copy, D>(a: &[S], b: &[S], dst: &mut [D], f: impl Fn(S, S) -> D) {
    each2_impl(a, b, dst, &f)
}

/// Runs the f32 slice kernel `k` over an f16 or bf16 slice, converting in chunks.
#[inline]
pub fn via_f32<H: Element>(src: &[H], dst: &mut [H], k: impl Fn(&[f32], &mut [f32]))
where
    [H]: HalfFloatSliceExt,
{
    let (mut x, mut y) = ([0f32; CHUNK], [0f32; CHUNK]);
    for (s, d) in src.chunks(CHUNK).zip(dst.chunks_mut(CHUNK)) {
        let m = s.len();
        s.convert_to_f32_slice(&mut x[..m]);
        k(&x[..m], &mut y[..m]);
        d.convert_from_f32_slice(&y[..m]);
    }
}

/// Runs the two-input f32 slice kernel `k` over half-precision slices.
#[inline]
pub fn via_f32_2<H: Element>(a: &[H], b: &[H], dst: &mut [H], k: impl Fn(&[f32], &[f32], &mut [f32]))
where
    [H]: HalfFloatSliceExt,
{
    let (mut x, mut y, mut z) = ([0f32; CHUNK], [0f32; CHUNK], [0f32; CHUNK]);
    for ((sa, sb), d) in a.chunks(CHUNK).zip(b.chunks(CHUNK)).zip(dst.chunks_mut(CHUNK)) {
        let m = sa.len();
        sa.convert_to_f32_slice(&mut x[..m]);
        sb.convert_to_f32_slice(&mut y[..m]);
        k(&x[..m], &y[..m], &mut z[..m]);
        d.convert_from_f32_slice(&z[..m]);
    }
}

// ---- typed front ends

/// A floating op given as an f32 function `f` (also used for f16/bf16) and an f64 function
/// `g`: the result keeps a float input's dtype; integer and bool inputs give f32.
pub fn float_map(
    a: &TensorData,
    f: impl Fn(f32) -> f32 + Sync + Copy,
    g: impl Fn(f64) -> f64 + Sync + Copy,
) -> Result<TensorData> {
    float_map_m(a, Plain(f), g)
}

/// [`float_map`] for an f32 function whose polynomial steps each build computes its own way.
pub fn float_map_m(a: &TensorData, k: impl MaddFn, g: impl Fn(f64) -> f64 + Sync + Copy) -> Result<TensorData> {
    match a.dtype {
        DType::F32 => map::<f32, f32>(a, |s, d| each_f32_within(s, d, k)),
        DType::F64 => map::<f64, f64>(a, |s, d| each(s, d, g)),
        DType::F16 => map::<f16, f16>(a, |s, d| via_f32(s, d, |x, y| each_f32_within(x, y, k))),
        DType::BF16 => map::<bf16, bf16>(a, |s, d| via_f32(s, d, |x, y| each_f32_within(x, y, k))),
        // float8: computed in f32 and rounded back, as c10's float8 arithmetic does
        d if d.is_float8() => contiguous_as(&float_map_m(&contiguous_as(a, DType::F32)?, k, g)?, d),
        _ => float_map_m(&contiguous_as(a, DType::F32)?, k, g),
    }
}

/// [`each_f32_m`] for an approximation valid up to |x| = `K::LIMIT`: blocks holding a larger
/// |x| (or inf) take [`MaddFn::exact`] instead. The check is compiled into each vector build
/// with the kernel (in the baseline build it cost as much as exp itself).
#[inline]
fn each_f32_within<K: MaddFn>(s: &[f32], d: &mut [f32], k: K) {
    if K::LIMIT == f32::INFINITY {
        return each_f32_m(s, d, k);
    }
    #[cfg(target_arch = "x86_64")]
    match isa() {
        // SAFETY: the CPU was probed for these features (FMA among them).
        Isa::Avx512 => return unsafe { wide::within_avx512(s, d, k) },
        Isa::Avx2 => return unsafe { wide::within_avx2(s, d, k) },
        Isa::Base => {}
    }
    each_within::<K, Split>(s, d, k, |s, d| each_impl(s, d, &|x| k.at::<Split>(x)))
}

/// Runs `body` on each block of `CHUNK` values whose magnitudes stay within `K::LIMIT`, and
/// [`MaddFn::exact`] on the others.
#[inline(always)]
fn each_within<K: MaddFn, M: Madd>(s: &[f32], d: &mut [f32], k: K, body: impl Fn(&[f32], &mut [f32])) {
    for (s, d) in s.chunks(CHUNK).zip(d.chunks_mut(CHUNK)) {
        // a count (not `all`) so that the check vectorises; NaN counts as in range
        if s.iter().map(|&x| (x.abs() > K::LIMIT) as u32).sum::<u32>() == 0 {
            body(s, d);
        } else {
            each_impl(s, d, &|x| k.exact::<M>(x));
        }
    }
}

/// A two-input floating op (`f` on f32, f16 and bf16, `g` on f64) on operands already of the
/// same floating dtype.
pub fn float_map2(
    a: &TensorData,
    b: &TensorData,
    f: impl Inline2,
    g: impl Fn(f64, f64) -> f64 + Sync + Copy,
) -> Result<TensorData> {
    match a.dtype {
        DType::F32 => map2::<f32, f32>(a, b, |x, y, d| each2_f32(x, y, d, f)),
        DType::F64 => map2::<f64, f64>(a, b, |x, y, d| each2(x, y, d, g)),
        DType::F16 => map2::<f16, f16>(a, b, |x, y, d| via_f32_2(x, y, d, |p, q, r| each2_f32(p, q, r, f))),
        DType::BF16 => map2::<bf16, bf16>(a, b, |x, y, d| via_f32_2(x, y, d, |p, q, r| each2_f32(p, q, r, f))),
        other => crate::bail!("torchrs: float_map2 called on {}", other.name()),
    }
}

/// PyTorch's error for a kernel without an implementation for a dtype.
pub fn not_for(kernel: &str, dtype: DType) -> crate::error::Error {
    crate::error::Error(format!("\"{kernel}\" not implemented for '{}'", dtype.name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::unary::approx::{GeluErf, Sigmoid, Tanh};

    /// The vector loops' reciprocal estimates (each build this CPU runs) against the division
    /// the scalar build takes: within 4 ulp of the value plus `per_x` ulp of x (gelu's tail
    /// cancels in `1 + erf`) on a sweep, and the same special values.
    fn matches_division<K: MaddFn>(name: &str, k: K, per_x: f64) {
        let mut xs: Vec<f32> = (-40_000..40_000).map(|i| i as f32 * 0.0025).collect();
        xs.extend([0.0, -0.0, 1e-30, -1e-30, 88.0, -88.0, 89.0, -89.0, 100.0, -100.0, 1e30, -1e30]);
        xs.extend([f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MAX, f32::MIN]);
        let mut builds: Vec<(&str, unsafe fn(&[f32], &mut [f32], K))> = vec![];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                builds.push(("avx2", wide::via_recip_avx2::<K>));
            }
            if isa() == Isa::Avx512 {
                builds.push(("avx512", wide::via_recip_avx512::<K>));
            }
        }
        let mut bad = vec![];
        for (build, run) in builds {
            let mut got = vec![0f32; xs.len()];
            // SAFETY: the CPU was probed for the build's features
            unsafe { run(&xs, &mut got, k) };
            for (&x, &g) in xs.iter().zip(&got) {
                let want = k.at::<Split>(x);
                let ulp = |v: f32| (v.abs().max(f32::MIN_POSITIVE) * f32::EPSILON) as f64;
                let close = if g == want {
                    true
                } else if want.is_nan() || g.is_nan() {
                    want.is_nan() && g.is_nan()
                } else {
                    let near = (g as f64 - want as f64).abs() <= 4.0 * ulp(want) + per_x * ulp(x.clamp(-1e30, 1e30));
                    // below the normal range the estimate may flush to 0 (AVX2's does)
                    let tiny = want.abs() < f32::MIN_POSITIVE && g.abs() < f32::MIN_POSITIVE && g * want >= 0.0;
                    near || tiny
                };
                if !close {
                    bad.push(format!("{name}({x}) = {g} ({build}), division gives {want}"));
                }
            }
        }
        assert!(bad.is_empty(), "{} mismatches: {:?}", bad.len(), &bad[..bad.len().min(12)]);
    }

    /// The tanh op's rational function against f64 tanh: within 8 ulp (6 from the fit),
    /// exactly +-1 from |x| = 9.1 on, signed zeros kept.
    #[test]
    fn tanh_is_within_a_few_ulp() {
        let mut xs: Vec<f32> = (-100_000..100_000).map(|i| i as f32 * 1.2e-4).collect();
        xs.extend((1..400).map(|i| 1e-30 * 1.3f32.powi(i)).flat_map(|v| [v, -v]));
        xs.extend([0.0, -0.0, 9.0, -9.0, 9.05, 9.1, -9.1, 9.5, 50.0, -1e30, f32::INFINITY, f32::NEG_INFINITY]);
        let mut got = vec![0f32; xs.len()];
        each_f32_m(&xs, &mut got, Tanh);
        for (&x, &g) in xs.iter().zip(&got) {
            let scalar = Tanh.at::<Split>(x);
            let want = (x as f64).tanh() as f32;
            for (build, v) in [("vector", g), ("scalar", scalar)] {
                let ulp = (want.abs().max(f32::MIN_POSITIVE) * f32::EPSILON) as f64;
                let off = (v as f64 - (x as f64).tanh()).abs() / ulp;
                assert!(off <= 8.0 && v.is_sign_negative() == x.is_sign_negative(), "tanh({x}) = {v} ({build}): {want}");
                if x.abs() >= 9.1 {
                    assert_eq!(v, want, "tanh({x}) ({build})");
                }
            }
        }
        let mut nan = [0f32; 1];
        each_f32_m(&[f32::NAN], &mut nan, Tanh);
        assert!(nan[0].is_nan() && Tanh.at::<Split>(f32::NAN).is_nan());
    }

    #[test]
    fn reciprocal_estimates_match_the_division() {
        matches_division("sigmoid", Sigmoid, 0.0);
        matches_division("tanh", Tanh, 0.0);
        matches_division("gelu", GeluErf::<true>, 4.0);
        matches_division("gelu", GeluErf::<false>, 4.0);
    }
}
