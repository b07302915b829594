//! The pointwise family against PyTorch: every case of tests/fixtures/pointwise.json (written by
//! tools/fixtures/gen_pointwise.py) runs through the `AtgApi` method C callers reach, checking
//! dtype, shape and values (integers exactly), PyTorch's errors, the identity of in-place and
//! out= results, and gradients; a second test checks the threaded paths on large inputs.

use crate::common;

use serde_json::Value;
use torchrs::capi::generated::AtgApi;
use torchrs::ops::Native as N;
use torchrs::{DType, Scalar, Tensor};

/// One argument of an op call.
enum A {
    T(Tensor),
    O(Option<Tensor>),
    S(Scalar),
    F(f64),
    B(bool),
    Str(String),
}

impl A {
    fn t(&self) -> &Tensor {
        match self {
            A::T(t) => t,
            _ => panic!("argument is not a tensor"),
        }
    }
    fn o(&self) -> Option<&Tensor> {
        match self {
            A::T(t) => Some(t),
            A::O(t) => t.as_ref(),
            _ => panic!("argument is not an optional tensor"),
        }
    }
    fn s(&self) -> &Scalar {
        match self {
            A::S(s) => s,
            _ => panic!("argument is not a scalar"),
        }
    }
    fn f(&self) -> f64 {
        match self {
            A::F(v) => *v,
            _ => panic!("argument is not a double"),
        }
    }
    fn b(&self) -> bool {
        match self {
            A::B(v) => *v,
            _ => panic!("argument is not a bool"),
        }
    }
    fn str(&self) -> &str {
        match self {
            A::Str(v) => v,
            _ => panic!("argument is not a string"),
        }
    }
}

/// What an op returned.
enum Out {
    T(Tensor),
    B(bool),
}

trait IntoOut {
    fn into_out(self) -> Result<Out, String>;
}

impl IntoOut for torchrs::Result<Tensor> {
    fn into_out(self) -> Result<Out, String> {
        self.map(Out::T).map_err(|e| e.0)
    }
}

impl IntoOut for torchrs::Result<bool> {
    fn into_out(self) -> Result<Out, String> {
        self.map(Out::B).map_err(|e| e.0)
    }
}

macro_rules! arg {
    (T, $a:ident, $i:ident) => {{ $i += 1; $a[$i - 1].t() }};
    (O, $a:ident, $i:ident) => {{ $i += 1; $a[$i - 1].o() }};
    (S, $a:ident, $i:ident) => {{ $i += 1; $a[$i - 1].s() }};
    (F, $a:ident, $i:ident) => {{ $i += 1; $a[$i - 1].f() }};
    (B, $a:ident, $i:ident) => {{ $i += 1; $a[$i - 1].b() }};
    (Str, $a:ident, $i:ident) => {{ $i += 1; $a[$i - 1].str() }};
    (Dt, $a:ident, $i:ident) => {{ $i += 1; common::dtype($a[$i - 1].str()) }};
}

/// The op table: each fixture op name with the kinds of its `AtgApi` parameters.
macro_rules! table {
    ($($op:ident($($k:ident),*)),* $(,)?) => {
        fn call(op: &str, a: &[A]) -> Result<Out, String> {
            let mut i = 0usize;
            let r = match op {
                $(stringify!($op) => N::$op($(arg!($k, a, i)),*).into_out(),)*
                _ => panic!("no table entry for {op}"),
            };
            assert_eq!(i, a.len(), "{op}: argument count");
            r
        }
    };
}

