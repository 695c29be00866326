//! System mode: the A64 CPU at EL0 and EL1 on a board (DESIGN §1, §6, §7).
//!
//! `CpuState::sys` points to this vCPU's [`SysCpu`]: the exception level and PSTATE bits
//! that translated code does not keep, the EL1 system registers, the software TLBs and the
//! board ([`Platform`]). In user mode it is 0 and every helper that needs it behaves as
//! user mode does (EL1-only instructions are UNDEF).
//!
//! Files:
//! - `softmmu.rs`: the softmmu's Arm half — the memory model handed to the runtime, the
//!   slow path of data accesses (walk, TLB fill, MMIO, page-crossing accesses, faults),
//!   instruction-fetch translation, TLB context selection and maintenance.

pub mod softmmu;

use crate::mmu::{Fault, TranslationRegs};
use crate::state::CpuState;
use emu_core::phys::PhysRam;
use emu_core::softmmu::TlbSet;
use std::sync::Arc;

/// What the CPU needs from the board. Implemented by the machine (emu-cli) over
/// emu-devices' `VirtDevices`, so that emu-arm does not depend on the devices.
pub trait Platform: Send + Sync {
    /// Guest RAM.
    fn ram(&self) -> &PhysRam;
    /// A device read of `size` bytes at physical `pa`; `None`: nothing answers there (the
    /// CPU takes a synchronous External abort).
    fn mmio_read(&self, cpu: usize, pa: u64, size: u8) -> Option<u64>;
    /// A device write; `false`: nothing answers there.
    fn mmio_write(&self, cpu: usize, pa: u64, size: u8, value: u64) -> bool;
    /// MRS of a register the board implements (generic timer CNT*, GICv3 ICC_*);
    /// `encoding` = op0:op1:CRn:CRm:op2 as in bits [20:5] of MRS. `None`: not the board's.
    fn read_sysreg(&self, cpu: usize, encoding: u32) -> Option<u64>;
    /// MSR to a board register; `false`: not the board's.
    fn write_sysreg(&self, cpu: usize, encoding: u32, value: u64) -> bool;
    /// Whether the interrupt controller signals an IRQ / FIQ to this CPU.
    fn irq_pending(&self, cpu: usize) -> bool;
    fn fiq_pending(&self, cpu: usize) -> bool;
}

/// Number of TLB contexts: EL0 and EL1 of the EL1&0 regime.
pub const TLB_CONTEXTS: usize = crate::mmu::EL1_AND_0_TLB_CONTEXTS;

/// The system-mode half of a vCPU.
pub struct SysCpu {
    /// CPU number (MPIDR_EL1.Aff0, GIC redistributor index).
    pub index: usize,
    pub platform: Arc<dyn Platform>,
    /// Current exception level: 0 or 1.
    pub el: u8,
    /// The registers the stage-1 walk depends on (SCTLR_EL1, TCR_EL1, TTBR0/1_EL1,
    /// MAIR_EL1). Writes go through `softmmu::translation_regs_written`.
    pub mmu: TranslationRegs,
    /// One TLB per translation context (index = EL).
    pub tlbs: TlbSet,
    /// The fault the last `FAULT_*`/`ALIGNMENT` exit was for (the softmmu records it, the
    /// exception entry consumes it for ESR_EL1/FAR_EL1).
    pub fault: Option<Fault>,
}

impl SysCpu {
    pub fn new(index: usize, platform: Arc<dyn Platform>) -> Box<SysCpu> {
        Box::new(SysCpu {
            index,
            platform,
            el: 1,
            mmu: TranslationRegs::default(),
            tlbs: TlbSet::new(TLB_CONTEXTS),
            fault: None,
        })
    }
}

/// The system half of the CPU whose state struct is at `state`, or `None` in user mode.
///
/// # Safety
/// `state` points to a live `CpuState` whose `sys` is 0 or points to a live `SysCpu` that
/// nothing else borrows for the lifetime of the result.
#[inline]
pub unsafe fn sys_cpu<'a>(state: *mut u8) -> Option<&'a mut SysCpu> {
    // SAFETY: caller's contract.
    let cpu = unsafe { &*(state as *const CpuState) };
    if cpu.sys == 0 {
        None
    } else {
        // SAFETY: caller's contract.
        Some(unsafe { &mut *(cpu.sys as *mut SysCpu) })
    }
}

/// Attaches `sys` to `cpu` (system mode) and selects the TLB of its exception level.
/// `sys` must outlive every use of `cpu` (keep the box alive beside it).
pub fn attach(cpu: &mut CpuState, sys: &mut SysCpu) {
    cpu.sys = sys as *mut SysCpu as u64;
    softmmu::select_tlb(cpu);
}

#[cfg(test)]
mod tests;
