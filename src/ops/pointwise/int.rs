//! Integer semantics of PyTorch's CPU kernels, wrapping like C++ rather than panicking:
//! floor division and Python's remainder, shifts that saturate, integer powers.

use super::kernel::Num;

/// An integer element type with the wrapping operations the kernels need.
pub trait Int: Num<C = Self> + Eq + Ord {
    const ZERO: Self;
    const ONE: Self;
    const BITS: u32;
    const SIGNED: bool;
    fn wadd(self, o: Self) -> Self;
    fn wsub(self, o: Self) -> Self;
    fn wmul(self, o: Self) -> Self;
    /// Truncating division; `MIN / -1` wraps.
    fn wdiv(self, o: Self) -> Self;
    fn wrem(self, o: Self) -> Self;
    /// `self << b` with `b < BITS`, bits shifted out dropped.
    fn shl(self, b: u32) -> Self;
    /// `self >> b` with `b < BITS`, arithmetic for signed types.
    fn shr(self, b: u32) -> Self;
    /// The shift amount as a signed number (C++'s `make_signed_t` cast).
    fn as_shift(self) -> i64;
}

macro_rules! int_impl {
    ($t:ty, $signed:expr, $as_signed:ty) => {
        impl Int for $t {
            const ZERO: $t = 0;
            const ONE: $t = 1;
            const BITS: u32 = <$t>::BITS;
            const SIGNED: bool = $signed;
            #[inline(always)]
            fn wadd(self, o: $t) -> $t {
                self.wrapping_add(o)
            }
            #[inline(always)]
            fn wsub(self, o: $t) -> $t {
                self.wrapping_sub(o)
            }
            #[inline(always)]
            fn wmul(self, o: $t) -> $t {
                self.wrapping_mul(o)
            }
            #[inline(always)]
            fn wdiv(self, o: $t) -> $t {
                self.wrapping_div(o)
            }
            #[inline(always)]
            fn wrem(self, o: $t) -> $t {
                self.wrapping_rem(o)
            }
            #[inline(always)]
            fn shl(self, b: u32) -> $t {
                self.wrapping_shl(b)
            }
            #[inline(always)]
            fn shr(self, b: u32) -> $t {
                self.wrapping_shr(b)
            }
            #[inline(always)]
            fn as_shift(self) -> i64 {
                self as $as_signed as i64
            }
        }
    };
}
int_impl!(u8, false, i8);
int_impl!(i8, true, i8);
int_impl!(i16, true, i16);
int_impl!(i32, true, i32);
int_impl!(i64, true, i64);

#[inline(always)]
fn negative<T: Int>(x: T) -> bool {
    T::SIGNED && x < T::ZERO
}

/// `c10::div_floor_integer`: rounds toward negative infinity (divisor nonzero).
#[inline(always)]
pub fn floor_div<T: Int>(a: T, b: T) -> T {
    let q = a.wdiv(b);
    if negative(a) != negative(b) && a.wrem(b) != T::ZERO {
        q.wsub(T::ONE)
    } else {
        q
    }
}

/// Python's `a % b`: the result takes the divisor's sign (divisor nonzero).
#[inline(always)]
pub fn py_rem<T: Int>(a: T, b: T) -> T {
    let r = a.wrem(b);
    if r != T::ZERO && negative(r) != negative(b) {
        r.wadd(b)
    } else {
        r
    }
}

/// `a << b`: 0 for negative or too large shifts.
#[inline(always)]
pub fn shift_left<T: Int>(a: T, b: T) -> T {
    let s = b.as_shift();
    if s < 0 || s >= T::BITS as i64 {
        T::ZERO
    } else {
        a.shl(s as u32)
    }
}

/// `a >> b`: negative or too large shifts leave only the sign (0 or -1).
#[inline(always)]
pub fn shift_right<T: Int>(a: T, b: T) -> T {
    let max = T::BITS as i64 - T::SIGNED as i64;
    let s = b.as_shift();
    if s < 0 || s >= max {
        if T::SIGNED {
            a.shr(max as u32)
        } else {
            T::ZERO
        }
    } else {
        a.shr(s as u32)
    }
}

/// `native::powi`: exponentiation by squaring, wrapping; negative exponents give 0 except for
/// bases 1 and -1.
#[inline(always)]
pub fn powi<T: Int>(a: T, b: T) -> T {
    if negative(b) {
        return if a == T::ONE {
            T::ONE
        } else if T::SIGNED && a == T::ZERO.wsub(T::ONE) {
            if b.wrem(T::ONE.wadd(T::ONE)) != T::ZERO {
                a
            } else {
                T::ONE
            }
        } else {
            T::ZERO
        };
    }
    let (mut base, mut e, mut r) = (a, b, T::ONE);
    while e != T::ZERO {
        if e.wrem(T::ONE.wadd(T::ONE)) != T::ZERO {
            r = r.wmul(base);
        }
        e = e.wdiv(T::ONE.wadd(T::ONE));
        base = base.wmul(base);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_semantics_match_pytorch() {
        assert_eq!(floor_div(-7i64, 2), -4);
        assert_eq!(floor_div(7i64, -2), -4);
        assert_eq!(floor_div(-128i8, -1), -128);
        assert_eq!(py_rem(-3i8, 2), 1);
        assert_eq!(py_rem(3i8, -2), -1);
        assert_eq!(py_rem(-128i8, -1), 0);
        assert_eq!(shift_left(1i8, 7), -128);
        assert_eq!(shift_left(1i8, 8), 0);
        assert_eq!(shift_left(1i64, -1), 0);
        assert_eq!(shift_right(-8i64, 70), -1);
        assert_eq!(shift_right(200u8, 10), 0);
        assert_eq!(powi(3i64, 40), -6289078614652622815);
        assert_eq!(powi(-1i64, -3), -1);
        assert_eq!(powi(2i64, -2), 0);
        assert_eq!(powi(200u8, 2), 64);
    }
}
