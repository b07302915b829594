//! Tensor: a shared handle to one tensor (storage + layout + dtype) and its autograd state.

use super::layout::{checked_numel, Dims, Layout};
use super::{DType, Device, Element, Storage};
use crate::autograd::AutogradMeta;
use crate::error::Result;
use parking_lot::{Mutex, RwLock};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What a tensor views: its storage, where in it, and as what type. Cloning it is cheap.
#[derive(Clone)]
pub struct TensorData {
    pub storage: Arc<Storage>,
    pub layout: Layout,
    pub dtype: DType,
}

/// The bytes a contiguous tensor of this shape and dtype needs, or the error for an unusable
/// device, a negative size or an overflow.
fn buffer_bytes(shape: &[i64], dtype: DType, device: Device) -> Result<usize> {
    device.check_available()?;
    checked_numel(shape)?
        .checked_mul(dtype.size())
        .ok_or_else(|| crate::error::Error::msg(format!("torchrs: shape {shape:?} is too large")))
}

impl TensorData {
    /// A new contiguous buffer of this shape, elements not initialised yet (what kernels
    /// write their results into before wrapping them in a [`Tensor`]).
    pub fn empty(shape: &[i64], dtype: DType, device: Device) -> Result<TensorData> {
        let bytes = buffer_bytes(shape, dtype, device)?;
        Ok(TensorData { storage: Arc::new(Storage::uninit(bytes)?), layout: Layout::contiguous(shape), dtype })
    }

    pub fn device(&self) -> Device {
        self.storage.device()
    }

    pub fn numel(&self) -> usize {
        self.layout.numel()
    }

    /// Pointer to this view's first element.
    pub fn base_ptr(&self) -> *mut u8 {
        unsafe { self.storage.as_ptr().add(self.layout.offset * self.dtype.size()) }
    }

    /// The contiguous elements of a contiguous view, as a slice.
    ///
    /// # Safety
    /// `T` must be the dtype's type, the view contiguous, and no one writing meanwhile.
    pub unsafe fn as_slice<T: Element>(&self) -> &[T] {
        debug_assert!(T::DTYPE == self.dtype && self.layout.is_contiguous());
        std::slice::from_raw_parts(self.base_ptr() as *const T, self.numel())
    }

    /// # Safety
    /// As [`TensorData::as_slice`], and no other live reference to those elements.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn as_mut_slice<T: Element>(&self) -> &mut [T] {
        debug_assert!(T::DTYPE == self.dtype && self.layout.is_contiguous());
        std::slice::from_raw_parts_mut(self.base_ptr() as *mut T, self.numel())
    }
}

pub struct TensorImpl {
    data: RwLock<TensorData>,
    pub(crate) autograd: Mutex<AutogradMeta>,
    /// Mirrors "requires_grad or has a grad_fn", so ops check it without taking the lock.
    pub(crate) requires_grad_flag: AtomicBool,
}

/// A tensor, like `torch::Tensor`: cloning gives another handle to the same tensor
/// (same storage, same layout, same grad).
#[derive(Clone)]
pub struct Tensor(Arc<TensorImpl>);

impl Tensor {
    pub fn from_data(data: TensorData) -> Tensor {
        Tensor(Arc::new(TensorImpl {
            data: RwLock::new(data),
            autograd: Mutex::new(AutogradMeta::default()),
            requires_grad_flag: AtomicBool::new(false),
        }))
    }

    pub fn from_parts(storage: Arc<Storage>, layout: Layout, dtype: DType) -> Tensor {
        Self::from_data(TensorData { storage, layout, dtype })
    }

    /// A new contiguous tensor whose elements are not initialised yet.
    pub fn empty(shape: &[i64], dtype: DType, device: Device) -> Result<Tensor> {
        Ok(Self::from_data(TensorData::empty(shape, dtype, device)?))
    }

    pub fn zeros(shape: &[i64], dtype: DType, device: Device) -> Result<Tensor> {
        let bytes = buffer_bytes(shape, dtype, device)?;
        Ok(Self::from_parts(Arc::new(Storage::zeroed(bytes)?), Layout::contiguous(shape), dtype))
    }

