//! The fused normalisation and loss kernels: layer_norm (forward on threads, closed-form backward,
//! gradients of gradients), batch_norm's one-pass per-channel map, nll_loss's gather/scatter and
//! the pointwise losses' fused sums,
//! against PyTorch's numbers (small cases, values printed by torch 2.x and quoted below) and
//! against the same functions composed from basic ops (large cases, which take the threaded paths).

use torchrs::autograd::engine::run;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Scalar, Tensor};

fn t64(v: &[f64], shape: &[i64]) -> Tensor {
    Tensor::from_vec(v.to_vec(), shape).unwrap()
}

/// Deterministic values in about [-2, 2).
fn pattern(shape: &[i64], seed: i64) -> Tensor {
    let n: i64 = shape.iter().product();
    t64(&(0..n).map(|i| ((i * 7919 + seed * 104729) % 4001 - 2000) as f64 / 1000.0).collect::<Vec<_>>(), shape)
}

fn close(what: &str, got: &Tensor, want: &[f64], tol: f64) {
    let g = N::to_dtype(got, DType::F64, false, false).unwrap().to_vec::<f64>().unwrap();
    assert_eq!(g.len(), want.len(), "{what}: length");
    for (i, (a, b)) in g.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= tol * b.abs().max(1.0), "{what}: element {i}: got {a}, expected {b}");
    }
}

fn values(t: &Tensor) -> Vec<f64> {
    N::to_dtype(t, DType::F64, false, false).unwrap().to_vec::<f64>().unwrap()
}

fn grads(loss: &Tensor, of: &[Tensor], create_graph: bool) -> Vec<Tensor> {
    run(&[(loss.clone(), N::ones_like(loss).unwrap())], Some(of), create_graph, create_graph)
        .unwrap()
        .into_iter()
        .map(|g| g.unwrap())
        .collect()
}

fn leaf(t: Tensor) -> Tensor {
    t.set_requires_grad(true).unwrap();
    t
}

/// layer_norm written with basic ops (their gradients come from autograd).
fn layer_norm_composite(x: &Tensor, dims: &[i64], w: &Tensor, b: &Tensor) -> Tensor {
    let mean = N::mean_dim(x, Some(dims), true, None).unwrap();
    let c = N::sub(x, &mean).unwrap();
    let var = N::mean_dim(&N::mul(&c, &c).unwrap(), Some(dims), true, None).unwrap();
    let y = N::div(&c, &N::sqrt(&N::add_scalar(&var, &Scalar::Float(1e-5)).unwrap()).unwrap()).unwrap();
    N::add(&N::mul(&y, w).unwrap(), b).unwrap()
}

#[test]
fn layer_norm_gradients_of_gradients_match_torch() {
    // torch: y = layer_norm(x, [4], w, b, 1e-5); gx, gw = grad((y*u).sum(), [x, w], create_graph)
    // then ggx, ggw = grad((gx*v).sum() + (gw*s).sum(), [x, w])
    let x = leaf(t64(&[0.5, -1.0, 2.0, 0.3, 1.5, 0.2, -0.7, -2.0], &[2, 4]));
    let w = leaf(t64(&[1.0, 2.0, -0.5, 0.7], &[4]));
    let b = leaf(t64(&[0.1, 0.0, -0.2, 0.3], &[4]));
    let u = t64(&[1.0, -2.0, 0.5, 0.25, 0.3, 0.7, -1.1, 2.0], &[2, 4]);
    let v = t64(&[0.3, -0.2, 0.1, 0.4, -0.5, 0.6, 0.2, -0.1], &[2, 4]);
    let s = t64(&[0.2, -0.1, 0.3, 0.5], &[4]);
    let y = N::layer_norm(&x, &[4], Some(&w), Some(&b), 1e-5, false).unwrap();
    let g = grads(&N::sum(&N::mul(&y, &u).unwrap(), None).unwrap(), &[x.clone(), w.clone()], true);
    close("gx", &g[0], &[1.6056723846253345, -1.4012337962385162, -1.2604078269550516, 1.0559692385682338, -0.1558444278522365, 0.46474018214107127, -0.36690792175564696, 0.05801216746681215], 1e-9);
    close("gw", &g[1], &[0.4578793847583359, 2.971602982265395, 1.1156660637893656, -2.7745412091465456], 1e-9);
    let l2 = N::add(&N::sum(&N::mul(&g[0], &v).unwrap(), None).unwrap(), &N::sum(&N::mul(&g[1], &s).unwrap(), None).unwrap()).unwrap();
    let gg = grads(&l2, &[x, w], false);
    close("ggx", &gg[0], &[-0.287578509878941, 0.7222125026935081, -0.03641329564909557, -0.3982206971654716, 0.07559442084537238, 0.024673862824218393, -0.4588102278781142, 0.35854194420852364], 1e-9);
    close("ggw", &gg[1], &[0.040384859189510555, 0.7381083134783593, -0.18608394236728065, -0.39109221121403887], 1e-9);
}

