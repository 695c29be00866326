//! System mode: the A64 CPU at EL0 and EL1 on a board (DESIGN §1, §6, §7).
//!
//! `CpuState::sys` points to this vCPU's [`SysCpu`]: the exception level and PSTATE bits
//! that translated code does not keep, the EL1 system registers, the software TLBs and the
//! board ([`Platform`]). In user mode it is 0 and every helper that needs it behaves as
//! user mode does (EL1-only instructions are UNDEF).
//!
//! What the CPU is: ARMv8.0-A, EL0 and EL1 in AArch64 only (no EL2/EL3: HVC and SMC reach
//! the emulated PSCI firmware), the ID registers of `features.rs` (GICv3 CPU interface
//! when the board has one, CSV2_3/CSV3 because nothing speculates, IDC/DIC because there
//! are no caches). Not implemented, and not advertised: PAN, UAO, SSBS, DIT, PAuth, BTI
//! (their hints are NOPs), MTE, SVE, PMU, RAS. Not generated: SError, debug exceptions
//! (breakpoint/watchpoint registers are storage only; MDSCR_EL1.SS does not step), SP
//! alignment faults and SCTLR_EL1.A alignment checks, FP/SIMD access traps (CPACR_EL1.FPEN
//! is kept, never enforced). LDTR/STTR at EL1 are checked with EL1 permissions.
//!
//! Files:
//! - `regs.rs`: the EL1 registers the CPU keeps, their reset values and writable bits.
//! - `pstate.rs`: PSTATE (EL, SPSel, DAIF), the banked stack pointers, SPSR packing.
//! - `sysreg.rs`: MRS/MSR in system mode: every register Linux and firmware use, with
//!   the EL0 access rules; board registers are forwarded to the [`Platform`].
//! - `sysops.rs`: SYS instructions in system mode (TLBI, AT, DC, IC).
//! - `exception.rs`: exception entry and return, interrupts, and [`exception::handle_exit`],
//!   which turns the runtime's exits into guest exceptions for the vCPU loop.
//! - `psci.rs`: the PSCI 1.0 firmware answering HVC/SMC.
//! - `insn.rs`: the helpers the instruction semantics call (both modes: user mode keeps
//!   its behaviour when `CpuState::sys` is 0).
//! - `softmmu.rs`: the softmmu's Arm half — the memory model handed to the runtime, the
//!   slow path of data accesses (walk, TLB fill, MMIO, page-crossing accesses, faults),
//!   instruction-fetch translation, TLB context selection and maintenance.
//! - `cpu_tests.rs` (with the test board in `testing.rs`): the CPU's instructions and
//!   exceptions in both tiers, and a bare-metal program through the system runtime;
//!   `tests.rs`: the softmmu through the runtime; `dispatch_tests.rs`: compiled code's
//!   branches between blocks (the inline lookup) when translations change.

#[cfg(test)]
mod cpu_tests;
pub mod debug;
pub mod exception;
pub mod insn;
pub mod psci;
pub mod pstate;
pub mod regs;
pub mod softmmu;
pub mod sysops;
pub mod sysreg;
#[cfg(test)]
pub(crate) mod testing;

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
    /// Whether the interrupt controller has a system-register CPU interface (GICv3):
    /// ID_AA64PFR0_EL1.GIC says so. By default: whether the board answers ICC_SRE_EL1.
    fn has_gic_sysregs(&self) -> bool {
        self.read_sysreg(0, regs::enc(3, 0, 12, 12, 5)).is_some()
    }
}

/// Number of TLB contexts: EL0 and EL1 of the EL1&0 regime.
pub const TLB_CONTEXTS: usize = crate::mmu::EL1_AND_0_TLB_CONTEXTS;

