//! Statistics and assembly ops composed from other ops (their gradients follow): cov,
//! corrcoef, nanmean, trapezoid/trapz, tensordot, block_diag, cartesian_prod, bucketize.

use super::Native as N;
use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::tensor::{DType, Scalar, Tensor};

/// `x` when floating, else a float32 copy.
fn floating(x: &Tensor) -> Result<Tensor> {
    if x.dtype().is_float() { Ok(x.clone()) } else { N::totype(x, DType::F32) }
}

/// The covariance matrix of the variables in the rows of `x` (observations in columns; a 1-d
/// `x` is one variable), with frequency and reliability weights, as `torch.cov`.
pub fn cov(x: &Tensor, correction: i64, fweights: Option<&Tensor>, aweights: Option<&Tensor>) -> Result<Tensor> {
    crate::ensure!(x.dim() <= 2, "cov(): expected input to have two or fewer dimensions but got an input with {} dimensions", x.dim());
    let x = floating(x)?;
    let x = if x.dim() < 2 { N::view(&x, &[1, -1])? } else { x };
    let n_obs = x.shape()[1];
    let check = |w: &Tensor, what: &str| -> Result<()> {
        crate::ensure!(w.dim() <= 1, "cov(): expected {what} to have one or fewer dimensions but got {what} with {} dimensions", w.dim());
        crate::ensure!(
            w.numel() as i64 == n_obs,
            "cov(): expected {what} to have the same numel as there are observations in the input but got {} != {n_obs}",
            w.numel()
        );
        Ok(())
    };
    let mut w: Option<Tensor> = None;
    if let Some(f) = fweights {
        check(f, "fweights")?;
        crate::ensure!(!f.dtype().is_float(), "cov(): expected fweights to have integral dtype but got fweights with {} dtype", f.dtype().name());
        w = Some(f.clone());
    }
    if let Some(a) = aweights {
        check(a, "aweights")?;
        crate::ensure!(a.dtype().is_float(), "cov(): expected aweights to have floating point dtype but got aweights with {} dtype", a.dtype().name());
        w = Some(match w {
            Some(f) => N::mul(&f, a)?,
            None => a.clone(),
        });
    }
    let (avg, w_sum) = match &w {
        Some(w) => {
            let w_sum = N::sum(w, None)?;
            (N::div(&N::sum_dim_intlist(&N::mul(&x, w)?, Some(&[1]), false, None)?, &w_sum)?, Some(w_sum))
        }
        None => (N::mean_dim(&x, Some(&[1]), false, None)?, None),
    };
    let norm = match (&w, &w_sum) {
        (Some(w), Some(ws)) if correction != 0 => match aweights {
            Some(a) => {
                let wa = N::div(&N::sum(&N::mul(w, a)?, None)?, ws)?;
                N::sub(ws, &N::mul_scalar(&wa, &Scalar::Int(correction))?)?
            }
            None => N::sub_scalar(ws, &Scalar::Int(correction))?,
        },
        (Some(_), Some(ws)) => ws.clone(),
        _ => Tensor::from_vec(vec![(n_obs - correction) as f64], &[])?,
    };
    // a non-positive normalization gives inf/NaN, as PyTorch (which warns)
    let norm = N::clamp_min(&norm, &Scalar::Int(0))?;
    let centered = N::sub(&x, &N::unsqueeze(&avg, 1)?)?;
    let right = match &w {
        Some(w) => N::mul(&centered, w)?,
        None => centered.clone(),
    };
    let c = N::mm(&centered, &N::t(&right)?)?;
    let c = N::div(&c, &N::totype(&norm, c.dtype())?)?;
    N::squeeze(&c)
}

/// Pearson's correlation coefficients of the rows of `x`, clipped to [-1, 1].
pub fn corrcoef(x: &Tensor) -> Result<Tensor> {
    let c = cov(x, 1, None, None)?;
    if c.dim() == 0 {
        return N::div(&c, &c);
    }
    let sd = N::sqrt(&N::diagonal(&c, 0, 0, 1)?)?;
    let c = N::div(&N::div(&c, &N::unsqueeze(&sd, 1)?)?, &N::unsqueeze(&sd, 0)?)?;
    N::clip(&c, &Scalar::Int(-1), &Scalar::Int(1))
}

/// The mean of the non-NaN elements.
pub fn nanmean(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    crate::ensure!(
        x.dtype().is_float(),
        "nanmean(): expected input to have floating point or complex dtype but got {}",
        x.dtype().name()
    );
    let kept = N::logical_not(&N::isnan(x)?)?;
    let count = N::sum_dim_intlist(&kept, dims, keepdim, dtype.or(Some(x.dtype())))?;
    N::div(&N::nansum(x, dims, keepdim, dtype)?, &count)
}