/// A large layer_norm (rows on threads) over two dims equals the composed one, forward and
/// backward, in f64; f32 and bf16 agree with f64 to their precision; native_layer_norm's
/// statistics are each row's mean and 1/sqrt(var + eps).
#[test]
fn large_layer_norm_matches_composed_ops() {
    let (x, w, b) = (leaf(pattern(&[96, 12, 25], 1)), leaf(pattern(&[12, 25], 2)), leaf(pattern(&[12, 25], 3)));
    let u = pattern(&[96, 12, 25], 4);
    let fused = N::layer_norm(&x, &[12, 25], Some(&w), Some(&b), 1e-5, false).unwrap();
    let composed = layer_norm_composite(&x, &[1, 2], &w, &b);
    close("forward", &fused, &values(&composed), 1e-10);
    let loss = |y: &Tensor| N::sum(&N::mul(y, &u).unwrap(), None).unwrap();
    let (gf, gc) = (grads(&loss(&fused), &[x.clone(), w.clone(), b.clone()], false), grads(&loss(&composed), &[x.clone(), w.clone(), b.clone()], false));
    for (k, name) in ["dx", "dw", "db"].iter().enumerate() {
        close(name, &gf[k], &values(&gc[k]), 1e-9);
    }
    for (dtype, tol) in [(DType::F32, 1e-4), (DType::BF16, 5e-2)] {
        let c = |t: &Tensor| N::to_dtype(&N::detach(t).unwrap(), dtype, false, false).unwrap();
        let y = N::layer_norm(&c(&x), &[12, 25], Some(&c(&w)), Some(&c(&b)), 1e-5, false).unwrap();
        assert_eq!(y.dtype(), dtype);
        let want = values(&composed);
        let got = values(&y);
        let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst <= tol * 8.0, "{dtype:?}: largest difference {worst}");
    }
    let (_, mean, rstd) = N::native_layer_norm(&N::detach(&x).unwrap(), &[12, 25], None, None, 1e-5).unwrap();
    assert_eq!(mean.shape().to_vec(), vec![96, 1, 1]);
    let m = N::mean_dim(&x, Some(&[1, 2]), true, None).unwrap();
    close("mean", &mean, &values(&m), 1e-12);
    let var = N::var_correction(&x, Some(&[1, 2]), &Scalar::Int(0), true).unwrap();
    let want: Vec<f64> = values(&var).iter().map(|v| 1.0 / (v + 1e-5).sqrt()).collect();
    close("rstd", &rstd, &want, 1e-10);
}

#[test]
fn layer_norm_errors_name_the_shapes() {
    let x = pattern(&[3, 4], 1);
    let e = N::layer_norm(&x, &[5], None, None, 1e-5, false).unwrap_err().to_string();
    assert!(e.contains("normalized_shape=[5]") && e.contains("[3, 4]"), "{e}");
    let e = N::layer_norm(&x, &[4], Some(&pattern(&[3], 2)), None, 1e-5, false).unwrap_err().to_string();
    assert!(e.contains("weight") && e.contains("[3]"), "{e}");
}

