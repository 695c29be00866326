//! The EL1 system registers that live in the CPU itself (the translation registers live in
//! `SysCpu::mmu`, the timer and GIC CPU-interface registers on the board), their reset
//! values and the bits of them that exist in an ARMv8.0 AArch64-only CPU.

/// Packs op0:op1:CRn:CRm:op2 the way MRS/MSR encode them in bits [20:5] (the key the
/// [`Platform`](super::Platform) sysreg calls use).
pub const fn enc(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    (op0 & 3) << 14 | (op1 & 7) << 11 | (crn & 15) << 7 | (crm & 15) << 3 | (op2 & 7)
}

/// The encoding an MRS/MSR/SYS word names.
pub const fn encoding_of(raw: u32) -> u32 {
    (raw >> 5) & 0xffff
}

/// The fields of an encoding: (op0, op1, CRn, CRm, op2).
pub const fn fields(encoding: u32) -> (u32, u32, u32, u32, u32) {
    (
        encoding >> 14 & 3,
        encoding >> 11 & 7,
        encoding >> 7 & 15,
        encoding >> 3 & 15,
        encoding & 7,
    )
}

/// SCTLR_EL1 bits.
pub mod sctlr {
    pub const M: u64 = 1 << 0;
    pub const A: u64 = 1 << 1;
    pub const C: u64 = 1 << 2;
    pub const SA: u64 = 1 << 3;
    pub const SA0: u64 = 1 << 4;
    /// EL0 may access DAIF (MRS, MSR, MSR DAIFSet/DAIFClr).
    pub const UMA: u64 = 1 << 9;
    pub const I: u64 = 1 << 12;
    /// EL0 may execute DC ZVA (and DCZID_EL0.DZP reads 0 there).
    pub const DZE: u64 = 1 << 14;
    /// EL0 may read CTR_EL0.
    pub const UCT: u64 = 1 << 15;
    pub const NTWI: u64 = 1 << 16;
    pub const NTWE: u64 = 1 << 18;
    pub const WXN: u64 = 1 << 19;
    /// EL0 may execute DC CVAU/CVAC/CIVAC and IC IVAU.
    pub const UCI: u64 = 1 << 26;
    /// Bits that are RES1 in ARMv8.0 (they became LSMAOE, nTLSMD, SPAN, EIS, TSCXT and EOS
    /// in later versions, none of which this CPU implements).
    pub const RES1: u64 = (1 << 29) | (1 << 28) | (1 << 23) | (1 << 22) | (1 << 20) | (1 << 11);
    /// The ARMv8.0 fields this CPU keeps. EE/E0E are RES0: no big-endian support
    /// (ID_AA64MMFR0.BigEnd = BigEndEL0 = 0). A, SA, SA0, C, I, nTWI, nTWE are kept as
    /// written but have no effect (alignment and SP-alignment checks are not generated,
    /// caches are not modelled, WFI/WFE are never trapped: there is no higher EL).
    pub const WRITABLE: u64 = M | A | C | SA | SA0 | UMA | I | DZE | UCT | NTWI | NTWE | WXN | UCI;
    /// Value at reset: MMU and caches off, SP alignment checks on, WFI/WFE not trapped.
    pub const RESET: u64 = RES1 | SA | SA0 | NTWI | NTWE;
}

/// SPSR_ELx / PSTATE bits (AArch64 format).
pub mod spsr {
    pub const NZCV: u64 = 0xf000_0000;
    /// Software step.
    pub const SS: u64 = 1 << 21;
    /// Illegal execution state.
    pub const IL: u64 = 1 << 20;
    /// D, A, I, F (same positions as in the DAIF register).
    pub const DAIF: u64 = 0xf << 6;
    /// M[4:0]: M[4] = 1 is AArch32 (not implemented), M[3:2] the EL, M[0] SPSel.
    pub const M: u64 = 0x1f;
    /// Bits an MSR to SPSR_EL1 keeps (PAN, UAO, DIT, TCO, SSBS are not implemented).
    pub const WRITABLE: u64 = NZCV | SS | IL | DAIF | M;
}

/// PSTATE.{D,A,I,F} in the layout of the DAIF register.
pub mod daif {
    pub const D: u64 = 1 << 9;
    pub const A: u64 = 1 << 8;
    pub const I: u64 = 1 << 7;
    pub const F: u64 = 1 << 6;
    pub const ALL: u64 = D | A | I | F;
}

/// Number of hardware breakpoints and watchpoints (ID_AA64DFR0_EL1.BRPs/WRPs + 1).
pub const BREAKPOINTS: usize = (((crate::features::ID_AA64DFR0_EL1 >> 12) & 0xf) + 1) as usize;
pub const WATCHPOINTS: usize = (((crate::features::ID_AA64DFR0_EL1 >> 20) & 0xf) + 1) as usize;

/// The EL1 registers kept by the CPU. Reset values follow the Arm ARM where it defines
/// one and are 0 where it says UNKNOWN (deterministic, as in QEMU).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct El1Regs {
    pub vbar: u64,
    pub elr: u64,
    pub spsr: u64,
    pub esr: u64,
    pub far: u64,
    pub par: u64,
    pub tpidr_el1: u64,
    pub contextidr: u64,
    /// Only FPEN (bits 21:20) exists; it is kept but FP/SIMD accesses are never trapped
    /// (Linux enables them at boot and never clears them without SVE).
    pub cpacr: u64,
    pub csselr: u64,
    pub mdscr: u64,
    pub mdccint: u64,
    /// OSLSR_EL1.OSLK: the OS lock, set at cold reset, written through OSLAR_EL1.
    pub os_lock: bool,
    pub osdlr: u64,
    pub dbgprcr: u64,
    pub dbgclaim: u64,
    /// Breakpoint/watchpoint value and control registers: storage only (debug exceptions
    /// are not generated; see `sys/sysreg.rs`).
    pub dbgbvr: [u64; BREAKPOINTS],
    pub dbgbcr: [u64; BREAKPOINTS],
    pub dbgwvr: [u64; WATCHPOINTS],
    pub dbgwcr: [u64; WATCHPOINTS],
}

impl Default for El1Regs {
    fn default() -> Self {
        El1Regs {
            vbar: 0,
            elr: 0,
            spsr: 0,
            esr: 0,
            far: 0,
            par: 0,
            tpidr_el1: 0,
            contextidr: 0,
            cpacr: 0,
            csselr: 0,
            mdscr: 0,
            mdccint: 0,
            os_lock: true,
            osdlr: 0,
            dbgprcr: 0,
            dbgclaim: 0,
            dbgbvr: [0; BREAKPOINTS],
            dbgbcr: [0; BREAKPOINTS],
            dbgwvr: [0; WATCHPOINTS],
            dbgwcr: [0; WATCHPOINTS],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_instruction_bits() {
        // mrs x0, cntvct_el0 = 0xd53be040; msr icc_pmr_el1, x0 = 0xd5184600.
        assert_eq!(enc(3, 3, 14, 0, 2), encoding_of(0xd53b_e040));
        assert_eq!(enc(3, 0, 4, 6, 0), encoding_of(0xd518_4600));
        assert_eq!(fields(enc(3, 5, 9, 12, 7)), (3, 5, 9, 12, 7));
    }
}
