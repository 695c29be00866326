//! Semantics: exception generation and system instructions. What EL0 under Linux does is
//! inline (it is what user mode needs, fast); everything that depends on the exception
//! level or on system registers calls a helper in `sys::insn`, which behaves as user mode
//! did when the CPU has no system half (`CpuState::sys` = 0), so one translation serves
//! both modes and every EL.

use super::*;
use crate::decode::system::{hint_number, sys_op, sysreg, Op, SysOp, SysReg, HINT_YIELD};
use crate::decode::{bits, rd};
use crate::features;
use crate::sys::insn;

/// FPCR bits that exist in an AArch64-only CPU without FP16 and without FP exception
/// trapping: AHP (26), DN (25), FZ (24), RMode (23:22). The trap enables are RAZ/WI
/// because we never trap; Len/Stride/FZ16 are RES0.
pub const FPCR_WRITABLE: u64 = 0x07c0_0000;
/// FPSR bits that exist in an AArch64-only CPU: QC (27) and the cumulative exception flags
/// IDC (7), IXC (4), UFC (3), OFC (2), DZC (1), IOC (0). N/Z/C/V (31:28) are AArch32-only.
pub const FPSR_WRITABLE: u64 = 0x0800_009f;

// Inlined so that `sem::interp`'s handlers, which pass a constant `op`, keep only
// that operation's arm.
#[inline(always)]
pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    let imm16 = bits(raw, 20, 5) as u64;
    match op {
        // The preferred return address of SVC is the next instruction. Exception entry
        // synchronises context, so pending code invalidations take effect first; the
        // exception return clears the exclusive monitor (as QEMU's user mode does after
        // every syscall), so an LDXR/STXR pair around a syscall fails and retries.
        Op::Svc => {
            synchronize_code(e)?;
            clear_exclusive_monitor(e);
            e.exit(exits::SVC, pc.wrapping_add(4), imm16)
        }
        // Breakpoints report the instruction itself.
        Op::Brk => {
            clear_exclusive_monitor(e);
            e.exit(exits::BRK, pc, imm16)
        }
        Op::Hlt => {
            clear_exclusive_monitor(e);
            e.exit(exits::HLT, pc, imm16)
        }
        // Firmware calls (PSCI), answered by the run loop; UNDEF at EL0 and in user mode.
        Op::Hvc | Op::Smc => {
            let word = e.imm(raw as u64);
            let zero = e.imm(0);
            e.call_state(insn::el1_only, [word, zero, zero])?;
            let exit = if op == Op::Hvc {
                exits::HVC
            } else {
                exits::SMC
            };
            e.exit(exit, pc.wrapping_add(4), imm16);
        }
        Op::Eret => {
            let word = e.imm(raw as u64);
            let zero = e.imm(0);
            e.call_state(insn::eret, [word, zero, zero])?;
            let target = e.get(emu_core::emit::SLOT_PC);
            e.goto_dyn(target);
        }
        // Debug state does not exist; SYSL has no implemented forms.
        Op::Dcps | Op::Drps | Op::Sysl => return undef(e, raw, pc),
        Op::MsrImm => {
            let word = e.imm(raw as u64);
            let zero = e.imm(0);
            e.call_state(insn::msr_imm, [word, zero, zero])?;
        }
        Op::Hint => {
            // YIELD lets the run loop schedule other work. WFE/WFI/SEV/SEVL are NOPs in
            // user mode and sleep or signal in system mode (the helper decides); every
            // other hint, incl. PAC and BTI ones (neither feature is implemented), is a
            // NOP.
            let n = hint_number(raw);
            if n == HINT_YIELD {
                e.exit(exits::YIELD, pc.wrapping_add(4), 0);
            } else if (insn::hint::WFE..=insn::hint::SEVL).contains(&n) {
                let hint = e.imm(u64::from(n));
                let next = e.imm(pc.wrapping_add(4));
                let zero = e.imm(0);
                e.call_state(insn::wait_or_event, [hint, next, zero])?;
            }
        }
        Op::Clrex => clear_exclusive_monitor(e),
        Op::Dsb | Op::Dmb => e.fence(),
        // The block ends after ISB (see `ends_block`), which is all the context
        // synchronisation user mode needs besides applying pending code invalidations.
        Op::Isb => synchronize_code(e)?,
        Op::Sys => return sys(e, raw),
        Op::Mrs => return mrs(e, raw),
        Op::Msr => return msr(e, raw),
    }
    Ok(())
}

