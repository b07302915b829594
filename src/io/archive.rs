//! Reading PyTorch zip files (libtorch archives, TorchScript modules, Python checkpoints): find the
//! archive folder, unpickle `data.pkl`, learn which attributes are parameters from the TorchScript
//! code, and list the tensors with their dotted names.

use super::pickle::{unpickle, Arena, Node, Value, MAX_DEPTH};
use super::rebuild::TorchHooks;
use super::source::Source;
use super::zip::ZipReader;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use std::collections::HashMap;

/// The largest pickle or code record we read (tensor data has no such limit).
const MAX_META_RECORD: u64 = 256 << 20;

/// Which tensors a file yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// The parameters of a TorchScript module (`named_parameters()`), as `at_load_callback` gives.
    Parameters,
    /// Every tensor reachable through dicts, lists and module attributes (`at_loadz_callback`).
    All,
}

/// An unpickled file.
pub struct Loaded {
    arena: Arena,
    root: Value,
    /// Parameter names per TorchScript class, from `code/`.
    params: HashMap<String, Vec<String>>,
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error(format!("torchrs: invalid PyTorch file: {msg}"))
}

/// The folder holding `data.pkl`: PyTorch puts every record under one top-level folder.
fn find_prefix<S: Source>(zip: &ZipReader<S>) -> Result<String> {
    zip.entries()
        .iter()
        .find_map(|e| e.name.strip_suffix("/data.pkl").filter(|p| !p.is_empty() && !p.contains('/')).map(str::to_string))
        .ok_or_else(|| bad("the zip archive has no <name>/data.pkl record"))
}

/// `__parameters__ = ["a", "b|c", ]` of every class in one code file of module `module`.
fn parse_code(text: &str, module: &str, out: &mut HashMap<String, Vec<String>>) {
    let mut class: Option<String> = None;
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("class ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            class = Some(format!("{module}.{name}"));
        } else if let (Some(c), Some(rest)) = (&class, t.strip_prefix("__parameters__ = [")) {
            let names = rest.split('"').skip(1).step_by(2).map(str::to_string).collect();
            out.insert(c.clone(), names);
        }
    }
}

fn read_code<S: Source>(zip: &mut ZipReader<S>, prefix: &str) -> Result<HashMap<String, Vec<String>>> {
    let dir = format!("{prefix}/code/");
    let files: Vec<String> =
        zip.entries().iter().filter(|e| e.name.starts_with(&dir) && e.name.ends_with(".py")).map(|e| e.name.clone()).collect();
    let mut out = HashMap::new();
    for f in files {
        let bytes = zip.read(&f, MAX_META_RECORD)?;
        let module = f[dir.len()..f.len() - 3].replace('/', ".");
        parse_code(&String::from_utf8_lossy(&bytes), &module, &mut out);
    }
    Ok(out)
}

/// Opens and unpickles a PyTorch zip file.
pub fn load<S: Source>(mut src: S) -> Result<Loaded> {
    // Only a hint for the error message: the legacy format starts with a pickle.
    let mut head = [0u8; 2];
    let legacy = src.read_at(0, &mut head).is_ok() && head[0] == 0x80;
    let mut zip = match ZipReader::new(src) {
        Ok(z) => z,
        Err(_) if legacy => {
            return Err(bad("this is PyTorch's legacy (pre-1.6, non-zip) format, which is not supported; re-save it with torch.save"))
        }
        Err(e) => return Err(e),
    };
    let prefix = find_prefix(&zip)?;
    if zip.find(&format!("{prefix}/byteorder")).is_some() {
        let order = zip.read(&format!("{prefix}/byteorder"), 64)?;
        if order != b"little" {
            return Err(bad(format!("unsupported byte order '{}'", String::from_utf8_lossy(&order))));
        }
    }
    let pkl = zip.read(&format!("{prefix}/data.pkl"), MAX_META_RECORD)?;
    let params = read_code(&mut zip, &prefix)?;
    let mut hooks = TorchHooks::new(&mut zip, format!("{prefix}/data/"));
    let (arena, root) = unpickle(&pkl, &mut hooks)?;
    Ok(Loaded { arena, root, params })
}

struct Walk<'a> {
    l: &'a Loaded,
    select: Select,
    budget: usize,
    out: Vec<(String, Tensor)>,
}

fn key_name(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn join(prefix: &str, k: &str) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

impl Walk<'_> {
    fn visit(&mut self, v: &Value, name: &str, depth: usize, in_module: bool) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(bad(format!("values nested deeper than {MAX_DEPTH} levels")));
        }
        if self.budget == 0 {
            return Err(bad("too many references between values"));
        }
        self.budget -= 1;
        let arena = &self.l.arena;
        match arena.node(v) {
            Some(Node::Tensor(t)) => {
                let n = if name.is_empty() { "0".to_string() } else { name.to_string() };
                self.out.push((n, t.clone()));
            }
            Some(Node::Object { class, state }) => {
                let Some(Node::Dict(attrs)) = state.as_ref().and_then(|s| arena.node(s)) else { return Ok(()) };
                let params = self.l.params.get(class);
                for (k, val) in attrs {
                    let Some(k) = key_name(k) else { continue };
                    let is_tensor = matches!(arena.node(val), Some(Node::Tensor(_)));
                    let is_module = matches!(arena.node(val), Some(Node::Object { .. }));
                    let keep = match (self.select, is_tensor) {
                        (Select::All, _) => true,
                        (Select::Parameters, true) => params.is_none_or(|p| p.contains(&k)),
                        (Select::Parameters, false) => is_module,
                    };
                    if keep {
                        self.visit(val, &join(name, &k), depth + 1, true)?;
                    }
                }
            }
            Some(Node::Dict(pairs)) if !in_module || self.select == Select::All => {
                for (k, val) in pairs {
                    if let Some(k) = key_name(k) {
                        self.visit(val, &join(name, &k), depth + 1, in_module)?;
                    }
                }
            }
            Some(Node::List(items)) | Some(Node::Tuple(items)) if !in_module || self.select == Select::All => {
                for (i, val) in items.iter().enumerate() {
                    self.visit(val, &join(name, &i.to_string()), depth + 1, in_module)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Loaded {
    /// The named tensors of the file, in file order.
    pub fn named_tensors(&self, select: Select) -> Result<Vec<(String, Tensor)>> {
        let mut w = Walk { l: self, select, budget: 1_000_000 + 4 * self.arena.len(), out: Vec::new() };
        w.visit(&self.root, "", 0, false)?;
        Ok(w.out)
    }
}