#[test]
fn batch_norm_eval_matches_torch() {
    let x = t64(&[0.5, -1.0, 2.0, 0.25, 1.5, -0.5, -2.0, 3.0], &[2, 2, 2]);
    let (rm, rv) = (t64(&[0.1, -0.2], &[2]), t64(&[0.5, 2.0], &[2]));
    let (w, b) = (t64(&[1.5, -0.7], &[2]), t64(&[0.2, 0.3], &[2]));
    let want = [1.04851965226976, -2.13342904374184, -0.7889417206763845, 0.07726192077073953, 3.1698187829441595, -1.0727794784046398, 1.1909523169170417, -1.283915230074741];
    let y = N::batch_norm(&x, Some(&w), Some(&b), Some(&rm), Some(&rv), false, 0.1, 1e-5, false).unwrap();
    close("f64", &y, &want, 1e-12);
    let f = |t: &Tensor| N::to_dtype(t, DType::F32, false, false).unwrap();
    let y = N::batch_norm(&f(&x), Some(&f(&w)), Some(&f(&b)), Some(&f(&rm)), Some(&f(&rv)), false, 0.1, 1e-5, false).unwrap();
    assert_eq!(y.dtype(), DType::F32);
    close("f32", &y, &want, 1e-6);
    // with a trainable weight the map is built from ops: same values, and the weight's gradient
    let wl = leaf(w.clone());
    let y = N::batch_norm(&x, Some(&wl), Some(&b), Some(&rm), Some(&rv), false, 0.1, 1e-5, false).unwrap();
    close("graph", &y, &want, 1e-12);
    let g = grads(&N::sum(&y, None).unwrap(), &[wl], false);
    // d/dw of sum(y) = sum over (n, spatial) of (x - rm) / sqrt(rv + eps)
    let dw0 = (0.5 - 0.1 - 1.0 - 0.1 + 1.5 - 0.1 - 0.5 - 0.1) / (0.5f64 + 1e-5).sqrt();
    let dw1 = (2.0 + 0.2 + 0.25 + 0.2 - 2.0 + 0.2 + 3.0 + 0.2) / (2.0f64 + 1e-5).sqrt();
    close("dw", &g[0], &[dw0, dw1], 1e-12);
    let e = N::batch_norm(&x, Some(&t64(&[1.0; 3], &[3])), None, Some(&rm), Some(&rv), false, 0.1, 1e-5, false).unwrap_err().to_string();
    assert!(e.contains("weight") && e.contains("[3]"), "{e}");
}

/// The one-pass per-channel map on a large NCHW input (blocks on threads) and on 2-d input.
#[test]
fn large_batch_norm_eval_matches_formula() {
    for shape in [vec![6i64, 16, 20, 20], vec![3000, 16]] {
        let x = pattern(&shape, 5);
        let (rm, rv, w, b) = (pattern(&[16], 6), N::add_scalar(&N::abs(&pattern(&[16], 7)).unwrap(), &Scalar::Float(0.1)).unwrap(), pattern(&[16], 8), pattern(&[16], 9));
        let y = N::batch_norm(&x, Some(&w), Some(&b), Some(&rm), Some(&rv), false, 0.1, 1e-3, false).unwrap();
        let mut pc = vec![1i64; shape.len()];
        pc[1] = 16;
        let r = |t: &Tensor| N::reshape(t, &pc).unwrap();
        let want = N::add(
            &N::mul(&N::div(&N::sub(&x, &r(&rm)).unwrap(), &N::sqrt(&N::add_scalar(&r(&rv), &Scalar::Float(1e-3)).unwrap()).unwrap()).unwrap(), &r(&w)).unwrap(),
            &r(&b),
        )
        .unwrap();
        close(&format!("{shape:?}"), &y, &values(&want), 1e-12);
        // a strided (transposed) input gives the same result
        let xt = N::transpose(&N::contiguous(&N::transpose(&x, 0, 1).unwrap()).unwrap(), 0, 1).unwrap();
        let yt = N::batch_norm(&xt, Some(&w), Some(&b), Some(&rm), Some(&rv), false, 0.1, 1e-3, false).unwrap();
        close("strided", &yt, &values(&want), 1e-12);
    }
}

