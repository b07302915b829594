//! One tch program, timed case by case. Built against libtorchrs through cargo's `links`
//! override; `LD_LIBRARY_PATH` decides whether libtorchrs or real libtorch runs it.
//! Usage: torchrs-compare [--list] [CASE...]  → prints `CASE <nanoseconds per iteration>`.

use std::time::Instant;
use tch::{nn, nn::Module, nn::OptimizerConfig, Device, Kind, Tensor};

const F32: (Kind, Device) = (Kind::Float, Device::Cpu);

/// Runs `f` until about `budget_ms` have passed (at least 3 times) and returns the median ns per
/// call. Calls shorter than a few microseconds are timed in batches (as many calls as fill about
/// 20 µs), so that the clock reads and the sample bookkeeping, which cost about 100 ns a sample,
/// are not measured as part of the op.
fn time(budget_ms: u128, mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let (calibrate, mut calls) = (Instant::now(), 0u128);
    while calls < 3 || calibrate.elapsed().as_micros() < 2000 {
        f();
        calls += 1;
    }
    let per_call = calibrate.elapsed().as_nanos() / calls;
    let batch = (20_000 / per_call.max(1)).clamp(1, 1000) as u32;
    let start = Instant::now();
    let mut samples = vec![];
    while samples.len() < 5 || (start.elapsed().as_millis() < budget_ms && samples.len() < 100_000) {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn mlp_adam_step() -> Box<dyn FnMut()> {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = nn::seq()
        .add(nn::linear(vs.root() / "l1", 784, 256, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(vs.root() / "l2", 256, 10, Default::default()));
    let mut opt = nn::Adam::default().build(&vs, 1e-3).unwrap();
    let x = Tensor::randn([64, 784], F32);
    let y = Tensor::randint(10, [64], (Kind::Int64, Device::Cpu));
    Box::new(move || {
        let _keep = &vs;
        let loss = net.forward(&x).cross_entropy_for_logits(&y);
        opt.backward_step(&loss);
    })
}

fn small_mlp_sgd_step() -> Box<dyn FnMut()> {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = nn::seq()
        .add(nn::linear(vs.root() / "l1", 16, 32, Default::default()))
        .add_fn(|x| x.tanh())
        .add(nn::linear(vs.root() / "l2", 32, 1, Default::default()));
    let mut opt = nn::Sgd::default().build(&vs, 1e-2).unwrap();
    let x = Tensor::randn([8, 16], F32);
    let y = Tensor::randn([8, 1], F32);
    Box::new(move || {
        let _keep = &vs;
        let loss = net.forward(&x).mse_loss(&y, tch::Reduction::Mean);
        opt.backward_step(&loss);
    })
}

/// tch's mnist_conv example network (conv 5x5 -> pool -> conv 5x5 -> pool -> linear -> dropout ->
/// linear), one Adam step on a batch of 64 28x28 images.
fn cnn_adam_step() -> Box<dyn FnMut()> {
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let conv1 = nn::conv2d(&root / "conv1", 1, 32, 5, Default::default());
    let conv2 = nn::conv2d(&root / "conv2", 32, 64, 5, Default::default());
    let fc1 = nn::linear(&root / "fc1", 1024, 1024, Default::default());
    let fc2 = nn::linear(&root / "fc2", 1024, 10, Default::default());
    let mut opt = nn::Adam::default().build(&vs, 1e-4).unwrap();
    let x = Tensor::randn([64, 1, 28, 28], F32);
    let y = Tensor::randint(10, [64], (Kind::Int64, Device::Cpu));
    Box::new(move || {
        let _keep = &vs;
        let h = x.apply(&conv1).max_pool2d_default(2).apply(&conv2).max_pool2d_default(2);
        let logits = h.view([-1, 1024]).apply(&fc1).relu().dropout(0.5, true).apply(&fc2);
        opt.backward_step(&logits.cross_entropy_for_logits(&y));
    })
}

fn tanh_chain() -> Box<dyn FnMut()> {
    let x = Tensor::randn([64], F32).set_requires_grad(true);
    Box::new(move || {
        let mut y = x.shallow_clone();
        for _ in 0..10 {
            y = (&y * 1.01).tanh();
        }
        y.sum(Kind::Float).backward();
        let _ = x.grad().zero_();
    })
}

fn case(name: &str) -> Option<Box<dyn FnMut()>> {
    let r = |s: &[i64]| Tensor::randn(s, F32);
    Some(match name {
        "add_100" => { let (a, b) = (r(&[100]), r(&[100])); Box::new(move || { let _ = &a + &b; }) }
        "mul_1k" => { let (a, b) = (r(&[1000]), r(&[1000])); Box::new(move || { let _ = &a * &b; }) }
        "relu_10k" => { let a = r(&[10_000]); Box::new(move || { let _ = a.relu(); }) }
        "add_scalar_10k" => { let a = r(&[10_000]); Box::new(move || { let _ = &a + 1.5; }) }
        "sum_10k" => { let a = r(&[10_000]); Box::new(move || { let _ = a.sum(Kind::Float); }) }
        "add_1m" => { let (a, b) = (r(&[1 << 20]), r(&[1 << 20])); Box::new(move || { let _ = &a + &b; }) }
        "mul_1m" => { let (a, b) = (r(&[1 << 20]), r(&[1 << 20])); Box::new(move || { let _ = &a * &b; }) }
        "relu_1m" => { let a = r(&[1 << 20]); Box::new(move || { let _ = a.relu(); }) }
        "exp_1m" => { let a = r(&[1 << 20]); Box::new(move || { let _ = a.exp(); }) }
        "tanh_1m" => { let a = r(&[1 << 20]); Box::new(move || { let _ = a.tanh(); }) }
        "sigmoid_1m" => { let a = r(&[1 << 20]); Box::new(move || { let _ = a.sigmoid(); }) }
        "softmax_1000x1000" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.softmax(1, Kind::Float); }) }
        "log_softmax_1000x1000" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.log_softmax(1, Kind::Float); }) }
        "transpose_contiguous_1000" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.tr().contiguous(); }) }
        "cat_2x1000x1000" => { let (a, b) = (r(&[1000, 1000]), r(&[1000, 1000])); Box::new(move || { let _ = Tensor::cat(&[&a, &b], 0); }) }
        "matmul_16" => { let (a, b) = (r(&[16, 16]), r(&[16, 16])); Box::new(move || { let _ = a.matmul(&b); }) }
        "matmul_64" => { let (a, b) = (r(&[64, 64]), r(&[64, 64])); Box::new(move || { let _ = a.matmul(&b); }) }
        "matmul_256" => { let (a, b) = (r(&[256, 256]), r(&[256, 256])); Box::new(move || { let _ = a.matmul(&b); }) }
        "matmul_512" => { let (a, b) = (r(&[512, 512]), r(&[512, 512])); Box::new(move || { let _ = a.matmul(&b); }) }
        "matmul_1024" => { let (a, b) = (r(&[1024, 1024]), r(&[1024, 1024])); Box::new(move || { let _ = a.matmul(&b); }) }
        "bmm_32x64x64" => { let (a, b) = (r(&[32, 64, 64]), r(&[32, 64, 64])); Box::new(move || { let _ = a.bmm(&b); }) }
        "sum_1m" => { let a = r(&[1 << 20]); Box::new(move || { let _ = a.sum(Kind::Float); }) }
        "mean_dim1_1000x1000" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.mean_dim(1, false, Kind::Float); }) }
        "train_mlp_784_256_10_adam" => mlp_adam_step(),
        "train_mlp_16_32_1_sgd" => small_mlp_sgd_step(),
        "tanh_chain_backward_64" => tanh_chain(),
        "conv2d_64x32x14x14_k3" => {
            let (x, w, b) = (r(&[64, 32, 14, 14]), r(&[64, 32, 3, 3]), r(&[64]));
            Box::new(move || { let _ = x.conv2d(&w, Some(&b), [1, 1], [1, 1], [1, 1], 1); })
        }
        "max_pool2d_64x32x28x28" => { let a = r(&[64, 32, 28, 28]); Box::new(move || { let _ = a.max_pool2d_default(2); }) }
        "train_cnn_mnist_adam" => cnn_adam_step(),
        "conv_mnist1_fwd" => {
            let (x, w, b) = (r(&[64, 1, 28, 28]), r(&[32, 1, 5, 5]), r(&[32]));
            Box::new(move || { let _ = x.conv2d(&w, Some(&b), [1, 1], [0, 0], [1, 1], 1); })
        }
        "conv_mnist2_fwd" => {
            let (x, w, b) = (r(&[64, 32, 12, 12]), r(&[64, 32, 5, 5]), r(&[64]));
            Box::new(move || { let _ = x.conv2d(&w, Some(&b), [1, 1], [0, 0], [1, 1], 1); })
        }
        "conv_mnist2_fwd_bwd" => {
            let x = r(&[64, 32, 12, 12]).set_requires_grad(true);
            let (w, b) = (r(&[64, 32, 5, 5]).set_requires_grad(true), r(&[64]).set_requires_grad(true));
            Box::new(move || { x.conv2d(&w, Some(&b), [1, 1], [0, 0], [1, 1], 1).sum(Kind::Float).backward(); })
        }
        "conv_mnist1_fwd_bwd" => {
            let x = r(&[64, 1, 28, 28]);
            let (w, b) = (r(&[32, 1, 5, 5]).set_requires_grad(true), r(&[32]).set_requires_grad(true));
            Box::new(move || { x.conv2d(&w, Some(&b), [1, 1], [0, 0], [1, 1], 1).sum(Kind::Float).backward(); })
        }
        "linear_64x1024x1024" => {
            let (x, w, b) = (r(&[64, 1024]), r(&[1024, 1024]), r(&[1024]));
            Box::new(move || { let _ = x.linear(&w, Some(&b)); })
        }
        "linear_1x1024x1024" => {
            let (x, w, b) = (r(&[1, 1024]), r(&[1024, 1024]), r(&[1024]));
            Box::new(move || { let _ = x.linear(&w, Some(&b)); })
        }
        "linear_1024x1024x1024" => {
            let (x, w, b) = (r(&[1024, 1024]), r(&[1024, 1024]), r(&[1024]));
            Box::new(move || { let _ = x.linear(&w, Some(&b)); })
        }
        "linear_64x1024x1024_fwd_bwd" => {
            let x = r(&[64, 1024]).set_requires_grad(true);
            let (w, b) = (r(&[1024, 1024]).set_requires_grad(true), r(&[1024]).set_requires_grad(true));
            Box::new(move || { x.linear(&w, Some(&b)).sum(Kind::Float).backward(); })
        }
        "pool_mnist1_fwd_bwd" => {
            let x = r(&[64, 32, 24, 24]).set_requires_grad(true);
            Box::new(move || { x.max_pool2d_default(2).sum(Kind::Float).backward(); })
        }
        // other shapes and common layers: strided reductions, power-of-two transposes, losses
        "transpose_contiguous_1024" => { let a = r(&[1024, 1024]); Box::new(move || { let _ = a.tr().contiguous(); }) }
        "softmax_dim0_1000x1000" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.softmax(0, Kind::Float); }) }
        "sum_dim0_1000x1000" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.sum_dim_intlist(&[0i64][..], false, Kind::Float); }) }
        "sum_nchw_dims023_32x64x28x28" => {
            let a = r(&[32, 64, 28, 28]);
            Box::new(move || { let _ = a.sum_dim_intlist(&[0i64, 2, 3][..], false, Kind::Float); })
        }
        "gelu_1m" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.gelu("none"); }) }
        "topk10_1000x1000" => { let a = r(&[1000, 1000]); Box::new(move || { let _ = a.topk(10, 1, true, true); }) }
        "cross_entropy_fwd_bwd_1000x1000" => {
            let a = r(&[1000, 1000]).set_requires_grad(true);
            let t = Tensor::randint(1000, [1000], (Kind::Int64, Device::Cpu));
            Box::new(move || { a.cross_entropy_for_logits(&t).backward(); })
        }
        "layer_norm_1000x1000" => {
            let (a, w, b) = (r(&[1000, 1000]), r(&[1000]), r(&[1000]));
            Box::new(move || { let _ = a.layer_norm([1000], Some(&w), Some(&b), 1e-5, false); })
        }
        "batch_norm_eval_32x64x28x28" => {
            let (a, w, b, m) = (r(&[32, 64, 28, 28]), r(&[64]), r(&[64]), r(&[64]));
            let v = r(&[64]).abs();
            Box::new(move || { let _ = a.batch_norm(Some(&w), Some(&b), Some(&m), Some(&v), false, 0.1, 1e-5, false); })
        }
        _ => return None,
    })
}

