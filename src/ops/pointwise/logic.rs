//! Logical ops (and/or/xor of "is nonzero", any dtype, giving bool) and bitwise ops (and, or,
//! xor on integers and bool; left and right shifts on integers), with their dunder aliases.

use super::args::{cast, no_kernel, promote, src, Arg};
use super::int::{shift_left, shift_right, Int};
use super::kernel::{map2, with_int_dtype, Num, Src};
use crate::error::Result;
use crate::tensor::{DType, Element, Tensor, TensorData};
use crate::with_dtype;
use std::ops::{BitAnd, BitOr, BitXor};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Logic {
    And,
    Or,
    Xor,
}

fn truth<T: Num>(x: T) -> bool {
    x.up() != T::zero().up()
}

fn logic_kernel<T: Num>(op: Logic, a: &Src<T>, b: &Src<T>) -> Result<TensorData> {
    match op {
        Logic::And => map2(a, b, |x: T, y: T| truth(x) & truth(y)),
        Logic::Or => map2(a, b, |x: T, y: T| truth(x) | truth(y)),
        Logic::Xor => map2(a, b, |x: T, y: T| truth(x) ^ truth(y)),
    }
}

/// One operand as "is nonzero" values.
fn truth_src(a: Arg) -> Result<Src<bool>> {
    Ok(match a {
        Arg::T(t) => Src::Data(cast(&t.data(), DType::Bool)?),
        Arg::S(s) => Src::Value(s.to_f64() != 0.0),
    })
}

/// `torch.logical_and/or/xor`: a bool tensor; operands keep their own dtypes.
pub fn logical(op: Logic, a: Arg, b: Arg) -> Result<Tensor> {
    let same = match (a, b) {
        (Arg::T(x), Arg::T(y)) if x.dtype() == y.dtype() => Some(x.dtype()),
        _ => None,
    };
    let d = match same {
        Some(dt) => with_dtype!(dt, T, { logic_kernel::<T>(op, &src(a)?, &src(b)?)? }),
        None => logic_kernel::<bool>(op, &truth_src(a)?, &truth_src(b)?)?,
    };
    Ok(Tensor::from_data(d))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Bit {
    And,
    Or,
    Xor,
    Shl,
    Shr,
    Gcd,
    Lcm,
}

impl Bit {
    fn kernel(self) -> &'static str {
        match self {
            Bit::And => "bitwise_and_cpu",
            Bit::Or => "bitwise_or_cpu",
            Bit::Xor => "bitwise_xor_cpu",
            Bit::Shl => "lshift_cpu",
            Bit::Shr => "rshift_cpu",
            Bit::Gcd => "gcd_cpu",
            Bit::Lcm => "lcm_cpu",
        }
    }
}

fn bit_kernel<T>(op: Bit, a: &Src<T>, b: &Src<T>) -> Result<TensorData>
where
    T: Element + BitAnd<Output = T> + BitOr<Output = T> + BitXor<Output = T>,
{
    match op {
        Bit::And => map2(a, b, |x: T, y: T| x & y),
        Bit::Or => map2(a, b, |x: T, y: T| x | y),
        Bit::Xor => map2(a, b, |x: T, y: T| x ^ y),
        Bit::Shl | Bit::Shr | Bit::Gcd | Bit::Lcm => unreachable!("integer-only ops have their own kernel"),
    }
}

/// |x|, wrapping at the signed minimum as C++ does.
fn int_abs<T: Int>(x: T) -> T {
    if T::SIGNED && x < T::ZERO { T::ZERO.wsub(x) } else { x }
}

/// The greatest common divisor of |a| and |b| (Euclid's algorithm; gcd(0, 0) = 0).
fn gcd<T: Int>(a: T, b: T) -> T {
    let (mut a, mut b) = (int_abs(a), int_abs(b));
    while a != T::ZERO {
        let c = a;
        a = b.wrem(a);
        b = c;
    }
    b
}

fn int_kernel<T: Int + BitAnd<Output = T> + BitOr<Output = T> + BitXor<Output = T>>(
    op: Bit,
    a: &Src<T>,
    b: &Src<T>,
) -> Result<TensorData> {
    match op {
        Bit::Shl => map2(a, b, shift_left::<T>),
        Bit::Shr => map2(a, b, shift_right::<T>),
        Bit::Gcd => map2(a, b, gcd::<T>),
        Bit::Lcm => map2(a, b, |x: T, y: T| {
            let g = gcd(x, y);
            if g == T::ZERO { g } else { int_abs(x.wdiv(g).wmul(y)) }
        }),
        _ => bit_kernel(op, a, b),
    }
}

/// `torch.bitwise_*` and the shift ops on promoted integer (or, but for shifts, bool) operands.
pub fn bitwise(op: Bit, a: Arg, b: Arg) -> Result<Tensor> {
    let dt = promote(&[a, b]);
    let d = with_int_dtype!(dt, T, { int_kernel::<T>(op, &src(a)?, &src(b)?)? }, {
        match dt {
            DType::Bool if !matches!(op, Bit::Shl | Bit::Shr | Bit::Gcd | Bit::Lcm) => bit_kernel::<bool>(op, &src(a)?, &src(b)?)?,
            _ => return no_kernel(op.kernel(), dt),
        }
    });
    Ok(Tensor::from_data(d))
}