/// cross_entropy on a large batch equals -mean(log_softmax[target]), and its gradient is
/// (softmax - one_hot) / N; with every target ignored the mean is NaN and the gradient zero.
#[test]
fn large_cross_entropy_gathers_and_scatters() {
    let (n, c) = (700i64, 300i64);
    let x = leaf(N::to_dtype(&pattern(&[n, c], 11), DType::F32, false, false).unwrap());
    let tv: Vec<i64> = (0..n).map(|i| (i * 37) % c).collect();
    let t = Tensor::from_vec(tv.clone(), &[n]).unwrap();
    let loss = N::cross_entropy_loss(&x, &t, None, 1, -100, 0.0).unwrap();
    let lp = values(&N::log_softmax(&N::to_dtype(&x, DType::F64, false, false).unwrap(), 1, None).unwrap());
    let want = -(0..n as usize).map(|i| lp[i * c as usize + tv[i] as usize]).sum::<f64>() / n as f64;
    close("loss", &loss, &[want], 1e-6);
    let g = values(&grads(&loss, &[x.clone()], false)[0]);
    for i in (0..n as usize).step_by(97) {
        for j in 0..c as usize {
            let p = lp[i * c as usize + j].exp() - if j == tv[i] as usize { 1.0 } else { 0.0 };
            let got = g[i * c as usize + j];
            assert!((got - p / n as f64).abs() < 1e-7, "grad[{i}, {j}]: {got} vs {}", p / n as f64);
        }
    }
    let all_ignored = Tensor::from_vec(vec![-100i64; n as usize], &[n]).unwrap();
    let loss = N::cross_entropy_loss(&x, &all_ignored, None, 1, -100, 0.0).unwrap();
    assert!(values(&loss)[0].is_nan());
    assert!(values(&grads(&loss, &[x.clone()], false)[0]).iter().all(|&v| v == 0.0));
    let bad = Tensor::from_vec(vec![c; n as usize], &[n]).unwrap();
    let e = N::nll_loss(&x, &bad, None, 1, -100).unwrap_err().to_string();
    assert!(e.contains("out of bounds"), "{e}");
}

/// mse_loss of large f32 tensors (the fused, threaded sum) equals the f64 formula, for mean and
/// sum and a transposed operand; its gradients are 2 (x - t) / N and the negation, and the
/// gradient of the gradient follows (x's second derivative is 2 / N).
#[test]
fn large_mse_loss_sums_squared_differences() {
    let (r, c) = (600i64, 500i64);
    let x = leaf(N::to_dtype(&pattern(&[r, c], 3), DType::F32, false, false).unwrap());
    let t = leaf(N::to_dtype(&pattern(&[c, r], 4), DType::F32, false, false).unwrap().transpose(0, 1).unwrap());
    let (xv, tv) = (values(&x), values(&t.contiguous().unwrap()));
    let n = (r * c) as f64;
    let sq: f64 = xv.iter().zip(&tv).map(|(a, b)| ((a - b) as f32 as f64).powi(2)).sum();
    for (red, want) in [(1i64, sq / n), (2, sq)] {
        let loss = N::mse_loss(&x, &t, red).unwrap();
        assert_eq!(loss.dtype(), DType::F32);
        close(&format!("mse reduction {red}"), &loss, &[want], 1e-6);
    }
    let loss = N::mse_loss(&x, &t, 1).unwrap();
    let g = grads(&loss, &[x.clone(), t.clone()], true);
    let (gx, gt) = (values(&g[0]), values(&g[1]));
    for i in (0..xv.len()).step_by(1013) {
        let want = 2.0 * (xv[i] - tv[i]) / n;
        assert!((gx[i] - want).abs() < 1e-9 + 1e-6 * want.abs(), "gx[{i}]: {} vs {want}", gx[i]);
        assert_eq!(gt[i], -gx[i]);
    }
    let gg = grads(&N::sum(&g[0], None).unwrap(), &[x.clone()], false);
    assert!(values(&gg[0]).iter().all(|&v| (v - 2.0 / n).abs() < 1e-9), "second derivative");
    let none = N::mse_loss(&x, &t, 0).unwrap();
    assert_eq!(&none.shape()[..], &[r, c]);
}

