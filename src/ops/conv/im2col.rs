//! im2col and col2im for one image: the patches of `c` channels of a contiguous
//! `[c, d, h, w]` block laid out as a `[c * kd * kh * kw, od * oh * ow]` matrix, and the
//! adjoint that adds such a matrix back into the block.

use super::gemm::Acc;
use super::geom::Geom;

/// The range of output positions `o` in `0..olen` whose input position `o * s + off` lies in
/// `0..ilen`.
#[inline]
fn valid_range(olen: usize, ilen: usize, s: usize, off: isize) -> (usize, usize) {
    // o * s + off >= 0  <=>  o >= ceil(-off / s)
    let lo = if off >= 0 { 0 } else { ((-off) as usize).div_ceil(s) };
    // o * s + off < ilen  <=>  o < ceil((ilen - off) / s)
    let hi_num = ilen as isize - off;
    let hi = if hi_num <= 0 { 0 } else { (hi_num as usize).div_ceil(s) };
    (lo.min(olen), hi.min(olen).max(lo.min(olen)))
}

/// Calls `f(row, d_in, h_in, w_off, ow_lo, ow_hi, out_row_offset)` for every (kernel tap,
/// output row) pair: the caller copies or adds input row `(d_in, h_in)` for output columns
/// `ow_lo..ow_hi` (input column `ow * sw + w_off`), and handles the rest of the row as padding.
#[inline]
fn for_each_row(g: &Geom, c: usize, mut f: impl FnMut(usize, Option<(usize, usize)>, isize, (usize, usize), usize)) {
    let [kd, kh, kw] = g.k;
    let [id, ih, iw] = g.isp;
    let [od, oh, ow] = g.osp;
    let [sd, sh, sw] = g.stride;
    let [pd, ph, pw] = g.pad;
    let [dd, dh, dw] = g.dil;
    let mut row = 0;
    for ci in 0..c {
        for a in 0..kd {
            for b in 0..kh {
                for e in 0..kw {
                    let w_off = (e * dw) as isize - pw as isize;
                    let wr = valid_range(ow, iw, sw, w_off);
                    for z in 0..od {
                        let zi = (z * sd + a * dd) as isize - pd as isize;
                        for y in 0..oh {
                            let yi = (y * sh + b * dh) as isize - ph as isize;
                            let out_off = (z * oh + y) * ow;
                            let src = if zi >= 0 && (zi as usize) < id && yi >= 0 && (yi as usize) < ih {
                                Some((ci * id + zi as usize, yi as usize))
                            } else {
                                None
                            };
                            f(row, src, w_off, wr, out_off);
                        }
                    }
                    row += 1;
                }
            }
        }
    }
}

/// For an unpadded geometry with unit stride along the last dim: calls `f(row, input_offset,
/// out_offset)` for every (patch row, output row) pair, where the output row's `ow` positions
/// read the `ow` consecutive input elements from `input_offset` (a tight loop: no bounds, no
/// padding).
#[inline(always)]
fn for_each_unpadded_run(g: &Geom, c: usize, mut f: impl FnMut(usize, usize, usize)) {
    let [kd, kh, kw] = g.k;
    let [id, ih, iw] = g.isp;
    let [od, oh, ow] = g.osp;
    let [sd, sh, _] = g.stride;
    let [dd, dh, dw] = g.dil;
    let mut row = 0;
    for ci in 0..c {
        for a in 0..kd {
            for b in 0..kh {
                for e in 0..kw {
                    let base = ((ci * id + a * dd) * ih + b * dh) * iw + e * dw;
                    for z in 0..od {
                        for y in 0..oh {
                            f(row, base + (z * sd * ih + y * sh) * iw, (z * oh + y) * ow);
                        }
                    }
                    row += 1;
                }
            }
        }
    }
}

