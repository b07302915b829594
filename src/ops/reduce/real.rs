//! `Real`: the floating element types with the type they compute in (f16/bf16 load into f32,
//! f32 and f64 compute natively), so one generic kernel serves all four.

use crate::tensor::Element;
use half::{bf16, f16};
use num_traits::Float;

pub trait Real: Element {
    /// The compute type.
    type C: Float + Send + Sync + std::fmt::Debug + std::iter::Sum;
    fn load(self) -> Self::C;
    fn store(c: Self::C) -> Self;
    fn c_to_f64(c: Self::C) -> f64;
    fn c_from_f64(v: f64) -> Self::C;
}

macro_rules! native_real {
    ($t:ty) => {
        impl Real for $t {
            type C = $t;
            #[inline(always)]
            fn load(self) -> $t {
                self
            }
            #[inline(always)]
            fn store(c: $t) -> $t {
                c
            }
            #[inline(always)]
            fn c_to_f64(c: $t) -> f64 {
                c as f64
            }
            #[inline(always)]
            fn c_from_f64(v: f64) -> $t {
                v as $t
            }
        }
    };
}
native_real!(f32);
native_real!(f64);

macro_rules! half_real {
    ($t:ty) => {
        impl Real for $t {
            type C = f32;
            #[inline(always)]
            fn load(self) -> f32 {
                self.to_f32()
            }
            #[inline(always)]
            fn store(c: f32) -> $t {
                <$t>::from_f32(c)
            }
            #[inline(always)]
            fn c_to_f64(c: f32) -> f64 {
                c as f64
            }
            #[inline(always)]
            fn c_from_f64(v: f64) -> f32 {
                v as f32
            }
        }
    };
}
half_real!(f16);
half_real!(bf16);