/// The fused backward (no graph) with and without weight and bias, in f32 and over many threaded
/// rows, equals the composed f64 gradients to f32 precision.
#[test]
fn layer_norm_fused_backward_parameter_combinations() {
    let (rows, m) = (300i64, 130i64);
    let u = pattern(&[rows, m], 8);
    let u32_ = N::to_dtype(&u, DType::F32, false, false).unwrap();
    let f32_leaf = |t: &Tensor| leaf(N::to_dtype(t, DType::F32, false, false).unwrap());
    for (use_w, use_b) in [(false, false), (true, false), (false, true), (true, true)] {
        let (x, w, b) = (f32_leaf(&pattern(&[rows, m], 5)), f32_leaf(&pattern(&[m], 6)), f32_leaf(&pattern(&[m], 7)));
        let y = N::layer_norm(&x, &[m], use_w.then_some(&w), use_b.then_some(&b), 1e-5, false).unwrap();
        let mut of = vec![x.clone()];
        of.extend(use_w.then(|| w.clone()));
        of.extend(use_b.then(|| b.clone()));
        let g = grads(&N::sum(&N::mul(&y, &u32_).unwrap(), None).unwrap(), &of, false);
        assert_eq!(g.len(), of.len());
        let ones = N::ones_like(&pattern(&[m], 6)).unwrap();
        let zeros = N::zeros_like(&ones).unwrap();
        let xr = leaf(pattern(&[rows, m], 5));
        let wr = leaf(if use_w { pattern(&[m], 6) } else { ones });
        let br = leaf(if use_b { pattern(&[m], 7) } else { zeros });
        let yr = layer_norm_composite(&xr, &[1], &wr, &br);
        let gr = grads(&N::sum(&N::mul(&yr, &u).unwrap(), None).unwrap(), &[xr.clone(), wr.clone(), br.clone()], false);
        let what = format!("w {use_w} b {use_b}");
        close(&format!("dx, {what}"), &g[0], &values(&gr[0]), 1e-4);
        if use_w {
            close(&format!("dw, {what}"), &g[1], &values(&gr[1]), 1e-4);
        }
        if use_b {
            close(&format!("db, {what}"), &g[of.len() - 1], &values(&gr[2]), 1e-4);
        }
    }
}

/// The loss of one difference in f64, as PyTorch defines each (kind 0 mse, 1 l1, 2 smooth_l1
/// with beta k, 3 huber with delta k), and its derivative.
fn pointwise_loss(kind: usize, d: f64, k: f64) -> (f64, f64) {
    let z = d.abs();
    match kind {
        0 => (d * d, 2.0 * d),
        1 => (z, d.signum() * (d != 0.0) as i32 as f64),
        2 if z < k => (0.5 * z * z / k, d / k),
        2 => (z - 0.5 * k, d.signum()),
        _ if z < k => (0.5 * z * z, d),
        _ => (k * (z - 0.5 * k), k * d.signum()),
    }
}

