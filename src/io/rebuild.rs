//! What the globals of PyTorch pickles mean: storages behind persistent ids (records
//! `<prefix>/data/<key>` of the zip, shared by key), `_rebuild_tensor_v2` and friends, OrderedDict,
//! TorchScript objects. Any other global is refused, like `torch.load(weights_only=True)` does.

use super::pickle::{Arena, Hooks, Node, Value};
use super::source::Source;
use super::zip::ZipReader;
use crate::error::{Error, Result};
use crate::tensor::{DType, Layout, Storage, Tensor};
use std::collections::HashMap;
use std::sync::Arc;

/// The most dimensions a loaded tensor may have (PyTorch's limit).
const MAX_DIMS: usize = 64;

fn bad(msg: impl std::fmt::Display) -> Error {
    Error(format!("torchrs: invalid PyTorch file: {msg}"))
}

/// The dtype of a legacy typed storage class (`torch.FloatStorage`...).
pub fn storage_dtype(name: &str) -> Result<DType> {
    Ok(match name {
        "ByteStorage" | "UntypedStorage" => DType::U8,
        "CharStorage" => DType::I8,
        "ShortStorage" => DType::I16,
        "IntStorage" => DType::I32,
        "LongStorage" => DType::I64,
        "HalfStorage" => DType::F16,
        "FloatStorage" => DType::F32,
        "DoubleStorage" => DType::F64,
        "BoolStorage" => DType::Bool,
        "BFloat16Storage" => DType::BF16,
        _ => return Err(bad(format!("unsupported storage type torch.{name}"))),
    })
}

/// The storage class name of a dtype, as PyTorch pickles it.
pub fn storage_name(d: DType) -> &'static str {
    match d {
        DType::U8 => "ByteStorage",
        DType::I8 => "CharStorage",
        DType::I16 => "ShortStorage",
        DType::I32 => "IntStorage",
        DType::I64 => "LongStorage",
        DType::F16 => "HalfStorage",
        DType::F32 => "FloatStorage",
        DType::F64 => "DoubleStorage",
        DType::Bool => "BoolStorage",
        DType::BF16 => "BFloat16Storage",
        // torch pickles float8 storages untyped; write_archive refuses them before this
        DType::F8E5M2 | DType::F8E4M3Fn | DType::F8E5M2Fnuz | DType::F8E4M3Fnuz => "UntypedStorage",
    }
}

/// The hooks of PyTorch files: storages come from the zip records under `dir`.
pub struct TorchHooks<'z, S: Source> {
    zip: &'z mut ZipReader<S>,
    dir: String,
    storages: HashMap<String, Arc<Storage>>,
}

impl<'z, S: Source> TorchHooks<'z, S> {
    /// `dir` is the records' folder, like `archive/data/`.
    pub fn new(zip: &'z mut ZipReader<S>, dir: String) -> Self {
        TorchHooks { zip, dir, storages: HashMap::new() }
    }

    fn storage(&mut self, key: &str, nbytes: u64) -> Result<Arc<Storage>> {
        if let Some(s) = self.storages.get(key) {
            if nbytes > s.nbytes() as u64 {
                return Err(bad(format!("storage '{key}' is used with {nbytes} bytes but holds {}", s.nbytes())));
            }
            return Ok(s.clone());
        }
        let rec = format!("{}{key}", self.dir);
        let size = self.zip.checked_size(&rec)?;
        if nbytes > size {
            return Err(bad(format!("storage '{key}' declares {nbytes} bytes but its record holds {size}")));
        }
        let s = Storage::uninit(size as usize)?;
        let buf = unsafe { std::slice::from_raw_parts_mut(s.as_ptr(), s.nbytes()) };
        self.zip.read_into(&rec, buf)?;
        let s = Arc::new(s);
        self.storages.insert(key.to_string(), s.clone());
        Ok(s)
    }
}

fn int(v: &Value, what: &str) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        _ => Err(bad(format!("{what} is not an integer"))),
    }
}

