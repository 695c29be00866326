//! Exception generation and system instructions (Arm ARM C4.1.87: "Branches, Exception
//! Generating and System instructions", the non-branch part), plus ERET/DRPS from the
//! unconditional-branch (register) class.
//!
//! EL0 is the only exception level for now: forms that exist only above EL0 (HVC, SMC,
//! ERET, DCPS*, DRPS, MSR to PSTATE fields) keep their table lines so EL1 can be added,
//! and their semantics raise UNDEF. Which system registers and SYS operations EL0 may use
//! is decided by [`sysreg`] and [`sys_op`], shared by the semantics and [`ends_block`].

use super::{bits, pat, rd, scan, Pat};

operations! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Op {
        Svc,
        Hvc,
        Smc,
        Brk,
        Hlt,
        /// DCPS1/2/3 (debug state only).
        Dcps,
        /// ERET (EL1 and above).
        Eret,
        /// DRPS (debug state only).
        Drps,
        /// The hint space: NOP, YIELD, WFE, WFI, SEV, SEVL, and every other (allocated or not)
        /// hint, which executes as a NOP.
        Hint,
        Clrex,
        /// DSB (incl. SSBB/PSSBB).
        Dsb,
        Dmb,
        Isb,
        /// MSR (immediate) to a PSTATE field.
        MsrImm,
        /// SYS: DC/IC/AT/TLBI.
        Sys,
        /// SYSL (no EL0 forms).
        Sysl,
        /// MSR (register).
        Msr,
        /// MRS.
        Mrs,
    }
}

pub static TABLE: &[Pat<Op>] = &[
    pat("11010100 000 imm16:16 000 01", Op::Svc),
    pat("11010100 000 imm16:16 000 10", Op::Hvc),
    pat("11010100 000 imm16:16 000 11", Op::Smc),
    pat("11010100 001 imm16:16 000 00", Op::Brk),
    pat("11010100 010 imm16:16 000 00", Op::Hlt),
    pat("11010100 101 imm16:16 000 01", Op::Dcps),
    pat("11010100 101 imm16:16 000 10", Op::Dcps),
    pat("11010100 101 imm16:16 000 11", Op::Dcps),
    pat("1101011 0100 11111 000000 11111 00000", Op::Eret),
    pat("1101011 0101 11111 000000 11111 00000", Op::Drps),
    pat("1101010100 0 00 011 0010 CRm:4 op2:3 11111", Op::Hint),
    pat("1101010100 0 00 011 0011 CRm:4 010 11111", Op::Clrex),
    pat("1101010100 0 00 011 0011 CRm:4 100 11111", Op::Dsb),
    pat("1101010100 0 00 011 0011 CRm:4 101 11111", Op::Dmb),
    pat("1101010100 0 00 011 0011 CRm:4 110 11111", Op::Isb),
    pat("1101010100 0 00 op1:3 0100 CRm:4 op2:3 11111", Op::MsrImm),
    pat("1101010100 0 01 op1:3 CRn:4 CRm:4 op2:3 Rt:5", Op::Sys),
    pat("1101010100 1 01 op1:3 CRn:4 CRm:4 op2:3 Rt:5", Op::Sysl),
    pat("1101010100 0 1 o0:1 op1:3 CRn:4 CRm:4 op2:3 Rt:5", Op::Msr),
    pat("1101010100 1 1 o0:1 op1:3 CRn:4 CRm:4 op2:3 Rt:5", Op::Mrs),
];

pub fn decode(raw: u32) -> Option<Op> {
    scan(TABLE, raw)
}

/// The system registers EL0 can reach (with the access rights Linux gives it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysReg {
    Nzcv,
    Fpcr,
    Fpsr,
    TpidrEl0,
    /// Read-only at EL0.
    TpidrroEl0,
    CtrEl0,
    DczidEl0,
    CntfrqEl0,
    CntvctEl0,
    /// An identification register whose value is a constant from `features.rs`: the
    /// kernel emulates MRS of MIDR/MPIDR/REVIDR and of the whole ID_* space (CRm 2–7,
    /// unknown ones reading as zero) for EL0 because we advertise HWCAP_CPUID.
    Id(u64),
}

impl SysReg {
    pub fn writable(self) -> bool {
        matches!(
            self,
            SysReg::Nzcv | SysReg::Fpcr | SysReg::Fpsr | SysReg::TpidrEl0
        )
    }
}

