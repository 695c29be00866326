//! MRS and MSR in system mode: the registers Linux 6.1 and bare-metal firmware use, with
//! the architecture's access rules for EL0 and EL1 (EL2 and EL3 do not exist, so their
//! registers are UNDEFINED). Registers of the board (generic timer CNT*, GICv3 ICC_*) are
//! forwarded to the [`Platform`](super::Platform); everything else unknown is UNDEFINED
//! and logged under the `unimp` tracing target.
//!
//! Not modelled: debug exceptions (the breakpoint/watchpoint registers are storage only),
//! PMU, AMU, RAS, SVE, pointer authentication, MTE — none is advertised by the ID
//! registers, so their registers UNDEF as on a CPU without them.

use super::pstate::{set_pstate_mode, set_sp_el0, sp_el0, update_dc_zva_trap};
use super::regs::{daif, enc, fields, sctlr, spsr, BREAKPOINTS, WATCHPOINTS};
use super::softmmu::{translation_regs_written, TranslationReg};
use super::SysCpu;
use crate::features as f;
use crate::sem::system::{FPCR_WRITABLE, FPSR_WRITABLE};
use crate::state::CpuState;

/// Why an access did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// UNDEFINED at this EL (Undefined Instruction exception, EC 0).
    Undefined,
    /// Disabled for EL0 by an EL1 control: trapped to EL1 (EC 0x18).
    Trapped,
}

/// Register encodings (op0, op1, CRn, CRm, op2).
pub mod r {
    use super::enc;
    pub const MIDR_EL1: u32 = enc(3, 0, 0, 0, 0);
    pub const MPIDR_EL1: u32 = enc(3, 0, 0, 0, 5);
    pub const REVIDR_EL1: u32 = enc(3, 0, 0, 0, 6);
    pub const ID_AA64PFR0_EL1: u32 = enc(3, 0, 0, 4, 0);
    pub const ID_AA64PFR1_EL1: u32 = enc(3, 0, 0, 4, 1);
    pub const ID_AA64ZFR0_EL1: u32 = enc(3, 0, 0, 4, 4);
    pub const ID_AA64DFR0_EL1: u32 = enc(3, 0, 0, 5, 0);
    pub const ID_AA64DFR1_EL1: u32 = enc(3, 0, 0, 5, 1);
    pub const ID_AA64ISAR0_EL1: u32 = enc(3, 0, 0, 6, 0);
    pub const ID_AA64ISAR1_EL1: u32 = enc(3, 0, 0, 6, 1);
    pub const ID_AA64MMFR0_EL1: u32 = enc(3, 0, 0, 7, 0);
    pub const ID_AA64MMFR1_EL1: u32 = enc(3, 0, 0, 7, 1);
    pub const ID_AA64MMFR2_EL1: u32 = enc(3, 0, 0, 7, 2);
    pub const CCSIDR_EL1: u32 = enc(3, 1, 0, 0, 0);
    pub const CLIDR_EL1: u32 = enc(3, 1, 0, 0, 1);
    pub const AIDR_EL1: u32 = enc(3, 1, 0, 0, 7);
    pub const CSSELR_EL1: u32 = enc(3, 2, 0, 0, 0);
    pub const CTR_EL0: u32 = enc(3, 3, 0, 0, 1);
    pub const DCZID_EL0: u32 = enc(3, 3, 0, 0, 7);
    pub const SCTLR_EL1: u32 = enc(3, 0, 1, 0, 0);
    pub const ACTLR_EL1: u32 = enc(3, 0, 1, 0, 1);
    pub const CPACR_EL1: u32 = enc(3, 0, 1, 0, 2);
    pub const TTBR0_EL1: u32 = enc(3, 0, 2, 0, 0);
    pub const TTBR1_EL1: u32 = enc(3, 0, 2, 0, 1);
    pub const TCR_EL1: u32 = enc(3, 0, 2, 0, 2);
    pub const SPSR_EL1: u32 = enc(3, 0, 4, 0, 0);
    pub const ELR_EL1: u32 = enc(3, 0, 4, 0, 1);
    pub const SP_EL0: u32 = enc(3, 0, 4, 1, 0);
    pub const SPSEL: u32 = enc(3, 0, 4, 2, 0);
    pub const CURRENTEL: u32 = enc(3, 0, 4, 2, 2);
    pub const ICC_PMR_EL1: u32 = enc(3, 0, 4, 6, 0);
    pub const NZCV: u32 = enc(3, 3, 4, 2, 0);
    pub const DAIF: u32 = enc(3, 3, 4, 2, 1);
    pub const FPCR: u32 = enc(3, 3, 4, 4, 0);
    pub const FPSR: u32 = enc(3, 3, 4, 4, 1);
    pub const AFSR0_EL1: u32 = enc(3, 0, 5, 1, 0);
    pub const AFSR1_EL1: u32 = enc(3, 0, 5, 1, 1);
    pub const ESR_EL1: u32 = enc(3, 0, 5, 2, 0);
    pub const FAR_EL1: u32 = enc(3, 0, 6, 0, 0);
    pub const PAR_EL1: u32 = enc(3, 0, 7, 4, 0);
    pub const MAIR_EL1: u32 = enc(3, 0, 10, 2, 0);
    pub const AMAIR_EL1: u32 = enc(3, 0, 10, 3, 0);
    pub const VBAR_EL1: u32 = enc(3, 0, 12, 0, 0);
    pub const RVBAR_EL1: u32 = enc(3, 0, 12, 0, 1);
    pub const ISR_EL1: u32 = enc(3, 0, 12, 1, 0);
    pub const CONTEXTIDR_EL1: u32 = enc(3, 0, 13, 0, 1);
    pub const TPIDR_EL1: u32 = enc(3, 0, 13, 0, 4);
    pub const TPIDR_EL0: u32 = enc(3, 3, 13, 0, 2);
    pub const TPIDRRO_EL0: u32 = enc(3, 3, 13, 0, 3);
    pub const CNTKCTL_EL1: u32 = enc(3, 0, 14, 1, 0);
    pub const CNTFRQ_EL0: u32 = enc(3, 3, 14, 0, 0);
    pub const CNTPCT_EL0: u32 = enc(3, 3, 14, 0, 1);
    pub const CNTVCT_EL0: u32 = enc(3, 3, 14, 0, 2);
    pub const MDCCINT_EL1: u32 = enc(2, 0, 0, 2, 0);
    pub const MDSCR_EL1: u32 = enc(2, 0, 0, 2, 2);
    pub const OSLAR_EL1: u32 = enc(2, 0, 1, 0, 4);
    pub const OSLSR_EL1: u32 = enc(2, 0, 1, 1, 4);
    pub const OSDLR_EL1: u32 = enc(2, 0, 1, 3, 4);
    pub const DBGPRCR_EL1: u32 = enc(2, 0, 1, 4, 4);
    pub const DBGCLAIMSET_EL1: u32 = enc(2, 0, 7, 8, 6);
    pub const DBGCLAIMCLR_EL1: u32 = enc(2, 0, 7, 9, 6);
    pub const DBGAUTHSTATUS_EL1: u32 = enc(2, 0, 7, 14, 6);
}

