//! Semantics: data processing — immediate.

use super::*;
use crate::decode::dp_imm::Op;
use crate::decode::{bit, bits, rd, rn};

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, _pc: u64) -> Result<(), Exit> {
    let sf = bit(raw, 31);
    match op {
        Op::AddSubImm => {
            let sub = bit(raw, 30);
            let s = bit(raw, 29);
            let imm = (bits(raw, 21, 10) as u64) << if bit(raw, 22) { 12 } else { 0 };
            let a = x_sp(e, rn(raw));
            let b = e.imm(imm);
            let r = if sub {
                super::sub_with_flags(e, a, b, sf, s)
            } else {
                let zero = e.imm(0);
                super::add_with_carry(e, a, b, zero, sf, s)
            };
            // Flag-setting forms write XZR for Rd=31; the others write SP.
            if s {
                set_xw(e, rd(raw), r, sf)
            } else {
                set_xw_sp(e, rd(raw), r, sf)
            }
        }
        Op::MoveWide => {
            let opc = bits(raw, 30, 29);
            let shift = bits(raw, 22, 21) * 16;
            let imm = (bits(raw, 20, 5) as u64) << shift;
            let v = match opc {
                0 => e.imm(!imm),
                2 => e.imm(imm),
                _ => {
                    // MOVK: keep the other bits.
                    let old = x(e, rd(raw));
                    let keep = e.imm(!(0xffffu64 << shift));
                    let kept = e.bin(BinOp::And, old, keep);
                    let new = e.imm(imm);
                    e.bin(BinOp::Or, kept, new)
                }
            };
            set_xw(e, rd(raw), v, sf);
        }
    }
    Ok(())
}
