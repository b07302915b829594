//! A pickle virtual machine limited to the opcodes PyTorch files use (protocols 2 to 5, binary
//! opcodes only), built for hostile input: every length is checked against the bytes left, the
//! stack and the memo are capped, and values live in a flat arena (indices, not pointers), so
//! cycles and deep nesting cannot exhaust the stack when the result is dropped or walked.
//! What a global means (`REDUCE`, `NEWOBJ`) and what a persistent id loads is decided by [`Hooks`].

use crate::error::{Error, Result};
use crate::tensor::{DType, Storage, Tensor};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// The most values the stack may hold at once.
pub const MAX_STACK: usize = 1 << 20;
/// The most distinct memo entries.
pub const MAX_MEMO: usize = 1 << 20;
/// The deepest container nesting the walkers accept.
pub const MAX_DEPTH: usize = 100;

/// A pickled value: scalars inline, containers and objects as an index into the [`Arena`].
#[derive(Clone, Debug)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Node(u32),
}

/// A container, global, object or torch value.
pub enum Node {
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// Key/value pairs in insertion order (dict and OrderedDict).
    Dict(Vec<(Value, Value)>),
    Global { module: Rc<str>, name: Rc<str> },
    /// An object made by `NEWOBJ` (TorchScript classes), with the state `BUILD` gave it.
    Object { class: String, state: Option<Value> },
    /// A storage loaded through a persistent id, viewed as `dtype` with `numel` elements.
    Storage { storage: Arc<Storage>, dtype: DType, numel: usize },
    Tensor(Tensor),
}

/// All nodes of one unpickling.
#[derive(Default)]
pub struct Arena {
    nodes: Vec<Node>,
}

impl Arena {
    pub fn add(&mut self, n: Node) -> Value {
        self.nodes.push(n);
        Value::Node((self.nodes.len() - 1) as u32)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node a value refers to, if it is one.
    pub fn node(&self, v: &Value) -> Option<&Node> {
        match v {
            Value::Node(i) => self.nodes.get(*i as usize),
            _ => None,
        }
    }

    fn node_mut(&mut self, v: &Value) -> Option<&mut Node> {
        match v {
            Value::Node(i) => self.nodes.get_mut(*i as usize),
            _ => None,
        }
    }

    /// The items of a tuple (or list) value.
    pub fn items(&self, v: &Value) -> Option<&[Value]> {
        match self.node(v)? {
            Node::Tuple(x) | Node::List(x) => Some(x),
            _ => None,
        }
    }

    pub fn tensor(&self, v: &Value) -> Option<&Tensor> {
        match self.node(v)? {
            Node::Tensor(t) => Some(t),
            _ => None,
        }
    }
}

/// What the torch layer decides for the VM.
pub trait Hooks {
    /// `BINPERSID`: the object a persistent id stands for.
    fn persistent_load(&mut self, arena: &mut Arena, pid: Value) -> Result<Value>;
    /// `REDUCE` of the global `module.name` with the argument tuple `args`.
    fn call(&mut self, arena: &mut Arena, module: &str, name: &str, args: Value) -> Result<Value>;
    /// `NEWOBJ` of the class `module.name`.
    fn new_object(&mut self, arena: &mut Arena, module: &str, name: &str, args: Value) -> Result<Value>;
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error(format!("torchrs: invalid pickle: {msg}"))
}

struct Vm<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    arena: Arena,
}