/// TCR_EL1 fields of ARMv8.0 (T0SZ..TBI1 without HA/HD, which are not implemented);
/// bits 6 and 35 are RES0.
const TCR_WRITABLE: u64 = ((1 << 39) - 1) & !(1 << 6) & !(1 << 35);
/// TTBRn_EL1: ASID and BADDR; CnP (bit 0) is RES0 without FEAT_TTCNP.
const TTBR_WRITABLE: u64 = !1;
/// CPACR_EL1.FPEN.
const CPACR_WRITABLE: u64 = 3 << 20;
/// MDSCR_EL1 bits kept: SS (0), TDCC (12), KDE (13), MDE (15), the fields a kernel
/// writes. Kept as written; debug events are never generated.
const MDSCR_WRITABLE: u64 = 1 | (1 << 12) | (1 << 13) | (1 << 15);
/// DBGBCR/DBGWCR: the architected fields (BT/LBN/BAS/HMC/PMC/E and the watchpoint ones).
const DBG_CTRL_WRITABLE: u64 = 0x1ff_ffff;
/// DBGBVR/DBGWVR: the address (bits 1:0 RES0 for breakpoints, 2:0 for watchpoints).
const DBG_VALUE_WRITABLE: u64 = !3;
/// OSLSR_EL1.OSLM = 0b10: the OS lock is implemented.
const OSLSR_OSLM: u64 = 1 << 3;
/// CNTKCTL_EL1 EL0 access enables.
mod cntkctl {
    pub const EL0PCTEN: u64 = 1 << 0;
    pub const EL0VCTEN: u64 = 1 << 1;
    pub const EL0VTEN: u64 = 1 << 8;
    pub const EL0PTEN: u64 = 1 << 9;
}

