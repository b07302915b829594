//! The strided reduction engine: a plan (an odometer over the kept dims giving each output's
//! input offset, a walk over the reduced elements) and `fill_rows`, which folds each output's
//! elements straight from the input's storage (no permuted copy), in logical order, across
//! threads for large inputs.

use crate::cpu::iter::for_each_run;
use crate::cpu::reduce::reduced_shape;
use crate::error::Result;
use crate::tensor::{Dims, Element, TensorData};

/// Elements of work below which a reduction stays on the calling thread.
pub const GRAIN: usize = 1 << 15;

/// How the reduced elements of one output are walked, relative to its base offset.
enum Walk {
    /// `len` elements at `stride` apart.
    Run { len: usize, stride: isize },
    /// Precomputed offsets (small multi-dim reductions).
    Offsets(Vec<isize>),
    /// A general strided walk (large multi-dim reductions).
    Strided { shape: Dims, strides: Dims },
}

/// Where each output's reduced elements lie in the input.
pub struct Plan {
    pub out_shape: Dims,
    pub n_out: usize,
    pub red_numel: usize,
    kept: Kept,
    walk: Walk,
}

/// The kept dims (coalesced) and the view's offset: where each output's elements start.
struct Kept {
    shape: Dims,
    strides: Dims,
    offset: isize,
}

impl Kept {
    /// Calls `f(i, offset of output i)` for the outputs in `range`, in order.
    #[inline(always)]
    fn for_range(&self, range: std::ops::Range<usize>, mut f: impl FnMut(usize, isize)) {
        if range.is_empty() {
            return;
        }
        let nd = self.shape.len();
        let mut idx: Dims = Dims::from_elem(0, nd);
        let mut o = self.offset;
        let mut rem = range.start;
        for d in (0..nd).rev() {
            let s = self.shape[d] as usize;
            idx[d] = (rem % s) as i64;
            o += idx[d] as isize * self.strides[d] as isize;
            rem /= s;
        }
        for i in range {
            f(i, o);
            let mut d = nd;
            while d > 0 {
                d -= 1;
                idx[d] += 1;
                o += self.strides[d] as isize;
                if idx[d] < self.shape[d] {
                    break;
                }
                o -= (self.strides[d] * self.shape[d]) as isize;
                idx[d] = 0;
            }
        }
    }
}

/// Merges adjacent dims (sizes, strides) that walk memory like one dim; drops size-1 dims.
pub fn coalesce(shape: &[i64], strides: &[i64]) -> (Dims, Dims) {
    let (mut sz, mut st) = (Dims::new(), Dims::new());
    for (&d, &s) in shape.iter().zip(strides) {
        if d == 1 {
            continue;
        }
        if let (Some(ls), Some(lt)) = (sz.last_mut(), st.last_mut()) {
            if *lt == s * d {
                *ls *= d;
                *lt = s;
                continue;
            }
        }
        sz.push(d);
        st.push(s);
    }
    (sz, st)
}

impl Plan {
    /// A plan reducing `dims` (wrapped, unique; empty means all) of the view `l`.
    pub fn new(l: &crate::tensor::Layout, dims: &[usize], keepdim: bool) -> Plan {
        let nd = l.ndim();
        let all: Vec<usize> = if dims.is_empty() { (0..nd).collect() } else { dims.to_vec() };
        let out_shape = reduced_shape(&l.shape, &all, keepdim);
        let pick = |keep: bool| -> (Dims, Dims) {
            let idx = (0..nd).filter(|d| all.contains(d) != keep);
            (idx.clone().map(|d| l.shape[d]).collect(), idx.map(|d| l.strides[d]).collect())
        };
        let (ks, kst) = pick(true);
        let (rs, rst) = pick(false);
        let n_out: usize = ks.iter().map(|&d| d as usize).product();
        let red_numel: usize = rs.iter().map(|&d| d as usize).product();
        let (kshape, kstrides) = coalesce(&ks, &kst);
        let kept = Kept { shape: kshape, strides: kstrides, offset: l.offset as isize };
        let (cs, cst) = coalesce(&rs, &rst);
        let walk = if red_numel == 0 {
            Walk::Run { len: 0, stride: 1 }
        } else if cs.len() <= 1 {
            Walk::Run { len: red_numel, stride: cst.first().copied().unwrap_or(1) as isize }
        } else if red_numel <= 1 << 16 && !(cst.last() == Some(&1) && cs.last().is_some_and(|&n| n >= 16)) {
            // (long contiguous runs stay a strided walk: `Row::runs` hands them out whole)
            let mut offs = Vec::with_capacity(red_numel);
            for_each_run(&cs, [&cst], [0], |o, n, s| offs.extend((0..n as isize).map(|i| o[0] + i * s[0])));
            Walk::Offsets(offs)
        } else {
            Walk::Strided { shape: cs, strides: cst }
        };
        Plan { out_shape, n_out, red_numel, kept, walk }
    }

    /// The reduced elements form one contiguous run per output.
    pub fn rows_contiguous(&self) -> bool {
        matches!(self.walk, Walk::Run { stride: 1, .. }) || self.red_numel <= 1
    }
}

/// The reduced elements of one output.
pub struct Row<'a, T> {
    ptr: *const T,
    walk: &'a Walk,
    pub len: usize,
}

