//! The `virt` board's devices: standalone models that implement emu-core's `MmioDevice`,
//! drive `IrqLine`s and read the virtual `Clock`, so that wiring them to the CPU is a matter
//! of registering them on the `MmioBus` (DESIGN §2, §7, §8).
//!
//! - `pl011`, `pl031`: the UART and RTC (PrimeCell ID registers in `primecell`).
//! - `generic_timer`: per-CPU CNTP/CNTV timers driving PPIs 14 and 11.
//! - `gic`: GICv3 (distributor, redistributors, ICC_* system registers) and GICv2.
//! - `fdt`: the device tree, as QEMU's virt emits it; `board`: the memory map.
//! - `virt`: all of the above wired together for the CPU run loop to use.
//!
//! Reset values and implemented bits were checked against qemu-system-aarch64 7.2 with the
//! bare-metal probes in `probe/`.

pub mod board;
pub mod fdt;
pub mod generic_timer;
pub mod gic;
pub mod pl011;
pub mod pl031;
pub mod primecell;
pub mod sysreg;
pub mod virt;

#[cfg(test)]
mod testutil;
