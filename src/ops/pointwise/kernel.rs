//! Pointwise kernels: broadcasting maps over two or three operands (tensor views or plain
//! values) with contiguous fast paths, a strided fallback, and a split across threads for large outputs;
//! plus `Num`, the compute type of each element type (f16/bf16 compute in f32).

use crate::cpu::iter::for_each_run;
use crate::cpu::threads;
use crate::error::Result;
use crate::tensor::layout::broadcast_shapes;
use crate::tensor::{Device, Dims, Element, TensorData};
use half::{bf16, f16};

/// Outputs with at least this many elements are computed on several threads.
pub use crate::cpu::threads::GRAIN;

/// An element type with the type its arithmetic runs in.
pub trait Num: Element {
    type C: Copy + PartialOrd + Send + Sync + 'static;
    fn up(self) -> Self::C;
    fn down(c: Self::C) -> Self;
    #[inline(always)]
    fn is_nan(self) -> bool {
        false
    }
}

macro_rules! num_same {
    ($($t:ty),*) => {$(
        impl Num for $t {
            type C = $t;
            #[inline(always)]
            fn up(self) -> $t { self }
            #[inline(always)]
            fn down(c: $t) -> $t { c }
        }
    )*};
}
num_same!(u8, i8, i16, i32, i64, bool);

macro_rules! num_float {
    ($t:ty, $c:ty, $up:expr, $down:expr) => {
        impl Num for $t {
            type C = $c;
            #[inline(always)]
            fn up(self) -> $c {
                $up(self)
            }
            #[inline(always)]
            fn down(c: $c) -> $t {
                $down(c)
            }
            #[inline(always)]
            #[allow(clippy::eq_op)]
            fn is_nan(self) -> bool {
                self != self
            }
        }
    };
}
num_float!(f32, f32, |x| x, |c| c);
num_float!(f64, f64, |x| x, |c| c);
num_float!(f16, f32, f16::to_f32, f16::from_f32);
num_float!(bf16, f32, bf16::to_f32, bf16::from_f32);
num_float!(F8E5M2, f32, F8E5M2::to_f32, F8E5M2::from_f32);
num_float!(F8E4M3Fn, f32, F8E4M3Fn::to_f32, F8E4M3Fn::from_f32);
num_float!(F8E5M2Fnuz, f32, F8E5M2Fnuz::to_f32, F8E5M2Fnuz::from_f32);
num_float!(F8E4M3Fnuz, f32, F8E4M3Fnuz::to_f32, F8E4M3Fnuz::from_f32);
use crate::tensor::float8::{F8E4M3Fn, F8E4M3Fnuz, F8E5M2, F8E5M2Fnuz};

/// A float constant in the compute type `F`.
#[inline(always)]
pub fn real<F: num_traits::Float>(v: f64) -> F {
    <F as num_traits::NumCast>::from(v).unwrap_or_else(F::nan)
}

pub(crate) use crate::with_int_dtype;

/// One operand of a kernel: a tensor view already of the kernel's type, or one value.
pub enum Src<T> {
    Data(TensorData),
    Value(T),
}

impl<T: Element> Src<T> {
    fn shape(&self) -> &[i64] {
        match self {
            Src::Data(d) => &d.layout.shape,
            Src::Value(_) => &[],
        }
    }


    fn ptr(&self) -> SyncPtr<T> {
        match self {
            Src::Data(d) => SyncPtr(d.base_ptr() as *mut T),
            Src::Value(v) => SyncPtr(v as *const T as *mut T),
        }
    }

    fn device(&self) -> Option<Device> {
        match self {
            Src::Data(d) => Some(d.device()),
            Src::Value(_) => None,
        }
    }

    /// Stride of this operand within a flat run over `n` output elements, when it has one:
    /// 1 for a contiguous operand of all `n` elements, 0 for a single element.
    fn flat_stride(&self, n: usize) -> Option<isize> {
        match self {
            Src::Value(_) => Some(0),
            Src::Data(d) if d.numel() == 1 => Some(0),
            Src::Data(d) if d.numel() == n && d.layout.is_contiguous() => Some(1),
            Src::Data(_) => None,
        }
    }