table! {
    __and__(T, S),
    __and__tensor_(T, T),
    __iand__(T, S),
    __iand__tensor_(T, T),
    __ilshift__(T, S),
    __ilshift__tensor_(T, T),
    __ior__(T, S),
    __ior__tensor_(T, T),
    __irshift__(T, S),
    __irshift__tensor_(T, T),
    __ixor__(T, S),
    __ixor__tensor_(T, T),
    __lshift__(T, S),
    __lshift__scalar_out_(T, T, S),
    __lshift__tensor_(T, T),
    __lshift__tensor_out_(T, T, T),
    __or__(T, S),
    __or__tensor_(T, T),
    __rshift__(T, S),
    __rshift__scalar_out_(T, T, S),
    __rshift__tensor_(T, T),
    __rshift__tensor_out_(T, T, T),
    __xor__(T, S),
    __xor__tensor_(T, T),
    add_scalar_out(T, T, S),
    addcdiv(T, T, T),
    addcdiv_(T, T, T),
    addcdiv_out(T, T, T, T),
    addcmul(T, T, T),
    addcmul_(T, T, T),
    addcmul_out(T, T, T, T),
    allclose(T, T, F, F, B),
    arctan2(T, T),
    arctan2_(T, T),
    arctan2_out(T, T, T),
    atan2(T, T),
    atan2_(T, T),
    atan2_out(T, T, T),
    bitwise_and(T, S),
    bitwise_and_(T, S),
    bitwise_and_scalar_out(T, T, S),
    bitwise_and_scalar_tensor(S, T),
    bitwise_and_scalar_tensor_out(T, S, T),
    bitwise_and_tensor(T, T),
    bitwise_and_tensor_(T, T),
    bitwise_and_tensor_out(T, T, T),
    bitwise_left_shift(T, T),
    bitwise_left_shift_(T, T),
    bitwise_left_shift_scalar_tensor(S, T),
    bitwise_left_shift_scalar_tensor_out(T, S, T),
    bitwise_left_shift_tensor_out(T, T, T),
    bitwise_left_shift_tensor_scalar(T, S),
    bitwise_left_shift_tensor_scalar_(T, S),
    bitwise_left_shift_tensor_scalar_out(T, T, S),
    bitwise_or(T, S),
    bitwise_or_(T, S),
    bitwise_or_scalar_out(T, T, S),
    bitwise_or_scalar_tensor(S, T),
    bitwise_or_scalar_tensor_out(T, S, T),
    bitwise_or_tensor(T, T),
    bitwise_or_tensor_(T, T),
    bitwise_or_tensor_out(T, T, T),
    bitwise_right_shift(T, T),
    bitwise_right_shift_(T, T),
    bitwise_right_shift_scalar_tensor(S, T),
    bitwise_right_shift_scalar_tensor_out(T, S, T),
    bitwise_right_shift_tensor_out(T, T, T),
    bitwise_right_shift_tensor_scalar(T, S),
    bitwise_right_shift_tensor_scalar_(T, S),
    bitwise_right_shift_tensor_scalar_out(T, T, S),
    bitwise_xor(T, S),
    bitwise_xor_(T, S),
    bitwise_xor_scalar_out(T, T, S),
    bitwise_xor_scalar_tensor(S, T),
    bitwise_xor_scalar_tensor_out(T, S, T),
    bitwise_xor_tensor(T, T),
    bitwise_xor_tensor_(T, T),
    bitwise_xor_tensor_out(T, T, T),
    clamp(T, S, S),
    clamp_(T, S, S),
    clamp_max(T, S),
    clamp_max_(T, S),
    clamp_max_out(T, T, S),
    clamp_max_tensor(T, T),
    clamp_max_tensor_(T, T),
    clamp_max_tensor_out(T, T, T),
    clamp_min(T, S),
    clamp_min_(T, S),
    clamp_min_out(T, T, S),
    clamp_min_tensor(T, T),
    clamp_min_tensor_(T, T),
    clamp_min_tensor_out(T, T, T),
    clamp_out(T, T, S, S),
    clamp_tensor(T, O, O),
    clamp_tensor_(T, O, O),
    clamp_tensor_out(T, T, O, O),
    clip(T, S, S),
    clip_(T, S, S),
    clip_out(T, T, S, S),
    clip_tensor(T, O, O),
    clip_tensor_(T, O, O),
    clip_tensor_out(T, T, O, O),
    copysign(T, T),
    copysign_(T, T),
    copysign_out(T, T, T),
    copysign_scalar(T, S),
    copysign_scalar_(T, S),
    copysign_scalar_out(T, T, S),
    div_out_mode(T, T, T, Str),
    div_scalar_mode(T, S, Str),
    div_scalar_mode_(T, S, Str),
    div_scalar_mode_out(T, T, S, Str),
    div_scalar_out(T, T, S),
    div_tensor_mode(T, T, Str),
    div_tensor_mode_(T, T, Str),
    divide(T, T),
    divide_(T, T),
    divide_out(T, T, T),
    divide_out_mode(T, T, T, Str),
    divide_scalar(T, S),
    divide_scalar_(T, S),
    divide_scalar_mode(T, S, Str),
    divide_scalar_mode_(T, S, Str),
    divide_tensor_mode(T, T, Str),
    divide_tensor_mode_(T, T, Str),
    eq(T, S),
    eq_(T, S),
    eq_scalar_out(T, T, S),
    eq_tensor(T, T),
    eq_tensor_(T, T),
    eq_tensor_out(T, T, T),
    equal(T, T),
    float_power(T, T),
    float_power_(T, S),
    float_power_scalar(S, T),
    float_power_scalar_out(T, S, T),
    float_power_tensor_(T, T),
    float_power_tensor_scalar(T, S),
    float_power_tensor_scalar_out(T, T, S),
    float_power_tensor_tensor_out(T, T, T),
    floor_divide(T, T),
    floor_divide_(T, T),
    floor_divide_out(T, T, T),
    floor_divide_scalar(T, S),
    floor_divide_scalar_(T, S),
    floor_divide_scalar_out(T, T, S),
    fmax(T, T),
    fmax_out(T, T, T),
    fmin(T, T),
    fmin_out(T, T, T),
    fmod(T, S),
    fmod_(T, S),
    fmod_scalar_out(T, T, S),
    fmod_tensor(T, T),
    fmod_tensor_(T, T),
    fmod_tensor_out(T, T, T),
    ge(T, S),
    ge_(T, S),
    ge_scalar_out(T, T, S),
    ge_tensor(T, T),
    ge_tensor_(T, T),
    ge_tensor_out(T, T, T),
    greater(T, S),
    greater_(T, S),
    greater_equal(T, S),
    greater_equal_(T, S),
    greater_equal_scalar_out(T, T, S),
    greater_equal_tensor(T, T),
    greater_equal_tensor_(T, T),
    greater_equal_tensor_out(T, T, T),
    greater_scalar_out(T, T, S),
    greater_tensor(T, T),
    greater_tensor_(T, T),
    greater_tensor_out(T, T, T),
    gt(T, S),
    gt_(T, S),
    gt_scalar_out(T, T, S),
    gt_tensor(T, T),
    gt_tensor_(T, T),
    gt_tensor_out(T, T, T),
    hypot(T, T),
    hypot_(T, T),
    hypot_out(T, T, T),
    isclose(T, T, F, F, B),
    le(T, S),
    le_(T, S),
    le_scalar_out(T, T, S),
    le_tensor(T, T),
    le_tensor_(T, T),
    le_tensor_out(T, T, T),
    lerp(T, T, S),
    lerp_(T, T, S),
    lerp_scalar_out(T, T, T, S),
    lerp_tensor(T, T, T),
    lerp_tensor_(T, T, T),
    lerp_tensor_out(T, T, T, T),
    less(T, S),
    less_(T, S),
    less_equal(T, S),
    less_equal_(T, S),
    less_equal_scalar_out(T, T, S),
    less_equal_tensor(T, T),
    less_equal_tensor_(T, T),
    less_equal_tensor_out(T, T, T),
    less_scalar_out(T, T, S),
    less_tensor(T, T),
    less_tensor_(T, T),
    less_tensor_out(T, T, T),
    logaddexp(T, T),
    logaddexp2(T, T),
    logaddexp2_out(T, T, T),
    logaddexp_out(T, T, T),
    logical_and(T, T),
    logical_and_(T, T),
    logical_and_out(T, T, T),
    logical_or(T, T),
    logical_or_(T, T),
    logical_or_out(T, T, T),
    logical_xor(T, T),
    logical_xor_(T, T),
    logical_xor_out(T, T, T),
    lt(T, S),
    lt_(T, S),
    lt_scalar_out(T, T, S),
    lt_tensor(T, T),
    lt_tensor_(T, T),
    lt_tensor_out(T, T, T),
    masked_fill(T, T, S),
    masked_fill_(T, T, S),
    masked_fill_scalar_out(T, T, T, S),
    masked_fill_tensor(T, T, T),
    masked_fill_tensor_(T, T, T),
    masked_fill_tensor_out(T, T, T, T),
    max_other(T, T),
    maximum(T, T),
    maximum_out(T, T, T),
    min_other(T, T),
    minimum(T, T),
    minimum_out(T, T, T),
    mul_scalar_out(T, T, S),
    multiply(T, T),
    multiply_(T, T),
    multiply_out(T, T, T),
    multiply_scalar(T, S),
    multiply_scalar_(T, S),
    ne(T, S),
    ne_(T, S),
    ne_scalar_out(T, T, S),
    ne_tensor(T, T),
    ne_tensor_(T, T),
    ne_tensor_out(T, T, T),
    not_equal(T, S),
    not_equal_(T, S),
    not_equal_scalar_out(T, T, S),
    not_equal_tensor(T, T),
    not_equal_tensor_(T, T),
    not_equal_tensor_out(T, T, T),
    pow(T, T),
    pow_(T, S),
    pow_scalar(S, T),
    pow_scalar_out(T, S, T),
    pow_tensor_(T, T),
    pow_tensor_scalar(T, S),
    pow_tensor_scalar_out(T, T, S),
    pow_tensor_tensor_out(T, T, T),
    remainder(T, S),
    remainder_(T, S),
    remainder_scalar_out(T, T, S),
    remainder_scalar_tensor(S, T),
    remainder_scalar_tensor_out(T, S, T),
    remainder_tensor(T, T),
    remainder_tensor_(T, T),
    remainder_tensor_out(T, T, T),
    to_dtype(T, Dt, B, B),
    heaviside(T, T),
    heaviside_(T, T),
    ldexp(T, T),
    rsub(T, T),
    rsub_scalar(T, S),
    rsub_scalar_out(T, T, S),
    rsub_tensor_out(T, T, T),
    special_xlogy(T, T),
    special_xlogy_other_scalar(T, S),
    special_xlogy_other_scalar_out(T, T, S),
    special_xlogy_out(T, T, T),
    special_xlogy_self_scalar(S, T),
    special_xlogy_self_scalar_out(T, S, T),
    sub_scalar_out(T, T, S),
    sub(T, T),
    sub_scalar(T, S),
    subtract(T, T),
    subtract_(T, T),
    subtract_out(T, T, T),
    subtract_scalar(T, S),
    subtract_scalar_(T, S),
    true_divide(T, T),
    true_divide_(T, T),
    true_divide_out(T, T, T),
    true_divide_scalar(T, S),
    true_divide_scalar_(T, S),
    where_scalar(T, S, S),
    where_scalarother(T, T, S),
    where_scalarself(T, S, T),
    where_self(T, T, T),
    where_self_out(T, T, T, T),
    xlogy(T, T),
    xlogy_(T, T),
    xlogy_outscalar_other(T, T, S),
    xlogy_outscalar_self(T, S, T),
    xlogy_outtensor(T, T, T),
    xlogy_scalar_other(T, S),
    xlogy_scalar_other_(T, S),
    xlogy_scalar_self(S, T),
}

