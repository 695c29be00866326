//! Advanced SIMD: vector and scalar integer, permute and FP instructions.
//!
//! The operation of each encoding is identified by `decode::fp_simd::simd` (the same
//! functions the decoder's checks use). Pure data moves — vector logic, MOVI and
//! friends, DUP/INS from a general register, UMOV — are emitted inline on the 64-bit
//! halves; everything else is a state helper working on whole 128-bit values.

pub mod dot_rdm;
pub mod fpvec;
pub mod inline;
pub mod int;
pub mod lanes;
pub mod permute;

use super::*;
use crate::decode::fp_simd::simd::{self as id, Copy as CopyOp, ModImm, ShiftImm, ThreeSame};
use crate::decode::fp_simd::Op;
use crate::sem::fp_simd::fp::{cpu, undef as helper_undef};
use crate::sem::fp_simd::helper;

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    match op {
        Op::SimdModImm => match id::mod_imm_op(raw) {
            Some(m) => {
                mod_imm(e, raw, m);
                Ok(())
            }
            None => undef(e, raw, pc),
        },
        Op::SimdCopy => {
            // Every copy form is an inline data move.
            let Some(copy) = id::copy_op(raw) else {
                return undef(e, raw, pc);
            };
            match copy {
                CopyOp::DupGeneral => dup_general(e, raw),
                CopyOp::Umov => umov(e, raw),
                CopyOp::InsGeneral => ins_general(e, raw),
                CopyOp::DupElement => dup_element(e, raw),
                CopyOp::InsElement => ins_element(e, raw),
                CopyOp::Smov => smov(e, raw),
            }
            Ok(())
        }
        Op::SimdThreeSame => match id::three_same_op(raw) {
            Some(
                op @ (ThreeSame::And
                | ThreeSame::Bic
                | ThreeSame::Orr
                | ThreeSame::Orn
                | ThreeSame::Eor
                | ThreeSame::Bsl
                | ThreeSame::Bit
                | ThreeSame::Bif),
            ) => {
                vector_logic(e, raw, op);
                Ok(())
            }
            Some(ThreeSame::AddP) if bits(raw, 23, 22) < 3 => {
                pairwise_inline(e, raw, inline::PairOp::Add);
                Ok(())
            }
            Some(ThreeSame::MaxP { unsigned: true }) => {
                pairwise_inline(e, raw, inline::PairOp::UMax);
                Ok(())
            }
            Some(ThreeSame::MinP { unsigned: true }) => {
                pairwise_inline(e, raw, inline::PairOp::UMin);
                Ok(())
            }
            Some(
                op @ (ThreeSame::Add
                | ThreeSame::Sub
                | ThreeSame::CmEq
                | ThreeSame::CmTst
                | ThreeSame::CmGt { .. }
                | ThreeSame::CmGe { .. }
                | ThreeSame::Max { .. }
                | ThreeSame::Min { .. }),
            ) => {
                lanewise_binary(e, raw, op);
                Ok(())
            }
            Some(ThreeSame::Fp { op, double }) => {
                crate::sem::fp_simd::fp::fast::three_same(e, raw, op, double, three_same_helper)
                    .unwrap_or_else(|| helper(e, three_same_helper, raw))
            }
            Some(_) => helper(e, three_same_helper, raw),
            None => undef(e, raw, pc),
        },
        Op::SimdTwoReg => match id::two_reg_op(raw) {
            Some(id::TwoReg::CmZero(c)) => {
                compare_zero(e, raw, c);
                Ok(())
            }
            Some(id::TwoReg::Xtn) => {
                narrow_inline(e, raw, id::esize(bits(raw, 23, 22)), 0);
                Ok(())
            }
            // The decoder only admits element sizes smaller than the container.
            Some(id::TwoReg::Rev { container }) => {
                reverse_inline(e, raw, container);
                Ok(())
            }
            Some(_) => helper(e, two_reg_helper, raw),
            None => undef(e, raw, pc),
        },
        Op::SimdShiftImm => match id::shift_imm_op(raw, false) {
            Some(ShiftImm::Shrn {
                round: false,
                sat: None,
            }) => {
                let immh = bits(raw, 22, 19);
                let es = 8 << (31 - immh.leading_zeros());
                narrow_inline(e, raw, es, 2 * es - bits(raw, 22, 16));
                Ok(())
            }
            Some(ShiftImm::Shl) => {
                shift_imm_inline(e, raw, true);
                Ok(())
            }
            Some(ShiftImm::ShrR {
                unsigned,
                round: false,
                accumulate,
            }) => {
                shift_right_inline(e, raw, unsigned, accumulate);
                Ok(())
            }
            Some(_) => helper(e, shift_imm_helper, raw),
            None => undef(e, raw, pc),
        },
        Op::SimdThreeSameExtra => helper(e, three_same_extra_helper, raw),
        Op::ScalarThreeSameExtra => helper(e, scalar_three_same_extra_helper, raw),
        Op::SimdThreeDiff => helper(e, three_diff_helper, raw),
        Op::SimdAcross => helper(e, across_helper, raw),
        Op::SimdByElem => by_elem_fast(e, raw, false, by_elem_helper),
        Op::SimdPermute => helper(e, permute_helper, raw),
        Op::SimdExt => helper(e, ext_helper, raw),
        Op::SimdTbl => helper(e, tbl_helper, raw),
        Op::ScalarThreeSame => helper(e, scalar_three_same_helper, raw),
        Op::ScalarThreeDiff => helper(e, scalar_three_diff_helper, raw),
        Op::ScalarTwoReg => helper(e, scalar_two_reg_helper, raw),
        Op::ScalarPairwise => helper(e, scalar_pairwise_helper, raw),
        // DUP (element, scalar), alias MOV: a data move; imm5 without a size bit is
        // reserved, and the helper reports it.
        Op::ScalarCopy if bits(raw, 19, 16) != 0 => {
            scalar_dup_element(e, raw);
            Ok(())
        }
        Op::ScalarCopy => helper(e, scalar_copy_helper, raw),
        Op::ScalarShiftImm => helper(e, scalar_shift_imm_helper, raw),
        Op::ScalarByElem => by_elem_fast(e, raw, true, scalar_by_elem_helper),
        _ => undef(e, raw, pc),
    }
}

