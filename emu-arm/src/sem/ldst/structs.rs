//! Advanced SIMD structure loads and stores: LD1–LD4/ST1–ST4 (multiple structures and
//! single structure), LD1R–LD4R, with optional post-index by an immediate (the bytes
//! moved) or by Xm.
//!
//! Elements are moved one by one with scalar accesses and packed into the 64-bit halves
//! of the V registers with shifts and ors; LD1/ST1 (multiple), whose registers are
//! contiguous in memory, moves whole 8-byte halves instead. All reads complete before any
//! register is written, so a fault leaves the registers untouched.

use super::*;
use crate::decode::ldst::{multi_layout, single_layout};
use crate::decode::{bit, rd, rm, rn};

/// Register `t + i` modulo 32: register lists wrap around from V31 to V0.
fn vreg(t: u32, i: u32) -> u32 {
    (t + i) % 32
}

/// Writes base + (total bytes, or Xm) back to Xn|SP for the post-index forms (bit 23).
fn post_index<E: Emitter>(e: &mut E, raw: u32, base: E::V, total: u32) {
    if !bit(raw, 23) {
        return;
    }
    let m = rm(raw);
    let step = if m == 31 {
        e.imm(total as u64)
    } else {
        x(e, m)
    };
    let wb = e.bin(BinOp::Add, base, step);
    set_x_sp(e, rn(raw), wb);
}

/// Mask of the low `bytes` bytes.
fn lane_mask(bytes: u32) -> u64 {
    if bytes >= 8 {
        u64::MAX
    } else {
        (1u64 << (bytes * 8)) - 1
    }
}

/// LD1–LD4 / ST1–ST4 (multiple structures).
pub fn multiple<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let Some(l) = multi_layout(raw) else {
        return undef(e, raw, pc);
    };
    let (t, is_load) = (rd(raw), bit(raw, 22));
    let base = x_sp(e, rn(raw));
    let nregs = l.rpt * l.selem;
    let halves = l.regbytes / 8;
    let elements = l.regbytes / l.ebytes;
    let zero = e.imm(0);
    // At most four registers of two halves each.
    let mut regs = [[zero; 2]; 4];
    if is_load {
        if l.selem == 1 {
            for (r, reg) in regs.iter_mut().enumerate().take(nregs as usize) {
                for (h, half) in reg.iter_mut().enumerate().take(halves as usize) {
                    let a = offset(e, base, (r as u64) * l.regbytes as u64 + 8 * h as u64);
                    *half = e.load(a, 8)?;
                }
            }
        } else {
            for el in 0..elements {
                for s in 0..l.selem {
                    let a = offset(e, base, ((el * l.selem + s) * l.ebytes) as u64);
                    let v = e.load(a, l.ebytes as u8)?;
                    let bitpos = el * l.ebytes * 8;
                    let (h, sh) = ((bitpos / 64) as usize, bitpos % 64);
                    let slot = &mut regs[s as usize][h];
                    *slot = if sh == 0 {
                        e.bin(BinOp::Or, *slot, v)
                    } else {
                        let k = e.imm(sh as u64);
                        let placed = e.bin(BinOp::Shl, v, k);
                        e.bin(BinOp::Or, *slot, placed)
                    };
                }
            }
        }
        // 64-bit arrangements leave the high halves zero.
        for (i, [lo, hi]) in regs.iter().enumerate().take(nregs as usize) {
            let r = vreg(t, i as u32);
            e.set(slot_v(r, false), *lo);
            e.set(slot_v(r, true), *hi);
        }
    } else {
        for (i, reg) in regs.iter_mut().enumerate().take(nregs as usize) {
            let r = vreg(t, i as u32);
            reg[0] = e.get(slot_v(r, false));
            reg[1] = e.get(slot_v(r, true));
        }
        if l.selem == 1 {
            for (r, reg) in regs.iter().enumerate().take(nregs as usize) {
                for (h, half) in reg.iter().enumerate().take(halves as usize) {
                    let a = offset(e, base, (r as u64) * l.regbytes as u64 + 8 * h as u64);
                    e.store(a, *half, 8)?;
                }
            }
        } else {
            for el in 0..elements {
                for s in 0..l.selem {
                    let a = offset(e, base, ((el * l.selem + s) * l.ebytes) as u64);
                    let bitpos = el * l.ebytes * 8;
                    let (h, sh) = ((bitpos / 64) as usize, bitpos % 64);
                    let whole = regs[s as usize][h];
                    let v = if sh == 0 {
                        whole
                    } else {
                        let k = e.imm(sh as u64);
                        e.bin(BinOp::Lshr, whole, k)
                    };
                    e.store(a, v, l.ebytes as u8)?;
                }
            }
        }
    }
    post_index(e, raw, base, l.total_bytes());
    Ok(())
}

/// LD1–LD4 / ST1–ST4 (single structure) and LD1R–LD4R.
pub fn single<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let Some(l) = single_layout(raw) else {
        return undef(e, raw, pc);
    };
    let (t, is_load, q) = (rd(raw), bit(raw, 22), bit(raw, 30));
    let base = x_sp(e, rn(raw));
    let zero = e.imm(0);
    let mut vals = [zero; 4];
    if l.replicate {
        // Multiplying by 0x0101.. (per element size) copies the element into every lane.
        let spread = match l.ebytes {
            1 => 0x0101_0101_0101_0101,
            2 => 0x0001_0001_0001_0001,
            4 => 0x0000_0001_0000_0001,
            _ => 1,
        };
        let k = e.imm(spread);
        for (s, val) in vals.iter_mut().enumerate().take(l.selem as usize) {
            let a = offset(e, base, s as u64 * l.ebytes as u64);
            let v = e.load(a, l.ebytes as u8)?;
            *val = e.bin(BinOp::Mul, v, k);
        }
        for (s, val) in vals.iter().enumerate().take(l.selem as usize) {
            let r = vreg(t, s as u32);
            e.set(slot_v(r, false), *val);
            e.set(slot_v(r, true), if q { *val } else { zero });
        }
    } else {
        let bitpos = l.index * l.ebytes * 8;
        let (hi, sh) = (bitpos >= 64, bitpos % 64);
        let shift = e.imm(sh as u64);
        if is_load {
            for (s, val) in vals.iter_mut().enumerate().take(l.selem as usize) {
                let a = offset(e, base, s as u64 * l.ebytes as u64);
                *val = e.load(a, l.ebytes as u8)?;
            }
            // Insert into the lane; the other lanes (and the other half) are kept.
            let keep = e.imm(!(lane_mask(l.ebytes) << sh));
            for (s, val) in vals.iter().enumerate().take(l.selem as usize) {
                let slot = slot_v(vreg(t, s as u32), hi);
                let old = e.get(slot);
                let kept = e.bin(BinOp::And, old, keep);
                let placed = e.bin(BinOp::Shl, *val, shift);
                let new = e.bin(BinOp::Or, kept, placed);
                e.set(slot, new);
            }
        } else {
            for s in 0..l.selem {
                let whole = e.get(slot_v(vreg(t, s), hi));
                let v = e.bin(BinOp::Lshr, whole, shift);
                let a = offset(e, base, (s * l.ebytes) as u64);
                e.store(a, v, l.ebytes as u8)?;
            }
        }
    }
    post_index(e, raw, base, l.total_bytes());
    Ok(())
}
