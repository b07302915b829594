//! Criterion benches of our kernels through the library's own API (no C boundary): the hot
//! elementwise, reduction, softmax, copy and matmul paths at the sizes of `benches/compare`.
//! Run: `cargo bench --bench kernels` (add `-- NAME` to pick cases). Side-by-side ratios with
//! libtorch come from `benches/compare.sh`, not from here.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Device, Tensor};

fn randn(shape: &[i64]) -> Tensor {
    N::randn(shape, DType::F32, Device::Cpu).expect("randn")
}

fn elementwise(c: &mut Criterion) {
    for &n in &[100i64, 10_000, 1 << 20] {
        let (a, b) = (randn(&[n]), randn(&[n]));
        c.bench_function(&format!("add_{n}"), |bench| bench.iter(|| N::add(black_box(&a), black_box(&b)).unwrap()));
        c.bench_function(&format!("relu_{n}"), |bench| bench.iter(|| N::relu(black_box(&a)).unwrap()));
    }
    let a = randn(&[1 << 20]);
    c.bench_function("exp_1m", |bench| bench.iter(|| N::exp(black_box(&a)).unwrap()));
    c.bench_function("tanh_1m", |bench| bench.iter(|| N::tanh(black_box(&a)).unwrap()));
    c.bench_function("sigmoid_1m", |bench| bench.iter(|| N::sigmoid(black_box(&a)).unwrap()));
}

fn reductions(c: &mut Criterion) {
    let a = randn(&[1 << 20]);
    c.bench_function("sum_1m", |bench| bench.iter(|| N::sum(black_box(&a), None).unwrap()));
    let m = randn(&[1000, 1000]);
    c.bench_function("mean_dim1_1000x1000", |bench| bench.iter(|| N::mean_dim(black_box(&m), Some(&[1]), false, None).unwrap()));
    c.bench_function("softmax_1000x1000", |bench| bench.iter(|| N::softmax(black_box(&m), 1, None).unwrap()));
}

fn copies_and_products(c: &mut Criterion) {
    let m = randn(&[1000, 1000]);
    c.bench_function("transpose_contiguous_1000", |bench| {
        bench.iter(|| N::contiguous(&N::transpose(black_box(&m), 0, 1).unwrap()).unwrap())
    });
    for &n in &[16i64, 64, 256] {
        let (a, b) = (randn(&[n, n]), randn(&[n, n]));
        c.bench_function(&format!("matmul_{n}"), |bench| bench.iter(|| N::matmul(black_box(&a), black_box(&b)).unwrap()));
    }
}

criterion_group!(benches, elementwise, reductions, copies_and_products);
criterion_main!(benches);