/// The system-mode half of a vCPU.
pub struct SysCpu {
    /// CPU number (MPIDR_EL1.Aff0, GIC redistributor index).
    pub index: usize,
    pub platform: Arc<dyn Platform>,
    /// Current exception level: 0 or 1 (PSTATE.EL).
    pub el: u8,
    /// PSTATE.SP at EL1: 0 = SP_EL0, 1 = SP_EL1 (ignored at EL0, which always uses SP_EL0).
    pub spsel: u8,
    /// PSTATE.{D,A,I,F}, in the DAIF register's layout (`regs::daif`).
    pub daif: u64,
    /// The banked stack pointer that is NOT current: `CpuState::x[31]` holds the current
    /// one (see `pstate::set_pstate_mode`).
    pub sp_el0: u64,
    pub sp_el1: u64,
    /// The event register (WFE returns at once when set; SEV, SEVL and exception
    /// returns set it).
    pub event: bool,
    /// The EL1 registers the CPU keeps.
    pub regs: regs::El1Regs,
    /// `HLT #0xF000` is a semihosting call (the loop services it) instead of UNDEF.
    pub semihosting: bool,
    /// The registers the stage-1 walk depends on (SCTLR_EL1, TCR_EL1, TTBR0/1_EL1,
    /// MAIR_EL1). Writes go through `softmmu::translation_regs_written`.
    pub mmu: TranslationRegs,
    /// One TLB per translation context (index = EL).
    pub tlbs: TlbSet,
    /// The fault the last `FAULT_*`/`ALIGNMENT` exit was for (the softmmu records it, the
    /// exception entry consumes it for ESR_EL1/FAR_EL1).
    pub fault: Option<Fault>,
    /// The recorded fault came from a cache-maintenance instruction (ESR ISS.CM = 1).
    pub fault_is_cache_maintenance: bool,
    /// Physical pages holding translated code that stores changed since the runtime last
    /// looked (`softmmu::take_invalidated`).
    pub invalidated_pages: Vec<u64>,
}

impl SysCpu {
    pub fn new(index: usize, platform: Arc<dyn Platform>) -> Box<SysCpu> {
        Box::new(SysCpu {
            index,
            platform,
            el: 1,
            spsel: 1,
            daif: regs::daif::ALL,
            sp_el0: 0,
            sp_el1: 0,
            event: false,
            regs: regs::El1Regs::default(),
            semihosting: false,
            mmu: TranslationRegs {
                sctlr_el1: regs::sctlr::RESET,
                ..TranslationRegs::default()
            },
            tlbs: TlbSet::new(TLB_CONTEXTS),
            fault: None,
            fault_is_cache_maintenance: false,
            invalidated_pages: Vec::new(),
        })
    }

    /// MPIDR_EL1: RES1 bit 31, uniprocessor bit clear, Aff0 = the CPU number modulo 16 and
    /// Aff1 = the rest (QEMU's virt groups GICv3 CPUs 16 to a cluster).
    pub fn mpidr(&self) -> u64 {
        let i = self.index as u64;
        (1 << 31) | (((i / 16) & 0xff) << 8) | (i % 16)
    }
}

/// Puts the CPU in the state the Linux boot protocol (and a bare-metal image) expects:
/// EL1h, DAIF masked, MMU and caches off, X0 = `x0_dtb`, X1–X3 (and every other register)
/// zero, pc = `entry_pc`; the EL1 registers at their reset values and every TLB empty.
/// Works for a cold boot and for PSCI SYSTEM_RESET alike. Does nothing in user mode.
pub fn reset(cpu: &mut CpuState, entry_pc: u64, x0_dtb: u64) {
    let sys_addr = cpu.sys;
    // SAFETY: `cpu` is live; `sys`, when set, points to its live SysCpu.
    let Some(sys) = (unsafe { sys_cpu(cpu.as_mut_ptr()) }) else {
        return;
    };
    let keep_semihosting = sys.semihosting;
    *cpu = CpuState {
        sys: sys_addr,
        ..CpuState::default()
    };
    cpu.x[0] = x0_dtb;
    cpu.core.pc = entry_pc;
    sys.el = 1;
    sys.spsel = 1;
    sys.daif = regs::daif::ALL;
    sys.sp_el0 = 0;
    sys.sp_el1 = 0;
    sys.event = false;
    sys.regs = regs::El1Regs::default();
    sys.semihosting = keep_semihosting;
    sys.fault = None;
    sys.fault_is_cache_maintenance = false;
    softmmu::translation_regs_written(sys, softmmu::TranslationReg::Sctlr, regs::sctlr::RESET);
    for (reg, v) in [
        (softmmu::TranslationReg::Tcr, 0),
        (softmmu::TranslationReg::Ttbr0, 0),
        (softmmu::TranslationReg::Ttbr1, 0),
        (softmmu::TranslationReg::Mair, 0),
    ] {
        softmmu::translation_regs_written(sys, reg, v);
    }
    sys.tlbs.flush_all();
    pstate::point_tlb(cpu, sys);
    pstate::update_dc_zva_trap(cpu, sys);
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
mod dispatch_tests;
#[cfg(test)]
mod tests;