/// The `atg_*` overrides of one bitwise op with a tensor or number right operand.
macro_rules! atg_bit {
    ($op:ident, $name_:expr; s: $($s:ident),*; s_: $($s_:ident),*; s_out: $($s_out:ident),*; t: $($t:ident),*; t_: $($t_:ident),*; t_out: $($t_out:ident),*) => {
        $(fn $s(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::$op, a.into(), b.into()) })*
        $(fn $s_(a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::in_place($name_, a, b.into(), |x, y| $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::$op, x, y)) })*
        $(fn $s_out(out: &Tensor, a: &Tensor, b: &Scalar) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::$op, a.into(), b.into())) })*
        $(fn $t(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::$op, a.into(), b.into()) })*
        $(fn $t_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place($name_, a, b.into(), |x, y| $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::$op, x, y)) })*
        $(fn $t_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::$op, a.into(), b.into())) })*
    };
}
pub(crate) use atg_bit;

/// The `atg_*` overrides of logical and bitwise ops.
macro_rules! atg_logic {
    () => {
        fn logical_and(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::And, a.into(), b.into()) }
        fn logical_and_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("logical_and_", a, b.into(), |x, y| $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::And, x, y)) }
        fn logical_and_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::And, a.into(), b.into())) }
        fn logical_or(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::Or, a.into(), b.into()) }
        fn logical_or_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("logical_or_", a, b.into(), |x, y| $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::Or, x, y)) }
        fn logical_or_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::Or, a.into(), b.into())) }
        fn logical_xor(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::Xor, a.into(), b.into()) }
        fn logical_xor_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("logical_xor_", a, b.into(), |x, y| $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::Xor, x, y)) }
        fn logical_xor_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::logical($crate::ops::pointwise::Logic::Xor, a.into(), b.into())) }

        fn gcd(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Gcd, a.into(), b.into()) }
        fn gcd_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("gcd_", a, b.into(), |x, y| $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Gcd, x, y)) }
        fn gcd_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Gcd, a.into(), b.into())) }
        fn lcm(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Lcm, a.into(), b.into()) }
        fn lcm_(a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::in_place("lcm_", a, b.into(), |x, y| $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Lcm, x, y)) }
        fn lcm_out(out: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Lcm, a.into(), b.into())) }
        $crate::ops::pointwise::atg_bit!(And, "bitwise_and_"; s: bitwise_and, __and__; s_: bitwise_and_, __iand__; s_out: bitwise_and_scalar_out;
            t: bitwise_and_tensor, __and__tensor_; t_: bitwise_and_tensor_, __iand__tensor_; t_out: bitwise_and_tensor_out);
        $crate::ops::pointwise::atg_bit!(Or, "bitwise_or_"; s: bitwise_or, __or__; s_: bitwise_or_, __ior__; s_out: bitwise_or_scalar_out;
            t: bitwise_or_tensor, __or__tensor_; t_: bitwise_or_tensor_, __ior__tensor_; t_out: bitwise_or_tensor_out);
        $crate::ops::pointwise::atg_bit!(Xor, "bitwise_xor_"; s: bitwise_xor, __xor__; s_: bitwise_xor_, __ixor__; s_out: bitwise_xor_scalar_out;
            t: bitwise_xor_tensor, __xor__tensor_; t_: bitwise_xor_tensor_, __ixor__tensor_; t_out: bitwise_xor_tensor_out);
        $crate::ops::pointwise::atg_bit!(Shl, "bitwise_left_shift_"; s: bitwise_left_shift_tensor_scalar, __lshift__; s_: bitwise_left_shift_tensor_scalar_, __ilshift__;
            s_out: bitwise_left_shift_tensor_scalar_out, __lshift__scalar_out_; t: bitwise_left_shift, __lshift__tensor_; t_: bitwise_left_shift_, __ilshift__tensor_;
            t_out: bitwise_left_shift_tensor_out, __lshift__tensor_out_);
        $crate::ops::pointwise::atg_bit!(Shr, "bitwise_right_shift_"; s: bitwise_right_shift_tensor_scalar, __rshift__; s_: bitwise_right_shift_tensor_scalar_, __irshift__;
            s_out: bitwise_right_shift_tensor_scalar_out, __rshift__scalar_out_; t: bitwise_right_shift, __rshift__tensor_; t_: bitwise_right_shift_, __irshift__tensor_;
            t_out: bitwise_right_shift_tensor_out, __rshift__tensor_out_);

        fn bitwise_and_scalar_tensor(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::And, a.into(), b.into()) }
        fn bitwise_and_scalar_tensor_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::And, a.into(), b.into())) }
        fn bitwise_or_scalar_tensor(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Or, a.into(), b.into()) }
        fn bitwise_or_scalar_tensor_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Or, a.into(), b.into())) }
        fn bitwise_xor_scalar_tensor(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Xor, a.into(), b.into()) }
        fn bitwise_xor_scalar_tensor_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Xor, a.into(), b.into())) }
        fn bitwise_left_shift_scalar_tensor(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Shl, a.into(), b.into()) }
        fn bitwise_left_shift_scalar_tensor_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Shl, a.into(), b.into())) }
        fn bitwise_right_shift_scalar_tensor(a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Shr, a.into(), b.into()) }
        fn bitwise_right_shift_scalar_tensor_out(out: &Tensor, a: &Scalar, b: &Tensor) -> Result<Tensor> { $crate::ops::pointwise::to_out(out, $crate::ops::pointwise::bitwise($crate::ops::pointwise::Bit::Shr, a.into(), b.into())) }
    };
}
pub(crate) use atg_logic;
