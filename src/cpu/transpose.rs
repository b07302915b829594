//! Same-dtype copies of transposed views (`t().contiguous()`, `transpose(-1, -2).contiguous()`):
//! the matrix is copied in square tiles that stay in L1, reading along the source's unit-stride
//! dim and writing along the destination's (4-byte elements in 8x8 or 16x16 register
//! transposes), with runs of neighbouring bands across threads.

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

/// Source rows per band of the AVX-512 kernel: one 64-byte line of every source and destination
/// row per step.
const BAND: usize = 16;

/// [`tiles`] for 4-byte elements, by column band `c0..c1` (source rows, read front to back so
/// the prefetchers follow them); the ragged edges go one by one.
/// - AVX2 (`wide` false): bands of [`TILE`] source rows, in tiles of `TILE` rows, each a grid
///   of 8x8 register transposes.
/// - AVX-512: bands of [`BAND`] source rows, each step one whole line of each of 16 source rows
///   in, a 16x16 register transpose, one whole line of each of 16 destination rows out. With
///   power-of-two strides every one of those lines maps to one L1 set, and a line left
///   half-written was evicted before its other half came (1024x1024 took 3x as long as
///   1000x1000).
///
/// # Safety
/// As [`tiles`]; the CPU must have AVX2 (and AVX-512 F when `wide`).
#[cfg(target_arch = "x86_64")]
unsafe fn column_band(dst: *mut u32, src: *const u32, (c0, c1): (usize, usize), rows: usize, drow: usize, scol: usize, wide: bool) {
    let c8 = c0 + (c1 - c0) / 8 * 8;
    let (r_done, c_done) = if wide && c1 - c0 == BAND {
        (band16_avx512(dst, src, c0, rows, drow, scol), c1)
    } else {
        (tiles8_avx2(dst, src, (c0, c8), rows, drow, scol), c8)
    };
    for c in c0..c1 {
        let from = if c < c_done { r_done } else { 0 };
        for r in from..rows {
            *dst.add(r * drow + c) = *src.add(r + c * scol);
        }
    }
}

/// The 8x8 transpose of `v` (one source row each) stored as 8 destination rows at `dst`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn store_transposed8(dst: *mut u32, drow: usize, v: [std::arch::x86_64::__m256; 8]) {
    use std::arch::x86_64::*;
    let t: [__m256; 8] = std::array::from_fn(|i| {
        let (a, b) = (v[i / 2 * 2], v[i / 2 * 2 + 1]);
        if i % 2 == 0 { _mm256_unpacklo_ps(a, b) } else { _mm256_unpackhi_ps(a, b) }
    });
    // s[4h + j] holds column j of each 128-bit lane, rows 4h..4h + 4
    let s: [__m256; 8] = std::array::from_fn(|i| {
        let (h, j) = (i / 4, i % 4);
        let (a, b) = (t[4 * h + j / 2], t[4 * h + 2 + j / 2]);
        if j % 2 == 0 { _mm256_shuffle_ps::<0x44>(a, b) } else { _mm256_shuffle_ps::<0xEE>(a, b) }
    });
    for j in 0..4 {
        _mm256_storeu_ps(dst.add(j * drow) as *mut f32, _mm256_permute2f128_ps::<0x20>(s[j], s[4 + j]));
        _mm256_storeu_ps(dst.add((4 + j) * drow) as *mut f32, _mm256_permute2f128_ps::<0x31>(s[j], s[4 + j]));
    }
}

/// Source rows `c0..c8` (a multiple of 8 of them), in tiles of [`TILE`] rows, each a grid of
/// 8x8 register transposes; returns how many rows it did.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn tiles8_avx2(dst: *mut u32, src: *const u32, (c0, c8): (usize, usize), rows: usize, drow: usize, scol: usize) -> usize {
    use std::arch::x86_64::*;
    let r8 = rows / 8 * 8;
    let mut rt = 0;
    while rt < r8 {
        let re = (rt + TILE).min(r8);
        for c in (c0..c8).step_by(8) {
            for r in (rt..re).step_by(8) {
                let v: [__m256; 8] = std::array::from_fn(|k| _mm256_loadu_ps(src.add(r + (c + k) * scol) as *const f32));
                store_transposed8(dst.add(r * drow + c), drow, v);
            }
        }
        rt = re;
    }
    r8
}

