//! Reductions against PyTorch fixtures (tests/fixtures/reduce.json from
//! tools/fixtures/gen_reduce.py): values, gradients and error texts, through the `AtgApi`
//! entry points C callers use; plus large-input checks of the fast and threaded paths.


use crate::fixture_ops::{b, f, i, ints, opt_dtype, opt_i, opt_ints, run_group};
use serde_json::Value;
use torchrs::capi::generated::AtgApi;
use torchrs::error::Result;
use torchrs::ops::Native as N;
use torchrs::{DType, Scalar, Tensor};

fn pair(r: (Tensor, Tensor)) -> Vec<Tensor> {
    vec![r.0, r.1]
}

fn run(op: &str, xs: &[Tensor], a: &Value) -> Result<Vec<Tensor>> {
    let x = &xs[0];
    let kd = || b(a, "keepdim");
    let dims = || opt_ints(a, "dim");
    let corr = || Scalar::Int(i(a, "correction"));
    let one = |t: Result<Tensor>| t.map(|t| vec![t]);
    match op {
        "sum" => one(N::sum(x, None)),
        "sum_dim" => one(N::sum_dim_intlist(x, dims().as_deref(), kd(), opt_dtype(a, "dtype"))),
        "mean" => one(N::mean(x, None)),
        "nansum" => one(N::nansum(x, dims().as_deref(), kd(), None)),
        "mean_dim" => one(N::mean_dim(x, dims().as_deref(), kd(), None)),
        "max" => one(N::max(x)),
        "min" => one(N::min(x)),
        "max_dim" => N::max_dim(x, i(a, "dim"), kd()).map(pair),
        "min_dim" => N::min_dim(x, i(a, "dim"), kd()).map(pair),
        "amax" => one(N::amax(x, &ints(a, "dim"), kd())),
        "amin" => one(N::amin(x, &ints(a, "dim"), kd())),
        "argmax" => one(N::argmax(x, opt_i(a, "dim"), kd())),
        "argmin" => one(N::argmin(x, opt_i(a, "dim"), kd())),
        "aminmax" => N::aminmax(x, opt_i(a, "dim"), kd()).map(pair),
        "prod" => one(N::prod(x, None)),
        "prod_dim" => one(N::prod_dim_int(x, i(a, "dim"), kd(), None)),
        "var" => one(N::var_correction(x, dims().as_deref(), &corr(), kd())),
        "std" => one(N::std_correction(x, dims().as_deref(), &corr(), kd())),
        "var_mean" => N::var_mean_correction(x, dims().as_deref(), &corr(), kd()).map(pair),
        "std_mean" => N::std_mean_correction(x, dims().as_deref(), &corr(), kd()).map(pair),
        "vector_norm" => one(N::norm_scalaropt_dim(x, &Scalar::Float(f(a, "ord")), &dims().unwrap_or_default(), kd())),
        "norm" => one(N::norm_scalaropt_dim(x, &Scalar::Int(i(a, "p")), &ints(a, "dim"), kd())),
        "linalg_norm" => one(N::linalg_norm(x, &Scalar::Float(f(a, "ord")), dims().as_deref(), kd(), None)),
        "linalg_norm_fro" => one(N::linalg_norm_ord_str(x, "fro", dims().as_deref(), kd(), None)),
        "logsumexp" => one(N::logsumexp(x, &ints(a, "dim"), kd())),
        "all" => one(N::all(x)),
        "any" => one(N::any(x)),
        "all_dim" => one(N::all_dim(x, i(a, "dim"), kd())),
        "any_dim" => one(N::any_dim(x, i(a, "dim"), kd())),
        "count_nonzero" => one(N::count_nonzero_dim_intlist(x, &ints(a, "dim"))),
        "cumsum" => one(N::cumsum(x, i(a, "dim"), None)),
        "cumprod" => one(N::cumprod(x, i(a, "dim"), None)),
        "cummax" => N::cummax(x, i(a, "dim")).map(pair),
        "cummin" => N::cummin(x, i(a, "dim")).map(pair),
        "logcumsumexp" => one(N::logcumsumexp(x, i(a, "dim"))),
        "mode" => N::mode(x, i(a, "dim"), kd()).map(pair),
        "kthvalue" => N::kthvalue(x, i(a, "k"), i(a, "dim"), kd()).map(pair),
        "median" => one(N::median(x)),
        "median_dim" => N::median_dim(x, i(a, "dim"), kd()).map(pair),
        "topk" => N::topk(x, i(a, "k"), i(a, "dim"), true, true).map(pair),
        "softmax" => one(N::softmax(x, i(a, "dim"), opt_dtype(a, "dtype"))),
        "log_softmax" => one(N::log_softmax(x, i(a, "dim"), opt_dtype(a, "dtype"))),
        other => panic!("unknown op {other}"),
    }
}

