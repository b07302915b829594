//! The four 8-bit float element types (c10's Float8_e5m2, Float8_e4m3fn, Float8_e5m2fnuz,
//! Float8_e4m3fnuz): decoding to f32 and rounding from f32 as c10's conversions do.
//!
//! Rounding is to the nearest representable value, ties to the even code. What lies past the
//! largest finite value follows torch 2.13's tensor casts: e5m2 rounds to infinity, e4m3fn (no
//! infinity) saturates to +-448 (infinity too), the fnuz types (no infinity, no negative zero,
//! one NaN at 0x80) go to that NaN. Checked against torch on 46,000 values per type (midpoints,
//! their neighbours, specials, random values over ten decades), from f32 and from f64. Values are taken as
//! f32 first (C++ converts a double to float before it reaches the float8 constructor).

use super::dtype::{DType, Element};

/// The layout of one format: mantissa bits, exponent bias, and where its specials sit.
#[derive(Clone, Copy)]
struct Format {
    mantissa: u32,
    bias: i32,
    kind: Specials,
}

#[derive(Clone, Copy, PartialEq)]
enum Specials {
    /// IEEE-like: the top exponent holds infinity (mantissa 0) and NaN (e5m2).
    Ieee,
    /// Finite with one NaN magnitude, 0x7F (e4m3fn).
    FiniteNan,
    /// Finite, unsigned zero, one NaN at 0x80 (the fnuz types).
    Fnuz,
}

const E5M2: Format = Format { mantissa: 2, bias: 15, kind: Specials::Ieee };
const E4M3FN: Format = Format { mantissa: 3, bias: 7, kind: Specials::FiniteNan };
const E5M2FNUZ: Format = Format { mantissa: 2, bias: 16, kind: Specials::Fnuz };
const E4M3FNUZ: Format = Format { mantissa: 3, bias: 8, kind: Specials::Fnuz };

impl Format {
    /// The value a magnitude code would have with no specials (exact in f32): the ladder the
    /// rounding walks. `mag` may be 128, one past the codes, for the fnuz overflow.
    fn ladder(self, mag: u32) -> f32 {
        let (e, m) = (
            (mag >> self.mantissa) as i32,
            mag & ((1 << self.mantissa) - 1),
        );
        let step = (1u32 << self.mantissa) as f32;
        if e == 0 {
            m as f32 / step * pow2(1 - self.bias)
        } else {
            (1.0 + m as f32 / step) * pow2(e - self.bias)
        }
    }

    /// The magnitude code where overflow lands: infinity (e5m2) or NaN (the others).
    fn top(self) -> u32 {
        match self.kind {
            Specials::Ieee => 0x7C,
            Specials::FiniteNan => 0x7F,
            Specials::Fnuz => 0x80,
        }
    }

    fn decode(self, code: u8) -> f32 {
        let negative = code & 0x80 != 0;
        let mag = (code & 0x7F) as u32;
        let v = match self.kind {
            Specials::Fnuz if code == 0x80 => return f32::NAN,
            Specials::FiniteNan if mag == 0x7F => return f32::NAN,
            Specials::Ieee if mag >= 0x7C => {
                if mag == 0x7C {
                    f32::INFINITY
                } else {
                    return f32::NAN;
                }
            }
            _ => self.ladder(mag),
        };
        if negative {
            -v
        } else {
            v
        }
    }

    fn encode(self, x: f32) -> u8 {
        let sign = if x.is_sign_negative() { 0x80u8 } else { 0 };
        let top = self.top();
        let special = |sign: u8| {
            if self.kind == Specials::Fnuz {
                0x80
            } else {
                top as u8 | sign
            }
        };
        if x.is_nan() {
            return if self.kind == Specials::Ieee {
                0x7F | sign
            } else {
                special(sign)
            };
        }
        let a = x.abs();
        if self.kind == Specials::FiniteNan && a >= self.ladder(0x7E) {
            // PyTorch's tensor casts to e4m3fn saturate: past 448 (infinity too) gives +-448
            return 0x7E | sign;
        }
        if a >= self.ladder(top) {
            return special(sign);
        }
        // the largest magnitude at or below a, then the nearer of it and the next, ties to even
        let (mut lo, mut hi) = (0u32, top);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.ladder(mid) <= a {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let (below, above) = (a - self.ladder(lo), self.ladder(lo + 1) - a);
        let mag = if below < above || (below == above && lo % 2 == 0) {
            lo
        } else {
            lo + 1
        };
        if mag == top {
            return special(sign);
        }
        if mag == 0 && self.kind == Specials::Fnuz {
            return 0;
        }
        mag as u8 | sign
    }
}

fn pow2(e: i32) -> f32 {
    f32::from_bits(((e + 127) as u32) << 23)
}

macro_rules! float8_type {
    ($name:ident, $format:expr, $dtype:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Debug, Default)]
        #[repr(transparent)]
        pub struct $name(pub u8);

        impl $name {
            pub fn from_f32(v: f32) -> Self {
                $name($format.encode(v))
            }
            pub fn to_f32(self) -> f32 {
                $format.decode(self.0)
            }
        }

