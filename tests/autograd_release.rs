//! What a backward without keep_graph frees: rules holding saved tensors can not run again
//! (PyTorch's "backward through the graph a second time" error), rules holding none can (tch's
//! gradient_clip_test backpropagates twice through one `cat`).

use torchrs::autograd::engine::backward;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{Scalar, Tensor};

fn leaf(v: Vec<f32>) -> Tensor {
    let n = v.len() as i64;
    let t = Tensor::from_vec(v, &[n]).unwrap();
    t.set_requires_grad(true).unwrap();
    t
}

fn grad(t: &Tensor) -> Vec<f32> {
    t.grad().expect("a gradient").to_vec::<f32>().unwrap()
}

#[test]
fn rules_without_saved_tensors_run_again() {
    let (a, b) = (leaf(vec![1.0, -2.0]), leaf(vec![3.0]));
    let b2 = N::mul_scalar(&b, &Scalar::Int(2)).unwrap();
    let all = N::cat(&[a.clone(), b2], 0).unwrap();
    let neg = N::neg(&N::add(&all, &all).unwrap()).unwrap();
    for round in 1..=2 {
        // the squares are recomputed each round; cat, mul by a number, add and neg are reused
        let loss = N::sum(&N::mul(&neg, &neg).unwrap(), None).unwrap();
        backward(&loss, None, false, false).unwrap();
        let k = round as f32;
        // loss = sum(4 * all^2): d/da = 8a, d/db = 8 * 2b * 2
        assert_eq!(grad(&a), vec![8.0 * k, -16.0 * k]);
        assert_eq!(grad(&b), vec![96.0 * k]);
    }
}

#[test]
fn rules_with_saved_tensors_refuse_a_second_backward() {
    let a = leaf(vec![1.0, 2.0]);
    let sq = N::mul(&a, &a).unwrap();
    let loss = N::sum(&sq, None).unwrap();
    backward(&loss, None, false, false).unwrap();
    let e = backward(&loss, None, false, false).unwrap_err().to_string();
    assert!(e.contains("Trying to backward through the graph a second time"), "{e}");
    // with keep_graph the rule stays
    let loss = N::sum(&N::mul(&a, &a).unwrap(), None).unwrap();
    backward(&loss, None, true, false).unwrap();
    backward(&loss, None, false, false).unwrap();
    assert_eq!(grad(&a), vec![2.0 + 4.0, 4.0 + 8.0]);
}
