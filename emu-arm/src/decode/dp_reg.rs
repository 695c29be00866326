//! Data processing — register (Arm ARM C4.1.89): logical (shifted register), add/subtract
//! (shifted and extended register), add/subtract with carry, conditional compare,
//! conditional select, data processing (1, 2 and 3 sources).
//!
//! Only the ARMv8.0-A base forms (plus CRC32, which every ARMv8.1 core and our HWCAPs
//! have) are allocated: pointer authentication (PAC*, AUT*, XPAC*, PACGA), MTE (IRG, GMI,
//! SUBP), flag manipulation (RMIF, SETF*, v8.4) and the v8.9 CSSC forms stay unmatched,
//! hence UNDEF.

use super::{bit, bits, pat, pat_if, scan, Pat};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS (shifted register); MOV/MVN/TST aliases.
    LogicalShifted,
    /// ADD/ADDS/SUB/SUBS (shifted register); CMP/CMN/NEG/NEGS aliases.
    AddSubShifted,
    /// ADD/ADDS/SUB/SUBS (extended register).
    AddSubExtended,
    /// ADC/ADCS/SBC/SBCS; NGC/NGCS aliases.
    AddSubCarry,
    /// CCMN/CCMP with a register second operand.
    CondCompareReg,
    /// CCMN/CCMP with a 5-bit immediate second operand.
    CondCompareImm,
    /// CSEL/CSINC/CSINV/CSNEG; CSET/CSETM/CINC/CINV/CNEG aliases.
    CondSelect,
    /// RBIT.
    Rbit,
    /// REV16 (reverse the bytes of each halfword).
    Rev16,
    /// REV32 with sf=1 (bytes of each word); REV with sf=0 (bytes of the word).
    Rev32,
    /// REV with sf=1 (bytes of the doubleword).
    Rev64,
    Clz,
    Cls,
    Udiv,
    Sdiv,
    /// LSLV/LSRV/ASRV/RORV (op2<1:0> = shift type).
    ShiftVar,
    /// CRC32B/H/W/X (sz = op2<1:0>).
    Crc32,
    /// CRC32CB/H/W/X.
    Crc32c,
    /// MADD/MSUB (o0 selects); MUL/MNEG aliases.
    MulAdd,
    /// SMADDL/SMSUBL; SMULL/SMNEGL aliases.
    SMulAddLong,
    /// UMADDL/UMSUBL; UMULL/UMNEGL aliases.
    UMulAddLong,
    SMulHigh,
    UMulHigh,
}

pub static TABLE: &[Pat<Op>] = &[
    // sf=0 with imm6<5> = 1 is unallocated.
    pat_if(
        "sf:1 opc:2 01010 shift:2 N:1 Rm:5 imm6:6 Rn:5 Rd:5",
        Op::LogicalShifted,
        shift_amount_fits,
    ),
    // shift=11 (ROR) is reserved for add/subtract.
    pat_if(
        "sf:1 op:1 S:1 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5",
        Op::AddSubShifted,
        |r| bits(r, 23, 22) != 0b11 && shift_amount_fits(r),
    ),
    // opt must be 00 and the left shift at most 4.
    pat_if(
        "sf:1 op:1 S:1 01011 opt=00 1 Rm:5 option:3 imm3:3 Rn:5 Rd:5",
        Op::AddSubExtended,
        |r| bits(r, 12, 10) <= 4,
    ),
    pat(
        "sf:1 op:1 S:1 11010000 Rm:5 000000 Rn:5 Rd:5",
        Op::AddSubCarry,
    ),
    pat(
        "sf:1 op:1 S=1 11010010 Rm:5 cond:4 0 o2=0 Rn:5 o3=0 nzcv:4",
        Op::CondCompareReg,
    ),
    pat(
        "sf:1 op:1 S=1 11010010 imm5:5 cond:4 1 o2=0 Rn:5 o3=0 nzcv:4",
        Op::CondCompareImm,
    ),
    pat(
        "sf:1 op:1 S=0 11010100 Rm:5 cond:4 0 o2:1 Rn:5 Rd:5",
        Op::CondSelect,
    ),
    // Data processing (1 source): S=0, opcode2=00000 (00001 is pointer authentication).
    pat("sf:1 1 S=0 11010110 00000 000000 Rn:5 Rd:5", Op::Rbit),
    pat("sf:1 1 S=0 11010110 00000 000001 Rn:5 Rd:5", Op::Rev16),
    pat("sf:1 1 S=0 11010110 00000 000010 Rn:5 Rd:5", Op::Rev32),
    pat("1 1 S=0 11010110 00000 000011 Rn:5 Rd:5", Op::Rev64),
    pat("sf:1 1 S=0 11010110 00000 000100 Rn:5 Rd:5", Op::Clz),
    pat("sf:1 1 S=0 11010110 00000 000101 Rn:5 Rd:5", Op::Cls),
    // Data processing (2 source), S=0.
    pat("sf:1 0 S=0 11010110 Rm:5 000010 Rn:5 Rd:5", Op::Udiv),
    pat("sf:1 0 S=0 11010110 Rm:5 000011 Rn:5 Rd:5", Op::Sdiv),
    pat(
        "sf:1 0 S=0 11010110 Rm:5 0010 op2:2 Rn:5 Rd:5",
        Op::ShiftVar,
    ),
    // CRC32X/CRC32CX (sz=11) need sf=1, the byte/halfword/word forms sf=0.
    pat_if(
        "sf:1 0 S=0 11010110 Rm:5 010 C=0 sz:2 Rn:5 Rd:5",
        Op::Crc32,
        crc_size_matches_sf,
    ),
    pat_if(
        "sf:1 0 S=0 11010110 Rm:5 010 C=1 sz:2 Rn:5 Rd:5",
        Op::Crc32c,
        crc_size_matches_sf,
    ),
    // Data processing (3 source): op54=00; the long and high forms are 64-bit only.
    pat(
        "sf:1 op54=00 11011 op31=000 Rm:5 o0:1 Ra:5 Rn:5 Rd:5",
        Op::MulAdd,
    ),
    pat(
        "1 op54=00 11011 U=0 01 Rm:5 o0:1 Ra:5 Rn:5 Rd:5",
        Op::SMulAddLong,
    ),
    pat(
        "1 op54=00 11011 U=1 01 Rm:5 o0:1 Ra:5 Rn:5 Rd:5",
        Op::UMulAddLong,
    ),
    // SMULH/UMULH: Ra "should be" 11111; like QEMU and hardware we ignore it.
    pat(
        "1 op54=00 11011 U=0 10 Rm:5 o0=0 Ra:5 Rn:5 Rd:5",
        Op::SMulHigh,
    ),
    pat(
        "1 op54=00 11011 U=1 10 Rm:5 o0=0 Ra:5 Rn:5 Rd:5",
        Op::UMulHigh,
    ),
];

