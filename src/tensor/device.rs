//! Devices: tch's integer codes (-1 CPU, -2 MPS, -3 Vulkan, n >= 0 CUDA n) and where a tensor lives.

use crate::error::Result;

/// Where a tensor's storage lives. CUDA n and Vulkan both map onto our GPU backend (wgpu).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    Cpu,
    /// The GPU backend, as asked for with CUDA index n (Vulkan asks for index 0).
    Gpu(usize),
}

impl Device {
    pub fn from_code(code: i32) -> Result<Device> {
        match code {
            -1 => Ok(Device::Cpu),
            -2 => crate::bail!("torchrs: the MPS device is not supported"),
            -3 => Ok(Device::Gpu(0)),
            n if n >= 0 => Ok(Device::Gpu(n as usize)),
            n => crate::bail!("torchrs: unknown device code {n}"),
        }
    }

    pub fn code(self) -> i32 {
        match self {
            Device::Cpu => -1,
            Device::Gpu(n) => n as i32,
        }
    }

    /// Fails unless this device can hold tensors in this build.
    pub fn check_available(self) -> Result<Device> {
        match self {
            Device::Cpu => Ok(self),
            Device::Gpu(n) => crate::bail!(
                "torchrs: device cuda:{n} is not available (the GPU backend is not built yet); use the CPU"
            ),
        }
    }
}
