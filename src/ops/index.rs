//! Indexing: index_select, gather, scatter, advanced indexing, index_put_, masked_select/scatter, nonzero, take, sort, topk, unique.

pub mod gather;
pub mod select;
pub mod advanced;
pub mod mask;
pub mod sort;
pub mod unique;
pub mod count;
pub mod sample;

pub use gather::value_selecting_backward;

use crate::error::Result;
use crate::tensor::{DType, Element, Tensor, TensorData};
use crate::cpu::iter::for_each_run;

/// Runs `$body` with `$E` an unsigned integer type of `$size` bytes: kernels that only move
/// elements are written once for every dtype.
macro_rules! with_size {
    ($size:expr, $E:ident, $body:block) => {
        match $size {
            1 => { type $E = u8; $body }
            2 => { type $E = u16; $body }
            4 => { type $E = u32; $body }
            _ => { type $E = u64; $body }
        }
    };
}
pub(crate) use with_size;

/// The elements of a contiguous view as `E` (a same-size stand-in type of `with_size!`).
///
/// # Safety
/// `E` must have the dtype's size, the view be contiguous, and nobody else write meanwhile.
pub unsafe fn raw<E>(d: &TensorData) -> &[E] {
    std::slice::from_raw_parts(d.base_ptr() as *const E, d.numel())
}

/// As [`raw`], mutable.
///
/// # Safety
/// As [`raw`], and no other live reference to those elements.
#[allow(clippy::mut_from_ref)]
pub unsafe fn raw_mut<E>(d: &TensorData) -> &mut [E] {
    std::slice::from_raw_parts_mut(d.base_ptr() as *mut E, d.numel())
}

/// Element arithmetic of accumulating kernels (scatter_add, index_add, index_put accumulate...):
/// integers wrap, bools or/and, halves compute in f32.
pub trait Elem: Element + PartialOrd {
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// `self / n` (floor division for integers), for "mean" reductions.
    fn div_n(self, n: i64) -> Self;
    #[inline(always)]
    #[allow(clippy::eq_op)]
    fn is_nan(self) -> bool {
        self != self
    }
}

macro_rules! int_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)] fn mul(self, o: Self) -> Self { self.wrapping_mul(o) }
            #[inline(always)] fn div_n(self, n: i64) -> Self { (self as i64).div_euclid(n) as $t }
        }
    )*};
}
int_elem!(u8, i8, i16, i32, i64);

macro_rules! float_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { self + o }
            #[inline(always)] fn mul(self, o: Self) -> Self { self * o }
            #[inline(always)] fn div_n(self, n: i64) -> Self { self / n as $t }
        }
    )*};
}
float_elem!(f32, f64);

macro_rules! half_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { <$t>::from_f32(self.to_f32() + o.to_f32()) }
            #[inline(always)] fn mul(self, o: Self) -> Self { <$t>::from_f32(self.to_f32() * o.to_f32()) }
            #[inline(always)] fn div_n(self, n: i64) -> Self { <$t>::from_f32(self.to_f32() / n as f32) }
        }
    )*};
}
half_elem!(half::f16, half::bf16);
half_elem!(F8E5M2, F8E4M3Fn, F8E5M2Fnuz, F8E4M3Fnuz);
use crate::tensor::float8::{F8E4M3Fn, F8E4M3Fnuz, F8E5M2, F8E5M2Fnuz};

impl Elem for bool {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    fn div_n(self, _n: i64) -> Self {
        self
    }
}

/// The index values of a long (or int) tensor, in logical order.
pub fn index_values(op: &str, index: &Tensor) -> Result<Vec<i64>> {
    match index.dtype() {
        DType::I64 | DType::I32 => index.to_vec::<i64>(),
        d => crate::bail!("{op}(): Expected dtype int32/int64 for index, but got {}", d.name()),
    }
}