/// The register an MRS/MSR word names, if EL0 may access it at all (bits op0 20:19,
/// op1 18:16, CRn 15:12, CRm 11:8, op2 7:5).
pub fn sysreg(raw: u32) -> Option<SysReg> {
    use crate::features as f;
    let key = (
        bits(raw, 20, 19),
        bits(raw, 18, 16),
        bits(raw, 15, 12),
        bits(raw, 11, 8),
        bits(raw, 7, 5),
    );
    Some(match key {
        (3, 3, 4, 2, 0) => SysReg::Nzcv,
        (3, 3, 4, 4, 0) => SysReg::Fpcr,
        (3, 3, 4, 4, 1) => SysReg::Fpsr,
        (3, 3, 13, 0, 2) => SysReg::TpidrEl0,
        (3, 3, 13, 0, 3) => SysReg::TpidrroEl0,
        (3, 3, 0, 0, 1) => SysReg::CtrEl0,
        (3, 3, 0, 0, 7) => SysReg::DczidEl0,
        (3, 3, 14, 0, 0) => SysReg::CntfrqEl0,
        (3, 3, 14, 0, 2) => SysReg::CntvctEl0,
        (3, 0, 0, 0, 0) => SysReg::Id(f::MIDR_EL1),
        (3, 0, 0, 0, 5) => SysReg::Id(f::MPIDR_EL1),
        (3, 0, 0, 0, 6) => SysReg::Id(f::REVIDR_EL1),
        (3, 0, 0, 4, 0) => SysReg::Id(f::ID_AA64PFR0_EL1),
        (3, 0, 0, 4, 1) => SysReg::Id(f::ID_AA64PFR1_EL1),
        (3, 0, 0, 4, 4) => SysReg::Id(f::ID_AA64ZFR0_EL1),
        (3, 0, 0, 5, 0) => SysReg::Id(f::ID_AA64DFR0_EL1),
        (3, 0, 0, 5, 1) => SysReg::Id(f::ID_AA64DFR1_EL1),
        (3, 0, 0, 6, 0) => SysReg::Id(f::ID_AA64ISAR0_EL1),
        (3, 0, 0, 6, 1) => SysReg::Id(f::ID_AA64ISAR1_EL1),
        (3, 0, 0, 7, 0) => SysReg::Id(f::ID_AA64MMFR0_EL1),
        (3, 0, 0, 7, 1) => SysReg::Id(f::ID_AA64MMFR1_EL1),
        (3, 0, 0, 7, 2) => SysReg::Id(f::ID_AA64MMFR2_EL1),
        // The rest of the emulated ID space is reserved or describes what we lack.
        (3, 0, 0, 2..=7, _) => SysReg::Id(0),
        _ => return None,
    })
}

/// The SYS operations EL0 may execute (Linux sets SCTLR_EL1.UCI and DZE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysOp {
    /// DC ZVA: zero the DCZID-sized block containing the address.
    DcZva,
    /// DC CVAU/CVAC/CIVAC: cache maintenance, which a coherent host makes a no-op.
    DcClean,
    /// IC IVAU: the code at the address may have changed.
    IcIvau,
}

/// The SYS operation a word names (op1 18:16, CRn 15:12, CRm 11:8, op2 7:5), if EL0 may
/// use it. DC CVAP (FEAT_DPB) is not advertised and UNDEFs, as on QEMU.
pub fn sys_op(raw: u32) -> Option<SysOp> {
    let key = (
        bits(raw, 18, 16),
        bits(raw, 15, 12),
        bits(raw, 11, 8),
        bits(raw, 7, 5),
    );
    Some(match key {
        (3, 7, 4, 1) => SysOp::DcZva,
        (3, 7, 11, 1) | (3, 7, 10, 1) | (3, 7, 14, 1) => SysOp::DcClean,
        (3, 7, 5, 1) => SysOp::IcIvau,
        _ => return None,
    })
}

/// The hint number CRm:op2 of a hint word.
pub fn hint_number(raw: u32) -> u32 {
    bits(raw, 11, 5)
}
pub const HINT_YIELD: u32 = 1;