const FILE: &str = "reduce.json";

#[test]
fn sum_and_mean() {
    run_group(FILE, "sum", run);
}

#[test]
fn max_min_argmax() {
    run_group(FILE, "minmax", run);
}

#[test]
fn prod() {
    run_group(FILE, "prod", run);
}

#[test]
fn var_std() {
    run_group(FILE, "var", run);
}

#[test]
fn norms() {
    run_group(FILE, "norm", run);
}

#[test]
fn logsumexp() {
    run_group(FILE, "logsumexp", run);
}

#[test]
fn all_any_count_nonzero() {
    run_group(FILE, "logical", run);
}

#[test]
fn cumsum_cumprod() {
    run_group(FILE, "cumulative", run);
}

#[test]
fn cummax_cummin_logcumsumexp_mode() {
    run_group(FILE, "running", run);
}

#[test]
fn softmax_log_softmax() {
    run_group(FILE, "softmax", run);
}

fn sin_tensor(shape: &[i64], dt: DType) -> Tensor {
    let n: i64 = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37 + 0.1).sin() * 4.0).collect();
    torchrs::ops::convert::to(&Tensor::from_vec(v, shape).unwrap(), None, Some(dt), false).unwrap()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    let (x, y) = (a.to_vec::<f64>().unwrap(), b.to_vec::<f64>().unwrap());
    assert_eq!(x.len(), y.len());
    x.iter().zip(&y).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max)
}

/// The threaded, fused f32 softmax agrees with the f64 kernel (library exp) on large inputs,
/// along the last dim and along a strided dim, and its rows sum to one.
#[test]
fn softmax_large_matches_f64() {
    for (shape, dim) in [(vec![64i64, 3000], 1i64), (vec![300, 700], 0), (vec![8, 50, 90], 1)] {
        let x32 = sin_tensor(&shape, DType::F32);
        let x64 = sin_tensor(&shape, DType::F64);
        for log in [false, true] {
            let (a, b) = if log {
                (N::log_softmax(&x32, dim, None).unwrap(), N::log_softmax(&x64, dim, None).unwrap())
            } else {
                (N::softmax(&x32, dim, None).unwrap(), N::softmax(&x64, dim, None).unwrap())
            };
            assert_eq!(a.dtype(), DType::F32);
            let tol = if log { 2e-5 } else { 1e-6 };
            assert!(max_diff(&a, &b) < tol, "softmax {shape:?} dim {dim} log {log}: {}", max_diff(&a, &b));
        }
        let s = N::sum_dim_intlist(&N::softmax(&x32, dim, None).unwrap(), Some(&[dim]), false, None).unwrap();
        assert!(s.to_vec::<f64>().unwrap().iter().all(|v| (v - 1.0).abs() < 1e-5));
    }
}

/// The fused f32 softmax and log_softmax backward agree with the f64 kernel on large inputs:
/// long rows (the lane sums and their tail), a strided dim, rows shorter than the lanes.
#[test]
fn softmax_backward_large_matches_f64() {
    for (shape, dim) in [(vec![64i64, 3000], 1i64), (vec![300, 700], 0), (vec![40, 37], 1), (vec![8, 50, 90], 1)] {
        let (x32, x64) = (sin_tensor(&shape, DType::F32), sin_tensor(&shape, DType::F64));
        let g: Vec<f64> = (0..shape.iter().product::<i64>()).map(|i| (i as f64 * 0.11).cos()).collect();
        let g64 = Tensor::from_vec(g, &shape).unwrap();
        let g32 = torchrs::ops::convert::to(&g64, None, Some(DType::F32), false).unwrap();
        for log in [false, true] {
            let grad = |x: &Tensor, g: &Tensor, dt: DType| {
                if log {
                    N::_log_softmax_backward_data(g, &N::log_softmax(x, dim, None).unwrap(), dim, dt).unwrap()
                } else {
                    N::_softmax_backward_data(g, &N::softmax(x, dim, None).unwrap(), dim, dt).unwrap()
                }
            };
            let (a, b) = (grad(&x32, &g32, DType::F32), grad(&x64, &g64, DType::F64));
            assert_eq!(a.dtype(), DType::F32);
            let tol = if log { 1e-4 } else { 1e-6 };
            assert!(max_diff(&a, &b) < tol, "softmax backward {shape:?} dim {dim} log {log}: {}", max_diff(&a, &b));
        }
    }
}

