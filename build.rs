//! Builds the C pieces around tch's stream callbacks (csrc/): the shim that calls them (in the
//! .so and the .a), the strong references that make a tch program's linker keep them (the .so
//! only), and libtorchrs_nostreams.so, their stand-ins for every other program, placed beside
//! libtorchrs.so (in target/<profile>/ and target/<profile>/deps/).
use std::path::PathBuf;

fn main() {
    for f in ["csrc/stream_shim.c", "csrc/stream_strong_refs.c", "csrc/stream_fallback.c"] {
        println!("cargo:rerun-if-changed={f}");
    }
    cc::Build::new().file("csrc/stream_shim.c").opt_level(2).compile("torchrs_stream_shim");

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        return; // the .so-only pieces rely on ELF linking rules
    }
    let cc = cc::Build::new().get_compiler();
    let run = |args: &[&str]| {
        let status = cc.to_command().args(args).status().expect("the C compiler runs");
        assert!(status.success(), "C compiler failed: {args:?}");
    };
    let fallback = out.join("libtorchrs_nostreams.so");
    let refs = out.join("stream_strong_refs.o");
    run(&["-shared", "-fPIC", "-O2", "-Wl,-soname,libtorchrs_nostreams.so", "csrc/stream_fallback.c", "-o", fallback.to_str().unwrap()]);
    run(&["-c", "-fPIC", "-O2", "csrc/stream_strong_refs.c", "-o", refs.to_str().unwrap()]);
    // OUT_DIR is target/<profile>/build/torchrs-<hash>/out
    if let Some(profile_dir) = out.ancestors().nth(3) {
        for dir in [profile_dir.to_path_buf(), profile_dir.join("deps")] {
            let _ = std::fs::create_dir_all(&dir);
            let dst = dir.join("libtorchrs_nostreams.so");
            let tmp = dir.join("libtorchrs_nostreams.so.tmp");
            if std::fs::copy(&fallback, &tmp).is_ok() {
                let _ = std::fs::rename(&tmp, &dst);
            }
        }
    }
    println!("cargo:rustc-cdylib-link-arg={}", refs.display());
    println!("cargo:rustc-cdylib-link-arg=-L{}", out.display());
    println!("cargo:rustc-cdylib-link-arg=-ltorchrs_nostreams");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-rpath,$ORIGIN");
}