/// Checks every value of `index` (int64) lies in `0..size`, with PyTorch's message.
pub fn check_range(index: &TensorData, dim: usize, size: i64) -> Result<()> {
    let p = index.base_ptr() as *const i64;
    let mut bad: Option<i64> = None;
    for_each_run(&index.layout.shape, [&index.layout.strides], [0], |o, n, s| unsafe {
        if bad.is_some() {
            return;
        }
        if s[0] == 1 {
            // a contiguous run: a branch-free count first (negative values compare as huge)
            let run = std::slice::from_raw_parts(p.offset(o[0]), n);
            if run.iter().map(|&v| (v as u64 >= size as u64) as usize).sum::<usize>() == 0 {
                return;
            }
        }
        for i in 0..n as isize {
            let v = *p.offset(o[0] + i * s[0]);
            if v < 0 || v >= size {
                bad = Some(v);
                return;
            }
        }
    });
    match bad {
        Some(v) => crate::bail!("index {v} is out of bounds for dimension {dim} with size {size}"),
        None => Ok(()),
    }
}

/// Checks that `index` is an int64 tensor (the gather/scatter family's requirement).
pub fn check_long(op: &str, index: &Tensor) -> Result<()> {
    crate::ensure!(index.dtype() == DType::I64, "{op}(): Expected dtype int64 for index");
    Ok(())
}

/// `index` as int64 (int32 indices are accepted and widened), else `check_long`'s error.
pub fn as_long(op: &str, index: &Tensor) -> Result<Tensor> {
    if index.dtype() == DType::I32 {
        return crate::ops::convert::to(index, None, Some(DType::I64), false);
    }
    check_long(op, index)?;
    Ok(index.clone())
}

/// A zero-filled tensor like `shape`/`like`'s dtype and device.
pub fn zeros_like_shape(like: &Tensor, shape: &[i64]) -> Result<Tensor> {
    Tensor::zeros(shape, like.dtype(), like.device())
}

/// `take(t, index)`: elements of the flattened `t` (negative indices count from the end).
pub fn take(t: &Tensor, index: &Tensor) -> Result<Tensor> {
    check_long("take", index)?;
    let n = t.numel() as i64;
    for v in index.to_vec::<i64>()? {
        crate::ensure!(v >= -n && v < n, "out of range: tried to access index {v} on a tensor of {n} elements.");
    }
    let flat = crate::ops::shape::reshape(t, &[-1])?;
    let idx = gather::wrap_negative(&index.reshape(&[-1])?, n)?;
    crate::ops::shape::reshape(&gather::gather(&flat, 0, &idx)?, &index.shape())
}

/// `put(t, index, source, accumulate)`: `source` written (or added) at flat positions.
pub fn put(t: &Tensor, index: &Tensor, source: &Tensor, accumulate: bool) -> Result<Tensor> {
    check_long("put_", index)?;
    crate::ensure!(
        source.numel() == index.numel(),
        "put_(): Expected source and index to have the same number of elements, but got source.numel() = {}, index.numel() = {}",
        source.numel(),
        index.numel()
    );
    let n = t.numel() as i64;
    for v in index.to_vec::<i64>()? {
        crate::ensure!(v >= -n && v < n, "out of range: tried to access index {v} on a tensor of {n} elements.");
    }
    let flat = crate::ops::shape::reshape(t, &[-1])?;
    let idx = Some(index.reshape(&[-1])?);
    let r = advanced::index_put(&flat, &[idx], &crate::ops::shape::reshape(source, &[-1])?, accumulate)?;
    crate::ops::shape::reshape(&r, &t.shape())
}

/// `nonzero_static(t, size, fill_value)`: nonzero's rows, cut or padded to `size`.
pub fn nonzero_static(t: &Tensor, size: i64, fill: i64) -> Result<Tensor> {
    crate::ensure!(size >= 0, "nonzero_static: 'size' must be an non-negative integer, but got size: {size}");
    let nz = mask::nonzero(t)?;
    let nd = t.dim().max(0) as i64;
    let mut v = nz.to_vec::<i64>()?;
    v.resize((size * nd) as usize, fill);
    Tensor::from_vec(v, &[size, nd])
}

