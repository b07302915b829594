//! Random ops: the distributions' moments and supports over large samples (f32, f64 and the
//! other dtypes, contiguous and strided), PyTorch's error messages,
//! and the dropout family (mask values, whole channels, alpha dropout's moments, gradients).

use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Tensor};

fn f64s(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().unwrap()
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (m, (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt())
}

fn empty(shape: &[i64], dt: DType) -> Tensor {
    Tensor::empty(shape, dt, Device::Cpu).unwrap()
}

fn err_of<T>(r: torchrs::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// randn and normal_ over more than one block: mean, spread, the share within one standard
/// deviation (0.6827) and within three (0.9973), in f32, f64, f16 and bf16, and into a
/// transposed view (every element written).
#[test]
fn normal_values_have_the_normal_moments() {
    for dt in [DType::F32, DType::F64, DType::F16, DType::BF16] {
        let t = N::randn(&[400, 1001], dt, Device::Cpu).unwrap();
        let v = f64s(&t);
        let (m, s) = mean_std(&v);
        assert!(m.abs() < 0.01 && (s - 1.0).abs() < 0.01, "{dt:?}: mean {m}, std {s}");
        let within1 = v.iter().filter(|x| x.abs() < 1.0).count() as f64 / v.len() as f64;
        let within3 = v.iter().filter(|x| x.abs() < 3.0).count() as f64 / v.len() as f64;
        assert!((within1 - 0.6827).abs() < 0.005, "{dt:?}: {within1} within one std");
        assert!((within3 - 0.9973).abs() < 0.001, "{dt:?}: {within3} within three std");
        assert!(v.iter().all(|x| x.is_finite()));
    }
    let base = Tensor::zeros(&[300, 500], DType::F32, Device::Cpu).unwrap();
    let view = N::t(&base).unwrap();
    N::normal_(&view, 3.0, 0.5).unwrap();
    let v = f64s(&base);
    let (m, s) = mean_std(&v);
    assert!((m - 3.0).abs() < 0.01 && (s - 0.5).abs() < 0.01, "strided normal_: mean {m}, std {s}");
    assert!(v.iter().all(|&x| x != 0.0), "a strided normal_ left an element unwritten");
    // odd lengths: the tail of a block is normal too
    let small = f64s(&N::randn(&[7], DType::F32, Device::Cpu).unwrap());
    assert!(small.iter().all(|x| x.is_finite() && *x != 0.0));
}

/// rand, uniform_ and rand_like stay in [from, to) with the uniform mean and spread.
#[test]
fn uniform_values_cover_the_range() {
    for dt in [DType::F32, DType::F64, DType::F16] {
        let t = N::rand(&[300_000], dt, Device::Cpu).unwrap();
        let v = f64s(&t);
        let (m, s) = mean_std(&v);
        assert!(v.iter().all(|&x| (0.0..1.0).contains(&x) || (dt == DType::F16 && x == 1.0)), "{dt:?} out of [0, 1)");
        assert!((m - 0.5).abs() < 0.005 && (s - (1.0f64 / 12.0).sqrt()).abs() < 0.005, "{dt:?}: {m} {s}");
    }
    let t = empty(&[100_000], DType::F64);
    N::uniform_(&t, -3.0, 5.0).unwrap();
    let v = f64s(&t);
    assert!(v.iter().all(|&x| (-3.0..5.0).contains(&x)));
    assert!((mean_std(&v).0 - 1.0).abs() < 0.05);
    assert!(err_of(N::uniform_(&t, 2.0, 1.0)).contains("uniform_ expects to return a [from, to) range, but found from=2 > to=1"));
    assert!(err_of(N::uniform_(&empty(&[3], DType::I64), 0.0, 1.0)).contains("not implemented for 'Long'"));
    assert!(err_of(N::normal_(&t, 0.0, -1.0)).contains("normal expects std >= 0.0, but found std -1"));
}

/// bernoulli with a number and with a tensor of probabilities, into float, integer and bool
/// tensors; probabilities 0 and 1 are exact; out-of-range p is PyTorch's error.
#[test]
fn bernoulli_draws_with_the_given_probability() {
    for dt in [DType::F32, DType::F64, DType::I64, DType::Bool, DType::BF16] {
        let t = empty(&[200_000], dt);
        N::bernoulli_float_(&t, 0.3).unwrap();
        let v = f64s(&t);
        assert!(v.iter().all(|&x| x == 0.0 || x == 1.0));
        let share = v.iter().sum::<f64>() / v.len() as f64;
        assert!((share - 0.3).abs() < 0.005, "{dt:?}: {share}");
    }
    let p = Tensor::from_vec(vec![0.0f32, 1.0, 0.5, 0.0, 1.0, 0.5], &[2, 3]).unwrap();
    let big = N::expand(&p, &[50_000, 2, 3], false).unwrap();
    let draws = N::bernoulli(&N::contiguous(&big).unwrap()).unwrap();
    assert_eq!(draws.dtype(), DType::F32);
    let v = f64s(&draws);
    for k in 0..6 {
        let col: Vec<f64> = v.iter().skip(k).step_by(6).copied().collect();
        let share = col.iter().sum::<f64>() / col.len() as f64;
        let want = [0.0, 1.0, 0.5][k % 3];
        assert!((share - want).abs() < if want == 0.5 { 0.01 } else { 0.0 } + 1e-12, "column {k}: {share}");
    }
    // p broadcast into an integer tensor, in place
    let ints = empty(&[1000, 3], DType::I64);
    N::bernoulli_(&ints, &Tensor::from_vec(vec![0.0f64, 1.0, 0.0], &[3]).unwrap()).unwrap();
    assert!(ints.to_vec::<i64>().unwrap().chunks(3).all(|r| r == [0, 1, 0]));
    assert_eq!(N::bernoulli_p(&empty(&[4], DType::F64), 1.0).unwrap().to_vec::<f64>().unwrap(), vec![1.0; 4]);
    let f = empty(&[3], DType::F32);
    assert!(err_of(N::bernoulli_float_(&f, 1.5)).contains("bernoulli_ expects p to be in [0, 1], but got p=1.5"));
    assert!(err_of(N::bernoulli_float_(&f, f64::NAN)).contains("but got p=nan"));
    let bad = Tensor::from_vec(vec![0.5f32, 1.5], &[2]).unwrap();
    assert!(err_of(N::bernoulli(&bad)).contains("Expected p_in >= 0 && p_in <= 1 to be true"));
    let nan = Tensor::from_vec(vec![0.5f32, f32::NAN], &[2]).unwrap();
    assert!(err_of(N::bernoulli(&nan)).contains("Expected p_in >= 0 && p_in <= 1"));
    let int_p = Tensor::from_vec(vec![0i64, 1], &[2]).unwrap();
    assert!(err_of(N::bernoulli(&int_p)).contains("not implemented for 'Long'"));
    assert!(err_of(N::bernoulli_(&f, &Tensor::from_vec(vec![0.5f32; 6], &[2, 3]).unwrap())).contains("expand"));
}

/// exponential, cauchy, log-normal and geometric: their means or medians and supports.
#[test]
fn other_distributions_have_their_moments() {
    for dt in [DType::F32, DType::F64] {
        let e = f64s(&N::exponential(&empty(&[300_000], dt), 2.0).unwrap());
        assert!(e.iter().all(|&x| x > 0.0 && x.is_finite()));
        let (m, s) = mean_std(&e);
        assert!((m - 0.5).abs() < 0.005 && (s - 0.5).abs() < 0.01, "{dt:?} exponential: {m} {s}");

        let c = f64s(&N::cauchy(&empty(&[300_000], dt), 1.0, 2.0).unwrap());
        let below = c.iter().filter(|&&x| x < 1.0).count() as f64 / c.len() as f64;
        let inner = c.iter().filter(|&&x| (x - 1.0).abs() < 2.0).count() as f64 / c.len() as f64;
        assert!((below - 0.5).abs() < 0.005 && (inner - 0.5).abs() < 0.005, "{dt:?} cauchy: {below} {inner}");

        let l = f64s(&N::log_normal(&empty(&[300_000], dt), 0.5, 0.25).unwrap());
        assert!(l.iter().all(|&x| x > 0.0));
        let (m, s) = mean_std(&l.iter().map(|x| x.ln()).collect::<Vec<_>>());
        assert!((m - 0.5).abs() < 0.005 && (s - 0.25).abs() < 0.005, "{dt:?} log-normal: {m} {s}");
    }
    for dt in [DType::F32, DType::I64] {
        let g = f64s(&N::geometric(&empty(&[300_000], dt), 0.25).unwrap());
        assert!(g.iter().all(|&x| x >= 1.0 && x.fract() == 0.0));
        let (m, _) = mean_std(&g);
        assert!((m - 4.0).abs() < 0.05, "{dt:?} geometric mean {m}");
        let ones = g.iter().filter(|&&x| x == 1.0).count() as f64 / g.len() as f64;
        assert!((ones - 0.25).abs() < 0.005, "{dt:?} geometric P(1) {ones}");
    }
    let f = empty(&[3], DType::F32);
    let i = empty(&[3], DType::I64);
    assert!(err_of(N::exponential_(&f, 0.0)).contains("exponential_ expects lambda > 0.0, but found lambda=0"));
    assert!(err_of(N::exponential_(&i, 1.0)).contains("Exponential distribution is a continuous probability distribution. dtype must be a floating point but you specified Long"));
    assert!(err_of(N::cauchy_(&f, 0.0, -1.0)).contains("cauchy_ expects sigma > 0.0, but found sigma=-1"));
    assert!(err_of(N::log_normal_(&f, 0.0, 0.0)).contains("log_normal_ expects std > 0.0, but found std=0"));
    assert!(err_of(N::geometric_(&f, 1.0)).contains("geometric_ expects p to be in (0, 1), but got p=1"));
}

/// random_ and randint: integer values in the range each dtype gives, both ends reached.
#[test]
fn integer_draws_stay_in_range() {
    let r = N::randint_low(-3, 4, &[100_000], DType::I64, Device::Cpu).unwrap().to_vec::<i64>().unwrap();
    assert!(r.iter().all(|k| (-3..4).contains(k)));
    for k in -3..4 {
        let share = r.iter().filter(|&&x| x == k).count() as f64 / r.len() as f64;
        assert!((share - 1.0 / 7.0).abs() < 0.01, "{k}: {share}");
    }
    let like = N::randint_like(&empty(&[50, 40], DType::F32), 10).unwrap();
    assert_eq!((like.dtype(), &like.shape()[..]), (DType::F32, &[50i64, 40][..]));
    assert!(f64s(&like).iter().all(|&x| (0.0..10.0).contains(&x) && x.fract() == 0.0));
    let h = f64s(&N::random(&empty(&[100_000], DType::F16)).unwrap());
    assert!(h.iter().all(|&x| (0.0..=2048.0).contains(&x) && x.fract() == 0.0));
    assert!(h.iter().any(|&x| x > 1024.0));
    let b = f64s(&N::random(&empty(&[1000], DType::Bool)).unwrap());
    assert!(b.contains(&0.0) && b.contains(&1.0));
    let u8s = f64s(&N::random(&empty(&[100_000], DType::U8)).unwrap());
    assert!(u8s.contains(&255.0) && u8s.contains(&0.0));
    let wide = f64s(&N::random_from(&empty(&[1000], DType::F64), 5, None).unwrap());
    assert!(wide.iter().all(|&x| x >= 5.0 && x <= 2f64.powi(53)) && wide.iter().any(|&x| x > 2f64.powi(40)));
    assert!(err_of(N::random_from_(&empty(&[3], DType::F32), 1 << 25, None)).contains("but got from=33554432 > to_inc=16777216"));
    assert!(err_of(N::randint_like(&empty(&[3], DType::F32), 0)).contains("random_ expects 'from' to be less than 'to', but got from=0 >= to=0"));
}

/// Dropout keeps values scaled by 1/(1-p) and zeroes about p of them; feature dropout zeroes
/// whole channels; alpha dropout keeps a standard normal input's mean and variance; p = 1
/// gives zeros; the gradient is the mask.
#[test]
fn dropout_family_masks() {
    let x = Tensor::ones(&[100, 1000], DType::F32, Device::Cpu).unwrap();
    let y = f64s(&N::dropout(&x, 0.25, true).unwrap());
    assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6));
    let zeros = y.iter().filter(|&&v| v == 0.0).count() as f64 / y.len() as f64;
    assert!((zeros - 0.25).abs() < 0.01, "{zeros}");
    assert_eq!(f64s(&N::dropout(&x, 0.25, false).unwrap()), vec![1.0; 100_000]);
    assert_eq!(f64s(&N::dropout(&x, 1.0, true).unwrap()), vec![0.0; 100_000]);

    let img = Tensor::ones(&[8, 64, 5, 5], DType::F64, Device::Cpu).unwrap();
    let f = f64s(&N::feature_dropout(&img, 0.5, true).unwrap());
    let channels: Vec<&[f64]> = f.chunks(25).collect();
    assert!(channels.iter().all(|c| c.iter().all(|&v| v == c[0]) && (c[0] == 0.0 || c[0] == 2.0)));
    let dropped = channels.iter().filter(|c| c[0] == 0.0).count();
    assert!((150..362).contains(&dropped), "{dropped} of 512 channels dropped");
    assert!(err_of(N::feature_dropout(&empty(&[3], DType::F32), 0.5, true)).contains("Feature dropout requires at least 2 dimensions in the input"));
    assert!(err_of(N::alpha_dropout(&x, 1.5, true)).contains("dropout probability has to be between 0 and 1, but got 1.5"));

    let z = N::randn(&[400, 1000], DType::F64, Device::Cpu).unwrap();
    let a = f64s(&N::alpha_dropout(&z, 0.2, true).unwrap());
    let (m, s) = mean_std(&a);
    assert!(m.abs() < 0.01 && (s - 1.0).abs() < 0.01, "alpha dropout: mean {m}, std {s}");
    let fa = f64s(&N::feature_alpha_dropout(&img, 0.5, true).unwrap());
    assert!(fa.chunks(25).all(|c| c.iter().all(|&v| v == c[0])));

    let w = N::ones_like(&x).unwrap();
    w.set_requires_grad(true).unwrap();
    let out = N::dropout(&w, 0.5, true).unwrap();
    torchrs::autograd::engine::backward(&N::sum(&out, None).unwrap(), None, false, false).unwrap();
    assert_eq!(f64s(&w.grad().unwrap()), f64s(&out));

    let (o, mask) = N::native_dropout(&x, 0.5, true).unwrap();
    assert_eq!(mask.dtype(), DType::Bool);
    let (ov, mv) = (f64s(&o), f64s(&mask));
    assert!(ov.iter().zip(&mv).all(|(&o, &m)| o == 2.0 * m));
}

