//! Exceptions in system mode: entry to EL1 (synchronous, IRQ, FIQ) with ESR/FAR/ELR/SPSR
//! and the VBAR_EL1 vector offsets, exception return (ERET), and the vCPU loop's API:
//! [`handle_exit`] turns what the runtime stopped for into a guest exception or a request
//! to the loop ([`Outcome`]); [`take_pending_interrupt`] delivers an unmasked IRQ/FIQ.
//!
//! SError is never generated (no device reports asynchronous aborts). Debug exceptions
//! (hardware breakpoints, watchpoints, software step) are not generated either.

use super::pstate::{mode_from_spsr, set_pstate_mode, to_spsr};
use super::regs::{daif, spsr};
use super::{psci, SysCpu};
use crate::exits;
use crate::mmu::{Access, AccessKind, Fault, FaultKind};
use crate::state::CpuState;
use emu_core::emit::Exit;

/// Exception classes (ESR_EL1.EC) this CPU raises besides the aborts (`mmu::fault::ec`).
pub mod ec {
    pub const UNKNOWN: u64 = 0x00;
    /// A trapped WFI or WFE.
    pub const WFX: u64 = 0x01;
    pub const ILLEGAL_STATE: u64 = 0x0e;
    pub const SVC64: u64 = 0x15;
    pub const HVC64: u64 = 0x16;
    pub const SMC64: u64 = 0x17;
    /// Trapped MSR, MRS or system instruction.
    pub const SYS64: u64 = 0x18;
    pub const PC_ALIGNMENT: u64 = 0x22;
    pub const SP_ALIGNMENT: u64 = 0x26;
    pub const BRK64: u64 = 0x3c;
}

/// ESR_ELx.IL: the trapped instruction was 32 bits (always, in AArch64).
const IL: u64 = 1 << 25;

/// The four kinds of vector entry, with their offset inside a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vector {
    Sync = 0x000,
    Irq = 0x080,
    Fiq = 0x100,
    SError = 0x180,
}

/// What the vCPU loop should do after [`handle_exit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Run on (an exception may have been entered: pc is wherever the guest goes next).
    Continue,
    /// WFI, WFE without a pending event, or PSCI CPU_SUSPEND: sleep until an interrupt is
    /// signalled (even a masked one, see [`wakeup_pending`]) or a device deadline passes,
    /// then continue; pc is already past the instruction.
    WaitForInterrupt,
    /// PSCI SYSTEM_OFF.
    PowerOff,
    /// PSCI SYSTEM_RESET: reset the machine (or exit with `--no-reboot`).
    Reset,
    /// PSCI CPU_OFF: this vCPU stops; with no other CPU running the machine is halted.
    CpuOff,
    /// `HLT #0xF000` with `SysCpu::semihosting` set: service the semihosting call (W0 =
    /// operation, X1 = parameter block), put the result in X0 and advance pc by 4 (pc is
    /// the HLT instruction).
    Semihosting,
    /// The emulator cannot continue (an exit that cannot happen in system mode).
    Fatal(String),
}

/// The SysCpu of `cpu`, or `None` in user mode.
fn sys_of<'a>(cpu: &mut CpuState) -> Option<&'a mut SysCpu> {
    // SAFETY: `cpu` is live and `sys`, when set, points to its live SysCpu, which the vCPU
    // thread that owns `cpu` alone uses (no other reference to it is alive here).
    unsafe { super::sys_cpu(cpu.as_mut_ptr()) }
}

/// Enters an exception of kind `vector` at EL1: SPSR_EL1 = PSTATE, ELR_EL1 =
/// `return_pc`, ESR_EL1 = `esr` for synchronous exceptions, FAR_EL1 = `far` when given;
/// PSTATE becomes EL1h with D, A, I and F masked; pc = VBAR_EL1 + the offset of the
/// (origin, kind) pair. The exclusive monitor is cleared.
pub fn enter(
    cpu: &mut CpuState,
    sys: &mut SysCpu,
    vector: Vector,
    esr: Option<u64>,
    far: Option<u64>,
    return_pc: u64,
) {
    let group = if sys.el == 0 {
        0x400 // lower EL, AArch64
    } else if sys.spsel == 0 {
        0x000 // current EL with SP_EL0
    } else {
        0x200 // current EL with SP_ELx
    };
    sys.regs.spsr = to_spsr(cpu, sys);
    sys.regs.elr = return_pc;
    if let Some(esr) = esr {
        sys.regs.esr = esr;
    }
    if let Some(far) = far {
        sys.regs.far = far;
    }
    let from_el = sys.el;
    set_pstate_mode(cpu, sys, 1, 1);
    sys.daif = daif::ALL;
    cpu.excl_addr = u64::MAX;
    cpu.core.pc = (sys.regs.vbar & !0x7ff) + group + vector as u64;
    // `--trace int`, like QEMU's `-d int` (ESR/FAR are news only for synchronous ones).
    let vector_pc = cpu.core.pc;
    if esr.is_some() {
        let (esr, far) = (sys.regs.esr, sys.regs.far);
        tracing::debug!(target: "int", "{vector:?} exception EL{from_el} -> EL1 at {return_pc:#x}: ESR {esr:#x} FAR {far:#x} -> {vector_pc:#x}");
    } else {
        tracing::debug!(target: "int", "{vector:?} EL{from_el} -> EL1 at {return_pc:#x} -> {vector_pc:#x}");
    }
}