/// Whether an encoding belongs to the board: the generic timer (CNT*: CRn = 14) and the
/// GICv3 CPU interface (ICC_*: CRn = 12 with CRm ≥ 8, and ICC_PMR_EL1), EL0/EL1 forms.
fn is_board_register(encoding: u32) -> bool {
    let (op0, op1, crn, crm, _) = fields(encoding);
    op0 == 3
        && (op1 == 0 || op1 == 3)
        && (crn == 14 || (crn == 12 && crm >= 8) || encoding == r::ICC_PMR_EL1)
}

/// The EL0 rule for a board (timer) register: which CNTKCTL_EL1 bit opens it.
/// ICC_* registers are EL1-only.
fn el0_board_access(sys: &SysCpu, encoding: u32) -> Result<(), Denied> {
    let (_, op1, crn, crm, op2) = fields(encoding);
    if op1 != 3 || crn != 14 {
        return Err(Denied::Undefined);
    }
    let need = match (crm, op2) {
        (0, 0) => cntkctl::EL0PCTEN | cntkctl::EL0VCTEN, // CNTFRQ: either opens it
        (0, 1) => cntkctl::EL0PCTEN,
        (0, 2) => cntkctl::EL0VCTEN,
        (2, _) => cntkctl::EL0PTEN,
        (3, _) => cntkctl::EL0VTEN,
        _ => return Err(Denied::Undefined),
    };
    let ctl = sys
        .platform
        .read_sysreg(sys.index, r::CNTKCTL_EL1)
        .unwrap_or(0);
    if ctl & need != 0 {
        Ok(())
    } else {
        Err(Denied::Trapped)
    }
}

/// The EL0 rules for the CPU's own registers: which are reachable at all, and which an
/// SCTLR_EL1 bit opens.
fn el0_cpu_access(sys: &SysCpu, encoding: u32, write: bool) -> Result<(), Denied> {
    let sctlr = sys.mmu.sctlr_el1;
    let open_if = |bit: u64| {
        if sctlr & bit != 0 {
            Ok(())
        } else {
            Err(Denied::Trapped)
        }
    };
    match encoding {
        r::NZCV | r::FPCR | r::FPSR | r::TPIDR_EL0 => Ok(()),
        r::TPIDRRO_EL0 | r::DCZID_EL0 if !write => Ok(()),
        r::CTR_EL0 if !write => open_if(sctlr::UCT),
        r::DAIF => open_if(sctlr::UMA),
        _ => Err(Denied::Undefined),
    }
}

/// The ID register space (op0 = 3, op1 = 0, CRn = 0, CRm = 1..7): named registers have
/// their values; the rest of the space is reserved and reads as zero (RAZ), which covers
/// the AArch32 ID registers of a CPU without AArch32.
fn id_register(sys: &SysCpu, encoding: u32) -> Option<u64> {
    let (op0, op1, crn, crm, _) = fields(encoding);
    Some(match encoding {
        r::ID_AA64PFR0_EL1 => f::system_id_aa64pfr0(sys.platform.has_gic_sysregs()),
        r::ID_AA64PFR1_EL1 => f::ID_AA64PFR1_EL1,
        r::ID_AA64ZFR0_EL1 => f::ID_AA64ZFR0_EL1,
        r::ID_AA64DFR0_EL1 => f::ID_AA64DFR0_EL1,
        r::ID_AA64DFR1_EL1 => f::ID_AA64DFR1_EL1,
        r::ID_AA64ISAR0_EL1 => f::ID_AA64ISAR0_EL1,
        r::ID_AA64ISAR1_EL1 => f::ID_AA64ISAR1_EL1,
        r::ID_AA64MMFR0_EL1 => f::ID_AA64MMFR0_EL1,
        r::ID_AA64MMFR1_EL1 => f::ID_AA64MMFR1_EL1,
        r::ID_AA64MMFR2_EL1 => f::ID_AA64MMFR2_EL1,
        _ if (op0, op1, crn) == (3, 0, 0) && (1..=7).contains(&crm) => 0,
        _ => return None,
    })
}

/// Which breakpoint/watchpoint register an encoding names: (n, op2) for
/// DBG{B,W}{V,C}Rn_EL1 = (2, 0, 0, n, 4..7).
fn debug_pair(encoding: u32) -> Option<(usize, u32)> {
    let (op0, op1, crn, crm, op2) = fields(encoding);
    if (op0, op1, crn) != (2, 0, 0) || op2 < 4 {
        return None;
    }
    let n = crm as usize;
    let exists = match op2 {
        4 | 5 => n < BREAKPOINTS,
        _ => n < WATCHPOINTS,
    };
    exists.then_some((n, op2))
}

