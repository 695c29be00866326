//! Data processing — immediate (Arm ARM C4.1.86): PC-relative addressing, add/subtract
//! (immediate), logical (immediate), move wide, bitfield, extract.

use super::{pat, scan, Pat};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// ADD/ADDS/SUB/SUBS (immediate), incl. the MOV-to/from-SP and CMP/CMN aliases.
    AddSubImm,
    /// MOVN/MOVZ/MOVK.
    MoveWide,
}

pub static TABLE: &[Pat<Op>] = &[
    pat(
        "sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5",
        Op::AddSubImm,
    ),
    // opc=01 is unallocated; hw<2> with sf=0 is unallocated.
    super::pat_if("sf:1 opc:2 100101 hw:2 imm16:16 Rd:5", Op::MoveWide, |r| {
        let opc = (r >> 29) & 3;
        let sf = r >> 31;
        let hw = (r >> 21) & 3;
        opc != 1 && (sf == 1 || hw < 2)
    }),
];

pub fn decode(raw: u32) -> Option<Op> {
    scan(TABLE, raw)
}
