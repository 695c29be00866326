//! Data movement: ZIP/UZP/TRN, EXT, TBL/TBX, and DUP (element, scalar).

use super::lanes::*;
use crate::decode::fp_simd::simd::{esize, imm5_size};
use crate::decode::{bit, bits, rd, rm, rn};
use crate::state::CpuState;

/// ZIP1/ZIP2, UZP1/UZP2, TRN1/TRN2.
pub fn permute(st: &mut CpuState, w: u32) {
    let q = bit(w, 30);
    let es = esize(bits(w, 23, 22));
    let opcode = bits(w, 14, 12);
    let part = (opcode >> 2) & 1; // 1 for the "2" forms
    let (a, b) = (vget(st, rn(w)), vget(st, rm(w)));
    let n = count(q, es);
    let mut r = 0u128;
    for i in 0..n {
        let v = match opcode & 3 {
            // UZP: even (or odd) elements of Vn:Vm concatenated.
            1 => {
                let j = 2 * i + part;
                if j < n {
                    lane(a, es, j)
                } else {
                    lane(b, es, j - n)
                }
            }
            // TRN: element pairs interleaved by index parity.
            2 => {
                let base = (i & !1) + part;
                if i & 1 == 0 {
                    lane(a, es, base)
                } else {
                    lane(b, es, base)
                }
            }
            // ZIP: interleave the low (or high) halves.
            _ => {
                let j = part * (n / 2) + i / 2;
                if i & 1 == 0 {
                    lane(a, es, j)
                } else {
                    lane(b, es, j)
                }
            }
        };
        set_lane(&mut r, es, i, v);
    }
    vset(st, rd(w), r, q);
}

/// EXT: bytes `imm4..` of Vm:Vn.
pub fn ext(st: &mut CpuState, w: u32) {
    let q = bit(w, 30);
    let pos = bits(w, 14, 11);
    let (a, b) = (vget(st, rn(w)), vget(st, rm(w)));
    let n = count(q, 8);
    let mut r = 0u128;
    for i in 0..n {
        let j = i + pos;
        let v = if j < n {
            lane(a, 8, j)
        } else {
            lane(b, 8, j - n)
        };
        set_lane(&mut r, 8, i, v);
    }
    vset(st, rd(w), r, q);
}

/// TBL/TBX with a table of 1-4 consecutive registers (wrapping after V31).
pub fn tbl(st: &mut CpuState, w: u32) {
    let q = bit(w, 30);
    let regs = bits(w, 14, 13) + 1;
    let tbx = bit(w, 12);
    let table: Vec<u128> = (0..regs).map(|k| vget(st, (rn(w) + k) % 32)).collect();
    let idx = vget(st, rm(w));
    let d = vget(st, rd(w));
    let mut r = 0u128;
    for i in 0..count(q, 8) {
        let x = lane(idx, 8, i) as u32;
        let v = if x < 16 * regs {
            lane(table[(x / 16) as usize], 8, x % 16)
        } else if tbx {
            lane(d, 8, i)
        } else {
            0
        };
        set_lane(&mut r, 8, i, v);
    }
    vset(st, rd(w), r, q);
}

/// DUP (element): vector, or scalar (`scalar`, one element).
pub fn dup_element(st: &mut CpuState, w: u32, scalar: bool) {
    let q = bit(w, 30) && !scalar;
    let imm5 = bits(w, 20, 16);
    let Some(size) = imm5_size(imm5) else { return };
    let es = 8 << size;
    let e = lane(vget(st, rn(w)), es, imm5 >> (size + 1));
    let mut r = 0u128;
    let n = if scalar { 1 } else { count(q, es) };
    for i in 0..n {
        set_lane(&mut r, es, i, e);
    }
    vset(st, rd(w), r, q);
}
