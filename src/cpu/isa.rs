//! Which vector instruction set the f32 kernels run: probed once, then read with one load.

/// The widest build of a kernel this CPU runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Isa {
    /// The compile target's baseline (SSE2 on x86_64).
    Base,
    /// AVX2 with FMA.
    Avx2,
    /// AVX-512 F, BW, DQ and VL (with AVX2 and FMA).
    Avx512,
}

/// The probed instruction set.
#[inline]
pub fn isa() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::atomic::{AtomicU8, Ordering};
        static ISA: AtomicU8 = AtomicU8::new(0);
        match ISA.load(Ordering::Relaxed) {
            1 => return Isa::Base,
            2 => return Isa::Avx2,
            3 => return Isa::Avx512,
            _ => {}
        }
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        let avx512 = avx2
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512vl");
        let v = if avx512 { Isa::Avx512 } else if avx2 { Isa::Avx2 } else { Isa::Base };
        ISA.store(v as u8 + 1, Ordering::Relaxed);
        v
    }
    #[cfg(not(target_arch = "x86_64"))]
    Isa::Base
}
