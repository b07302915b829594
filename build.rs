//! Compiles the small C shim that references tch's stream callbacks weakly.
fn main() {
    println!("cargo:rerun-if-changed=csrc/stream_shim.c");
    cc::Build::new().file("csrc/stream_shim.c").opt_level(2).compile("torchrs_stream_shim");
}
