//! Same-dtype copies of transposed views (`t().contiguous()`, `transpose(-1, -2).contiguous()`):
//! the matrix is copied in square tiles that stay in L1, reading along the source's unit-stride
//! dim and writing along the destination's, with row bands across threads.

use super::iter::coalesced;
use super::threads::{num_threads, parallel_for, SendPtr, GRAIN};
use crate::tensor::{layout::Layout, TensorData};

/// Tile edge, in elements.
const TILE: usize = 32;

/// One `rows x cols` matrix: `dst[r * drow + c] = src[r + c * scol]`, rows `r0..r1` only.
///
/// # Safety
/// The pointers must cover every element addressed.
#[inline(always)]
unsafe fn tiles<T: Copy>(dst: *mut T, src: *const T, (r0, r1): (usize, usize), cols: usize, drow: usize, scol: usize) {
    let mut rt = r0;
    while rt < r1 {
        let re = (rt + TILE).min(r1);
        let mut ct = 0;
        while ct < cols {
            let ce = (ct + TILE).min(cols);
            for c in ct..ce {
                let s = src.add(c * scol);
                for r in rt..re {
                    *dst.add(r * drow + c) = *s.add(r);
                }
            }
            ct = ce;
        }
        rt = re;
    }
}

/// [`tiles`] for 4-byte elements, by column band `c0..c1` (source rows, read front to back so
/// the prefetchers follow them): the full 8x8 blocks transposed in AVX registers (eight 32-byte
/// loads along source rows, eight stores along destination rows), the ragged edges one by one.
///
/// # Safety
/// As [`tiles`]; the CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn column_band_avx2(dst: *mut u32, src: *const u32, (c0, c1): (usize, usize), rows: usize, drow: usize, scol: usize) {
    use std::arch::x86_64::*;
    let (c8, r8) = (c0 + (c1 - c0) / 8 * 8, rows / 8 * 8);
    let mut rt = 0;
    while rt < r8 {
        let re = (rt + TILE).min(r8);
        for c in (c0..c8).step_by(8) {
            for r in (rt..re).step_by(8) {
                let v: [__m256; 8] = std::array::from_fn(|k| _mm256_loadu_ps(src.add(r + (c + k) * scol) as *const f32));
                let t0 = _mm256_unpacklo_ps(v[0], v[1]);
                let t1 = _mm256_unpackhi_ps(v[0], v[1]);
                let t2 = _mm256_unpacklo_ps(v[2], v[3]);
                let t3 = _mm256_unpackhi_ps(v[2], v[3]);
                let t4 = _mm256_unpacklo_ps(v[4], v[5]);
                let t5 = _mm256_unpackhi_ps(v[4], v[5]);
                let t6 = _mm256_unpacklo_ps(v[6], v[7]);
                let t7 = _mm256_unpackhi_ps(v[6], v[7]);
                let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
                let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
                let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
                let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
                let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
                let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
                let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
                let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
                let w = [
                    _mm256_permute2f128_ps::<0x20>(s0, s4),
                    _mm256_permute2f128_ps::<0x20>(s1, s5),
                    _mm256_permute2f128_ps::<0x20>(s2, s6),
                    _mm256_permute2f128_ps::<0x20>(s3, s7),
                    _mm256_permute2f128_ps::<0x31>(s0, s4),
                    _mm256_permute2f128_ps::<0x31>(s1, s5),
                    _mm256_permute2f128_ps::<0x31>(s2, s6),
                    _mm256_permute2f128_ps::<0x31>(s3, s7),
                ];
                for (j, wj) in w.iter().enumerate() {
                    _mm256_storeu_ps(dst.add((r + j) * drow + c) as *mut f32, *wj);
                }
            }
        }
        rt = re;
    }
    // the ragged edges: the last rows % 8 rows, the last (c1 - c0) % 8 columns
    for c in c0..c1 {
        let from = if c < c8 { r8 } else { 0 };
        for r in from..rows {
            *dst.add(r * drow + c) = *src.add(r + c * scol);
        }
    }
}

/// Copies a transposed matrix (or a batch of them) of elements of type `T`.
///
/// # Safety
/// As [`tiles`], for every matrix of the batch.
unsafe fn copy_batch<T: Copy + Send>(dst: SendPtr<T>, src: SendPtr<T>, m: Matrices) {
    let Matrices { batch, rows, cols, drow, scol, dbatch, sbatch } = m;
    // 4-byte elements on AVX2 go by column bands (see `column_band_avx2`), the rest by row bands
    let by_columns = cfg!(target_arch = "x86_64") && std::mem::size_of::<T>() == 4 && !matches!(super::isa::isa(), super::isa::Isa::Base);
    let bands = if by_columns { cols.div_ceil(TILE) } else { rows.div_ceil(TILE) };
    let work = |b: usize, band: usize| {
        let (d, s) = (dst.get().add(b * dbatch), src.get().add(b * sbatch) as *const T);
        let lo = band * TILE;
        #[cfg(target_arch = "x86_64")]
        if by_columns {
            return column_band_avx2(d as *mut u32, s as *const u32, (lo, (lo + TILE).min(cols)), rows, drow, scol);
        }
        tiles(d, s, (lo, (lo + TILE).min(rows)), cols, drow, scol);
    };
    if batch * rows * cols < GRAIN || num_threads() < 2 {
        (0..batch).for_each(|b| (0..bands).for_each(|band| work(b, band)));
    } else {
        parallel_for(batch * bands, |i| work(i / bands, i % bands));
    }
}

