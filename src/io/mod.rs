//! Files: libtorch archives (`torch::save`, `OutputArchive`), TorchScript modules' parameters,
//! Python `torch.save` checkpoints (read, and written as state dicts), and images.
//!
//! Layers: [`source`] (bytes by position) → [`zip`] → [`pickle`] (a bounded pickle VM) →
//! [`rebuild`] (storages and tensors) → [`archive`] (named tensors); [`write`] goes the other way.

pub mod archive;
pub mod image;
pub mod pickle;
mod pickle_out;
pub mod rebuild;
mod resize;
pub mod source;
pub mod write;
pub mod zip;

pub use archive::Select;
pub use write::Format;

use crate::error::{Error, Result};
use crate::tensor::{Device, Tensor};
use source::{open_file, Source};
use std::io::Write;

/// Every named tensor of a PyTorch zip file read from `src`.
pub fn load_named_from<S: Source>(src: S, select: Select) -> Result<Vec<(String, Tensor)>> {
    archive::load(src)?.named_tensors(select)
}

/// Every named tensor of the PyTorch zip file at `path`.
pub fn load_named(path: &str, select: Select) -> Result<Vec<(String, Tensor)>> {
    load_named_from(open_file(path)?, select)
}

/// The tensor `torch::save(tensor)` wrote (key "0"), or the file's only tensor.
fn single(mut named: Vec<(String, Tensor)>) -> Result<Tensor> {
    if let Some(i) = named.iter().position(|(k, _)| k == "0") {
        return Ok(named.swap_remove(i).1);
    }
    match named.pop() {
        Some((_, t)) if named.is_empty() => Ok(t),
        _ => Err(Error::msg("No such serialized tensor '0'")),
    }
}

/// `at_load`: the tensor of a file written by `torch::save(tensor)` (or a `torch.save(tensor)`).
pub fn load(path: &str) -> Result<Tensor> {
    single(load_named(path, Select::All)?)
}

/// [`load`] from any source.
pub fn load_from<S: Source>(src: S) -> Result<Tensor> {
    single(load_named_from(src, Select::All)?)
}

/// The tensors named `names` of an archive (`at_load_multi`); a name also matches with `.`
/// and `|` exchanged, since tch stores `a.b` as `a|b`.
pub fn load_multi(path: &str, names: &[&str]) -> Result<Vec<Tensor>> {
    let all = load_named(path, Select::All)?;
    names
        .iter()
        .map(|n| {
            let alt = n.replace('.', "|");
            all.iter()
                .find(|(k, _)| k == n)
                .or_else(|| all.iter().find(|(k, _)| *k == alt))
                .map(|(_, t)| t.clone())
                .ok_or_else(|| Error(format!("No such serialized tensor '{n}'")))
        })
        .collect()
}

/// Moves loaded tensors to `device` (a no-op on the CPU).
pub fn to_device(named: Vec<(String, Tensor)>, device: Device) -> Result<Vec<(String, Tensor)>> {
    if device == Device::Cpu {
        return Ok(named);
    }
    named.into_iter().map(|(n, t)| Ok((n, crate::ops::convert::to(&t, Some(device), None, false)?))).collect()
}

fn create(path: &str) -> Result<std::io::BufWriter<std::fs::File>> {
    let f = std::fs::File::create(path).map_err(|e| Error(format!("torchrs: cannot create file '{path}': {e}")))?;
    Ok(std::io::BufWriter::new(f))
}

/// Writes `named` to the file `path` in `format`, under the archive folder PyTorch would use.
pub fn save_named(named: &[(&str, &Tensor)], path: &str, format: Format) -> Result<()> {
    let mut w = write::write_archive(named, create(path)?, &write::archive_name(path), format)?;
    w.flush().map_err(|e| Error(format!("torchrs: cannot write file '{path}': {e}")))
}

/// `at_save`: `torch::save(tensor)`, a libtorch archive holding the tensor as "0".
pub fn save(t: &Tensor, path: &str) -> Result<()> {
    save_named(&[("0", t)], path, Format::TorchScript)
}

/// `at_save_multi`: a libtorch archive of named tensors (names without `.`).
pub fn save_multi(named: &[(&str, &Tensor)], path: &str) -> Result<()> {
    save_named(named, path, Format::TorchScript)
}

/// A Python checkpoint: `torch.load(path, weights_only=True)` gives a dict of the tensors (a state
/// dict for `load_state_dict`); libtorch's `at_loadz_callback` reads it too.
pub fn save_state_dict(named: &[(&str, &Tensor)], path: &str) -> Result<()> {
    save_named(named, path, Format::Python)
}

/// Writes `named` to a stream (archive folder "archive", as libtorch names stream archives).
pub fn save_named_to<W: Write>(named: &[(&str, &Tensor)], out: W, format: Format) -> Result<W> {
    let mut w = write::write_archive(named, out, "archive", format)?;
    w.flush().map_err(|e| Error(format!("torchrs: write failed: {e}")))?;
    Ok(w)
}