        /// Compares values, as C++'s operator== on float8 does (NaN unequal, -0 equal to 0).
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.to_f32() == other.to_f32()
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                self.to_f32().partial_cmp(&other.to_f32())
            }
        }

        impl Element for $name {
            const DTYPE: DType = DType::$dtype;
            #[inline]
            fn to_f64(self) -> f64 {
                self.to_f32() as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                Self::from_f32(v as f32)
            }
            fn to_i64(self) -> i64 {
                self.to_f32() as i64
            }
            fn from_i64(v: i64) -> Self {
                Self::from_f32(v as f32)
            }
            fn zero() -> Self {
                $name(0)
            }
            fn one() -> Self {
                Self::from_f32(1.0)
            }
        }
    };
}

float8_type!(
    F8E5M2,
    E5M2,
    F8E5M2,
    "c10::Float8_e5m2: 1 sign, 5 exponent, 2 mantissa bits, infinities."
);
float8_type!(
    F8E4M3Fn,
    E4M3FN,
    F8E4M3Fn,
    "c10::Float8_e4m3fn: 1-4-3 bits, finite (max 448), NaN 0x7F/0xFF."
);
float8_type!(
    F8E5M2Fnuz,
    E5M2FNUZ,
    F8E5M2Fnuz,
    "c10::Float8_e5m2fnuz: 1-5-2 bits, bias 16, finite, NaN 0x80."
);
float8_type!(
    F8E4M3Fnuz,
    E4M3FNUZ,
    F8E4M3Fnuz,
    "c10::Float8_e4m3fnuz: 1-4-3 bits, bias 8, finite, NaN 0x80."
);

#[cfg(test)]
mod tests {
    use super::*;

    /// e5m2 is the top byte of f16, so f16's own rounding is a reference for it (one rounding:
    /// through f16 first would round twice).
    #[test]
    fn e5m2_decodes_as_the_top_byte_of_f16() {
        for c in 0..=255u8 {
            let h = half::f16::from_bits((c as u16) << 8).to_f32();
            let d = F8E5M2(c).to_f32();
            assert!(
                h == d || (h.is_nan() && d.is_nan()),
                "code {c:#x}: {d} vs {h}"
            );
        }
    }

    /// Every finite code round-trips; midpoints round to the even code; overflow and NaN land
    /// where torch's casts put them (values from torch 2.13's `torch.tensor(x).to(dtype).view(torch.uint8)`).
    #[test]
    fn rounding_and_specials_match_c10() {
        fn all<T: Element>(f: impl Fn(u8) -> T, to: impl Fn(T) -> f32, from: impl Fn(f32) -> u8) {
            for c in 0..=255u8 {
                let v = to(f(c));
                if v.is_finite() {
                    assert_eq!(from(v), c, "code {c:#x} value {v}");
                }
            }
        }
        all(F8E4M3Fn, |t| t.to_f32(), |v| F8E4M3Fn::from_f32(v).0);
        all(F8E5M2, |t| t.to_f32(), |v| F8E5M2::from_f32(v).0);
        all(F8E4M3Fnuz, |t| t.to_f32(), |v| F8E4M3Fnuz::from_f32(v).0);
        all(F8E5M2Fnuz, |t| t.to_f32(), |v| F8E5M2Fnuz::from_f32(v).0);
        let e4 = |v: f32| F8E4M3Fn::from_f32(v).0;
        assert_eq!(
            [
                e4(448.0),
                e4(460.0),
                e4(464.0),
                e4(470.0),
                e4(480.0),
                e4(f32::INFINITY)
            ],
            [0x7E; 6]
        );
        assert_eq!(
            [e4(-1e9), e4(f32::NAN), e4(1.0), e4(1.0625), e4(1.1875)],
            [0xFE, 0x7F, 0x38, 0x38, 0x3A]
        );
        let e5 = |v: f32| F8E5M2::from_f32(v).0;
        assert_eq!(
            [e5(57344.0), e5(61440.0), e5(61441.0), e5(1e6), e5(-1e6)],
            [0x7B, 0x7C, 0x7C, 0x7C, 0xFC]
        );
        let fz = |v: f32| F8E4M3Fnuz::from_f32(v).0;
        assert_eq!(
            [
                fz(240.0),
                fz(247.0),
                fz(248.0),
                fz(-300.0),
                fz(-0.0),
                fz(-1e-9),
                fz(f32::NAN)
            ],
            [0x7F, 0x7F, 0x80, 0x80, 0, 0, 0x80]
        );
        assert!(F8E4M3Fnuz(0x80).to_f32().is_nan() && F8E5M2Fnuz(0x80).to_f32().is_nan());
        assert_eq!(F8E4M3Fn(1).to_f32(), 2f32.powi(-9));
        assert_eq!(F8E4M3Fnuz(1).to_f32(), 2f32.powi(-10));
        assert_eq!(F8E5M2Fnuz(0x7F).to_f32(), 57344.0);
    }
}