/// A large softmax along a strided dim (the threaded column path) with special values: a column
/// holding a NaN, one all -inf and one with +inf are all NaN, as in PyTorch; every other column
/// matches the definition and log_softmax matches the log of softmax.
#[test]
fn strided_softmax_special_columns() {
    let (rows, cols) = (300usize, 700usize);
    let mut v: Vec<f32> = (0..rows * cols).map(|i| ((i as f32) * 0.37 + 0.1).sin() * 4.0).collect();
    v[5 * cols + 3] = f32::NAN;
    (0..rows).for_each(|r| v[r * cols + 10] = f32::NEG_INFINITY);
    v[7 * cols + 20] = f32::INFINITY;
    let x = Tensor::from_vec(v.clone(), &[rows as i64, cols as i64]).unwrap();
    let (sm, lsm) = (N::softmax(&x, 0, None).unwrap().to_vec::<f32>().unwrap(), N::log_softmax(&x, 0, None).unwrap().to_vec::<f32>().unwrap());
    for j in 0..cols {
        let col: Vec<f64> = (0..rows).map(|r| v[r * cols + j] as f64).collect();
        for r in 0..rows {
            let (got, lgot) = (sm[r * cols + j], lsm[r * cols + j]);
            if [3, 10, 20].contains(&j) {
                assert!(got.is_nan() && lgot.is_nan(), "column {j} row {r}: {got} {lgot}");
                continue;
            }
            let m = col.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = col.iter().map(|&c| (c - m).exp()).sum();
            let want = (col[r] - m).exp() / s;
            assert!((got as f64 - want).abs() < 1e-6, "column {j} row {r}: {got} vs {want}");
            assert!((lgot as f64 - want.ln()).abs() < 2e-5, "log column {j} row {r}: {lgot} vs {}", want.ln());
        }
    }
}

/// softmax along the last dim (the row path, threaded) with special values: a row holding a
/// NaN, one all -inf and one with +inf are all NaN, as in PyTorch; -inf entries (a mask) and
/// entries 100 below the row's maximum (past the exp's clamp) give terms of at most 1e-37; every
/// other entry matches the definition, with rows longer and shorter than the vector lanes.
#[test]
fn row_softmax_special_rows() {
    for cols in [700usize, 45, 7] {
        let rows = 200usize;
        let mut v: Vec<f32> = (0..rows * cols).map(|i| ((i as f32) * 0.37 + 0.1).sin() * 4.0).collect();
        v[3 * cols + cols / 2] = f32::NAN;
        v[4 * cols..5 * cols].iter_mut().for_each(|x| *x = f32::NEG_INFINITY);
        v[5 * cols + 1] = f32::INFINITY;
        (0..rows).filter(|r| r % 3 == 0 && *r > 5).for_each(|r| v[r * cols + r % cols] = f32::NEG_INFINITY);
        (0..rows).filter(|r| r % 5 == 1 && *r > 5).for_each(|r| v[r * cols + (r + 2) % cols] = -100.0);
        let x = Tensor::from_vec(v.clone(), &[rows as i64, cols as i64]).unwrap();
        let (sm, lsm) = (N::softmax(&x, 1, None).unwrap().to_vec::<f32>().unwrap(), N::log_softmax(&x, 1, None).unwrap().to_vec::<f32>().unwrap());
        for r in 0..rows {
            let row: Vec<f64> = v[r * cols..(r + 1) * cols].iter().map(|&c| c as f64).collect();
            let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = row.iter().map(|&c| (c - m).exp()).sum();
            for (c, &xc) in row.iter().enumerate() {
                let (got, lgot) = (sm[r * cols + c], lsm[r * cols + c]);
                if (3..6).contains(&r) {
                    assert!(got.is_nan() && lgot.is_nan(), "{cols} columns, row {r}: {got} {lgot}");
                    continue;
                }
                let want = (xc - m).exp() / s;
                let tol = if want < 1e-30 { 1e-37 } else { 1e-6 };
                assert!((got as f64 - want).abs() < tol, "{cols} columns, row {r} column {c}: {got} vs {want}");
                let lwant = xc - m - s.ln();
                assert!(lgot as f64 == lwant || (lgot as f64 - lwant).abs() < 2e-5, "log: {cols} columns, row {r} column {c}: {lgot} vs {lwant}");
            }
        }
    }
}