impl<T: Element> Row<'_, T> {
    /// Calls `f(value, logical index)` for each element, in logical order.
    #[inline(always)]
    pub fn each(&self, mut f: impl FnMut(T, usize)) {
        unsafe {
            match self.walk {
                Walk::Run { len, stride } => {
                    if *stride == 1 {
                        for (j, &x) in std::slice::from_raw_parts(self.ptr, *len).iter().enumerate() {
                            f(x, j);
                        }
                    } else {
                        for j in 0..*len {
                            f(*self.ptr.offset(j as isize * stride), j);
                        }
                    }
                }
                Walk::Offsets(o) => {
                    for (j, &off) in o.iter().enumerate() {
                        f(*self.ptr.offset(off), j);
                    }
                }
                Walk::Strided { shape, strides } => {
                    let mut j = 0;
                    for_each_run(shape, [strides], [0], |o, n, s| {
                        for i in 0..n as isize {
                            f(*self.ptr.offset(o[0] + i * s[0]), j);
                            j += 1;
                        }
                    });
                }
            }
        }
    }

    /// Calls `f` with each contiguous piece of the row, in logical order (pieces of one element
    /// where the innermost stride is not 1); false, calling nothing, for a single strided run
    /// or an offset list (those go through [`Row::each`]).
    #[inline(always)]
    pub fn runs(&self, mut f: impl FnMut(&[T])) -> bool {
        unsafe {
            match self.walk {
                Walk::Run { len, stride: 1 } => f(std::slice::from_raw_parts(self.ptr, *len)),
                Walk::Strided { shape, strides } => for_each_run(shape, [strides], [0], |o, n, s| {
                    if s[0] == 1 {
                        f(std::slice::from_raw_parts(self.ptr.offset(o[0]), n as usize));
                    } else {
                        (0..n as isize).for_each(|i| f(std::slice::from_raw_parts(self.ptr.offset(o[0] + i * s[0]), 1)));
                    }
                }),
                _ => return false,
            }
        }
        true
    }

    /// The elements as a slice, when they are contiguous.
    #[inline(always)]
    pub fn as_slice(&self) -> Option<&[T]> {
        match self.walk {
            Walk::Run { len, stride: 1 } => Some(unsafe { std::slice::from_raw_parts(self.ptr, *len) }),
            _ if self.len <= 1 => Some(unsafe { std::slice::from_raw_parts(self.ptr, self.len) }),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
struct SendPtr(usize);

/// `out[i] = f(row i)` for every output of the plan; the rows are read from `d` as `T`.
pub fn fill_rows<T: Element, U: Send>(d: &TensorData, plan: &Plan, out: &mut [U], f: impl Fn(Row<'_, T>) -> U + Sync) {
    debug_assert_eq!(d.dtype, T::DTYPE);
    debug_assert_eq!(out.len(), plan.n_out);
    let base = SendPtr(d.storage.as_ptr() as usize);
    let row = |b: isize| Row { ptr: unsafe { (base.0 as *const T).offset(b) }, walk: &plan.walk, len: plan.red_numel };
    let work = plan.n_out.saturating_mul(plan.red_numel.max(1));
    if work < GRAIN || plan.n_out < 2 || crate::cpu::threads::num_threads() < 2 {
        plan.kept.for_range(0..plan.n_out, |i, b| out[i] = f(row(b)));
        return;
    }
    let chunk = crate::cpu::threads::rows_per_run(plan.n_out, plan.red_numel);
    crate::cpu::threads::for_chunks_mut(out, chunk, |ci, os| {
        let start = ci * chunk;
        plan.kept.for_range(start..start + os.len(), |i, b| os[i - start] = f(row(b)));
    });
}

/// Runs `f(row)` for each output and collects the results into a new contiguous tensor of
/// the plan's output shape.
pub fn reduce_into<T: Element, U: Element>(d: &TensorData, plan: &Plan, f: impl Fn(Row<'_, T>) -> U + Sync) -> Result<TensorData> {
    let out = crate::tensor::TensorData::empty(&plan.out_shape, U::DTYPE, d.device())?;
    fill_rows(d, plan, unsafe { out.as_mut_slice::<U>() }, f);
    Ok(out)
}

/// Splits `0..n` into per-thread ranges for an all-reduce of `n` contiguous elements and runs
/// `f` on each in parallel; the partial results come back in order.
pub fn split_parallel<R: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> R + Sync) -> Vec<R> {
    let threads = crate::cpu::threads::num_threads();
    if n < 4 * GRAIN || threads < 2 {
        return vec![f(0..n)];
    }
    // parts start at multiples of 2048 elements (the f32 sum's blocks: same result at any
    // thread count)
    let step = n.div_ceil(threads.min(n / GRAIN).max(1)).next_multiple_of(2048);
    let parts = n.div_ceil(step);
    let mut parts_out: Vec<Option<R>> = (0..parts).map(|_| None).collect();
    crate::cpu::threads::for_chunks_mut(&mut parts_out, 1, |p, slot| slot[0] = Some(f(p * step..((p + 1) * step).min(n))));
    parts_out.into_iter().map(|r| r.expect("every part ran")).collect()
}
