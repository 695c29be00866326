//! Data processing (1 source) and the non-CRC part of data processing (2 sources).

use super::*;

pub(super) fn rbit<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let v = x(e, rn(raw));
    let r = e.un(UnOp::Bitrev, v);
    // Reversing all 64 bits moves the low word, reversed, into the high word.
    let r = if sf {
        r
    } else {
        let k32 = e.imm(32);
        e.bin(BinOp::Lshr, r, k32)
    };
    set_xw(e, rd(raw), r, sf);
}

/// Swaps the two bytes of every halfword.
pub(super) fn rev16<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let v = x(e, rn(raw));
    let k8 = e.imm(8);
    let down = e.bin(BinOp::Lshr, v, k8);
    let low_bytes = e.imm(0x00ff_00ff_00ff_00ff);
    let down = e.bin(BinOp::And, down, low_bytes);
    let up = e.bin(BinOp::Shl, v, k8);
    let high_bytes = e.imm(0xff00_ff00_ff00_ff00);
    let up = e.bin(BinOp::And, up, high_bytes);
    let r = e.bin(BinOp::Or, down, up);
    set_xw(e, rd(raw), r, sf);
}

/// REV32 Xd (bytes of each word reversed) or REV Wd (bytes of the word reversed).
pub(super) fn rev32<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let v = x(e, rn(raw));
    let swapped = e.un(UnOp::Bswap, v);
    let k32 = e.imm(32);
    // A full byte swap also swaps the two words: rotate them back (64-bit), or take the
    // high word, which holds the low word reversed (32-bit).
    let r = if sf {
        e.bin(BinOp::Rotr, swapped, k32)
    } else {
        e.bin(BinOp::Lshr, swapped, k32)
    };
    set_xw(e, rd(raw), r, sf);
}

pub(super) fn rev64<E: Emitter>(e: &mut E, raw: u32) {
    let v = x(e, rn(raw));
    let r = e.un(UnOp::Bswap, v);
    set_x(e, rd(raw), r);
}

/// CLZ or CLS. The 32-bit forms count on the value zero- (CLZ) or sign-extended (CLS) to
/// 64 bits, which adds exactly 32 to the count.
pub(super) fn count_leading<E: Emitter>(e: &mut E, raw: u32, sf: bool, sign: bool) {
    let v = x(e, rn(raw));
    let (ext, op) = if sign {
        (UnOp::Sext32, UnOp::Cls)
    } else {
        (UnOp::Zext32, UnOp::Clz)
    };
    let r = if sf {
        e.un(op, v)
    } else {
        let w = e.un(ext, v);
        let n = e.un(op, w);
        let k32 = e.imm(32);
        e.bin(BinOp::Sub, n, k32)
    };
    set_xw(e, rd(raw), r, sf);
}

/// UDIV/SDIV. The emitter's division already has Arm's semantics (x / 0 = 0, MIN / -1 =
/// MIN); 32-bit operands are extended so the 64-bit division gives the 32-bit result
/// (INT32_MIN / -1 = 2^31, whose low word is INT32_MIN again).
pub(super) fn divide<E: Emitter>(e: &mut E, raw: u32, sf: bool, signed: bool) {
    let a = x(e, rn(raw));
    let b = x(e, rm(raw));
    let (a, b) = if sf {
        (a, b)
    } else {
        let ext = if signed { UnOp::Sext32 } else { UnOp::Zext32 };
        (e.un(ext, a), e.un(ext, b))
    };
    let op = if signed { BinOp::SDiv } else { BinOp::UDiv };
    let r = e.bin(op, a, b);
    set_xw(e, rd(raw), r, sf);
}

/// LSLV/LSRV/ASRV/RORV: shift Rn by Rm modulo the datasize.
pub(super) fn shift_variable<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let a = x(e, rn(raw));
    let m = x(e, rm(raw));
    let modulo = e.imm(if sf { 63 } else { 31 });
    let amount = e.bin(BinOp::And, m, modulo);
    let ty = ShiftType::from_bits(bits(raw, 11, 10));
    let r = shift_by(e, a, ty, amount, sf);
    set_xw(e, rd(raw), r, sf);
}
