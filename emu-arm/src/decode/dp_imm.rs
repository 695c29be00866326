//! Data processing — immediate (Arm ARM C4.1.86): PC-relative addressing, add/subtract
//! (immediate), logical (immediate), move wide, bitfield, extract.
//!
//! Only the ARMv8.0-A base forms are allocated here: add/subtract with tags (ADDG/SUBG,
//! op1 = 011, MTE) and the v8.9 min/max (immediate) forms stay unmatched, hence UNDEF.

use super::{bit, bits, pat, pat_if, scan, Pat};

operations! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Op {
        /// ADR (op = 0) and ADRP (op = 1).
        PcRel,
        /// ADD/ADDS/SUB/SUBS (immediate), incl. the MOV-to/from-SP and CMP/CMN aliases.
        AddSubImm,
        /// AND/ORR/EOR/ANDS (immediate), incl. the MOV (bitmask immediate) and TST aliases.
        LogicalImm,
        /// MOVN/MOVZ/MOVK.
        MoveWide,
        /// SBFM/BFM/UBFM and their aliases (ASR/LSL/LSR imm, SXT*/UXT*, BFI/BFXIL, *BFX, *BFIZ).
        Bitfield,
        /// EXTR (and its ROR (immediate) alias).
        Extract,
    }
}

pub static TABLE: &[Pat<Op>] = &[
    pat("op:1 immlo:2 10000 immhi:19 Rd:5", Op::PcRel),
    pat(
        "sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5",
        Op::AddSubImm,
    ),
    pat_if(
        "sf:1 opc:2 100100 N:1 immr:6 imms:6 Rn:5 Rd:5",
        Op::LogicalImm,
        logical_imm_allocated,
    ),
    // opc=01 is unallocated; hw<1> set with sf=0 is unallocated.
    pat_if("sf:1 opc:2 100101 hw:2 imm16:16 Rd:5", Op::MoveWide, |r| {
        let opc = (r >> 29) & 3;
        let sf = r >> 31;
        let hw = (r >> 21) & 3;
        opc != 1 && (sf == 1 || hw < 2)
    }),
    pat_if(
        "sf:1 opc:2 100110 N:1 immr:6 imms:6 Rn:5 Rd:5",
        Op::Bitfield,
        bitfield_allocated,
    ),
    pat_if(
        "sf:1 op21=00 100111 N:1 o0=0 Rm:5 imms:6 Rn:5 Rd:5",
        Op::Extract,
        extract_allocated,
    ),
];

pub fn decode(raw: u32) -> Option<Op> {
    scan(TABLE, raw)
}

/// The (wmask, tmask) pair of the Arm ARM's `DecodeBitMasks(immN, imms, immr, immediate)`
/// for a `datasize`-bit operation (32 or 64), or `None` for a reserved encoding.
///
/// `wmask` is the bitmask immediate (logical immediate) or the rotated field mask
/// (bitfield); `tmask` is the bitfield "top" mask.
pub fn decode_bit_masks(
    n: bool,
    imms: u32,
    immr: u32,
    immediate: bool,
    datasize: u32,
) -> Option<(u64, u64)> {
    // len = HighestSetBit(immN:NOT(imms)): the element size is 2^len bits.
    let combined = ((n as u32) << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return None;
    }
    let esize = 1u32 << len;
    if esize > datasize {
        return None;
    }
    let levels = esize - 1;
    // An element of all ones cannot be a logical immediate (it would equal -1 / 0 after
    // inversion, which have shorter encodings): reserved.
    if immediate && (imms & levels) == levels {
        return None;
    }
    let s = imms & levels;
    let r = immr & levels;
    let diff = s.wrapping_sub(r) & levels;
    let welem = ones(s + 1);
    let telem = ones(diff + 1);
    let wmask = replicate(ror_elem(welem, r, esize), esize, datasize);
    let tmask = replicate(telem, esize, datasize);
    Some((wmask, tmask))
}