/// Writes both halves of V`n`; a 64-bit operation (`q` false) zeroes the high half.
fn set_v<E: Emitter>(e: &mut E, n: u32, lo: E::V, hi: E::V, q: bool) {
    e.set(slot_v(n, false), lo);
    let hi = if q { hi } else { e.imm(0) };
    e.set(slot_v(n, true), hi);
}

/// MOVI, MVNI, ORR/BIC (vector, immediate), FMOV (vector, immediate).
fn mod_imm<E: Emitter>(e: &mut E, raw: u32, m: ModImm) {
    let q = bit(raw, 30);
    let d = rd(raw);
    let (lo, hi) = match m {
        ModImm::Movi(imm) => (e.imm(imm), e.imm(imm)),
        ModImm::Mvni(imm) => (e.imm(!imm), e.imm(!imm)),
        ModImm::Orr(imm) | ModImm::Bic(imm) => {
            let (op, k) = if let ModImm::Orr(_) = m {
                (BinOp::Or, imm)
            } else {
                (BinOp::AndNot, imm)
            };
            let k = e.imm(k);
            let lo = e.get(slot_v(d, false));
            let hi = e.get(slot_v(d, true));
            (e.bin(op, lo, k), e.bin(op, hi, k))
        }
    };
    set_v(e, d, lo, hi, q);
}

/// Element size in bits of a copy instruction's imm5 (validated by the decoder).
fn copy_esize(raw: u32) -> u32 {
    8 << id::imm5_size(bits(raw, 20, 16)).unwrap_or(0)
}

fn lane_mask(es: u32) -> u64 {
    lanes::ones(es)
}

