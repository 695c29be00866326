//! A board for unit tests of the system-mode CPU: RAM, no devices, a CNTKCTL_EL1 and an
//! interrupt line that tests set by hand.

use super::regs::enc;
use super::{Platform, SysCpu};
use emu_core::phys::PhysRam;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

pub const RAM_BASE: u64 = 0x4000_0000;
pub const RAM_SIZE: u64 = 16 << 20;
pub const CNTKCTL_EL1: u32 = enc(3, 0, 14, 1, 0);
pub const CNTVCT_EL0: u32 = enc(3, 3, 14, 0, 2);
/// The one device register: writing it lowers the IRQ line.
pub const IRQ_ACK: u64 = 0x0900_0000;
/// What the test board's CNTVCT_EL0 reads.
pub const COUNTER: u64 = 0x1234_5678;

pub struct TestBoard {
    pub ram: PhysRam,
    pub irq: AtomicBool,
    pub fiq: AtomicBool,
    pub cntkctl: AtomicU64,
    pub gicv3: bool,
}

impl Platform for TestBoard {
    fn ram(&self) -> &PhysRam {
        &self.ram
    }
    fn mmio_read(&self, _: usize, _: u64, _: u8) -> Option<u64> {
        None
    }
    /// A write to [`IRQ_ACK`] lowers the IRQ line (the guest's "acknowledge").
    fn mmio_write(&self, _: usize, pa: u64, _: u8, _: u64) -> bool {
        if pa == IRQ_ACK {
            self.irq.store(false, Ordering::Relaxed);
        }
        pa == IRQ_ACK
    }
    fn read_sysreg(&self, _: usize, encoding: u32) -> Option<u64> {
        match encoding {
            CNTKCTL_EL1 => Some(self.cntkctl.load(Ordering::Relaxed)),
            CNTVCT_EL0 => Some(COUNTER),
            _ => None,
        }
    }
    fn write_sysreg(&self, _: usize, encoding: u32, value: u64) -> bool {
        match encoding {
            CNTKCTL_EL1 => {
                self.cntkctl.store(value, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }
    fn irq_pending(&self, _: usize) -> bool {
        self.irq.load(Ordering::Relaxed)
    }
    fn fiq_pending(&self, _: usize) -> bool {
        self.fiq.load(Ordering::Relaxed)
    }
    fn has_gic_sysregs(&self) -> bool {
        self.gicv3
    }
}

pub fn test_board() -> Arc<TestBoard> {
    Arc::new(TestBoard {
        ram: PhysRam::new(RAM_BASE, RAM_SIZE).expect("test RAM"),
        irq: AtomicBool::new(false),
        fiq: AtomicBool::new(false),
        cntkctl: AtomicU64::new(0),
        gicv3: true,
    })
}

/// A SysCpu on a fresh test board (not attached to any state).
pub fn sys_cpu_for_tests() -> Box<SysCpu> {
    SysCpu::new(0, test_board())
}
