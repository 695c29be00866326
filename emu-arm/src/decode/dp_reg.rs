//! Data processing — register (Arm ARM C4.1.89): logical (shifted register), add/subtract
//! (shifted and extended register), add/subtract with carry, conditional compare,
//! conditional select, data processing (1, 2 and 3 sources).
//!
//! Only the ARMv8.0-A base forms (plus CRC32, which every ARMv8.1 core and our HWCAPs
//! have) are allocated: pointer authentication (PAC*, AUT*, XPAC*, PACGA), MTE (IRG, GMI,
//! SUBP), flag manipulation (RMIF, SETF*, v8.4) and the v8.9 CSSC forms stay unmatched,
//! hence UNDEF.

use super::{bit, bits, pat, pat_if, scan, Pat};

operations! {
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
    // SMULH/UMULH: Ra "should be" 11111 (other values are CONSTRAINED UNPREDICTABLE);
    // like QEMU, we ignore it.
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

/// The name of register `n` as an X (`sf`) or W register; 31 is SP/WSP when `sp`,
/// else XZR/WZR.
pub fn reg(n: u32, sf: bool, sp: bool) -> String {
    match (n, sf, sp) {
        (31, true, true) => "sp".to_string(),
        (31, false, true) => "wsp".to_string(),
        (31, true, false) => "xzr".to_string(),
        (31, false, false) => "wzr".to_string(),
        (_, true, _) => format!("x{n}"),
        (_, false, _) => format!("w{n}"),
    }
}

/// The assembler name of a 4-bit condition.
pub fn cond_name(cond: u32) -> &'static str {
    const NAMES: [&str; 16] = [
        "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al",
        "nv",
    ];
    NAMES[(cond & 0xf) as usize]
}

const SHIFT_NAMES: [&str; 4] = ["lsl", "lsr", "asr", "ror"];

