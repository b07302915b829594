//! Gradients by finite differences: for each op, the autograd gradient of `sum(w * f(inputs))`
//! (`w` a fixed pseudo-random weight, so every output element counts differently) must equal
//! central differences in f64, element by element, for every differentiable input. Inputs stay
//! away from kinks (relu at 0, abs at 0, ties of max) where the derivative is one-sided.

use torchrs::autograd::engine::backward;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{Result, Scalar, Tensor};

/// One input: its values and shape, and whether it is checked (index tensors are not).
struct Input {
    data: Vec<f64>,
    shape: Vec<i64>,
}

/// Deterministic values in `[lo, hi)` (a linear congruential sequence).
fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

fn inp(shape: &[i64], seed: u64, lo: f64, hi: f64) -> Input {
    let n = shape.iter().product::<i64>() as usize;
    Input { data: values(n, seed, lo, hi), shape: shape.to_vec() }
}

/// Values whose magnitudes are at least `gap` apart from 0 (for abs, relu, l1 and friends).
fn away_from_zero(shape: &[i64], seed: u64, gap: f64) -> Input {
    let mut i = inp(shape, seed, -2.0, 2.0);
    for v in &mut i.data {
        if v.abs() < gap {
            *v = if *v < 0.0 { -gap - v.abs() } else { gap + *v };
        }
    }
    i
}

fn long(v: &[i64], shape: &[i64]) -> Tensor {
    Tensor::from_vec(v.to_vec(), shape).unwrap()
}

/// `sum(w * f(xs))` and its value.
fn weighted_loss(f: &dyn Fn(&[Tensor]) -> Result<Tensor>, xs: &[Tensor]) -> Result<(Tensor, f64)> {
    let y = f(xs)?;
    let shape: Vec<i64> = y.shape().to_vec();
    let w = Tensor::from_vec(values(y.numel(), 99, -1.0, 1.0), &shape)?;
    let l = N::sum(&N::mul(&y, &w)?, None)?;
    let v = l.to_vec::<f64>()?[0];
    Ok((l, v))
}