/// Large sums and means (threaded all-reduce, row and column paths) agree with f64 sums.
#[test]
fn large_sums_match_f64() {
    let x = sin_tensor(&[1000, 1000], DType::F32);
    let x64 = sin_tensor(&[1000, 1000], DType::F64);
    let total = N::sum(&x, None).unwrap().to_vec::<f64>().unwrap()[0];
    let exact: f64 = x.to_vec::<f32>().unwrap().iter().map(|&v| v as f64).sum();
    assert!((total - exact).abs() < 1e-3, "{total} vs {exact}");
    for dim in [0i64, 1] {
        let m = N::mean_dim(&x, Some(&[dim]), false, None).unwrap();
        let m64 = N::mean_dim(&x64, Some(&[dim]), false, None).unwrap();
        assert!(max_diff(&m, &m64) < 1e-6, "mean dim {dim}: {}", max_diff(&m, &m64));
        let t = x.transpose(0, 1).unwrap();
        let mt = N::mean_dim(&t, Some(&[1 - dim]), false, None).unwrap();
        assert!(max_diff(&m, &mt) < 1e-6);
    }
    let am = N::amax(&x, &[1], false).unwrap();
    let am64 = N::amax(&x64, &[1], false).unwrap();
    assert!(max_diff(&am, &am64) < 1e-6);
}

/// In-place and out= variants write their results where they should.
#[test]
fn out_and_inplace_variants() {
    let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let out = Tensor::empty(&[0], DType::F32, torchrs::Device::Cpu).unwrap();
    N::sum_intlist_out(&out, &x, Some(&[1]), false, None).unwrap();
    assert_eq!(out.to_vec::<f32>().unwrap(), vec![3.0, 7.0]);
    let c = x.contiguous().unwrap();
    let y = torchrs::ops::convert::clone(&c).unwrap();
    N::cumsum_(&y, 1, None).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 3.0, 3.0, 7.0]);
    let (v, ix) = (Tensor::empty(&[0], DType::F32, torchrs::Device::Cpu).unwrap(), Tensor::empty(&[0], DType::I64, torchrs::Device::Cpu).unwrap());
    N::max_dim_max(&v, &ix, &x, 0, false).unwrap();
    assert_eq!(v.to_vec::<f32>().unwrap(), vec![3.0, 4.0]);
    assert_eq!(ix.to_vec::<i64>().unwrap(), vec![1, 1]);
}

/// Gradients of gradients through softmax and log_softmax (create_graph).
#[test]
fn softmax_double_backward_matches_torch() {
    // torch: x = [[0.5, -1.0, 2.0]], y = softmax(x, 1); g = grad((y * w).sum(), x, create_graph)
    // then (g * v).sum().backward(); w = [1, 2, 3], v = [0.3, -0.2, 0.1]
    let x = Tensor::from_vec(vec![0.5f64, -1.0, 2.0], &[1, 3]).unwrap();
    x.set_requires_grad(true).unwrap();
    let w = Tensor::from_vec(vec![1.0f64, 2.0, 3.0], &[1, 3]).unwrap();
    let v = Tensor::from_vec(vec![0.3f64, -0.2, 0.1], &[1, 3]).unwrap();
    let expect = [
        ("softmax", [-0.0412298753_f64, 0.0096459440, 0.0315839313]),
        ("log_softmax", [-0.1858173096, 0.0758762738, 0.1099410359]),
    ];
    for (name, want) in expect {
        let y = if name == "softmax" { N::softmax(&x, 1, None).unwrap() } else { N::log_softmax(&x, 1, None).unwrap() };
        let loss = N::sum(&N::mul(&y, &w).unwrap(), None).unwrap();
        let g = torchrs::autograd::engine::run(&[(loss.clone(), N::ones_like(&loss).unwrap())], Some(&[x.clone()]), true, true)
            .unwrap()
            .remove(0)
            .unwrap();
        let l2 = N::sum(&N::mul(&g, &v).unwrap(), None).unwrap();
        let gg = torchrs::autograd::engine::run(&[(l2.clone(), N::ones_like(&l2).unwrap())], Some(&[x.clone()]), false, false)
            .unwrap()
            .remove(0)
            .unwrap();
        let got = gg.to_vec::<f64>().unwrap();
        for (a, b) in got.iter().zip(want) {
            assert!((a - b).abs() < 1e-8, "{name}: {got:?} vs {want:?}");
        }
    }
}