/// A synchronous exception with class `class` and syndrome `iss`.
pub fn enter_sync(
    cpu: &mut CpuState,
    sys: &mut SysCpu,
    class: u64,
    iss: u64,
    far: Option<u64>,
    return_pc: u64,
) {
    let esr = class << 26 | IL | (iss & 0x1ff_ffff);
    enter(cpu, sys, Vector::Sync, Some(esr), far, return_pc);
}

/// The Undefined Instruction exception for the instruction at pc.
pub fn enter_undefined(cpu: &mut CpuState, sys: &mut SysCpu) {
    let pc = cpu.core.pc;
    enter_sync(cpu, sys, ec::UNKNOWN, 0, None, pc);
}

/// The ISS of a trapped MSR/MRS/SYS instruction (EC 0x18) from its encoding.
pub fn sys64_iss(raw: u32) -> u64 {
    use crate::decode::bits;
    let raw_u = |hi, lo| u64::from(bits(raw, hi, lo));
    raw_u(20, 19) << 20 // Op0
        | raw_u(7, 5) << 17 // Op2
        | raw_u(18, 16) << 14 // Op1
        | raw_u(15, 12) << 10 // CRn
        | raw_u(4, 0) << 5 // Rt
        | raw_u(11, 8) << 1 // CRm
        | raw_u(21, 21) // Direction: 1 = read (MRS, SYSL)
}

/// ERET: PSTATE from SPSR_EL1, pc from ELR_EL1. A return to a mode that does not exist
/// (AArch32, EL2, EL3, EL0h) is an illegal exception return: EL and SP stay, PSTATE.IL
/// is set, and the next instruction takes an Illegal Execution State exception — which
/// is what happens here at once, with ELR_EL1 = the return address.
/// Sets the event register and clears the exclusive monitor.
pub fn exception_return(cpu: &mut CpuState, sys: &mut SysCpu) {
    let saved = sys.regs.spsr;
    let target = sys.regs.elr;
    cpu.set_nzcv(saved & spsr::NZCV);
    sys.daif = saved & daif::ALL;
    recheck_interrupts(cpu, sys);
    sys.event = true;
    cpu.excl_addr = u64::MAX;
    match mode_from_spsr(saved) {
        Some((el, spsel)) if el <= sys.el => {
            tracing::debug!(target: "int", "exception return EL{} -> EL{el} at {target:#x}", sys.el);
            set_pstate_mode(cpu, sys, el, spsel);
            cpu.core.pc = target;
        }
        _ => {
            cpu.core.pc = target;
            enter_sync(cpu, sys, ec::ILLEGAL_STATE, 0, None, target);
            sys.regs.spsr |= spsr::IL;
        }
    }
}

/// Call after PSTATE.I or F may have been cleared (ERET, MSR DAIFClr, MSR DAIF): an
/// interrupt the board already signals must now be taken, but the vCPU loop only looks at
/// interrupts when the runtime returns, and the GIC kicked it (on the rising edge) while
/// the interrupt was still masked. Asking the runtime to stop at the next block boundary
/// gets it taken there.
pub fn recheck_interrupts(cpu: &mut CpuState, sys: &SysCpu) {
    let irq = sys.daif & daif::I == 0 && sys.platform.irq_pending(sys.index);
    let fiq = sys.daif & daif::F == 0 && sys.platform.fiq_pending(sys.index);
    if irq || fiq {
        cpu.core.interrupt = 1;
    }
}

/// Whether an interrupt is signalled to this CPU, masked or not: what ends WFI/WFE.
pub fn wakeup_pending(cpu: &mut CpuState) -> bool {
    let Some(sys) = sys_of(cpu) else {
        return false;
    };
    sys.platform.irq_pending(sys.index) || sys.platform.fiq_pending(sys.index)
}