    /// Strides (in elements) that broadcast this operand to `shape`.
    fn strides_for(&self, shape: &[i64]) -> Result<Dims> {
        match self {
            Src::Data(d) => Ok(d.layout.expand(shape)?.strides),
            Src::Value(_) => Ok(shape.iter().map(|_| 0).collect()),
        }
    }
}

/// A raw pointer that kernels share between threads; every thread writes disjoint elements.
pub use crate::cpu::threads::SendPtr as SyncPtr;

/// Calls `body(start, len)` over `[0, n)`: once for small `n`, in parallel chunks otherwise
/// (the chunks of [`threads::for_ranges`], the one chunking rule of the CPU kernels).
pub fn split(n: usize, body: impl Fn(usize, usize) + Sync) {
    threads::for_ranges(n, |lo, hi| body(lo, hi - lo));
}

/// `for_each_run` over `shape`, split across threads along its first non-trivial dim when large.
fn strided<const N: usize>(
    shape: &[i64],
    strides: [&[i64]; N],
    body: impl Fn([isize; N], usize, [isize; N]) + Sync,
) {
    let n: i64 = shape.iter().product();
    let d = shape.iter().position(|&s| s > 1);
    let threads = if n as usize >= GRAIN { threads::num_threads() } else { 1 };
    let Some(d) = d.filter(|_| threads > 1) else {
        for_each_run(shape, strides, [0; N], body);
        return;
    };
    let rows = shape[d] as usize;
    let chunks = rows.min(threads * 4);
    let per = rows.div_ceil(chunks);
    threads::parallel_for(chunks, |c| {
        let start = c * per;
        if start >= rows {
            return;
        }
        let mut sub: Dims = shape.into();
        sub[d] = per.min(rows - start) as i64;
        let base: [isize; N] = std::array::from_fn(|k| (start as i64 * strides[k][d]) as isize);
        for_each_run(&sub, strides, base, &body);
    });
}

fn out_shape(shapes: &[&[i64]]) -> Result<Dims> {
    let mut s: Dims = shapes[0].into();
    for t in &shapes[1..] {
        if s[..] != t[..] {
            s = broadcast_shapes(&s, t)?;
        }
    }
    Ok(s)
}

fn out_device(devs: &[Option<Device>]) -> Device {
    devs.iter().flatten().next().copied().unwrap_or(Device::Cpu)
}

/// out = f(a, b), broadcast; a new contiguous tensor.
pub fn map2<A: Element, B: Element, U: Element>(
    a: &Src<A>,
    b: &Src<B>,
    f: impl Fn(A, B) -> U + Sync,
) -> Result<TensorData> {
    let shape = out_shape(&[a.shape(), b.shape()])?;
    let out = TensorData::empty(&shape, U::DTYPE, out_device(&[a.device(), b.device()]))?;
    let n = out.numel();
    if n == 0 {
        return Ok(out);
    }
    let (pa, pb, po) = (a.ptr(), b.ptr(), SyncPtr(out.base_ptr() as *mut U));
    if let (Some(sa), Some(sb)) = (a.flat_stride(n), b.flat_stride(n)) {
        split(n, |s, len| unsafe {
            let o = std::slice::from_raw_parts_mut(po.get().add(s), len);
            let (pa, pb) = (pa.get().offset(s as isize * sa), pb.get().offset(s as isize * sb));
            run2(o, pa, sa, pb, sb, &f);
        });
        return Ok(out);
    }
    let (la, lb) = (a.strides_for(&shape)?, b.strides_for(&shape)?);
    strided(&shape, [&out.layout.strides, &la, &lb], |o, len, s| unsafe {
        let (pa, pb, po) = (pa.get().offset(o[1]), pb.get().offset(o[2]), po.get().offset(o[0]));
        if s[0] == 1 {
            run2(std::slice::from_raw_parts_mut(po, len), pa, s[1], pb, s[2], &f);
        } else {
            for i in 0..len as isize {
                *po.offset(i * s[0]) = f(*pa.offset(i * s[1]), *pb.offset(i * s[2]));
            }
        }
    });
    Ok(out)
}