/// Writes a triple of results into `out=` tensors.
pub fn assign3(o: [&Tensor; 3], r: (Tensor, Tensor, Tensor)) -> Result<(Tensor, Tensor, Tensor)> {
    use crate::ops::arith::assign_out;
    Ok((assign_out(o[0], &r.0)?, assign_out(o[1], &r.1)?, assign_out(o[2], &r.2)?))
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_index {
    () => {
        fn index_select(a: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> { $crate::ops::index::select::index_select(a, dim, index) }
        fn index_select_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::select::index_select(a, dim, index)?) }
        fn index_select_backward(g: &Tensor, sizes: &[i64], dim: i64, index: &Tensor) -> Result<Tensor> { $crate::ops::index::select::index_select_backward(g, sizes, dim, index) }
        fn gather(a: &Tensor, dim: i64, index: &Tensor, _sparse: bool) -> Result<Tensor> { $crate::ops::index::gather::gather(a, dim, index) }
        fn gather_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, _sparse: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::gather::gather(a, dim, index)?) }
        fn gather_backward(g: &Tensor, a: &Tensor, dim: i64, index: &Tensor, _sparse: bool) -> Result<Tensor> {
            let z = Tensor::zeros(&a.shape(), g.dtype(), g.device())?;
            $crate::ops::index::gather::scatter(&z, dim, index, $crate::ops::index::gather::Src::Tensor(g), $crate::ops::index::gather::Reduce::Add)
        }
        fn scatter(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::index::gather::scatter(a, dim, index, $crate::ops::index::gather::Src::Tensor(src), $crate::ops::index::gather::Reduce::Assign) }
        fn scatter_(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("scatter_", a, &[src], |x| <Self as AtgApi>::scatter(x, dim, index, src)) }
        fn scatter_src_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &<Self as AtgApi>::scatter(a, dim, index, src)?) }
        fn scatter_value(a: &Tensor, dim: i64, index: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::index::gather::scatter(a, dim, index, $crate::ops::index::gather::Src::Value(*v), $crate::ops::index::gather::Reduce::Assign) }
        fn scatter_value_(a: &Tensor, dim: i64, index: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::arith::inplace("scatter_", a, &[], |x| <Self as AtgApi>::scatter_value(x, dim, index, v)) }
        fn scatter_value_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &<Self as AtgApi>::scatter_value(a, dim, index, v)?) }
        fn scatter_reduce(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor, r: &str) -> Result<Tensor> { $crate::ops::index::gather::scatter(a, dim, index, $crate::ops::index::gather::Src::Tensor(src), $crate::ops::index::gather::Reduce::parse(r, true)?) }
        fn scatter_reduce_(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor, r: &str) -> Result<Tensor> { $crate::ops::arith::inplace("scatter_", a, &[src], |x| <Self as AtgApi>::scatter_reduce(x, dim, index, src, r)) }
        fn scatter_reduce_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, src: &Tensor, r: &str) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &<Self as AtgApi>::scatter_reduce(a, dim, index, src, r)?) }
        fn scatter_value_reduce(a: &Tensor, dim: i64, index: &Tensor, v: &Scalar, r: &str) -> Result<Tensor> { $crate::ops::index::gather::scatter(a, dim, index, $crate::ops::index::gather::Src::Value(*v), $crate::ops::index::gather::Reduce::parse(r, true)?) }
        fn scatter_value_reduce_(a: &Tensor, dim: i64, index: &Tensor, v: &Scalar, r: &str) -> Result<Tensor> { $crate::ops::arith::inplace("scatter_", a, &[], |x| <Self as AtgApi>::scatter_value_reduce(x, dim, index, v, r)) }
        fn scatter_value_reduce_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, v: &Scalar, r: &str) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &<Self as AtgApi>::scatter_value_reduce(a, dim, index, v, r)?) }
        fn scatter_add(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::index::gather::scatter(a, dim, index, $crate::ops::index::gather::Src::Tensor(src), $crate::ops::index::gather::Reduce::Add) }
        fn scatter_add_(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("scatter_add_", a, &[src], |x| <Self as AtgApi>::scatter_add(x, dim, index, src)) }
        fn scatter_add_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &<Self as AtgApi>::scatter_add(a, dim, index, src)?) }
        fn _scatter_reduce(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor, r: &str, include_self: bool) -> Result<Tensor> { $crate::ops::index::gather::scatter_full(a, dim, index, $crate::ops::index::gather::Src::Tensor(src), $crate::ops::index::gather::Reduce::parse(r, false)?, include_self) }
        fn _scatter_reduce_(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor, r: &str, include_self: bool) -> Result<Tensor> { $crate::ops::arith::inplace("scatter_reduce_", a, &[src], |x| <Self as AtgApi>::_scatter_reduce(x, dim, index, src, r, include_self)) }
        fn _scatter_reduce_two_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, src: &Tensor, r: &str, include_self: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &<Self as AtgApi>::_scatter_reduce(a, dim, index, src, r, include_self)?) }

        fn index_add(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::index::select::index_add(a, dim, index, src) }
        fn index_add_(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("index_add_", a, &[src], |x| $crate::ops::index::select::index_add(x, dim, index, src)) }
        fn index_add_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::select::index_add(a, dim, index, src)?) }
        fn index_copy(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::index::select::index_copy(a, dim, index, src) }
        fn index_copy_(a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("index_copy_", a, &[src], |x| $crate::ops::index::select::index_copy(x, dim, index, src)) }
        fn index_copy_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::select::index_copy(a, dim, index, src)?) }
        fn index_fill(a: &Tensor, dim: i64, index: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::index::select::index_fill(a, dim, index, *v) }
        fn index_fill_(a: &Tensor, dim: i64, index: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::arith::inplace("index_fill_", a, &[], |x| $crate::ops::index::select::index_fill(x, dim, index, *v)) }
        fn index_fill_int_scalar_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, v: &Scalar) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::select::index_fill(a, dim, index, *v)?) }
        fn index_fill_int_tensor(a: &Tensor, dim: i64, index: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::index::select::index_fill_tensor(a, dim, index, v) }
        fn index_fill_int_tensor_(a: &Tensor, dim: i64, index: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("index_fill_", a, &[v], |x| $crate::ops::index::select::index_fill_tensor(x, dim, index, v)) }
        fn index_fill_int_tensor_out(out: &Tensor, a: &Tensor, dim: i64, index: &Tensor, v: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::select::index_fill_tensor(a, dim, index, v)?) }

        fn index(a: &Tensor, indices: &[Option<Tensor>]) -> Result<Tensor> { $crate::ops::index::advanced::index(a, indices) }
        fn _unsafe_index(a: &Tensor, indices: &[Option<Tensor>]) -> Result<Tensor> { $crate::ops::index::advanced::index(a, indices) }
        fn index_tensor_out(out: &Tensor, a: &Tensor, indices: &[Option<Tensor>]) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::advanced::index(a, indices)?) }
        fn index_put(a: &Tensor, indices: &[Option<Tensor>], v: &Tensor, acc: bool) -> Result<Tensor> { $crate::ops::index::advanced::index_put(a, indices, v, acc) }
        fn _unsafe_index_put(a: &Tensor, indices: &[Option<Tensor>], v: &Tensor, acc: bool) -> Result<Tensor> { $crate::ops::index::advanced::index_put(a, indices, v, acc) }
        fn index_put_(a: &Tensor, indices: &[Option<Tensor>], v: &Tensor, acc: bool) -> Result<Tensor> { $crate::ops::index::advanced::index_put_(a, indices, v, acc) }
        fn index_put_out(out: &Tensor, a: &Tensor, indices: &[Option<Tensor>], v: &Tensor, acc: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::advanced::index_put(a, indices, v, acc)?) }
        fn _index_put_impl(a: &Tensor, indices: &[Option<Tensor>], v: &Tensor, acc: bool, _unsafe: bool) -> Result<Tensor> { $crate::ops::index::advanced::index_put(a, indices, v, acc) }
        fn _index_put_impl_(a: &Tensor, indices: &[Option<Tensor>], v: &Tensor, acc: bool, _unsafe: bool) -> Result<Tensor> { $crate::ops::index::advanced::index_put_(a, indices, v, acc) }
        fn _index_put_impl_out(out: &Tensor, a: &Tensor, indices: &[Option<Tensor>], v: &Tensor, acc: bool, _unsafe: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::advanced::index_put(a, indices, v, acc)?) }

        fn masked_select(a: &Tensor, m: &Tensor) -> Result<Tensor> { $crate::ops::index::mask::masked_select(a, m) }
        fn masked_select_out(out: &Tensor, a: &Tensor, m: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::mask::masked_select(a, m)?) }
        fn masked_select_backward(g: &Tensor, input: &Tensor, m: &Tensor) -> Result<Tensor> { $crate::ops::index::mask::masked_select_backward(g, &input.shape(), m) }
        fn masked_scatter(a: &Tensor, m: &Tensor, s: &Tensor) -> Result<Tensor> { $crate::ops::index::mask::masked_scatter(a, m, s) }
        fn masked_scatter_(a: &Tensor, m: &Tensor, s: &Tensor) -> Result<Tensor> { $crate::ops::arith::inplace("masked_scatter_", a, &[s], |x| $crate::ops::index::mask::masked_scatter(x, m, s)) }
        fn masked_scatter_out(out: &Tensor, a: &Tensor, m: &Tensor, s: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::mask::masked_scatter(a, m, s)?) }
        fn masked_scatter_backward(g: &Tensor, m: &Tensor, sizes: &[i64]) -> Result<Tensor> { $crate::ops::index::mask::masked_scatter_backward(g, m, sizes) }
        fn nonzero(a: &Tensor) -> Result<Tensor> { $crate::ops::index::mask::nonzero(a) }
        fn nonzero_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::mask::nonzero(a)?) }
        fn nonzero_numpy(a: &Tensor) -> Result<Vec<Tensor>> { $crate::ops::index::mask::nonzero_numpy(a) }
        fn r#where(c: &Tensor) -> Result<Vec<Tensor>> { $crate::ops::index::mask::nonzero_numpy(c) }
        fn nonzero_static(a: &Tensor, size: i64, fill: i64) -> Result<Tensor> { $crate::ops::index::nonzero_static(a, size, fill) }
        fn nonzero_static_out(out: &Tensor, a: &Tensor, size: i64, fill: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::nonzero_static(a, size, fill)?) }
        fn take(a: &Tensor, index: &Tensor) -> Result<Tensor> { $crate::ops::index::take(a, index) }
        fn take_out(out: &Tensor, a: &Tensor, index: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::take(a, index)?) }
        fn take_along_dim(a: &Tensor, index: &Tensor, dim: Option<i64>) -> Result<Tensor> { $crate::ops::index::gather::take_along_dim(a, index, dim) }
        fn take_along_dim_out(out: &Tensor, a: &Tensor, index: &Tensor, dim: Option<i64>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::gather::take_along_dim(a, index, dim)?) }
        fn put(a: &Tensor, index: &Tensor, s: &Tensor, acc: bool) -> Result<Tensor> { $crate::ops::index::put(a, index, s, acc) }
        fn put_(a: &Tensor, index: &Tensor, s: &Tensor, acc: bool) -> Result<Tensor> { $crate::ops::arith::inplace("put_", a, &[s], |x| $crate::ops::index::put(x, index, s, acc)) }
        fn put_out(out: &Tensor, a: &Tensor, index: &Tensor, s: &Tensor, acc: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::put(a, index, s, acc)?) }
        fn one_hot(a: &Tensor, n: i64) -> Result<Tensor> { $crate::ops::index::count::one_hot(a, n) }

        fn sort(a: &Tensor, dim: i64, desc: bool) -> Result<(Tensor, Tensor)> { $crate::ops::index::sort::sort(a, dim, desc) }
        fn sort_stable(a: &Tensor, _stable: bool, dim: i64, desc: bool) -> Result<(Tensor, Tensor)> { $crate::ops::index::sort::sort(a, dim, desc) }
        fn sort_values(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64, desc: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::index::sort::sort(a, dim, desc)?) }
        fn sort_values_stable(v: &Tensor, i: &Tensor, a: &Tensor, _stable: bool, dim: i64, desc: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::index::sort::sort(a, dim, desc)?) }
        fn argsort(a: &Tensor, dim: i64, desc: bool) -> Result<Tensor> { $crate::ops::index::sort::argsort(a, dim, desc) }
        fn argsort_stable(a: &Tensor, _stable: bool, dim: i64, desc: bool) -> Result<Tensor> { $crate::ops::index::sort::argsort(a, dim, desc) }
        fn argsort_stable_out(out: &Tensor, a: &Tensor, _stable: bool, dim: i64, desc: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::sort::argsort(a, dim, desc)?) }
        fn msort(a: &Tensor) -> Result<Tensor> { Ok($crate::ops::index::sort::sort(a, 0, false)?.0) }
        fn msort_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::sort::sort(a, 0, false)?.0) }
        fn topk(a: &Tensor, k: i64, dim: i64, largest: bool, _sorted: bool) -> Result<(Tensor, Tensor)> { $crate::ops::index::sort::topk(a, k, dim, largest) }
        fn topk_values(v: &Tensor, i: &Tensor, a: &Tensor, k: i64, dim: i64, largest: bool, _sorted: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::index::sort::topk(a, k, dim, largest)?) }
        fn kthvalue(a: &Tensor, k: i64, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::index::sort::kthvalue(a, k, dim, keepdim) }
        fn kthvalue_values(v: &Tensor, i: &Tensor, a: &Tensor, k: i64, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::index::sort::kthvalue(a, k, dim, keepdim)?) }
        fn mode(a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::index::sort::mode(a, dim, keepdim) }
        fn mode_values(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::index::sort::mode(a, dim, keepdim)?) }
        fn median(a: &Tensor) -> Result<Tensor> { $crate::ops::index::sort::median_all(a, false) }
        fn median_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::sort::median_all(a, false)?) }
        fn median_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::index::sort::median_dim(a, dim, keepdim, false) }
        fn median_dim_values(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::index::sort::median_dim(a, dim, keepdim, false)?) }
        fn nanmedian(a: &Tensor) -> Result<Tensor> { $crate::ops::index::sort::median_all(a, true) }
        fn nanmedian_out(out: &Tensor, a: &Tensor) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::sort::median_all(a, true)?) }
        fn nanmedian_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::index::sort::median_dim(a, dim, keepdim, true) }
        fn nanmedian_dim_values(v: &Tensor, i: &Tensor, a: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(v, i, $crate::ops::index::sort::median_dim(a, dim, keepdim, true)?) }

        fn _unique(a: &Tensor, _sorted: bool, inv: bool) -> Result<(Tensor, Tensor)> { let r = $crate::ops::index::unique::unique_flat(a, false, inv, false)?; Ok((r.0, r.1)) }
        fn _unique_out(o0: &Tensor, o1: &Tensor, a: &Tensor, sorted: bool, inv: bool) -> Result<(Tensor, Tensor)> { $crate::ops::reduce::assign_pair(o0, o1, <Self as AtgApi>::_unique(a, sorted, inv)?) }
        fn _unique2(a: &Tensor, _sorted: bool, inv: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::index::unique::unique_flat(a, false, inv, counts) }
        fn _unique2_out(o0: &Tensor, o1: &Tensor, o2: &Tensor, a: &Tensor, _sorted: bool, inv: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::index::assign3([o0, o1, o2], $crate::ops::index::unique::unique_flat(a, false, inv, counts)?) }
        fn unique_dim(a: &Tensor, dim: i64, _sorted: bool, inv: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::index::unique::unique_dim(a, dim, false, inv, counts) }
        fn unique_dim_out(o0: &Tensor, o1: &Tensor, o2: &Tensor, a: &Tensor, dim: i64, _sorted: bool, inv: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::index::assign3([o0, o1, o2], $crate::ops::index::unique::unique_dim(a, dim, false, inv, counts)?) }
        fn unique_consecutive(a: &Tensor, inv: bool, counts: bool, dim: Option<i64>) -> Result<(Tensor, Tensor, Tensor)> {
            match dim {
                Some(d) => $crate::ops::index::unique::unique_dim(a, d, true, inv, counts),
                None => $crate::ops::index::unique::unique_flat(a, true, inv, counts),
            }
        }
        fn unique_consecutive_out(o0: &Tensor, o1: &Tensor, o2: &Tensor, a: &Tensor, inv: bool, counts: bool, dim: Option<i64>) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::index::assign3([o0, o1, o2], <Self as AtgApi>::unique_consecutive(a, inv, counts, dim)?) }
        fn unique_dim_consecutive(a: &Tensor, dim: i64, inv: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::index::unique::unique_dim(a, dim, true, inv, counts) }
        fn unique_dim_consecutive_out(o0: &Tensor, o1: &Tensor, o2: &Tensor, a: &Tensor, dim: i64, inv: bool, counts: bool) -> Result<(Tensor, Tensor, Tensor)> { $crate::ops::index::assign3([o0, o1, o2], $crate::ops::index::unique::unique_dim(a, dim, true, inv, counts)?) }

        fn searchsorted(s: &Tensor, a: &Tensor, i32_: bool, right: bool, side: &str, sorter: Option<&Tensor>) -> Result<Tensor> { $crate::ops::index::count::searchsorted(s, a, i32_, right, side, sorter) }
        fn searchsorted_tensor_out(out: &Tensor, s: &Tensor, a: &Tensor, i32_: bool, right: bool, side: &str, sorter: Option<&Tensor>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::count::searchsorted(s, a, i32_, right, side, sorter)?) }
        fn searchsorted_scalar(s: &Tensor, v: &Scalar, i32_: bool, right: bool, side: &str, sorter: Option<&Tensor>) -> Result<Tensor> { $crate::ops::index::count::searchsorted_scalar(s, v, i32_, right, side, sorter) }
        fn searchsorted_scalar_out(out: &Tensor, s: &Tensor, v: &Scalar, i32_: bool, right: bool, side: &str, sorter: Option<&Tensor>) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::count::searchsorted_scalar(s, v, i32_, right, side, sorter)?) }
        fn bincount(a: &Tensor, w: Option<&Tensor>, minlength: i64) -> Result<Tensor> { $crate::ops::index::count::bincount(a, w, minlength) }
        fn bincount_out(out: &Tensor, a: &Tensor, w: Option<&Tensor>, minlength: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::count::bincount(a, w, minlength)?) }

        fn embedding(w: &Tensor, idx: &Tensor, pad: i64, scale: bool, _sparse: bool) -> Result<Tensor> { $crate::ops::index::select::embedding(w, idx, pad, scale) }
        fn embedding_out(out: &Tensor, w: &Tensor, idx: &Tensor, pad: i64, scale: bool, _sparse: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::select::embedding(w, idx, pad, scale)?) }
        fn embedding_backward(g: &Tensor, idx: &Tensor, n: i64, pad: i64, scale: bool, _sparse: bool) -> Result<Tensor> { $crate::ops::index::select::embedding_dense_backward(g, idx, n, pad, scale) }
        fn embedding_dense_backward(g: &Tensor, idx: &Tensor, n: i64, pad: i64, scale: bool) -> Result<Tensor> { $crate::ops::index::select::embedding_dense_backward(g, idx, n, pad, scale) }
        fn embedding_dense_backward_out(out: &Tensor, g: &Tensor, idx: &Tensor, n: i64, pad: i64, scale: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::select::embedding_dense_backward(g, idx, n, pad, scale)?) }

        fn multinomial(a: &Tensor, n: i64, repl: bool) -> Result<Tensor> { $crate::ops::index::sample::multinomial(a, n, repl) }
        fn multinomial_out(out: &Tensor, a: &Tensor, n: i64, repl: bool) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::sample::multinomial(a, n, repl)?) }
        fn randperm(n: i64, kind: DType, device: Device) -> Result<Tensor> { $crate::ops::index::sample::randperm(n, kind, device) }
        fn randperm_out(out: &Tensor, n: i64) -> Result<Tensor> { $crate::ops::arith::assign_out(out, &$crate::ops::index::sample::randperm(n, out.dtype(), out.device())?) }
    };
}
pub(crate) use atg_index;
