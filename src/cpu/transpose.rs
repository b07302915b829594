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

/// Copies a transposed matrix (or a batch of them) of elements of type `T`.
///
/// # Safety
/// As [`tiles`], for every matrix of the batch.
unsafe fn copy_batch<T: Copy + Send>(dst: SendPtr<T>, src: SendPtr<T>, m: Matrices) {
    let Matrices { batch, rows, cols, drow, scol, dbatch, sbatch } = m;
    let bands = rows.div_ceil(TILE);
    let work = |b: usize, band: usize| {
        let r0 = band * TILE;
        let (d, s) = (dst.get().add(b * dbatch), src.get().add(b * sbatch) as *const T);
        tiles(d, s, (r0, (r0 + TILE).min(rows)), cols, drow, scol);
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
