//! Conditional compare and conditional select.

use super::*;

/// Splits condition `cond` into the value of its even "base" condition and whether the
/// result is that value's negation (odd conditions other than NV negate the even one
/// below them; AL and NV always hold). Callers swap the two outcomes of their select or
/// branch instead of emitting the negation: one operation less per B.cond/CSEL/CCMP.
pub(crate) fn cond_parts<E: Emitter>(e: &mut E, cond: u32) -> (E::V, bool) {
    if cond >= 0b1110 {
        (e.imm(1), false)
    } else {
        (cond_holds(e, cond & !1), cond & 1 == 1)
    }
}

/// CCMN/CCMP: if the condition holds, NZCV := flags of `Rn + op2` (CCMN) or `Rn - op2`
/// (CCMP); otherwise NZCV := the instruction's `nzcv` immediate.
pub(super) fn cond_compare<E: Emitter>(e: &mut E, raw: u32, sf: bool, imm_operand: bool) {
    // The condition reads the old flags; the comparison's flags are only values until
    // the selection below writes the new NZCV.
    let (base, inverted) = cond_parts(e, bits(raw, 15, 12));
    let a = x(e, rn(raw));
    let b = if imm_operand {
        e.imm(bits(raw, 20, 16) as u64)
    } else {
        x(e, rm(raw))
    };
    let (_, computed) = add_sub_flags(e, a, b, bit(raw, 30), sf);
    let fallbacks = encode_flags_const(bits(raw, 3, 0) as u64);
    for (i, slot) in [SLOT_N, SLOT_Z, SLOT_C, SLOT_V].into_iter().enumerate() {
        let fallback = e.imm(fallbacks[i]);
        let v = if inverted {
            e.select(base, fallback, computed[i])
        } else {
            e.select(base, computed[i], fallback)
        };
        e.set(slot, v);
    }
}

/// CSEL/CSINC/CSINV/CSNEG: `Rd = cond ? Rn : f(Rm)` with f = identity, +1, NOT, negate.
pub(super) fn cond_select<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let (base, inverted) = cond_parts(e, bits(raw, 15, 12));
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
    let r = if inverted {
        e.select(base, b, a)
    } else {
        e.select(base, a, b)
    };
    set_xw(e, rd(raw), r, sf);
}
