//! Semantics: branches. Direct targets use `goto`/`goto_cond` (the JIT can chain them);
//! register targets use `goto_dyn`. Target arithmetic wraps like the architecture's
//! 64-bit PC does, so no guest value can overflow host arithmetic.

use super::*;
use crate::decode::branch::Op;
use crate::decode::{bit, bits, rn, sext};

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    let next = pc.wrapping_add(4);
    match op {
        Op::BranchImm => {
            let target = pc.wrapping_add(sext(bits(raw, 25, 0) as u64, 26) << 2);
            if bit(raw, 31) {
                let link = e.imm(next);
                e.set(slot_x(30), link);
            }
            e.goto(target);
        }
        Op::BranchCond => {
            let target = pc.wrapping_add(imm19_offset(raw));
            let cond = bits(raw, 3, 0);
            // AL and NV always branch: make that visible as a direct (chainable) jump.
            if cond >= 0b1110 {
                e.goto(target);
            } else {
                let holds = cond_holds(e, cond);
                e.goto_cond(holds, target, next);
            }
        }
        Op::CompareBranch => {
            let target = pc.wrapping_add(imm19_offset(raw));
            let v = xw(e, bits(raw, 4, 0), bit(raw, 31));
            let zero = e.imm(0);
            let cc = if bit(raw, 24) { Cmp::Ne } else { Cmp::Eq };
            let taken = e.cmp(cc, v, zero);
            e.goto_cond(taken, target, next);
        }
        Op::TestBranch => {
            let offset = sext(bits(raw, 18, 5) as u64, 14) << 2;
            let target = pc.wrapping_add(offset);
            let bit_pos = (bits(raw, 31, 31) << 5) | bits(raw, 23, 19);
            let v = x(e, bits(raw, 4, 0));
            let mask = e.imm(1u64 << bit_pos);
            let tested = e.bin(BinOp::And, v, mask);
            let zero = e.imm(0);
            let cc = if bit(raw, 24) { Cmp::Ne } else { Cmp::Eq };
            let taken = e.cmp(cc, tested, zero);
            e.goto_cond(taken, target, next);
        }
        Op::Br | Op::Ret => {
            let target = x(e, rn(raw));
            e.goto_dyn(target);
        }
        Op::Blr => {
            // Read the target before writing the link register: `blr x30` is valid.
            let target = x(e, rn(raw));
            let link = e.imm(next);
            e.set(slot_x(30), link);
            e.goto_dyn(target);
        }
    }
    Ok(())
}

/// The byte offset of B.cond/CBZ/CBNZ: imm19 (bits 23..5) × 4, sign-extended.
fn imm19_offset(raw: u32) -> u64 {
    sext(bits(raw, 23, 5) as u64, 19) << 2
}