/// A fixture tensor, integers exact (through i64, not f64).
fn tensor(v: &Value) -> Tensor {
    let dt = common::dtype(v["dtype"].as_str().unwrap());
    if dt.is_float() || dt == DType::Bool {
        return common::tensor(v);
    }
    let shape: Vec<i64> = v["shape"].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect();
    let ints: Vec<i64> = v["data"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    let t = Tensor::from_vec(ints, &shape).unwrap();
    torchrs::ops::convert::to(&t, None, Some(dt), false).unwrap()
}

fn view(base: &Tensor, v: &Value) -> Tensor {
    let Some(v) = v.as_array() else { return base.clone() };
    let int = |i: usize| v[i].as_i64().unwrap();
    match v[0].as_str().unwrap() {
        "t" => N::t(base).unwrap(),
        "slice" => N::slice(base, int(1), Some(int(2)), Some(int(3)), int(4)).unwrap(),
        "mul1" => N::mul_scalar(base, &Scalar::Int(1)).unwrap(),
        other => panic!("unknown view {other}"),
    }
}

/// The arguments of a case, and for each the leaf whose gradient the fixture holds.
fn build(args: &Value) -> (Vec<A>, Vec<Option<Tensor>>) {
    let mut out = vec![];
    let mut leaves = vec![];
    for v in args.as_array().unwrap() {
        let mut leaf = None;
        let a = if let Some(t) = v.get("t") {
            let base = tensor(t);
            if v["grad"].as_bool().unwrap_or(false) {
                base.set_requires_grad(true).unwrap();
                leaf = Some(base.clone());
            }
            A::T(view(&base, &v["view"]))
        } else if v.get("none").is_some() {
            A::O(None)
        } else if let Some(s) = v.get("s") {
            A::S(match v["k"].as_str().unwrap() {
                "i" => Scalar::Int(s.as_i64().unwrap()),
                "b" => Scalar::Bool(s.as_bool().unwrap()),
                _ => Scalar::Float(common::num(s)),
            })
        } else if let Some(f) = v.get("f") {
            A::F(common::num(f))
        } else if let Some(b) = v.get("b") {
            A::B(b.as_bool().unwrap())
        } else if let Some(s) = v.get("str") {
            A::Str(s.as_str().unwrap().to_string())
        } else {
            panic!("unknown argument {v}");
        };
        out.push(a);
        leaves.push(leaf);
    }
    (out, leaves)
}

/// Checks a tensor against a fixture tensor: dtype, shape, and values (integers and bools
/// exactly; floats within tolerance of the stored value rounded to the dtype, NaN matching NaN,
/// infinities and the sign of zero exact).
fn check(what: &str, got: &Tensor, want: &Value, rtol: f64, atol: f64) {
    let want = tensor(want);
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    assert_eq!(&got.shape()[..], &want.shape()[..], "{what}: shape");
    if !want.dtype().is_float() {
        assert_eq!(got.to_vec::<i64>().unwrap(), want.to_vec::<i64>().unwrap(), "{what}: values");
        return;
    }
    let (g, w) = (got.to_vec::<f64>().unwrap(), want.to_vec::<f64>().unwrap());
    for (i, (g, w)) in g.iter().zip(&w).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() || *w == 0.0 {
            g == w && g.is_sign_negative() == w.is_sign_negative()
        } else {
            (g - w).abs() <= atol + rtol * w.abs()
        };
        assert!(ok, "{what}: element {i}: got {g}, expected {w}");
    }
}

