//! Element types: tch's `Kind` codes, sizes, categories and PyTorch's type promotion.

use crate::error::Result;
use half::{bf16, f16};

/// The element types we store. The discriminants are tch's `Kind` codes (c10::ScalarType).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum DType {
    U8 = 0,
    I8 = 1,
    I16 = 2,
    I32 = 3,
    I64 = 4,
    F16 = 5,
    F32 = 6,
    F64 = 7,
    Bool = 11,
    BF16 = 15,
    F8E5M2 = 23,
    F8E4M3Fn = 24,
    F8E5M2Fnuz = 25,
    F8E4M3Fnuz = 26,
}

impl DType {
    pub const ALL: [DType; 10] = [
        DType::U8,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::F32,
        DType::F64,
        DType::Bool,
        DType::BF16,
    ];

    /// Decodes a tch `Kind` code, with a clear error for kinds we do not support yet.
    pub fn from_code(code: i32) -> Result<DType> {
        Ok(match code {
            0 => DType::U8,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::I64,
            5 => DType::F16,
            6 => DType::F32,
            7 => DType::F64,
            11 => DType::Bool,
            15 => DType::BF16,
            23 => DType::F8E5M2,
            24 => DType::F8E4M3Fn,
            25 => DType::F8E5M2Fnuz,
            26 => DType::F8E4M3Fnuz,
            8..=10 => crate::bail!("torchrs: complex dtypes (kind {code}) are not supported yet"),
            12..=14 | 16..=17 => crate::bail!("torchrs: quantized dtypes (kind {code}) are not supported"),
            18..=22 | 27..=44 => crate::bail!("torchrs: dtype with kind code {code} is not supported yet"),
            _ => crate::bail!("torchrs: unknown dtype code {code}"),
        })
    }

    /// Decodes an optional dtype: negative codes mean "absent".
    pub fn from_opt_code(code: i32) -> Result<Option<DType>> {
        if code < 0 {
            Ok(None)
        } else {
            DType::from_code(code).map(Some)
        }
    }

    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn size(self) -> usize {
        match self {
            DType::U8 | DType::I8 | DType::Bool => 1,
            DType::F8E5M2 | DType::F8E4M3Fn | DType::F8E5M2Fnuz | DType::F8E4M3Fnuz => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// Floating point, float8 included (PyTorch's `is_floating_point`).
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::BF16 | DType::F32 | DType::F64) || self.is_float8()
    }

    /// One of the four 8-bit float dtypes, which PyTorch mostly stores and moves rather than
    /// computes with.
    pub fn is_float8(self) -> bool {
        matches!(self, DType::F8E5M2 | DType::F8E4M3Fn | DType::F8E5M2Fnuz | DType::F8E4M3Fnuz)
    }

    pub fn is_int(self) -> bool {
        matches!(self, DType::U8 | DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }

    /// PyTorch's name, as printed in `dtype=torch.float32`.
    pub fn name(self) -> &'static str {
        match self {
            DType::U8 => "Byte",
            DType::I8 => "Char",
            DType::I16 => "Short",
            DType::I32 => "Int",
            DType::I64 => "Long",
            DType::F16 => "Half",
            DType::F32 => "Float",
            DType::F64 => "Double",
            DType::Bool => "Bool",
            DType::BF16 => "BFloat16",
            DType::F8E5M2 => "Float8_e5m2",
            DType::F8E4M3Fn => "Float8_e4m3fn",
            DType::F8E5M2Fnuz => "Float8_e5m2fnuz",
            DType::F8E4M3Fnuz => "Float8_e4m3fnuz",
        }
    }

