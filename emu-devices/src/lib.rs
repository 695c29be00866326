//! The `virt` board's devices: standalone models that implement emu-core's `MmioDevice`,
//! drive `IrqLine`s and read the virtual `Clock`, so that wiring them to the CPU is a matter
//! of registering them on the `MmioBus` (DESIGN §2, §7, §8).

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
