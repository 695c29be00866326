//! Conditional compare and conditional select.

use super::*;

/// CCMN/CCMP: if the condition holds, NZCV := flags of `Rn + op2` (CCMN) or `Rn - op2`
/// (CCMP); otherwise NZCV := the instruction's `nzcv` immediate.
pub(super) fn cond_compare<E: Emitter>(e: &mut E, raw: u32, sf: bool, imm_operand: bool) {
    // The condition reads the old flags; the comparison's flags are only values until
    // the selection below writes the new NZCV.
    let holds = cond_holds(e, bits(raw, 15, 12));
    let a = x(e, rn(raw));
    let b = if imm_operand {
        e.imm(bits(raw, 20, 16) as u64)
    } else {
        x(e, rm(raw))
    };
    let (_, computed) = add_sub_flags(e, a, b, bit(raw, 30), sf);
    let nzcv = bits(raw, 3, 0);
    for (i, slot) in [SLOT_N, SLOT_Z, SLOT_C, SLOT_V].into_iter().enumerate() {
        let fallback = e.imm(((nzcv >> (3 - i)) & 1) as u64);
        let v = e.select(holds, computed[i], fallback);
        e.set(slot, v);
    }
}

/// CSEL/CSINC/CSINV/CSNEG: `Rd = cond ? Rn : f(Rm)` with f = identity, +1, NOT, negate.
pub(super) fn cond_select<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let holds = cond_holds(e, bits(raw, 15, 12));
    let a = x(e, rn(raw));
    let m = x(e, rm(raw));
    let b = match (bit(raw, 30), bit(raw, 10)) {
        (false, false) => m,
        (false, true) => {
            let one = e.imm(1);
            e.bin(BinOp::Add, m, one)
        }
        (true, false) => e.un(UnOp::Not, m),
        (true, true) => e.un(UnOp::Neg, m),
    };
    let r = e.select(holds, a, b);
    set_xw(e, rd(raw), r, sf);
}