/// ADD, SUB, CMEQ, CMTST, CMGT/CMHI, CMGE/CMHS, SMAX/UMAX, SMIN/UMIN (vector) lane-wise
/// on each half.
fn lanewise_binary<E: Emitter>(e: &mut E, raw: u32, op: ThreeSame) {
    let q = bit(raw, 30);
    let es = id::esize(bits(raw, 23, 22));
    let half = |e: &mut E, hi: bool| {
        let a = e.get(slot_v(rn(raw), hi));
        let b = e.get(slot_v(rm(raw), hi));
        match op {
            ThreeSame::Add => inline::add_sub(e, a, b, es, false),
            ThreeSame::Sub => inline::add_sub(e, a, b, es, true),
            ThreeSame::CmEq => {
                let x = e.bin(BinOp::Xor, a, b);
                inline::eq_zero(e, x, es)
            }
            // a > b is b < a; a >= b is not a < b.
            ThreeSame::CmGt { unsigned } => inline::less_than(e, b, a, es, !unsigned),
            ThreeSame::CmGe { unsigned } => {
                let lt = inline::less_than(e, a, b, es, !unsigned);
                e.un(UnOp::Not, lt)
            }
            ThreeSame::Max { unsigned } => {
                let lt = inline::less_than(e, a, b, es, !unsigned);
                inline::select_bits(e, lt, b, a)
            }
            ThreeSame::Min { unsigned } => {
                let lt = inline::less_than(e, a, b, es, !unsigned);
                inline::select_bits(e, lt, a, b)
            }
            _ => {
                // CMTST: lanes where a & b is non-zero.
                let x = e.bin(BinOp::And, a, b);
                let z = inline::eq_zero(e, x, es);
                e.un(UnOp::Not, z)
            }
        }
    };
    let lo = half(e, false);
    let hi = if q { half(e, true) } else { e.imm(0) };
    set_v(e, rd(raw), lo, hi, q);
}

/// CMEQ, CMGT, CMGE, CMLE, CMLT (vector, zero).
fn compare_zero<E: Emitter>(e: &mut E, raw: u32, c: id::CmpZero) {
    let q = bit(raw, 30);
    let es = id::esize(bits(raw, 23, 22));
    let half = |e: &mut E, hi: bool| {
        let a = e.get(slot_v(rn(raw), hi));
        match c {
            id::CmpZero::Eq => inline::eq_zero(e, a, es),
            id::CmpZero::Lt => inline::negative(e, a, es),
            id::CmpZero::Ge => {
                let n = inline::negative(e, a, es);
                e.un(UnOp::Not, n)
            }
            id::CmpZero::Le | id::CmpZero::Gt => {
                let n = inline::negative(e, a, es);
                let z = inline::eq_zero(e, a, es);
                let le = e.bin(BinOp::Or, n, z);
                if c == id::CmpZero::Le {
                    le
                } else {
                    e.un(UnOp::Not, le)
                }
            }
        }
    };
    let lo = half(e, false);
    let hi = if q { half(e, true) } else { e.imm(0) };
    set_v(e, rd(raw), lo, hi, q);
}

/// REV16/REV32/REV64 (vector): reverse the elements inside each container, on each
/// 64-bit half with byte swaps and masked shifts (sha256sum and other byte-order-heavy
/// code does one per 16 bytes; a helper call cost a quarter of its time).
fn reverse_inline<E: Emitter>(e: &mut E, raw: u32, container: u32) {
    let q = bit(raw, 30);
    let es = id::esize(bits(raw, 23, 22));
    let half = |e: &mut E, hi: bool| {
        let a = e.get(slot_v(rn(raw), hi));
        inline::reverse_elements(e, a, es, container)
    };
    let lo = half(e, false);
    let hi = if q { half(e, true) } else { e.imm(0) };
    set_v(e, rd(raw), lo, hi, q);
}

/// SHL and USHR (vector, immediate).
fn shift_imm_inline<E: Emitter>(e: &mut E, raw: u32, left: bool) {
    let q = bit(raw, 30);
    let immh = bits(raw, 22, 19);
    let es = 8 << (31 - immh.leading_zeros());
    let immhb = bits(raw, 22, 16);
    let n = if left { immhb - es } else { 2 * es - immhb };
    let half = |e: &mut E, hi: bool| {
        let a = e.get(slot_v(rn(raw), hi));
        inline::shift_lanes(e, a, es, n, left)
    };
    let lo = half(e, false);
    let hi = if q { half(e, true) } else { e.imm(0) };
    set_v(e, rd(raw), lo, hi, q);
}

