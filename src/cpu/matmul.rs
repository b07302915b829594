//! Batched matrix products on strided operands: the gemm crate for f32/f64 (with our own
//! kernels for small f32 products and for `x @ w^T` with few rows), f16 and bf16 through f32,
//! a plain loop for the other dtypes.

use super::iter::for_each_run;
use super::threads::SendPtr;
use crate::error::Result;
use crate::tensor::{DType, Element, TensorData};
use crate::with_dtype;

/// Work (m*n*k) from which a single product is split across the worker team (whose helpers
/// spin between loops, so a 64x64 product gains from its second core).
const PARALLEL_WORK: usize = 64 * 64 * 64;
/// Work per product from which each product of a batch is split; below it, the batch's
/// products are spread over the team whole (one split per product costs more than it gains).
const PARALLEL_WORK_BATCHED: usize = 128 * 128 * 128;

/// out[b] = a[b] @ c[b] for 3-d operands of equal batch (strides may be 0 for broadcast batches).
/// Shapes: a [B, m, k], c [B, k, n]; returns a contiguous [B, m, n] tensor of the same dtype.
pub fn bmm(a: &TensorData, c: &TensorData) -> Result<TensorData> {
    let (bsz, m, k) = (a.layout.shape[0], a.layout.shape[1] as usize, a.layout.shape[2] as usize);
    product(a, c, bsz, (m, k, c.layout.shape[2] as usize), &[bsz, m as i64, c.layout.shape[2]])
}

/// a @ c for 2-d operands a [m, k], c [k, n]: a contiguous [m, n] tensor of the same dtype
/// (one product of [`bmm`]'s, without 3-d views of the operands).
pub fn mm(a: &TensorData, c: &TensorData) -> Result<TensorData> {
    let (m, k, n) = (a.layout.shape[0], a.layout.shape[1], c.layout.shape[1]);
    product(a, c, 1, (m as usize, k as usize, n as usize), &[m, n])
}

/// A 2-d or 3-d operand's (batch, row, column) strides; a 2-d one has a single batch.
fn strides3(d: &TensorData) -> [i64; 3] {
    match d.layout.strides[..] {
        [r, c] => [0, r, c],
        [b, r, c] => [b, r, c],
        _ => unreachable!("matmul operands are 2-d or 3-d"),
    }
}

/// `bsz` products a[b] (m x k) @ c[b] (k x n) written into a new contiguous tensor of shape
/// `out_shape` (`[bsz, m, n]`, or `[m, n]` for one product).
fn product(a: &TensorData, c: &TensorData, bsz: i64, (m, k, n): (usize, usize, usize), out_shape: &[i64]) -> Result<TensorData> {
    if matches!(a.dtype, DType::F16 | DType::BF16) {
        // f32 products, rounded once at the end, as PyTorch's CPU kernels accumulate half and
        // bfloat16 (the gemm crate's f16 path rounds partial sums; bf16 had only the plain loop)
        let (a32, c32) = (super::copy::to_contiguous_dtype(a, DType::F32)?, super::copy::to_contiguous_dtype(c, DType::F32)?);
        let out = product(&a32, &c32, bsz, (m, k, n), out_shape)?;
        return super::copy::to_contiguous_dtype(&out, a.dtype);
    }
    // The gemm crate packs a column-major right operand (`x @ w.t()`, every linear layer)
    // element by element, which costs more than the product itself when `a` has few rows
    // (64 x 1024 @ (1024 x 1024)^T: 2.4 ms, 1.3 ms with libtorch). For f32 with few rows the
    // row dot products of `gemm_nt` read it in place; otherwise a blocked transposed copy comes
    // first. A broadcast batch (stride 0) is left alone rather than copied out.
    let st = strides3(c);
    let col_major = st[1] == 1 && st[2] != 1 && (bsz == 1 || st[0] != 0);
    let in_place = c.dtype == DType::F32 && super::gemm_nt::fits((m, n, k), strides3(a)[2] as isize, st[1] as isize);
    let copied;
    let c = if col_major && !in_place && k > 1 && n > 1 && matches!(c.dtype, DType::F32 | DType::F64) {
        copied = super::copy::to_contiguous_dtype(c, c.dtype)?;
        &copied
    } else {
        c
    };
    let out = TensorData::empty(out_shape, a.dtype, a.device())?;
    if out.numel() == 0 {
        return Ok(out);
    }
    let (sa, sc) = (strides3(a), strides3(c));
    let work = m * n * k;
    let split_from = if bsz == 1 { PARALLEL_WORK } else { PARALLEL_WORK_BATCHED };
    let threads = if work >= split_from { super::threads::num_threads() } else { 1 };
    // element offsets of every batch's output and operands (no list for a single product)
    let mut offsets = Vec::new();
    if bsz > 1 {
        let batch_stride = [(m * n) as i64];
        offsets.reserve(bsz as usize);
        for_each_run(&[bsz], [&batch_stride[..], &sa[..1], &sc[..1]], [0, 0, 0], |o, len, s| {
            for bi in 0..len as isize {
                offsets.push((o[0] + bi * s[0], o[1] + bi * s[1], o[2] + bi * s[2]));
            }
        });
    }
    let (ob, pa, pc) = (out.base_ptr() as usize, a.base_ptr() as usize, c.base_ptr() as usize);
    let one = |&(oo, oa, oc): &(isize, isize, isize), threads: usize| {
        with_dtype!(a.dtype, T, {
            // SAFETY: offsets from the operands' layouts; each batch writes its own output block
            unsafe {
                gemm_one::<T>(
                    (ob as *mut T).offset(oo),
                    (pa as *const T).offset(oa),
                    (pc as *const T).offset(oc),
                    (m, n, k),
                    (sa[1] as isize, sa[2] as isize),
                    (sc[1] as isize, sc[2] as isize),
                    threads,
                )
            }
        })
    };
    if bsz == 1 {
        one(&(0, 0, 0), threads);
    } else if threads == 1 && offsets.len() > 1 && work * offsets.len() >= PARALLEL_WORK && super::threads::num_threads() > 1 {
        // many small products: one per task, each single-threaded
        super::threads::parallel_for(offsets.len(), |i| one(&offsets[i], 1));
    } else {
        offsets.iter().for_each(|o| one(o, threads));
    }
    Ok(out)
}

