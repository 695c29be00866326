//! LSE atomics: CAS, CASP and the LD<op>/SWP family. Each maps onto one emitter atomic,
//! which is sequentially consistent, so the acquire/release variants need nothing more.

use super::*;
use crate::decode::{bit, bits, rd, rm, rn};
use emu_core::emit::AtomicOp;

fn size_bytes(raw: u32) -> u8 {
    1 << bits(raw, 31, 30)
}

/// CAS/CASA/CASL/CASAL: Rs holds the expected value and receives the old one.
pub fn cas<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let size = size_bytes(raw);
    let (s, t) = (rm(raw), rd(raw));
    let addr = x_sp(e, rn(raw));
    check_aligned(e, addr, size as u64)?;
    let rs = x(e, s);
    let expected = zero_extend(e, rs, size);
    let new = x(e, t);
    let old = e.atomic_cas(addr, expected, new, size)?;
    // `old` is zero-extended, which is also how a W register is written.
    set_x(e, s, old);
    Ok(())
}

/// CASP: the even/odd pairs <Rs, Rs+1> (expected, then old) and <Rt, Rt+1> (new); W pairs
/// make one 8-byte access, X pairs one 16-byte access.
pub fn casp<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let (s, t) = (rm(raw), rd(raw));
    let addr = x_sp(e, rn(raw));
    let (s_lo, s_hi) = (x(e, s), x(e, s + 1));
    let (t_lo, t_hi) = (x(e, t), x(e, t + 1));
    if bit(raw, 30) {
        check_aligned(e, addr, 16)?;
        let [old_lo, old_hi] = e.atomic_cas2(addr, [s_lo, s_hi], [t_lo, t_hi])?;
        set_x(e, s, old_lo);
        set_x(e, s + 1, old_hi);
    } else {
        check_aligned(e, addr, 8)?;
        let k32 = e.imm(32);
        let lo = e.un(UnOp::Zext32, s_lo);
        let hi = e.bin(BinOp::Shl, s_hi, k32);
        let expected = e.bin(BinOp::Or, lo, hi);
        let lo = e.un(UnOp::Zext32, t_lo);
        let hi = e.bin(BinOp::Shl, t_hi, k32);
        let new = e.bin(BinOp::Or, lo, hi);
        let old = e.atomic_cas(addr, expected, new, 8)?;
        let old_hi = e.bin(BinOp::Lshr, old, k32);
        set_w(e, s, old);
        set_x(e, s + 1, old_hi);
    }
    Ok(())
}

/// LDADD/LDCLR/LDEOR/LDSET/LDSMAX/LDSMIN/LDUMAX/LDUMIN (o3 = 0, opc bits 14:12) and SWP
/// (o3 = 1): Rt receives the old value (Rt = XZR gives the ST<op> aliases).
pub fn rmw<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let size = size_bytes(raw);
    let op = if bit(raw, 15) {
        AtomicOp::Swap
    } else {
        match bits(raw, 14, 12) {
            0 => AtomicOp::Add,
            1 => AtomicOp::Clr,
            2 => AtomicOp::Xor,
            3 => AtomicOp::Set,
            4 => AtomicOp::SMax,
            5 => AtomicOp::SMin,
            6 => AtomicOp::UMax,
            _ => AtomicOp::UMin,
        }
    };
    let addr = x_sp(e, rn(raw));
    check_aligned(e, addr, size as u64)?;
    let rs = x(e, rm(raw));
    let v = zero_extend(e, rs, size);
    let old = e.atomic_rmw(op, addr, v, size)?;
    set_x(e, rd(raw), old);
    Ok(())
}
