//! The compute types of the convolution and pooling kernels (f32, f64, and i64 for integer
//! tensors, which wrap like PyTorch's) and their matrix product: the gemm crate for floats,
//! a wrapping loop for integers.

use crate::tensor::Element;

pub use crate::cpu::threads::SendPtr;

/// A strided matrix operand: element (i, j) is at `ptr[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub struct Mat<T> {
    pub ptr: *const T,
    pub rs: isize,
    pub cs: isize,
}

impl<T> Mat<T> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(ptr: *const T, cols: usize) -> Mat<T> {
        Mat { ptr, rs: cols as isize, cs: 1 }
    }
    /// The transpose of a row-major matrix with `cols` columns.
    pub fn cols(ptr: *const T, cols: usize) -> Mat<T> {
        Mat { ptr, rs: 1, cs: cols as isize }
    }
}

/// A strided output matrix: element (i, j) at `ptr[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub struct MatMut<T> {
    pub ptr: *mut T,
    pub rs: isize,
    pub cs: isize,
}

impl<T> MatMut<T> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(ptr: *mut T, cols: usize) -> MatMut<T> {
        MatMut { ptr, rs: cols as isize, cs: 1 }
    }
}

/// Element types the kernels compute in.
pub trait Acc: Element + Default + PartialOrd {
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// `dst (m x n) = [dst +] a (m x k) @ b (k x n)`.
    ///
    /// # Safety
    /// The pointers must cover the described matrices; `dst` must not alias `a` or `b`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(m: usize, n: usize, k: usize, dst: MatMut<Self>, accumulate: bool, a: Mat<Self>, b: Mat<Self>, parallel: bool);
}

/// Work (m*n*k) below which a product never uses threads.
const PARALLEL_WORK: usize = 64 * 64 * 64;

macro_rules! float_acc {
    ($t:ty) => {
        impl Acc for $t {
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            unsafe fn gemm(m: usize, n: usize, k: usize, dst: MatMut<Self>, accumulate: bool, a: Mat<Self>, b: Mat<Self>, parallel: bool) {
                if m == 0 || n == 0 {
                    return;
                }
                if k == 0 {
                    if !accumulate {
                        for i in 0..m as isize {
                            for j in 0..n as isize {
                                *dst.ptr.offset(i * dst.rs + j * dst.cs) = 0.0;
                            }
                        }
                    }
                    return;
                }
                let threads = crate::cpu::threads::num_threads();
                let par = if parallel && threads > 1 && m * n * k >= PARALLEL_WORK {
                    gemm::Parallelism::Rayon(threads)
                } else {
                    gemm::Parallelism::None
                };
                let run = || gemm::gemm::<$t>(
                    m, n, k,
                    dst.ptr, dst.cs, dst.rs, accumulate,
                    a.ptr, a.cs, a.rs,
                    b.ptr, b.cs, b.rs,
                    1.0, 1.0, false, false, false, par,
                );
                // gemm's threads must be our pool's (outside `install` they would be rayon's
                // global pool: a second set of threads competing for the same cores)
                match par {
                    gemm::Parallelism::None => run(),
                    // SAFETY: the operands outlive the call, which returns when gemm is done
                    _ => unsafe { crate::cpu::threads::install_raw(run) },
                }
            }
        }
    };
}
float_acc!(f32);
float_acc!(f64);

impl Acc for i64 {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.wrapping_add(o)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.wrapping_mul(o)
    }
    unsafe fn gemm(m: usize, n: usize, k: usize, dst: MatMut<Self>, accumulate: bool, a: Mat<Self>, b: Mat<Self>, _parallel: bool) {
        for i in 0..m as isize {
            for j in 0..n as isize {
                let d = dst.ptr.offset(i * dst.rs + j * dst.cs);
                let mut s = if accumulate { *d } else { 0 };
                for p in 0..k as isize {
                    let x = *a.ptr.offset(i * a.rs + p * a.cs);
                    let y = *b.ptr.offset(p * b.rs + j * b.cs);
                    s = s.wrapping_add(x.wrapping_mul(y));
                }
                *d = s;
            }
        }
    }
}