fn is_out_variant(op: &str) -> bool {
    op.ends_with("_out") || op.ends_with("out_") || op.starts_with("xlogy_out")
}

fn is_in_place(op: &str) -> bool {
    op.ends_with('_') && !is_out_variant(op) && !op.starts_with("__") || op.starts_with("__i")
}

fn run_case(idx: usize, c: &Value) {
    let op = c["op"].as_str().unwrap();
    let what = format!("case {idx} {op}");
    let (args, leaves) = build(&c["args"]);
    let (rtol, atol) = (c["rtol"].as_f64().unwrap_or(1e-5), c["atol"].as_f64().unwrap_or(1e-6));
    let got = call(op, &args);
    let expect = &c["expect"];
    if let Some(e) = expect.get("error") {
        let e = e.as_str().unwrap();
        match got {
            Err(msg) => assert!(msg.contains(e), "{what}: error {msg:?} does not contain PyTorch's {e:?}"),
            Ok(_) => panic!("{what}: expected the error {e:?}"),
        }
        return;
    }
    let got = got.unwrap_or_else(|e| panic!("{what}: unexpected error {e}"));
    let r = match (got, expect.get("bool")) {
        (Out::B(b), Some(w)) => {
            assert_eq!(b, w.as_bool().unwrap(), "{what}");
            return;
        }
        (Out::T(t), None) => t,
        _ => panic!("{what}: result kind"),
    };
    check(&what, &r, &expect["t"], rtol, atol);
    if is_out_variant(op) || is_in_place(op) {
        assert!(r.same_tensor(args[0].t()), "{what}: the result is not the out/self tensor");
    }
    let Some(gout) = c.get("gout") else { return };
    if c.get("gg").is_some() {
        return run_second_order(&what, c, &r, &leaves, rtol, atol);
    }
    let roots = [(r.clone(), tensor(gout))];
    let inputs: Vec<Tensor> = leaves.iter().flatten().cloned().collect();
    let res = torchrs::autograd::engine::run(&roots, Some(&inputs), false, false);
    if let Some(e) = c.get("backward_error") {
        let e = e.as_str().unwrap();
        match res {
            Err(msg) => assert!(msg.0.contains(e), "{what}: backward error {:?} does not contain {e:?}", msg.0),
            Ok(_) => panic!("{what}: expected backward to fail with {e:?}"),
        }
        return;
    }
    let grads = res.unwrap_or_else(|e| panic!("{what}: backward failed: {e}"));
    let want: Vec<&Value> = leaves.iter().zip(c["grads"].as_array().unwrap()).filter(|(l, _)| l.is_some()).map(|(_, g)| g).collect();
    check_grads(&format!("{what}: grad"), &grads, &want, rtol, atol);
}

