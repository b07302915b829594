//! `_standard_gamma_grad(alpha, x)`: the reparameterized derivative dx/dalpha of a standard
//! Gamma(alpha) sample x (minus the alpha-derivative of the CDF over the density), PyTorch's
//! `standard_gamma_grad_one` in double: a Taylor series for x < 0.8, Rice's saddle point
//! expansion for alpha > 8, a bivariate rational fit elsewhere. It is `_standard_gamma`'s
//! backward.

use crate::capi::generated::AtgApi;
use crate::error::Result;
use crate::ops::Native as N;
use crate::tensor::{DType, Tensor};

/// Digamma as PyTorch's `digamma_one` (Cephes): recurrence up to 10, then the asymptotic series.
fn digamma(x: f64) -> f64 {
    const PSI_10: f64 = 2.25175258906672110764;
    const A: [f64; 7] = [
        8.33333333333333333333E-2,
        -2.10927960927960927961E-2,
        7.57575757575757575758E-3,
        -4.16666666666666666667E-3,
        3.96825396825396825397E-3,
        -8.33333333333333333333E-3,
        8.33333333333333333333E-2,
    ];
    if x == 0.0 {
        return f64::INFINITY;
    }
    let (mut x, mut extra) = (x, 0.0);
    if x < 0.0 {
        if x == x.floor() {
            return f64::INFINITY;
        }
        extra = -std::f64::consts::PI / (std::f64::consts::PI * x).tan();
        x = 1.0 - x;
    }
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    if x == 10.0 {
        return acc + PSI_10 + extra;
    }
    let mut y = 0.0;
    if x < 1.0e17f32 as f64 {
        let z = 1.0 / (x * x);
        y = z * A.iter().fold(0.0, |p, &c| p * z + c);
    }
    acc + x.ln() - 0.5 / x - y + extra
}

/// The rational fit's coefficients: row k holds the u^k parts of the eight v-polynomial
/// coefficients (numerator 0..4, denominator 4..8).
const FIT: [[f64; 8]; 3] = [
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1.0, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07],
];

/// dx/dalpha for one sample `x` of Gamma(`alpha`), in double (NaN from the series gives 0).
pub fn standard_gamma_grad_one(alpha: f64, x: f64) -> f64 {
    if x < 0.8f32 as f64 {
        let (mut term, mut denom) = (1.0, alpha);
        let (mut s1, mut s2) = (term / denom, term / (denom * denom));
        for i in 1..=5 {
            term *= -x / i as f64;
            denom += 1.0;
            s1 += term / denom;
            s2 += term / (denom * denom);
        }
        let x_alpha = x.powf(alpha);
        let pdf = x.powf(alpha - 1.0) * (-x).exp();
        let cdf = x_alpha * s1;
        let cdf_alpha = (x.ln() - digamma(alpha)) * cdf - x_alpha * s2;
        let r = -cdf_alpha / pdf;
        return if r.is_nan() { 0.0 } else { r };
    }
    if alpha > 8.0 {
        if 0.9f32 as f64 * alpha <= x && x <= 1.1f32 as f64 * alpha {
            let n1 = 1.0 + 24.0 * alpha * (1.0 + 12.0 * alpha);
            let n2 = 1440.0 * (alpha * alpha) + 6.0 * x * (53.0 - 120.0 * x) - 65.0 * x * x / alpha
                + alpha * (107.0 + 3600.0 * x);
            let d = 1244160.0 * (alpha * alpha) * (alpha * alpha);
            return n1 * n2 / d;
        }
        let d = (8.0 * alpha).sqrt();
        let t2 = d / (alpha - x);
        let t3 = (x - alpha - alpha * (x / alpha).ln()).powf(-1.5);
        let t23 = if x < alpha { t2 - t3 } else { t2 + t3 };
        let t1 = (x / alpha).ln() * t23 - (2.0 / alpha).sqrt() * (alpha + x) / ((alpha - x) * (alpha - x));
        let stirling = 1.0 + 1.0 / (12.0 * alpha) * (1.0 + 1.0 / (24.0 * alpha));
        return -stirling * (x * t1) / d;
    }
    let (u, v) = ((x / alpha).ln(), alpha.ln());
    let c: Vec<f64> = (0..8).map(|i| FIT[0][i] + u * (FIT[1][i] + u * FIT[2][i])).collect();
    let p = c[0] + v * (c[1] + v * (c[2] + v * c[3]));
    let q = c[4] + v * (c[5] + v * (c[6] + v * c[7]));
    (p / q).exp()
}

/// `_standard_gamma_grad(self, output)`: per element of `alpha` (self) and the samples, f32 or
/// f64 of one dtype, same shape; the result in that dtype.
pub fn standard_gamma_grad(alpha: &Tensor, x: &Tensor) -> Result<Tensor> {
    let dt = alpha.dtype();
    crate::ensure!(
        matches!(dt, DType::F32 | DType::F64),
        "\"_standard_gamma_grad_cpu\" not implemented for '{}'",
        dt.name()
    );
    crate::ensure!(x.dtype() == dt, "expected scalar type {} but found {}", dt.name(), x.dtype().name());
    crate::ensure!(
        alpha.shape() == x.shape(),
        "_standard_gamma_grad: the shapes of self {:?} and output {:?} differ",
        &alpha.shape()[..],
        &x.shape()[..]
    );
    let (a, s) = (alpha.to_vec::<f64>()?, x.to_vec::<f64>()?);
    let g: Vec<f64> = a.iter().zip(&s).map(|(&a, &x)| standard_gamma_grad_one(a, x)).collect();
    let out = Tensor::from_vec(g, &alpha.shape())?;
    crate::ops::convert::to(&out, Some(alpha.device()), Some(dt), false)
}

/// `_standard_gamma`'s backward: `grad * _standard_gamma_grad(alpha, sample)`.
pub fn standard_gamma_backward(grad: &Tensor, alpha: &Tensor, sample: &Tensor) -> Result<Tensor> {
    N::mul(grad, &standard_gamma_grad(alpha, sample)?)
}

/// The `atg_*` overrides of this family, expanded inside `impl AtgApi for Native`.
macro_rules! atg_gamma_grad {
    () => {
        fn _standard_gamma_grad(a: &Tensor, out: &Tensor) -> Result<Tensor> { $crate::ops::gamma_grad::standard_gamma_grad(a, out) }
        fn _standard_gamma_grad_out(o: &Tensor, a: &Tensor, out: &Tensor) -> Result<Tensor> {
            $crate::ops::arith::assign_out(o, &$crate::ops::gamma_grad::standard_gamma_grad(a, out)?)
        }
    };
}
pub(crate) use atg_gamma_grad;
