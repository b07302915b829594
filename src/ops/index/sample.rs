//! Random index sampling from the global generator: multinomial and randperm.

use crate::error::Result;
use crate::tensor::random::with_rng;
use crate::tensor::{DType, Device, Tensor};

/// `multinomial(probs, n, replacement)`: per row of a 1-d or 2-d weight tensor, `n` category
/// indices drawn in proportion to the weights.
pub fn multinomial(p: &Tensor, n: i64, replacement: bool) -> Result<Tensor> {
    crate::ensure!(
        p.dtype().is_float(),
        "multinomial only supports floating-point dtypes for input, got: {}",
        p.dtype().name()
    );
    crate::ensure!(p.dim() == 1 || p.dim() == 2, "prob_dist must be 1 or 2 dim");
    crate::ensure!(n > 0, "cannot sample n_sample <= 0 samples");
    let s = p.shape();
    let cats = *s.last().unwrap() as usize;
    crate::ensure!(cats > 0, "number of categories cannot be zero");
    crate::ensure!(
        replacement || n as usize <= cats,
        "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
    );
    let w = p.to_vec::<f64>()?;
    crate::ensure!(
        w.iter().all(|&x| x.is_finite() && x >= 0.0),
        "probability tensor contains either `inf`, `nan` or element < 0"
    );
    let rows = w.len() / cats;
    let mut out = Vec::with_capacity(rows * n as usize);
    with_rng(|rng| -> Result<()> {
        for r in 0..rows {
            let mut row = w[r * cats..(r + 1) * cats].to_vec();
            let total: f64 = row.iter().sum();
            crate::ensure!(total > 0.0, "invalid multinomial distribution (sum of probabilities <= 0)");
            if !replacement {
                crate::ensure!(
                    row.iter().filter(|&&x| x > 0.0).count() >= n as usize,
                    "invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)"
                );
            }
            let mut cdf = Vec::with_capacity(cats);
            for _ in 0..n {
                cdf.clear();
                let mut acc = 0.0;
                for &x in &row {
                    acc += x;
                    cdf.push(acc);
                }
                let u = rng.uniform() * acc;
                let k = cdf.partition_point(|&c| c <= u).min(cats - 1);
                // never pick a zero-weight category through rounding at the edges
                let k = (k..cats).chain((0..k).rev()).find(|&i| row[i] > 0.0).unwrap_or(k);
                out.push(k as i64);
                if !replacement {
                    row[k] = 0.0;
                }
            }
        }
        Ok(())
    })?;
    let shape: Vec<i64> = if p.dim() == 1 { vec![n] } else { vec![rows as i64, n] };
    Tensor::from_vec(out, &shape)
}

/// `randperm(n)`: a uniform random permutation of `0..n` (Fisher-Yates).
pub fn randperm(n: i64, dtype: DType, device: Device) -> Result<Tensor> {
    crate::ensure!(n >= 0, "n must be non-negative, got{n}");
    let mut v: Vec<i64> = (0..n).collect();
    with_rng(|rng| {
        for i in (1..v.len()).rev() {
            let j = rng.below(0, i as i64 + 1) as usize;
            v.swap(i, j);
        }
    });
    device.check_available()?;
    crate::ops::convert::to(&Tensor::from_vec(v, &[n])?, None, Some(dtype), false)
}
