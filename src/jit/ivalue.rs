//! IValue: the tagged value TorchScript passes around (`ati_*` handles point to one).

use crate::tensor::{Device, Tensor};

#[derive(Clone)]
pub enum IValue {
    None,
    Tensor(Tensor),
    Double(f64),
    Int(i64),
    Bool(bool),
    Tuple(Vec<IValue>),
    IntList(Vec<i64>),
    DoubleList(Vec<f64>),
    BoolList(Vec<bool>),
    String(String),
    TensorList(Vec<Tensor>),
    GenericList(Vec<IValue>),
    /// Key/value pairs in insertion order.
    GenericDict(Vec<(IValue, IValue)>),
    Device(Device),
}

impl IValue {
    /// libtorch's tag numbers as `ati_tag` reports them (Device has none there).
    pub fn tag(&self) -> Option<i32> {
        Some(match self {
            IValue::None => 0,
            IValue::Tensor(_) => 1,
            IValue::Double(_) => 2,
            IValue::Int(_) => 3,
            IValue::Bool(_) => 4,
            IValue::Tuple(_) => 5,
            IValue::IntList(_) => 6,
            IValue::DoubleList(_) => 7,
            IValue::BoolList(_) => 8,
            IValue::String(_) => 9,
            IValue::TensorList(_) => 10,
            IValue::GenericList(_) => 12,
            IValue::GenericDict(_) => 13,
            IValue::Device(_) => return None,
        })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            IValue::None => "None",
            IValue::Tensor(_) => "Tensor",
            IValue::Double(_) => "Double",
            IValue::Int(_) => "Int",
            IValue::Bool(_) => "Bool",
            IValue::Tuple(_) => "Tuple",
            IValue::IntList(_) => "IntList",
            IValue::DoubleList(_) => "DoubleList",
            IValue::BoolList(_) => "BoolList",
            IValue::String(_) => "String",
            IValue::TensorList(_) => "TensorList",
            IValue::GenericList(_) => "GenericList",
            IValue::GenericDict(_) => "GenericDict",
            IValue::Device(_) => "Device",
        }
    }

    /// `ati_length`: the number of elements of a container, or the bytes of a string.
    pub fn len(&self) -> Option<usize> {
        Some(match self {
            IValue::Tuple(v) | IValue::GenericList(v) => v.len(),
            IValue::IntList(v) => v.len(),
            IValue::DoubleList(v) => v.len(),
            IValue::BoolList(v) => v.len(),
            IValue::String(s) => s.len(),
            IValue::TensorList(v) => v.len(),
            IValue::GenericDict(v) => v.len(),
            _ => return None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}