/// Assembler syntax of a word of this group (Arm's preferred aliases, objdump's number
/// style), for `--trace in_asm`.
pub fn disas(op: Op, raw: u32) -> String {
    let sf = bit(raw, 31);
    let (d, n, m, a) = (
        super::rd(raw),
        super::rn(raw),
        super::rm(raw),
        super::ra(raw),
    );
    let (rd_s, rn_s, rm_s) = (reg(d, sf, false), reg(n, sf, false), reg(m, sf, false));
    let amount = bits(raw, 15, 10);
    let shift = bits(raw, 23, 22) as usize;
    let shift_s = if amount == 0 && shift == 0 {
        String::new()
    } else {
        format!(", {} #{amount}", SHIFT_NAMES[shift])
    };
    let cond = bits(raw, 15, 12);
    match op {
        Op::LogicalShifted => {
            let opc = bits(raw, 30, 29);
            let invert = bit(raw, 21);
            match (opc, invert) {
                (1, false) if n == 31 && shift_s.is_empty() => format!("mov {rd_s}, {rm_s}"),
                (1, true) if n == 31 => format!("mvn {rd_s}, {rm_s}{shift_s}"),
                (3, false) if d == 31 => format!("tst {rn_s}, {rm_s}{shift_s}"),
                _ => {
                    let names = [["and", "orr", "eor", "ands"], ["bic", "orn", "eon", "bics"]];
                    let name = names[invert as usize][opc as usize];
                    format!("{name} {rd_s}, {rn_s}, {rm_s}{shift_s}")
                }
            }
        }
        Op::AddSubShifted => {
            let (sub, s) = (bit(raw, 30), bit(raw, 29));
            if s && d == 31 {
                let name = if sub { "cmp" } else { "cmn" };
                return format!("{name} {rn_s}, {rm_s}{shift_s}");
            }
            if sub && n == 31 {
                let name = if s { "negs" } else { "neg" };
                return format!("{name} {rd_s}, {rm_s}{shift_s}");
            }
            let name = ["add", "adds", "sub", "subs"][(sub as usize) << 1 | s as usize];
            format!("{name} {rd_s}, {rn_s}, {rm_s}{shift_s}")
        }
        Op::AddSubExtended => {
            let (sub, s) = (bit(raw, 30), bit(raw, 29));
            let option = bits(raw, 15, 13);
            let imm3 = bits(raw, 12, 10);
            let rm_e = reg(m, sf && option & 3 == 3, false);
            // With SP as Rd or Rn, the "natural width" extension is written LSL.
            let uses_sp = d == 31 && !s || n == 31;
            let natural = if sf { 0b011 } else { 0b010 };
            let ext = if uses_sp && option == natural {
                if imm3 == 0 {
                    String::new()
                } else {
                    format!(", lsl #{imm3}")
                }
            } else {
                let names = [
                    "uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx",
                ];
                let amount = if imm3 == 0 {
                    String::new()
                } else {
                    format!(" #{imm3}")
                };
                format!(", {}{amount}", names[option as usize])
            };
            let rn_sp = reg(n, sf, true);
            if s && d == 31 {
                let name = if sub { "cmp" } else { "cmn" };
                return format!("{name} {rn_sp}, {rm_e}{ext}");
            }
            let name = ["add", "adds", "sub", "subs"][(sub as usize) << 1 | s as usize];
            format!("{name} {}, {rn_sp}, {rm_e}{ext}", reg(d, sf, !s))
        }
        Op::AddSubCarry => {
            let (sub, s) = (bit(raw, 30), bit(raw, 29));
            if sub && n == 31 {
                let name = if s { "ngcs" } else { "ngc" };
                return format!("{name} {rd_s}, {rm_s}");
            }
            let name = ["adc", "adcs", "sbc", "sbcs"][(sub as usize) << 1 | s as usize];
            format!("{name} {rd_s}, {rn_s}, {rm_s}")
        }
        Op::CondCompareReg | Op::CondCompareImm => {
            let name = if bit(raw, 30) { "ccmp" } else { "ccmn" };
            let operand = if op == Op::CondCompareImm {
                format!("#{:#x}", bits(raw, 20, 16))
            } else {
                rm_s
            };
            let nzcv = bits(raw, 3, 0);
            format!("{name} {rn_s}, {operand}, #{nzcv:#x}, {}", cond_name(cond))
        }
        Op::CondSelect => {
            let (inv, inc) = (bit(raw, 30), bit(raw, 10));
            // The aliases need a condition whose inverse is a real one (not AL/NV).
            let inverse = cond_name(cond ^ 1);
            let can_alias = cond < 0b1110;
            match (inv, inc) {
                (false, true) | (true, false) if can_alias && n == m => {
                    let (set, step) = if inc {
                        ("cset", "cinc")
                    } else {
                        ("csetm", "cinv")
                    };
                    if n == 31 {
                        format!("{set} {rd_s}, {inverse}")
                    } else {
                        format!("{step} {rd_s}, {rn_s}, {inverse}")
                    }
                }
                (true, true) if can_alias && n == m => format!("cneg {rd_s}, {rn_s}, {inverse}"),
                _ => {
                    let name = [["csel", "csinc"], ["csinv", "csneg"]][inv as usize][inc as usize];
                    format!("{name} {rd_s}, {rn_s}, {rm_s}, {}", cond_name(cond))
                }
            }
        }
        Op::Rbit | Op::Rev16 | Op::Rev32 | Op::Rev64 | Op::Clz | Op::Cls => {
            let name = match op {
                Op::Rbit => "rbit",
                Op::Rev16 => "rev16",
                Op::Rev32 if sf => "rev32",
                Op::Rev32 | Op::Rev64 => "rev",
                Op::Clz => "clz",
                _ => "cls",
            };
            format!("{name} {rd_s}, {rn_s}")
        }
        Op::Udiv | Op::Sdiv | Op::ShiftVar => {
            let name = match op {
                Op::Udiv => "udiv",
                Op::Sdiv => "sdiv",
                _ => SHIFT_NAMES[bits(raw, 11, 10) as usize],
            };
            format!("{name} {rd_s}, {rn_s}, {rm_s}")
        }
        Op::Crc32 | Op::Crc32c => {
            let sz = bits(raw, 11, 10) as usize;
            let c = if op == Op::Crc32c { "c" } else { "" };
            let size = ["b", "h", "w", "x"][sz];
            let (wd, wn) = (reg(d, false, false), reg(n, false, false));
            format!("crc32{c}{size} {wd}, {wn}, {}", reg(m, sz == 3, false))
        }
        Op::MulAdd => {
            let sub = bit(raw, 15);
            if a == 31 {
                let name = if sub { "mneg" } else { "mul" };
                return format!("{name} {rd_s}, {rn_s}, {rm_s}");
            }
            let name = if sub { "msub" } else { "madd" };
            format!("{name} {rd_s}, {rn_s}, {rm_s}, {}", reg(a, sf, false))
        }
        Op::SMulAddLong | Op::UMulAddLong => {
            let u = if op == Op::UMulAddLong { "u" } else { "s" };
            let sub = bit(raw, 15);
            let (wn, wm) = (reg(n, false, false), reg(m, false, false));
            if a == 31 {
                let name = if sub { "mnegl" } else { "mull" };
                return format!("{u}{name} {rd_s}, {wn}, {wm}");
            }
            let name = if sub { "msubl" } else { "maddl" };
            format!("{u}{name} {rd_s}, {wn}, {wm}, {}", reg(a, true, false))
        }
        Op::SMulHigh => format!("smulh {rd_s}, {rn_s}, {rm_s}"),
        Op::UMulHigh => format!("umulh {rd_s}, {rn_s}, {rm_s}"),
    }
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

    /// Our assembler text equals objdump's (comments dropped, branch targets as absolute
    /// hex) for one or more words of every mnemonic and alias of the three groups.
    #[test]
    fn disassembly_matches_objdump() {
        use crate::decode::{branch, decode as decode_any, dp_imm, Kind};
        let cases: &[(u32, u64, &str)] = &[
            (0xda81_e496, 0x0, "csneg x22, x4, x1, al"),
            (0x1688_5133, 0x4, "b 0xfffffffffa2144d0"),
            (0x9651_c87a, 0x8, "bl 0xfffffffff94721f0"),
            (0xcabf_62c0, 0xc, "eon x0, x22, xzr, asr #24"),
            (0xfa4a_e209, 0x10, "ccmp x16, x10, #0x9, al"),
            (0xba4e_59a4, 0x18, "ccmn x13, #0xe, #0x4, pl"),
            (0xeb9f_2289, 0x1c, "subs x9, x20, xzr, asr #8"),
            (0xb666_8ef4, 0x20, "tbz x20, #44, 0xffffffffffffd1fc"),
            (0x7205_6ae3, 0x24, "ands w3, w23, #0xf83fffff"),
            (0x3511_276e, 0x28, "cbnz w14, 0x22514"),
            (0x109d_d6ca, 0x2c, "adr x10, 0xfffffffffff3bb04"),
            (0x8b02_8586, 0x30, "add x6, x12, x2, lsl #33"),
            (0xca0c_7919, 0x40, "eor x25, x8, x12, lsl #30"),
            (0x2a66_3cdd, 0x44, "orn w29, w6, w6, lsr #15"),
            (0xd083_8590, 0x64, "adrp x16, 0xffffffff070b2000"),
            (0xb111_3274, 0x68, "adds x20, x19, #0x44c"),
            (0x321c_13c3, 0x74, "orr w3, w30, #0x1f0"),
            (0x9bdf_0c0a, 0x80, "umulh x10, x0, xzr"),
            (0xd2ec_864f, 0x84, "mov x15, #0x6432000000000000"),
            (0x34c4_0fd7, 0x90, "cbz w23, 0xfffffffffff88288"),
            (0x511b_fb64, 0x9c, "sub w4, w27, #0x6fe"),
            (0x1206_da67, 0xb4, "and w7, w19, #0xfdfdfdfd"),
            (0x1b15_d9eb, 0xb8, "msub w11, w15, w21, w22"),
            (0x9a98_b379, 0xbc, "csel x25, x27, x24, lt"),
            (0x9b4b_4be4, 0xc4, "smulh x4, xzr, x11"),
            (0xd369_032f, 0xcc, "ubfiz x15, x25, #23, #1"),
            (0x3736_82a1, 0x108, "tbnz w1, #6, 0xffffffffffffd15c"),
            (0x1b0b_1968, 0x10c, "madd w8, w11, w11, w6"),
            (0xda85_92cc, 0x114, "csinv x12, x22, x5, ls"),
            (0x54e1_a9e4, 0x12c, "b.mi 0xfffffffffffc3668"),
            (0x1a97_c548, 0x140, "csinc w8, w10, w23, gt"),
            (0x9a8a_6545, 0x148, "cinc x5, x10, vc"),
            (0x7a08_00c0, 0x14c, "sbcs w0, w6, w8"),
            (0x1a1b_01a4, 0x188, "adc w4, w13, w27"),
            (0x1ad6_57af, 0x1ac, "crc32ch w15, w29, w22"),
            (0x934f_8cc5, 0x1b8, "sbfx x5, x6, #15, #21"),
            (0x72a2_64f3, 0x1f8, "movk w19, #0x1327, lsl #16"),
            (0x9bb6_9b10, 0x228, "umsubl x16, w24, w22, x6"),
            (0x9ac6_0bc6, 0x22c, "udiv x6, x30, x6"),
            (0xda92_865c, 0x2c0, "cneg x28, x18, ls"),
            (0x1ac4_288e, 0x2d0, "asr w14, w4, w4"),
            (0x1ac5_41cc, 0x2e0, "crc32b w12, w14, w5"),
            (0x1ac4_2090, 0x39c, "lsl w16, w4, w4"),
            (0x54e4_2e03, 0x3b8, "b.cc 0xfffffffffffc8978"),
            (0x1ac9_0da4, 0x3e0, "sdiv w4, w13, w9"),
            (0x9ac1_4de8, 0x3fc, "crc32x w8, w15, x1"),
            (0x5402_9c4c, 0x488, "b.gt 0x5810"),
            (0x1ad3_49f6, 0x4b0, "crc32w w22, w15, w19"),
            (0x8a36_6863, 0x4d0, "bic x3, x3, x22, lsl #26"),
            (0x9b2c_fae4, 0x508, "smsubl x4, w23, w12, x30"),
            (0xea3a_ceb2, 0x5b0, "bics x18, x21, x26, lsl #51"),
            (0x5a0d_01f9, 0x5b4, "sbc w25, w15, w13"),
            (0x5486_7aa0, 0x5e8, "b.eq 0xfffffffffff0d53c"),
            (0x3309_2df1, 0x5f4, "bfxil w17, w15, #9, #3"),
            (0x9b31_7d8e, 0x6e4, "smull x14, w12, w17"),
            (0x1ac1_470a, 0x718, "crc32h w10, w24, w1"),
            (0xcb51_ebe0, 0x72c, "neg x0, x17, lsr #58"),
            (0x5436_a5c8, 0x75c, "b.hi 0x6dc14"),
            (0xf21f_01ff, 0x79c, "tst x15, #0x200000002"),
            (0x1399_4751, 0x810, "extr w17, w26, w25, #17"),
            (0xeb8b_c8ff, 0x88c, "cmp x7, x11, asr #50"),
            (0x5489_b20b, 0x8a0, "b.lt 0xfffffffffff13ee0"),
            (0xb36d_0af9, 0x8c0, "bfi x25, x23, #19, #3"),
            (0x1ac6_249d, 0x9b8, "lsr w29, w4, w6"),
            (0x5416_afa5, 0x9f8, "b.pl 0x2dfec"),
            (0x9bb3_60ca, 0xa6c, "umaddl x10, w6, w19, x24"),
            (0x1b13_fd7a, 0xaec, "mneg w26, w11, w19"),
            (0x9366_7019, 0xc78, "sbfiz x25, x0, #26, #29"),
            (0x9b3c_34c1, 0xca4, "smaddl x1, w6, w28, x13"),
            (0x5303_5bad, 0xcb8, "ubfx w13, w29, #3, #20"),
            (0x1ac5_519a, 0xd70, "crc32cb w26, w12, w5"),
            (0x54c3_1a8f, 0xdac, "b.nv 0xfffffffffff870fc"),
            (0x5472_d882, 0xdc8, "b.cs 0xe68d8"),
            (0xdac0_0ac9, 0xe70, "rev32 x9, x22"),
            (0x9adc_5f17, 0xff4, "crc32cx w23, w24, x28"),
            (0xba1f_033d, 0x1224, "adcs x29, x25, xzr"),
            (0x1adb_5a6e, 0x12d4, "crc32cw w14, w19, w27"),
            (0xda97_02ff, 0x13ac, "cinv xzr, x23, ne"),
            (0x5a16_03f7, 0x1470, "ngc w23, w22"),
            (0x9ac7_2c9d, 0x1538, "ror x29, x4, x7"),
            (0x545c_7267, 0x16d8, "b.vc 0xba524"),
            (0xaa35_8fe0, 0x19f8, "mvn x0, x21, lsl #35"),
            (0x5415_db6d, 0x1a1c, "b.le 0x2d588"),
            (0x542f_fba1, 0x1e2c, "b.ne 0x61da0"),
            (0x9bb7_fd96, 0x21a0, "umnegl x22, w12, w23"),
            (0x2b46_4c9f, 0x24a8, "cmn w4, w6, lsr #19"),
            (0x5449_358a, 0x24d8, "b.ge 0x94b88"),
            (0x5413_da4e, 0x25b4, "b.al 0x2a0fc"),
            (0xb372_0fe1, 0x293c, "bfc x1, #14, #4"),
            (0xeb1b_8feb, 0x2d4c, "negs x11, x27, lsl #35"),
            (0xdac0_0477, 0x3714, "rev16 x23, x3"),
            (0xdac0_119e, 0x420c, "clz x30, x12"),
            (0x9b10_7d7f, 0x4308, "mul xzr, x11, x16"),
            (0x5ac0_0972, 0x49fc, "rev w18, w11"),
            (0x9b3b_fe53, 0x5408, "smnegl x19, w18, w27"),
            (0x5446_b0e9, 0x5430, "b.ls 0x92a4c"),
            (0x54ee_c106, 0x594c, "b.vs 0xfffffffffffe316c"),
            (0x5300_1d23, 0xc70c, "uxtb w3, w9"),
            (0x1a9f_27f1, 0xead8, "cset w17, cc"),
            (0x9ba1_7d03, 0x11608, "umull x3, w8, w1"),
            (0xdac0_1420, 0x0, "cls x0, x1"),
            (0x5ac0_0020, 0x4, "rbit w0, w1"),
            (0x9340_1c20, 0x8, "sxtb x0, w1"),
            (0x1300_3c20, 0xc, "sxth w0, w1"),
            (0x9340_7c20, 0x10, "sxtw x0, w1"),
            (0x5300_3c20, 0x14, "uxth w0, w1"),
            (0xda9f_13e0, 0x18, "csetm x0, eq"),
            (0xfa02_03e0, 0x1c, "ngcs x0, x2"),
            (0x1280_0000, 0x20, "mov w0, #0xffffffff"),
            (0x92a0_0020, 0x24, "mov x0, #0xfffffffffffeffff"),
            (0xd2a0_0000, 0x28, "movz x0, #0x0, lsl #16"),
            (0xdac0_0c20, 0x2c, "rev x0, x1"),
            (0x5ac0_0820, 0x30, "rev w0, w1"),
            (0xdac0_0820, 0x34, "rev32 x0, x1"),
            (0xd63f_03c0, 0x38, "blr x30"),
            (0xd61f_00a0, 0x3c, "br x5"),
            (0xd65f_03c0, 0x40, "ret"),
            (0xd65f_00a0, 0x44, "ret x5"),
            (0x9100_003f, 0x48, "mov sp, x1"),
            (0x9100_03e0, 0x4c, "mov x0, sp"),
            (0xb240_3fe0, 0x50, "orr x0, xzr, #0xffff"),
            (0xb200_f3e0, 0x54, "mov x0, #0x5555555555555555"),
            (0x8b21_4bff, 0x58, "add sp, sp, w1, uxtw #2"),
            (0x8b21_6fe0, 0x5c, "add x0, sp, x1, lsl #3"),
            (0xeb21_63ff, 0x60, "cmp sp, x1"),
            (0x2b22_a420, 0x64, "adds w0, w1, w2, sxth #1"),
            (0x12a0_0000, 0x68, "movn w0, #0x0, lsl #16"),
            (0xb7f8_0000, 0x6c, "tbnz x0, #63, 0x6c"),
            (0x3400_fff0, 0x70, "cbz w16, 0x206c"),
        ];
        let mut wrong = Vec::new();
        for &(word, pc, expected) in cases {
            let text = match decode_any(word).kind {
                Kind::DpImm(op) => dp_imm::disas(op, word, pc),
                Kind::DpReg(op) => disas(op, word),
                Kind::Branch(op) => branch::disas(op, word, pc),
                other => format!("{other:?}"),
            };
            if text != expected {
                wrong.push(format!("{word:08x}: {text:?}, objdump {expected:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// The disassembler handles every word the three groups accept (a pseudo-random
    /// sweep steered into their encoding spaces) without panicking.
    #[test]
    fn disassembly_never_panics() {
        use crate::decode::{branch, decode as decode_any, dp_imm, Kind};
        let mut x: u32 = 0x2545_f491;
        let mut accepted = 0;
        for i in 0..300_000u32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let word = match i % 3 {
                0 => (x & !(0x7 << 26)) | (0b100 << 26),
                1 => (x & !(0x7 << 25)) | (0b101 << 25),
                _ => (x & !(0x7 << 26)) | (0b101 << 26),
            };
            let pc = (x as u64) << 34;
            let text = match decode_any(word).kind {
                Kind::DpImm(op) => dp_imm::disas(op, word, pc),
                Kind::DpReg(op) => disas(op, word),
                Kind::Branch(op) => branch::disas(op, word, pc),
                _ => continue,
            };
            assert!(!text.is_empty());
            accepted += 1;
        }
        assert!(accepted > 50_000, "sweep accepted only {accepted} words");
    }

    /// Not a check: writes "<word> <kind>" for a sweep of words in the integer and branch
    /// spaces, the input of `sem/dp_reg/vectors/gen_qemu_vectors.py`. Run with
    /// `cargo test -p emu-arm --lib write_decoder_sweep -- --ignored`; the file is
    /// `$EMU_DECODER_SWEEP` or /tmp/int_words.txt.
    #[test]
    #[ignore]
    fn write_decoder_sweep() {
        use std::io::Write;
        let path = std::env::var("EMU_DECODER_SWEEP").unwrap_or("/tmp/int_words.txt".into());
        let file = std::fs::File::create(&path).expect("create the sweep file");
        let mut out = std::io::BufWriter::new(file);
        let mut x: u32 = 0x1357_9bdf;
        for i in 0..1_500_000u32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Steer the words into the groups, and into the sparse dp-reg subgroups.
            let word = match i % 8 {
                0 => (x & !(0xf << 25)) | (0b1000 << 25) | ((x & 1) << 25),
                1 => (x & !(0x7 << 25)) | (0b101 << 25),
                2 => (x & !(0x7 << 26)) | (0b101 << 26),
                3 => (x & !(0xff << 21)) | (0b1101_0110 << 21),
                4 => (x & !(0xff << 21)) | (0b1101_0010 << 21),
                5 => (x & !(0xff << 21)) | (0b1101_0100 << 21),
                6 => (x & !(0xff << 21)) | (0b1101_0000 << 21),
                _ => (x & !(0x1f << 24)) | (0b11011 << 24),
            };
            let kind = crate::decode::decode(word).kind;
            writeln!(out, "{word:08x} {kind:?}").expect("write the sweep file");
        }
    }
}