/// One contiguous run of output: operands with stride 1 (slices) or 0 (one value) take loops
/// the compiler vectorizes; other strides a plain loop.
#[inline(always)]
unsafe fn run2<A: Element, B: Element, U: Element>(
    o: &mut [U],
    pa: *const A,
    sa: isize,
    pb: *const B,
    sb: isize,
    f: &impl Fn(A, B) -> U,
) {
    let len = o.len();
    match (sa, sb) {
        (1, 1) => {
            let (x, y) = (std::slice::from_raw_parts(pa, len), std::slice::from_raw_parts(pb, len));
            for ((o, &x), &y) in o.iter_mut().zip(x).zip(y) {
                *o = f(x, y);
            }
        }
        (1, 0) => {
            let (x, y) = (std::slice::from_raw_parts(pa, len), *pb);
            for (o, &x) in o.iter_mut().zip(x) {
                *o = f(x, y);
            }
        }
        (0, 1) => {
            let (x, y) = (*pa, std::slice::from_raw_parts(pb, len));
            for (o, &y) in o.iter_mut().zip(y) {
                *o = f(x, y);
            }
        }
        _ => {
            for (i, o) in o.iter_mut().enumerate() {
                *o = f(*pa.offset(i as isize * sa), *pb.offset(i as isize * sb));
            }
        }
    }
}

/// out = f(a, b, c), broadcast; a new contiguous tensor.
pub fn map3<A: Element, B: Element, C: Element, U: Element>(
    a: &Src<A>,
    b: &Src<B>,
    c: &Src<C>,
    f: impl Fn(A, B, C) -> U + Sync,
) -> Result<TensorData> {
    let shape = out_shape(&[a.shape(), b.shape(), c.shape()])?;
    let out = TensorData::empty(&shape, U::DTYPE, out_device(&[a.device(), b.device(), c.device()]))?;
    let n = out.numel();
    if n == 0 {
        return Ok(out);
    }
    let (pa, pb, pc, po) = (a.ptr(), b.ptr(), c.ptr(), SyncPtr(out.base_ptr() as *mut U));
    if let (Some(sa), Some(sb), Some(sc)) = (a.flat_stride(n), b.flat_stride(n), c.flat_stride(n)) {
        split(n, |s, len| unsafe {
            let o = std::slice::from_raw_parts_mut(po.get().add(s), len);
            let s = s as isize;
            run3(o, [sa, sb, sc], pa.get().offset(s * sa), pb.get().offset(s * sb), pc.get().offset(s * sc), &f);
        });
        return Ok(out);
    }
    let (la, lb, lc) = (a.strides_for(&shape)?, b.strides_for(&shape)?, c.strides_for(&shape)?);
    strided(&shape, [&out.layout.strides, &la, &lb, &lc], |o, len, s| unsafe {
        let (pa, pb, pc) = (pa.get().offset(o[1]), pb.get().offset(o[2]), pc.get().offset(o[3]));
        let po = po.get().offset(o[0]);
        if s[0] == 1 {
            run3(std::slice::from_raw_parts_mut(po, len), [s[1], s[2], s[3]], pa, pb, pc, &f);
        } else {
            for i in 0..len as isize {
                *po.offset(i * s[0]) = f(*pa.offset(i * s[1]), *pb.offset(i * s[2]), *pc.offset(i * s[3]));
            }
        }
    });
    Ok(out)
}

#[inline(always)]
unsafe fn run3<A: Element, B: Element, C: Element, U: Element>(
    o: &mut [U],
    s: [isize; 3],
    pa: *const A,
    pb: *const B,
    pc: *const C,
    f: &impl Fn(A, B, C) -> U,
) {
    let len = o.len();
    if s == [1, 1, 1] {
        let (x, y, z) =
            (std::slice::from_raw_parts(pa, len), std::slice::from_raw_parts(pb, len), std::slice::from_raw_parts(pc, len));
        for (((o, &x), &y), &z) in o.iter_mut().zip(x).zip(y).zip(z) {
            *o = f(x, y, z);
        }
    } else {
        for (i, o) in o.iter_mut().enumerate() {
            let i = i as isize;
            *o = f(*pa.offset(i * s[0]), *pb.offset(i * s[1]), *pc.offset(i * s[2]));
        }
    }
}
