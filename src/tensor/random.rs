//! Random numbers: one global generator (xoshiro256++), reseeded by `at_manual_seed`, for
//! rand, randn, randint, uniform_, normal_ and friends.

use super::{DType, Element, TensorData};
use crate::cpu::iter::for_each_run;
use crate::error::Result;
use crate::with_dtype;
use parking_lot::Mutex;

pub struct Rng {
    s: [u64; 4],
}

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn seeded(seed: u64) -> Rng {
        let mut x = seed;
        Rng { s: [splitmix(&mut x), splitmix(&mut x), splitmix(&mut x), splitmix(&mut x)] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let r = (self.s[0].wrapping_add(self.s[3])).rotate_left(23).wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        r
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Uniform integer in [low, high).
    pub fn below(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low) as u64;
        low + (self.next_u64() % span) as i64
    }
}

static GENERATOR: Mutex<Option<Rng>> = Mutex::new(None);

/// Reseeds the global generator (`torch.manual_seed`).
pub fn manual_seed(seed: u64) {
    *GENERATOR.lock() = Some(Rng::seeded(seed));
}

/// Runs `f` with the global generator.
pub fn with_rng<R>(f: impl FnOnce(&mut Rng) -> R) -> R {
    let mut g = GENERATOR.lock();
    let rng = g.get_or_insert_with(|| Rng::seeded(67280421310721));
    f(rng)
}

/// Fills the view `t` with `sample()` values, in logical order.
pub fn fill_with(t: &TensorData, mut sample: impl FnMut(&mut Rng) -> f64) -> Result<()> {
    with_dtype!(t.dtype, T, {
        let p = t.base_ptr() as *mut T;
        with_rng(|rng| {
            for_each_run(&t.layout.shape, [&t.layout.strides], [0], |o, n, s| unsafe {
                for i in 0..n as isize {
                    *p.offset(o[0] + i * s[0]) = T::from_f64(sample(rng));
                }
            })
        });
    });
    Ok(())
}

/// `uniform_(from, to)`.
pub fn uniform_(t: &TensorData, from: f64, to: f64) -> Result<()> {
    crate::ensure!(t.dtype.is_float(), "uniform_ expects a floating point tensor, got {}", t.dtype.name());
    crate::ensure!(from <= to, "uniform_ expects to return a [from, to) range, but found from={from} > to={to}");
    fill_with(t, |r| from + (to - from) * r.uniform())
}

/// `normal_(mean, std)`.
pub fn normal_(t: &TensorData, mean: f64, std: f64) -> Result<()> {
    crate::ensure!(t.dtype.is_float(), "normal_ expects a floating point tensor, got {}", t.dtype.name());
    crate::ensure!(std >= 0.0, "normal expects std >= 0.0, but found std {std}");
    fill_with(t, |r| mean + std * r.normal())
}

/// `random_(low, high)`: integers in [low, high).
pub fn randint_(t: &TensorData, low: i64, high: i64) -> Result<()> {
    crate::ensure!(low < high, "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}");
    if t.dtype == DType::Bool {
        return fill_with(t, |r| r.below(0, 2) as f64);
    }
    with_dtype!(t.dtype, T, {
        let p = t.base_ptr() as *mut T;
        with_rng(|rng| {
            for_each_run(&t.layout.shape, [&t.layout.strides], [0], |o, n, s| unsafe {
                for i in 0..n as isize {
                    *p.offset(o[0] + i * s[0]) = T::from_i64(rng.below(low, high));
                }
            })
        });
    });
    Ok(())
}

#[allow(dead_code)]
fn _assert_element<T: Element>() {}