/// USHR, SSHR, USRA, SSRA (vector, immediate).
fn shift_right_inline<E: Emitter>(e: &mut E, raw: u32, unsigned: bool, accumulate: bool) {
    let q = bit(raw, 30);
    let immh = bits(raw, 22, 19);
    let es = 8 << (31 - immh.leading_zeros());
    let n = 2 * es - bits(raw, 22, 16);
    let half = |e: &mut E, hi: bool| {
        let a = e.get(slot_v(rn(raw), hi));
        let s = if unsigned {
            inline::shift_lanes(e, a, es, n, false)
        } else {
            inline::sshr_lanes(e, a, es, n)
        };
        if accumulate {
            let d = e.get(slot_v(rd(raw), hi));
            inline::add_sub(e, d, s, es, false)
        } else {
            s
        }
    };
    let lo = half(e, false);
    let hi = if q { half(e, true) } else { e.imm(0) };
    set_v(e, rd(raw), lo, hi, q);
}

/// XTN/XTN2 and SHRN/SHRN2: narrow each 2*es-bit lane of V`n` (shifted right by `n`) to
/// `es` bits; the "2" forms write the upper half and keep the lower.
fn narrow_inline<E: Emitter>(e: &mut E, raw: u32, es: u32, n: u32) {
    let lo = e.get(slot_v(rn(raw), false));
    let hi = e.get(slot_v(rn(raw), true));
    let lo = inline::narrow_half(e, lo, es, n);
    let hi = inline::narrow_half(e, hi, es, n);
    let k = e.imm(32);
    let hi = e.bin(BinOp::Shl, hi, k);
    let packed = e.bin(BinOp::Or, lo, hi);
    if bit(raw, 30) {
        e.set(slot_v(rd(raw), true), packed);
    } else {
        set_v(e, rd(raw), packed, packed, false);
    }
}

/// ADDP, UMAXP, UMINP (vector, lanes below 64 bits): pairs of Vn:Vm concatenated, the
/// low half of the result from Vn and the high half from Vm.
fn pairwise_inline<E: Emitter>(e: &mut E, raw: u32, op: inline::PairOp) {
    let q = bit(raw, 30);
    let es = id::esize(bits(raw, 23, 22));
    let k32 = e.imm(32);
    // One 64-bit result from the pairs of a whole source register (or its low half).
    let from = |e: &mut E, n: u32| {
        let lo = e.get(slot_v(n, false));
        let lo = inline::pairwise_half(e, lo, es, op);
        if q {
            let hi = e.get(slot_v(n, true));
            let hi = inline::pairwise_half(e, hi, es, op);
            let hi = e.bin(BinOp::Shl, hi, k32);
            e.bin(BinOp::Or, lo, hi)
        } else {
            lo
        }
    };
    let a = from(e, rn(raw));
    let b = from(e, rm(raw));
    if q {
        set_v(e, rd(raw), a, b, true);
    } else {
        // Two 32-bit halves: Vn's pairs then Vm's.
        let b = e.bin(BinOp::Shl, b, k32);
        let v = e.bin(BinOp::Or, a, b);
        set_v(e, rd(raw), v, v, false);
    }
}

/// The element of V`n` that DUP (element) names in imm5, zero-extended, and its size.
fn dup_source_element<E: Emitter>(e: &mut E, raw: u32) -> (E::V, u32) {
    let es = copy_esize(raw);
    let index = bits(raw, 20, 16) >> (es.trailing_zeros() - 2);
    let (hi, sh) = elem_pos(es, index);
    let v = e.get(slot_v(rn(raw), hi));
    let s = e.imm(sh);
    let v = e.bin(BinOp::Lshr, v, s);
    let m = e.imm(lane_mask(es));
    (e.bin(BinOp::And, v, m), es)
}