/// One product dst (m x n, row-major contiguous) = a (m x k) @ c (k x n) with element strides.
/// With `threads` > 1 the output is cut into that many bands (of columns when it is wider than
/// tall and the bands go to the gemm crate, else of rows), each a single-threaded product on
/// our worker team: no rayon wake-ups, and each band's operands stay in its core's cache.
unsafe fn gemm_one<T: Element>(
    dst: *mut T,
    a: *const T,
    c: *const T,
    (m, n, k): (usize, usize, usize),
    (a_rs, a_cs): (isize, isize),
    (c_rs, c_cs): (isize, isize),
    threads: usize,
) {
    if threads < 2 {
        return gemm_band(dst, n, a, c, (m, n, k), (a_rs, a_cs), (c_rs, c_cs));
    }
    let (dp, ap, cp) = (SendPtr(dst), SendPtr(a as *mut T), SendPtr(c as *mut T));
    // the small kernel's blocks are 6 rows by a full vector width of columns: cut its rows
    // when each band gets whole blocks (a product of a few rows is cut by columns)
    let small = T::DTYPE == crate::tensor::DType::F32 && m >= 6 * threads && super::small_gemm::fits(m.div_ceil(threads), n, k, c_cs);
    if n >= m && !small {
        let step = n.div_ceil(threads).next_multiple_of(16);
        super::threads::parallel_for(n.div_ceil(step), |i| {
            let (lo, w) = (i * step, step.min(n - i * step));
            let c = cp.get().offset(lo as isize * c_cs);
            gemm_band(dp.get().add(lo), n, ap.get(), c, (m, w, k), (a_rs, a_cs), (c_rs, c_cs));
        });
    } else {
        let step = m.div_ceil(threads).next_multiple_of(if small { 6 } else { 8 });
        super::threads::parallel_for(m.div_ceil(step), |i| {
            let (lo, h) = (i * step, step.min(m - i * step));
            let a = ap.get().offset(lo as isize * a_rs);
            gemm_band(dp.get().add(lo * n), n, a, cp.get(), (h, n, k), (a_rs, a_cs), (c_rs, c_cs));
        });
    }
}

/// dst (m x n, rows `dst_rs` apart) = a @ c on the calling thread.
unsafe fn gemm_band<T: Element>(
    dst: *mut T,
    dst_rs: usize,
    a: *const T,
    c: *const T,
    (m, n, k): (usize, usize, usize),
    (a_rs, a_cs): (isize, isize),
    (c_rs, c_cs): (isize, isize),
) {
    macro_rules! call_gemm {
        ($t:ty, $zero:expr, $one:expr) => {
            gemm::gemm::<$t>(
                m, n, k,
                dst as *mut $t, 1, dst_rs as isize, false,
                a as *const $t, a_cs, a_rs,
                c as *const $t, c_cs, c_rs,
                $zero, $one, false, false, false, gemm::Parallelism::None,
            )
        };
    }
    match T::DTYPE {
        crate::tensor::DType::F32 if super::gemm_nt::fits((m, n, k), a_cs, c_rs) => {
            super::gemm_nt::nt_f32(dst as *mut f32, dst_rs, a as *const f32, a_rs, c as *const f32, c_cs, (m, n, k))
        }
        crate::tensor::DType::F32 if super::small_gemm::fits(m, n, k, c_cs) => {
            super::small_gemm::small_f32(dst as *mut f32, dst_rs, a as *const f32, c as *const f32, (m, n, k), (a_rs, a_cs), c_rs)
        }
        crate::tensor::DType::F32 => call_gemm!(f32, 0.0f32, 1.0f32),
        crate::tensor::DType::F64 => call_gemm!(f64, 0.0f64, 1.0f64),
        _ => naive(dst, dst_rs, a, c, (m, n, k), (a_rs, a_cs), (c_rs, c_cs)),
    }
}

/// The plain loop for the dtypes gemm does not have (integers wrap, as PyTorch's do).
unsafe fn naive<T: Element>(
    dst: *mut T,
    dst_rs: usize,
    a: *const T,
    c: *const T,
    (m, n, k): (usize, usize, usize),
    (a_rs, a_cs): (isize, isize),
    (c_rs, c_cs): (isize, isize),
) {
    let float = T::DTYPE.is_float();
    for i in 0..m {
        for j in 0..n {
            let (mut sf, mut si) = (0f64, 0i64);
            for p in 0..k {
                let x = *a.offset(i as isize * a_rs + p as isize * a_cs);
                let y = *c.offset(p as isize * c_rs + j as isize * c_cs);
                if float {
                    sf += x.to_f64() * y.to_f64();
                } else {
                    si = si.wrapping_add(x.to_i64().wrapping_mul(y.to_i64()));
                }
            }
            *dst.add(i * dst_rs + j) = if float { T::from_f64(sf) } else { T::from_i64(si) };
        }
    }
}
