//! All integration tests in one binary: each tests/<name>.rs is a module here, so the library
//! is linked once instead of once per file (twenty links of a large library cost minutes and
//! gigabytes). Run one file's tests with `cargo test --test suite <name>::`.

mod common;
mod fixture_ops;

mod autograd_release;
mod dtype_float8;
mod exported_symbols;
mod gotch_symbols;
mod gradcheck;
mod header;
mod io_crosscheck;
mod io_files;
mod io_hostile;
mod io_image;
mod io_roundtrip;
mod ops_conv;
mod ops_decomp;
mod ops_index;
mod ops_join;
mod ops_linalg;
mod ops_nn;
mod ops_norm;
mod ops_pointwise;
mod ops_products;
mod ops_random;
mod ops_reduce;
mod ops_special;
mod ops_unary;
mod optim;
