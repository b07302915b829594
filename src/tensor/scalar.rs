//! Scalars: the `scalar` handles of the C ABI and the scalar operands of ops.

use super::DType;

/// A number passed to an op, like `c10::Scalar`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Int(v) => v as f64,
            Scalar::Float(v) => v,
            Scalar::Bool(b) => b as i64 as f64,
        }
    }

    pub fn to_i64(self) -> i64 {
        match self {
            Scalar::Int(v) => v,
            Scalar::Float(v) => v as i64,
            Scalar::Bool(b) => b as i64,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Scalar::Float(_))
    }

    /// The dtype a tensor made from this scalar alone gets (`torch.tensor(v)`).
    pub fn default_dtype(self) -> DType {
        match self {
            Scalar::Int(_) => DType::I64,
            Scalar::Float(_) => DType::F32,
            Scalar::Bool(_) => DType::Bool,
        }
    }

    /// The result dtype of `tensor op scalar`: a scalar only lifts the category (bool < int < float).
    pub fn promote_with(self, t: DType) -> DType {
        match self {
            Scalar::Float(_) if !t.is_float() => DType::F32,
            Scalar::Int(_) if t == DType::Bool => DType::I64,
            _ => t,
        }
    }

    /// PyTorch's text for a scalar (`ats_to_string`).
    pub fn to_text(self) -> String {
        match self {
            Scalar::Int(v) => v.to_string(),
            Scalar::Float(v) => format_g(v),
            Scalar::Bool(b) => if b { "true" } else { "false" }.to_string(),
        }
    }
}

/// C's `%g` (what libtorch's `operator<<` prints for a double).
pub fn format_g(v: f64) -> String {
    let mut buf = [0u8; 64];
    let n = unsafe { libc::snprintf(buf.as_mut_ptr() as *mut libc::c_char, buf.len(), c"%g".as_ptr(), v) };
    String::from_utf8_lossy(&buf[..n.clamp(0, 63) as usize]).into_owned()
}
