//! Exclusives (LDXR/STXR and pairs) and load-acquire/store-release.
//!
//! The exclusive monitor is QEMU's: LDXR remembers the address, size and value it read;
//! STXR succeeds iff the address and size match and an atomic compare-and-swap from the
//! remembered value to the new one succeeds. That admits ABA (a store of the same value in
//! between goes unnoticed), which no lock-free algorithm built on LL/SC can observe.
//!
//! On x86-64 every load is an acquire and every locked operation a full barrier, but the
//! emitter promises no ordering for plain accesses, so the acquiring loads carry an
//! explicit `fence`. The releasing store-exclusives need none: their compare-and-swap is
//! an emitter atomic, which is sequentially consistent (see `atomic.rs`).

use super::*;
use crate::decode::ldst::reg_xfer;
use crate::decode::{bit, bits, ra, rd, rm, rn, sext};
use emu_core::emit::AtomicOp;

/// The access size in bytes (size field, bits 31:30).
fn size_bytes(raw: u32) -> u8 {
    1 << bits(raw, 31, 30)
}

/// Bit 15 (o0): the acquire (loads) or release (stores) variant.
fn ordered(raw: u32) -> bool {
    bit(raw, 15)
}

fn arm_monitor<E: Emitter>(e: &mut E, addr: E::V, size: u64, lo: E::V, hi: E::V) {
    let s = e.imm(size);
    e.set(SLOT_EXCL_ADDR, addr);
    e.set(SLOT_EXCL_SIZE, s);
    e.set(SLOT_EXCL_VAL, lo);
    e.set(SLOT_EXCL_VAL2, hi);
}

/// 1 if the monitor holds `addr` with an access of `size` bytes.
fn monitor_matches<E: Emitter>(e: &mut E, addr: E::V, size: u64) -> E::V {
    let a = e.get(SLOT_EXCL_ADDR);
    let s = e.get(SLOT_EXCL_SIZE);
    let want = e.imm(size);
    let same_addr = e.cmp(Cmp::Eq, addr, a);
    let same_size = e.cmp(Cmp::Eq, s, want);
    e.bin(BinOp::And, same_addr, same_size)
}

/// Every store-exclusive clears the monitor, whether it succeeded or not.
fn clear_monitor<E: Emitter>(e: &mut E) {
    let open = e.imm(u64::MAX);
    e.set(SLOT_EXCL_ADDR, open);
}

/// Writes the status register Ws: 0 on success, 1 on failure.
fn write_status<E: Emitter>(e: &mut E, raw: u32, success: E::V) {
    let one = e.imm(1);
    let status = e.bin(BinOp::Xor, success, one);
    set_w(e, rm(raw), status);
}

/// LDXR/LDAXR.
pub fn load<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let size = size_bytes(raw);
    let addr = x_sp(e, rn(raw));
    check_aligned(e, addr, size as u64)?;
    let v = e.load(addr, size)?;
    if ordered(raw) {
        e.fence();
    }
    let zero = e.imm(0);
    arm_monitor(e, addr, size as u64, v, zero);
    set_x(e, rd(raw), v);
    Ok(())
}

/// STXR/STLXR. The alignment check comes first, whatever the monitor says (the Arm ARM's
/// order); when the monitor does not match, the compare-and-swap writes the value it
/// compares against, so memory cannot change (it still needs write permission, which the
/// architecture allows an implementation to check either way).
///
/// QEMU differs on a store-exclusive whose monitor does not match: it makes no access, so
/// a misaligned or unmapped address just fails with status 1 where we fault. Doing the
/// same needs a conditional access, which the emitter interface does not offer.
pub fn store<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let size = size_bytes(raw);
    let addr = x_sp(e, rn(raw));
    let data = x(e, rd(raw));
    check_aligned(e, addr, size as u64)?;
    let matches = monitor_matches(e, addr, size as u64);
    let expected = e.get(SLOT_EXCL_VAL);
    let new = e.select(matches, data, expected);
    let old = e.atomic_cas(addr, expected, new, size)?;
    let unchanged = e.cmp(Cmp::Eq, old, expected);
    let success = e.bin(BinOp::And, matches, unchanged);
    clear_monitor(e);
    write_status(e, raw, success);
    Ok(())
}

