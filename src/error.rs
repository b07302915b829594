//! The crate's error type: one message, formatted like PyTorch's, carried to C through the last-error slot.

use std::fmt;

/// An error raised by an op; its text is what `get_and_reset_last_err` hands to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn msg(s: impl Into<String>) -> Error {
        Error(s.into())
    }
    /// The error every op we do not have yet returns, naming the op.
    pub fn not_implemented(op: &str) -> Error {
        Error(format!("torchrs: {op} is not implemented"))
    }
}

/// Returns early with a formatted [`Error`].
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error(format!($($arg)*))) };
}

/// Returns early with a formatted [`Error`] unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => { if !($cond) { $crate::bail!($($arg)*); } };
}