fn ints(arena: &Arena, v: &Value, what: &str) -> Result<Vec<i64>> {
    let items = arena.items(v).ok_or_else(|| bad(format!("{what} is not a tuple")))?;
    if items.len() > MAX_DIMS {
        return Err(bad(format!("{what} has {} dimensions", items.len())));
    }
    items.iter().map(|x| int(x, what)).collect()
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, ...)`, checked against the storage.
fn rebuild_tensor(arena: &mut Arena, args: &[Value]) -> Result<Value> {
    if args.len() < 4 {
        return Err(bad("_rebuild_tensor with fewer than 4 arguments"));
    }
    let Some(Node::Storage { storage, dtype, numel }) = arena.node(&args[0]) else {
        return Err(bad("_rebuild_tensor of something that is not a storage"));
    };
    let (storage, dtype, numel) = (storage.clone(), *dtype, *numel as u128);
    let offset = int(&args[1], "the storage offset")?;
    let shape = ints(arena, &args[2], "the size")?;
    let strides = ints(arena, &args[3], "the stride")?;
    if offset < 0 || shape.len() != strides.len() || shape.iter().chain(&strides).any(|&x| x < 0) {
        return Err(bad(format!("bad tensor geometry: offset {offset}, size {shape:?}, stride {strides:?}")));
    }
    if !shape.contains(&0) {
        let mut last = offset as u128;
        for (&d, &s) in shape.iter().zip(&strides) {
            last = last.saturating_add((d as u128 - 1).saturating_mul(s as u128));
        }
        if last >= numel {
            return Err(bad(format!(
                "a tensor of size {shape:?}, stride {strides:?} and offset {offset} reaches past its storage of {numel} elements"
            )));
        }
    }
    let layout = Layout { shape: shape.as_slice().into(), strides: strides.as_slice().into(), offset: offset as usize };
    let t = Tensor::from_parts(storage, layout, dtype);
    if matches!(args.get(4), Some(Value::Bool(true))) && dtype.is_float() {
        t.set_requires_grad(true)?;
    }
    Ok(arena.add(Node::Tensor(t)))
}

/// `_rebuild_parameter(data, requires_grad, hooks[, state])`: the tensor, as a leaf.
fn rebuild_parameter(arena: &mut Arena, args: &[Value]) -> Result<Value> {
    let t = args.first().and_then(|v| arena.tensor(v)).ok_or_else(|| bad("_rebuild_parameter of a non-tensor"))?;
    let p = Tensor::from_data(t.data());
    if matches!(args.get(1), Some(Value::Bool(true))) && p.dtype().is_float() {
        p.set_requires_grad(true)?;
    }
    Ok(arena.add(Node::Tensor(p)))
}

impl<S: Source> Hooks for TorchHooks<'_, S> {
    fn persistent_load(&mut self, arena: &mut Arena, pid: Value) -> Result<Value> {
        let items = arena.items(&pid).ok_or_else(|| bad("a persistent id is not a tuple"))?;
        let [Value::Str(tag), ty, key, _location, numel] = items else {
            return Err(bad("a persistent id is not ('storage', type, key, location, numel)"));
        };
        if &**tag != "storage" {
            return Err(bad(format!("unknown persistent id tag '{tag}'")));
        }
        let dtype = match arena.node(ty) {
            Some(Node::Global { module, name }) if &**module == "torch" => storage_dtype(name)?,
            _ => return Err(bad("a storage type is not a torch global")),
        };
        let key = match key {
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            _ => return Err(bad("a storage key is not a string")),
        };
        if key.is_empty() || key.contains('/') || key.contains("..") {
            return Err(bad(format!("bad storage key '{key}'")));
        }
        let numel = int(numel, "a storage size")?;
        let nbytes = u64::try_from(numel)
            .ok()
            .and_then(|n| n.checked_mul(dtype.size() as u64))
            .ok_or_else(|| bad(format!("bad storage size {numel}")))?;
        let storage = self.storage(&key, nbytes)?;
        Ok(arena.add(Node::Storage { storage, dtype, numel: numel as usize }))
    }

    fn call(&mut self, arena: &mut Arena, module: &str, name: &str, args: Value) -> Result<Value> {
        let a: Vec<Value> = arena.items(&args).map(|x| x.to_vec()).unwrap_or_default();
        match (module, name) {
            ("collections", "OrderedDict") | ("builtins", "dict") => {
                let mut pairs = Vec::new();
                if let Some(init) = a.first() {
                    let items = arena.items(init).ok_or_else(|| bad("OrderedDict of a non-list"))?.to_vec();
                    for it in items {
                        match arena.items(&it) {
                            Some([k, v]) => pairs.push((k.clone(), v.clone())),
                            _ => return Err(bad("OrderedDict item is not a pair")),
                        }
                    }
                }
                Ok(arena.add(Node::Dict(pairs)))
            }
            ("torch._utils", "_rebuild_tensor_v2") | ("torch._utils", "_rebuild_tensor") => rebuild_tensor(arena, &a),
            ("torch._utils", "_rebuild_parameter") | ("torch._utils", "_rebuild_parameter_with_state") => {
                rebuild_parameter(arena, &a)
            }
            ("torch._tensor", "_rebuild_from_type_v2") => {
                let (Some(f), Some(inner)) = (a.first(), a.get(2)) else {
                    return Err(bad("_rebuild_from_type_v2 with too few arguments"));
                };
                match arena.node(f) {
                    Some(Node::Global { module, name }) if &**name != "_rebuild_from_type_v2" => {
                        let (m, n) = (module.clone(), name.clone());
                        self.call(arena, &m, &n, inner.clone())
                    }
                    _ => Err(bad("_rebuild_from_type_v2 of an unsupported function")),
                }
            }
            ("torch.jit._pickle", n) if n.starts_with("build_") => {
                a.into_iter().next().ok_or_else(|| bad(format!("{n} without an argument")))
            }
            ("torch", "device") => a.into_iter().next().ok_or_else(|| bad("torch.device without an argument")),
            _ => Err(bad(format!("unsupported global '{module}.{name}'"))),
        }
    }

    fn new_object(&mut self, arena: &mut Arena, module: &str, name: &str, _args: Value) -> Result<Value> {
        if module != "__torch__" && !module.starts_with("__torch__.") {
            return Err(bad(format!("cannot create an object of class '{module}.{name}'")));
        }
        Ok(arena.add(Node::Object { class: format!("{module}.{name}"), state: None }))
    }
}
