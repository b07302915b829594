//! Writing named tensors in the two PyTorch formats: libtorch's TorchScript-style archive (what
//! `torch::save` and `OutputArchive` write; read by libtorch, tch and `torch.jit.load`) and Python's
//! `torch.save` checkpoint of a state dict (a dict; read by `torch.load(weights_only=True)` and by
//! libtorch's `at_loadz_callback`).

use super::pickle_out::{PickleWriter, TensorRef};
use super::zip::ZipWriter;
use crate::cpu::copy::to_contiguous_dtype;
use crate::error::Result;
use crate::tensor::{DType, Device, Storage, Tensor, TensorData};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Which PyTorch format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// libtorch's archive: a `__torch__.Module` whose parameters are the tensors.
    TorchScript,
    /// Python's `torch.save` of a dict of tensors (a state dict).
    Python,
}

/// The debug pickle libtorch writes next to the generated code (the same bytes for every module).
const DEBUG_PKL: &[u8] = b"\x80\x02\x58\x18\x00\x00\x00FORMAT_WITH_STRING_TABLE\x71\x00\x58\x00\x00\x00\x00\x71\x01\x85\x71\x02\x4b\x00\x63torch.jit._pickle\nbuild_intlist\n\x71\x03\x28\x5d\x28\x65\x74\x52\x4b\x00\x4b\x00\x87\x71\x04\x4b\x00\x4b\x00\x87\x4b\x00\x87\x85\x71\x05\x87\x2e";

struct StorageOut {
    storage: Arc<Storage>,
    numel: usize,
    elsize: usize,
}

struct TensorOut {
    name: String,
    data: TensorData,
    storage: usize,
    requires_grad: bool,
}

/// Decides which storages are written (each shared storage once) and the key of every tensor.
fn plan(named: &[(&str, &Tensor)]) -> Result<(Vec<StorageOut>, Vec<TensorOut>)> {
    let mut storages: Vec<StorageOut> = Vec::new();
    let mut keys: HashMap<(usize, DType), usize> = HashMap::new();
    let mut tensors = Vec::with_capacity(named.len());
    for (name, t) in named {
        let mut d = t.data();
        if d.device() != Device::Cpu {
            d = crate::ops::convert::to(t, Some(Device::Cpu), None, false)?.data();
        }
        if d.layout.strides.iter().any(|&s| s < 0) {
            d = to_contiguous_dtype(&d, d.dtype)?;
        }
        let k = (Arc::as_ptr(&d.storage) as usize, d.dtype);
        let idx = *keys.entry(k).or_insert_with(|| {
            let elsize = d.dtype.size();
            storages.push(StorageOut { storage: d.storage.clone(), numel: d.storage.nbytes() / elsize, elsize });
            storages.len() - 1
        });
        tensors.push(TensorOut { name: name.to_string(), data: d, storage: idx, requires_grad: t.requires_grad() });
    }
    Ok((storages, tensors))
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_') && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn check_attribute_name(name: &str) -> Result<()> {
    crate::ensure!(!name.is_empty(), "torchrs: a tensor name is empty");
    crate::ensure!(!name.contains('.'), "parameter name can't contain \".\" (got '{name}'; tch replaces '.' with '|')");
    crate::ensure!(
        !name.chars().any(|c| c == '"' || c == '\\' || c.is_control()),
        "torchrs: the tensor name {name:?} cannot be written into a TorchScript archive"
    );
    Ok(())
}

/// The TorchScript class libtorch prints for a module holding these parameters.
fn module_code(names: &[&str]) -> String {
    let mut s = String::from("class Module(Module):\n  __parameters__ = [");
    for n in names {
        s.push_str(&format!("\"{n}\", "));
    }
    s.push_str("]\n  __buffers__ = []\n");
    if names.first().is_some_and(|n| !is_identifier(n)) {
        s.push_str("  __annotations__ = []\n");
    }
    for n in names {
        if is_identifier(n) {
            s.push_str(&format!("  {n} : Tensor\n"));
        } else {
            s.push_str(&format!("  __annotations__[\"{n}\"] = Tensor\n"));
        }
    }
    s
}

