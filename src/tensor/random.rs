//! The global random generator, PyTorch's CPU generator: MT19937 seeded as `torch.manual_seed`
//! seeds it (default seed 67280421310721), 32-bit draws (`random`), 64-bit draws made of two
//! (`random64`), and the cached second normal value of its Box-Muller pairs. Every random op
//! draws from it in PyTorch's order (`tensor::stream_fills`), so a seed gives PyTorch's numbers.

use parking_lot::Mutex;

const N: usize = 624;
const M: usize = 397;

/// MT19937 with PyTorch's seeding (`init_genrand` of the low 32 bits of the seed).
pub struct Rng {
    state: [u32; N],
    next: usize,
    /// The sine half of the last double Box-Muller pair, served by the next normal draw.
    pub(crate) cached_normal: Option<f64>,
}

#[inline(always)]
fn twist_word(a: u32, b: u32, far: u32) -> u32 {
    let y = (a & 0x8000_0000) | (b & 0x7FFF_FFFF);
    far ^ (y >> 1) ^ ((y & 1).wrapping_neg() & 0x9908_B0DF)
}

#[inline(always)]
fn temper(mut y: u32) -> u32 {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9D2C_5680;
    y ^= (y << 15) & 0xEFC6_0000;
    y ^ (y >> 18)
}

impl Rng {
    pub fn seeded(seed: u64) -> Rng {
        let mut state = [0u32; N];
        state[0] = seed as u32;
        for j in 1..N {
            state[j] = 1_812_433_253u32.wrapping_mul(state[j - 1] ^ (state[j - 1] >> 30)).wrapping_add(j as u32);
        }
        Rng { state, next: N, cached_normal: None }
    }

    /// The next 624 words of the state.
    fn twist(&mut self) {
        let s = &mut self.state;
        for k in 0..N - M {
            s[k] = twist_word(s[k], s[k + 1], s[k + M]);
        }
        for k in N - M..N - 1 {
            s[k] = twist_word(s[k], s[k + 1], s[k + M - N]);
        }
        s[N - 1] = twist_word(s[N - 1], s[0], s[M - 1]);
        self.next = 0;
    }

    /// One 32-bit draw (`generator->random()`).
    #[inline]
    pub fn random(&mut self) -> u32 {
        if self.next == N {
            self.twist();
        }
        self.next += 1;
        temper(self.state[self.next - 1])
    }

    /// Fills `out` with consecutive 32-bit draws.
    pub fn fill_u32(&mut self, out: &mut [u32]) {
        let mut at = 0;
        while at < out.len() {
            if self.next == N {
                self.twist();
            }
            let take = (N - self.next).min(out.len() - at);
            for (o, &w) in out[at..at + take].iter_mut().zip(&self.state[self.next..self.next + take]) {
                *o = temper(w);
            }
            self.next += take;
            at += take;
        }
    }

    /// One 64-bit draw: the first 32-bit draw in the high half (`generator->random64()`).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let hi = self.random() as u64;
        (hi << 32) | self.random() as u64
    }

    /// Uniform in [0, 1) with 53 random bits (PyTorch's double uniform).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() & ((1 << 53) - 1)) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal as PyTorch's `normal_distribution<double>`: a cached value if there is
    /// one, else a Box-Muller pair whose sine half is cached.
    pub fn normal(&mut self) -> f64 {
        if let Some(v) = self.cached_normal.take() {
            return v;
        }
        let u1 = self.uniform();
        let u2 = self.uniform();
        let r = (-2.0 * (-u2).ln_1p()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u1;
        self.cached_normal = Some(r * theta.sin());
        r * theta.cos()
    }
}

/// PyTorch's default CPU seed.
const DEFAULT_SEED: u64 = 67_280_421_310_721;

static GENERATOR: Mutex<Option<Rng>> = Mutex::new(None);

/// Reseeds the global generator (`torch.manual_seed`).
pub fn manual_seed(seed: u64) {
    *GENERATOR.lock() = Some(Rng::seeded(seed));
}

/// Runs `f` with the global generator.
pub fn with_rng<R>(f: impl FnOnce(&mut Rng) -> R) -> R {
    let mut g = GENERATOR.lock();
    let rng = g.get_or_insert_with(|| Rng::seeded(DEFAULT_SEED));
    f(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MT19937's reference output for init_genrand(5489): the 10000th draw is 4123659995.
    #[test]
    fn matches_the_reference_mt19937() {
        let mut r = Rng::seeded(5489);
        let mut last = 0;
        for _ in 0..10_000 {
            last = r.random();
        }
        assert_eq!(last, 4_123_659_995);
        let (mut a, mut b) = (Rng::seeded(42), Rng::seeded(42));
        let mut bulk = vec![0u32; 2000];
        a.random();
        a.fill_u32(&mut bulk);
        b.random();
        assert!(bulk.iter().all(|&w| w == b.random()));
    }
}