/// Takes an IRQ or FIQ if the board signals one and PSTATE does not mask it (FIQ first).
/// Call before every `Runtime::run`; pc must be the next instruction to execute, which
/// becomes ELR_EL1. Returns whether an exception was entered.
pub fn take_pending_interrupt(cpu: &mut CpuState) -> bool {
    let Some(sys) = sys_of(cpu) else {
        return false;
    };
    let vector = if sys.daif & daif::F == 0 && sys.platform.fiq_pending(sys.index) {
        Vector::Fiq
    } else if sys.daif & daif::I == 0 && sys.platform.irq_pending(sys.index) {
        Vector::Irq
    } else {
        return false;
    };
    sys.event = true;
    let pc = cpu.core.pc;
    enter(cpu, sys, vector, None, None, pc);
    true
}

/// The fault a fault exit stands for: the one the softmmu recorded, or (for exits raised
/// outside it: a misaligned exclusive, a fetch from an unmappable pc) one rebuilt from
/// `fault_addr`.
fn fault_for(exit: Exit, cpu: &CpuState, sys: &mut SysCpu) -> Fault {
    if let Some(f) = sys.fault.take() {
        return f;
    }
    let el = sys.exception_level();
    let addr = cpu.core.fault_addr;
    let (kind, access) = match exit {
        Exit::ALIGNMENT => (FaultKind::Alignment, AccessKind::Read),
        Exit::FAULT_WRITE => (FaultKind::Translation, AccessKind::Write),
        Exit::FAULT_EXEC => (FaultKind::Translation, AccessKind::Fetch),
        _ => (FaultKind::Translation, AccessKind::Read),
    };
    Fault {
        kind,
        level: 0,
        va: addr,
        access: Access::new(access, el),
    }
}

/// Handles an exit of `Runtime::run` in system mode: synchronous exceptions are entered
/// (the loop just continues), firmware calls answered, and what the loop itself must do
/// is returned.
pub fn handle_exit(cpu: &mut CpuState, exit: Exit) -> Outcome {
    let Some(sys) = sys_of(cpu) else {
        return Outcome::Fatal(format!(
            "{} exit of a CPU that is not in system mode",
            exits::name(exit)
        ));
    };
    let pc = cpu.core.pc;
    let arg = cpu.core.exit_arg;
    match exit {
        Exit::JUMP | Exit::INTERRUPT | Exit::FLUSH_CODE | exits::YIELD | exits::EXCEPTION => {}
        exits::WFI => return Outcome::WaitForInterrupt,
        exits::SVC => enter_sync(cpu, sys, ec::SVC64, arg & 0xffff, None, pc),
        exits::BRK => enter_sync(cpu, sys, ec::BRK64, arg & 0xffff, None, pc),
        exits::HLT if arg == 0xf000 && sys.semihosting => return Outcome::Semihosting,
        exits::UNDEF | exits::HLT => {
            tracing::debug!(target: "unimp", "undefined instruction at {pc:#x} (EL{}): {arg:#x}", sys.el);
            enter_undefined(cpu, sys);
        }
        exits::SYSREG_TRAP => {
            let raw = cpu.core.fault_addr as u32;
            enter_sync(cpu, sys, ec::SYS64, sys64_iss(raw), None, pc);
        }
        exits::HVC | exits::SMC => {
            let x = [cpu.x[0], cpu.x[1], cpu.x[2], cpu.x[3]];
            match psci::call(sys, x) {
                psci::Effect::Return(v) => cpu.x[0] = v,
                psci::Effect::Suspend => {
                    cpu.x[0] = psci::ret::SUCCESS as u64;
                    return Outcome::WaitForInterrupt;
                }
                psci::Effect::CpuOff => return Outcome::CpuOff,
                psci::Effect::SystemOff => return Outcome::PowerOff,
                psci::Effect::SystemReset => return Outcome::Reset,
            }
        }
        Exit::FAULT_EXEC if sys.fault.is_none() && !pc.is_multiple_of(4) => {
            enter_sync(cpu, sys, ec::PC_ALIGNMENT, 0, Some(pc), pc);
        }
        Exit::FAULT_READ | Exit::FAULT_WRITE | Exit::FAULT_EXEC | Exit::ALIGNMENT => {
            let cache_maintenance = std::mem::take(&mut sys.fault_is_cache_maintenance);
            let fault = fault_for(exit, cpu, sys);
            let esr = fault.esr_el1(sys.exception_level(), cache_maintenance);
            enter(cpu, sys, Vector::Sync, Some(esr), Some(fault.va), pc);
        }
        other => {
            return Outcome::Fatal(format!(
                "unexpected {} exit ({:#x}) at pc {pc:#x}",
                exits::name(other),
                other.0
            ))
        }
    }
    Outcome::Continue
}
