//! Storage: a byte buffer shared by a tensor and all its views, with the version counter of in-place ops.

use super::Device;
use crate::error::Result;
use super::pool;
use std::sync::atomic::{AtomicU64, Ordering};

/// Who owns the bytes.
enum Owner {
    /// Taken from the buffer pool, with this capacity.
    Own(usize),
    /// Borrowed from the caller (`at_tensor_of_blob`): never freed by us.
    Borrowed,
}

/// Raw bytes on a device. Kernels read and write through raw pointers: like PyTorch, views may
/// alias and in-place writes are visible through every view.
pub struct Storage {
    ptr: *mut u8,
    nbytes: usize,
    owner: Owner,
    device: Device,
    version: AtomicU64,
}

// The bytes are plain data; synchronisation across threads is the caller's, as in PyTorch.
unsafe impl Send for Storage {}
unsafe impl Sync for Storage {}

impl Storage {
    /// Zero-initialised bytes on the CPU.
    pub fn zeroed(nbytes: usize) -> Result<Storage> {
        Self::alloc(nbytes, true)
    }

    /// Uninitialised bytes on the CPU (every byte is written before it is read).
    pub fn uninit(nbytes: usize) -> Result<Storage> {
        Self::alloc(nbytes, false)
    }

    fn alloc(nbytes: usize, zero: bool) -> Result<Storage> {
        if nbytes == 0 {
            return Ok(Storage {
                ptr: std::ptr::NonNull::<u64>::dangling().as_ptr() as *mut u8,
                nbytes: 0,
                owner: Owner::Borrowed,
                device: Device::Cpu,
                version: AtomicU64::new(0),
            });
        }
        // Refuse absurd sizes instead of aborting the process in the allocator.
        if nbytes > (1usize << 46) {
            crate::bail!("torchrs: cannot allocate {nbytes} bytes: too large");
        }
        let (ptr, cap) = pool::acquire(nbytes, zero);
        if ptr.is_null() {
            crate::bail!("torchrs: out of memory allocating {nbytes} bytes");
        }
        Ok(Storage { ptr, nbytes, owner: Owner::Own(cap), device: Device::Cpu, version: AtomicU64::new(0) })
    }

    /// Wraps memory owned by the caller, without copying (`at_tensor_of_blob`).
    ///
    /// # Safety
    /// `ptr` must stay valid for `nbytes` bytes for as long as the storage lives.
    pub unsafe fn borrowed(ptr: *mut u8, nbytes: usize, device: Device) -> Storage {
        Storage { ptr, nbytes, owner: Owner::Borrowed, device, version: AtomicU64::new(0) }
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    pub fn device(&self) -> Device {
        self.device
    }

    /// The version counter PyTorch bumps on every in-place write (checked by autograd).
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Owner::Own(cap) = self.owner {
            // SAFETY: ptr and cap came from one pool::acquire; no view outlives the storage
            unsafe { pool::release(self.ptr, cap) }
        }
    }
}