/// mse, l1, smooth_l1 and huber on 600x500 f32 inputs (the fused threaded sums; one operand
/// transposed), on f64 inputs and with a broadcast target (the elementwise path), for each
/// reduction: values and gradients against the f64 formulas, the `*_loss_backward` entry points,
/// second derivatives, and the parameter and reduction errors.
#[test]
fn pointwise_losses_match_formulas() {
    let (r, c) = (600i64, 500i64);
    let call = |kind: usize, x: &Tensor, t: &Tensor, red: i64, k: f64| match kind {
        0 => N::mse_loss(x, t, red),
        1 => N::l1_loss(x, t, red),
        2 => N::smooth_l1_loss(x, t, red, k),
        _ => N::huber_loss(x, t, red, k),
    };
    let x32 = leaf(N::to_dtype(&pattern(&[r, c], 3), DType::F32, false, false).unwrap());
    let t32 = N::to_dtype(&pattern(&[c, r], 4), DType::F32, false, false).unwrap().transpose(0, 1).unwrap();
    let x64 = leaf(pattern(&[r, c], 3));
    let row = pattern(&[c], 9);
    let cases: [(&Tensor, Tensor, DType); 3] = [(&x32, t32, DType::F32), (&x64, pattern(&[c, r], 4).transpose(0, 1).unwrap(), DType::F64), (&x64, row, DType::F64)];
    for (x, t, dt) in &cases {
        let (xv, tv) = (values(x), values(&N::broadcast_to(t, &[r, c]).unwrap().contiguous().unwrap()));
        let n = (r * c) as f64;
        for (kind, k) in [(0usize, 0.0), (1, 0.0), (2, 0.7), (3, 0.8), (2, 0.0)] {
            let each: Vec<(f64, f64)> = xv.iter().zip(&tv).map(|(&a, &b)| {
                // the difference as the dtype computes it
                let d = if *dt == DType::F32 { (a as f32 - b as f32) as f64 } else { a - b };
                pointwise_loss(if kind == 2 && k == 0.0 { 1 } else { kind }, d, k)
            }).collect();
            let sum: f64 = each.iter().map(|e| e.0).sum();
            let tol = if *dt == DType::F32 { 1e-5 } else { 1e-12 };
            let what = format!("loss {kind} k {k} {dt:?} target {:?}", t.shape());
            close(&format!("{what} sum"), &call(kind, x, t, 2, k).unwrap(), &[sum], tol);
            close(&format!("{what} mean"), &call(kind, x, t, 1, k).unwrap(), &[sum / n], tol);
            let none = call(kind, x, t, 0, k).unwrap();
            assert_eq!((&none.shape()[..], none.dtype()), (&[r, c][..], *dt), "{what}");
            close(&format!("{what} none"), &none, &each.iter().map(|e| e.0).collect::<Vec<_>>(), tol);
            // gradient of the mean for x (and, summed over rows, for a broadcast target)
            // (scaled by N, so that the tolerance is relative to the derivative)
            let scaled = |g: &Tensor| N::mul_scalar(g, &Scalar::Float(n)).unwrap();
            let g = grads(&call(kind, x, t, 1, k).unwrap(), &[(*x).clone()], false);
            let want: Vec<f64> = each.iter().map(|e| e.1).collect();
            close(&format!("{what} gradient"), &scaled(&g[0]), &want, tol);
            let entry = match kind {
                0 => Some(N::mse_loss_backward(&N::ones(&[], *dt, torchrs::Device::Cpu).unwrap(), x, t, 1)),
                2 if k > 0.0 => Some(N::smooth_l1_loss_backward(&N::ones(&[], *dt, torchrs::Device::Cpu).unwrap(), x, t, 1, k)),
                3 => Some(N::huber_loss_backward(&N::ones(&[], *dt, torchrs::Device::Cpu).unwrap(), x, t, 1, k)),
                _ => None,
            };
            if let Some(e) = entry {
                close(&format!("{what} backward entry point"), &scaled(&e.unwrap()), &want, tol);
            }
        }
    }
    // huber's second derivative: 1/N inside the band, 0 outside; the target's gradient is -x's
    let t = leaf(N::to_dtype(&pattern(&[r, c], 5), DType::F32, false, false).unwrap());
    let loss = N::huber_loss(&x32, &t, 1, 0.8).unwrap();
    let g = grads(&loss, &[x32.clone(), t.clone()], true);
    assert_eq!(values(&g[1]), values(&g[0]).iter().map(|v| -v).collect::<Vec<_>>());
    let gg = values(&grads(&N::sum(&g[0], None).unwrap(), &[x32.clone()], false)[0]);
    let (xv, tv) = (values(&x32), values(&t));
    for i in (0..xv.len()).step_by(997) {
        let inside = ((xv[i] as f32 - tv[i] as f32) as f64).abs() < 0.8;
        assert_eq!(gg[i], if inside { (1.0f32 / (r * c) as f32) as f64 } else { 0.0 }, "huber second derivative at {i}");
    }
    let err = |e: torchrs::error::Result<Tensor>| e.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err(N::smooth_l1_loss(&x32, &t, 1, -1.0)).contains("negative values for beta"));
    assert!(err(N::huber_loss(&x32, &t, 1, 0.0)).contains("non-positive values for delta"));
    assert!(err(N::mse_loss(&x32, &t, 3)).contains("3 is not a valid value for reduction"));
}