/// A fresh 40-digit id, like the `.data/serialization_id` PyTorch writes.
fn serialization_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mut x = t ^ ((std::process::id() as u64) << 32) ^ COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..40)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            char::from(b'0' + ((z ^ (z >> 31)) % 10) as u8)
        })
        .collect()
}

/// The archive name PyTorch derives from a path: the file name without its extension.
pub fn archive_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    };
    if stem.is_empty() {
        "archive".to_string()
    } else {
        stem.to_string()
    }
}

/// Writes `named` in `format` to `out` under the archive folder `archive`; returns the writer.
pub fn write_archive<W: Write>(named: &[(&str, &Tensor)], out: W, archive: &str, format: Format) -> Result<W> {
    if format == Format::TorchScript {
        for (n, _) in named {
            check_attribute_name(n)?;
        }
    }
    if let Some((n, t)) = named.iter().find(|(_, t)| t.dtype().is_float8()) {
        crate::bail!("torchrs: saving {n}: {} tensors cannot be saved yet", t.dtype().name());
    }
    let (storages, tensors) = plan(named)?;
    let mut p = PickleWriter::new();
    if format == Format::TorchScript {
        p.global("__torch__", "Module");
        p.op(b')');
        p.op(0x81);
        p.op(b'}');
    } else {
        // A plain dict: Python reads it like the OrderedDict of `state_dict()`, and libtorch's
        // `_load_parameters` (at_loadz_callback) reads only a plain dict.
        p.op(b'}');
    }
    p.op(b'(');
    for t in &tensors {
        p.str(&t.name);
        let key = t.storage.to_string();
        p.tensor(&TensorRef {
            key: &key,
            dtype: t.data.dtype,
            storage_numel: storages[t.storage].numel,
            offset: t.data.layout.offset,
            shape: &t.data.layout.shape,
            strides: &t.data.layout.strides,
            requires_grad: t.requires_grad,
        });
    }
    p.op(b'u');
    if format == Format::TorchScript {
        p.op(b'b');
        p.memoize();
    }
    let pkl = p.finish();
    let mut z = ZipWriter::new(out);
    let data = |s: &StorageOut| unsafe { std::slice::from_raw_parts(s.storage.as_ptr() as *const u8, s.numel * s.elsize) };
    let rec = |n: &str| format!("{archive}/{n}");
    match format {
        Format::TorchScript => {
            for (i, s) in storages.iter().enumerate() {
                z.add(&rec(&format!("data/{i}")), data(s))?;
            }
            z.add(&rec("data.pkl"), &pkl)?;
            let names: Vec<&str> = tensors.iter().map(|t| t.name.as_str()).collect();
            z.add(&rec("code/__torch__.py"), module_code(&names).as_bytes())?;
            z.add(&rec("code/__torch__.py.debug_pkl"), DEBUG_PKL)?;
            z.add(&rec("constants.pkl"), b"\x80\x02).")?;
            z.add(&rec("version"), b"3\n")?;
        }
        Format::Python => {
            z.add(&rec("data.pkl"), &pkl)?;
            z.add(&rec(".format_version"), b"1")?;
            z.add(&rec(".storage_alignment"), b"64")?;
            z.add(&rec("byteorder"), b"little")?;
            for (i, s) in storages.iter().enumerate() {
                z.add(&rec(&format!("data/{i}")), data(s))?;
            }
            z.add(&rec("version"), b"3\n")?;
        }
    }
    if format == Format::TorchScript {
        z.add(&rec("byteorder"), b"little")?;
    }
    z.add(&rec(".data/serialization_id"), serialization_id().as_bytes())?;
    z.finish()
}