/// Timings of the hot paths (run with `--ignored --nocapture`; no assertion on speed).
#[test]
#[ignore]
fn timing_report() {
    let time = |name: &str, f: &dyn Fn()| {
        f();
        let n = 50;
        let t0 = std::time::Instant::now();
        for _ in 0..n {
            f();
        }
        println!("{name}: {:.3} ms", t0.elapsed().as_secs_f64() * 1e3 / n as f64);
    };
    let v = sin_tensor(&[1_000_000], DType::F32);
    let m = sin_tensor(&[1000, 1000], DType::F32);
    time("sum 1M f32", &|| drop(N::sum(&v, None).unwrap()));
    time("mean dim 1 of 1000x1000", &|| drop(N::mean_dim(&m, Some(&[1]), false, None).unwrap()));
    time("mean dim 0 of 1000x1000", &|| drop(N::mean_dim(&m, Some(&[0]), false, None).unwrap()));
    time("softmax dim 1 of 1000x1000", &|| drop(N::softmax(&m, 1, None).unwrap()));
    time("log_softmax dim 1 of 1000x1000", &|| drop(N::log_softmax(&m, 1, None).unwrap()));
    time("amax dim 1 of 1000x1000", &|| drop(N::amax(&m, &[1], false).unwrap()));
    time("cat 2x 1000x1000 dim 1", &|| drop(N::cat(&[m.clone(), m.clone()], 1).unwrap()));
    let idx = Tensor::from_vec((0..1000).rev().collect::<Vec<i64>>(), &[1000]).unwrap();
    time("index_select 1000 rows of 1000x1000", &|| drop(N::index_select(&m, 0, &idx).unwrap()));
}

/// Row reductions over long contiguous rows (the vector paths of var and logsumexp) equal f64
/// references in f32, on threads; rows with a NaN, all -inf or a +inf give PyTorch's NaN, -inf
/// and +inf through the exact loop.
#[test]
fn long_row_var_and_logsumexp_match_f64() {
    let (rows, n) = (300usize, 517usize);
    let v: Vec<f64> = (0..rows * n).map(|i| ((i as i64 * 7919) % 4001 - 2000) as f64 / 97.0 + 3.0).collect();
    let mut v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    v32[3 * n + 5] = f32::NAN;
    v32[4 * n..5 * n].iter_mut().for_each(|x| *x = f32::NEG_INFINITY);
    v32[5 * n + 100] = f32::INFINITY;
    let x = Tensor::from_vec(v32.clone(), &[rows as i64, n as i64]).unwrap();
    let lse = N::logsumexp(&x, &[1], false).unwrap().to_vec::<f32>().unwrap();
    let var = N::var_correction(&x, Some(&[1]), &Scalar::Int(1), false).unwrap().to_vec::<f32>().unwrap();
    for r in 0..rows {
        let row: Vec<f64> = v32[r * n..(r + 1) * n].iter().map(|&x| x as f64).collect();
        let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let want_lse = match r {
            3 => f64::NAN,
            4 => f64::NEG_INFINITY,
            5 => f64::INFINITY,
            _ => m + row.iter().map(|x| (x - m).exp()).sum::<f64>().ln(),
        };
        let got = lse[r] as f64;
        assert!(got == want_lse || (got.is_nan() && want_lse.is_nan()) || (got - want_lse).abs() < 1e-5 * want_lse.abs(), "logsumexp row {r}: {got} vs {want_lse}");
        if r > 5 {
            let mean = row.iter().sum::<f64>() / n as f64;
            let want = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            assert!((var[r] as f64 - want).abs() < 1e-6 * want, "var row {r}: {} vs {want}", var[r]);
        } else if r == 3 {
            assert!(var[r].is_nan(), "var of a row with NaN");
        }
    }
}

