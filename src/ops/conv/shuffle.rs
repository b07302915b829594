//! pixel_shuffle, pixel_unshuffle and channel_shuffle: reshapes and permutations (their
//! gradients follow from the view ops').

use crate::error::Result;
use crate::ops::shape;
use crate::tensor::Tensor;

fn lead_and_chw(x: &Tensor) -> (Vec<i64>, i64, i64, i64) {
    let s = x.shape();
    let n = s.len();
    (s[..n - 3].to_vec(), s[n - 3], s[n - 2], s[n - 1])
}

/// `[*, c * r * r, h, w] -> [*, c, h * r, w * r]`.
pub fn pixel_shuffle(x: &Tensor, r: i64) -> Result<Tensor> {
    crate::ensure!(
        x.dim() >= 3,
        "pixel_shuffle expects input to have at least 3 dimensions, but got input with {} dimension(s)",
        x.dim()
    );
    crate::ensure!(r > 0, "pixel_shuffle expects a positive upscale_factor, but got {r}");
    let (lead, c, h, w) = lead_and_chw(x);
    let rr = r.checked_mul(r).unwrap_or(i64::MAX);
    crate::ensure!(
        c % rr == 0,
        "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)={c} is not divisible by {rr}"
    );
    let oc = c / rr;
    let nl = lead.len() as i64;
    let mut s1 = lead.clone();
    s1.extend([oc, r, r, h, w]);
    let mut perm: Vec<i64> = (0..nl).collect();
    perm.extend([nl, nl + 3, nl + 1, nl + 4, nl + 2]);
    let big = || crate::error::Error::msg("torchrs: pixel_shuffle output is too large");
    let mut s2 = lead;
    s2.extend([oc, h.checked_mul(r).ok_or_else(big)?, w.checked_mul(r).ok_or_else(big)?]);
    let y = shape::permute(&shape::reshape(x, &s1)?, &perm)?;
    shape::reshape(&y, &s2)
}

/// `[*, c, h * r, w * r] -> [*, c * r * r, h, w]`.
pub fn pixel_unshuffle(x: &Tensor, r: i64) -> Result<Tensor> {
    crate::ensure!(
        x.dim() >= 3,
        "pixel_unshuffle expects input to have at least 3 dimensions, but got input with {} dimension(s)",
        x.dim()
    );
    crate::ensure!(r > 0, "pixel_unshuffle expects a positive downscale_factor, but got {r}");
    let (lead, c, h, w) = lead_and_chw(x);
    crate::ensure!(
        h % r == 0,
        "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)={h} is not divisible by {r}"
    );
    crate::ensure!(
        w % r == 0,
        "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)={w} is not divisible by {r}"
    );
    let (oh, ow) = (h / r, w / r);
    let nl = lead.len() as i64;
    let mut s1 = lead.clone();
    s1.extend([c, oh, r, ow, r]);
    let mut perm: Vec<i64> = (0..nl).collect();
    perm.extend([nl, nl + 2, nl + 4, nl + 1, nl + 3]);
    let mut s2 = lead;
    s2.extend([c * r * r, oh, ow]);
    let y = shape::permute(&shape::reshape(x, &s1)?, &perm)?;
    shape::reshape(&y, &s2)
}

/// `[b, g * k, *] -> [b, k * g, *]`: channels regrouped (transpose of the group split).
pub fn channel_shuffle(x: &Tensor, groups: i64) -> Result<Tensor> {
    crate::ensure!(
        x.dim() > 2,
        "channel_shuffle expects input to have at least 3 dimensions, but got input with {} dims",
        x.dim()
    );
    crate::ensure!(groups > 0, "Number of groups to divide channels in must be positive. Value of groups:{groups}");
    let s = x.shape();
    let c = s[1];
    crate::ensure!(c % groups == 0, "Number of channels must be divisible by groups. Got {c} channels and {groups} groups.");
    let mut s1 = vec![s[0], groups, c / groups];
    s1.extend_from_slice(&s[2..]);
    let y = shape::transpose(&shape::reshape(x, &s1)?, 1, 2)?;
    shape::reshape(&y, &s)
}
