//! The committed C header must equal what cbindgen generates from the source now.
//! `TORCHRS_BLESS=1 cargo test --test suite header::` rewrites it.

use std::path::Path;

#[test]
fn committed_header_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");
    let path = root.join("include/torchrs.h");
    if std::env::var_os("TORCHRS_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("writes include/torchrs.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/torchrs.h is stale: run `make header` (TORCHRS_BLESS=1 cargo test --test suite header::) and commit it"
    );
}