/// Whether a system instruction ends its block (it changes state that later instructions'
/// translation depends on, or exits to the run loop).
pub fn ends_block(op: Op, raw: u32) -> bool {
    match op {
        Op::Svc
        | Op::Hvc
        | Op::Smc
        | Op::Brk
        | Op::Hlt
        | Op::Dcps
        | Op::Eret
        | Op::Drps
        | Op::Isb
        | Op::MsrImm
        | Op::Sysl => true,
        Op::Hint => hint_number(raw) == HINT_YIELD,
        Op::Clrex | Op::Dsb | Op::Dmb => false,
        // IC IVAU only marks translations stale (ISB or SVC flushes them); anything EL0
        // cannot use raises UNDEF.
        Op::Sys => sys_op(raw).is_none(),
        // A register read changes nothing; one that faults or UNDEFs exits from its helper.
        Op::Mrs => false,
        Op::Msr => !sysreg(raw).is_some_and(SysReg::writable),
    }
}

/// A barrier option name (`ish`, `sy`, ...) or the raw number.
fn barrier_option(crm: u32) -> String {
    const NAMES: [&str; 16] = [
        "", "oshld", "oshst", "osh", "", "nshld", "nshst", "nsh", "", "ishld", "ishst", "ish", "",
        "ld", "st", "sy",
    ];
    match NAMES[crm as usize & 15] {
        "" => format!("#{crm:#x}"),
        name => name.to_string(),
    }
}

/// The hint names objdump uses (PAC and BTI hints included).
fn hint_name(n: u32) -> Option<&'static str> {
    Some(match n {
        0 => "nop",
        1 => "yield",
        2 => "wfe",
        3 => "wfi",
        4 => "sev",
        5 => "sevl",
        7 => "xpaclri",
        8 => "pacia1716",
        10 => "pacib1716",
        12 => "autia1716",
        14 => "autib1716",
        16 => "esb",
        20 => "csdb",
        24 => "paciaz",
        25 => "paciasp",
        26 => "pacibz",
        27 => "pacibsp",
        28 => "autiaz",
        29 => "autiasp",
        30 => "autibz",
        31 => "autibsp",
        32 => "bti",
        34 => "bti c",
        36 => "bti j",
        38 => "bti jc",
        _ => return None,
    })
}

