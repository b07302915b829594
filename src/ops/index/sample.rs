//! Random index sampling from the global generator, drawn as PyTorch draws (a seed gives its
//! values): multinomial and randperm.

use super::super::Native as N;
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::random::with_rng;
use crate::tensor::{DType, Device, Tensor};

/// `multinomial(probs, n, replacement)`: per row of a 1-d or 2-d weight tensor, `n` category
/// indices drawn in proportion to the weights. As PyTorch: one sample, or any number without
/// replacement, take the `n` largest of `w / q` with `q ~ Exp(1)` (the Gumbel trick: one
/// exponential draw per weight); with replacement, a binary search of one double uniform per
/// sample in the row's normalized running sum (kept in the weights' precision).
pub fn multinomial(p: &Tensor, n: i64, replacement: bool) -> Result<Tensor> {
    crate::ensure!(p.dim() == 1 || p.dim() == 2, "prob_dist must be 1 or 2 dim");
    crate::ensure!(
        p.dtype().is_float(),
        "multinomial only supports floating-point dtypes for input, got: {}",
        p.dtype().name()
    );
    crate::ensure!(n > 0, "cannot sample n_sample <= 0 samples");
    let s = p.shape();
    let cats = *s.last().unwrap();
    crate::ensure!(
        replacement || n <= cats,
        "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
    );
    crate::ensure!(cats <= 1 << 24, "number of categories cannot exceed 2^24");
    let rows = if p.dim() == 1 { 1 } else { s[0] };
    let shape: Vec<i64> = if p.dim() == 1 { vec![n] } else { vec![rows, n] };
    if rows == 0 {
        return Tensor::empty(&shape, DType::I64, p.device());
    }
    let w = p.to_vec::<f64>()?;
    if !replacement || n == 1 {
        crate::ensure!(
            w.iter().all(|&x| x >= 0.0 && x < f64::INFINITY),
            "probability tensor contains either `inf`, `nan` or element < 0"
        );
        let sums = N::sum_dim_intlist(p, Some(&[-1][..]), false, None)?.to_vec::<f64>()?;
        crate::ensure!(sums.iter().all(|&t| t != 0.0), "invalid multinomial distribution (sum of probabilities <= 0)");
        // q shaped and laid out like p (PyTorch's empty_like), filled in memory order
        let perm = super::super::random::visit_perm(p);
        let q = N::permute(&Tensor::empty(&N::permute(p, &perm)?.shape(), p.dtype(), p.device())?, &inverse(&perm))?;
        super::super::random::exponential_(&q, 1.0)?;
        let ratio = N::div(p, &q)?;
        let idx = if n == 1 { N::argmax(&ratio, Some(-1), true)? } else { N::topk(&ratio, n, -1, true, true)?.1 };
        return Ok(idx);
    }
    let cats = cats as usize;
    let wide = p.dtype() == DType::F64;
    let mut out = Vec::with_capacity(rows as usize * n as usize);
    let mut cdf = vec![0f64; cats];
    for row in w.chunks(cats) {
        // the running sum in the weights' precision (f32 for the float dtypes), then normalized
        let mut acc = 0f64;
        for (c, &x) in cdf.iter_mut().zip(row) {
            crate::ensure!(x >= 0.0, "invalid multinomial distribution (encountering probability entry < 0)");
            crate::ensure!(x.is_finite(), "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
            acc = if wide { acc + x } else { (acc as f32 + x as f32) as f64 };
            *c = acc;
        }
        crate::ensure!(acc > 0.0, "invalid multinomial distribution (sum of probabilities <= 0)");
        for c in cdf.iter_mut() {
            *c = if wide { *c / acc } else { (*c as f32 / acc as f32) as f64 };
        }
        cdf[cats - 1] = 1.0;
        with_rng(|rng| {
            for _ in 0..n {
                let u = rng.uniform();
                out.push(cdf.partition_point(|&c| c < u) as i64);
            }
        });
    }
    Tensor::from_vec(out, &shape)
}

/// The permutation that undoes `perm`.
fn inverse(perm: &[i64]) -> Vec<i64> {
    let mut inv = vec![0; perm.len()];
    for (i, &d) in perm.iter().enumerate() {
        inv[d as usize] = i as i64;
    }
    inv
}

/// `randperm(n)`: a uniform random permutation of `0..n`, PyTorch's Fisher-Yates: element i
/// swapped with element `i + random() % (n - i)`; from 2^32/20 on, the inside-out form with
/// 64-bit draws.
pub fn randperm(n: i64, dtype: DType, device: Device) -> Result<Tensor> {
    crate::ensure!(n >= 0, "Trying to create tensor with negative dimension {n}: [{n}]");
    crate::ensure!(dtype != DType::Bool, "\"randperm\" not implemented for 'Bool'");
    let (limit, what) = match dtype {
        DType::F16 => (1 << 11, "2049 for Half"),
        DType::F32 => (1 << 24, "2^24+1 for Float"),
        DType::F64 => (1 << 53, "2^53+1 for Double"),
        _ => (i64::MAX - 1, ""),
    };
    crate::ensure!(n <= limit + 1, "n cannot be greater than {what} type.");
    let top = match dtype {
        DType::I32 => Some((i32::MAX as i64, "int")),
        DType::I16 => Some((i16::MAX as i64, "int16_t")),
        DType::I8 => Some((i8::MAX as i64, "int8_t")),
        DType::U8 => Some((u8::MAX as i64, "uint8_t")),
        _ => None,
    };
    if let Some((top, name)) = top {
        crate::ensure!(n - 1 <= top, "value cannot be converted to type {name} without overflow");
    }
    device.check_available()?;
    let n_us = n as usize;
    let mut v: Vec<i64> = Vec::with_capacity(n_us);
    with_rng(|rng| {
        if n < (u32::MAX / 20) as i64 {
            v.extend(0..n);
            for i in 0..n_us.saturating_sub(1) {
                let z = rng.random() as usize % (n_us - i);
                v.swap(i, i + z);
            }
        } else {
            v.resize(n_us, 0);
            for i in 0..n_us {
                let z = (rng.next_u64() % (i as u64 + 1)) as usize;
                v[i] = v[z];
                v[z] = i as i64;
            }
        }
    });
    crate::ops::convert::to(&Tensor::from_vec(v, &[n])?, Some(device), Some(dtype), false)
}