/// poisson: counts with the rate's mean and variance on both sides of the algorithms' switch
/// (rate 10), exact zeros for rate 0, the rates' dtype; rrelu's slopes lie in [1/8, 1/3].
#[test]
fn poisson_counts_and_rrelu_slopes() {
    for (rate, dt) in [(0.7, DType::F32), (4.0, DType::F64), (12.5, DType::F32), (300.0, DType::F64)] {
        let rates = Tensor::full(&[200_000], torchrs::Scalar::Float(rate), dt, Device::Cpu).unwrap();
        let c = N::poisson(&rates).unwrap();
        assert_eq!(c.dtype(), dt);
        let v = f64s(&c);
        assert!(v.iter().all(|&k| k >= 0.0 && k.fract() == 0.0));
        let (m, s) = mean_std(&v);
        assert!((m - rate).abs() < 0.02 * rate.sqrt() + 0.005, "rate {rate}: mean {m}");
        assert!((s * s / rate - 1.0).abs() < 0.03, "rate {rate}: variance {}", s * s);
    }
    let mixed = Tensor::from_vec(vec![0.0f32, 0.0, 2.0], &[3]).unwrap();
    assert_eq!(&f64s(&N::poisson(&mixed).unwrap())[..2], &[0.0, 0.0]);
    assert!(err_of(N::poisson(&Tensor::from_vec(vec![-1.0f32], &[1]).unwrap())).contains("invalid Poisson rate, expected rate to be non-negative"));
    assert!(err_of(N::poisson(&Tensor::from_vec(vec![1i64], &[1]).unwrap())).contains("not implemented for 'Long'"));

    let x = N::neg(&Tensor::ones(&[100_000], DType::F32, Device::Cpu).unwrap()).unwrap();
    let y = f64s(&N::rrelu(&x, true).unwrap());
    assert!(y.iter().all(|&v| (-1.0 / 3.0 - 1e-6..=-1.0 / 8.0 + 1e-6).contains(&v)));
    let (m, _) = mean_std(&y);
    assert!((m + (1.0 / 8.0 + 1.0 / 3.0) / 2.0).abs() < 0.002, "mean slope {m}");
    assert_eq!(f64s(&N::rrelu(&Tensor::from_vec(vec![2.0f32, -2.0], &[2]).unwrap(), false).unwrap()), vec![2.0, -2.0 * (11.0 / 48.0) as f32 as f64]);
}