    /// The C++ spelling of the element type, as PyTorch's messages print it ("long int").
    pub fn cpp_name(self) -> &'static str {
        match self {
            DType::U8 => "unsigned char",
            DType::I8 => "signed char",
            DType::I16 => "short int",
            DType::I32 => "int",
            DType::I64 => "long int",
            DType::F16 => "c10::Half",
            DType::BF16 => "c10::BFloat16",
            DType::F32 => "float",
            DType::F64 => "double",
            DType::Bool => "bool",
            DType::F8E5M2 => "c10::Float8_e5m2",
            DType::F8E4M3Fn => "c10::Float8_e4m3fn",
            DType::F8E5M2Fnuz => "c10::Float8_e5m2fnuz",
            DType::F8E4M3Fnuz => "c10::Float8_e4m3fnuz",
        }
    }

    /// Python's spelling (`torch.float32`).
    pub fn torch_name(self) -> &'static str {
        match self {
            DType::U8 => "torch.uint8",
            DType::I8 => "torch.int8",
            DType::I16 => "torch.int16",
            DType::I32 => "torch.int32",
            DType::I64 => "torch.int64",
            DType::F16 => "torch.float16",
            DType::F32 => "torch.float32",
            DType::F64 => "torch.float64",
            DType::Bool => "torch.bool",
            DType::BF16 => "torch.bfloat16",
            DType::F8E5M2 => "torch.float8_e5m2",
            DType::F8E4M3Fn => "torch.float8_e4m3fn",
            DType::F8E5M2Fnuz => "torch.float8_e5m2fnuz",
            DType::F8E4M3Fnuz => "torch.float8_e4m3fnuz",
        }
    }

    fn category(self) -> u8 {
        match self {
            DType::Bool => 0,
            DType::U8 | DType::I8 | DType::I16 | DType::I32 | DType::I64 => 1,
            _ => 2,
        }
    }

    /// `torch.promote_types`.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        let (ca, cb) = (a.category(), b.category());
        if ca != cb {
            return if ca > cb { a } else { b };
        }
        match ca {
            0 => Bool,
            1 => {
                // u8 with a signed type goes to the next signed type that holds both.
                let rank = |d: DType| match d {
                    I8 => 1,
                    I16 => 2,
                    I32 => 3,
                    I64 => 4,
                    _ => 0,
                };
                if a == U8 || b == U8 {
                    let other = if a == U8 { b } else { a };
                    return match other {
                        I8 => I16,
                        o => o,
                    };
                }
                if rank(a) > rank(b) {
                    a
                } else {
                    b
                }
            }
            // PyTorch refuses to promote float8 with any other dtype; we promote it upward
            // (below f16 and bf16, two different float8 types to f32) rather than fail here
            _ => match (a, b) {
                (F16, BF16) | (BF16, F16) => F32,
                _ if a.is_float8() && b.is_float8() => F32,
                _ => {
                    let rank = |d: DType| match d {
                        F8E5M2 | F8E4M3Fn | F8E5M2Fnuz | F8E4M3Fnuz => 0,
                        F16 | BF16 => 1,
                        F32 => 2,
                        _ => 3,
                    };
                    if rank(a) >= rank(b) {
                        a
                    } else {
                        b
                    }
                }
            },
        }
    }
}

/// A Rust type that is stored as a tensor element.
pub trait Element: Copy + Send + Sync + 'static + PartialEq + std::fmt::Debug {
    const DTYPE: DType;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_i64(self) -> i64;
    fn from_i64(v: i64) -> Self;
    fn zero() -> Self;
    fn one() -> Self;
}

/// A float truncated to i64 as x86's `cvttsd2si` does, which PyTorch's casts compile to: NaN
/// and values out of range give `i64::MIN`.
#[inline(always)]
fn trunc_i64(v: f64) -> i64 {
    if v >= -9.223372036854775808e18 && v < 9.223372036854775808e18 {
        v as i64
    } else {
        i64::MIN
    }
}

/// A float truncated to i32 as x86's 32-bit `cvttsd2si` does (NaN and out of range give
/// `i32::MIN`); PyTorch's casts to int8, int16 and uint8 go through it and keep the low bits.
#[inline(always)]
fn trunc_i32(v: f64) -> i32 {
    if v > -2147483649.0 && v < 2147483648.0 {
        v as i32
    } else {
        i32::MIN
    }
}

macro_rules! int_element {
    ($t:ty, $d:ident, $trunc:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                $trunc(v) as $t
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn zero() -> Self {
                0
            }
            fn one() -> Self {
                1
            }
        }
    };
}
int_element!(u8, U8, trunc_i32);
int_element!(i8, I8, trunc_i32);
int_element!(i16, I16, trunc_i32);
int_element!(i32, I32, trunc_i32);
int_element!(i64, I64, trunc_i64);

