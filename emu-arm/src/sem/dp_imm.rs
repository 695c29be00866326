//! Semantics: data processing — immediate.
//!
//! Immediates and masks depend only on instruction bits, so they are computed in Rust at
//! translation time and enter the code as constants.

use super::*;
use crate::decode::dp_imm::{decode_bit_masks, Op};
use crate::decode::{bit, bits, rd, rm, rn, sext};

// Inlined so that `sem::interp`'s handlers, which pass a constant `op`, keep only
// that operation's arm.
#[inline(always)]
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
            let r = if imm == 0 && !s {
                // MOV to/from SP (`add Xd, Xn, #0`): a plain copy.
                a
            } else {
                let b = e.imm(imm);
                super::dp_reg::add_sub(e, a, b, sub, sf, s)
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
        Op::Bitfield => bitfield(e, raw, sf, pc)?,
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
            } else if rn(raw) == rm(raw) {
                // ROR Wd, Wn, #lsb (the preferred disassembly): one 32-bit rotate.
                let k = e.imm(lsb);
                e.bin(BinOp::Rotr32, lo, k)
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
fn bitfield<E: Emitter>(e: &mut E, raw: u32, sf: bool, pc: u64) -> Result<(), Exit> {
    let datasize: u32 = if sf { 64 } else { 32 };
    let opc = bits(raw, 30, 29);
    let r = bits(raw, 21, 16);
    let s = bits(raw, 15, 10);
    // The decoder rejects these; re-checked because the shift arithmetic below relies on
    // R, S < datasize.
    if r >= datasize || s >= datasize {
        return undef(e, raw, pc);
    }
    let (width, pos) = if s >= r {
        (s - r + 1, 0)
    } else {
        (s + 1, datasize - r)
    };
    // Move the field's top bit (bit S of the source) to bit 63, then shift right so the
    // field lands at `pos`; the shift kind chooses sign or zero extension above it.
    let src = x(e, rn(raw));
    // Shifts by zero (LSR/ASR have S = 63; extracts reaching bit 63 need no move down)
    // are skipped rather than emitted.
    let top_aligned = shift_imm(e, BinOp::Shl, src, 63 - s);
    let down = 64 - width - pos;
    let result = match opc {
        0 => shift_imm(e, BinOp::Ashr, top_aligned, down),
        2 => shift_imm(e, BinOp::Lshr, top_aligned, down),
        _ => {
            // BFM: insert the field into the old Rd.
            let field = shift_imm(e, BinOp::Lshr, top_aligned, down);
            let mask = ones64(width) << pos;
            let old = x(e, rd(raw));
            let keep = e.imm(!mask);
            let kept = e.bin(BinOp::And, old, keep);
            e.bin(BinOp::Or, kept, field)
        }
    };
    set_xw(e, rd(raw), result, sf);
    Ok(())
}

/// `v` shifted by a constant amount; nothing is emitted for an amount of 0.
fn shift_imm<E: Emitter>(e: &mut E, op: BinOp, v: E::V, amount: u32) -> E::V {
    if amount == 0 {
        v
    } else {
        let k = e.imm(amount as u64);
        e.bin(op, v, k)
    }
}

/// `n` ones in the low bits (1 ≤ n ≤ 64).
const fn ones64(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

#[cfg(test)]
mod tests {
    use crate::sem::dp_reg::tests::run;
    use crate::testkit::CODE;

    /// Runs one instruction with x0/x1/x2 set and returns x0.
    fn x0_after(word: u32, x0: u64, x1: u64, x2: u64) -> u64 {
        run(&[word], |c| {
            c.x[0] = x0;
            c.x[1] = x1;
            c.x[2] = x2;
        })
        .x[0]
    }

    #[test]
    fn adr_and_adrp() {
        // adr x0, .+0x100; adr x1, .-4; adrp x2, .+0x1000; adrp x3, .-0x1000
        let cpu = run(
            &[0x1000_0800, 0x10ff_ffe1, 0xb000_0002, 0xf0ff_ffe3],
            |_| {},
        );
        assert_eq!(cpu.x[0], CODE + 0x100);
        assert_eq!(cpu.x[1], CODE);
        assert_eq!(cpu.x[2], (CODE & !0xfff) + 0x1000);
        assert_eq!(cpu.x[3], (CODE & !0xfff) - 0x1000);
    }

    #[test]
    fn bitfield_aliases() {
        let v = 0x1234_5678_9abc_def0;
        assert_eq!(x0_after(0xd348_5c20, 0, v, 0), 0xbcde); // ubfx x0, x1, #8, #16
        assert_eq!(x0_after(0x1304_2c20, 0, 0xf80, 0), 0xffff_fff8); // sbfx w0, w1, #4, #8
        assert_eq!(
            x0_after(0xb348_1c20, 0x1111_1111_1111_1111, 0xab, 0), // bfi x0, x1, #56, #8
            0xab11_1111_1111_1111
        );
        assert_eq!(
            x0_after(0x3318_7c20, 0xffff_ffff_2222_2222, 0xcd00_0000, 0), // bfxil w0, w1, #24, #8
            0x2222_22cd
        );
        assert_eq!(x0_after(0x9340_1c20, 0, 0x80, 0), 0xffff_ffff_ffff_ff80); // sxtb x0, w1
        assert_eq!(x0_after(0x1300_3c20, 0, 0x8000, 0), 0xffff_8000); // sxth w0, w1
        assert_eq!(
            x0_after(0x9340_7c20, 0, 0x1_8000_0000, 0), // sxtw x0, w1
            0xffff_ffff_8000_0000
        );
        assert_eq!(x0_after(0x5300_1c20, 0, 0x1234, 0), 0x34); // uxtb w0, w1
        assert_eq!(x0_after(0x5300_3c20, 0, 0x1_2345, 0), 0x2345); // uxth w0, w1
        assert_eq!(x0_after(0x5301_0020, 0, 3, 0), 0x8000_0000); // lsl w0, w1, #31
        assert_eq!(x0_after(0x5304_0c20, 0, 0x1f, 0), 0xf000_0000); // lsl w0, w1, #28
        assert_eq!(
            x0_after(0x9360_3c20, 0, 0x8000, 0), // sbfiz x0, x1, #32, #16
            0xffff_8000_0000_0000
        );
        assert_eq!(x0_after(0x937f_fc20, 0, 1 << 63, 0), u64::MAX); // asr x0, x1, #63
    }

    #[test]
    fn logical_and_move_immediates() {
        // mov x0, #0x5555555555555555 (orr x0, xzr, #imm)
        assert_eq!(x0_after(0xb200_f3e0, 7, 0, 0), 0x5555_5555_5555_5555);
        // mov x0, #0xffff0000ffff0000
        assert_eq!(x0_after(0xb210_3fe0, 0, 0, 0), 0xffff_0000_ffff_0000);
        // eor w0, w1, #0xff00ff00: the upper half of x1 does not leak into x0.
        assert_eq!(
            x0_after(0x5208_9c20, 0, 0xffff_ffff_0000_ffff, 0),
            0xff00_00ff
        );
        // and x0, x1, #3
        assert_eq!(x0_after(0x9240_0420, 0, 0xff, 0), 3);
        // ands w0, w1, #0x80000000: N from bit 31, Z when clear.
        let cpu = run(&[0x7201_0020], |c| c.x[1] = 0x8000_0001);
        assert_eq!((cpu.x[0], cpu.nzcv()), (0x8000_0000, 0x8000_0000));
        let cpu = run(&[0x7201_0020], |c| {
            c.x[1] = 1;
            c.set_nzcv(0x3000_0000);
        });
        assert_eq!((cpu.x[0], cpu.nzcv()), (0, 0x4000_0000));
        // movn w0, #0 / movn x0, #1, lsl #16
        assert_eq!(x0_after(0x1280_0000, 0, 0, 0), 0xffff_ffff);
        assert_eq!(x0_after(0x92a0_0020, 0, 0, 0), !0x1_0000u64);
    }

    #[test]
    fn add_immediate_sp_and_flags() {
        // sub sp, sp, #0x10
        let cpu = run(&[0xd100_43ff], |c| c.x[31] = 0x1000);
        assert_eq!(cpu.sp(), 0xff0);
        // adds w0, w1, #0xfff, lsl #12: carries out of 32 bits to zero.
        let cpu = run(&[0x317f_fc20], |c| c.x[1] = 0xff00_1000);
        assert_eq!((cpu.x[0], cpu.nzcv()), (0, 0x6000_0000));
    }

    #[test]
    fn extract_and_rotate() {
        // extr w0, w1, w2, #8
        assert_eq!(
            x0_after(0x1382_2020, 0, 0x1122_3344, 0x5566_7788),
            0x4455_6677
        );
        // extr x0, x1, x2, #60
        assert_eq!(x0_after(0x93c2_f020, 0, 1, 0xf << 60), 0x1f);
        // ror x0, x1, #4 (extr x0, x1, x1, #4)
        assert_eq!(x0_after(0x93c1_1020, 0, 1, 0), 1 << 60);
    }
}
