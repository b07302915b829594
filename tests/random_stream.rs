//! A seed gives PyTorch's numbers: each case of tests/fixtures/random.json (from
//! tools/fixtures/gen_random.py, real PyTorch) seeds the generator and runs its ops in order,
//! so each op must also draw exactly as many values as PyTorch's. Its own test binary: the
//! generator is global, and the other tests draw from it concurrently.

#[path = "common/mod.rs"]
mod common;

use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Result, Tensor};

fn empty(n: i64, dt: DType) -> Tensor {
    Tensor::empty(&[n], dt, Device::Cpu).unwrap()
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