    /// A contiguous CPU tensor holding these values.
    pub fn from_vec<T: Element>(values: Vec<T>, shape: &[i64]) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        crate::ensure!(n == values.len(), "torchrs: {} values do not fill shape {shape:?}", values.len());
        let t = Self::empty(shape, T::DTYPE, Device::Cpu)?;
        unsafe { t.data().as_mut_slice::<T>().copy_from_slice(&values) };
        Ok(t)
    }

    pub fn scalar_tensor<T: Element>(v: T) -> Tensor {
        Self::from_vec(vec![v], &[]).expect("a scalar always fits")
    }

    /// What this tensor views now, borrowed under its read lock (no clone: the hot path of
    /// out-of-place ops). Taken recursively, so one tensor may be read twice (`x + x`) while
    /// writers wait; never write to the tensor while holding it.
    pub fn read(&self) -> parking_lot::RwLockReadGuard<'_, TensorData> {
        self.0.data.read_recursive()
    }

    /// A snapshot of what this tensor views now.
    pub fn data(&self) -> TensorData {
        self.0.data.read().clone()
    }

    /// True when nothing else holds this tensor or its buffer and it covers the whole buffer
    /// contiguously: the buffer may then be handed over (a gradient becoming a leaf's `.grad`,
    /// as PyTorch's AccumulateGrad steals a gradient nobody else references).
    pub fn is_sole_dense_owner(&self) -> bool {
        if Arc::strong_count(&self.0) != 1 {
            return false;
        }
        let d = self.0.data.read();
        Arc::strong_count(&d.storage) == 1
            && d.layout.is_contiguous()
            && d.layout.offset == 0
            && d.storage.nbytes() == d.numel() * d.dtype.size()
    }

    pub fn same_tensor(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub fn dtype(&self) -> DType {
        self.0.data.read().dtype
    }

    pub fn device(&self) -> Device {
        self.0.data.read().storage.device()
    }

    pub fn shape(&self) -> Dims {
        super::layout::dims(&self.0.data.read().layout.shape)
    }

    pub fn strides(&self) -> Dims {
        super::layout::dims(&self.0.data.read().layout.strides)
    }

    pub fn layout(&self) -> Layout {
        self.0.data.read().layout.clone()
    }

    pub fn dim(&self) -> usize {
        self.0.data.read().layout.ndim()
    }

    pub fn numel(&self) -> usize {
        self.0.data.read().layout.numel()
    }

    pub fn is_contiguous(&self) -> bool {
        self.0.data.read().layout.is_contiguous()
    }

    /// A new tensor sharing this one's storage with another layout (a view).
    pub fn view_as_layout(&self, layout: Layout) -> Tensor {
        let d = self.0.data.read();
        Self::from_parts(d.storage.clone(), layout, d.dtype)
    }

    /// Changes this tensor's layout in place (`squeeze_`, `t_`, `as_strided_`...).
    pub fn set_layout(&self, layout: Layout) {
        self.0.data.write().layout = layout;
    }

    /// Makes this tensor view what `src` views (`set_data`, `set_`).
    pub fn set_data(&self, src: &Tensor) {
        let d = src.data();
        *self.0.data.write() = d;
    }

    pub(crate) fn autograd(&self) -> parking_lot::MutexGuard<'_, AutogradMeta> {
        self.0.autograd.lock()
    }

    /// True for leaves marked `requires_grad` and for every tensor with a `grad_fn`.
    #[inline]
    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad_flag.load(Ordering::Acquire)
    }

    /// Re-derives the lock-free `requires_grad` flag after the autograd state changed.
    pub(crate) fn sync_requires_grad(&self, m: &AutogradMeta) {
        self.0.requires_grad_flag.store(m.requires_grad || m.grad_fn.is_some(), Ordering::Release);
    }

    /// A leaf is a tensor no recorded op produced.
    pub fn is_leaf(&self) -> bool {
        self.autograd().grad_fn.is_none()
    }

    /// The storage's in-place version counter.
    pub fn version(&self) -> u64 {
        self.0.data.read().storage.version()
    }

    pub fn set_requires_grad(&self, b: bool) -> Result<()> {
        if b && !self.dtype().is_float() {
            crate::bail!("only Tensors of floating point and complex dtype can require gradients");
        }
        let mut m = self.autograd();
        if m.grad_fn.is_some() {
            if !b {
                crate::bail!(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                );
            }
            return Ok(());
        }
        m.requires_grad = b;
        self.sync_requires_grad(&m);
        Ok(())
    }

    /// The accumulated gradient, if any.
    pub fn grad(&self) -> Option<Tensor> {
        self.autograd().grad.clone()
    }

    pub fn set_grad(&self, g: Option<Tensor>) {
        self.autograd().grad = g;
    }

    /// Records an in-place write for autograd's version checks.
    pub fn bump_version(&self) {
        self.0.data.read().storage.bump_version();
    }

    /// The elements in logical (row-major) order, converted to `T`.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        let c = crate::cpu::copy::to_contiguous_dtype(&self.data(), T::DTYPE)?;
        Ok(unsafe { c.as_slice::<T>().to_vec() })
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::tensor::print::format_tensor(self, 80))
    }
}