const CASES: &[&str] = &[
    "add_100", "mul_1k", "relu_10k", "add_scalar_10k", "sum_10k", "add_1m", "mul_1m", "relu_1m", "exp_1m", "tanh_1m",
    "sigmoid_1m", "softmax_1000x1000", "log_softmax_1000x1000", "transpose_contiguous_1000", "cat_2x1000x1000",
    "matmul_16", "matmul_64", "matmul_256", "matmul_512", "matmul_1024", "bmm_32x64x64", "sum_1m",
    "mean_dim1_1000x1000", "train_mlp_784_256_10_adam", "train_mlp_16_32_1_sgd", "tanh_chain_backward_64",
    "conv2d_64x32x14x14_k3", "max_pool2d_64x32x28x28", "train_cnn_mnist_adam", "linear_64x1024x1024",
    "linear_64x1024x1024_fwd_bwd", "transpose_contiguous_1024", "softmax_dim0_1000x1000", "sum_dim0_1000x1000",
    "sum_nchw_dims023_32x64x28x28", "gelu_1m", "topk10_1000x1000", "cross_entropy_fwd_bwd_1000x1000",
    "layer_norm_1000x1000", "batch_norm_eval_32x64x28x28", "linear_1x1024x1024", "linear_1024x1024x1024",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(|s| s.as_str()) == Some("--list") {
        CASES.iter().for_each(|c| println!("{c}"));
        return;
    }
    let budget: u128 = std::env::var("BENCH_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    tch::manual_seed(0);
    let names: Vec<&str> = if args.is_empty() { CASES.to_vec() } else { args.iter().map(|s| s.as_str()).collect() };
    for name in names {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut f = case(name).unwrap_or_else(|| panic!("unknown case {name}"));
            time(budget, &mut *f)
        }));
        match result {
            Ok(ns) => println!("{name} {ns:.0}"),
            Err(_) => println!("{name} failed"),
        }
    }
}