/// The name of a system register (op0 op1 CRn CRm op2 in bits 20:5), or the generic
/// `s<op0>_<op1>_c<n>_c<m>_<op2>` form.
fn sysreg_name(raw: u32) -> String {
    let key = (
        bits(raw, 20, 19),
        bits(raw, 18, 16),
        bits(raw, 15, 12),
        bits(raw, 11, 8),
        bits(raw, 7, 5),
    );
    let name = match key {
        (3, 3, 4, 2, 0) => "nzcv",
        (3, 3, 4, 2, 1) => "daif",
        (3, 3, 4, 4, 0) => "fpcr",
        (3, 3, 4, 4, 1) => "fpsr",
        (3, 3, 13, 0, 2) => "tpidr_el0",
        (3, 3, 13, 0, 3) => "tpidrro_el0",
        (3, 3, 0, 0, 1) => "ctr_el0",
        (3, 3, 0, 0, 7) => "dczid_el0",
        (3, 3, 14, 0, 0) => "cntfrq_el0",
        (3, 3, 14, 0, 1) => "cntpct_el0",
        (3, 3, 14, 0, 2) => "cntvct_el0",
        (3, 0, 4, 2, 2) => "currentel",
        (3, 0, 0, 0, 0) => "midr_el1",
        (3, 0, 0, 0, 5) => "mpidr_el1",
        (3, 0, 0, 0, 6) => "revidr_el1",
        (3, 0, 0, 4, 0) => "id_aa64pfr0_el1",
        (3, 0, 0, 4, 1) => "id_aa64pfr1_el1",
        (3, 0, 0, 4, 4) => "id_aa64zfr0_el1",
        (3, 0, 0, 5, 0) => "id_aa64dfr0_el1",
        (3, 0, 0, 5, 1) => "id_aa64dfr1_el1",
        (3, 0, 0, 6, 0) => "id_aa64isar0_el1",
        (3, 0, 0, 6, 1) => "id_aa64isar1_el1",
        (3, 0, 0, 7, 0) => "id_aa64mmfr0_el1",
        (3, 0, 0, 7, 1) => "id_aa64mmfr1_el1",
        (3, 0, 0, 7, 2) => "id_aa64mmfr2_el1",
        (3, 1, 0, 0, 0) => "ccsidr_el1",
        (3, 1, 0, 0, 1) => "clidr_el1",
        (3, 2, 0, 0, 0) => "csselr_el1",
        (3, 0, 1, 0, 0) => "sctlr_el1",
        (3, 0, 1, 0, 1) => "actlr_el1",
        (3, 0, 1, 0, 2) => "cpacr_el1",
        (3, 0, 2, 0, 0) => "ttbr0_el1",
        (3, 0, 2, 0, 1) => "ttbr1_el1",
        (3, 0, 2, 0, 2) => "tcr_el1",
        (3, 0, 4, 0, 0) => "spsr_el1",
        (3, 0, 4, 0, 1) => "elr_el1",
        (3, 0, 4, 1, 0) => "sp_el0",
        (3, 0, 4, 2, 0) => "spsel",
        (3, 0, 4, 6, 0) => "icc_pmr_el1",
        (3, 0, 5, 1, 0) => "afsr0_el1",
        (3, 0, 5, 1, 1) => "afsr1_el1",
        (3, 0, 5, 2, 0) => "esr_el1",
        (3, 0, 6, 0, 0) => "far_el1",
        (3, 0, 7, 4, 0) => "par_el1",
        (3, 0, 10, 2, 0) => "mair_el1",
        (3, 0, 10, 3, 0) => "amair_el1",
        (3, 0, 12, 0, 0) => "vbar_el1",
        (3, 0, 12, 1, 0) => "isr_el1",
        (3, 0, 12, 11, 1) => "icc_dir_el1",
        (3, 0, 12, 11, 5) => "icc_sgi1r_el1",
        (3, 0, 12, 12, 0) => "icc_iar1_el1",
        (3, 0, 12, 12, 1) => "icc_eoir1_el1",
        (3, 0, 12, 12, 3) => "icc_bpr1_el1",
        (3, 0, 12, 12, 4) => "icc_ctlr_el1",
        (3, 0, 12, 12, 5) => "icc_sre_el1",
        (3, 0, 12, 12, 7) => "icc_igrpen1_el1",
        (3, 0, 13, 0, 1) => "contextidr_el1",
        (3, 0, 13, 0, 4) => "tpidr_el1",
        (3, 0, 14, 1, 0) => "cntkctl_el1",
        (3, 3, 14, 2, 0) => "cntp_tval_el0",
        (3, 3, 14, 2, 1) => "cntp_ctl_el0",
        (3, 3, 14, 2, 2) => "cntp_cval_el0",
        (3, 3, 14, 3, 0) => "cntv_tval_el0",
        (3, 3, 14, 3, 1) => "cntv_ctl_el0",
        (3, 3, 14, 3, 2) => "cntv_cval_el0",
        (2, 0, 0, 2, 0) => "mdccint_el1",
        (2, 0, 0, 2, 2) => "mdscr_el1",
        (2, 0, 1, 0, 4) => "oslar_el1",
        (2, 0, 1, 1, 4) => "oslsr_el1",
        (2, 0, 1, 3, 4) => "osdlr_el1",
        (op0, op1, n, m, op2) => return format!("s{op0}_{op1}_c{n}_c{m}_{op2}"),
    };
    name.to_string()
}

/// The names of the system-mode SYS operations (objdump's spelling).
fn el1_sys_op_name(op1: u32, crn: u32, crm: u32, op2: u32) -> Option<&'static str> {
    Some(match (op1, crn, crm, op2) {
        (0, 8, 3, 0) => "tlbi vmalle1is",
        (0, 8, 3, 1) => "tlbi vae1is",
        (0, 8, 3, 2) => "tlbi aside1is",
        (0, 8, 3, 3) => "tlbi vaae1is",
        (0, 8, 3, 5) => "tlbi vale1is",
        (0, 8, 3, 7) => "tlbi vaale1is",
        (0, 8, 7, 0) => "tlbi vmalle1",
        (0, 8, 7, 1) => "tlbi vae1",
        (0, 8, 7, 2) => "tlbi aside1",
        (0, 8, 7, 3) => "tlbi vaae1",
        (0, 8, 7, 5) => "tlbi vale1",
        (0, 8, 7, 7) => "tlbi vaale1",
        (0, 7, 8, 0) => "at s1e1r",
        (0, 7, 8, 1) => "at s1e1w",
        (0, 7, 8, 2) => "at s1e0r",
        (0, 7, 8, 3) => "at s1e0w",
        (0, 7, 6, 1) => "dc ivac",
        (0, 7, 6, 2) => "dc isw",
        (0, 7, 10, 2) => "dc csw",
        (0, 7, 14, 2) => "dc cisw",
        (0, 7, 1, 0) => "ic ialluis",
        (0, 7, 5, 0) => "ic iallu",
        _ => return None,
    })
}