/// LDXP/LDAXP: two W registers (one 8-byte access) or two X registers (16 bytes,
/// 16-byte aligned).
pub fn load_pair<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let addr = x_sp(e, rn(raw));
    let (t, t2) = (rd(raw), ra(raw));
    if bit(raw, 30) {
        check_aligned(e, addr, 16)?;
        let lo = e.load(addr, 8)?;
        let a8 = offset(e, addr, 8);
        let hi = e.load(a8, 8)?;
        if ordered(raw) {
            e.fence();
        }
        arm_monitor(e, addr, 16, lo, hi);
        set_x(e, t, lo);
        set_x(e, t2, hi);
    } else {
        check_aligned(e, addr, 8)?;
        let both = e.load(addr, 8)?;
        if ordered(raw) {
            e.fence();
        }
        let zero = e.imm(0);
        arm_monitor(e, addr, 8, both, zero);
        let k32 = e.imm(32);
        let hi = e.bin(BinOp::Lshr, both, k32);
        set_w(e, t, both);
        set_x(e, t2, hi);
    }
    Ok(())
}

/// STXP/STLXP.
pub fn store_pair<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let addr = x_sp(e, rn(raw));
    let d1 = x(e, rd(raw));
    let d2 = x(e, ra(raw));
    if bit(raw, 30) {
        check_aligned(e, addr, 16)?;
        let matches = monitor_matches(e, addr, 16);
        let exp_lo = e.get(SLOT_EXCL_VAL);
        let exp_hi = e.get(SLOT_EXCL_VAL2);
        let new_lo = e.select(matches, d1, exp_lo);
        let new_hi = e.select(matches, d2, exp_hi);
        let [old_lo, old_hi] = e.atomic_cas2(addr, [exp_lo, exp_hi], [new_lo, new_hi])?;
        let same_lo = e.cmp(Cmp::Eq, old_lo, exp_lo);
        let same_hi = e.cmp(Cmp::Eq, old_hi, exp_hi);
        let unchanged = e.bin(BinOp::And, same_lo, same_hi);
        let success = e.bin(BinOp::And, matches, unchanged);
        clear_monitor(e);
        write_status(e, raw, success);
    } else {
        check_aligned(e, addr, 8)?;
        let lo = e.un(UnOp::Zext32, d1);
        let k32 = e.imm(32);
        let hi = e.bin(BinOp::Shl, d2, k32);
        let data = e.bin(BinOp::Or, lo, hi);
        let matches = monitor_matches(e, addr, 8);
        let expected = e.get(SLOT_EXCL_VAL);
        let new = e.select(matches, data, expected);
        let old = e.atomic_cas(addr, expected, new, 8)?;
        let unchanged = e.cmp(Cmp::Eq, old, expected);
        let success = e.bin(BinOp::And, matches, unchanged);
        clear_monitor(e);
        write_status(e, raw, success);
    }
    Ok(())
}

/// LDAR (and LDLAR): an aligned load, then a fence so later accesses stay after it.
pub fn load_acquire<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let size = size_bytes(raw);
    let addr = x_sp(e, rn(raw));
    check_aligned(e, addr, size as u64)?;
    let v = e.load(addr, size)?;
    e.fence();
    set_x(e, rd(raw), v);
    Ok(())
}

/// STLR (and STLLR) as an atomic swap whose old value is dropped: the emitter's atomics
/// are sequentially consistent, which gives both the release ordering and the store-load
/// ordering a later LDAR needs (Arm's release/acquire is RCsc), in one locked instruction
/// on x86-64 instead of two fences around a plain store.
pub fn store_release<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let size = size_bytes(raw);
    let addr = x_sp(e, rn(raw));
    let v = x(e, rd(raw));
    check_aligned(e, addr, size as u64)?;
    e.atomic_rmw(AtomicOp::Swap, addr, v, size)?;
    Ok(())
}

/// LDAPUR*/STLUR*: load-acquire/store-release with an unscaled offset (incl. the
/// sign-extending loads). Like LDAR/STLR they need natural alignment (without FEAT_LSE2).
pub fn ordered_unscaled<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let Some(xfer) = reg_xfer(raw) else {
        return undef(e, raw, pc);
    };
    let base = x_sp(e, rn(raw));
    let addr = offset(e, base, sext(bits(raw, 20, 12) as u64, 9));
    check_aligned(e, addr, xfer.bytes() as u64)?;
    match super::load(e, xfer, addr)? {
        Some(v) => {
            e.fence();
            write_reg(e, rd(raw), v);
        }
        None => {
            // As STLR: a swap (the register forms here are all general registers).
            let v = x(e, rd(raw));
            e.atomic_rmw(AtomicOp::Swap, addr, v, xfer.bytes())?;
        }
    }
    Ok(())
}