/// DUP (element, vector): one element of V`n` replicated.
fn dup_element<E: Emitter>(e: &mut E, raw: u32) {
    let (v, es) = dup_source_element(e, raw);
    let rep = e.imm(u64::MAX / lane_mask(es));
    let v = e.bin(BinOp::Mul, v, rep);
    set_v(e, rd(raw), v, v, bit(raw, 30));
}

/// DUP (element, scalar): element `index` of V`n`, zero-extended into V`d`.
fn scalar_dup_element<E: Emitter>(e: &mut E, raw: u32) {
    let (v, _) = dup_source_element(e, raw);
    crate::sem::fp_simd::set_v_lo(e, rd(raw), v);
}

/// DUP (general): the low element of X`n` replicated.
fn dup_general<E: Emitter>(e: &mut E, raw: u32) {
    let es = copy_esize(raw);
    let x = x(e, rn(raw));
    let m = e.imm(lane_mask(es));
    let x = e.bin(BinOp::And, x, m);
    // Multiplying by 0x..0101 (one bit per element) replicates the element.
    let rep = e.imm(u64::MAX / lane_mask(es));
    let v = e.bin(BinOp::Mul, x, rep);
    set_v(e, rd(raw), v, v, bit(raw, 30));
}

/// (Half, shift) holding element `index` of `es` bits.
fn elem_pos(es: u32, index: u32) -> (bool, u64) {
    let bitpos = (es * index) % 128;
    (bitpos >= 64, (bitpos % 64) as u64)
}

/// UMOV (and its MOV alias): a zero-extended element to W or X.
fn umov<E: Emitter>(e: &mut E, raw: u32) {
    let es = copy_esize(raw);
    let index = bits(raw, 20, 16) >> (es.trailing_zeros() - 2);
    let (hi, sh) = elem_pos(es, index);
    let v = e.get(slot_v(rn(raw), hi));
    let s = e.imm(sh);
    let v = e.bin(BinOp::Lshr, v, s);
    let m = e.imm(lane_mask(es));
    let v = e.bin(BinOp::And, v, m);
    set_x(e, rd(raw), v);
}

/// SMOV: a sign-extended element to W (Q = 0, zero-extended into X) or X.
fn smov<E: Emitter>(e: &mut E, raw: u32) {
    let es = copy_esize(raw);
    let index = bits(raw, 20, 16) >> (es.trailing_zeros() - 2);
    let (hi, sh) = elem_pos(es, index);
    let v = e.get(slot_v(rn(raw), hi));
    // Move the element to the top, then shift it back arithmetically.
    let up = e.imm(64 - es as u64 - sh);
    let v = e.bin(BinOp::Shl, v, up);
    let down = e.imm(64 - es as u64);
    let v = e.bin(BinOp::Ashr, v, down);
    set_xw(e, rd(raw), v, bit(raw, 30));
}

/// INS (element): V`d`[imm5 index] = V`n`[imm4 index].
fn ins_element<E: Emitter>(e: &mut E, raw: u32) {
    let es = copy_esize(raw);
    let size = es.trailing_zeros() - 3;
    let (src_hi, src_sh) = elem_pos(es, bits(raw, 14, 11) >> size);
    let (dst_hi, dst_sh) = elem_pos(es, bits(raw, 20, 16) >> (size + 1));
    let v = e.get(slot_v(rn(raw), src_hi));
    let s = e.imm(src_sh);
    let v = e.bin(BinOp::Lshr, v, s);
    let m = e.imm(lane_mask(es));
    let v = e.bin(BinOp::And, v, m);
    let s = e.imm(dst_sh);
    let v = e.bin(BinOp::Shl, v, s);
    let slot = slot_v(rd(raw), dst_hi);
    let old = e.get(slot);
    let keep = e.imm(!(lane_mask(es) << dst_sh));
    let old = e.bin(BinOp::And, old, keep);
    let v = e.bin(BinOp::Or, old, v);
    e.set(slot, v);
}

