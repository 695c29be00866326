//! Semantics: loads and stores (Arm ARM C4.1.88).
//!
//! Ordering rule for precise faults: every memory access of an instruction happens before
//! any register is written, so a faulting load leaves the registers as they were. (A
//! multi-access store that faults part-way may have written its first part: the
//! architecture makes such memory UNKNOWN, and QEMU behaves the same.) Base-register
//! writeback comes last, so a load with writeback into its own base register ends with
//! the written-back address (QEMU's choice for this CONSTRAINED UNPREDICTABLE case), and a
//! store of its own base register stores the value before writeback.

mod atomic;
mod exclusive;
pub(crate) mod pair;
pub(crate) mod single;
mod structs;
#[cfg(test)]
pub(crate) mod tests;

use super::*;
use crate::decode::ldst::{Ext, Op, Xfer};

// Inlined so that `sem::interp`'s handlers, which pass a constant `op`, keep only
// that operation's arm.
#[inline(always)]
pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    match op {
        Op::LoadLiteral => single::load_literal(e, raw, pc),
        // A hint with no architectural effect: no access, so no fault either.
        Op::PrefetchLiteral => Ok(()),
        Op::UnsignedImm => single::exec(e, raw, pc, single::Mode::UnsignedImm),
        Op::Unscaled | Op::Unprivileged => single::exec(e, raw, pc, single::Mode::Unscaled),
        Op::PostIndex => single::exec(e, raw, pc, single::Mode::PostIndex),
        Op::PreIndex => single::exec(e, raw, pc, single::Mode::PreIndex),
        Op::RegOffset => single::exec(e, raw, pc, single::Mode::RegOffset),
        Op::Pair => pair::exec(e, raw, pc),
        Op::LoadExclusive => exclusive::load(e, raw),
        Op::StoreExclusive => exclusive::store(e, raw),
        Op::LoadExclusivePair => exclusive::load_pair(e, raw),
        Op::StoreExclusivePair => exclusive::store_pair(e, raw),
        Op::LoadAcquire => exclusive::load_acquire(e, raw),
        Op::StoreRelease => exclusive::store_release(e, raw),
        Op::Cas => atomic::cas(e, raw),
        Op::Casp => atomic::casp(e, raw),
        Op::AtomicRmw => atomic::rmw(e, raw),
        // RCpc's weaker acquire is implemented as LDAR's (always a valid implementation).
        Op::LoadAcquirePc => exclusive::load_acquire(e, raw),
        Op::OrderedUnscaled => exclusive::ordered_unscaled(e, raw, pc),
        Op::SimdMultiple => structs::multiple(e, raw, pc),
        Op::SimdSingle => structs::single(e, raw, pc),
    }
}

/// A loaded value on its way to a register.
#[derive(Clone, Copy)]
pub(crate) enum RegVal<V> {
    /// For Xt (31 = XZR).
    X(V),
    /// For Vt: `[low, high]` 64-bit halves.
    V([V; 2]),
}

/// `base + off` with a compile-time offset.
pub(crate) fn offset<E: Emitter>(e: &mut E, base: E::V, off: u64) -> E::V {
    if off == 0 {
        return base;
    }
    let k = e.imm(off);
    e.bin(BinOp::Add, base, k)
}

/// Sign-extends the low `bytes` of a zero-extended value to 64 bits.
pub(crate) fn sign_extend<E: Emitter>(e: &mut E, v: E::V, bytes: u8) -> E::V {
    match bytes {
        1 => e.un(UnOp::Sext8, v),
        2 => e.un(UnOp::Sext16, v),
        4 => e.un(UnOp::Sext32, v),
        _ => v,
    }
}

/// Zero-extends the low `bytes` of `v`.
pub(crate) fn zero_extend<E: Emitter>(e: &mut E, v: E::V, bytes: u8) -> E::V {
    match bytes {
        1 => e.un(UnOp::Zext8, v),
        2 => e.un(UnOp::Zext16, v),
        4 => e.un(UnOp::Zext32, v),
        _ => v,
    }
}

/// Reads `bytes` (1..=16) into a V register value, the rest zero.
pub(crate) fn load_vec<E: Emitter>(e: &mut E, addr: E::V, bytes: u8) -> Result<[E::V; 2], Exit> {
    if bytes == 16 {
        let lo = e.load(addr, 8)?;
        let a8 = offset(e, addr, 8);
        let hi = e.load(a8, 8)?;
        Ok([lo, hi])
    } else {
        let lo = e.load(addr, bytes)?;
        let zero = e.imm(0);
        Ok([lo, zero])
    }
}

/// Performs the memory read of a load transfer; `None` for stores and prefetches.
#[inline(always)]
pub(crate) fn load<E: Emitter>(
    e: &mut E,
    xfer: Xfer,
    addr: E::V,
) -> Result<Option<RegVal<E::V>>, Exit> {
    Ok(Some(match xfer {
        Xfer::Load { bytes, ext } => {
            let v = e.load(addr, bytes)?;
            RegVal::X(match ext {
                Ext::Zero => v,
                Ext::Sign64 => sign_extend(e, v, bytes),
                Ext::Sign32 => {
                    let s = sign_extend(e, v, bytes);
                    e.un(UnOp::Zext32, s)
                }
            })
        }
        Xfer::LoadV { bytes } => RegVal::V(load_vec(e, addr, bytes)?),
        Xfer::Store { .. } | Xfer::StoreV { .. } | Xfer::Prefetch => return Ok(None),
    }))
}

/// Writes a loaded value to register `rt`.
#[inline(always)]
pub(crate) fn write_reg<E: Emitter>(e: &mut E, rt: u32, v: RegVal<E::V>) {
    match v {
        RegVal::X(v) => set_x(e, rt, v),
        RegVal::V([lo, hi]) => {
            e.set(slot_v(rt, false), lo);
            e.set(slot_v(rt, true), hi);
        }
    }
}

/// Performs a store transfer of register `rt` (does nothing for loads and prefetches).
#[inline(always)]
pub(crate) fn store<E: Emitter>(e: &mut E, xfer: Xfer, rt: u32, addr: E::V) -> Result<(), Exit> {
    match xfer {
        Xfer::Store { bytes } => {
            let v = x(e, rt);
            e.store(addr, v, bytes)
        }
        Xfer::StoreV { bytes } => {
            let lo = e.get(slot_v(rt, false));
            if bytes == 16 {
                e.store(addr, lo, 8)?;
                let hi = e.get(slot_v(rt, true));
                let a8 = offset(e, addr, 8);
                e.store(a8, hi, 8)
            } else {
                e.store(addr, lo, bytes)
            }
        }
        Xfer::Load { .. } | Xfer::LoadV { .. } | Xfer::Prefetch => Ok(()),
    }
}

/// Raises an alignment fault unless `addr` is a multiple of `align` (a power of two):
/// exclusives, acquire/release and atomics require natural alignment.
pub(crate) fn check_aligned<E: Emitter>(e: &mut E, addr: E::V, align: u64) -> Result<(), Exit> {
    if align <= 1 {
        return Ok(());
    }
    let m = e.imm(align - 1);
    let low = e.bin(BinOp::And, addr, m);
    e.trap_if(low, Exit::ALIGNMENT, addr)
}
