//! A protocol-2 pickle writer with the memo habits of PyTorch's picklers (strings and globals
//! written once, then fetched with `BINGET`), and the `_rebuild_tensor_v2` call both PyTorch
//! formats use for a tensor.

use super::rebuild::storage_name;
use crate::tensor::DType;
use std::collections::HashMap;

#[derive(Default)]
pub struct PickleWriter {
    pub buf: Vec<u8>,
    memo: HashMap<(u8, String), u32>,
}

/// How one tensor is written: which storage record, and its geometry in elements.
pub struct TensorRef<'a> {
    pub key: &'a str,
    pub dtype: DType,
    pub storage_numel: usize,
    pub offset: usize,
    pub shape: &'a [i64],
    pub strides: &'a [i64],
    pub requires_grad: bool,
}

impl PickleWriter {
    pub fn new() -> PickleWriter {
        let mut w = PickleWriter::default();
        w.buf.extend_from_slice(&[0x80, 2]);
        w
    }

    pub fn op(&mut self, b: u8) {
        self.buf.push(b);
    }

    fn put(&mut self, key: (u8, String)) {
        let i = self.memo.len() as u32;
        self.memo.insert(key, i);
        if i < 256 {
            self.buf.extend_from_slice(&[b'q', i as u8]);
        } else {
            self.buf.push(b'r');
            self.buf.extend_from_slice(&i.to_le_bytes());
        }
    }

    /// Memoizes the value on top of the stack under a fresh index (libtorch's pickler does so
    /// after persistent ids, tensors and objects).
    pub fn memoize(&mut self) {
        let key = (0, self.memo.len().to_string());
        self.put(key);
    }

    fn get(&mut self, key: &(u8, String)) -> bool {
        let Some(&i) = self.memo.get(key) else { return false };
        if i < 256 {
            self.buf.extend_from_slice(&[b'h', i as u8]);
        } else {
            self.buf.push(b'j');
            self.buf.extend_from_slice(&i.to_le_bytes());
        }
        true
    }

    pub fn global(&mut self, module: &str, name: &str) {
        let key = (b'c', format!("{module}\n{name}"));
        if !self.get(&key) {
            self.buf.push(b'c');
            self.buf.extend_from_slice(module.as_bytes());
            self.buf.push(b'\n');
            self.buf.extend_from_slice(name.as_bytes());
            self.buf.push(b'\n');
            self.put(key);
        }
    }

    pub fn str(&mut self, s: &str) {
        let key = (b'X', s.to_string());
        if !self.get(&key) {
            self.buf.push(b'X');
            self.buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
            self.buf.extend_from_slice(s.as_bytes());
            self.put(key);
        }
    }

    pub fn int(&mut self, v: i64) {
        if (0..256).contains(&v) {
            self.buf.extend_from_slice(&[b'K', v as u8]);
        } else if (0..65536).contains(&v) {
            self.buf.push(b'M');
            self.buf.extend_from_slice(&(v as u16).to_le_bytes());
        } else if i32::try_from(v).is_ok() {
            self.buf.push(b'J');
            self.buf.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.buf.extend_from_slice(&[0x8a, 8]);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    pub fn bool(&mut self, b: bool) {
        self.op(if b { 0x88 } else { 0x89 });
    }

    fn ints(&mut self, v: &[i64]) {
        self.op(b'(');
        for &x in v {
            self.int(x);
        }
        self.op(b't');
    }

    /// `torch._utils._rebuild_tensor_v2(<storage pid>, offset, size, stride, requires_grad, OrderedDict())`.
    pub fn tensor(&mut self, t: &TensorRef) {
        self.global("torch._utils", "_rebuild_tensor_v2");
        self.op(b'(');
        // A storage is loaded once and then fetched from the memo, which is how TorchScript
        // readers learn that tensors share it.
        let storage_key = (b'Q', t.key.to_string());
        if !self.get(&storage_key) {
            self.op(b'(');
            self.str("storage");
            self.global("torch", storage_name(t.dtype));
            self.str(t.key);
            self.str("cpu");
            self.int(t.storage_numel as i64);
            self.op(b't');
            self.op(b'Q');
            self.put(storage_key);
        }
        self.int(t.offset as i64);
        self.ints(t.shape);
        self.ints(t.strides);
        self.bool(t.requires_grad);
        self.global("collections", "OrderedDict");
        self.op(b')');
        self.op(b'R');
        self.op(b't');
        self.op(b'R');
        self.memoize();
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.op(b'.');
        self.buf
    }
}