fn log_unimplemented(sys: &SysCpu, encoding: u32, write: bool) {
    let (op0, op1, crn, crm, op2) = fields(encoding);
    let what = if write { "MSR to" } else { "MRS of" };
    tracing::warn!(target: "unimp", "EL{}: {what} unimplemented system register s{op0}_{op1}_c{crn}_c{crm}_{op2}: UNDEF", sys.el);
}

/// MRS of `encoding` at the current EL.
pub fn read(cpu: &mut CpuState, sys: &mut SysCpu, encoding: u32) -> Result<u64, Denied> {
    if is_board_register(encoding) {
        if sys.el == 0 {
            el0_board_access(sys, encoding)?;
        }
        return sys
            .platform
            .read_sysreg(sys.index, encoding)
            .ok_or_else(|| {
                log_unimplemented(sys, encoding, false);
                Denied::Undefined
            });
    }
    if sys.el == 0 {
        el0_cpu_access(sys, encoding, false)?;
    }
    if let Some(v) = id_register(sys, encoding) {
        return Ok(v);
    }
    let regs = &sys.regs;
    Ok(match encoding {
        r::MIDR_EL1 => f::MIDR_EL1,
        r::MPIDR_EL1 => sys.mpidr(),
        r::REVIDR_EL1 => f::REVIDR_EL1,
        r::CCSIDR_EL1 => f::CCSIDR_EL1
            .get(regs.csselr as usize)
            .copied()
            .unwrap_or(0),
        r::CLIDR_EL1 => f::CLIDR_EL1,
        r::AIDR_EL1 => 0,
        r::CSSELR_EL1 => regs.csselr,
        r::CTR_EL0 => f::SYSTEM_CTR_EL0,
        r::DCZID_EL0 => {
            // DZP (bit 4): DC ZVA is prohibited at this EL.
            let prohibited = sys.el == 0 && sys.mmu.sctlr_el1 & sctlr::DZE == 0;
            f::DCZID_EL0 | u64::from(prohibited) << 4
        }
        r::SCTLR_EL1 => sys.mmu.sctlr_el1,
        r::ACTLR_EL1 | r::AFSR0_EL1 | r::AFSR1_EL1 | r::AMAIR_EL1 | r::RVBAR_EL1 => 0,
        r::CPACR_EL1 => regs.cpacr,
        r::TTBR0_EL1 => sys.mmu.ttbr0_el1,
        r::TTBR1_EL1 => sys.mmu.ttbr1_el1,
        r::TCR_EL1 => sys.mmu.tcr_el1,
        r::MAIR_EL1 => sys.mmu.mair_el1,
        r::SPSR_EL1 => regs.spsr,
        r::ELR_EL1 => regs.elr,
        // SP_EL0 is not accessible while it is the current stack pointer.
        r::SP_EL0 if sys.spsel == 0 => return Err(Denied::Undefined),
        r::SP_EL0 => sp_el0(cpu, sys),
        r::SPSEL => u64::from(sys.spsel),
        r::CURRENTEL => u64::from(sys.el) << 2,
        r::NZCV => cpu.nzcv(),
        r::DAIF => sys.daif,
        r::FPCR => cpu.fpcr,
        r::FPSR => cpu.fpsr,
        r::ESR_EL1 => regs.esr,
        r::FAR_EL1 => regs.far,
        r::PAR_EL1 => regs.par,
        r::VBAR_EL1 => regs.vbar,
        r::ISR_EL1 => {
            let irq = sys.platform.irq_pending(sys.index);
            let fiq = sys.platform.fiq_pending(sys.index);
            (u64::from(irq) * daif::I) | (u64::from(fiq) * daif::F)
        }
        r::CONTEXTIDR_EL1 => regs.contextidr,
        r::TPIDR_EL1 => regs.tpidr_el1,
        r::TPIDR_EL0 => cpu.tpidr_el0,
        r::TPIDRRO_EL0 => cpu.tpidrro_el0,
        r::MDCCINT_EL1 => regs.mdccint,
        r::MDSCR_EL1 => regs.mdscr,
        r::OSLSR_EL1 => OSLSR_OSLM | u64::from(regs.os_lock) << 1,
        r::OSDLR_EL1 => regs.osdlr,
        r::DBGPRCR_EL1 => regs.dbgprcr,
        r::DBGCLAIMSET_EL1 | r::DBGCLAIMCLR_EL1 => regs.dbgclaim,
        // No debug authentication: every kind of debug is "not implemented" (0b00 fields).
        r::DBGAUTHSTATUS_EL1 => 0,
        _ => match debug_pair(encoding) {
            Some((n, 4)) => regs.dbgbvr[n],
            Some((n, 5)) => regs.dbgbcr[n],
            Some((n, 6)) => regs.dbgwvr[n],
            Some((n, _)) => regs.dbgwcr[n],
            None => {
                log_unimplemented(sys, encoding, false);
                return Err(Denied::Undefined);
            }
        },
    })
}