/// Assembler syntax of a word of this group (objdump's style), for `--trace in_asm`.
pub fn disas(op: Op, raw: u32, _pc: u64) -> String {
    let imm16 = bits(raw, 20, 5);
    let (op1, crn, crm, op2) = (
        bits(raw, 18, 16),
        bits(raw, 15, 12),
        bits(raw, 11, 8),
        bits(raw, 7, 5),
    );
    let xt = super::dp_reg::reg(rd(raw), true, false);
    match op {
        Op::Svc => format!("svc #{imm16:#x}"),
        Op::Hvc => format!("hvc #{imm16:#x}"),
        Op::Smc => format!("smc #{imm16:#x}"),
        Op::Brk => format!("brk #{imm16:#x}"),
        Op::Hlt => format!("hlt #{imm16:#x}"),
        Op::Dcps if imm16 == 0 => format!("dcps{}", bits(raw, 1, 0)),
        Op::Dcps => format!("dcps{} #{imm16:#x}", bits(raw, 1, 0)),
        Op::Eret => "eret".to_string(),
        Op::Drps => "drps".to_string(),
        Op::Hint => match hint_name(hint_number(raw)) {
            Some(name) => name.to_string(),
            None => format!("hint #{:#x}", hint_number(raw)),
        },
        Op::Clrex if crm == 15 => "clrex".to_string(),
        Op::Clrex => format!("clrex #{crm}"),
        Op::Dsb if crm == 0 => "ssbb".to_string(),
        Op::Dsb if crm == 4 => "pssbb".to_string(),
        Op::Dsb => format!("dsb {}", barrier_option(crm)),
        Op::Dmb => format!("dmb {}", barrier_option(crm)),
        Op::Isb if crm == 15 => "isb".to_string(),
        Op::Isb => format!("isb #{crm:#x}"),
        Op::MsrImm => {
            let field = match (op1, op2) {
                (0, 3) => "uao",
                (0, 4) => "pan",
                (0, 5) => "spsel",
                (3, 1) => "ssbs",
                (3, 2) => "dit",
                (3, 4) => "tco",
                (3, 6) => "daifset",
                (3, 7) => "daifclr",
                _ => return format!("msr s0_{op1}_c4_c{crm}_{op2}, xzr"),
            };
            format!("msr {field}, #{crm:#x}")
        }
        Op::Sys => match sys_op(raw) {
            Some(SysOp::DcZva) => format!("dc zva, {xt}"),
            Some(SysOp::IcIvau) => format!("ic ivau, {xt}"),
            Some(SysOp::DcClean) => {
                let name = match crm {
                    11 => "cvau",
                    10 => "cvac",
                    _ => "civac",
                };
                format!("dc {name}, {xt}")
            }
            None => match el1_sys_op_name(op1, crn, crm, op2) {
                Some(name)
                    if rd(raw) == 31 && (name.starts_with("tlbi") || name.starts_with("ic")) =>
                {
                    name.to_string()
                }
                Some(name) => format!("{name}, {xt}"),
                None if rd(raw) == 31 => format!("sys #{op1}, C{crn}, C{crm}, #{op2}"),
                None => format!("sys #{op1}, C{crn}, C{crm}, #{op2}, {xt}"),
            },
        },
        Op::Sysl => format!("sysl {xt}, #{op1}, C{crn}, C{crm}, #{op2}"),
        Op::Mrs => format!("mrs {xt}, {}", sysreg_name(raw)),
        Op::Msr => format!("msr {}, {xt}", sysreg_name(raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_representative_words() {
        let cases: &[(u32, Option<Op>)] = &[
            (0xd4000001, Some(Op::Svc)),    // svc #0
            (0xd4200000, Some(Op::Brk)),    // brk #0
            (0xd45e0000, Some(Op::Hlt)),    // hlt #0xf000
            (0xd4000002, Some(Op::Hvc)),    // hvc #0
            (0xd69f03e0, Some(Op::Eret)),   // eret
            (0xd503201f, Some(Op::Hint)),   // nop
            (0xd503233f, Some(Op::Hint)),   // paciasp
            (0xd503245f, Some(Op::Hint)),   // bti c
            (0xd5033f5f, Some(Op::Clrex)),  // clrex
            (0xd5033bbf, Some(Op::Dmb)),    // dmb ish
            (0xd5033fdf, Some(Op::Isb)),    // isb
            (0xd50330ff, None),             // sb: not implemented
            (0xd53b4200, Some(Op::Mrs)),    // mrs x0, nzcv
            (0xd51b4400, Some(Op::Msr)),    // msr fpcr, x0
            (0xd50b7420, Some(Op::Sys)),    // dc zva, x0
            (0xd50344ff, Some(Op::MsrImm)), // msr daifclr, #4
        ];
        for &(w, want) in cases {
            assert_eq!(decode(w), want, "word {w:#010x}");
        }
    }

    #[test]
    fn el0_register_map() {
        assert_eq!(sysreg(0xd53b4200), Some(SysReg::Nzcv)); // mrs x0, nzcv
        assert_eq!(sysreg(0xd53bd040), Some(SysReg::TpidrEl0)); // mrs x0, tpidr_el0
        assert_eq!(sysreg(0xd53be040), Some(SysReg::CntvctEl0)); // mrs x0, cntvct_el0
        let midr = sysreg(0xd5380000); // mrs x0, midr_el1
        assert_eq!(midr, Some(SysReg::Id(crate::features::MIDR_EL1)));
        assert_eq!(sysreg(0xd53803e0), Some(SysReg::Id(0))); // mrs x0, s3_0_c0_c3_7
        assert_eq!(sysreg(0xd5380020), None); // s3_0_c0_c0_1: not emulated by Linux
        assert_eq!(sysreg(0xd5384240), None); // mrs x0, currentel: EL1 only
        assert_eq!(sys_op(0xd50b7520), Some(SysOp::IcIvau)); // ic ivau, x0
        assert_eq!(sys_op(0xd508751f), None); // ic iallu: EL1 only
    }

    #[test]
    fn block_ends_where_translation_state_or_control_changes() {
        let ends = |w: u32| decode(w).is_some_and(|op| ends_block(op, w));
        for w in [
            0xd4000001, // svc #0
            0xd4200000, // brk #0
            0xd5033fdf, // isb
            0xd503203f, // yield
            0xd51bd060, // msr tpidrro_el0, x0 (UNDEF)
        ] {
            assert!(ends(w), "{w:#010x} ends its block");
        }
        for w in [
            0xd503201f, // nop
            0xd503207f, // wfi
            0xd5033bbf, // dmb ish
            0xd5033f5f, // clrex
            0xd53b4200, // mrs x0, nzcv
            0xd5384240, // mrs x0, currentel (UNDEF at EL0, from its helper)
            0xd51b4400, // msr fpcr, x0
            0xd50b7420, // dc zva, x0
            0xd50b7520, // ic ivau, x0
        ] {
            assert!(!ends(w), "{w:#010x} does not end its block");
        }
    }

    #[test]
    fn disassembly_matches_objdump() {
        let cases: &[(u32, &str)] = &[
            (0xd4024681, "svc #0x1234"),
            (0xd4200840, "brk #0x42"),
            (0xd45e0000, "hlt #0xf000"),
            (0xd4a00001, "dcps1"),
            (0xd69f03e0, "eret"),
            (0xd503203f, "yield"),
            (0xd503233f, "paciasp"),
            (0xd503245f, "bti c"),
            (0xd5032fff, "hint #0x7f"),
            (0xd5033bbf, "dmb ish"),
            (0xd5033f9f, "dsb sy"),
            (0xd5033fdf, "isb"),
            (0xd5033f5f, "clrex"),
            (0xd50342df, "msr daifset, #0x2"),
            (0xd53b4202, "mrs x2, nzcv"),
            (0xd51bd047, "msr tpidr_el0, x7"),
            (0xd5380612, "mrs x18, id_aa64isar0_el1"),
            (0xd53803f5, "mrs x21, s3_0_c0_c3_7"),
            (0xd50b7421, "dc zva, x1"),
            (0xd50b7e21, "dc civac, x1"),
            (0xd50b7521, "ic ivau, x1"),
            (0xd50891ff, "sys #0, C9, C1, #7"),
            (0xd508831f, "tlbi vmalle1is"),
            (0xd5088721, "tlbi vae1, x1"),
            (0xd5087801, "at s1e1r, x1"),
            (0xd508751f, "ic iallu"),
            (0xd5087621, "dc ivac, x1"),
            (0xd518c001, "msr vbar_el1, x1"),
            (0xd5384107, "mrs x7, sp_el0"),
            (0xd52b7520, "sysl x0, #3, C7, C5, #1"),
        ];
        for &(w, want) in cases {
            let op = decode(w).expect("allocated");
            assert_eq!(disas(op, w, 0), want, "{w:#010x}");
        }
    }
}