/// `n` ones in the low bits (n ≤ 64).
const fn ones(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// Rotates the low `esize` bits of `v` right by `r` (< esize).
fn ror_elem(v: u64, r: u32, esize: u32) -> u64 {
    if r == 0 {
        return v;
    }
    let mask = ones(esize);
    ((v >> r) | (v << (esize - r))) & mask
}

/// Repeats the `esize`-bit element `v` to fill `datasize` bits. Multiplying by the
/// pattern 0..010..01 (a one every `esize` bits) copies the element into every slot
/// without a loop: this runs on every interpreted logical immediate.
fn replicate(v: u64, esize: u32, datasize: u32) -> u64 {
    let every_esize = u64::MAX / ones(esize);
    v.wrapping_mul(every_esize) & ones(datasize)
}

/// Logical (immediate): N=1 with sf=0 is unallocated; reserved bitmask encodings UNDEF.
fn logical_imm_allocated(r: u32) -> bool {
    let sf = bit(r, 31);
    let n = bit(r, 22);
    if n && !sf {
        return false;
    }
    decode_bit_masks(
        n,
        bits(r, 15, 10),
        bits(r, 21, 16),
        true,
        if sf { 64 } else { 32 },
    )
    .is_some()
}

/// Bitfield: opc=11 unallocated; N must equal sf; for 32-bit forms immr<5> and imms<5>
/// must be 0 (Arm ARM: "if sf == '0' && (N != '0' || immr<5> != '0' || imms<5> != '0')
/// then UNDEFINED").
fn bitfield_allocated(r: u32) -> bool {
    let sf = bit(r, 31);
    let n = bit(r, 22);
    if bits(r, 30, 29) == 0b11 || n != sf {
        return false;
    }
    sf || (!bit(r, 21) && !bit(r, 15))
}

/// Extract: N must equal sf, and a 32-bit EXTR needs imms<5> = 0.
fn extract_allocated(r: u32) -> bool {
    let sf = bit(r, 31);
    bit(r, 22) == sf && (sf || !bit(r, 15))
}

/// Assembler syntax of a word of this group (Arm's preferred aliases, objdump's number
/// style), for `--trace in_asm`.
pub fn disas(op: Op, raw: u32, pc: u64) -> String {
    use super::dp_reg::reg;
    let sf = bit(raw, 31);
    let (d, n) = (super::rd(raw), super::rn(raw));
    let datasize = if sf { 64 } else { 32 };
    match op {
        Op::PcRel => {
            let imm = (bits(raw, 23, 5) << 2 | bits(raw, 30, 29)) as u64;
            let (name, target) = if sf {
                (
                    "adrp",
                    (pc & !0xfff).wrapping_add(super::sext(imm, 21) << 12),
                )
            } else {
                ("adr", pc.wrapping_add(super::sext(imm, 21)))
            };
            format!("{name} {}, {target:#x}", reg(d, true, false))
        }
        Op::AddSubImm => {
            let (sub, s, shifted) = (bit(raw, 30), bit(raw, 29), bit(raw, 22));
            let imm = bits(raw, 21, 10);
            let shift = if shifted { ", lsl #12" } else { "" };
            let rn_s = reg(n, sf, true);
            if !sub && !s && !shifted && imm == 0 && (d == 31 || n == 31) {
                return format!("mov {}, {rn_s}", reg(d, sf, true));
            }
            if s && d == 31 {
                let name = if sub { "cmp" } else { "cmn" };
                return format!("{name} {rn_s}, #{imm:#x}{shift}");
            }
            let name = ["add", "adds", "sub", "subs"][(sub as usize) << 1 | s as usize];
            format!("{name} {}, {rn_s}, #{imm:#x}{shift}", reg(d, sf, !s))
        }
        Op::LogicalImm => {
            let (nbit, immr, imms) = (bit(raw, 22), bits(raw, 21, 16), bits(raw, 15, 10));
            let Some((imm, _)) = decode_bit_masks(nbit, imms, immr, true, datasize) else {
                return "<reserved>".to_string();
            };
            let opc = bits(raw, 30, 29);
            if opc == 3 && d == 31 {
                return format!("tst {}, #{imm:#x}", reg(n, sf, false));
            }
            if opc == 1 && n == 31 && !move_wide_preferred(sf, nbit, imms, immr) {
                return format!("mov {}, #{imm:#x}", reg(d, sf, true));
            }
            let name = ["and", "orr", "eor", "ands"][opc as usize];
            let rd_s = reg(d, sf, opc != 3);
            format!("{name} {rd_s}, {}, #{imm:#x}", reg(n, sf, false))
        }
        Op::MoveWide => {
            let opc = bits(raw, 30, 29);
            let hw = bits(raw, 22, 21);
            let imm16 = bits(raw, 20, 5) as u64;
            let rd_s = reg(d, sf, false);
            let value = imm16 << (hw * 16);
            let alias = !(imm16 == 0 && hw != 0);
            match opc {
                2 if alias => format!("mov {rd_s}, #{value:#x}"),
                0 if alias && (sf || imm16 != 0xffff) => {
                    let v = if sf { !value } else { !value & 0xffff_ffff };
                    format!("mov {rd_s}, #{v:#x}")
                }
                _ => {
                    let name = ["movn", "", "movz", "movk"][opc as usize];
                    let shift = if hw != 0 {
                        format!(", lsl #{}", hw * 16)
                    } else {
                        String::new()
                    };
                    format!("{name} {rd_s}, #{imm16:#x}{shift}")
                }
            }
        }
        Op::Bitfield => disas_bitfield(raw, sf),
        Op::Extract => {
            let (rd_s, rn_s) = (reg(d, sf, false), reg(n, sf, false));
            let lsb = bits(raw, 15, 10);
            if n == super::rm(raw) {
                format!("ror {rd_s}, {rn_s}, #{lsb}")
            } else {
                let rm_s = reg(super::rm(raw), sf, false);
                format!("extr {rd_s}, {rn_s}, {rm_s}, #{lsb}")
            }
        }
    }
}

/// The Arm ARM's `MoveWidePreferred`: whether a MOVZ/MOVN could encode this bitmask
/// immediate (then `orr Xd, xzr, #imm` is not shown as `mov`).
fn move_wide_preferred(sf: bool, n: bool, imms: u32, immr: u32) -> bool {
    let width = if sf { 64 } else { 32 };
    if sf && !n {
        return false;
    }
    if !sf && (n || imms & 0x20 != 0) {
        return false;
    }
    if imms < 16 {
        return (immr.wrapping_neg() % 16) <= 15 - imms;
    }
    if imms >= width - 15 {
        return (immr % 16) <= imms - (width - 15);
    }
    false
}

/// The Arm ARM's `BFXPreferred`: whether SBFM/UBFM shows as SBFX/UBFX.
fn bfx_preferred(sf: bool, unsigned: bool, imms: u32, immr: u32) -> bool {
    let top = if sf { 63 } else { 31 };
    if imms < immr || imms == top {
        return false;
    }
    if immr == 0 {
        if !sf && (imms == 7 || imms == 15) {
            return false;
        }
        if sf && !unsigned && (imms == 7 || imms == 15 || imms == 31) {
            return false;
        }
    }
    true
}

fn disas_bitfield(raw: u32, sf: bool) -> String {
    use super::dp_reg::reg;
    let (d, n) = (super::rd(raw), super::rn(raw));
    let (immr, imms) = (bits(raw, 21, 16), bits(raw, 15, 10));
    let top: u32 = if sf { 63 } else { 31 };
    let datasize = top + 1;
    let (rd_s, rn_s) = (reg(d, sf, false), reg(n, sf, false));
    let wn = reg(n, false, false);
    // Insert-in-zero (`...iz`) or extract (`...x`) operands: #lsb, #width.
    let (ins_lsb, ins_width) = (datasize.wrapping_sub(immr) % datasize, imms + 1);
    let (ext_lsb, ext_width) = (immr, imms.wrapping_sub(immr).wrapping_add(1));
    match bits(raw, 30, 29) {
        0 => {
            if imms == top {
                format!("asr {rd_s}, {rn_s}, #{immr}")
            } else if imms < immr {
                format!("sbfiz {rd_s}, {rn_s}, #{ins_lsb}, #{ins_width}")
            } else if bfx_preferred(sf, false, imms, immr) {
                format!("sbfx {rd_s}, {rn_s}, #{ext_lsb}, #{ext_width}")
            } else {
                let name = match imms {
                    7 => "sxtb",
                    15 => "sxth",
                    _ => "sxtw",
                };
                format!("{name} {rd_s}, {wn}")
            }
        }
        1 => {
            if imms < immr {
                if n == 31 {
                    format!("bfc {rd_s}, #{ins_lsb}, #{ins_width}")
                } else {
                    format!("bfi {rd_s}, {rn_s}, #{ins_lsb}, #{ins_width}")
                }
            } else {
                format!("bfxil {rd_s}, {rn_s}, #{ext_lsb}, #{ext_width}")
            }
        }
        _ => {
            if imms != top && imms + 1 == immr {
                format!("lsl {rd_s}, {rn_s}, #{}", top.wrapping_sub(imms))
            } else if imms == top {
                format!("lsr {rd_s}, {rn_s}, #{immr}")
            } else if imms < immr {
                format!("ubfiz {rd_s}, {rn_s}, #{ins_lsb}, #{ins_width}")
            } else if bfx_preferred(sf, true, imms, immr) {
                format!("ubfx {rd_s}, {rn_s}, #{ext_lsb}, #{ext_width}")
            } else {
                let name = if imms == 7 { "uxtb" } else { "uxth" };
                format!("{name} {rd_s}, {wn}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_masks_match_known_immediates() {
        // and x0, x1, #0xff  → N=1 immr=0 imms=000111
        assert_eq!(
            decode_bit_masks(true, 0b000111, 0, true, 64).unwrap().0,
            0xff
        );
        // orr w0, w1, #0x55555555 → N=0 immr=0 imms=111100 (2-bit element 01)
        assert_eq!(
            decode_bit_masks(false, 0b111100, 0, true, 32).unwrap().0,
            0x5555_5555
        );
        // and x0, x0, #0x8000000000000000 → N=1 immr=1 imms=0
        assert_eq!(
            decode_bit_masks(true, 0, 1, true, 64).unwrap().0,
            0x8000_0000_0000_0000
        );
        // All-ones elements are reserved for immediates.
        assert!(decode_bit_masks(true, 0b111111, 0, true, 64).is_none());
        assert!(decode_bit_masks(false, 0b111101, 0, true, 32).is_none());
        // N=0 with imms=11111x has no valid element size.
        assert!(decode_bit_masks(false, 0b111110, 0, true, 32).is_none());
    }

    /// Every (N, immr, imms) against a direct transcription of the pseudocode's
    /// element-by-element Replicate.
    #[test]
    fn bit_masks_match_the_pseudocode_everywhere() {
        let reference = |n: bool, imms: u32, immr: u32, datasize: u32| {
            let combined = ((n as u32) << 6) | (!imms & 0x3f);
            let len = 31u32.checked_sub(combined.leading_zeros())?;
            let esize = 1u32 << len;
            let levels = esize - 1;
            if len < 1 || esize > datasize || imms & levels == levels {
                return None;
            }
            let (s, r) = (imms & levels, immr & levels);
            let mut elem = 0u64;
            for i in 0..esize {
                // Bit i of ROR(ones(s + 1), r) within the element.
                let src = (i + r) % esize;
                if src <= s {
                    elem |= 1 << i;
                }
            }
            let mut out = 0u64;
            for k in 0..datasize / esize {
                out |= elem << (k * esize);
            }
            Some(out)
        };
        for datasize in [32, 64] {
            for n in [false, true] {
                for immr in 0..64 {
                    for imms in 0..64 {
                        let got = decode_bit_masks(n, imms, immr, true, datasize).map(|m| m.0);
                        let want = reference(n, imms, immr, datasize);
                        assert_eq!(got, want, "N={n} immr={immr} imms={imms} size={datasize}");
                    }
                }
            }
        }
    }

    #[test]
    fn unallocated_immediate_encodings() {
        // and w0, w1, #imm with N=1: unallocated.
        assert_eq!(decode(0x1240_0020), None);
        assert_eq!(decode(0x9240_1c20), Some(Op::LogicalImm)); // and x0, x1, #0xff

        // sbfm with opc=11 and a 32-bit bitfield with N=1 / imms<5> set.
        assert_eq!(decode(0x7300_0000), None);
        assert_eq!(decode(0x1340_0000), None);
        assert_eq!(decode(0x1300_8000), None);
        assert_eq!(decode(0x1300_7c20), Some(Op::Bitfield)); // sbfm w0, w1, #0, #31

        // extr w with imms<5> set, and with N != sf.
        assert_eq!(decode(0x1381_8020), None);
        assert_eq!(decode(0x93c1_0020), Some(Op::Extract)); // extr x0, x1, x1, #0
        assert_eq!(decode(0x9381_0020), None);
        // ADDG (add with tags, MTE) is not allocated here.
        assert_eq!(decode(0x9180_0000), None);
    }
}
