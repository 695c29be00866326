//! Data processing (3 sources): multiply-add/subtract and the high-half multiplies.

use super::*;
use crate::decode::ra;

/// MADD/MSUB: `Ra ± Rn * Rm`. The low 32 bits of a 64-bit product depend only on the low
/// 32 bits of the operands, so the 32-bit form needs no extension before `set_xw`.
pub(super) fn mul_add<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let n = x(e, rn(raw));
    let m = x(e, rm(raw));
    let product = e.bin(BinOp::Mul, n, m);
    let acc = x(e, ra(raw));
    let op = if bit(raw, 15) { BinOp::Sub } else { BinOp::Add };
    let r = e.bin(op, acc, product);
    set_xw(e, rd(raw), r, sf);
}

/// SMADDL/SMSUBL/UMADDL/UMSUBL: `Xa ± Wn * Wm` with a 64-bit product of 32-bit operands.
pub(super) fn mul_add_long<E: Emitter>(e: &mut E, raw: u32, signed: bool) {
    let ext = if signed { UnOp::Sext32 } else { UnOp::Zext32 };
    let n = x(e, rn(raw));
    let n = e.un(ext, n);
    let m = x(e, rm(raw));
    let m = e.un(ext, m);
    let product = e.bin(BinOp::Mul, n, m);
    let acc = x(e, ra(raw));
    let op = if bit(raw, 15) { BinOp::Sub } else { BinOp::Add };
    let r = e.bin(op, acc, product);
    set_x(e, rd(raw), r);
}

/// SMULH/UMULH: the high 64 bits of the 128-bit product.
pub(super) fn mul_high<E: Emitter>(e: &mut E, raw: u32, op: BinOp) {
    let n = x(e, rn(raw));
    let m = x(e, rm(raw));
    let r = e.bin(op, n, m);
    set_x(e, rd(raw), r);
}