pub fn decode(raw: u32) -> Option<Op> {
    scan(TABLE, raw)
}

/// A 32-bit shifted-register form cannot shift by 32 or more (imm6<5> = 1 unallocated).
fn shift_amount_fits(r: u32) -> bool {
    bit(r, 31) || !bit(r, 15)
}

fn crc_size_matches_sf(r: u32) -> bool {
    bit(r, 31) == (bits(r, 11, 10) == 0b11)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unallocated_register_encodings() {
        // and w0, w1, w2, lsl #32: imm6<5> with sf=0.
        assert_eq!(decode(0x0a02_8020), None);
        assert_eq!(decode(0x8a02_8020), Some(Op::LogicalShifted));
        // add x0, x1, x2, ror #1: ROR is reserved for add/subtract.
        assert_eq!(decode(0x8bc2_0420), None);
        // add x0, x1, w2, uxtw #5: shift above 4.
        assert_eq!(decode(0x8b22_5420), None);
        assert_eq!(decode(0x8b22_5020), Some(Op::AddSubExtended));
        // rev w0, w1 with opcode 000011 (REV64 form) needs sf=1.
        assert_eq!(decode(0x5ac0_0c20), None);
        assert_eq!(decode(0xdac0_0c20), Some(Op::Rev64));
        // pacia x0, x1 (opcode2 = 00001): pointer authentication is not implemented.
        assert_eq!(decode(0xdac1_0020), None);
        // crc32x with sf=0 and crc32b with sf=1.
        assert_eq!(decode(0x1ac2_4c20), None);
        assert_eq!(decode(0x9ac2_4020), None);
        assert_eq!(decode(0x9ac2_4c20), Some(Op::Crc32));
        // smaddl with sf=0.
        assert_eq!(decode(0x1b22_0c20), None);
        // csel with op2<1> set; ccmp with S=0.
        assert_eq!(decode(0x9a82_0820), None);
        assert_eq!(decode(0x5a42_0020), None);
    }

    /// Random words of the integer and branch encoding spaces, classified by objdump
    /// (see `sem/dp_reg/vectors/gen_decode_vectors.py`): we accept exactly the base ones.
    #[test]
    fn decoder_agrees_with_objdump() {
        use crate::decode::{decode as decode_any, Kind};
        let text = include_str!("../sem/dp_reg/vectors/decode_vectors.txt");
        let mut wrong = Vec::new();
        let mut base = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split_whitespace();
            let (Some(word), Some(class)) = (f.next(), f.next()) else {
                panic!("malformed line {line:?}");
            };
            let word = u32::from_str_radix(word, 16).expect("hex word");
            let kind = decode_any(word).kind;
            let ours = matches!(kind, Kind::DpImm(_) | Kind::DpReg(_) | Kind::Branch(_));
            let should_be_ours = match class {
                "base" => true,
                "other" | "undef" => false,
                _ => panic!("bad class in {line:?}"),
            };
            base += should_be_ours as usize;
            if ours != should_be_ours {
                wrong.push(format!("{word:08x}: objdump {class}, we {kind:?}"));
            }
        }
        assert!(base > 500, "too few base words ({base})");
        assert!(wrong.is_empty(), "decoder disagrees:\n{}", wrong.join("\n"));
    }
}