/// The matrices of a transposed copy, in elements.
#[derive(Clone, Copy)]
struct Matrices {
    batch: usize,
    rows: usize,
    cols: usize,
    drow: usize,
    scol: usize,
    dbatch: usize,
    sbatch: usize,
}

/// The copy as matrices when, after merging dims, it is a batch (at most one batch dim) of
/// matrices whose destination is unit-stride along columns and source along rows.
fn as_matrices(dst: &Layout, src: &Layout) -> Option<Matrices> {
    let (sizes, strides) = coalesced(&dst.shape, [&dst.strides, &src.strides]);
    let n = sizes.len();
    if !(2..=3).contains(&n) {
        return None;
    }
    let (r, c) = (n - 2, n - 1);
    if strides[c][0] != 1 || strides[r][1] != 1 || strides.iter().flatten().any(|&s| s < 0) {
        return None;
    }
    let (rows, cols) = (sizes[r] as usize, sizes[c] as usize);
    if rows < TILE / 2 || cols < TILE / 2 {
        return None; // thin matrices: the plain strided loop is as good
    }
    let (batch, dbatch, sbatch) = if n == 3 { (sizes[0] as usize, strides[0][0] as usize, strides[0][1] as usize) } else { (1, 0, 0) };
    Some(Matrices { batch, rows, cols, drow: strides[r][0] as usize, scol: strides[c][1] as usize, dbatch, sbatch })
}

/// Copies `src` into `dst` (same dtype, same shape) when the copy is a transpose; false when it
/// is not one (the caller copies element by element).
pub fn copy_transposed(dst: &TensorData, src_layout: &Layout, src_ptr: *const u8, elem_size: usize) -> bool {
    let Some(m) = as_matrices(&dst.layout, src_layout) else { return false };
    let (d, s) = (dst.base_ptr(), src_ptr as *mut u8);
    // SAFETY: the layouts address only elements of the two tensors' storages
    unsafe {
        match elem_size {
            1 => copy_batch(SendPtr(d), SendPtr(s), m),
            2 => copy_batch(SendPtr(d as *mut u16), SendPtr(s as *mut u16), m),
            4 => copy_batch(SendPtr(d as *mut u32), SendPtr(s as *mut u32), m),
            8 => copy_batch(SendPtr(d as *mut u64), SendPtr(s as *mut u64), m),
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::cpu::copy::to_contiguous_dtype;
    use crate::tensor::{DType, Device, TensorData};

    /// `x.transpose(-2, -1).contiguous()` against the definition, for ragged and square
    /// sizes, one and several matrices, 4-byte and 8-byte elements.
    #[test]
    fn transposed_copies_match_the_definition() {
        for &(batch, rows, cols) in &[(1, 1000, 1000), (1, 37, 45), (3, 64, 24), (2, 17, 40), (1, 8, 8), (1, 33, 100), (4, 16, 16)] {
            for dtype in [DType::F32, DType::F64, DType::I32] {
                let x = TensorData::empty(&[batch, rows, cols], dtype, Device::Cpu).unwrap();
                let n = (batch * rows * cols) as usize;
                let vals: Vec<f64> = (0..n).map(|i| i as f64).collect();
                unsafe {
                    match dtype {
                        DType::F32 => x.as_mut_slice::<f32>().iter_mut().zip(&vals).for_each(|(d, &v)| *d = v as f32),
                        DType::F64 => x.as_mut_slice::<f64>().copy_from_slice(&vals),
                        _ => x.as_mut_slice::<i32>().iter_mut().zip(&vals).for_each(|(d, &v)| *d = v as i32),
                    }
                }
                let t = TensorData { layout: x.layout.transpose(1, 2), ..x.clone() };
                let y = to_contiguous_dtype(&t, dtype).unwrap();
                let got: Vec<f64> = unsafe {
                    match dtype {
                        DType::F32 => y.as_slice::<f32>().iter().map(|&v| v as f64).collect(),
                        DType::F64 => y.as_slice::<f64>().to_vec(),
                        _ => y.as_slice::<i32>().iter().map(|&v| v as f64).collect(),
                    }
                };
                let (r, c) = (rows as usize, cols as usize);
                for b in 0..batch as usize {
                    for i in 0..c {
                        for j in 0..r {
                            // y[b, i, j] = x[b, j, i]
                            assert_eq!(got[b * r * c + i * r + j], vals[b * r * c + j * c + i], "{dtype:?} {batch}x{rows}x{cols} at {b},{i},{j}");
                        }
                    }
                }
            }
        }
    }
}
