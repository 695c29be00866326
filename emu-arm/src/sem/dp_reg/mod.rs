//! Semantics: data processing — register. Arithmetic and logical forms are here;
//! conditional forms in `cond.rs`, the 1- and 2-source group (bit/byte reversal, counts,
//! division, variable shifts, CRC) in `misc.rs`, multiplies in `mul.rs`.

#[cfg(test)]
mod compiled_tests;
mod cond;
pub(crate) use cond::cond_parts;
mod crc;
mod misc;
mod mul;
#[cfg(test)]
pub(crate) mod tests;

use super::*;
use crate::decode::dp_reg::Op;
use crate::decode::{bit, bits, rd, rm, rn};

// Inlined so that `sem::interp`'s handlers, which pass a constant `op`, keep only
// that operation's arm.
#[inline(always)]
pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, _pc: u64) -> Result<(), Exit> {
    let sf = bit(raw, 31);
    match op {
        Op::LogicalShifted => logical_shifted(e, raw, sf),
        Op::AddSubShifted => add_sub_shifted(e, raw, sf),
        Op::AddSubExtended => add_sub_extended(e, raw, sf),
        Op::AddSubCarry => add_sub_carry(e, raw, sf),
        Op::CondCompareReg => cond::cond_compare(e, raw, sf, false),
        Op::CondCompareImm => cond::cond_compare(e, raw, sf, true),
        Op::CondSelect => cond::cond_select(e, raw, sf),
        Op::Rbit => misc::rbit(e, raw, sf),
        Op::Rev16 => misc::rev16(e, raw, sf),
        Op::Rev32 => misc::rev32(e, raw, sf),
        Op::Rev64 => misc::rev64(e, raw),
        Op::Clz => misc::count_leading(e, raw, sf, false),
        Op::Cls => misc::count_leading(e, raw, sf, true),
        Op::Udiv => misc::divide(e, raw, sf, false),
        Op::Sdiv => misc::divide(e, raw, sf, true),
        Op::ShiftVar => misc::shift_variable(e, raw, sf),
        Op::Crc32 => crc::crc(e, raw, false),
        Op::Crc32c => crc::crc(e, raw, true),
        Op::MulAdd => mul::mul_add(e, raw, sf),
        Op::SMulAddLong => mul::mul_add_long(e, raw, true),
        Op::UMulAddLong => mul::mul_add_long(e, raw, false),
        Op::SMulHigh => mul::mul_high(e, raw, BinOp::SMulHi),
        Op::UMulHigh => mul::mul_high(e, raw, BinOp::UMulHi),
    }
    Ok(())
}

/// Arm shift types (the `shift` field and LSLV/LSRV/ASRV/RORV's op2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShiftType {
    Lsl,
    Lsr,
    Asr,
    Ror,
}

impl ShiftType {
    pub(crate) fn from_bits(b: u32) -> ShiftType {
        match b & 3 {
            0 => ShiftType::Lsl,
            1 => ShiftType::Lsr,
            2 => ShiftType::Asr,
            _ => ShiftType::Ror,
        }
    }
}

/// Shifts `v` by `amount` (a value already reduced below the datasize) as a 64-bit
/// (`sf`) or 32-bit operation. For 32 bits only the low 32 bits of the result are
/// meaningful; callers zero-extend.
pub(crate) fn shift_by<E: Emitter>(
    e: &mut E,
    v: E::V,
    ty: ShiftType,
    amount: E::V,
    sf: bool,
) -> E::V {
    match (ty, sf) {
        (ShiftType::Lsl, _) => e.bin(BinOp::Shl, v, amount),
        (ShiftType::Lsr, true) => e.bin(BinOp::Lshr, v, amount),
        (ShiftType::Asr, true) => e.bin(BinOp::Ashr, v, amount),
        (ShiftType::Ror, true) => e.bin(BinOp::Rotr, v, amount),
        (ShiftType::Lsr, false) => {
            let z = e.un(UnOp::Zext32, v);
            e.bin(BinOp::Lshr, z, amount)
        }
        (ShiftType::Asr, false) => {
            let s = e.un(UnOp::Sext32, v);
            e.bin(BinOp::Ashr, s, amount)
        }
        (ShiftType::Ror, false) => e.bin(BinOp::Rotr32, v, amount),
    }
}

/// Operand 2 of the shifted-register forms: Rm shifted by the constant imm6.
fn shifted_rm<E: Emitter>(e: &mut E, raw: u32, sf: bool) -> E::V {
    let v = x(e, rm(raw));
    let amount = bits(raw, 15, 10);
    if amount == 0 {
        return v;
    }
    let ty = ShiftType::from_bits(bits(raw, 23, 22));
    let k = e.imm(amount as u64);
    shift_by(e, v, ty, k, sf)
}

fn logical_shifted<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let opc = bits(raw, 30, 29);
    let invert = bit(raw, 21);
    if opc == 1 && !invert && rn(raw) == 31 && bits(raw, 15, 10) == 0 {
        // MOV (register), one of the most frequent instructions: `orr Xd, xzr, Xm` is a
        // plain copy, so emit no OR with zero.
        let v = x(e, rm(raw));
        set_xw(e, rd(raw), v, sf);
        return;
    }
    let a = x(e, rn(raw));
    let b = shifted_rm(e, raw, sf);
    let op = match (opc, invert) {
        (0 | 3, false) => BinOp::And,
        (0 | 3, true) => BinOp::AndNot,
        (1, false) => BinOp::Or,
        (1, true) => BinOp::OrNot,
        (_, false) => BinOp::Xor,
        (_, true) => BinOp::XorNot,
    };
    let r = e.bin(op, a, b);
    let r = if sf { r } else { e.un(UnOp::Zext32, r) };
    if opc == 3 {
        set_logic_flags(e, r, sf);
    }
    set_x(e, rd(raw), r);
}

