//! Image resizing as libtorch's `at_resize_image` does it: stb_image_resize v1's
//! `stbir_resize_uint8` (linear colorspace, clamped edges, Catmull-Rom when an axis grows and
//! Mitchell when it shrinks or keeps its size, horizontal pass first, f32 sums in stb's order).

/// Catmull-Rom (stb's upsampling filter), support 2.
fn catmull_rom(x: f32) -> f32 {
    let x = x.abs();
    if x < 1.0 {
        1.0 - x * x * (2.5 - 1.5 * x)
    } else if x < 2.0 {
        2.0 - x * (4.0 + x * (0.5 * x - 2.5))
    } else {
        0.0
    }
}

/// Mitchell-Netravali B = C = 1/3 (stb's downsampling filter), support 2.
fn mitchell(x: f32) -> f32 {
    let x = x.abs();
    if x < 1.0 {
        (16.0 + x * x * (21.0 * x - 36.0)) / 18.0
    } else if x < 2.0 {
        (32.0 + x * (-60.0 + x * (36.0 - 7.0 * x))) / 18.0
    } else {
        0.0
    }
}

/// For each output index of one axis, its (input index, weight) pairs in the order stb adds them.
fn weights(input: usize, output: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = output as f32 / input as f32;
    let clamp = |i: i64| i.clamp(0, input as i64 - 1) as usize;
    let mut w: Vec<Vec<(usize, f32)>> = vec![Vec::new(); output];
    if scale > 1.0 {
        let radius = 2.0 * scale;
        for (n, wn) in w.iter_mut().enumerate() {
            let c = n as f32 + 0.5;
            let (lo, hi, center) = ((c - radius) / scale, (c + radius) / scale, c / scale);
            let first = (lo as f64 + 0.5).floor() as i64;
            let last = (hi as f64 - 0.5).floor() as i64;
            let mut cs: Vec<(i64, f32)> = (first..=last).map(|i| (i, catmull_rom(center - (i as f32 + 0.5)))).collect();
            if cs.first().is_some_and(|c| c.1 == 0.0) {
                cs.remove(0);
            }
            let s = 1.0 / cs.iter().fold(0.0f32, |a, c| a + c.1);
            *wn = cs.into_iter().map(|(i, c)| (clamp(i), c * s)).collect();
        }
    } else {
        let radius = 2.0 / scale;
        let margin = ((2.0 * 2.0 / scale) as f64).ceil() as i64 / 2;
        let mut raw: Vec<Vec<(i64, f32)>> = vec![Vec::new(); output];
        for n in -margin..input as i64 + margin {
            let c = n as f32 + 0.5;
            let (lo, hi, center) = ((c - radius) * scale, (c + radius) * scale, c * scale);
            let first = (lo as f64 + 0.5).floor() as i64;
            let last = (hi as f64 - 0.5).floor() as i64;
            for k in first.max(0)..=last.min(output as i64 - 1) {
                raw[k as usize].push((n, mitchell((k as f32 + 0.5) - center) * scale));
            }
        }
        for (wn, cs) in w.iter_mut().zip(raw) {
            let s = 1.0 / cs.iter().fold(0.0f32, |a, c| a + c.1);
            *wn = cs.into_iter().map(|(i, c)| (clamp(i), c * s)).collect();
        }
    }
    w
}

/// Resizes `src`, `h x w` pixels of `c` interleaved u8 channels, to `oh x ow`.
pub fn resize_u8(src: &[u8], w: usize, h: usize, c: usize, ow: usize, oh: usize) -> Vec<u8> {
    let (wx, wy) = (weights(w, ow), weights(h, oh));
    let decoded: Vec<f32> = src.iter().map(|&b| b as f32 / 255.0).collect();
    let mut tmp = vec![0f32; h * ow * c];
    for y in 0..h {
        let row = &decoded[y * w * c..(y + 1) * w * c];
        let out = &mut tmp[y * ow * c..(y + 1) * ow * c];
        for (ox, ws) in wx.iter().enumerate() {
            for &(ix, wt) in ws {
                for ch in 0..c {
                    out[ox * c + ch] += row[ix * c + ch] * wt;
                }
            }
        }
    }
    let mut acc = vec![0f32; ow * c];
    let mut dst = vec![0u8; oh * ow * c];
    for (oy, ws) in wy.iter().enumerate() {
        acc.iter_mut().for_each(|a| *a = 0.0);
        for &(iy, wt) in ws {
            for (a, &v) in acc.iter_mut().zip(&tmp[iy * ow * c..(iy + 1) * ow * c]) {
                *a += v * wt;
            }
        }
        for (d, &a) in dst[oy * ow * c..(oy + 1) * ow * c].iter_mut().zip(&acc) {
            *d = ((a.clamp(0.0, 1.0) * 255.0) as f64 + 0.5) as u8;
        }
    }
    dst
}
