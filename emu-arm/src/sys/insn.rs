//! The state helpers the system-instruction semantics (`sem/system.rs`) call, in both
//! modes: with `CpuState::sys` = 0 they do what user mode always did (EL0 under Linux:
//! EL1-only instructions UNDEF), otherwise they act as the system-mode CPU at its current
//! EL. Each returns 0 to continue or an exit code:
//! - `exits::UNDEF` (pc = the instruction, exit_arg = its bits);
//! - `exits::SYSREG_TRAP` (pc = the instruction, fault_addr = its bits);
//! - a fault exit (fault_addr = the address; the fault is in `SysCpu::fault`);
//! - `exits::WFI` (pc = the next instruction) or `exits::EXCEPTION` (pc = a vector).
//!
//! An MSR or ERET that leaves an unmasked interrupt pending asks the runtime to stop at
//! the next block boundary (`exception::recheck_interrupts`): translated code runs on from
//! block to block without asking the loop, and the device that raised the line while it
//! was masked will not ask again.
//!
//! `call_state` has already stored the instruction's pc and written back every register.

use super::exception::{self, ec};
use super::pstate::set_pstate_mode;
use super::regs::{daif, encoding_of, fields, sctlr};
use super::sysops::{self, SysOpError};
use super::sysreg::{self, Denied};
use super::SysCpu;
use crate::decode::bits;
use crate::decode::system::{sysreg as el0_sysreg, SysReg};
use crate::exits;
use crate::features;
use crate::state::CpuState;
use emu_core::emit::Exit;

/// The CPU state and, in system mode, its SysCpu.
///
/// # Safety
/// `state` is a live `CpuState` used by this thread only, whose `sys` is 0 or points to
/// its live SysCpu, which nothing else borrows during the helper.
unsafe fn split<'a>(state: *mut u8) -> (&'a mut CpuState, Option<&'a mut SysCpu>) {
    // SAFETY: caller's contract; the two structs are distinct objects.
    unsafe {
        let sys = super::sys_cpu(state);
        (&mut *(state as *mut CpuState), sys)
    }
}

fn undef(cpu: &mut CpuState, raw: u32) -> u64 {
    cpu.core.exit_arg = u64::from(raw);
    exits::UNDEF.0
}

fn denied(cpu: &mut CpuState, raw: u32, d: Denied) -> u64 {
    match d {
        Denied::Undefined => undef(cpu, raw),
        Denied::Trapped => {
            cpu.core.fault_addr = u64::from(raw);
            exits::SYSREG_TRAP.0
        }
    }
}

fn set_rt(cpu: &mut CpuState, raw: u32, v: u64) {
    let rt = bits(raw, 4, 0) as usize;
    if rt != 31 {
        cpu.x[rt] = v;
    }
}

/// What user mode reads for an MRS the semantics do not do inline.
/// (The semantics read NZCV, FPCR, FPSR and the thread pointers inline; they are here too
/// so that the helper is complete on its own.)
fn user_mrs(cpu: &CpuState, raw: u32) -> Option<u64> {
    Some(match el0_sysreg(raw)? {
        SysReg::Nzcv => cpu.nzcv(),
        SysReg::Fpcr => cpu.fpcr,
        SysReg::Fpsr => cpu.fpsr,
        SysReg::TpidrEl0 => cpu.tpidr_el0,
        SysReg::TpidrroEl0 => cpu.tpidrro_el0,
        SysReg::CtrEl0 => features::CTR_EL0,
        SysReg::DczidEl0 => features::DCZID_EL0,
        SysReg::CntfrqEl0 => features::CNTFRQ_EL0,
        SysReg::CntvctEl0 => crate::sem::system::host_monotonic_ns(0, 0, 0),
        SysReg::Id(v) => v,
    })
}

/// `MRS Xt, <reg>` (a = the instruction word).
///
/// # Safety
/// A state helper: `state` is the live CPU state (see [`split`]).
pub unsafe extern "C" fn mrs(state: *mut u8, a: u64, _: u64, _: u64) -> u64 {
    let raw = a as u32;
    // SAFETY: caller's contract.
    let (cpu, sys) = unsafe { split(state) };
    let value = match sys {
        None => user_mrs(cpu, raw).ok_or(Denied::Undefined),
        Some(sys) => sysreg::read(cpu, sys, encoding_of(raw)),
    };
    match value {
        Ok(v) => {
            set_rt(cpu, raw, v);
            0
        }
        Err(d) => denied(cpu, raw, d),
    }
}

