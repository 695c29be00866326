//! Branches (the branch half of Arm ARM C4.1.87 "Branches, exception generating and
//! system instructions"): conditional branch (immediate), unconditional branch (immediate
//! and register), compare and branch, test and branch.
//!
//! Words of this encoding space that are not listed here (exception generation, system
//! instructions, ERET/DRPS) fall through to `decode::system`. The pointer-authenticating
//! branches (BRAA, BLRAA, RETAA... v8.3) and BC.cond (v8.8) are not allocated: UNDEF.

use super::{pat, scan, Pat};

operations! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Op {
        /// B (op = 0) and BL (op = 1).
        BranchImm,
        /// B.cond.
        BranchCond,
        /// CBZ (op = 0) and CBNZ (op = 1).
        CompareBranch,
        /// TBZ (op = 0) and TBNZ (op = 1).
        TestBranch,
        /// BR Xn.
        Br,
        /// BLR Xn.
        Blr,
        /// RET {Xn}.
        Ret,
    }
}

pub static TABLE: &[Pat<Op>] = &[
    pat("op:1 00101 imm26:26", Op::BranchImm),
    pat("0101010 o1=0 imm19:19 o0=0 cond:4", Op::BranchCond),
    pat("sf:1 011010 op:1 imm19:19 Rt:5", Op::CompareBranch),
    pat("b5:1 011011 op:1 b40:5 imm14:14 Rt:5", Op::TestBranch),
    pat(
        "1101011 opc=0000 op2=11111 op3=000000 Rn:5 op4=00000",
        Op::Br,
    ),
    pat(
        "1101011 opc=0001 op2=11111 op3=000000 Rn:5 op4=00000",
        Op::Blr,
    ),
    pat(
        "1101011 opc=0010 op2=11111 op3=000000 Rn:5 op4=00000",
        Op::Ret,
    ),
];

pub fn decode(raw: u32) -> Option<Op> {
    scan(TABLE, raw)
}

/// Assembler syntax of a word of this group, with absolute targets, for `--trace in_asm`.
pub fn disas(op: Op, raw: u32, pc: u64) -> String {
    use super::dp_reg::{cond_name, reg};
    use super::{bit, bits, sext};
    let imm19 = pc.wrapping_add(sext(bits(raw, 23, 5) as u64, 19) << 2);
    let rt = bits(raw, 4, 0);
    match op {
        Op::BranchImm => {
            let target = pc.wrapping_add(sext(bits(raw, 25, 0) as u64, 26) << 2);
            let name = if bit(raw, 31) { "bl" } else { "b" };
            format!("{name} {target:#x}")
        }
        Op::BranchCond => format!("b.{} {imm19:#x}", cond_name(bits(raw, 3, 0))),
        Op::CompareBranch => {
            let name = if bit(raw, 24) { "cbnz" } else { "cbz" };
            format!("{name} {}, {imm19:#x}", reg(rt, bit(raw, 31), false))
        }
        Op::TestBranch => {
            let name = if bit(raw, 24) { "tbnz" } else { "tbz" };
            let bit_pos = (bits(raw, 31, 31) << 5) | bits(raw, 23, 19);
            let target = pc.wrapping_add(sext(bits(raw, 18, 5) as u64, 14) << 2);
            format!(
                "{name} {}, #{bit_pos}, {target:#x}",
                reg(rt, bit_pos >= 32, false)
            )
        }
        Op::Br => format!("br {}", reg(super::rn(raw), true, false)),
        Op::Blr => format!("blr {}", reg(super::rn(raw), true, false)),
        Op::Ret if super::rn(raw) == 30 => "ret".to_string(),
        Op::Ret => format!("ret {}", reg(super::rn(raw), true, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_forms() {
        assert_eq!(decode(0x1400_0000), Some(Op::BranchImm)); // b .
        assert_eq!(decode(0x9400_0000), Some(Op::BranchImm)); // bl .
        assert_eq!(decode(0x5400_0000), Some(Op::BranchCond)); // b.eq .
        assert_eq!(decode(0xd61f_0000), Some(Op::Br)); // br x0
        assert_eq!(decode(0xd63f_0000), Some(Op::Blr)); // blr x0
        assert_eq!(decode(0xd65f_03c0), Some(Op::Ret)); // ret
        assert_eq!(decode(0xb400_0000), Some(Op::CompareBranch)); // cbz x0, .
        assert_eq!(decode(0xb7f8_0000), Some(Op::TestBranch)); // tbnz x0, #63, .
    }

    #[test]
    fn unallocated_branch_encodings() {
        // bc.eq (v8.8, o0 = 1) and o1 = 1.
        assert_eq!(decode(0x5400_0010), None);
        assert_eq!(decode(0x5500_0000), None);
        // braaz x0 / retaa / blraa x0, x1: pointer authentication.
        assert_eq!(decode(0xd61f_081f), None);
        assert_eq!(decode(0xd65f_0bff), None);
        assert_eq!(decode(0xd73f_0801), None);
        // ... and no other group takes them either: they raise UNDEF.
        for pac_branch in [0xd61f_081f, 0xd65f_0bff, 0xd73f_0801, 0xd71f_0800] {
            let kind = crate::decode::decode(pac_branch).kind;
            assert_eq!(kind, crate::decode::Kind::Undefined, "{pac_branch:08x}");
        }
        // eret and svc are left to the system group.
        assert_eq!(decode(0xd69f_03e0), None);
        assert_eq!(decode(0xd400_0001), None);
    }
}