fn add_sub_shifted<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let a = x(e, rn(raw));
    let b = shifted_rm(e, raw, sf);
    let r = add_or_sub(e, raw, a, b, sf);
    set_xw(e, rd(raw), r, sf);
}

fn add_sub_extended<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let a = x_sp(e, rn(raw));
    let m = x(e, rm(raw));
    let extended = match bits(raw, 15, 13) {
        0 => e.un(UnOp::Zext8, m),
        1 => e.un(UnOp::Zext16, m),
        2 => e.un(UnOp::Zext32, m),
        4 => e.un(UnOp::Sext8, m),
        5 => e.un(UnOp::Sext16, m),
        6 => e.un(UnOp::Sext32, m),
        // UXTX/SXTX: the whole register.
        _ => m,
    };
    let shift = bits(raw, 12, 10);
    let b = if shift == 0 {
        extended
    } else {
        let k = e.imm(shift as u64);
        e.bin(BinOp::Shl, extended, k)
    };
    let r = add_or_sub(e, raw, a, b, sf);
    // Like ADD (immediate): the flag-setting forms write XZR for Rd=31, the others SP.
    if bit(raw, 29) {
        set_xw(e, rd(raw), r, sf)
    } else {
        set_xw_sp(e, rd(raw), r, sf)
    }
}

/// `a + b` or `a - b` per the op bit (30), setting flags per the S bit (29).
fn add_or_sub<E: Emitter>(e: &mut E, raw: u32, a: E::V, b: E::V, sf: bool) -> E::V {
    add_sub(e, a, b, bit(raw, 30), sf, bit(raw, 29))
}

/// `a + b` or `a - b` on 64 or 32 (`sf` false) bits, writing NZCV when `set_flags`.
///
/// Without flags a 32-bit result is returned as is (its upper half is junk: callers write
/// it with `set_xw`/`set_xw_sp`, which zero-extend); with flags it is zero-extended. This
/// is the carry-less special case of `add_with_carry`, with cheaper flag formulas (e.g.
/// C of a subtraction is just `a >= b` unsigned), because ADD/SUB/CMP are among the most
/// frequent guest instructions.
pub(crate) fn add_sub<E: Emitter>(
    e: &mut E,
    a: E::V,
    b: E::V,
    sub: bool,
    sf: bool,
    set_flags: bool,
) -> E::V {
    if !set_flags {
        return e.bin(if sub { BinOp::Sub } else { BinOp::Add }, a, b);
    }
    let (r, [n, z, c, v]) = add_sub_flags(e, a, b, sub, sf);
    e.set(SLOT_N, n);
    e.set(SLOT_Z, z);
    e.set(SLOT_C, c);
    e.set(SLOT_V, v);
    r
}

/// The result (zero-extended for 32 bits) and the N, Z, C, V values (as the state stores
/// them, see `CpuState::n`) of `a + b` or `a - b`, without writing any state.
pub(crate) fn add_sub_flags<E: Emitter>(
    e: &mut E,
    a: E::V,
    b: E::V,
    sub: bool,
    sf: bool,
) -> (E::V, [E::V; 4]) {
    let (a, b) = if sf {
        (a, b)
    } else {
        (e.un(UnOp::Zext32, a), e.un(UnOp::Zext32, b))
    };
    let wide = e.bin(if sub { BinOp::Sub } else { BinOp::Add }, a, b);
    let r = if sf { wide } else { e.un(UnOp::Zext32, wide) };
    let n = flag_n_of(e, r, sf);
    let z = r;
    let c = if sub {
        // Arm's carry of a subtraction is "no borrow".
        e.cmp(Cmp::Uge, a, b)
    } else if sf {
        e.cmp(Cmp::Ult, r, a)
    } else {
        let k32 = e.imm(32);
        e.bin(BinOp::Lshr, wide, k32)
    };
    // Signed overflow: for a + b, both operands differ in sign from the result; for
    // a - b, the operands differ in sign and the result's sign differs from a's.
    let overflow_bits = if sub {
        let t1 = e.bin(BinOp::Xor, a, b);
        let t2 = e.bin(BinOp::Xor, a, r);
        e.bin(BinOp::And, t1, t2)
    } else {
        let t1 = e.bin(BinOp::Xor, r, a);
        let t2 = e.bin(BinOp::Xor, r, b);
        e.bin(BinOp::And, t1, t2)
    };
    // For 32 bits the operands are zero-extended: the flag is bit 31, moved to bit 63.
    let v = if sf {
        overflow_bits
    } else {
        e.un(UnOp::Sext32, overflow_bits)
    };
    (r, [n, z, c, v])
}

/// ADC/ADCS/SBC/SBCS: `Rn + Rm + C` or `Rn + NOT(Rm) + C`.
fn add_sub_carry<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let a = x(e, rn(raw));
    let m = x(e, rm(raw));
    let b = if bit(raw, 30) { e.un(UnOp::Not, m) } else { m };
    let carry = e.get(SLOT_C);
    let r = add_with_carry(e, a, b, carry, sf, bit(raw, 29));
    set_xw(e, rd(raw), r, sf);
}
