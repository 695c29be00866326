//! The `virt` board's memory map and interrupt numbers (DESIGN §8), the single place the
//! device tree and the board wiring read them from. Same layout as QEMU's virt machine, so
//! images built for it run unchanged.

pub const FLASH0_BASE: u64 = 0x0000_0000;
pub const FLASH_SIZE: u64 = 0x0400_0000;
pub const GIC_DIST_BASE: u64 = 0x0800_0000;
pub const GIC_V2_CPU_BASE: u64 = 0x0801_0000;
pub const GIC_REDIST_BASE: u64 = 0x080A_0000;
/// The redistributor region QEMU reserves (and describes in the device tree): room for
/// 123 CPUs; only the first `num_cpus` frames are populated.
pub const GIC_REDIST_REGION_SIZE: u64 = 0x00F6_0000;
pub const UART_BASE: u64 = 0x0900_0000;
pub const RTC_BASE: u64 = 0x0901_0000;
pub const FW_CFG_BASE: u64 = 0x0902_0000;
pub const GPIO_BASE: u64 = 0x0903_0000;
pub const VIRTIO_MMIO_BASE: u64 = 0x0A00_0000;
pub const VIRTIO_MMIO_STRIDE: u64 = 0x200;
pub const VIRTIO_MMIO_COUNT: u32 = 32;
pub const RAM_BASE: u64 = 0x4000_0000;

/// SPI numbers (GIC INTID - 32), as the device tree numbers them.
pub const UART_SPI: u32 = 1;
pub const RTC_SPI: u32 = 2;
pub const GPIO_SPI: u32 = 7;
pub const VIRTIO_MMIO_FIRST_SPI: u32 = 16;

/// The most CPUs the redistributor region has frames for.
pub const MAX_CPUS_GICV3: usize = (GIC_REDIST_REGION_SIZE / crate::gic::REDIST_STRIDE) as usize;
/// GICv2 addresses at most 8 CPUs.
pub const MAX_CPUS_GICV2: usize = 8;