/// Gradients (one per leaf, in order) against the fixture's (null: none, or zeros).
fn check_grads(what: &str, grads: &[Option<Tensor>], want: &[&Value], rtol: f64, atol: f64) {
    assert_eq!(grads.len(), want.len(), "{what}: count");
    for (k, (g, w)) in grads.iter().zip(want).enumerate() {
        let gw = format!("{what} of leaf {k}");
        match (g, w.is_null()) {
            (Some(g), false) => check(&gw, g, w, rtol.max(1e-5), atol.max(1e-5)),
            (None, true) => {}
            (Some(g), true) => assert!(g.to_vec::<f64>().unwrap().iter().all(|v| *v == 0.0), "{gw}: expected none"),
            (None, false) => panic!("{gw}: missing"),
        }
    }
}

/// Second order: the gradients with create_graph, then the gradients of sum(grad_k * w_k).
fn run_second_order(what: &str, c: &Value, r: &Tensor, leaves: &[Option<Tensor>], rtol: f64, atol: f64) {
    let inputs: Vec<Tensor> = leaves.iter().flatten().cloned().collect();
    let roots = [(r.clone(), tensor(&c["gout"]))];
    let grads = torchrs::autograd::engine::run(&roots, Some(&inputs), true, true).unwrap();
    let want: Vec<&Value> = leaves.iter().zip(c["grads"].as_array().unwrap()).filter(|(l, _)| l.is_some()).map(|(_, g)| g).collect();
    check_grads(&format!("{what}: grad"), &grads, &want, rtol, atol);
    let mut total: Option<Tensor> = None;
    for (g, w) in grads.iter().zip(c["gg_w"].as_array().unwrap()) {
        let term = N::sum(&N::mul(g.as_ref().unwrap(), &tensor(w)).unwrap(), None).unwrap();
        total = Some(match total {
            None => term,
            Some(t) => N::add(&t, &term).unwrap(),
        });
    }
    let total = total.unwrap();
    let gg = if total.requires_grad() {
        let one = Tensor::ones(&[], total.dtype(), torchrs::Device::Cpu).unwrap();
        torchrs::autograd::engine::run(&[(total, one)], Some(&inputs), false, false)
            .unwrap_or_else(|e| panic!("{what}: second backward failed: {e}"))
    } else {
        vec![None; inputs.len()]
    };
    let want: Vec<&Value> = c["gg"].as_array().unwrap().iter().collect();
    check_grads(&format!("{what}: second-order grad"), &gg, &want, rtol, atol);
}

