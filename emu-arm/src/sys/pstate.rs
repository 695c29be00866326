//! PSTATE in system mode: the exception level and stack-pointer selection (which decide
//! which banked SP is `X[31]`), DAIF, and their packing into SPSR_EL1.
//!
//! N, Z, C, V live in `CpuState` (translated code keeps them); EL, SPSel and DAIF live in
//! [`SysCpu`] because only helpers and the run loop change them, and every change ends
//! the block.

use super::regs::{daif, spsr};
use super::SysCpu;
use crate::state::CpuState;

/// Whether the current stack pointer is SP_EL0.
fn uses_sp_el0(el: u8, spsel: u8) -> bool {
    el == 0 || spsel == 0
}

/// Changes PSTATE.EL and PSTATE.SP, moving the stack pointers between `X[31]` and their
/// banks, and selects the TLB of the new EL.
pub fn set_pstate_mode(cpu: &mut CpuState, sys: &mut SysCpu, el: u8, spsel: u8) {
    if uses_sp_el0(sys.el, sys.spsel) {
        sys.sp_el0 = cpu.x[31];
    } else {
        sys.sp_el1 = cpu.x[31];
    }
    sys.el = el.min(1);
    sys.spsel = spsel & 1;
    cpu.x[31] = if uses_sp_el0(sys.el, sys.spsel) {
        sys.sp_el0
    } else {
        sys.sp_el1
    };
    point_tlb(cpu, sys);
    update_dc_zva_trap(cpu, sys);
}

/// Recomputes `CpuState::dc_zva_trap` (after a change of EL or of SCTLR_EL1).
pub fn update_dc_zva_trap(cpu: &mut CpuState, sys: &SysCpu) {
    let denied = sys.el == 0 && sys.mmu.sctlr_el1 & super::regs::sctlr::DZE == 0;
    cpu.dc_zva_trap = u64::from(denied);
}

/// Points `cpu.tlb` at the TLB of the current EL (what `softmmu::select_tlb` does, for
/// callers that already hold the `SysCpu`).
pub fn point_tlb(cpu: &mut CpuState, sys: &SysCpu) {
    if let Some(tlb) = sys.tlbs.tlb(sys.exception_level().tlb_context()) {
        cpu.tlb = tlb.entries_ptr() as u64;
    }
}

/// SP_EL0 as MRS/MSR at EL1 see it (wherever it currently lives).
pub fn sp_el0(cpu: &CpuState, sys: &SysCpu) -> u64 {
    if uses_sp_el0(sys.el, sys.spsel) {
        cpu.x[31]
    } else {
        sys.sp_el0
    }
}

pub fn set_sp_el0(cpu: &mut CpuState, sys: &mut SysCpu, v: u64) {
    if uses_sp_el0(sys.el, sys.spsel) {
        cpu.x[31] = v;
    } else {
        sys.sp_el0 = v;
    }
}

/// The M[3:0] field for the current EL and SP selection: EL0t = 0, EL1t = 4, EL1h = 5.
pub fn mode_bits(sys: &SysCpu) -> u64 {
    if sys.el == 0 {
        0
    } else {
        4 | u64::from(sys.spsel & 1)
    }
}

/// PSTATE as SPSR_EL1 records it on exception entry.
pub fn to_spsr(cpu: &CpuState, sys: &SysCpu) -> u64 {
    cpu.nzcv() | (sys.daif & daif::ALL) | mode_bits(sys)
}

/// The EL and SPSel an SPSR's M field names, or `None` when returning there is illegal
/// (AArch32, EL2/EL3, which do not exist here, or the reserved EL0h encoding).
pub fn mode_from_spsr(value: u64) -> Option<(u8, u8)> {
    match value & spsr::M {
        0b00000 => Some((0, 0)),
        0b00100 => Some((1, 0)),
        0b00101 => Some((1, 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spsr_modes() {
        assert_eq!(mode_from_spsr(0x3c5), Some((1, 1)));
        assert_eq!(mode_from_spsr(0x3c4), Some((1, 0)));
        assert_eq!(mode_from_spsr(0x0), Some((0, 0)));
        assert_eq!(mode_from_spsr(0x1), None, "EL0h does not exist");
        assert_eq!(mode_from_spsr(0x9), None, "EL2h is not implemented");
        assert_eq!(mode_from_spsr(0x10), None, "AArch32 is not implemented");
    }
}