/// amax/amin over leading dims of a contiguous input (columns folded in strips, on threads)
/// equal a per-column loop; a NaN anywhere in a column wins; ints too.
#[test]
fn leading_dim_amax_amin_match_columns() {
    let (rows, cols) = (130usize, 1100usize);
    let mut v: Vec<f32> = (0..rows * cols).map(|i| ((i as i64 * 7919) % 4001 - 2000) as f32 / 7.0).collect();
    v[77 * cols + 5] = f32::NAN;
    v[cols + 1030] = f32::NAN;
    let x = Tensor::from_vec(v.clone(), &[rows as i64 / 2, 2, cols as i64]).unwrap();
    for max in [true, false] {
        let got = if max { N::amax(&x, &[0, 1], false) } else { N::amin(&x, &[0, 1], false) }.unwrap();
        assert_eq!(got.shape().to_vec(), vec![cols as i64]);
        let got = got.to_vec::<f32>().unwrap();
        for j in 0..cols {
            let col = (0..rows).map(|r| v[r * cols + j]);
            let want = if j == 5 || j == 1030 { f32::NAN } else if max { col.fold(f32::MIN, f32::max) } else { col.fold(f32::MAX, f32::min) };
            assert!(got[j] == want || (got[j].is_nan() && want.is_nan()), "max={max} column {j}: {} vs {want}", got[j]);
        }
    }
    let xi = Tensor::from_vec((0..(rows * cols) as i64).map(|i| (i * 7919) % 1009).collect::<Vec<_>>(), &[rows as i64, cols as i64]).unwrap();
    let got = N::amax(&xi, &[0], true).unwrap();
    assert_eq!(got.shape().to_vec(), vec![1, cols as i64]);
    let gv = got.to_vec::<i64>().unwrap();
    for j in (0..cols).step_by(37) {
        assert_eq!(gv[j], (0..rows as i64).map(|r| ((r * cols as i64 + j as i64) * 7919) % 1009).max().unwrap());
    }
}

/// amax/amin along the last dim (the vector-lane row fold, in each instruction set build) and
/// over everything equal a scan: a NaN anywhere in a row wins, in the lanes or in the tail; f32,
/// f64 and i64.
#[test]
fn row_amax_amin_match_scans() {
    let (rows, cols) = (90usize, 301usize);
    let mut v: Vec<f64> = (0..rows * cols).map(|i| ((i as i64 * 7919) % 4001 - 2000) as f64 / 7.0).collect();
    for (r, c) in [(3usize, 0usize), (4, 31), (5, 100), (6, 299), (7, 300)] {
        v[r * cols + c] = f64::NAN;
    }
    let scan = |row: &[f64], max: bool| {
        if row.iter().any(|x| x.is_nan()) {
            f64::NAN
        } else if max {
            row.iter().cloned().fold(f64::MIN, f64::max)
        } else {
            row.iter().cloned().fold(f64::MAX, f64::min)
        }
    };
    let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
    for dt in [DType::F32, DType::F64, DType::I64] {
        let vals: Vec<f64> = if dt == DType::I64 { v.iter().map(|x| if x.is_nan() { 5.0 } else { x.round() }).collect() } else { v.clone() };
        let x = torchrs::ops::convert::to(&Tensor::from_vec(vals.clone(), &[rows as i64, cols as i64]).unwrap(), None, Some(dt), false).unwrap();
        let vals: Vec<f64> = N::to_dtype(&x, DType::F64, false, false).unwrap().to_vec::<f64>().unwrap();
        for max in [true, false] {
            let got = if max { N::amax(&x, &[1], false) } else { N::amin(&x, &[1], false) }.unwrap();
            let got = N::to_dtype(&got, DType::F64, false, false).unwrap().to_vec::<f64>().unwrap();
            for r in 0..rows {
                let want = scan(&vals[r * cols..(r + 1) * cols], max);
                assert!(same(got[r], want), "{dt:?} max={max} row {r}: {} vs {want}", got[r]);
            }
            let all = if max { N::amax(&x, &[], false) } else { N::amin(&x, &[], false) }.unwrap();
            let all = N::to_dtype(&all, DType::F64, false, false).unwrap().to_vec::<f64>().unwrap()[0];
            assert!(same(all, scan(&vals, max)), "{dt:?} max={max} all: {all}");
        }
    }
}