/// Writes the patch matrix of `c` channels of `x` (contiguous `[c, isp]`) into `col`, element
/// (row, position) at `row * rs + position * cs`: `(olen, 1)` is the `[c*k, olen]` matrix and
/// `(1, c*k)` its transpose.
///
/// # Safety
/// `x` must hold `c * g.ilen()` elements and `col` cover `c * g.kprod() * g.olen()` elements.
pub unsafe fn im2col<T: Acc>(x: *const T, c: usize, g: &Geom, col: *mut T, (rs, cs): (usize, usize)) {
    let (ih, iw, ow, sw) = (g.isp[1], g.isp[2], g.osp[2], g.stride[2]);
    if cs == 1 && sw == 1 && g.unpadded() {
        // every window lies inside the input: each patch row is od * oh runs of ow elements
        for_each_unpadded_run(g, c, |row, src, out_off| copy_run(x.add(src), col.add(row * rs + out_off), ow));
        return;
    }
    if cs == 1 && sw == 1 {
        // padded, unit stride along the last dim: each output row is zeros, one input run, zeros
        for_each_row(g, c, |row, src, w_off, (lo, hi), out_off| {
            let dst = col.add(row * rs + out_off);
            let Some((plane, yi)) = src else { return zero_run(dst, ow) };
            zero_run(dst, lo);
            if hi > lo {
                copy_run(x.add((plane * ih + yi) * iw).offset(lo as isize + w_off), dst.add(lo), hi - lo);
            }
            zero_run(dst.add(hi.max(lo)), ow - hi.max(lo));
        });
        return;
    }
    for_each_row(g, c, |row, src, w_off, (lo, hi), out_off| {
        let dst = col.add(row * rs + out_off * cs);
        let put = |j: usize, v: T| *dst.add(j * cs) = v;
        let Some((plane, yi)) = src else {
            (0..ow).for_each(|j| put(j, T::zero()));
            return;
        };
        let line = x.add((plane * ih + yi) * iw);
        (0..lo).chain(hi..ow).for_each(|j| put(j, T::zero()));
        if hi > lo {
            let first = (lo * sw) as isize + w_off;
            if sw == 1 && cs == 1 {
                copy_run(line.offset(first), dst.add(lo), hi - lo);
            } else {
                for j in lo..hi {
                    put(j, *line.offset(first + ((j - lo) * sw) as isize));
                }
            }
        }
    });
}

/// Adds the patch matrix `col` back into `x` (contiguous `[c, isp]`, not cleared here).
///
/// # Safety
/// As [`im2col`]; `x` must not alias `col`.
pub unsafe fn col2im<T: Acc>(col: *const T, c: usize, g: &Geom, x: *mut T) {
    let (ih, iw, sw) = (g.isp[1], g.isp[2], g.stride[2]);
    let olen = g.olen();
    if sw == 1 && g.unpadded() {
        let ow = g.osp[2];
        for_each_unpadded_run(g, c, |row, dst, out_off| {
            let (d, s) = (x.add(dst), col.add(row * olen + out_off));
            for j in 0..ow {
                *d.add(j) = (*d.add(j)).add(*s.add(j));
            }
        });
        return;
    }
    for_each_row(g, c, |row, src, w_off, (lo, hi), out_off| {
        let Some((plane, yi)) = src else { return };
        if hi <= lo {
            return;
        }
        let line = x.add((plane * ih + yi) * iw);
        let srow = col.add(row * olen + out_off);
        let first = (lo * sw) as isize + w_off;
        if sw == 1 {
            // unit stride: a plain run the compiler vectorizes
            let (d, s) = (line.offset(first), srow.add(lo));
            for j in 0..hi - lo {
                *d.add(j) = (*d.add(j)).add(*s.add(j));
            }
            return;
        }
        for j in 0..hi - lo {
            let p = line.offset(first + (j * sw) as isize);
            *p = (*p).add(*srow.add(lo + j));
        }
    });
}

