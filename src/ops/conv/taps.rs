//! Separable linear maps over the trailing dims of a tensor: along each dim, output position
//! `o` is a weighted sum of a few input positions ("taps"). Average and adaptive-average
//! pooling, interpolation and the reflect/replicate/circular paddings are all such maps; the
//! adjoint (scatter) map is their gradient, and the map is the adjoint's gradient.

use super::gemm::Acc;
use crate::autograd::{needs_grad, record};
use crate::cpu::copy::contiguous_as;
use crate::error::Result;
use crate::tensor::{DType, Tensor, TensorData};
use rayon::prelude::*;
use std::sync::Arc;

/// The taps of one dim: output `o` reads `idx[start[o]..start[o + 1]]` with weights `w[..]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Taps {
    pub in_len: usize,
    start: Vec<usize>,
    idx: Vec<usize>,
    w: Vec<f64>,
}

impl Taps {
    pub fn new(in_len: usize) -> Taps {
        Taps { in_len, start: vec![0], idx: vec![], w: vec![] }
    }

    /// Adds the next output position, reading `(index, weight)` pairs.
    pub fn push(&mut self, taps: impl IntoIterator<Item = (usize, f64)>) {
        for (i, w) in taps {
            debug_assert!(i < self.in_len);
            self.idx.push(i);
            self.w.push(w);
        }
        self.start.push(self.idx.len());
    }

    /// A map built from one closure per output position.
    pub fn build<I: IntoIterator<Item = (usize, f64)>>(in_len: usize, out_len: usize, f: impl Fn(usize) -> I) -> Taps {
        let mut t = Taps::new(in_len);
        for o in 0..out_len {
            t.push(f(o));
        }
        t
    }

    pub fn out_len(&self) -> usize {
        self.start.len() - 1
    }

    /// The input positions and weights of output `o`.
    pub fn of(&self, o: usize) -> (&[usize], &[f64]) {
        let r = self.start[o]..self.start[o + 1];
        (&self.idx[r.clone()], &self.w[r])
    }

    /// Multiplies every weight of the map by `s`.
    pub fn scale(mut self, s: f64) -> Taps {
        self.w.iter_mut().for_each(|w| *w *= s);
        self
    }

    fn is_identity(&self) -> bool {
        self.out_len() == self.in_len && (0..self.in_len).all(|o| self.of(o) == (&[o][..], &[1.0][..]))
    }
}

/// The maps of a tensor's trailing dims (`None` leaves a dim as it is).
pub type Maps = Arc<Vec<Option<Taps>>>;

/// One pass along a dim: `src [outer, in, inner] -> dst [outer, out, inner]` (or the adjoint).
fn pass<T: Acc>(src: &[T], dst: &mut [T], outer: usize, inner: usize, t: &Taps, adjoint: bool) {
    let (ilen, olen) = if adjoint { (t.out_len(), t.in_len) } else { (t.in_len, t.out_len()) };
    let w: Vec<T> = t.w.iter().map(|&w| T::from_f64(w)).collect();
    let block = |(o, d): (usize, &mut [T])| {
        let s = &src[o * ilen * inner..(o + 1) * ilen * inner];
        if adjoint {
            d.fill(T::zero());
            for j in 0..ilen {
                let sj = &s[j * inner..(j + 1) * inner];
                for k in t.start[j]..t.start[j + 1] {
                    let (i, wk) = (t.idx[k], w[k]);
                    for (x, &y) in d[i * inner..(i + 1) * inner].iter_mut().zip(sj) {
                        *x = x.add(wk.mul(y));
                    }
                }
            }
            return;
        }
        for j in 0..olen {
            let dj = &mut d[j * inner..(j + 1) * inner];
            let r = t.start[j]..t.start[j + 1];
            if r.len() == 1 && t.w[r.start] == 1.0 {
                let i = t.idx[r.start];
                dj.copy_from_slice(&s[i * inner..(i + 1) * inner]);
                continue;
            }
            dj.fill(T::zero());
            for k in r {
                let (i, wk) = (t.idx[k], w[k]);
                for (x, &y) in dj.iter_mut().zip(&s[i * inner..(i + 1) * inner]) {
                    *x = x.add(wk.mul(y));
                }
            }
        }
    };
    let chunk = olen * inner;
    if chunk == 0 {
        return;
    }
    let work = dst.len() * (t.idx.len() / t.out_len().max(1)).max(1);
    if work >= 1 << 16 && outer > 1 && crate::cpu::threads::num_threads() > 1 {
        crate::cpu::threads::install(|| dst.par_chunks_mut(chunk).enumerate().for_each(block));
    } else {
        dst.chunks_mut(chunk).enumerate().for_each(block);
    }
}

