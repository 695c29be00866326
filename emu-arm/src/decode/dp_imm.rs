//! Data processing — immediate (Arm ARM C4.1.86): PC-relative addressing, add/subtract
//! (immediate), logical (immediate), move wide, bitfield, extract.
//!
//! Only the ARMv8.0-A base forms are allocated here: add/subtract with tags (ADDG/SUBG,
//! op1 = 011, MTE) and the v8.9 min/max (immediate) forms stay unmatched, hence UNDEF.

use super::{bit, bits, pat, pat_if, scan, Pat};

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

/// Repeats the `esize`-bit element `v` to fill `datasize` bits.
fn replicate(v: u64, esize: u32, datasize: u32) -> u64 {
    let mut out = 0u64;
    let mut pos = 0;
    while pos < datasize {
        out |= v << pos;
        pos += esize;
    }
    out
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
