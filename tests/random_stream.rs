//! A seed gives PyTorch's numbers: each case of tests/fixtures/random.json (from
//! tools/fixtures/gen_random.py, real PyTorch) seeds the generator and runs its ops in order,
//! so each op must also draw exactly as many values as PyTorch's. Its own test binary: the
//! generator is global, and the other tests draw from it concurrently.

#[path = "common/mod.rs"]
mod common;

use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Result, Scalar, Tensor};

fn empty(n: i64, dt: DType) -> Tensor {
    Tensor::empty(&[n], dt, Device::Cpu).unwrap()
}

/// tools/fixtures/gen_random.py's weights `W`, 2x4 f32.
fn weights() -> Result<Tensor> {
    Tensor::from_vec(vec![0.1f32, 0.2, 0.3, 0.4, 1.0, 0.0, 3.0, 0.5], &[2, 4])
}

/// `torch.arange(from, to)` of dtype `dt` reshaped to `shape`.
fn arange(from: f64, to: f64, dt: DType, shape: &[i64]) -> Result<Tensor> {
    let v: Vec<f64> = (0..(to - from) as usize).map(|i| from + i as f64).collect();
    N::to_dtype(&Tensor::from_vec(v, shape)?, dt, false, false)
}

/// Runs one step; returns its output and the tolerance (rtol = atol) it is held to: exact for
/// the integer transforms, a few float ulps where the Box-Muller functions differ from PyTorch's
/// (its AVX2 build uses Sleef's log, sin and cos; ours, our vector approximations).
fn run(step: &str) -> Result<(Tensor, f64)> {
    let c = Device::Cpu;
    Ok(match step {
        "rand f32 7" => (N::rand(&[7], DType::F32, c)?, 0.0),
        "rand f64 5" => (N::rand(&[5], DType::F64, c)?, 0.0),
        "rand f16 6" => (N::rand(&[6], DType::F16, c)?, 0.0),
        "rand bf16 6" => (N::rand(&[6], DType::BF16, c)?, 0.0),
        "uniform_ f32 9 -2 3" => (N::uniform_(&empty(9, DType::F32), -2.0, 3.0)?, 1e-7),
        "randn f32 37" => (N::randn(&[37], DType::F32, c)?, 2e-6),
        "randn f32 32" => (N::randn(&[32], DType::F32, c)?, 2e-6),
        "randn f64 21" => (N::randn(&[21], DType::F64, c)?, 1e-14),
        "randn f16 19" => (N::randn(&[19], DType::F16, c)?, 2e-3),
        "randn f32 5" => (N::randn(&[5], DType::F32, c)?, 0.0),
        "randn f64 3" => (N::randn(&[3], DType::F64, c)?, 1e-15),
        "normal_ f32 2 1.5 0.5" => (N::normal_(&empty(2, DType::F32), 1.5, 0.5)?, 0.0),
        "normal_ of a transposed 4x6 f32 view" => {
            let base = Tensor::zeros(&[6, 4], DType::F32, c)?;
            N::normal_(&N::t(&base)?, 0.0, 1.0)?;
            (base, 0.0)
        }
        "randint 0 10 i64 8" => (N::randint(10, &[8], DType::I64, c)?, 0.0),
        "randint -5 1000000 i64 5" => (N::randint_low(-5, 1_000_000, &[5], DType::I64, c)?, 0.0),
        "randint 0 2^40 i64 4" => (N::randint(1 << 40, &[4], DType::I64, c)?, 0.0),
        "random_ f16 6" => (N::random_(&empty(6, DType::F16))?, 0.0),
        "random_ bool 6" => (N::random_(&empty(6, DType::Bool))?, 0.0),
        "random_ i64 3" => (N::random_(&empty(3, DType::I64))?, 0.0),
        "random_ u8 5" => (N::random_(&empty(5, DType::U8))?, 0.0),
        "random_ f32 from 3" => (N::random_from_(&empty(4, DType::F32), 3, None)?, 0.0),
        "random_ i32 to 7" => (N::random_to_(&empty(6, DType::I32), 7)?, 0.0),
        "bernoulli of 2x5 probabilities" => {
            let p = Tensor::from_vec(vec![0.1f32, 0.5, 0.9, 0.0, 1.0, 0.3, 0.7, 0.5, 0.5, 0.2], &[2, 5])?;
            (N::bernoulli(&p)?, 0.0)
        }
        "log_normal_ f32 40 0.5 0.8" => (N::log_normal_(&empty(40, DType::F32), 0.5, 0.8)?, 1e-6),
        "log_normal_ f64 5 0 1" => (N::log_normal_(&empty(5, DType::F64), 0.0, 1.0)?, 1e-14),
        "randn f32 3 after log_normal" => (N::randn(&[3], DType::F32, c)?, 0.0),
        "bernoulli_ f32 50 0.3" => (N::bernoulli_float_(&empty(50, DType::F32), 0.3)?, 0.0),
        "bernoulli_ f64 7 0.7" => (N::bernoulli_float_(&empty(7, DType::F64), 0.7)?, 0.0),
        "bernoulli_ bool 6 0.5" => (N::bernoulli_float_(&empty(6, DType::Bool), 0.5)?, 0.0),
        "bernoulli_ i64 5 0.2" => (N::bernoulli_float_(&empty(5, DType::I64), 0.2)?, 0.0),
        "bernoulli_ of a transposed 4x6 f32 view 0.4" => {
            let base = Tensor::zeros(&[6, 4], DType::F32, c)?;
            N::bernoulli_float_(&N::t(&base)?, 0.4)?;
            (base, 0.0)
        }
        "bernoulli of 2x3 f64 probabilities" => {
            let p = Tensor::from_vec(vec![0.1f64, 0.5, 0.9, 0.3, 0.7, 0.5], &[2, 3])?;
            (N::bernoulli(&p)?, 0.0)
        }
        "exponential_ f32 30 1.5" => (N::exponential_(&empty(30, DType::F32), 1.5)?, 0.0),
        "exponential_ f64 10 3" => (N::exponential_(&empty(10, DType::F64), 3.0)?, 1e-15),
        "exponential_ f16 8 0.5" => (N::exponential_(&empty(8, DType::F16), 0.5)?, 0.0),
        "exponential_ bf16 5 1" => (N::exponential_(&empty(5, DType::BF16), 1.0)?, 0.0),
        "cauchy_ f32 20 0.3 1.7" => (N::cauchy_(&empty(20, DType::F32), 0.3, 1.7)?, 0.0),
        "cauchy_ f64 10 -1 0.5" => (N::cauchy_(&empty(10, DType::F64), -1.0, 0.5)?, 1e-15),
        "geometric_ f32 20 0.3" => (N::geometric_(&empty(20, DType::F32), 0.3)?, 0.0),
        "geometric_ i64 10 0.05" => (N::geometric_(&empty(10, DType::I64), 0.05)?, 0.0),
        "geometric_ f64 5 0.9" => (N::geometric_(&empty(5, DType::F64), 0.9)?, 0.0),
        "poisson f64 rates" => {
            let r = Tensor::from_vec(vec![0.0f64, 0.5, 3.0, 9.9, 10.0, 25.0, 300.0, 1e4], &[8])?;
            (N::poisson(&r)?, 0.0)
        }
        "poisson f32 2x3 rates" => {
            let r = Tensor::from_vec(vec![1.0f32, 12.0, 0.1, 50.0, 7.5, 11.0], &[2, 3])?;
            (N::poisson(&r)?, 0.0)
        }
        "binomial f64 9x7" | "binomial f32 9x7" => {
            let dt = if step.contains("f64") { DType::F64 } else { DType::F32 };
            let n = Tensor::from_vec(vec![0.0f64, 1.0, 5.0, 10.0, 20.0, 37.5, 100.0, 1000.0, 1e6], &[9, 1])?;
            let p = Tensor::from_vec(vec![0.0f64, 0.01, 0.3, 0.5, 0.7, 0.95, 1.0], &[7])?;
            let (n, p) = (N::to_dtype(&n, dt, false, false)?, N::to_dtype(&p, dt, false, false)?);
            (N::binomial(&N::expand(&n, &[9, 7], false)?, &N::expand(&p, &[9, 7], false)?)?, 0.0)
        }
        "_standard_gamma f64 grad" | "_standard_gamma f32 grad" => {
            let dt = if step.contains("f64") { DType::F64 } else { DType::F32 };
            let a = N::to_dtype(&Tensor::from_vec(vec![0.3f64, 1.0, 2.5, 9.0, 40.0, 0.05], &[6])?, dt, false, false)?;
            a.set_requires_grad(true)?;
            let g = N::_standard_gamma(&a)?;
            torchrs::autograd::engine::backward(&N::sum(&g, None)?, None, false, false)?;
            let grad = a.grad().expect("a gradient for alpha");
            (N::stack(&[N::detach(&g)?, grad], 0)?, if dt == DType::F64 { 1e-12 } else { 1e-6 })
        }
        "_standard_gamma f64" => {
            let a = Tensor::from_vec(vec![0.0f64, 0.3, 1.0, 2.5, 0.05, 10.0, 150.0], &[7])?;
            (N::_standard_gamma(&a)?, 1e-14)
        }
        "_standard_gamma f32 2x3" => (N::_standard_gamma(&Tensor::from_vec(vec![0.5f32, 1.5, 4.0, 0.01, 7.0, 1.0], &[2, 3])?)?, 1e-7),
        "_sample_dirichlet f32 2x3" => {
            (N::_sample_dirichlet(&Tensor::from_vec(vec![0.5f32, 1.5, 4.0, 1.0, 1.0, 1.0], &[2, 3])?)?, 1e-7)
        }
        "_sample_dirichlet f64 4" => (N::_sample_dirichlet(&Tensor::from_vec(vec![0.2f64, 2.0, 0.7, 3.0], &[4])?)?, 1e-14),
        "randn f64 1 after gamma" => (N::randn(&[1], DType::F64, c)?, 1e-15),
        "randperm 1" => (N::randperm(1, DType::I64, c)?, 0.0),
        "randperm 2" => (N::randperm(2, DType::I64, c)?, 0.0),
        "randperm 10" => (N::randperm(10, DType::I64, c)?, 0.0),
        "randperm 100" => (N::randperm(100, DType::I64, c)?, 0.0),
        "randperm f32 7" => (N::randperm(7, DType::F32, c)?, 0.0),
        "multinomial 2x4 f32 6 with replacement" => (N::multinomial(&weights()?, 6, true)?, 0.0),
        "multinomial 1-d f64 10 with replacement" => {
            let w = Tensor::from_vec(vec![0.2f64, 0.0, 0.5, 0.3, 1e-3], &[5])?;
            (N::multinomial(&w, 10, true)?, 0.0)
        }
        "multinomial 1-d f16 5 with replacement" => {
            let w = N::to_dtype(&Tensor::from_vec(vec![1.0f32, 2.0, 3.0], &[3])?, DType::F16, false, false)?;
            (N::multinomial(&w, 5, true)?, 0.0)
        }
        "multinomial 2x4 f32 1 with replacement" => (N::multinomial(&weights()?, 1, true)?, 0.0),
        "multinomial 1-d f32 3 of 6 without replacement" => {
            let w = Tensor::from_vec(vec![0.1f32, 0.2, 0.3, 0.4, 0.0, 0.7], &[6])?;
            (N::multinomial(&w, 3, false)?, 0.0)
        }
        "multinomial 2x4 f64 4 without replacement" => {
            (N::multinomial(&N::to_dtype(&weights()?, DType::F64, false, false)?, 4, false)?, 0.0)
        }
        "multinomial of a transposed 4x2 f32 2 without replacement" => {
            let wt = N::t(&N::contiguous(&N::t(&weights()?)?)?)?;
            (N::multinomial(&wt, 2, false)?, 0.0)
        }
        "dropout f32 4x25 0.3" => (N::dropout(&arange(1.0, 101.0, DType::F32, &[4, 25])?, 0.3, true)?, 0.0),
        "dropout f64 10 0.5" => (N::dropout(&arange(1.0, 11.0, DType::F64, &[10])?, 0.5, true)?, 0.0),
        "feature_dropout f32 2x3x2x2 0.5" => {
            (N::feature_dropout(&arange(0.0, 24.0, DType::F32, &[2, 3, 2, 2])?, 0.5, true)?, 0.0)
        }
        "alpha_dropout f32 20 0.2" => (N::alpha_dropout(&N::linspace(&Scalar::Float(-2.0), &Scalar::Float(2.0), 20, DType::F32, c)?, 0.2, true)?, 1e-6),
        "feature_alpha_dropout f64 2x4x3 0.25" => {
            let x = N::reshape(&N::linspace(&Scalar::Float(-1.0), &Scalar::Float(1.0), 24, DType::F64, c)?, &[2, 4, 3])?;
            (N::feature_alpha_dropout(&x, 0.25, true)?, 1e-14)
        }
        "native_dropout f32 12 0.4 (output, then mask)" => {
            let (o, m) = N::native_dropout(&arange(1.0, 13.0, DType::F32, &[12])?, 0.4, true)?;
            (N::stack(&[o, N::to_dtype(&m, DType::F32, false, false)?], 0)?, 0.0)
        }
        "rrelu f32 12 training" => (N::rrelu(&N::linspace(&Scalar::Float(-3.0), &Scalar::Float(2.5), 12, DType::F32, c)?, true)?, 0.0),
        "rrelu f64 8 training" => (N::rrelu(&N::linspace(&Scalar::Float(-1.0), &Scalar::Float(0.75), 8, DType::F64, c)?, true)?, 1e-15),
        "rand 2 after bernoulli" | "rand 2 after poisson" | "rand 2 after binomial" | "rand 2 after multinomial" | "rand 2 after dropout" => {
            (N::rand(&[2], DType::F32, c)?, 0.0)
        }
        "rand 3 after randperm" => (N::rand(&[3], DType::F32, c)?, 0.0),
        "rand 3" => (N::rand(&[3], DType::F32, c)?, 0.0),
        "randn 17" => (N::randn(&[17], DType::F32, c)?, 2e-6),
        "randint 0 100 5" => (N::randint(100, &[5], DType::I64, c)?, 0.0),
        "randn f64 1" | "randn f64 1 again (the cached sine half)" => (N::randn(&[1], DType::F64, c)?, 1e-15),
        "rand 2" => (N::rand(&[2], DType::F32, c)?, 0.0),
        _ => panic!("unknown step {step}"),
    })
}

#[test]
fn seeded_draws_match_pytorch() {
    let fx = common::fixture("random.json");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        torchrs::tensor::random::manual_seed(case["seed"].as_u64().unwrap());
        for out in case["outs"].as_array().unwrap() {
            let step = out["step"].as_str().unwrap();
            let (t, tol) = run(step).unwrap_or_else(|e| panic!("{name}: {step}: {e}"));
            // (1e-15 at least: serde_json reads decimals to within an ulp of f64)
            let tol = tol.max(1e-15);
            common::assert_close(&format!("{name}: {step}"), &t, &out["out"], tol, tol);
        }
    }
}