/// MSR of `value` to `encoding` at the current EL.
pub fn write(
    cpu: &mut CpuState,
    sys: &mut SysCpu,
    encoding: u32,
    value: u64,
) -> Result<(), Denied> {
    if is_board_register(encoding) {
        if sys.el == 0 {
            el0_board_access(sys, encoding)?;
        }
        if sys.platform.write_sysreg(sys.index, encoding, value) {
            return Ok(());
        }
        log_unimplemented(sys, encoding, true);
        return Err(Denied::Undefined);
    }
    if sys.el == 0 {
        el0_cpu_access(sys, encoding, true)?;
    }
    let regs = &mut sys.regs;
    match encoding {
        r::CSSELR_EL1 => regs.csselr = value & 0xf,
        r::SCTLR_EL1 => {
            let v = (value & sctlr::WRITABLE) | sctlr::RES1;
            translation_regs_written(sys, TranslationReg::Sctlr, v);
            update_dc_zva_trap(cpu, sys);
        }
        // IMPLEMENTATION DEFINED registers with nothing implemented: writes ignored.
        r::ACTLR_EL1 | r::AFSR0_EL1 | r::AFSR1_EL1 | r::AMAIR_EL1 => {}
        r::CPACR_EL1 => regs.cpacr = value & CPACR_WRITABLE,
        r::TTBR0_EL1 => translation_regs_written(sys, TranslationReg::Ttbr0, value & TTBR_WRITABLE),
        r::TTBR1_EL1 => translation_regs_written(sys, TranslationReg::Ttbr1, value & TTBR_WRITABLE),
        r::TCR_EL1 => translation_regs_written(sys, TranslationReg::Tcr, value & TCR_WRITABLE),
        r::MAIR_EL1 => translation_regs_written(sys, TranslationReg::Mair, value),
        r::SPSR_EL1 => regs.spsr = value & spsr::WRITABLE,
        r::ELR_EL1 => regs.elr = value,
        r::SP_EL0 if sys.spsel == 0 => return Err(Denied::Undefined),
        r::SP_EL0 => set_sp_el0(cpu, sys, value),
        r::SPSEL => set_pstate_mode(cpu, sys, 1, (value & 1) as u8),
        r::NZCV => cpu.set_nzcv(value),
        r::DAIF => {
            sys.daif = value & daif::ALL;
            super::exception::recheck_interrupts(cpu, sys);
        }
        r::FPCR => cpu.fpcr = value & FPCR_WRITABLE,
        r::FPSR => cpu.fpsr = value & FPSR_WRITABLE,
        r::ESR_EL1 => regs.esr = value & 0xffff_ffff,
        r::FAR_EL1 => regs.far = value,
        r::PAR_EL1 => regs.par = value,
        r::VBAR_EL1 => regs.vbar = value & !0x7ff,
        r::CONTEXTIDR_EL1 => regs.contextidr = value & 0xffff_ffff,
        r::TPIDR_EL1 => regs.tpidr_el1 = value,
        r::TPIDR_EL0 => cpu.tpidr_el0 = value,
        r::TPIDRRO_EL0 => cpu.tpidrro_el0 = value,
        r::MDCCINT_EL1 => regs.mdccint = value & (1 << 30 | 1 << 29),
        r::MDSCR_EL1 => regs.mdscr = value & MDSCR_WRITABLE,
        r::OSLAR_EL1 => regs.os_lock = value & 1 != 0,
        r::OSDLR_EL1 => regs.osdlr = value & 1,
        r::DBGPRCR_EL1 => regs.dbgprcr = value & 1,
        r::DBGCLAIMSET_EL1 => regs.dbgclaim |= value & 0xff,
        r::DBGCLAIMCLR_EL1 => regs.dbgclaim &= !(value & 0xff),
        _ => match debug_pair(encoding) {
            Some((n, 4)) => regs.dbgbvr[n] = value & DBG_VALUE_WRITABLE,
            Some((n, 5)) => regs.dbgbcr[n] = value & DBG_CTRL_WRITABLE,
            Some((n, 6)) => regs.dbgwvr[n] = value & !7,
            Some((n, _)) => regs.dbgwcr[n] = value & DBG_CTRL_WRITABLE,
            None => {
                // Read-only registers (ID space, CurrentEL, ISR...) and unknown ones.
                log_unimplemented(sys, encoding, true);
                return Err(Denied::Undefined);
            }
        },
    }
    Ok(())
}
