//! Elementwise maps: unary and binary, with broadcasting, a contiguous fast path and a strided
//! fallback. Operands already have the compute dtype; the output is a new contiguous tensor.

use super::iter::for_each_run;
use crate::error::Result;
use crate::tensor::layout::{broadcast_shapes, Layout};
use crate::tensor::{Element, TensorData};

use super::threads::chunk_len;

/// `dst[i] = f(x[i])` over equal-length slices, on threads when large.
fn map1<T: Element, U: Element>(x: &[T], dst: &mut [U], f: &(impl Fn(T) -> U + Sync)) {
    let body = |x: &[T], d: &mut [U]| {
        for (d, &a) in d.iter_mut().zip(x) {
            *d = f(a);
        }
    };
    match chunk_len(dst.len()) {
        None => body(x, dst),
        Some(c) => super::threads::for_chunks_mut(dst, c, |i, d| body(&x[i * c..i * c + d.len()], d)),
    }
}

/// `dst[i] = f(x[i], y[i])` (or with `y` a single value), on threads when large.
fn map2<T: Element, U: Element>(x: &[T], y: Option<&[T]>, y0: T, dst: &mut [U], f: &(impl Fn(T, T) -> U + Sync)) {
    let body = |off: usize, x: &[T], d: &mut [U]| match y {
        Some(y) => {
            for ((d, &a), &b) in d.iter_mut().zip(x).zip(&y[off..off + x.len()]) {
                *d = f(a, b);
            }
        }
        None => {
            for (d, &a) in d.iter_mut().zip(x) {
                *d = f(a, y0);
            }
        }
    };
    match chunk_len(dst.len()) {
        None => body(0, x, dst),
        Some(c) => super::threads::for_chunks_mut(dst, c, |i, d| body(i * c, &x[i * c..i * c + d.len()], d)),
    }
}

/// out[i] = f(a[i]) for a contiguous output of `a`'s shape.
pub fn unary_map<T: Element, U: Element>(a: &TensorData, f: impl Fn(T) -> U + Sync) -> Result<TensorData> {
    debug_assert_eq!(a.dtype, T::DTYPE);
    let out = TensorData::empty(&a.layout.shape, U::DTYPE, a.device())?;
    let po = out.base_ptr() as *mut U;
    if a.layout.is_contiguous() {
        let (src, dst) = unsafe { (a.as_slice::<T>(), out.as_mut_slice::<U>()) };
        map1(src, dst, &f);
        return Ok(out);
    }
    let pa = a.base_ptr() as *const T;
    for_each_run(&a.layout.shape, [&out.layout.strides, &a.layout.strides], [0, 0], |o, n, s| unsafe {
        for i in 0..n as isize {
            *po.offset(o[0] + i * s[0]) = f(*pa.offset(o[1] + i * s[1]));
        }
    });
    Ok(out)
}

/// out = f(a, b) with broadcasting, both operands of type `T`.
pub fn binary_map<T: Element, U: Element>(
    a: &TensorData,
    b: &TensorData,
    f: impl Fn(T, T) -> U + Sync,
) -> Result<TensorData> {
    debug_assert!(a.dtype == T::DTYPE && b.dtype == T::DTYPE);
    let shape = broadcast_shapes(&a.layout.shape, &b.layout.shape)?;
    let out = TensorData::empty(&shape, U::DTYPE, a.device())?;
    let n = out.numel();
    let (ac, bc) = (a.layout.is_contiguous(), b.layout.is_contiguous());
    unsafe {
        let dst = out.as_mut_slice::<U>();
        if ac && bc && a.numel() == n && b.numel() == n {
            let (x, y) = (a.as_slice::<T>(), b.as_slice::<T>());
            map2(x, Some(y), T::from_f64(0.0), dst, &f);
            return Ok(out);
        }
        if ac && a.numel() == n && b.numel() == 1 {
            let (x, y) = (a.as_slice::<T>(), *(b.base_ptr() as *const T));
            map2(x, None, y, dst, &f);
            return Ok(out);
        }
        if bc && b.numel() == n && a.numel() == 1 {
            let (x, y) = (*(a.base_ptr() as *const T), b.as_slice::<T>());
            let g = |p: T, q: T| f(q, p);
            map2(y, None, x, dst, &g);
            return Ok(out);
        }
    }
    let la: Layout = a.layout.expand(&shape)?;
    let lb: Layout = b.layout.expand(&shape)?;
    let (pa, pb, po) = (a.base_ptr() as *const T, b.base_ptr() as *const T, out.base_ptr() as *mut U);
    for_each_run(&shape, [&out.layout.strides, &la.strides, &lb.strides], [0, 0, 0], |o, n, s| unsafe {
        for i in 0..n as isize {
            *po.offset(o[0] + i * s[0]) = f(*pa.offset(o[1] + i * s[1]), *pb.offset(o[2] + i * s[2]));
        }
    });
    Ok(out)
}