/// Applies `maps` (or their adjoints) to the trailing dims of `x` in compute type `T`; the
/// last pass writes straight into the result's storage.
fn apply_typed<T: Acc>(x: &TensorData, maps: &[Option<Taps>], adjoint: bool) -> Result<TensorData> {
    let mut cur: Vec<usize> = x.layout.shape.iter().map(|&d| d as usize).collect();
    let lead = cur.len() - maps.len();
    let src0 = contiguous_as(x, T::DTYPE)?;
    let order: Vec<usize> = if adjoint { (0..maps.len()).collect() } else { (0..maps.len()).rev().collect() };
    let passes: Vec<usize> = order.into_iter().filter(|&j| maps[j].as_ref().is_some_and(|t| adjoint || !t.is_identity())).collect();
    if passes.is_empty() {
        return crate::cpu::copy::to_contiguous_dtype(&src0, T::DTYPE);
    }
    let mut buf: Option<Vec<T>> = None;
    for (n, &j) in passes.iter().enumerate() {
        let t = maps[j].as_ref().expect("passes only name mapped dims");
        let d = lead + j;
        let outer: usize = cur[..d].iter().product();
        let inner: usize = cur[d + 1..].iter().product();
        cur[d] = if adjoint { t.in_len } else { t.out_len() };
        let src: &[T] = match &buf {
            Some(b) => b,
            None => unsafe { src0.as_slice::<T>() },
        };
        if n + 1 == passes.len() {
            let dims: Vec<i64> = cur.iter().map(|&v| v as i64).collect();
            let out = TensorData::empty(&dims, T::DTYPE, crate::tensor::Device::Cpu)?;
            pass(src, unsafe { out.as_mut_slice::<T>() }, outer, inner, t, adjoint);
            return Ok(out);
        }
        let mut next = vec![T::zero(); cur.iter().product()];
        pass(src, &mut next, outer, inner, t, adjoint);
        buf = Some(next);
    }
    unreachable!("the last pass returns")
}

/// The map in the tensor's dtype: floats compute in f32/f64, integers and bools in i64.
fn apply_data(x: &TensorData, maps: &[Option<Taps>], adjoint: bool) -> Result<TensorData> {
    let dt = x.dtype;
    let r = match dt {
        DType::F64 => apply_typed::<f64>(x, maps, adjoint)?,
        DType::F32 | DType::F16 | DType::BF16 => apply_typed::<f32>(x, maps, adjoint)?,
        _ => apply_typed::<i64>(x, maps, adjoint)?,
    };
    if r.dtype == dt {
        Ok(r)
    } else {
        contiguous_as(&r, dt)
    }
}

/// Checks that `x`'s trailing dims have the sizes the maps expect.
fn check_sizes(x: &Tensor, maps: &[Option<Taps>], adjoint: bool) -> Result<()> {
    let s = x.shape();
    crate::ensure!(s.len() >= maps.len(), "torchrs: expected at least {} dims, got {:?}", maps.len(), &s[..]);
    let lead = s.len() - maps.len();
    for (j, t) in maps.iter().enumerate() {
        if let Some(t) = t {
            let want = if adjoint { t.out_len() } else { t.in_len };
            crate::ensure!(s[lead + j] as usize == want, "torchrs: expected size {want} at dim {}, got {:?}", lead + j, &s[..]);
        }
    }
    Ok(())
}

/// `maps(x)`, recorded (its gradient is the adjoint map).
pub fn apply(name: &'static str, x: &Tensor, maps: &Maps) -> Result<Tensor> {
    check_sizes(x, maps, false)?;
    let out = Tensor::from_data(apply_data(&x.data(), maps, false)?);
    if needs_grad(&[x]) {
        let maps = maps.clone();
        record(name, &[x], &[&out], move |_, g| Ok(vec![g[0].as_ref().map(|g| adjoint(name, g, &maps)).transpose()?]));
    }
    Ok(out)
}

/// The adjoint of `maps` applied to `g` (the gradient of [`apply`]), recorded.
pub fn adjoint(name: &'static str, g: &Tensor, maps: &Maps) -> Result<Tensor> {
    check_sizes(g, maps, true)?;
    let out = Tensor::from_data(apply_data(&g.data(), maps, true)?);
    if needs_grad(&[g]) {
        let maps = maps.clone();
        record(name, &[g], &[&out], move |_, gg| Ok(vec![gg[0].as_ref().map(|gg| apply(name, gg, &maps)).transpose()?]));
    }
    Ok(out)
}

/// Refuses output shapes whose tap tables or storage could not be allocated (an error, not an
/// allocator abort): each dim below 2^31 and the bytes within the storage limit.
pub fn check_alloc(shape: &[i64], dtype: DType) -> Result<()> {
    let n = crate::tensor::layout::checked_numel(shape)?;
    let ok = shape.iter().all(|&d| d < 1 << 31) && n.checked_mul(dtype.size().max(8)).is_some_and(|b| b <= 1 << 46);
    crate::ensure!(ok, "torchrs: output of shape {shape:?} is too large");
    Ok(())
}