/// `MSR <reg>, Xt` (a = the instruction word, b = Xt).
///
/// # Safety
/// A state helper.
pub unsafe extern "C" fn msr(state: *mut u8, a: u64, b: u64, _: u64) -> u64 {
    let raw = a as u32;
    // SAFETY: caller's contract.
    let (cpu, sys) = unsafe { split(state) };
    match sys {
        // User mode: EL0 under Linux writes NZCV, FPCR, FPSR and TPIDR_EL0 (which the
        // semantics do inline) and nothing else.
        None => match el0_sysreg(raw) {
            Some(SysReg::Nzcv) => {
                cpu.set_nzcv(b);
                0
            }
            Some(SysReg::Fpcr) => {
                cpu.fpcr = b & crate::sem::system::FPCR_WRITABLE;
                0
            }
            Some(SysReg::Fpsr) => {
                cpu.fpsr = b & crate::sem::system::FPSR_WRITABLE;
                0
            }
            Some(SysReg::TpidrEl0) => {
                cpu.tpidr_el0 = b;
                0
            }
            _ => undef(cpu, raw),
        },
        // Any MSR may unmask or raise an interrupt (DAIF, ICC_PMR/EOIR, timer controls).
        Some(sys) => match sysreg::write(cpu, sys, encoding_of(raw), b) {
            Ok(()) => {
                exception::recheck_interrupts(cpu, sys);
                0
            }
            Err(d) => denied(cpu, raw, d),
        },
    }
}

/// `MSR <pstatefield>, #imm` (a = the instruction word): DAIFSet, DAIFClr, SPSel.
/// PAN, UAO, SSBS, DIT and TCO are not implemented (not advertised): UNDEF.
///
/// # Safety
/// A state helper.
pub unsafe extern "C" fn msr_imm(state: *mut u8, a: u64, _: u64, _: u64) -> u64 {
    let raw = a as u32;
    // SAFETY: caller's contract.
    let (cpu, sys) = unsafe { split(state) };
    let Some(sys) = sys else {
        return undef(cpu, raw);
    };
    let (op1, crm, op2) = (
        bits(raw, 18, 16),
        u64::from(bits(raw, 11, 8)),
        bits(raw, 7, 5),
    );
    let el0_daif = sys.mmu.sctlr_el1 & sctlr::UMA != 0;
    match (op1, op2) {
        (3, 6 | 7) if sys.el == 0 && !el0_daif => denied(cpu, raw, Denied::Trapped),
        (3, 6) => {
            sys.daif |= (crm << 6) & daif::ALL;
            0
        }
        (3, 7) => {
            sys.daif &= !(crm << 6);
            exception::recheck_interrupts(cpu, sys);
            0
        }
        (0, 5) if sys.el == 1 => {
            set_pstate_mode(cpu, sys, 1, (crm & 1) as u8);
            0
        }
        _ => undef(cpu, raw),
    }
}

/// `SYS #op1, Cn, Cm, #op2, Xt` other than DC ZVA (a = the instruction word, b = Xt).
///
/// # Safety
/// A state helper.
pub unsafe extern "C" fn sys_op(state: *mut u8, a: u64, b: u64, _: u64) -> u64 {
    let raw = a as u32;
    // SAFETY: caller's contract.
    let (cpu, sys) = unsafe { split(state) };
    let Some(sys) = sys else {
        return user_sys_op(cpu, raw);
    };
    let (_, op1, crn, crm, op2) = fields(encoding_of(raw));
    match sysops::execute(sys, (op1, crn, crm, op2), b) {
        Ok(()) => 0,
        Err(SysOpError::Denied(d)) => denied(cpu, raw, d),
        Err(SysOpError::Fault(f)) => {
            cpu.core.fault_addr = f.va;
            sys.fault = Some(f);
            sys.fault_is_cache_maintenance = true;
            Exit::FAULT_READ.0
        }
    }
}

