//! Semantics: data processing — immediate.
//!
//! Immediates and masks depend only on instruction bits, so they are computed in Rust at
//! translation time and enter the code as constants.

use super::*;
use crate::decode::dp_imm::{decode_bit_masks, Op};
use crate::decode::{bit, bits, rd, rm, rn, sext};

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    let sf = bit(raw, 31);
    match op {
        Op::PcRel => {
            let imm = (bits(raw, 23, 5) << 2 | bits(raw, 30, 29)) as u64;
            let target = if bit(raw, 31) {
                // ADRP: 4 KiB page of pc plus a page offset of ±4 GiB.
                (pc & !0xfff).wrapping_add(sext(imm, 21) << 12)
            } else {
                pc.wrapping_add(sext(imm, 21))
            };
            let v = e.imm(target);
            set_x(e, rd(raw), v);
        }
        Op::AddSubImm => {
            let sub = bit(raw, 30);
            let s = bit(raw, 29);
            let imm = (bits(raw, 21, 10) as u64) << if bit(raw, 22) { 12 } else { 0 };
            let a = x_sp(e, rn(raw));
            let b = e.imm(imm);
            let r = if sub {
                sub_with_flags(e, a, b, sf, s)
            } else {
                let zero = e.imm(0);
                add_with_carry(e, a, b, zero, sf, s)
            };
            // Flag-setting forms write XZR for Rd=31; the others write SP.
            if s {
                set_xw(e, rd(raw), r, sf)
            } else {
                set_xw_sp(e, rd(raw), r, sf)
            }
        }
        Op::LogicalImm => logical_imm(e, raw, sf, pc)?,
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
        Op::Bitfield => bitfield(e, raw, sf),
        Op::Extract => {
            let lsb = bits(raw, 15, 10) as u64;
            let lo = xw(e, rm(raw), sf);
            let hi = xw(e, rn(raw), sf);
            let r = if sf {
                if lsb == 0 {
                    lo
                } else {
                    // (Rn:Rm) >> lsb, keeping the low 64 bits.
                    let k = e.imm(lsb);
                    let low_part = e.bin(BinOp::Lshr, lo, k);
                    let k2 = e.imm(64 - lsb);
                    let high_part = e.bin(BinOp::Shl, hi, k2);
                    e.bin(BinOp::Or, low_part, high_part)
                }
            } else {
                // The 64-bit concatenation Wn:Wm holds the whole 32-bit pair.
                let k32 = e.imm(32);
                let hi_shifted = e.bin(BinOp::Shl, hi, k32);
                let concat = e.bin(BinOp::Or, hi_shifted, lo);
                let k = e.imm(lsb);
                e.bin(BinOp::Lshr, concat, k)
            };
            set_xw(e, rd(raw), r, sf);
        }
    }
    Ok(())
}

fn logical_imm<E: Emitter>(e: &mut E, raw: u32, sf: bool, pc: u64) -> Result<(), Exit> {
    let datasize = if sf { 64 } else { 32 };
    // The decoder rejects reserved masks; should one slip through, UNDEF rather than panic.
    let Some((imm, _)) = decode_bit_masks(
        bit(raw, 22),
        bits(raw, 15, 10),
        bits(raw, 21, 16),
        true,
        datasize,
    ) else {
        return undef(e, raw, pc);
    };
    let a = x(e, rn(raw));
    let b = e.imm(imm);
    let opc = bits(raw, 30, 29);
    let op = match opc {
        0 | 3 => BinOp::And,
        1 => BinOp::Or,
        _ => BinOp::Xor,
    };
    let r = e.bin(op, a, b);
    // The 32-bit immediate has zero upper bits, so AND stays zero-extended; ORR/EOR of a
    // 64-bit register value need the explicit zero-extension.
    let r = if sf { r } else { e.un(UnOp::Zext32, r) };
    if opc == 3 {
        set_logic_flags(e, r, sf);
        set_x(e, rd(raw), r);
    } else {
        // AND/ORR/EOR (immediate) write SP for Rd=31 (e.g. `and sp, x0, #~15` aligns a
        // stack pointer).
        set_x_sp(e, rd(raw), r);
    }
    Ok(())
}

/// SBFM/BFM/UBFM. With R = immr and S = imms: when S >= R the field is Rn<S:R>, placed at
/// bit 0 (xBFX, ASR/LSR, SXT*/UXT*); when S < R the field is Rn<S:0>, placed at bit
/// datasize - R (xBFIZ, LSL). SBFM sign-extends above the field, UBFM zeroes, BFM keeps Rd.
fn bitfield<E: Emitter>(e: &mut E, raw: u32, sf: bool) {
    let datasize: u32 = if sf { 64 } else { 32 };
    let opc = bits(raw, 30, 29);
    let r = bits(raw, 21, 16);
    let s = bits(raw, 15, 10);
    let (width, pos) = if s >= r {
        (s - r + 1, 0)
    } else {
        (s + 1, datasize - r)
    };
    // Move the field's top bit (bit S of the source) to bit 63, then shift right so the
    // field lands at `pos`; the shift kind chooses sign or zero extension above it.
    let src = x(e, rn(raw));
    let up = e.imm(63 - s as u64);
    let top_aligned = e.bin(BinOp::Shl, src, up);
    let down = e.imm((64 - width - pos) as u64);
    let result = match opc {
        0 => e.bin(BinOp::Ashr, top_aligned, down),
        2 => e.bin(BinOp::Lshr, top_aligned, down),
        _ => {
            // BFM: insert the field into the old Rd.
            let field = e.bin(BinOp::Lshr, top_aligned, down);
            let mask = ones64(width) << pos;
            let old = x(e, rd(raw));
            let keep = e.imm(!mask);
            let kept = e.bin(BinOp::And, old, keep);
            e.bin(BinOp::Or, kept, field)
        }
    };
    set_xw(e, rd(raw), result, sf);
}

/// `n` ones in the low bits (1 ≤ n ≤ 64).
const fn ones64(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}