/// INS (general): replace one element of V`d` with the low bits of X`n`.
fn ins_general<E: Emitter>(e: &mut E, raw: u32) {
    let es = copy_esize(raw);
    let index = bits(raw, 20, 16) >> (es.trailing_zeros() - 2);
    let (hi, sh) = elem_pos(es, index);
    let slot = slot_v(rd(raw), hi);
    let old = e.get(slot);
    let keep = e.imm(!(lane_mask(es) << sh));
    let old = e.bin(BinOp::And, old, keep);
    let x = x(e, rn(raw));
    let m = e.imm(lane_mask(es));
    let x = e.bin(BinOp::And, x, m);
    let s = e.imm(sh);
    let x = e.bin(BinOp::Shl, x, s);
    let v = e.bin(BinOp::Or, old, x);
    e.set(slot, v);
}

/// AND, BIC, ORR, ORN, EOR, BSL, BIT, BIF on each 64-bit half.
fn vector_logic<E: Emitter>(e: &mut E, raw: u32, op: ThreeSame) {
    let q = bit(raw, 30);
    let half = |e: &mut E, hi: bool| {
        let a = e.get(slot_v(rn(raw), hi));
        let b = e.get(slot_v(rm(raw), hi));
        match op {
            ThreeSame::And => e.bin(BinOp::And, a, b),
            ThreeSame::Bic => e.bin(BinOp::AndNot, a, b),
            ThreeSame::Orr => e.bin(BinOp::Or, a, b),
            ThreeSame::Orn => e.bin(BinOp::OrNot, a, b),
            ThreeSame::Eor => e.bin(BinOp::Xor, a, b),
            _ => {
                // BSL: d ? a : b bitwise; BIT: b ? a : d; BIF: b ? d : a.
                let d = e.get(slot_v(rd(raw), hi));
                let (sel, x, y) = match op {
                    ThreeSame::Bsl => (d, a, b),
                    ThreeSame::Bit => (b, a, d),
                    _ => (b, d, a),
                };
                // y ^ ((x ^ y) & sel)
                let t = e.bin(BinOp::Xor, x, y);
                let t = e.bin(BinOp::And, t, sel);
                e.bin(BinOp::Xor, y, t)
            }
        }
    };
    let lo = half(e, false);
    let hi = if q { half(e, true) } else { e.imm(0) };
    set_v(e, rd(raw), lo, hi, q);
}

/// FP multiplies by element inline when possible, else (and for everything else) the
/// by-element helper, which also reports UNDEF for unallocated encodings.
fn by_elem_fast<E: Emitter>(
    e: &mut E,
    raw: u32,
    scalar: bool,
    f: emu_core::emit::StateHelper,
) -> Result<(), Exit> {
    id::by_elem_op(raw, scalar)
        .and_then(|op| crate::sem::fp_simd::fp::fast::by_elem(e, raw, op, scalar, f))
        .unwrap_or_else(|| helper(e, f, raw))
}

