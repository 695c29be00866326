//! A board for unit tests of the system-mode CPU: RAM, no devices, a CNTKCTL_EL1 and an
//! interrupt line that tests set by hand.

use super::regs::enc;
use super::{attach, Platform, SysCpu};
use crate::state::CpuState;
use emu_core::phys::PhysRam;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

pub const RAM_BASE: u64 = 0x4000_0000;
pub const RAM_SIZE: u64 = 16 << 20;
pub const CNTKCTL_EL1: u32 = enc(3, 0, 14, 1, 0);
pub const CNTVCT_EL0: u32 = enc(3, 3, 14, 0, 2);
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
    fn mmio_write(&self, _: usize, _: u64, _: u8, _: u64) -> bool {
        false
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

/// Attaches a fresh system half (on `board`) to `cpu` and resets it to EL1h at `pc`,
/// keeping the caller's registers. The box must outlive every use of `cpu`.
pub fn attach_for_tests(cpu: &mut CpuState, board: Arc<TestBoard>) -> Box<SysCpu> {
    let mut sys = SysCpu::new(0, board);
    attach(cpu, &mut sys);
    sys
}