/// Zeroes `n` elements, inline like [`copy_run`] (short runs: the padding of one row).
///
/// # Safety
/// `dst` must cover `n` elements.
#[inline(always)]
unsafe fn zero_run<T: Acc>(dst: *mut T, n: usize) {
    let mut j = 0;
    while j + 8 <= n {
        (dst.add(j) as *mut [T; 8]).write_unaligned([T::zero(); 8]);
        j += 8;
    }
    if j + 4 <= n {
        (dst.add(j) as *mut [T; 4]).write_unaligned([T::zero(); 4]);
        j += 4;
    }
    while j < n {
        *dst.add(j) = T::zero();
        j += 1;
    }
}

/// Copies `n` elements: image rows are short (often under 32 elements), where a call to the
/// library's memcpy costs more than the copy, so runs go in inline blocks of 8.
///
/// # Safety
/// `src` and `dst` must cover `n` elements and not overlap.
#[inline(always)]
unsafe fn copy_run<T: Copy>(src: *const T, dst: *mut T, n: usize) {
    let mut j = 0;
    while j + 8 <= n {
        (dst.add(j) as *mut [T; 8]).write_unaligned((src.add(j) as *const [T; 8]).read_unaligned());
        j += 8;
    }
    if j + 4 <= n {
        (dst.add(j) as *mut [T; 4]).write_unaligned((src.add(j) as *const [T; 4]).read_unaligned());
        j += 4;
    }
    while j < n {
        *dst.add(j) = *src.add(j);
        j += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom2d(ih: usize, iw: usize, k: usize, s: usize, p: usize, d: usize) -> Geom {
        let o = |i: usize| (i + 2 * p - d * (k - 1) - 1) / s + 1;
        Geom {
            nsp: 2,
            n: 1,
            cin: 1,
            cout: 1,
            groups: 1,
            k: [1, k, k],
            stride: [1, s, s],
            pad: [0, p, p],
            dil: [1, d, d],
            isp: [1, ih, iw],
            osp: [1, o(ih), o(iw)],
        }
    }

    #[test]
    fn patches_match_a_direct_gather_and_col2im_is_the_adjoint() {
        for &(ih, iw, k, s, p, d) in &[(5, 6, 3, 1, 1, 1), (7, 5, 2, 2, 1, 2), (4, 4, 3, 3, 2, 1)] {
            let g = geom2d(ih, iw, k, s, p, d);
            let x: Vec<f64> = (0..ih * iw).map(|i| i as f64 + 1.0).collect();
            let mut col = vec![-1.0; k * k * g.olen()];
            unsafe { im2col(x.as_ptr(), 1, &g, col.as_mut_ptr(), (g.olen(), 1)) };
            for a in 0..k {
                for b in 0..k {
                    for y in 0..g.osp[1] {
                        for z in 0..g.osp[2] {
                            let yi = (y * s + a * d) as isize - p as isize;
                            let zi = (z * s + b * d) as isize - p as isize;
                            let want = if yi >= 0 && zi >= 0 && (yi as usize) < ih && (zi as usize) < iw {
                                x[yi as usize * iw + zi as usize]
                            } else {
                                0.0
                            };
                            assert_eq!(col[(a * k + b) * g.olen() + y * g.osp[2] + z], want);
                        }
                    }
                }
            }
            let mut colt = vec![-1.0; col.len()];
            unsafe { im2col(x.as_ptr(), 1, &g, colt.as_mut_ptr(), (1, k * k)) };
            for r in 0..k * k {
                for l in 0..g.olen() {
                    assert_eq!(colt[l * k * k + r], col[r * g.olen() + l]);
                }
            }
            // <im2col(x), c> == <x, col2im(c)>
            let c: Vec<f64> = (0..col.len()).map(|i| (i % 7) as f64 - 3.0).collect();
            let mut back = vec![0.0; ih * iw];
            unsafe { col2im(c.as_ptr(), 1, &g, back.as_mut_ptr()) };
            let lhs: f64 = col.iter().zip(&c).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs);
        }
    }
}