/// One full [`BAND`] of source rows from `c0`, 16 destination rows at a time (see
/// [`column_band`]); returns how many rows it did.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn band16_avx512(dst: *mut u32, src: *const u32, c0: usize, rows: usize, drow: usize, scol: usize) -> usize {
    use std::arch::x86_64::*;
    let r16 = rows / 16 * 16;
    for r in (0..r16).step_by(16) {
        let v: [__m512; 16] = std::array::from_fn(|k| _mm512_loadu_ps(src.add(r + (c0 + k) * scol) as *const f32));
        let t: [__m512; 16] = std::array::from_fn(|i| {
            let (a, b) = (v[i / 2 * 2], v[i / 2 * 2 + 1]);
            if i % 2 == 0 { _mm512_unpacklo_ps(a, b) } else { _mm512_unpackhi_ps(a, b) }
        });
        // u[4h + j]: in 128-bit lane l, column 4l + j of source rows 4h..4h + 4
        let u: [__m512; 16] = std::array::from_fn(|i| {
            let (h, j) = (i / 4, i % 4);
            let (a, b) = (t[4 * h + j / 2], t[4 * h + 2 + j / 2]);
            if j % 2 == 0 { _mm512_shuffle_ps::<0x44>(a, b) } else { _mm512_shuffle_ps::<0xEE>(a, b) }
        });
        for j in 0..4 {
            let p = _mm512_shuffle_f32x4::<0x44>(u[j], u[4 + j]);
            let q = _mm512_shuffle_f32x4::<0xEE>(u[j], u[4 + j]);
            let rr = _mm512_shuffle_f32x4::<0x44>(u[8 + j], u[12 + j]);
            let s = _mm512_shuffle_f32x4::<0xEE>(u[8 + j], u[12 + j]);
            // destination row 4l + j gathers lane l of u[j], u[4 + j], u[8 + j], u[12 + j]
            let out = [
                _mm512_shuffle_f32x4::<0x88>(p, rr),
                _mm512_shuffle_f32x4::<0xDD>(p, rr),
                _mm512_shuffle_f32x4::<0x88>(q, s),
                _mm512_shuffle_f32x4::<0xDD>(q, s),
            ];
            for (l, o) in out.iter().enumerate() {
                _mm512_storeu_ps(dst.add((r + 4 * l + j) * drow + c0) as *mut f32, *o);
            }
        }
    }
    r16
}

/// Copies a transposed matrix (or a batch of them) of elements of type `T`.
///
/// # Safety
/// As [`tiles`], for every matrix of the batch.
unsafe fn copy_batch<T: Copy + Send>(dst: SendPtr<T>, src: SendPtr<T>, m: Matrices) {
    let Matrices { batch, rows, cols, drow, scol, dbatch, sbatch } = m;
    // 4-byte elements on AVX2 go by column bands (see `column_band`), the rest by row bands
    let isa = super::isa::isa();
    let by_columns = cfg!(target_arch = "x86_64") && std::mem::size_of::<T>() == 4 && isa != super::isa::Isa::Base;
    let wide = isa == super::isa::Isa::Avx512;
    let width = if by_columns && wide { BAND } else { TILE };
    let bands = if by_columns { cols.div_ceil(width) } else { rows.div_ceil(TILE) };
    let work = |b: usize, band: usize| {
        let (d, s) = (dst.get().add(b * dbatch), src.get().add(b * sbatch) as *const T);
        let lo = band * width;
        #[cfg(target_arch = "x86_64")]
        if by_columns {
            return column_band(d as *mut u32, s as *const u32, (lo, (lo + width).min(cols)), rows, drow, scol, wide);
        }
        tiles(d, s, (lo, (lo + TILE).min(rows)), cols, drow, scol);
    };
    let all = batch * bands;
    if batch * rows * cols < GRAIN || num_threads() < 2 {
        (0..all).for_each(|i| work(i / bands, i % bands));
    } else {
        // runs of neighbouring bands per task: two threads writing neighbouring 64-byte strips
        // of the same destination rows contend for the lines they share (rows whose length is
        // not a multiple of 16) and for the line pairs the L2 prefetcher fetches together
        let per_task = (all / (4 * num_threads())).max(1);
        parallel_for(all.div_ceil(per_task), |t| (t * per_task..((t + 1) * per_task).min(all)).for_each(|i| work(i / bands, i % bands)));
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
        for &(batch, rows, cols) in &[(1, 1000, 1000), (1, 1024, 1024), (2, 48, 64), (1, 37, 45), (3, 64, 24), (2, 17, 40), (1, 8, 8), (1, 33, 100), (4, 16, 16)] {
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

    /// Both vector band kernels (AVX2 and, where the CPU has it, AVX-512) against the
    /// definition, whatever `TORCHRS_CPU_CAPABILITY` picked for this process: full and ragged
    /// bands, row counts on and off the vector steps, power-of-two and odd strides.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn both_band_kernels_match_the_definition() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            return;
        }
        let widths: &[bool] = if is_x86_feature_detected!("avx512f") { &[false, true] } else { &[false] };
        for &(rows, cols) in &[(64usize, 64usize), (37, 45), (128, 16), (23, 33), (16, 17), (1024, 48)] {
            let src: Vec<u32> = (0..(rows * cols) as u32).collect(); // src[c][r]: cols rows of `rows`
            for &wide in widths {
                let mut dst = vec![u32::MAX; rows * cols]; // dst[r][c]
                let width = if wide { super::BAND } else { super::TILE };
                for c0 in (0..cols).step_by(width) {
                    unsafe { super::column_band(dst.as_mut_ptr(), src.as_ptr(), (c0, (c0 + width).min(cols)), rows, cols, rows, wide) };
                }
                for r in 0..rows {
                    for c in 0..cols {
                        assert_eq!(dst[r * cols + c], src[c * rows + r], "wide={wide} {rows}x{cols} at {r},{c}");
                    }
                }
            }
        }
    }
}
