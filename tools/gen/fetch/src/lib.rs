//! Empty: this crate only exists so that `cargo fetch` downloads torch-sys 0.26.0 (see Cargo.toml).