macro_rules! float_element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn zero() -> Self {
                0.0
            }
            fn one() -> Self {
                1.0
            }
        }
    };
}
float_element!(f32, F32);
float_element!(f64, F64);

macro_rules! half_element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self.to_f64()
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                <$t>::from_f64(v)
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self.to_f32() as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                <$t>::from_f64(v as f64)
            }
            fn zero() -> Self {
                <$t>::ZERO
            }
            fn one() -> Self {
                <$t>::ONE
            }
        }
    };
}
half_element!(f16, F16);
half_element!(bf16, BF16);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn zero() -> Self {
        false
    }
    fn one() -> Self {
        true
    }
}

/// Runs `$body` with `$T` bound to the Rust type of `$dtype`: the dtype match, written once.
#[macro_export]
macro_rules! with_dtype {
    ($dtype:expr, $T:ident, $body:block) => {{
        use $crate::tensor::DType as __D;
        match $dtype {
            __D::U8 => { type $T = u8; $body }
            __D::I8 => { type $T = i8; $body }
            __D::I16 => { type $T = i16; $body }
            __D::I32 => { type $T = i32; $body }
            __D::I64 => { type $T = i64; $body }
            __D::F16 => { type $T = half::f16; $body }
            __D::F32 => { type $T = f32; $body }
            __D::F64 => { type $T = f64; $body }
            __D::Bool => { type $T = bool; $body }
            __D::BF16 => { type $T = half::bf16; $body }
            __D::F8E5M2 => { type $T = $crate::tensor::float8::F8E5M2; $body }
            __D::F8E4M3Fn => { type $T = $crate::tensor::float8::F8E4M3Fn; $body }
            __D::F8E5M2Fnuz => { type $T = $crate::tensor::float8::F8E5M2Fnuz; $body }
            __D::F8E4M3Fnuz => { type $T = $crate::tensor::float8::F8E4M3Fnuz; $body }
        }
    }};
}

/// Like [`with_dtype!`] for the five integer dtypes; `$other` runs for the rest.
#[macro_export]
macro_rules! with_int_dtype {
    ($dtype:expr, $T:ident, $body:block, $other:block) => {{
        use $crate::tensor::DType as __D;
        match $dtype {
            __D::U8 => { type $T = u8; $body }
            __D::I8 => { type $T = i8; $body }
            __D::I16 => { type $T = i16; $body }
            __D::I32 => { type $T = i32; $body }
            __D::I64 => { type $T = i64; $body }
            _ => $other,
        }
    }};
}

/// Like [`with_dtype!`] for the four floating dtypes; `$other` runs for the rest.
#[macro_export]
macro_rules! with_float_dtype {
    ($dtype:expr, $T:ident, $body:block, $other:block) => {{
        use $crate::tensor::DType as __D;
        match $dtype {
            __D::F16 => { type $T = half::f16; $body }
            __D::F32 => { type $T = f32; $body }
            __D::F64 => { type $T = f64; $body }
            __D::BF16 => { type $T = half::bf16; $body }
            _ => $other,
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::DType::*;
    use super::*;

    #[test]
    fn promotion_matches_pytorch() {
        assert_eq!(DType::promote(U8, I8), I16);
        assert_eq!(DType::promote(I32, F16), F16);
        assert_eq!(DType::promote(F16, BF16), F32);
        assert_eq!(DType::promote(Bool, U8), U8);
        assert_eq!(DType::promote(I64, F32), F32);
        assert_eq!(DType::promote(F32, F64), F64);
        assert_eq!(DType::promote(I16, I32), I32);
    }

    #[test]
    fn codes_round_trip_and_reject_unknown() {
        for d in DType::ALL {
            assert_eq!(DType::from_code(d.code()).unwrap(), d);
        }
        assert!(DType::from_code(8).unwrap_err().0.contains("complex"));
        assert!(DType::from_code(99).is_err());
        assert_eq!(DType::from_opt_code(-1).unwrap(), None);
    }
}