/// Row-major values with repeats (ties) and a NaN in some rows.
fn tied(rows: usize, cols: usize) -> Vec<f32> {
    (0..rows * cols).map(|i| if i % 1009 == 17 { f32::NAN } else { ((i * 7919) % 61) as f32 - 30.0 }).collect()
}

/// cumsum of large inputs (row groups, column blocks, threads; f32, i64, and the reversed scan
/// of its backward) equals a plain f64 / i64 running sum over each line.
#[test]
fn large_cumsum_matches_running_sums() {
    let (r, c) = (203usize, 301usize);
    let v: Vec<f32> = (0..r * c).map(|i| ((i * 37) % 101) as f32 / 7.0 - 7.0).collect();
    let x = Tensor::from_vec(v.clone(), &[r as i64, c as i64]).unwrap();
    let at = |dim: usize, line: usize, k: usize| if dim == 1 { line * c + k } else { k * c + line };
    for dim in [0usize, 1] {
        let (lines, n) = if dim == 1 { (r, c) } else { (c, r) };
        let got = N::cumsum(&x, dim as i64, None).unwrap().to_vec::<f32>().unwrap();
        let ints = N::cumsum(&N::totype(&x, DType::I64).unwrap(), dim as i64, None).unwrap().to_vec::<i64>().unwrap();
        let xi = N::totype(&x, DType::I64).unwrap().to_vec::<i64>().unwrap();
        for line in 0..lines {
            let (mut s, mut si) = (0f64, 0i64);
            for k in 0..n {
                s += v[at(dim, line, k)] as f64;
                si += xi[at(dim, line, k)];
                assert_eq!(got[at(dim, line, k)], s as f32, "cumsum dim {dim} line {line} k {k}");
                assert_eq!(ints[at(dim, line, k)], si, "i64 cumsum dim {dim}");
            }
        }
        // the gradient of sum(cumsum(x) * w) is the reversed running sum of w
        let xl = Tensor::from_vec(v.clone(), &[r as i64, c as i64]).unwrap();
        xl.set_requires_grad(true).unwrap();
        let w = N::sin(&x).unwrap();
        let loss = N::sum(&N::mul(&N::cumsum(&xl, dim as i64, None).unwrap(), &w).unwrap(), None).unwrap();
        let g = torchrs::autograd::engine::run(&[(loss.clone(), N::ones_like(&loss).unwrap())], Some(&[xl.clone()]), false, false)
            .unwrap()[0]
            .clone()
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        let wv = w.to_vec::<f32>().unwrap();
        for line in (0..lines).step_by(17) {
            let mut s = 0f64;
            for k in (0..n).rev() {
                s += wv[at(dim, line, k)] as f64;
                assert_eq!(g[at(dim, line, k)], s as f32, "cumsum backward dim {dim} line {line} k {k}");
            }
        }
    }
}

/// max/min along a dim with indices, on large inputs with ties and NaN (the contiguous-row and
/// leading-dim column paths), equal a first-index scan; argmax agrees.
#[test]
fn large_max_dim_first_index_and_nan() {
    let (r, c) = (300usize, 257usize);
    let v = tied(r, c);
    let x = Tensor::from_vec(v.clone(), &[r as i64, c as i64]).unwrap();
    for max in [true, false] {
        for dim in [0usize, 1] {
            let (lines, n) = if dim == 1 { (r, c) } else { (c, r) };
            let (vals, idx) = if max { N::max_dim(&x, dim as i64, false) } else { N::min_dim(&x, dim as i64, false) }.unwrap();
            let (vals, idx) = (vals.to_vec::<f32>().unwrap(), idx.to_vec::<i64>().unwrap());
            let am = if max { N::argmax(&x, Some(dim as i64), false) } else { N::argmin(&x, Some(dim as i64), false) };
            assert_eq!(am.unwrap().to_vec::<i64>().unwrap(), idx, "argmax/argmin dim {dim}");
            for line in 0..lines {
                let get = |k: usize| if dim == 1 { v[line * c + k] } else { v[k * c + line] };
                let mut best = 0usize;
                for k in 1..n {
                    let (a, b) = (get(k), get(best));
                    if b.is_nan() {
                        break;
                    }
                    if a.is_nan() || (max && a > b) || (!max && a < b) {
                        best = k;
                    }
                }
                assert_eq!(idx[line], best as i64, "max={max} dim {dim} line {line}");
                let want = get(best);
                assert!(vals[line] == want || (want.is_nan() && vals[line].is_nan()), "value max={max} dim {dim} line {line}");
            }
        }
    }
}