/// The trapezoidal rule along `dim` with spacing `dx` (a number or, from sample points, a
/// tensor broadcasting along `dim`).
fn trapezoid_with(y: &Tensor, dx: Option<&Tensor>, dx_num: f64, dim: i64) -> Result<Tensor> {
    let n = y.shape().get(normalize(dim, y.dim())?).copied().unwrap_or(0);
    if n == 0 {
        let y0 = N::sum_dim_intlist(y, Some(&[dim]), false, None)?;
        return N::mul_scalar(&y0, &Scalar::Int(0));
    }
    let pairs = N::add(&N::narrow(y, dim, 1, n - 1)?, &N::narrow(y, dim, 0, n - 1)?)?;
    let area = match dx {
        Some(d) => N::mul(&pairs, d)?,
        None => N::mul_scalar(&pairs, &Scalar::Float(dx_num))?,
    };
    N::div_scalar(&N::sum_dim_intlist(&area, Some(&[dim]), false, None)?, &Scalar::Int(2))
}

fn normalize(dim: i64, nd: usize) -> Result<usize> {
    let n = nd as i64;
    crate::ensure!(dim >= -n && dim < n, "Dimension out of range (expected to be in range of [{}, {}], but got {dim})", -n, n - 1);
    Ok(if dim < 0 { (dim + n) as usize } else { dim as usize })
}

/// `torch.trapezoid(y, x, dim)`: spacing from the sample points `x` (1-d, or shaped like `y`).
pub fn trapezoid_x(y: &Tensor, x: &Tensor, dim: i64) -> Result<Tensor> {
    let d = normalize(dim, y.dim())?;
    let n = y.shape()[d];
    let dx = if x.dim() == 1 {
        crate::ensure!(
            x.numel() as i64 == n,
            "trapezoid: There must be one `x` value for each sample point"
        );
        let diff = N::sub(&N::narrow(x, 0, 1, (n - 1).max(0))?, &N::narrow(x, 0, 0, (n - 1).max(0))?)?;
        // shaped to broadcast along `dim`
        let shape: Vec<i64> = (0..y.dim()).map(|i| if i == d { (n - 1).max(0) } else { 1 }).collect();
        N::reshape(&diff, &shape)?
    } else {
        let m = x.shape()[normalize(dim, x.dim())?];
        N::sub(&N::narrow(x, dim, 1, (m - 1).max(0))?, &N::narrow(x, dim, 0, (m - 1).max(0))?)?
    };
    trapezoid_with(y, Some(&dx), 1.0, dim)
}

/// Contracts `dims_a` of `a` with `dims_b` of `b` (the remaining dimensions of `a`, then of `b`).
pub fn tensordot(a: &Tensor, b: &Tensor, dims_a: &[i64], dims_b: &[i64]) -> Result<Tensor> {
    crate::ensure!(dims_a.len() == dims_b.len(), "both dimension lists should have same length");
    let (sa, sb) = (a.shape(), b.shape());
    let da: Vec<usize> = dims_a.iter().map(|&d| normalize(d, sa.len())).collect::<Result<_>>()?;
    let db: Vec<usize> = dims_b.iter().map(|&d| normalize(d, sb.len())).collect::<Result<_>>()?;
    for (&i, &j) in da.iter().zip(&db) {
        crate::ensure!(
            sa[i] == sb[j] || sa[i] == 1 || sb[j] == 1,
            "contracted dimensions need to match, but first has size {} in dim {i} and second has size {} in dim {j}",
            sa[i],
            sb[j]
        );
    }
    let free_a: Vec<usize> = (0..sa.len()).filter(|i| !da.contains(i)).collect();
    let free_b: Vec<usize> = (0..sb.len()).filter(|i| !db.contains(i)).collect();
    let k: i64 = da.iter().map(|&i| sa[i]).product();
    let (fa, fb): (i64, i64) = (free_a.iter().map(|&i| sa[i]).product(), free_b.iter().map(|&i| sb[i]).product());
    let pa: Vec<i64> = free_a.iter().chain(&da).map(|&i| i as i64).collect();
    let pb: Vec<i64> = db.iter().chain(&free_b).map(|&i| i as i64).collect();
    let ma = N::reshape(&N::permute(a, &pa)?, &[fa, k])?;
    let mb = N::reshape(&N::permute(b, &pb)?, &[k, fb])?;
    let out: Vec<i64> = free_a.iter().map(|&i| sa[i]).chain(free_b.iter().map(|&i| sb[i])).collect();
    N::reshape(&N::mm(&ma, &mb)?, &out)
}