#[test]
fn pointwise_ops_match_pytorch() {
    let fx = common::fixture("pointwise.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() > 900, "the fixture lost its cases");
    let mut failures = vec![];
    for (i, c) in cases.iter().enumerate() {
        if let Err(e) = std::panic::catch_unwind(|| run_case(i, c)) {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            failures.push(msg.unwrap_or_default());
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// The large-input formulas of the fixture script, recomputed here.
fn large_inputs() -> (Tensor, Tensor, Tensor) {
    let n = 70000i64;
    let i: Vec<i64> = (0..n).collect();
    let a: Vec<f32> = i.iter().map(|&i| ((i * 7919) % 2001 - 1000) as f32 / 8.0).collect();
    let b: Vec<f32> = i.iter().map(|&i| ((i * 104729) % 1999 - 999) as f32 / 16.0).map(|v| if v == 0.0 { 0.5 } else { v }).collect();
    (Tensor::from_vec(i, &[n]).unwrap(), Tensor::from_vec(a, &[n]).unwrap(), Tensor::from_vec(b, &[n]).unwrap())
}

#[test]
fn large_inputs_take_the_threaded_paths_and_match_pytorch() {
    let fx = common::fixture("pointwise.json");
    let (i, a, b) = large_inputs();
    let at = N::t(&N::reshape(&a, &[350, 200]).unwrap()).unwrap();
    let b2 = N::reshape(&b, &[200, 350]).unwrap();
    let f = |t: Tensor| N::to_dtype(&t, DType::F64, false, false).unwrap();
    let ix = N::remainder_scalar_out(&Tensor::empty(&[0], DType::I64, torchrs::Device::Cpu).unwrap(), &N::mul_scalar(&i, &Scalar::Int(31)).unwrap(), &Scalar::Int(977)).unwrap();
    let results: Vec<(&str, Tensor)> = vec![
        ("remainder", N::remainder_tensor(&a, &b).unwrap()),
        ("atan2", N::atan2(&a, &b).unwrap()),
        ("maximum", N::maximum(&a, &b).unwrap()),
        ("lt", N::lt_tensor(&a, &b).unwrap()),
        ("pow_tensor_scalar", N::pow_tensor_scalar(&a, &Scalar::Int(2)).unwrap()),
        ("clamp", N::clamp(&a, &Scalar::Float(-30.0), &Scalar::Float(40.0)).unwrap()),
        ("where_t", N::where_self(&N::gt(&at, &Scalar::Int(0)).unwrap(), &at, &b2).unwrap()),
        ("lerp_t", N::lerp(&at, &b2, &Scalar::Float(0.3)).unwrap()),
        ("bitwise_xor", N::bitwise_xor_tensor(&i, &ix).unwrap()),
    ];
    for (name, r) in results {
        let want = &fx["large"][name];
        let got = f(r).to_vec::<f64>().unwrap();
        let sample: Vec<f64> = want["sample"].as_array().unwrap().iter().map(common::num).collect();
        for (k, w) in sample.iter().enumerate() {
            let g = got[k * 997];
            assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "{name}: element {}: got {g}, expected {w}", k * 997);
        }
        let sum: f64 = got.iter().sum();
        let ws = want["sum"].as_f64().unwrap();
        assert!((sum - ws).abs() <= 1e-6 * ws.abs().max(1.0), "{name}: sum {sum}, expected {ws}");
    }
}

/// Threaded and single-threaded kernels agree element for element on strided large inputs.
#[test]
fn threaded_results_equal_chunked_results() {
    let (_, a, b) = large_inputs();
    let at = N::t(&N::reshape(&a, &[350, 200]).unwrap()).unwrap();
    let b2 = N::reshape(&b, &[200, 350]).unwrap();
    let whole = N::fmod_tensor(&at, &b2).unwrap().to_vec::<f32>().unwrap();
    let mut parts = vec![];
    for r in 0..200 {
        let x = N::select(&at, 0, r).unwrap();
        let y = N::select(&b2, 0, r).unwrap();
        parts.extend(N::fmod_tensor(&x, &y).unwrap().to_vec::<f32>().unwrap());
    }
    assert_eq!(whole.len(), parts.len());
    assert!(whole.iter().zip(&parts).all(|(x, y)| x.to_bits() == y.to_bits()));
}

/// Broadcast f32/f16 arithmetic, walked by output rows with the broadcast operand read in place
/// (a slice, or one value repeated), equals the f64 kernels' results rounded (exact for + - * /),
/// for per-channel, per-row, outer-product, sliced, short-row and transposed operands.
#[test]
fn broadcast_rows_equal_rounded_f64() {
    let pattern = |shape: &[i64], seed: i64| {
        let n: i64 = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|i| ((i * 7919 + seed * 31) % 2001 - 1000) as f32 / 37.0 + 0.01).collect();
        Tensor::from_vec(v, shape).unwrap()
    };
    let big = pattern(&[4, 64, 28, 28], 1);
    let wide = pattern(&[300, 260], 2);
    let cases: Vec<(&str, Tensor, Tensor)> = vec![
        ("x + b[C,1,1]", big.clone(), pattern(&[64, 1, 1], 3)),
        ("b[C,1,1] + x", pattern(&[64, 1, 1], 4), big.clone()),
        ("x - mean[N,1]", wide.clone(), pattern(&[300, 1], 5)),
        ("x + row[M]", wide.clone(), pattern(&[260], 6)),
        ("col * row", pattern(&[300, 1], 7), pattern(&[1, 260], 8)),
        ("sliced rows", N::narrow(&pattern(&[300, 400], 9), 1, 20, 260).unwrap(), pattern(&[300, 1], 10)),
        ("short rows", pattern(&[4000, 8], 11), pattern(&[8], 12)),
        ("transposed", N::t(&pattern(&[260, 300], 13)).unwrap(), pattern(&[260], 14)),
        ("scalar", wide.clone(), pattern(&[], 15)),
    ];
    let f64_of = |t: &Tensor| N::to_dtype(t, DType::F64, false, false).unwrap();
    for (what, a, b) in cases {
        for dtype in [DType::F32, DType::F16] {
            let (x, y) = (N::to_dtype(&a, dtype, false, false).unwrap(), N::to_dtype(&b, dtype, false, false).unwrap());
            let ops: [(&str, fn(&Tensor, &Tensor) -> torchrs::Result<Tensor>); 4] =
                [("add", N::add), ("sub", N::sub), ("mul", N::mul), ("div", N::div)];
            for (op, f) in ops {
                let got = f(&x, &y).unwrap();
                let want = N::to_dtype(&f(&f64_of(&x), &f64_of(&y)).unwrap(), dtype, false, false).unwrap();
                assert_eq!(got.shape(), want.shape(), "{what} {op} {dtype:?}");
                let (g, w) = (f64_of(&got).to_vec::<f64>().unwrap(), f64_of(&want).to_vec::<f64>().unwrap());
                let bad = g.iter().zip(&w).position(|(g, w)| g.to_bits() != w.to_bits());
                assert!(bad.is_none(), "{what} {op} {dtype:?}: element {bad:?}: {:?} vs {:?}", bad.map(|i| g[i]), bad.map(|i| w[i]));
            }
        }
    }
}

/// A xorshift stream of uniform numbers in [0, 1).
fn uniform(mut seed: u64) -> impl FnMut() -> f64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// atan2 on f32 takes a vector approximation: within 4 ulp of the f64 result over magnitudes
/// from 1e-4 to 1e4 in every quadrant, with the C library's signed zeros, infinities and NaN;
/// broadcast operands and f16 go through the same kernel.
#[test]
fn atan2_matches_f64_and_the_special_values() {
    let n = 100_000usize;
    let mut next = uniform(0x2545_f491_4f6c_dd1du64);
    let mut draw = || ((next() * 2.0 - 1.0) * 10f64.powf(next() * 8.0 - 4.0)) as f32;
    let (y, x): (Vec<f32>, Vec<f32>) = (0..n).map(|_| (draw(), draw())).unzip();
    let got = N::atan2(&Tensor::from_vec(y.clone(), &[n as i64]).unwrap(), &Tensor::from_vec(x.clone(), &[n as i64]).unwrap())
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    for i in 0..n {
        let want = (y[i] as f64).atan2(x[i] as f64);
        let w32 = (want as f32).abs();
        let ulp = (f32::from_bits(w32.to_bits() + 1) - w32) as f64;
        assert!((got[i] as f64 - want).abs() <= 4.0 * ulp, "atan2({}, {}) = {}, f64 gives {want}", y[i], x[i], got[i]);
    }
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    let sy = [0.0f32, -0.0, 0.0, -0.0, inf, -inf, inf, -inf, 1.0, 1.0, inf, nan, 1.0, -1.0, 3e38, 1e-38];
    let sx = [0.0f32, 0.0, -0.0, -0.0, inf, inf, -inf, -inf, inf, -inf, 1.0, 1.0, nan, -1e-30, 1e-38, 3e38];
    let r = N::atan2(&Tensor::from_vec(sy.to_vec(), &[16]).unwrap(), &Tensor::from_vec(sx.to_vec(), &[16]).unwrap())
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    for i in 0..16 {
        let want = sy[i].atan2(sx[i]);
        let same = r[i] == want && r[i].is_sign_negative() == want.is_sign_negative();
        assert!(same || (r[i].is_nan() && want.is_nan()) || (r[i] - want).abs() <= 3e-7, "atan2({}, {}) = {}, libm gives {want}", sy[i], sx[i], r[i]);
    }
    // a broadcast row and f16 operands
    let col = Tensor::from_vec(vec![1.0f32, -1.0, 0.5], &[3, 1]).unwrap();
    let row = Tensor::from_vec(vec![-2.0f32, 0.0, 3.0, -0.25], &[4]).unwrap();
    let b = N::atan2(&col, &row).unwrap();
    assert_eq!(&b.shape()[..], &[3, 4]);
    let bv = b.to_vec::<f32>().unwrap();
    for (i, yv) in [1.0f32, -1.0, 0.5].iter().enumerate() {
        for (j, xv) in [-2.0f32, 0.0, 3.0, -0.25].iter().enumerate() {
            assert!((bv[i * 4 + j] - yv.atan2(*xv)).abs() <= 3e-7, "broadcast atan2({yv}, {xv})");
        }
    }
    let h = |v: Vec<f32>| N::totype(&Tensor::from_vec(v, &[2]).unwrap(), DType::F16).unwrap();
    let hr = N::atan2(&h(vec![1.0, -3.0]), &h(vec![2.0, -0.5])).unwrap();
    assert_eq!(hr.dtype(), DType::F16);
    let hv = N::totype(&hr, DType::F32).unwrap().to_vec::<f32>().unwrap();
    assert!((hv[0] - 0.4636).abs() < 1e-3 && (hv[1] + 1.7359).abs() < 2e-3, "f16 atan2: {hv:?}");
}

/// pow on f32 (tensor ^ tensor, and tensor ^ a number other than PyTorch's fast exponents)
/// computes in f64 lanes: within 1 ulp of the f64 result over magnitudes 1e-6 to 1e6 with
/// negative bases and integer exponents, and the C library's special values.
#[test]
fn f32_pow_matches_f64_and_the_special_values() {
    let n = 60_000usize;
    let mut next = uniform(0x9e37_79b9_7f4a_7c15u64);
    let (mut x, mut e) = (vec![0f32; n], vec![0f32; n]);
    for i in 0..n {
        x[i] = 10f64.powf(next() * 12.0 - 6.0) as f32;
        e[i] = ((next() * 2.0 - 1.0) * 6.0) as f32;
        if i % 3 == 0 {
            x[i] = -x[i];
            e[i] = e[i].round();
        }
    }
    let within_ulp = |got: f32, base: f32, ex: f32, what: &str| {
        let want = (base as f64).powf(ex as f64);
        let w32 = want as f32;
        if w32.is_nan() || w32.is_infinite() || w32 == 0.0 {
            assert!(got.to_bits() == w32.to_bits() || (got.is_nan() && w32.is_nan()), "{what}: {base}^{ex} = {got}, f64 gives {want}");
            return;
        }
        let ulp = (f32::from_bits(w32.abs().to_bits() + 1) - w32.abs()) as f64;
        assert!((got as f64 - want).abs() <= ulp, "{what}: {base}^{ex} = {got}, f64 gives {want}");
    };
    let (xt, et) = (Tensor::from_vec(x.clone(), &[n as i64]).unwrap(), Tensor::from_vec(e.clone(), &[n as i64]).unwrap());
    let tt = N::pow(&xt, &et).unwrap().to_vec::<f32>().unwrap();
    for i in 0..n {
        within_ulp(tt[i], x[i], e[i], "tensor ^ tensor");
    }
    for ex in [1.5f32, -1.5, 0.25, 7.0, -3.0, 1.0 / 3.0] {
        let ts = N::pow_tensor_scalar(&xt, &Scalar::Float(ex as f64)).unwrap().to_vec::<f32>().unwrap();
        for i in 0..n {
            within_ulp(ts[i], x[i], ex, "tensor ^ number");
        }
    }
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    let sx = [0.0f32, -0.0, 0.0, -0.0, 0.0, -0.0, inf, -inf, -inf, nan, 1.0, nan, -1.0, -1.0, -2.0, -2.0, 2.0, 0.5, 1e-45, 3e38, -8.0, -inf, -inf, -inf];
    let se = [3.0f32, 3.0, -3.0, -3.0, 0.5, -0.5, -1.0, 3.0, 2.0, 0.0, nan, 1.0, inf, -inf, 0.5, inf, 200.0, 200.0, 0.5, 2.0, 1.0 / 3.0, 2.5, -2.5, -3.0];
    let m = sx.len() as i64;
    let r = N::pow(&Tensor::from_vec(sx.to_vec(), &[m]).unwrap(), &Tensor::from_vec(se.to_vec(), &[m]).unwrap())
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    for i in 0..sx.len() {
        let want = sx[i].powf(se[i]);
        let same = r[i] == want && r[i].is_sign_negative() == want.is_sign_negative();
        assert!(same || (r[i].is_nan() && want.is_nan()) || (r[i] - want).abs() <= 2e-7 * want.abs(), "pow({}, {}) = {}, libm gives {want}", sx[i], se[i], r[i]);
    }
}
