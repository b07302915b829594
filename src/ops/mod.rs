//! Ops with PyTorch semantics, one file per family, and `Native`: the table the generated
//! `atg_*` wrappers call. Every op not overridden here answers "torchrs: <op> is not implemented".

pub mod promote;
pub mod arith;
pub mod reduce;
pub mod linalg;
pub mod qr;
pub mod lu;
pub mod cholesky;
pub mod spectral;
pub mod lu_factor;
pub mod matrix_fns;
pub mod binomial;
pub mod gamma_grad;
pub mod distance;
pub mod statistics;
pub mod convert;
pub mod shape;
pub mod unary;
pub mod pointwise;
pub mod index;
pub mod join;
pub mod autograd_ops;
pub mod loss;
pub mod loss_pointwise;
pub mod nn;
pub mod layers;
pub mod layer_norm;
pub mod batch_norm;
pub mod conv;
pub mod einsum;
pub mod rnn;
pub mod random;
pub mod dropout;
pub mod aliases;
mod native;

/// The op table behind the generated wrappers (see `native.rs`).
pub struct Native;