/// The block-diagonal matrix of 0-, 1- and 2-d tensors (promoted to one dtype).
pub fn block_diag(ts: &[Tensor]) -> Result<Tensor> {
    let mut mats = Vec::with_capacity(ts.len());
    for (i, t) in ts.iter().enumerate() {
        crate::ensure!(
            t.dim() <= 2,
            "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {} dimensions",
            t.dim()
        );
        mats.push(match t.dim() {
            0 => N::reshape(t, &[1, 1])?,
            1 => N::reshape(t, &[1, -1])?,
            _ => t.clone(),
        });
    }
    let dtype = crate::ops::promote::result_type(&mats.iter().collect::<Vec<_>>());
    let width: i64 = mats.iter().map(|m| m.shape()[1]).sum();
    let mut rows = Vec::with_capacity(mats.len());
    let mut left = 0;
    for m in &mats {
        let w = m.shape()[1];
        let m = N::totype(m, dtype)?;
        rows.push(N::constant_pad_nd(&m, &[left, width - left - w])?);
        left += w;
    }
    if rows.is_empty() {
        return Tensor::zeros(&[0, 0], DType::F32, crate::tensor::Device::Cpu);
    }
    N::cat(&rows, 0)
}

/// The Cartesian product of 1-d tensors as rows of a 2-d tensor (one tensor: itself).
pub fn cartesian_prod(ts: &[Tensor]) -> Result<Tensor> {
    for t in ts {
        crate::ensure!(t.dim() == 1, "Expect a 1D vector, but got shape {:?}", t.shape().to_vec());
    }
    if ts.len() == 1 {
        return Ok(ts[0].clone());
    }
    let grids = N::meshgrid_indexing(ts, "ij")?;
    let flat: Vec<Tensor> = grids.iter().map(|g| N::flatten(g, 0, -1)).collect::<Result<_>>()?;
    N::stack(&flat, 1)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_statistics {
    () => {
        fn cov(a: &Tensor, correction: i64, fw: Option<&Tensor>, aw: Option<&Tensor>) -> Result<Tensor> { $crate::ops::statistics::cov(a, correction, fw, aw) }
        fn corrcoef(a: &Tensor) -> Result<Tensor> { $crate::ops::statistics::corrcoef(a) }
        fn nanmean(a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> { $crate::ops::statistics::nanmean(a, dims, keepdim, dtype) }
        fn nanmean_out(out: &Tensor, a: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
            $crate::ops::arith::assign_out(out, &$crate::ops::statistics::nanmean(a, dims, keepdim, dtype)?)
        }
        fn trapezoid(y: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::statistics::trapezoid_dx(y, 1.0, dim) }
        fn trapezoid_x(y: &Tensor, x: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::statistics::trapezoid_x(y, x, dim) }
        fn trapz(y: &Tensor, x: &Tensor, dim: i64) -> Result<Tensor> { $crate::ops::statistics::trapezoid_x(y, x, dim) }
        fn trapz_dx(y: &Tensor, dx: f64, dim: i64) -> Result<Tensor> { $crate::ops::statistics::trapezoid_dx(y, dx, dim) }
        fn tensordot(a: &Tensor, b: &Tensor, da: &[i64], db: &[i64]) -> Result<Tensor> { $crate::ops::statistics::tensordot(a, b, da, db) }
        fn block_diag(ts: &[Tensor]) -> Result<Tensor> { $crate::ops::statistics::block_diag(ts) }
        fn cartesian_prod(ts: &[Tensor]) -> Result<Tensor> { $crate::ops::statistics::cartesian_prod(ts) }
        fn bucketize(a: &Tensor, bd: &Tensor, out_int32: bool, right: bool) -> Result<Tensor> {
            $crate::ops::index::count::searchsorted(bd, a, out_int32, right, "", None)
        }
        fn bucketize_scalar(a: &Scalar, bd: &Tensor, out_int32: bool, right: bool) -> Result<Tensor> {
            let dt = if matches!(a, Scalar::Float(_)) { DType::F64 } else { DType::I64 };
            let t = $crate::ops::arith::scalar_tensor(*a, dt);
            $crate::ops::index::count::searchsorted(bd, &t, out_int32, right, "", None)
        }
    };
}
pub(crate) use atg_statistics;

/// `torch.trapezoid(y, dx=dx, dim)`.
pub fn trapezoid_dx(y: &Tensor, dx: f64, dim: i64) -> Result<Tensor> {
    trapezoid_with(y, None, dx, dim)
}