impl<'a> Vm<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.data.len() - self.pos {
            return Err(bad(format!("truncated at byte {} (wanted {n} more bytes)", self.pos)));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    fn len(&mut self, n: u64) -> Result<usize> {
        if n > (self.data.len() - self.pos) as u64 {
            return Err(bad(format!("a length of {n} bytes runs past the end of the data")));
        }
        Ok(n as usize)
    }

    fn line(&mut self) -> Result<&'a str> {
        let rest = &self.data[self.pos..];
        let end = rest.iter().take(1024).position(|&b| b == b'\n').ok_or_else(|| bad("unterminated GLOBAL name"))?;
        let s = std::str::from_utf8(&rest[..end]).map_err(|_| bad("a GLOBAL name is not UTF-8"))?;
        self.pos += end + 1;
        Ok(s)
    }

    fn push(&mut self, v: Value) -> Result<()> {
        if self.stack.len() >= MAX_STACK {
            return Err(bad("the stack grew too large"));
        }
        self.stack.push(v);
        Ok(())
    }

    fn pop(&mut self) -> Result<Value> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err(bad("pop across a MARK"));
        }
        self.stack.pop().ok_or_else(|| bad("stack underflow"))
    }

    fn top(&self) -> Result<&Value> {
        self.stack.last().ok_or_else(|| bad("stack underflow"))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>> {
        let m = self.marks.pop().ok_or_else(|| bad("no MARK on the stack"))?;
        if m > self.stack.len() {
            return Err(bad("a MARK lies above the stack"));
        }
        Ok(self.stack.split_off(m))
    }

    fn string(&mut self, n: usize) -> Result<Value> {
        let b = self.take(n)?;
        let s = std::str::from_utf8(b).map_err(|_| bad("a string is not valid UTF-8"))?;
        Ok(Value::Str(Rc::from(s)))
    }

    fn bytes(&mut self, n: usize) -> Result<Value> {
        Ok(Value::Bytes(Rc::from(self.take(n)?)))
    }

    fn long(&mut self, n: usize) -> Result<Value> {
        if n > 8 {
            return Err(bad(format!("an integer of {n} bytes does not fit in 64 bits")));
        }
        let b = self.take(n)?;
        if n == 0 {
            return Ok(Value::Int(0));
        }
        let fill = if b[n - 1] & 0x80 != 0 { 0xFF } else { 0 };
        let mut buf = [fill; 8];
        buf[..n].copy_from_slice(b);
        Ok(Value::Int(i64::from_le_bytes(buf)))
    }

    fn put(&mut self, idx: u32) -> Result<()> {
        let v = self.top()?.clone();
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&idx) {
            return Err(bad("too many memo entries"));
        }
        self.memo.insert(idx, v);
        Ok(())
    }

    fn get(&mut self, idx: u32) -> Result<()> {
        let v = self.memo.get(&idx).cloned().ok_or_else(|| bad(format!("memo entry {idx} is missing")))?;
        self.push(v)
    }

    fn global(&self, v: &Value) -> Result<(Rc<str>, Rc<str>)> {
        match self.arena.node(v) {
            Some(Node::Global { module, name }) => Ok((module.clone(), name.clone())),
            _ => Err(bad("REDUCE or NEWOBJ of something that is not a global")),
        }
    }

    fn extend_list(&mut self, list: &Value, items: Vec<Value>) -> Result<()> {
        match self.arena.node_mut(list) {
            Some(Node::List(l)) => {
                l.extend(items);
                Ok(())
            }
            _ => Err(bad("APPEND to something that is not a list")),
        }
    }

    fn set_items(&mut self, dict: &Value, items: Vec<Value>) -> Result<()> {
        if items.len() % 2 != 0 {
            return Err(bad("SETITEMS with an odd number of items"));
        }
        let Some(Node::Dict(d)) = self.arena.node_mut(dict) else {
            return Err(bad("SETITEM on something that is not a dict"));
        };
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            d.push((k, v));
        }
        Ok(())
    }

    fn build(&mut self, obj: &Value, state: Value) -> Result<()> {
        match self.arena.node_mut(obj) {
            Some(Node::Object { state: s, .. }) => {
                *s = Some(state);
                Ok(())
            }
            // OrderedDict attributes (`_metadata` of state dicts) and tensor __dict__s carry nothing we keep.
            Some(Node::Dict(_)) | Some(Node::Tensor(_)) => Ok(()),
            _ => Err(bad("BUILD on something that is not an object")),
        }
    }

    fn run(&mut self, hooks: &mut dyn Hooks) -> Result<Value> {
        loop {
            let op = self.u8()?;
            match op {
                0x80 => {
                    let p = self.u8()?;
                    if p > 5 {
                        return Err(bad(format!("unsupported protocol {p}")));
                    }
                }
                0x95 => {
                    self.u64()?;
                }
                b'.' => {
                    let v = self.pop()?;
                    return Ok(v);
                }
                b'(' => {
                    if self.marks.len() >= MAX_STACK {
                        return Err(bad("too many MARKs"));
                    }
                    self.marks.push(self.stack.len());
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.push(v)?;
                }
                b'J' => {
                    let v = self.u32()? as i32;
                    self.push(Value::Int(v as i64))?;
                }
                b'K' => {
                    let v = self.u8()?;
                    self.push(Value::Int(v as i64))?;
                }
                b'M' => {
                    let b = self.take(2)?;
                    self.push(Value::Int(u16::from_le_bytes([b[0], b[1]]) as i64))?;
                }
                0x8a => {
                    let n = self.u8()? as usize;
                    let v = self.long(n)?;
                    self.push(v)?;
                }
                0x8b => {
                    let n = self.u32()? as usize;
                    let v = self.long(n)?;
                    self.push(v)?;
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes"));
                    self.push(Value::Float(v))?;
                }
                b'N' => self.push(Value::None)?,
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'X' | 0x8c | 0x8d | b'T' | b'U' => {
                    let n = match op {
                        b'X' | b'T' => self.u32()? as u64,
                        0x8c | b'U' => self.u8()? as u64,
                        _ => self.u64()?,
                    };
                    let n = self.len(n)?;
                    let v = self.string(n)?;
                    self.push(v)?;
                }
                b'B' | b'C' | 0x8e => {
                    let n = match op {
                        b'B' => self.u32()? as u64,
                        b'C' => self.u8()? as u64,
                        _ => self.u64()?,
                    };
                    let n = self.len(n)?;
                    let v = self.bytes(n)?;
                    self.push(v)?;
                }
                b')' => {
                    let v = self.arena.add(Node::Tuple(Vec::new()));
                    self.push(v)?;
                }
                b't' => {
                    let items = self.pop_mark()?;
                    let v = self.arena.add(Node::Tuple(items));
                    self.push(v)?;
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    let v = self.arena.add(Node::Tuple(items));
                    self.push(v)?;
                }
                b']' => {
                    let v = self.arena.add(Node::List(Vec::new()));
                    self.push(v)?;
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    let v = self.arena.add(Node::List(items));
                    self.push(v)?;
                }
                b'a' => {
                    let x = self.pop()?;
                    let l = self.top()?.clone();
                    self.extend_list(&l, vec![x])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    let l = self.top()?.clone();
                    self.extend_list(&l, items)?;
                }
                b'}' => {
                    let v = self.arena.add(Node::Dict(Vec::new()));
                    self.push(v)?;
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    let v = self.arena.add(Node::Dict(Vec::new()));
                    self.set_items(&v, items)?;
                    self.push(v)?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let d = self.top()?.clone();
                    self.set_items(&d, vec![k, v])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let d = self.top()?.clone();
                    self.set_items(&d, items)?;
                }
                b'c' => {
                    let module: Rc<str> = Rc::from(self.line()?);
                    let name: Rc<str> = Rc::from(self.line()?);
                    let v = self.arena.add(Node::Global { module, name });
                    self.push(v)?;
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return Err(bad("STACK_GLOBAL of non-strings"));
                    };
                    let v = self.arena.add(Node::Global { module, name });
                    self.push(v)?;
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let f = self.pop()?;
                    let (module, name) = self.global(&f)?;
                    if !matches!(self.arena.node(&args), Some(Node::Tuple(_))) {
                        return Err(bad(format!("the arguments of {module}.{name} are not a tuple")));
                    }
                    let v = if op == b'R' {
                        hooks.call(&mut self.arena, &module, &name, args)?
                    } else {
                        hooks.new_object(&mut self.arena, &module, &name, args)?
                    };
                    self.push(v)?;
                }
                b'b' => {
                    let state = self.pop()?;
                    let obj = self.top()?.clone();
                    self.build(&obj, state)?;
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let v = hooks.persistent_load(&mut self.arena, pid)?;
                    self.push(v)?;
                }
                b'q' => {
                    let i = self.u8()? as u32;
                    self.put(i)?;
                }
                b'r' => {
                    let i = self.u32()?;
                    self.put(i)?;
                }
                0x94 => {
                    let i = self.memo.len() as u32;
                    self.put(i)?;
                }
                b'h' => {
                    let i = self.u8()? as u32;
                    self.get(i)?;
                }
                b'j' => {
                    let i = self.u32()?;
                    self.get(i)?;
                }
                _ => return Err(bad(format!("unsupported opcode 0x{op:02x} at byte {}", self.pos - 1))),
            }
        }
    }
}

/// Runs the pickle `data` to its `STOP`; returns the arena and the result.
pub fn unpickle(data: &[u8], hooks: &mut dyn Hooks) -> Result<(Arena, Value)> {
    let mut vm = Vm { data, pos: 0, stack: Vec::new(), marks: Vec::new(), memo: HashMap::new(), arena: Arena::default() };
    let v = vm.run(hooks)?;
    Ok((vm.arena, v))
}
