//! Semantics: exception generation and system instructions, as seen from EL0 under Linux.

use super::*;
use crate::decode::system::{hint_number, sys_op, sysreg, Op, SysOp, SysReg, HINT_YIELD};
use crate::decode::{bits, rd};
use crate::features;

/// FPCR bits that exist in an AArch64-only CPU without FP16 and without FP exception
/// trapping: AHP (26), DN (25), FZ (24), RMode (23:22). The trap enables are RAZ/WI
/// because we never trap; Len/Stride/FZ16 are RES0.
pub const FPCR_WRITABLE: u64 = 0x07c0_0000;
/// FPSR bits that exist in an AArch64-only CPU: QC (27) and the cumulative exception flags
/// IDC (7), IXC (4), UFC (3), OFC (2), DZC (1), IOC (0). N/Z/C/V (31:28) are AArch32-only.
pub const FPSR_WRITABLE: u64 = 0x0800_009f;

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    let imm16 = bits(raw, 20, 5) as u64;
    match op {
        // The preferred return address of SVC is the next instruction.
        Op::Svc => e.exit(exits::SVC, pc + 4, imm16),
        // Breakpoints report the instruction itself.
        Op::Brk => e.exit(exits::BRK, pc, imm16),
        Op::Hlt => e.exit(exits::HLT, pc, imm16),
        // Not available at EL0.
        Op::Hvc | Op::Smc | Op::Dcps | Op::Eret | Op::Drps | Op::MsrImm | Op::Sysl => {
            return undef(e, raw, pc)
        }
        Op::Hint => {
            // YIELD lets the run loop schedule other work. WFE/WFI/SEV/SEVL are NOPs in
            // user mode (an event or interrupt may always arrive spuriously); every other
            // hint, incl. PAC and BTI ones (neither feature is implemented), is a NOP.
            if hint_number(raw) == HINT_YIELD {
                e.exit(exits::YIELD, pc + 4, 0);
            }
        }
        Op::Clrex => {
            let open = e.imm(u64::MAX);
            e.set(SLOT_EXCL_ADDR, open);
        }
        Op::Dsb | Op::Dmb => e.fence(),
        // The block ends after ISB (see `ends_block`), which is all the context
        // synchronisation user mode needs.
        Op::Isb => {}
        Op::Sys => return sys(e, raw, pc),
        Op::Mrs => return mrs(e, raw, pc),
        Op::Msr => return msr(e, raw, pc),
    }
    Ok(())
}

fn sys<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let Some(op) = sys_op(raw) else {
        return undef(e, raw, pc);
    };
    match op {
        SysOp::DcZva => {
            // Zero the whole naturally aligned block; a fault reports its first byte, as
            // QEMU does. The block never crosses a page, so the stores fault on the first
            // one or not at all.
            let block = 4u64 << (features::DCZID_EL0 & 0xf);
            let va = x(e, rd(raw));
            let mask = e.imm(!(block - 1));
            let start = e.bin(BinOp::And, va, mask);
            let zero = e.imm(0);
            for off in (0..block).step_by(8) {
                let k = e.imm(off);
                let a = e.bin(BinOp::Add, start, k);
                e.store(a, zero, 8)?;
            }
        }
        // The host keeps caches coherent; QEMU does not fault on unmapped addresses here
        // either.
        SysOp::DcClean => {}
        // Code may have changed: drop translations and continue after this instruction.
        SysOp::IcIvau => e.exit(Exit::FLUSH_CODE, pc + 4, 0),
    }
    Ok(())
}

/// The host's CLOCK_MONOTONIC in nanoseconds: CNTVCT_EL0 ticks at CNTFRQ_EL0 = 1 GHz.
pub extern "C" fn host_monotonic_ns(_: u64, _: u64, _: u64) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

fn mrs<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let Some(reg) = sysreg(raw) else {
        return undef(e, raw, pc);
    };
    let v = match reg {
        SysReg::Nzcv => {
            let mut acc = e.imm(0);
            for (slot, shift) in [(SLOT_N, 31), (SLOT_Z, 30), (SLOT_C, 29), (SLOT_V, 28)] {
                let flag = e.get(slot);
                let k = e.imm(shift);
                let placed = e.bin(BinOp::Shl, flag, k);
                acc = e.bin(BinOp::Or, acc, placed);
            }
            acc
        }
        SysReg::Fpcr => e.get(SLOT_FPCR),
        SysReg::Fpsr => e.get(SLOT_FPSR),
        SysReg::TpidrEl0 => e.get(SLOT_TPIDR_EL0),
        SysReg::TpidrroEl0 => e.get(SLOT_TPIDRRO_EL0),
        SysReg::CtrEl0 => e.imm(features::CTR_EL0),
        SysReg::DczidEl0 => e.imm(features::DCZID_EL0),
        SysReg::CntfrqEl0 => e.imm(features::CNTFRQ_EL0),
        SysReg::CntvctEl0 => {
            let zero = e.imm(0);
            e.call_pure(host_monotonic_ns, [zero, zero, zero])
        }
        SysReg::Id(value) => e.imm(value),
    };
    set_x(e, rd(raw), v);
    Ok(())
}

fn msr<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    let reg = match sysreg(raw) {
        Some(r) if r.writable() => r,
        _ => return undef(e, raw, pc),
    };
    let v = x(e, rd(raw));
    match reg {
        SysReg::Nzcv => {
            let one = e.imm(1);
            for (slot, shift) in [(SLOT_N, 31), (SLOT_Z, 30), (SLOT_C, 29), (SLOT_V, 28)] {
                let k = e.imm(shift);
                let shifted = e.bin(BinOp::Lshr, v, k);
                let flag = e.bin(BinOp::And, shifted, one);
                e.set(slot, flag);
            }
        }
        SysReg::Fpcr => {
            let m = e.imm(FPCR_WRITABLE);
            let w = e.bin(BinOp::And, v, m);
            e.set(SLOT_FPCR, w);
        }
        SysReg::Fpsr => {
            let m = e.imm(FPSR_WRITABLE);
            let w = e.bin(BinOp::And, v, m);
            e.set(SLOT_FPSR, w);
        }
        SysReg::TpidrEl0 => e.set(SLOT_TPIDR_EL0, v),
        // `writable()` admitted only the registers above.
        _ => return undef(e, raw, pc),
    }
    Ok(())
}