fn sys<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    if sys_op(raw) != Some(SysOp::DcZva) {
        // Cache maintenance, TLBI, AT...: the helper knows the mode and the EL.
        let word = e.imm(raw as u64);
        let xt = x(e, rd(raw));
        let zero = e.imm(0);
        return e.call_state(insn::sys_op, [word, xt, zero]);
    }
    // DC ZVA: at EL0 with SCTLR_EL1.DZE clear (system mode only) it traps to EL1.
    let trap = e.get(SLOT_DC_ZVA_TRAP);
    let word = e.imm(raw as u64);
    e.trap_if(trap, exits::SYSREG_TRAP, word)?;
    // Zero the whole naturally aligned block; a fault reports its first byte, as QEMU
    // does. The block never crosses a page, so the stores fault on the first one or not
    // at all.
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
    Ok(())
}

/// Opens the exclusive monitor: the next store-exclusive fails.
fn clear_exclusive_monitor<E: Emitter>(e: &mut E) {
    let open = e.imm(u64::MAX);
    e.set(SLOT_EXCL_ADDR, open);
}

/// At a context synchronisation event: if an `IC IVAU` is pending, clear it and exit with
/// [`Exit::FLUSH_CODE`] at this same instruction, which the runtime re-runs (now with
/// nothing pending) once it has dropped its translations.
fn synchronize_code<E: Emitter>(e: &mut E) -> Result<(), Exit> {
    let pending = e.get(SLOT_CODE_DIRTY);
    let zero = e.imm(0);
    e.set(SLOT_CODE_DIRTY, zero);
    e.trap_if(pending, Exit::FLUSH_CODE, zero)
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

/// The registers whose access is the same at EL0 and EL1, in both modes, and hot enough
/// (flags, FP control, the thread pointer) to be read and written inline.
fn inline_register(raw: u32) -> Option<SysReg> {
    sysreg(raw).filter(|r| {
        matches!(
            r,
            SysReg::Nzcv | SysReg::Fpcr | SysReg::Fpsr | SysReg::TpidrEl0 | SysReg::TpidrroEl0
        )
    })
}

fn mrs<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let Some(reg) = inline_register(raw) else {
        let word = e.imm(raw as u64);
        let zero = e.imm(0);
        return e.call_state(insn::mrs, [word, zero, zero]);
    };
    let v = match reg {
        SysReg::Nzcv => {
            let mut acc = e.imm(0);
            let flags = super::decode_flags(e);
            for (flag, shift) in flags.into_iter().zip([31, 30, 29, 28]) {
                let k = e.imm(shift);
                let placed = e.bin(BinOp::Shl, flag, k);
                acc = e.bin(BinOp::Or, acc, placed);
            }
            acc
        }
        SysReg::Fpcr => e.get(SLOT_FPCR),
        SysReg::Fpsr => e.get(SLOT_FPSR),
        SysReg::TpidrEl0 => e.get(SLOT_TPIDR_EL0),
        _ => e.get(SLOT_TPIDRRO_EL0),
    };
    set_x(e, rd(raw), v);
    Ok(())
}

