//! Which vector instruction set the f32 kernels run: probed once, then read with one load.
//! `TORCHRS_CPU_CAPABILITY=default|avx2|avx512` lowers it (like libtorch's
//! `ATEN_CPU_CAPABILITY`): to compare both libraries on the instruction set of another machine.

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

/// `probed` lowered to what `wanted` names (never raised above what the CPU has).
fn cap(probed: Isa, wanted: Option<&str>) -> Isa {
    let limit = match wanted.map(|w| w.trim().to_ascii_lowercase()) {
        Some(w) if w == "default" => Isa::Base,
        Some(w) if w == "avx2" => Isa::Avx2,
        _ => Isa::Avx512,
    };
    if (limit as u8) < (probed as u8) {
        limit
    } else {
        probed
    }
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
        let probed = if avx512 { Isa::Avx512 } else if avx2 { Isa::Avx2 } else { Isa::Base };
        let v = cap(probed, std::env::var("TORCHRS_CPU_CAPABILITY").ok().as_deref());
        ISA.store(v as u8 + 1, Ordering::Relaxed);
        v
    }
    #[cfg(not(target_arch = "x86_64"))]
    Isa::Base
}

/// Whether PyTorch's oneDNN primitives take bfloat16 (`bf16`) or float16 tensors on this CPU,
/// as ideep's `has_bf16_type_support` / `has_fp16_type_support` decide: oneDNN's `avx512_core`
/// (AVX-512 F, BW, VL, DQ) for bfloat16 and its `avx512_core_fp16` (that with VNNI, BF16, FP16
/// and AVX-VNNI) for float16, or `avx2_vnni_2` (AVX2 with AVX-VNNI, VNNI-INT8 and NE-CONVERT)
/// for both. PyTorch hands some ops to oneDNN only then, and their answers differ at the edges
/// (gelu at +inf), so ours follow. The hardware decides, not `TORCHRS_CPU_CAPABILITY`.
pub fn onednn_takes_half(bf16: bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static SUPPORT: once_cell::sync::OnceCell<(bool, bool)> = once_cell::sync::OnceCell::new();
        let (b, h) = *SUPPORT.get_or_init(|| {
            let avx2_vnni = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("avxvnni");
            let avx2_vnni_2 = avx2_vnni && is_x86_feature_detected!("avxvnniint8") && is_x86_feature_detected!("avxneconvert");
            let core = is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx512dq");
            let core_fp16 = core
                && avx2_vnni
                && is_x86_feature_detected!("avx512vnni")
                && is_x86_feature_detected!("avx512bf16")
                && is_x86_feature_detected!("avx512fp16");
            (core || avx2_vnni_2, core_fp16 || avx2_vnni_2)
        });
        if bf16 {
            b
        } else {
            h
        }
    }
    // oneDNN on ARM takes bfloat16 on CPUs with BF16 instructions, never float16
    #[cfg(target_arch = "aarch64")]
    {
        bf16 && std::arch::is_aarch64_feature_detected!("bf16")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = bf16;
        false
    }
}

/// Declares `fn $name(args)` that runs `$kernel::<M>(args)` built for the widest instruction set
/// this CPU runs: AVX-512 or AVX2 with fused multiply-add steps (`Fused`), else the baseline
/// build with separate steps (`Split`). The kernel should be `#[inline(always)]`, so that it is
/// compiled inside each build.
#[macro_export]
macro_rules! isa_dispatch {
    ($vis:vis fn $name:ident($($a:ident: $t:ty),* $(,)?) => $kernel:ident) => {
        $vis fn $name($($a: $t),*) {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2($($a: $t),*) {
                $kernel::<$crate::ops::unary::approx::Fused>($($a),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
            unsafe fn avx512($($a: $t),*) {
                $kernel::<$crate::ops::unary::approx::Fused>($($a),*)
            }
            match $crate::cpu::isa::isa() {
                // SAFETY: the CPU was probed for these features
                #[cfg(target_arch = "x86_64")]
                $crate::cpu::isa::Isa::Avx512 => unsafe { avx512($($a),*) },
                #[cfg(target_arch = "x86_64")]
                $crate::cpu::isa::Isa::Avx2 => unsafe { avx2($($a),*) },
                _ => $kernel::<$crate::ops::unary::approx::Split>($($a),*),
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_capability_variable_only_lowers() {
        assert_eq!(cap(Isa::Avx512, Some("avx2")), Isa::Avx2);
        assert_eq!(cap(Isa::Avx512, Some("DEFAULT")), Isa::Base);
        assert_eq!(cap(Isa::Avx2, Some("avx512")), Isa::Avx2);
        assert_eq!(cap(Isa::Base, Some("avx2")), Isa::Base);
        assert_eq!(cap(Isa::Avx512, None), Isa::Avx512);
        assert_eq!(cap(Isa::Avx2, Some("bogus")), Isa::Avx2);
    }
}