/// User mode: DC CVAU/CVAC/CIVAC are no-ops (a coherent host; QEMU does not fault on
/// unmapped addresses here either); IC IVAU marks translations stale until the next
/// context synchronisation; everything else UNDEFs.
fn user_sys_op(cpu: &mut CpuState, raw: u32) -> u64 {
    use crate::decode::system::{sys_op as el0_sys_op, SysOp};
    match el0_sys_op(raw) {
        Some(SysOp::DcClean) => 0,
        Some(SysOp::IcIvau) => {
            cpu.code_dirty = 1;
            0
        }
        // DC ZVA runs inline; anything else is not for EL0.
        Some(SysOp::DcZva) | None => undef(cpu, raw),
    }
}

/// Gate of the instructions that exist only above EL0 and end in an exit the loop
/// handles (HVC, SMC): UNDEF in user mode and at EL0.
///
/// # Safety
/// A state helper.
pub unsafe extern "C" fn el1_only(state: *mut u8, a: u64, _: u64, _: u64) -> u64 {
    // SAFETY: caller's contract.
    let (cpu, sys) = unsafe { split(state) };
    match sys {
        Some(sys) if sys.el >= 1 => 0,
        _ => undef(cpu, a as u32),
    }
}

/// `ERET` (a = the instruction word): UNDEF in user mode and at EL0; otherwise the
/// exception return, leaving the new pc in the state for the semantics' indirect jump.
///
/// # Safety
/// A state helper.
pub unsafe extern "C" fn eret(state: *mut u8, a: u64, _: u64, _: u64) -> u64 {
    // SAFETY: caller's contract.
    let (cpu, sys) = unsafe { split(state) };
    match sys {
        Some(sys) if sys.el >= 1 => {
            exception::exception_return(cpu, sys);
            0
        }
        _ => undef(cpu, a as u32),
    }
}

/// CNTKCTL_EL1.EVNTEN: the generic timer generates a periodic event stream.
fn event_stream_on(sys: &SysCpu) -> bool {
    const EVNTEN: u64 = 1 << 2;
    let ctl = sys.platform.read_sysreg(sys.index, sysreg::r::CNTKCTL_EL1);
    ctl.unwrap_or(0) & EVNTEN != 0
}

/// Hint numbers with a system-mode meaning.
pub mod hint {
    pub const WFE: u32 = 2;
    pub const WFI: u32 = 3;
    pub const SEV: u32 = 4;
    pub const SEVL: u32 = 5;
}

/// `WFE`, `WFI`, `SEV`, `SEVL` (a = the hint number, b = the next instruction's pc).
/// User mode: NOPs (an event or interrupt may always arrive spuriously). System mode:
/// WFI, and WFE without a pending event, exit to the loop to sleep; at EL0 they trap to
/// EL1 unless SCTLR_EL1.nTWI / nTWE allow them; SEV/SEVL set the event register (one CPU:
/// SEV's event reaches only itself). With the timer's event stream on (CNTKCTL_EL1.EVNTEN)
/// WFE returns at once, standing in for the stream's next event: software relies on the
/// stream to bound WFE (Linux's `udelay` loops on WFE), and the loop's sleep knows only
/// interrupts and device deadlines.
///
/// # Safety
/// A state helper.
pub unsafe extern "C" fn wait_or_event(state: *mut u8, a: u64, b: u64, _: u64) -> u64 {
    // SAFETY: caller's contract.
    let (cpu, sys) = unsafe { split(state) };
    let Some(sys) = sys else {
        return 0;
    };
    let n = a as u32;
    let sctlr = sys.mmu.sctlr_el1;
    match n {
        hint::SEV | hint::SEVL => {
            sys.event = true;
            0
        }
        hint::WFE if sys.event || event_stream_on(sys) => {
            sys.event = false;
            0
        }
        hint::WFE | hint::WFI => {
            let allowed = if n == hint::WFI {
                sctlr & sctlr::NTWI != 0
            } else {
                sctlr & sctlr::NTWE != 0
            };
            if sys.el == 0 && !allowed {
                // ISS: CV = 1, COND = AL (0xE), TI = 1 for WFE.
                let iss = 1 << 24 | 0xe << 20 | u64::from(n == hint::WFE);
                let pc = cpu.core.pc;
                exception::enter_sync(cpu, sys, ec::WFX, iss, None, pc);
                return exits::EXCEPTION.0;
            }
            cpu.core.pc = b;
            exits::WFI.0
        }
        _ => 0,
    }
}