fn msr<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let v = x(e, rd(raw));
    match inline_register(raw) {
        Some(SysReg::Nzcv) => {
            let one = e.imm(1);
            let flags = [31, 30, 29, 28].map(|shift| {
                let k = e.imm(shift);
                let shifted = e.bin(BinOp::Lshr, v, k);
                e.bin(BinOp::And, shifted, one)
            });
            let stored = super::encode_flags(e, flags);
            for (slot, value) in [SLOT_N, SLOT_Z, SLOT_C, SLOT_V].into_iter().zip(stored) {
                e.set(slot, value);
            }
        }
        Some(SysReg::Fpcr) => {
            let m = e.imm(FPCR_WRITABLE);
            let w = e.bin(BinOp::And, v, m);
            e.set(SLOT_FPCR, w);
        }
        Some(SysReg::Fpsr) => {
            let m = e.imm(FPSR_WRITABLE);
            let w = e.bin(BinOp::And, v, m);
            e.set(SLOT_FPSR, w);
        }
        Some(SysReg::TpidrEl0) => e.set(SLOT_TPIDR_EL0, v),
        // TPIDRRO_EL0 (writable at EL1 only) and everything else: the helper decides.
        _ => {
            let word = e.imm(raw as u64);
            let zero = e.imm(0);
            return e.call_state(insn::msr, [word, v, zero]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sem::ldst::tests::run_mem;
    use crate::testkit::{run_both, run_words, Bare, Tier, BRK0, CODE, DATA, DATA_LEN};

    #[test]
    fn exception_generating_exits() {
        // svc #0x1234: pc is the next instruction.
        let (cpu, e) = run_both(&[0xd4024681, BRK0], |_| {});
        assert_eq!(
            (e, cpu.core.pc, cpu.core.exit_arg),
            (exits::SVC, CODE + 4, 0x1234)
        );
        // nop; brk #0x42: pc is the breakpoint itself.
        let (cpu, e) = run_both(&[0xd503201f, 0xd4200840], |_| {});
        assert_eq!(
            (e, cpu.core.pc, cpu.core.exit_arg),
            (exits::BRK, CODE + 4, 0x42)
        );
        // hlt #0xf000
        let (cpu, e) = run_both(&[0xd45e0000, BRK0], |_| {});
        assert_eq!(
            (e, cpu.core.pc, cpu.core.exit_arg),
            (exits::HLT, CODE, 0xf000)
        );
        // yield: exits so the run loop can let others run, then continues after it.
        let (cpu, e) = run_both(&[0xd503203f, BRK0], |_| {});
        assert_eq!((e, cpu.core.pc), (exits::YIELD, CODE + 4));
    }

    #[test]
    fn el1_only_and_unimplemented_forms_are_undefined() {
        for word in [
            0xd4000002, // hvc #0
            0xd4000003, // smc #0
            0xd69f03e0, // eret
            0xd6bf03e0, // drps
            0xd4a00001, // dcps1
            0xd51bd060, // msr tpidrro_el0, x0   (read-only at EL0)
            0xd5384240, // mrs x0, currentel
            0xd53b4220, // mrs x0, daif           (SCTLR_EL1.UMA is 0)
            0xd50342df, // msr daifset, #2
            0xd503413f, // msr ssbs, #1           (not implemented)
            0xd508751f, // ic iallu
            0xd50b7c21, // dc cvap, x1            (FEAT_DPB not advertised; QEMU UNDEFs too)
            0xd53be020, // mrs x0, cntpct_el0     (Linux does not open it to EL0)
            0xd51b0020, // msr ctr_el0, x0
            0xd52b7520, // sysl x0, #3, c7, c5, #1
            0xd5380117, // mrs x23, id_pfr0_el1   (CRm=1: not emulated by Linux)
        ] {
            let (cpu, e) = run_both(&[word, BRK0], |_| {});
            assert_eq!(e, exits::UNDEF, "{word:#010x}");
            assert_eq!((cpu.core.pc, cpu.core.exit_arg), (CODE, word as u64));
        }
    }

    #[test]
    fn hints_and_barriers_run_on() {
        let code = [
            0xd503201f, // nop
            0xd503205f, // wfe
            0xd503207f, // wfi
            0xd503209f, // sev
            0xd50320bf, // sevl
            0xd503233f, // paciasp   (no PAC: a NOP that leaves LR alone)
            0xd50323bf, // autiasp
            0xd503245f, // bti c
            0xd50320ff, // xpaclri
            0xd503229f, // csdb
            0xd5032fff, // hint #0x7f
            0xd5033bbf, // dmb ish
            0xd5033f9f, // dsb sy
            0xd5033fdf, // isb
            0xd5033f5f, // clrex
            0x91000400, // add x0, x0, #1
            BRK0,
        ];
        let (cpu, e) = run_both(&code, |c| {
            c.x[30] = 0xdead_beef;
            c.excl_addr = DATA;
        });
        assert_eq!((e, cpu.core.pc), (exits::BRK, CODE + 4 * 16));
        assert_eq!((cpu.x[0], cpu.x[30]), (1, 0xdead_beef));
        assert_eq!(cpu.excl_addr, u64::MAX, "CLREX opens the monitor");
    }

    #[test]
    fn system_registers() {
        let code = [
            0xd51b4201, // msr nzcv, x1
            0xd53b4202, // mrs x2, nzcv
            0xd51b4403, // msr fpcr, x3
            0xd53b4404, // mrs x4, fpcr
            0xd51b4425, // msr fpsr, x5
            0xd53b4426, // mrs x6, fpsr
            0xd51bd047, // msr tpidr_el0, x7
            0xd53bd048, // mrs x8, tpidr_el0
            0xd53bd069, // mrs x9, tpidrro_el0
            0xd53b002a, // mrs x10, ctr_el0
            0xd53b00eb, // mrs x11, dczid_el0
            0xd53be00c, // mrs x12, cntfrq_el0
            0xd538000f, // mrs x15, midr_el1
            0xd53800b0, // mrs x16, mpidr_el1
            0xd53800d1, // mrs x17, revidr_el1
            0xd5380612, // mrs x18, id_aa64isar0_el1
            0xd5380413, // mrs x19, id_aa64pfr0_el1
            0xd5380714, // mrs x20, id_aa64mmfr0_el1
            0xd53803f5, // mrs x21, s3_0_c0_c3_7   (reserved ID space: reads as zero)
            0xd538001f, // mrs xzr, midr_el1
            BRK0,
        ];
        let (cpu, e) = run_both(&code, |c| {
            c.x[1] = 0xa000_0000 | 0x0fff_ffff;
            c.x[3] = u64::MAX;
            c.x[5] = u64::MAX;
            c.x[7] = 0x7777_0000_1234;
            c.tpidrro_el0 = 0x9999;
            c.x[15..22].fill(0x5555);
        });
        assert_eq!(e, exits::BRK);
        let x = &cpu.x;
        assert_eq!(x[2], 0xa000_0000);
        assert_eq!(cpu.nzcv(), 0xa000_0000);
        assert_eq!(x[4], FPCR_WRITABLE);
        assert_eq!(x[6], FPSR_WRITABLE);
        assert_eq!(cpu.tpidr_el0, 0x7777_0000_1234);
        assert_eq!((x[8], x[9]), (0x7777_0000_1234, 0x9999));
        assert_eq!((x[10], x[11], x[12]), (features::CTR_EL0, 4, 1_000_000_000));
        assert_eq!(x[15], features::MIDR_EL1);
        assert_eq!((x[16], x[17]), (0x8000_0000, 0));
        assert_eq!(x[18], features::ID_AA64ISAR0_EL1);
        assert_eq!(x[19], features::ID_AA64PFR0_EL1);
        assert_eq!(x[20], features::ID_AA64MMFR0_EL1);
        assert_eq!(x[21], 0);
    }

    #[test]
    fn every_emulated_id_register_reads_features() {
        use crate::features as f;
        // (CRm, op2, value) over the space Linux emulates for EL0: CRm 0 (MIDR, MPIDR,
        // REVIDR) and CRm 2..=7, where unnamed registers read as zero.
        let mut cases = vec![
            (0, 0, f::MIDR_EL1),
            (0, 5, f::MPIDR_EL1),
            (0, 6, f::REVIDR_EL1),
        ];
        let named = [
            (4, 0, f::ID_AA64PFR0_EL1),
            (4, 1, f::ID_AA64PFR1_EL1),
            (4, 4, f::ID_AA64ZFR0_EL1),
            (5, 0, f::ID_AA64DFR0_EL1),
            (5, 1, f::ID_AA64DFR1_EL1),
            (6, 0, f::ID_AA64ISAR0_EL1),
            (6, 1, f::ID_AA64ISAR1_EL1),
            (7, 0, f::ID_AA64MMFR0_EL1),
            (7, 1, f::ID_AA64MMFR1_EL1),
            (7, 2, f::ID_AA64MMFR2_EL1),
        ];
        for crm in 2..=7u32 {
            for op2 in 0..8u32 {
                let v = named
                    .iter()
                    .find(|&&(c, o, _)| c == crm && o == op2)
                    .map_or(0, |&(_, _, v)| v);
                cases.push((crm, op2, v));
            }
        }
        for (crm, op2, want) in cases {
            // mrs x5, s3_0_c0_c<crm>_<op2>
            let word = 0xd538_0005 | (crm << 8) | (op2 << 5);
            let (cpu, e) = run_both(&[word, BRK0], |c| c.x[5] = 0x5555);
            assert_eq!(e, exits::BRK, "{word:#010x}");
            assert_eq!(cpu.x[5], want, "s3_0_c0_c{crm}_{op2}");
        }
    }

    #[test]
    fn virtual_counter_counts_host_nanoseconds() {
        let code = [
            0xd53be04d, // mrs x13, cntvct_el0
            0xd53be04e, // mrs x14, cntvct_el0
            BRK0,
        ];
        // The tiers cannot agree on a clock, so each is checked on its own.
        for tier in [Tier::Interp, Tier::Jit] {
            let before = host_monotonic_ns(0, 0, 0);
            let (cpu, e) = run_words(&code, tier, |_| {});
            let after = host_monotonic_ns(0, 0, 0);
            assert_eq!(e, exits::BRK);
            assert!(before <= cpu.x[13] && cpu.x[13] <= cpu.x[14] && cpu.x[14] <= after);
        }
    }

    #[test]
    fn dc_zva_zeroes_one_aligned_block() {
        let r = run_mem(&[0xd50b7421 /* dc zva, x1 */, BRK0], &[0xff; 0x100], |c| {
            c.x[1] = DATA + 0x47;
        });
        assert_eq!(r.exit, exits::BRK);
        assert_eq!(r.data[0x3f], 0xff);
        assert!(r.data[0x40..0x80].iter().all(|&b| b == 0));
        assert_eq!(r.data[0x80], 0xff);
        // Beyond the data area: the fault names the block's first byte.
        let r = run_mem(&[0xd50b7421, BRK0], &[], |c| {
            c.x[1] = DATA + DATA_LEN + 0x47
        });
        assert_eq!(r.exit, Exit::FAULT_WRITE);
        assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN + 0x40);
    }

    #[test]
    fn cache_cleans_never_fault() {
        let code = [
            0xd50b7b21, // dc cvau, x1
            0xd50b7e21, // dc civac, x1
            0xd50b7a21, // dc cvac, x1
            BRK0,
        ];
        let (_, e) = run_both(&code, |c| c.x[1] = 0x10);
        assert_eq!(e, exits::BRK);
    }

    #[test]
    fn ic_ivau_flushes_translations_at_the_next_isb() {
        let code = [
            0xd50b7521, // ic ivau, x1
            0xd50b7521, // ic ivau, x1
            0x91000400, // add x0, x0, #1
            0xd5033fdf, // isb      (flushes, then runs again with nothing pending)
            0x91000400, // add x0, x0, #1
            0xd5033fdf, // isb
            BRK0,
        ];
        for tier in [Tier::Interp, Tier::Jit] {
            let mut b = Bare::new(&code, tier);
            b.cpu.x[1] = CODE;
            let e = b.run();
            assert_eq!((e, b.cpu.core.pc, b.cpu.x[0]), (exits::BRK, CODE + 24, 2));
            assert_eq!(b.cpu.code_dirty, 0);
            assert!(
                b.rt.stats.flushes >= 1,
                "the runtime dropped its translations"
            );
        }
    }

    #[test]
    fn ic_ivau_alone_only_marks_code_stale() {
        // ic ivau, x1; add x0, x0, #1; brk #0: one block, nothing flushed yet.
        let (cpu, e) = run_both(&[0xd50b7521, 0x91000400, BRK0], |c| c.x[1] = CODE);
        assert_eq!((e, cpu.core.pc, cpu.x[0]), (exits::BRK, CODE + 8, 1));
        assert_eq!(cpu.code_dirty, 1);
    }

    #[test]
    fn syscalls_clear_the_exclusive_monitor() {
        let code = [
            0xc85f7f80, // ldxr x0, [x28]
            0xd4000001, // svc #0
            0xc8017f82, // stxr w1, x2, [x28]
            BRK0,
        ];
        for tier in [Tier::Interp, Tier::Jit] {
            let mut b = Bare::new(&code, tier);
            assert_eq!(b.run(), exits::SVC);
            assert_eq!(b.cpu.excl_addr, u64::MAX);
            assert_eq!(b.run(), exits::BRK);
            assert_eq!(b.cpu.x[1], 1, "the store-exclusive fails after the syscall");
        }
    }

    #[test]
    fn pending_code_flush_happens_before_svc() {
        // ic ivau, x1; svc #0: the exit is still SVC, after the flush.
        for tier in [Tier::Interp, Tier::Jit] {
            let mut b = Bare::new(&[0xd50b7521, 0xd4000001, BRK0], tier);
            b.cpu.x[1] = CODE;
            let e = b.run();
            assert_eq!((e, b.cpu.core.pc), (exits::SVC, CODE + 8));
            assert_eq!(b.cpu.code_dirty, 0);
            assert!(b.rt.stats.flushes >= 1);
        }
    }
}