/// Compares autograd with central differences; returns one line per mismatch.
fn check(name: &str, inputs: &[Input], f: &dyn Fn(&[Tensor]) -> Result<Tensor>) -> Vec<String> {
    let leaves: Vec<Tensor> = inputs
        .iter()
        .map(|i| {
            let t = Tensor::from_vec(i.data.clone(), &i.shape).unwrap();
            t.set_requires_grad(true).unwrap();
            t
        })
        .collect();
    let (loss, _) = match weighted_loss(f, &leaves) {
        Ok(l) => l,
        Err(e) => return vec![format!("{name}: forward failed: {e}")],
    };
    if let Err(e) = backward(&loss, None, false, false) {
        return vec![format!("{name}: backward failed: {e}")];
    }
    let mut bad = Vec::new();
    for (k, input) in inputs.iter().enumerate() {
        let n = input.data.len();
        let analytic = match leaves[k].grad() {
            Some(g) => g.to_vec::<f64>().unwrap(),
            None => vec![0.0; n],
        };
        assert_eq!(analytic.len(), n, "{name}: gradient {k} has the input's size");
        for j in 0..n {
            let h = 1e-6 * (1.0 + input.data[j].abs());
            let at = |delta: f64| {
                let xs: Vec<Tensor> = inputs
                    .iter()
                    .enumerate()
                    .map(|(m, i)| {
                        let mut d = i.data.clone();
                        if m == k {
                            d[j] += delta;
                        }
                        Tensor::from_vec(d, &i.shape).unwrap()
                    })
                    .collect();
                weighted_loss(f, &xs).unwrap().1
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            let tol = 1e-6 + 1e-5 * numeric.abs().max(analytic[j].abs());
            if (analytic[j] - numeric).abs() > tol || !analytic[j].is_finite() {
                bad.push(format!("{name}: input {k} element {j}: autograd {} vs finite difference {numeric}", analytic[j]));
            }
        }
    }
    bad
}

type Case = (&'static str, Vec<Input>, Box<dyn Fn(&[Tensor]) -> Result<Tensor>>);

/// Boxes an op (the parameter type comes from the bound, so closures need no annotation).
fn op(f: impl Fn(&[Tensor]) -> Result<Tensor> + 'static) -> Box<dyn Fn(&[Tensor]) -> Result<Tensor>> {
    Box::new(f)
}

fn unary_cases() -> Vec<Case> {
    let s = [3i64, 4];
    let any = || inp(&s, 1, -2.0, 2.0);
    let pos = || inp(&s, 2, 0.2, 3.0);
    let unit = || inp(&s, 3, -0.9, 0.9);
    vec![
        ("exp", vec![any()], op(|x| N::exp(&x[0]))),
        ("log", vec![pos()], op(|x| N::log(&x[0]))),
        ("log2", vec![pos()], op(|x| N::log2(&x[0]))),
        ("log10", vec![pos()], op(|x| N::log10(&x[0]))),
        ("log1p", vec![pos()], op(|x| N::log1p(&x[0]))),
        ("expm1", vec![any()], op(|x| N::expm1(&x[0]))),
        ("sqrt", vec![pos()], op(|x| N::sqrt(&x[0]))),
        ("rsqrt", vec![pos()], op(|x| N::rsqrt(&x[0]))),
        ("reciprocal", vec![pos()], op(|x| N::reciprocal(&x[0]))),
        ("sin", vec![any()], op(|x| N::sin(&x[0]))),
        ("cos", vec![any()], op(|x| N::cos(&x[0]))),
        ("tan", vec![unit()], op(|x| N::tan(&x[0]))),
        ("asin", vec![unit()], op(|x| N::asin(&x[0]))),
        ("acos", vec![unit()], op(|x| N::acos(&x[0]))),
        ("atan", vec![any()], op(|x| N::atan(&x[0]))),
        ("sinh", vec![any()], op(|x| N::sinh(&x[0]))),
        ("cosh", vec![any()], op(|x| N::cosh(&x[0]))),
        ("tanh", vec![any()], op(|x| N::tanh(&x[0]))),
        ("sigmoid", vec![any()], op(|x| N::sigmoid(&x[0]))),
        ("logit", vec![inp(&s, 4, 0.1, 0.9)], op(|x| N::logit(&x[0], None))),
        ("erf", vec![any()], op(|x| N::erf(&x[0]))),
        ("erfc", vec![any()], op(|x| N::erfc(&x[0]))),
        ("abs", vec![away_from_zero(&s, 5, 0.1)], op(|x| N::abs(&x[0]))),
        ("neg", vec![any()], op(|x| N::neg(&x[0]))),
        ("relu", vec![away_from_zero(&s, 6, 0.1)], op(|x| N::relu(&x[0]))),
        ("selu", vec![away_from_zero(&s, 7, 0.1)], op(|x| N::selu(&x[0]))),
        ("elu", vec![away_from_zero(&s, 8, 0.1)], op(|x| N::elu(&x[0]))),
        ("leaky_relu", vec![away_from_zero(&s, 9, 0.1)], op(|x| N::leaky_relu(&x[0]))),
        ("silu", vec![any()], op(|x| N::silu(&x[0]))),
        ("mish", vec![any()], op(|x| N::mish(&x[0]))),
        ("softplus", vec![any()], op(|x| N::softplus(&x[0]))),
        ("gelu", vec![any()], op(|x| N::gelu(&x[0], "none"))),
        ("gelu tanh", vec![any()], op(|x| N::gelu(&x[0], "tanh"))),
        (
            "clamp",
            vec![away_from_zero(&s, 10, 0.1)],
            op(|x| N::clamp(&x[0], &Scalar::Float(-1.05), &Scalar::Float(1.05))),
        ),
    ]
}

fn binary_cases() -> Vec<Case> {
    let (a, b) = ([3i64, 4], [4i64]);
    vec![
        ("add broadcast", vec![inp(&a, 11, -2.0, 2.0), inp(&b, 12, -2.0, 2.0)], op(|x| N::add(&x[0], &x[1]))),
        ("sub broadcast", vec![inp(&a, 13, -2.0, 2.0), inp(&b, 14, -2.0, 2.0)], op(|x| N::sub(&x[0], &x[1]))),
        ("mul broadcast", vec![inp(&a, 15, -2.0, 2.0), inp(&b, 16, -2.0, 2.0)], op(|x| N::mul(&x[0], &x[1]))),
        ("div broadcast", vec![inp(&a, 17, -2.0, 2.0), inp(&b, 18, 0.5, 2.0)], op(|x| N::div(&x[0], &x[1]))),
        ("pow", vec![inp(&a, 19, 0.3, 2.0), inp(&a, 20, -1.5, 1.5)], op(|x| N::pow(&x[0], &x[1]))),
        ("atan2", vec![inp(&a, 21, -2.0, 2.0), away_from_zero(&a, 22, 0.3)], op(|x| N::atan2(&x[0], &x[1]))),
        ("maximum", vec![inp(&a, 23, -2.0, 2.0), inp(&a, 24, -2.0, 2.0)], op(|x| N::maximum(&x[0], &x[1]))),
        ("minimum", vec![inp(&a, 25, -2.0, 2.0), inp(&a, 26, -2.0, 2.0)], op(|x| N::minimum(&x[0], &x[1]))),
        (
            "lerp",
            vec![inp(&a, 27, -2.0, 2.0), inp(&a, 28, -2.0, 2.0)],
            op(|x| N::lerp(&x[0], &x[1], &Scalar::Float(0.3))),
        ),
        (
            "addcmul",
            vec![inp(&a, 29, -2.0, 2.0), inp(&a, 30, -2.0, 2.0), inp(&b, 31, -2.0, 2.0)],
            op(|x| N::addcmul(&x[0], &x[1], &x[2])),
        ),
        (
            "addcdiv",
            vec![inp(&a, 32, -2.0, 2.0), inp(&a, 33, -2.0, 2.0), inp(&a, 34, 0.5, 2.0)],
            op(|x| N::addcdiv(&x[0], &x[1], &x[2])),
        ),
        (
            "where",
            vec![inp(&a, 35, -2.0, 2.0), inp(&a, 36, -2.0, 2.0)],
            op(|x| {
                let c = Tensor::from_vec(values(12, 37, -1.0, 1.0), &[3, 4])?;
                N::where_self(&N::gt(&c, &Scalar::Float(0.0))?, &x[0], &x[1])
            }),
        ),
    ]
}

fn reduction_cases() -> Vec<Case> {
    let s = [3i64, 5];
    let x = |seed| inp(&s, seed, -2.0, 2.0);
    vec![
        ("sum dim", vec![x(41)], op(|x| N::sum_dim_intlist(&x[0], Some(&[1][..]), false, None))),
        ("mean dim keepdim", vec![x(42)], op(|x| N::mean_dim(&x[0], Some(&[0][..]), true, None))),
        ("prod dim", vec![away_from_zero(&s, 43, 0.3)], op(|x| N::prod_dim_int(&x[0], 1, false, None))),
        ("var", vec![x(44)], op(|x| N::var_correction(&x[0], Some(&[1][..]), &Scalar::Int(1), false))),
        ("std", vec![x(45)], op(|x| N::std_correction(&x[0], Some(&[0][..]), &Scalar::Int(0), true))),
        ("norm 2", vec![x(46)], op(|x| N::norm_scalaropt_dim(&x[0], &Scalar::Float(2.0), &[1], false))),
        ("norm 3", vec![x(47)], op(|x| N::norm_scalaropt_dim(&x[0], &Scalar::Float(3.0), &[0], false))),
        ("logsumexp", vec![x(48)], op(|x| N::logsumexp(&x[0], &[1], false))),
        ("amax", vec![x(49)], op(|x| N::amax(&x[0], &[1], false))),
        ("max dim values", vec![x(50)], op(|x| Ok(N::max_dim(&x[0], 0, false)?.0))),
        ("cumsum", vec![x(51)], op(|x| N::cumsum(&x[0], 1, None))),
        ("cumprod", vec![away_from_zero(&s, 52, 0.3)], op(|x| N::cumprod(&x[0], 1, None))),
        ("softmax", vec![x(53)], op(|x| N::softmax(&x[0], 1, None))),
        ("softmax dim 0", vec![x(54)], op(|x| N::softmax(&x[0], 0, None))),
        ("log_softmax", vec![x(55)], op(|x| N::log_softmax(&x[0], 1, None))),
        ("topk values", vec![x(56)], op(|x| Ok(N::topk(&x[0], 2, 1, true, true)?.0))),
        ("sort values", vec![x(57)], op(|x| Ok(N::sort(&x[0], 1, false)?.0))),
    ]
}

fn linalg_and_shape_cases() -> Vec<Case> {
    let x = |s: &[i64], seed| inp(s, seed, -1.5, 1.5);
    vec![
        ("mm", vec![x(&[3, 4], 61), x(&[4, 2], 62)], op(|x| N::mm(&x[0], &x[1]))),
        ("bmm", vec![x(&[2, 3, 4], 63), x(&[2, 4, 2], 64)], op(|x| N::bmm(&x[0], &x[1]))),
        ("matmul broadcast", vec![x(&[2, 3, 4], 65), x(&[4, 2], 66)], op(|x| N::matmul(&x[0], &x[1]))),
        ("matmul vector", vec![x(&[4], 67), x(&[2, 4, 3], 68)], op(|x| N::matmul(&x[0], &x[1]))),
        ("addmm", vec![x(&[2], 69), x(&[3, 4], 70), x(&[4, 2], 71)], op(|x| N::addmm(&x[0], &x[1], &x[2]))),
        ("mv", vec![x(&[3, 4], 72), x(&[4], 73)], op(|x| N::mv(&x[0], &x[1]))),
        ("dot", vec![x(&[5], 74), x(&[5], 75)], op(|x| N::dot(&x[0], &x[1]))),
        ("outer", vec![x(&[3], 76), x(&[4], 77)], op(|x| N::outer(&x[0], &x[1]))),
        ("einsum bij,bjk", vec![x(&[2, 3, 4], 78), x(&[2, 4, 2], 79)], op(|x| N::einsum("bij,bjk->bik", x, None))),
        ("linear", vec![x(&[3, 4], 80), x(&[2, 4], 81), x(&[2], 82)], op(|x| N::linear(&x[0], &x[1], Some(&x[2])))),
        ("cat", vec![x(&[2, 3], 83), x(&[1, 3], 84)], op(|x| N::cat(x, 0))),
        ("stack", vec![x(&[2, 3], 85), x(&[2, 3], 86)], op(|x| N::stack(x, 1))),
        (
            "transpose, reshape, narrow, select",
            vec![x(&[3, 4, 2], 87)],
            op(|x| {
                let t = N::transpose(&x[0], 0, 2)?;
                let r = N::reshape(&t, &[4, 6])?;
                let n = N::narrow(&r, 1, 1, 4)?;
                N::mul(&n, &N::unsqueeze(&N::select(&r, 1, 0)?, 1)?)
            }),
        ),
        ("permute", vec![x(&[2, 3, 4], 88)], op(|x| N::permute(&x[0], &[2, 0, 1]))),
        ("expand", vec![x(&[3, 1], 89)], op(|x| N::expand(&x[0], &[2, 3, 4], false))),
        ("flip", vec![x(&[3, 4], 90)], op(|x| N::flip(&x[0], &[0, 1]))),
        ("roll", vec![x(&[3, 4], 91)], op(|x| N::roll(&x[0], &[1, -1], &[0, 1]))),
        ("repeat", vec![x(&[2, 3], 92)], op(|x| N::repeat(&x[0], &[2, 1, 2]))),
        ("constant_pad_nd", vec![x(&[2, 3], 93)], op(|x| N::constant_pad_nd(&x[0], &[1, 2, 0, 1]))),
        (
            "index_select",
            vec![x(&[4, 3], 94)],
            op(|x| N::index_select(&x[0], 0, &long(&[3, 0, 3, 1], &[4]))),
        ),
        (
            "gather",
            vec![x(&[3, 4], 95)],
            op(|x| N::gather(&x[0], 1, &long(&[0, 3, 3, 1, 2, 0], &[3, 2]), false)),
        ),
        (
            "scatter_add",
            vec![x(&[3, 4], 96), x(&[3, 2], 97)],
            op(|x| N::scatter_add(&x[0], 1, &long(&[0, 3, 3, 1, 2, 0], &[3, 2]), &x[1])),
        ),
        (
            "index_put accumulate",
            vec![x(&[4, 3], 98), x(&[3, 3], 99)],
            op(|x| N::index_put(&x[0], &[Some(long(&[1, 3, 1], &[3]))], &x[1], true)),
        ),
        (
            "masked_fill",
            vec![x(&[3, 4], 100)],
            op(|x| {
                let c = Tensor::from_vec(values(12, 101, -1.0, 1.0), &[3, 4])?;
                N::masked_fill(&x[0], &N::gt(&c, &Scalar::Float(0.0))?, &Scalar::Float(0.5))
            }),
        ),
        (
            "embedding",
            vec![x(&[5, 3], 102)],
            op(|x| N::embedding(&x[0], &long(&[4, 0, 4, 2], &[2, 2]), -1, false, false)),
        ),
    ]
}

fn nn_and_loss_cases() -> Vec<Case> {
    let x = |s: &[i64], seed| inp(s, seed, -1.5, 1.5);
    let target = || long(&[2, 0, 1, 2], &[4]);
    vec![
        (
            "conv2d",
            vec![x(&[1, 2, 5, 4], 111), x(&[3, 2, 3, 2], 112), x(&[3], 113)],
            op(|x| N::conv2d(&x[0], &x[1], Some(&x[2]), &[2, 1], &[1, 0], &[1, 1], 1)),
        ),
        (
            "conv2d groups dilation",
            vec![x(&[1, 4, 5, 5], 114), x(&[2, 2, 2, 2], 115)],
            op(|x| N::conv2d(&x[0], &x[1], None, &[1, 1], &[1, 1], &[2, 1], 2)),
        ),
        (
            "conv1d",
            vec![x(&[2, 2, 6], 116), x(&[3, 2, 3], 117), x(&[3], 118)],
            op(|x| N::conv1d(&x[0], &x[1], Some(&x[2]), &[2], &[1], &[1], 1)),
        ),
        (
            "conv_transpose2d",
            vec![x(&[1, 2, 3, 3], 119), x(&[2, 3, 2, 2], 120)],
            op(|x| N::conv_transpose2d(&x[0], &x[1], None, &[2, 2], &[0, 0], &[1, 1], 1, &[1, 1])),
        ),
        ("max_pool2d", vec![x(&[1, 2, 4, 4], 121)], op(|x| N::max_pool2d(&x[0], &[2, 2], &[2, 2], &[0, 0], &[1, 1], false))),
        (
            "avg_pool2d",
            vec![x(&[1, 2, 5, 5], 122)],
            op(|x| N::avg_pool2d(&x[0], &[3, 3], &[2, 2], &[1, 1], false, false, None)),
        ),
        (
            "upsample_bilinear2d",
            vec![x(&[1, 2, 3, 3], 123)],
            op(|x| N::upsample_bilinear2d(&x[0], &[5, 4], false, None, None)),
        ),
        (
            "layer_norm",
            vec![x(&[3, 4], 124), x(&[4], 125), x(&[4], 126)],
            op(|x| N::layer_norm(&x[0], &[4], Some(&x[1]), Some(&x[2]), 1e-5, false)),
        ),
        (
            "group_norm",
            vec![x(&[2, 4, 3], 127), x(&[4], 128), x(&[4], 129)],
            op(|x| N::group_norm(&x[0], 2, Some(&x[1]), Some(&x[2]), 1e-5, false)),
        ),
        (
            "batch_norm training",
            vec![x(&[4, 3, 2], 130), x(&[3], 131), x(&[3], 132)],
            op(|x| N::batch_norm(&x[0], Some(&x[1]), Some(&x[2]), None, None, true, 0.1, 1e-5, false)),
        ),
        ("mse_loss", vec![x(&[3, 4], 133), x(&[3, 4], 134)], op(|x| N::mse_loss(&x[0], &x[1], 1))),
        (
            "l1_loss",
            vec![inp(&[3, 4], 135, 0.5, 1.5), inp(&[3, 4], 136, -1.5, -0.5)],
            op(|x| N::l1_loss(&x[0], &x[1], 2)),
        ),
        ("smooth_l1_loss", vec![x(&[3, 4], 137), x(&[3, 4], 138)], op(|x| N::smooth_l1_loss(&x[0], &x[1], 1, 0.7))),
        ("huber_loss", vec![x(&[3, 4], 139), x(&[3, 4], 140)], op(|x| N::huber_loss(&x[0], &x[1], 0, 0.7))),
        (
            "binary_cross_entropy",
            vec![inp(&[3, 4], 141, 0.1, 0.9), inp(&[3, 4], 142, 0.0, 1.0), inp(&[4], 143, 0.5, 1.5)],
            op(|x| N::binary_cross_entropy(&x[0], &x[1], Some(&x[2]), 1)),
        ),
        (
            "binary_cross_entropy_with_logits",
            vec![x(&[3, 4], 144), inp(&[3, 4], 145, 0.0, 1.0), inp(&[4], 146, 0.5, 1.5), inp(&[4], 147, 0.5, 2.0)],
            op(|x| N::binary_cross_entropy_with_logits(&x[0], &x[1], Some(&x[2]), Some(&x[3]), 1)),
        ),
        (
            "cross_entropy weight smoothing",
            vec![x(&[4, 3], 148)],
            op(move |x| {
                // the weight is a constant: PyTorch's nll_loss has no derivative for it
                let w = Tensor::from_vec(values(3, 149, 0.5, 1.5), &[3])?;
                N::cross_entropy_loss(&x[0], &target(), Some(&w), 1, -100, 0.1)
            }),
        ),
        (
            "cross_entropy probabilities",
            vec![x(&[4, 3], 150), inp(&[4, 3], 151, 0.0, 1.0)],
            op(|x| N::cross_entropy_loss(&x[0], &x[1], None, 1, -100, 0.0)),
        ),
        (
            "nll_loss ignore_index",
            vec![x(&[4, 3], 152)],
            op(|x| N::nll_loss(&x[0], &long(&[2, 0, 1, 2], &[4]), None, 1, 1)),
        ),
        (
            "kl_div",
            vec![x(&[3, 4], 153), inp(&[3, 4], 154, 0.1, 1.0)],
            op(|x| N::kl_div(&x[0], &x[1], 1, false)),
        ),
    ]
}

fn run(cases: Vec<Case>) {
    let mut bad = Vec::new();
    let n = cases.len();
    for (name, inputs, f) in cases {
        bad.extend(check(name, &inputs, f.as_ref()));
    }
    assert!(bad.is_empty(), "{} mismatches over {n} ops:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn class_weights_requiring_grad_are_refused_like_pytorch() {
    let x = Tensor::from_vec(values(12, 160, -1.0, 1.0), &[4, 3]).unwrap();
    let w = Tensor::from_vec(values(3, 161, 0.5, 1.5), &[3]).unwrap();
    w.set_requires_grad(true).unwrap();
    let t = long(&[2, 0, 1, 2], &[4]);
    let expected = "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'";
    for smoothing in [0.0, 0.1] {
        let e = N::cross_entropy_loss(&x, &t, Some(&w), 1, -100, smoothing).expect_err("a weight requiring grad");
        assert!(e.to_string().contains(expected), "{e}");
    }
    let e = N::nll_loss(&x, &t, Some(&w), 1, -100).expect_err("a weight requiring grad");
    assert!(e.to_string().contains(expected), "{e}");
}

#[test]
fn unary_gradients_match_finite_differences() {
    run(unary_cases());
}

#[test]
fn binary_gradients_match_finite_differences() {
    run(binary_cases());
}

#[test]
fn reduction_gradients_match_finite_differences() {
    run(reduction_cases());
}

#[test]
fn linalg_and_shape_gradients_match_finite_differences() {
    run(linalg_and_shape_cases());
}

#[test]
fn nn_and_loss_gradients_match_finite_differences() {
    run(nn_and_loss_cases());
}