macro_rules! simd_helper {
    ($(#[$doc:meta])* $name:ident, |$st:ident, $w:ident| $body:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `state` must point to the running `CpuState`.
        unsafe extern "C" fn $name(state: *mut u8, raw: u64, _: u64, _: u64) -> u64 {
            let $st = cpu(state);
            let $w = raw as u32;
            let run = |$st: &mut CpuState, $w: u32| -> Option<()> { $body };
            let ok = run($st, $w);
            match ok {
                Some(()) => 0,
                None => helper_undef($st, raw),
            }
        }
    };
}

simd_helper!(
    /// Vector three-same (integer and FP).
    three_same_helper,
    |st, w| {
        match id::three_same_op(w)? {
            ThreeSame::Fp { op, double } => fpvec::three_same(st, w, op, double),
            op => int::three_same(st, w, op),
        }
        Some(())
    }
);

simd_helper!(three_diff_helper, |st, w| {
    let (op, unsigned) = id::three_diff_op(w)?;
    int::three_diff(st, w, op, unsigned);
    Some(())
});

simd_helper!(two_reg_helper, |st, w| {
    match id::two_reg_op(w)? {
        id::TwoReg::Fp { op, double } => fpvec::two_reg(st, w, op, double, false),
        id::TwoReg::FcvtN => fpvec::fcvt_vector(st, w, true),
        id::TwoReg::FcvtL => fpvec::fcvt_vector(st, w, false),
        id::TwoReg::FcvtXn => fpvec::fcvtxn(st, w, false),
        op => int::two_reg(st, w, op, false),
    }
    Some(())
});

simd_helper!(across_helper, |st, w| {
    match id::across_op(w)? {
        op
        @ (id::Across::FMaxNmV | id::Across::FMinNmV | id::Across::FMaxV | id::Across::FMinV) => {
            fpvec::across(st, w, op)
        }
        op => int::across(st, w, op),
    }
    Some(())
});

fn shift_imm_common(st: &mut CpuState, w: u32, scalar: bool) -> Option<()> {
    match id::shift_imm_op(w, scalar)? {
        ShiftImm::CvtF { unsigned } => fpvec::fixed_conv(st, w, true, unsigned, scalar),
        ShiftImm::CvtZ { unsigned } => fpvec::fixed_conv(st, w, false, unsigned, scalar),
        op => int::shift_imm(st, w, op, scalar),
    }
    Some(())
}

simd_helper!(shift_imm_helper, |st, w| shift_imm_common(st, w, false));
simd_helper!(scalar_shift_imm_helper, |st, w| shift_imm_common(
    st, w, true
));

fn by_elem_common(st: &mut CpuState, w: u32, scalar: bool) -> Option<()> {
    match id::by_elem_op(w, scalar)? {
        op @ (id::ByElem::FMul { .. }
        | id::ByElem::FMla { .. }
        | id::ByElem::FMls { .. }
        | id::ByElem::FMulX { .. }) => fpvec::by_elem(st, w, op, scalar),
        op => int::by_elem(st, w, op, scalar),
    }
    Some(())
}

simd_helper!(three_same_extra_helper, |st, w| {
    let op = id::three_same_extra_op(w, false)?;
    dot_rdm::three_same_extra(st, w, op, false);
    Some(())
});
simd_helper!(scalar_three_same_extra_helper, |st, w| {
    let op = id::three_same_extra_op(w, true)?;
    dot_rdm::three_same_extra(st, w, op, true);
    Some(())
});

simd_helper!(by_elem_helper, |st, w| by_elem_common(st, w, false));
simd_helper!(scalar_by_elem_helper, |st, w| by_elem_common(st, w, true));

simd_helper!(permute_helper, |st, w| {
    permute::permute(st, w);
    Some(())
});
simd_helper!(ext_helper, |st, w| {
    permute::ext(st, w);
    Some(())
});
simd_helper!(tbl_helper, |st, w| {
    permute::tbl(st, w);
    Some(())
});

simd_helper!(scalar_copy_helper, |st, w| {
    permute::dup_element(st, w, true);
    Some(())
});

simd_helper!(scalar_three_same_helper, |st, w| {
    match id::scalar_three_same_op(w)? {
        ThreeSame::Fp { op, double } => fpvec::scalar_three_same(st, w, op, double, false),
        op => int::scalar_three_same(st, w, op),
    }
    Some(())
});

simd_helper!(scalar_pairwise_helper, |st, w| {
    match id::scalar_pairwise_op(w)? {
        ThreeSame::Fp { op, double } => fpvec::scalar_three_same(st, w, op, double, true),
        op => int::scalar_three_same(st, w, op),
    }
    Some(())
});

simd_helper!(scalar_two_reg_helper, |st, w| {
    match id::scalar_two_reg_op(w)? {
        id::TwoReg::Fp { op, double } => fpvec::two_reg(st, w, op, double, true),
        id::TwoReg::FcvtXn => fpvec::fcvtxn(st, w, true),
        op => int::two_reg(st, w, op, true),
    }
    Some(())
});

simd_helper!(scalar_three_diff_helper, |st, w| {
    int::scalar_three_diff(st, w, id::scalar_three_diff_op(w)?);
    Some(())
});