/// prod and norm over everything (threaded parts in vector lanes) and along rows, f32 and f64,
/// against f64 loops; NaN anywhere gives NaN for every order, inf/-inf orders pick |x|.
#[test]
fn large_prod_and_norm_match_f64_loops() {
    let n = 300_007usize;
    // factors near 1 so the product of them all stays in range
    let v: Vec<f64> = (0..n).map(|i| 1.0 + ((i * 7919 % 1000) as f64 - 499.5) * 1e-6).collect();
    for dt in [DType::F32, DType::F64] {
        let x = N::totype(&Tensor::from_vec(v.clone(), &[n as i64]).unwrap(), dt).unwrap();
        let xs = x.to_vec::<f64>().unwrap();
        let want: f64 = xs.iter().product();
        let got = N::prod(&x, None).unwrap().to_vec::<f64>().unwrap()[0];
        let tol = if dt == DType::F32 { 1e-6 } else { 1e-12 };
        assert!((got - want).abs() <= tol * want.abs(), "{dt:?} prod: {got} vs {want}");
        for p in [2.0, 1.0, 3.0, 0.0, f64::INFINITY, f64::NEG_INFINITY] {
            let got = N::norm_scalaropt_dim(&x, &Scalar::Float(p), &[], false).unwrap().to_vec::<f64>().unwrap()[0];
            let a = xs.iter().map(|v| v.abs());
            let want = match p {
                2.0 => a.map(|v| v * v).sum::<f64>().sqrt(),
                1.0 => a.sum(),
                0.0 => a.filter(|&v| v != 0.0).count() as f64,
                f64::INFINITY => a.fold(0.0, f64::max),
                f64::NEG_INFINITY => a.fold(f64::INFINITY, f64::min),
                _ => a.map(|v| v.powf(p)).sum::<f64>().powf(1.0 / p),
            };
            assert!((got - want).abs() <= tol * want.abs(), "{dt:?} norm p={p}: {got} vs {want}");
        }
        // rows of 1000 (contiguous) and columns (strided)
        let m = N::reshape(&N::narrow(&x, 0, 0, 300_000).unwrap(), &[300, 1000]).unwrap();
        let mv = m.to_vec::<f64>().unwrap();
        let rows = N::prod_dim_int(&m, 1, false, None).unwrap().to_vec::<f64>().unwrap();
        let row_norms = N::norm_scalaropt_dim(&m, &Scalar::Float(1.0), &[1], false).unwrap().to_vec::<f64>().unwrap();
        for i in 0..300 {
            let row = &mv[i * 1000..(i + 1) * 1000];
            let (p, s): (f64, f64) = (row.iter().product(), row.iter().map(|v| v.abs()).sum());
            assert!((rows[i] - p).abs() <= tol * p.abs() && (row_norms[i] - s).abs() <= tol * s, "{dt:?} row {i}");
        }
        let cols = N::norm_scalaropt_dim(&m, &Scalar::Float(2.0), &[0], true).unwrap();
        assert_eq!(&cols.shape()[..], &[1, 1000]);
        let cols = cols.to_vec::<f64>().unwrap();
        for j in (0..1000).step_by(37) {
            let want = (0..300).map(|i| mv[i * 1000 + j].powi(2)).sum::<f64>().sqrt();
            assert!((cols[j] - want).abs() <= tol * want, "{dt:?} column {j}");
        }
        // a NaN makes every order NaN (max/min folds would skip it)
        let mut with_nan = xs.clone();
        with_nan[123_456] = f64::NAN;
        let y = N::totype(&Tensor::from_vec(with_nan, &[n as i64]).unwrap(), dt).unwrap();
        for p in [2.0, 1.0, f64::INFINITY, f64::NEG_INFINITY, 3.0] {
            let got = N::norm_scalaropt_dim(&y, &Scalar::Float(p), &[], false).unwrap().to_vec::<f64>().unwrap()[0];
            assert!(got.is_nan(), "{dt:?} norm p={p} with a NaN: {got}");
        }
        assert!(N::prod(&y, None).unwrap().to_vec::<f64>().unwrap()[0].is_nan());
    }
}
