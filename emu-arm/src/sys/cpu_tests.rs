//! The system-mode CPU on raw instruction words, in both tiers: the user-mode test
//! runtime (`testkit::Bare`) with a system half attached, so the helpers run in system
//! mode while memory is flat. Exceptions are entered by `handle_exit`, as the vCPU loop
//! does.

use super::exception::{handle_exit, take_pending_interrupt, Outcome};
use super::testing::{test_board, TestBoard, COUNTER};
use super::{attach, regs, reset, SysCpu};
use crate::exits;
use crate::testkit::{Bare, Tier, BRK0, CODE, STACK_TOP};
use emu_core::emit::Exit;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const TIERS: [Tier; 2] = [Tier::Interp, Tier::Jit];
/// The vector base the tests use (2 KiB aligned; nothing needs to be there).
const VBAR: u64 = 0x8000_0000;

struct Machine {
    b: Bare,
    sys: Box<SysCpu>,
    board: Arc<TestBoard>,
}

impl Machine {
    fn new(code: &[u32], tier: Tier) -> Machine {
        let board = test_board();
        let mut b = Bare::new(code, tier);
        let mut sys = SysCpu::new(0, board.clone());
        attach(&mut b.cpu, &mut sys);
        sys.regs.vbar = VBAR;
        Machine { b, sys, board }
    }
    fn run(&mut self) -> Exit {
        self.b.run()
    }
    /// Runs to the next exit and lets the system half handle it.
    fn step(&mut self) -> (Exit, Outcome) {
        let e = self.b.run();
        (e, handle_exit(&mut self.b.cpu, e))
    }
    /// Drops to EL0 (SP_EL0 = `sp`) at the current pc, as an ERET would.
    fn enter_el0(&mut self, sp: u64) {
        super::pstate::set_pstate_mode(&mut self.b.cpu, &mut self.sys, 0, 0);
        self.b.cpu.x[31] = sp;
    }
}

fn esr_class(esr: u64) -> u64 {
    esr >> 26
}

#[test]
fn el1_registers_round_trip() {
    let code = [
        0xd518c001, // msr vbar_el1, x1
        0xd538c000, // mrs x0, vbar_el1
        0xd5184021, // msr elr_el1, x1
        0xd5384022, // mrs x2, elr_el1
        0xd518d081, // msr tpidr_el1, x1
        0xd538d098, // mrs x24, tpidr_el1
        0xd51bd061, // msr tpidrro_el0, x1   (writable at EL1)
        0xd53bd066, // mrs x6, tpidrro_el0
        0xd5384243, // mrs x3, currentel
        0xd53800a4, // mrs x4, mpidr_el1
        0xd5380405, // mrs x5, id_aa64pfr0_el1
        0xd5381007, // mrs x7, sctlr_el1
        BRK0,
    ];
    for tier in TIERS {
        let mut m = Machine::new(&code, tier);
        m.b.cpu.x[1] = 0xffff_8000_1234_5fff;
        assert_eq!(m.run(), exits::BRK, "{tier:?}");
        let x = &m.b.cpu.x;
        assert_eq!(x[0], 0xffff_8000_1234_5800, "VBAR bits 10:0 are RES0");
        assert_eq!(x[2], 0xffff_8000_1234_5fff);
        assert_eq!(x[24], 0xffff_8000_1234_5fff);
        assert_eq!(x[6], 0xffff_8000_1234_5fff);
        assert_eq!(x[3], 4, "CurrentEL = EL1");
        assert_eq!(x[4], 0x8000_0000);
        assert_eq!(x[5] >> 24 & 0xf, 1, "GICv3 system registers advertised");
        assert_eq!(
            (x[5] >> 56 & 0xf, x[5] >> 60),
            (3, 1),
            "CSV2_3, CSV3: no speculation"
        );
        assert_eq!(x[5] & 0xff, 0x11);
        assert_eq!(x[7], regs::sctlr::RESET);
        assert_eq!(x[7] & 1, 0, "MMU off at reset");
    }
}

#[test]
fn translation_registers_reach_the_mmu() {
    let code = [
        0xd5181001, // msr sctlr_el1, x1
        0xd5381002, // mrs x2, sctlr_el1
        0xd5182041, // msr tcr_el1, x1
        0xd5382052, // mrs x18, tcr_el1
        0xd5182001, // msr ttbr0_el1, x1
        0xd5382019, // mrs x25, ttbr0_el1
        0xd518a201, // msr mair_el1, x1
        0xd538a21a, // mrs x26, mair_el1
        BRK0,
    ];
    for tier in TIERS {
        // Every bit set: RES0 bits must read as 0, RES1 as 1. The MMU turns "on" here but
        // the flat test memory does not translate; only the registers are checked.
        let mut m = Machine::new(&code, tier);
        m.b.cpu.x[1] = u64::MAX;
        assert_eq!(m.run(), exits::BRK, "{tier:?}");
        let x = &m.b.cpu.x;
        let sctlr = regs::sctlr::WRITABLE | regs::sctlr::RES1;
        assert_eq!((x[2], m.sys.mmu.sctlr_el1), (sctlr, sctlr));
        assert_eq!(x[18], 0x77_ffff_ffbf, "TCR: HA/HD and RES0 bits clear");
        assert_eq!(m.sys.mmu.tcr_el1, x[18]);
        assert_eq!((x[25], m.sys.mmu.ttbr0_el1), (!1, !1), "CnP is RES0");
        assert_eq!((x[26], m.sys.mmu.mair_el1), (u64::MAX, u64::MAX));
    }
}

#[test]
fn cache_id_registers() {
    let code = [
        0xd51a0001, // msr csselr_el1, x1
        0xd539000c, // mrs x12, ccsidr_el1
        0xd539002d, // mrs x13, clidr_el1
        BRK0,
    ];
    for tier in TIERS {
        for (sel, want) in [(0, 0x701f_e00a), (1, 0x201f_e012), (2, 0x70ff_e07a), (4, 0)] {
            let mut m = Machine::new(&code, tier);
            m.b.cpu.x[1] = sel;
            assert_eq!(m.run(), exits::BRK);
            assert_eq!(m.b.cpu.x[12], want, "CCSIDR for CSSELR {sel}");
            assert_eq!(m.b.cpu.x[13], crate::features::CLIDR_EL1);
        }
    }
}

#[test]
fn stack_pointer_banking() {
    let code = [
        0xd5184101, // msr sp_el0, x1
        0xd5384107, // mrs x7, sp_el0
        0xd50040bf, // msr spsel, #0      (SP is now SP_EL0)
        0x910003e8, // mov x8, sp
        0xd50041bf, // msr spsel, #1      (back to SP_EL1)
        0x910003e9, // mov x9, sp
        BRK0,
    ];
    for tier in TIERS {
        let mut m = Machine::new(&code, tier);
        m.b.cpu.x[1] = 0x5000;
        assert_eq!(m.run(), exits::BRK, "{tier:?}");
        let x = &m.b.cpu.x;
        assert_eq!((x[7], x[8], x[9]), (0x5000, 0x5000, STACK_TOP));
        assert_eq!(m.sys.sp_el0, 0x5000, "the inactive SP_EL0 is banked");
    }
    // MRS SP_EL0 while SP_EL0 is the stack pointer is UNDEFINED.
    for tier in TIERS {
        let mut m = Machine::new(&[0xd50040bf, 0xd5384107, BRK0], tier);
        assert_eq!(m.run(), exits::UNDEF);
        assert_eq!(m.b.cpu.core.pc, CODE + 4);
    }
}

#[test]
fn daif_masks() {
    let code = [
        0xd50342ff, // msr daifclr, #2   (unmask IRQ)
        0xd53b4228, // mrs x8, daif
        0xd5034fdf, // msr daifset, #0xf
        0xd53b422a, // mrs x10, daif
        0xd51b4221, // msr daif, x1
        0xd53b422b, // mrs x11, daif
        BRK0,
    ];
    for tier in TIERS {
        let mut m = Machine::new(&code, tier);
        m.b.cpu.x[1] = 0xffff_ffff;
        assert_eq!(m.run(), exits::BRK, "{tier:?}");
        let x = &m.b.cpu.x;
        assert_eq!((x[8], x[10], x[11]), (0x340, 0x3c0, 0x3c0));
    }
}

#[test]
fn unimplemented_and_el2_registers_are_undefined() {
    for word in [
        0xd538f00e, // mrs x14, s3_0_c15_c0_0   (IMPLEMENTATION DEFINED: none)
        0xd518f001, // msr s3_0_c15_c0_0, x1
        0xd53ce076, // mrs x22, cntvoff_el2     (no EL2)
        0xd500419f, // msr pan, #1              (PAN not advertised)
        0xd53001b5, // mrs x21, dbgbcr1_el1     (one breakpoint only)
        0xd5184243, // msr s3_0_c4_c2_2, x3     (CurrentEL is read-only)
    ] {
        for tier in TIERS {
            let mut m = Machine::new(&[word, BRK0], tier);
            let (e, o) = m.step();
            assert_eq!((e, o), (exits::UNDEF, Outcome::Continue), "{word:#010x}");
            // Taken at EL1h: current EL with SP_ELx.
            assert_eq!(m.b.cpu.core.pc, VBAR + 0x200);
            assert_eq!(m.sys.regs.esr, 1 << 25, "EC 0 (unknown), IL");
            assert_eq!(m.sys.regs.elr, CODE);
        }
    }
}

#[test]
fn svc_from_el0_and_eret_back() {
    // At EL0: svc #0x42. The handler is not run; the test checks the entry, then
    // executes an ERET at EL1 (placed after the SVC) to return.
    let code = [
        0xd4000841, // svc #0x42         (EL0)
        BRK0,       // EL0 resumes here after the ERET
        0xd69f03e0, // eret               (EL1, "handler")
    ];
    for tier in TIERS {
        let mut m = Machine::new(&code, tier);
        m.enter_el0(0x7000);
        m.sys.daif = 0;
        m.b.cpu.set_nzcv(0x6000_0000);
        let (e, o) = m.step();
        assert_eq!((e, o), (exits::SVC, Outcome::Continue), "{tier:?}");
        assert_eq!(
            m.b.cpu.core.pc,
            VBAR + 0x400,
            "lower EL, AArch64, synchronous"
        );
        assert_eq!(m.sys.regs.esr, 0x15 << 26 | 1 << 25 | 0x42);
        assert_eq!(m.sys.regs.elr, CODE + 4);
        assert_eq!(
            m.sys.regs.spsr, 0x6000_0000,
            "EL0t, nothing masked, Z and C"
        );
        assert_eq!((m.sys.el, m.sys.spsel, m.sys.daif), (1, 1, 0x3c0));
        assert_eq!(m.b.cpu.x[31], STACK_TOP, "SP_EL1 is current again");
        // The handler: ERET from CODE + 8.
        m.b.cpu.core.pc = CODE + 8;
        m.b.cpu.set_nzcv(0);
        assert_eq!(m.run(), exits::BRK);
        assert_eq!(m.b.cpu.core.pc, CODE + 4);
        assert_eq!(
            (m.sys.el, m.b.cpu.x[31], m.b.cpu.nzcv()),
            (0, 0x7000, 0x6000_0000)
        );
        assert_eq!(m.sys.daif, 0);
    }
}

#[test]
fn el0_restrictions() {
    for (word, want) in [
        (0xd5384243u32, exits::UNDEF),    // mrs x3, currentel
        (0xd69f03e0, exits::UNDEF),       // eret
        (0xd4000002, exits::UNDEF),       // hvc #0
        (0xd508831f, exits::UNDEF),       // tlbi vmalle1is
        (0xd51bd061, exits::UNDEF),       // msr tpidrro_el0, x1
        (0xd50342ff, exits::SYSREG_TRAP), // msr daifclr, #2   (SCTLR.UMA = 0)
        (0xd53b002a, exits::SYSREG_TRAP), // mrs x10, ctr_el0  (SCTLR.UCT = 0)
        (0xd50b7421, exits::SYSREG_TRAP), // dc zva, x1        (SCTLR.DZE = 0)
        (0xd50b7e21, exits::SYSREG_TRAP), // dc civac, x1      (SCTLR.UCI = 0)
        (0xd53be049, exits::SYSREG_TRAP), // mrs x9, cntvct_el0 (CNTKCTL = 0)
    ] {
        for tier in TIERS {
            let mut m = Machine::new(&[word, BRK0], tier);
            m.enter_el0(0x7000);
            m.b.cpu.x[1] = 0x1000;
            let (e, o) = m.step();
            assert_eq!((e, o), (want, Outcome::Continue), "{word:#010x} {tier:?}");
            assert_eq!(m.b.cpu.core.pc, VBAR + 0x400);
            assert_eq!(m.sys.regs.elr, CODE);
            let class = if want == exits::UNDEF { 0 } else { 0x18 };
            assert_eq!(esr_class(m.sys.regs.esr), class, "{word:#010x}");
        }
    }
    // The trap syndrome of `mrs x9, cntvct_el0`: Op0 3, Op2 2, Op1 3, CRn 14, Rt 9, CRm 0,
    // read.
    assert_eq!(
        super::exception::sys64_iss(0xd53be049),
        3 << 20 | 2 << 17 | 3 << 14 | 14 << 10 | 9 << 5 | 1
    );
}

#[test]
fn el0_access_opened_by_el1_controls() {
    let code = [
        0xd53be049, // mrs x9, cntvct_el0
        0xd53b002a, // mrs x10, ctr_el0
        0xd53b00f7, // mrs x23, dczid_el0
        0xd50b7421, // dc zva, x1
        0xd53bd066, // mrs x6, tpidrro_el0
        BRK0,
    ];
    for tier in TIERS {
        let mut m = Machine::new(&code, tier);
        m.board.cntkctl.store(2, Ordering::Relaxed); // EL0VCTEN
        let sctlr = m.sys.mmu.sctlr_el1 | regs::sctlr::UCT | regs::sctlr::DZE;
        super::softmmu::translation_regs_written(
            &mut m.sys,
            super::softmmu::TranslationReg::Sctlr,
            sctlr,
        );
        m.enter_el0(0x7000);
        m.b.cpu.x[1] = crate::testkit::DATA;
        m.b.cpu.tpidrro_el0 = 0x77;
        assert_eq!(m.run(), exits::BRK, "{tier:?}");
        let x = &m.b.cpu.x;
        assert_eq!(x[9], COUNTER);
        assert_eq!(x[10], crate::features::CTR_EL0 | 3 << 28, "IDC and DIC");
        assert_eq!(x[23], 4, "DZP clear: DC ZVA allowed");
        assert_eq!(x[6], 0x77);
    }
    // Without DZE, DCZID_EL0.DZP reads 1 at EL0.
    for tier in TIERS {
        let mut m = Machine::new(&[0xd53b00f7, BRK0], tier);
        m.enter_el0(0x7000);
        assert_eq!(m.run(), exits::BRK);
        assert_eq!(m.b.cpu.x[23], 0x14);
    }
}

#[test]
fn psci_over_hvc() {
    for tier in TIERS {
        let mut m = Machine::new(&[0xd4000002, 0xd4000003, BRK0], tier);
        m.b.cpu.x[0] = 0x8400_0000; // PSCI_VERSION
        let (e, o) = m.step();
        assert_eq!((e, o), (exits::HVC, Outcome::Continue));
        assert_eq!((m.b.cpu.x[0], m.b.cpu.core.pc), (0x1_0000, CODE + 4));
        m.b.cpu.x[0] = 0x8400_0008; // SYSTEM_OFF, over SMC
        assert_eq!(m.step(), (exits::SMC, Outcome::PowerOff));
    }
    for (fid, want) in [
        (0x8400_0009, Outcome::Reset),
        (0x8400_0002, Outcome::CpuOff),
        (0xc400_0001, Outcome::WaitForInterrupt),
    ] {
        let mut m = Machine::new(&[0xd4000002, BRK0], Tier::Interp);
        m.b.cpu.x[0] = fid;
        assert_eq!(m.step(), (exits::HVC, want));
    }
}

#[test]
fn wait_for_interrupt_and_events() {
    for tier in TIERS {
        // wfi; sevl; wfe (returns at once: the event is set); wfe (sleeps).
        let mut m = Machine::new(
            &[0xd503207f, 0xd50320bf, 0xd503205f, 0xd503205f, BRK0],
            tier,
        );
        assert_eq!(m.step(), (exits::WFI, Outcome::WaitForInterrupt));
        assert_eq!(m.b.cpu.core.pc, CODE + 4);
        assert_eq!(m.step(), (exits::WFI, Outcome::WaitForInterrupt));
        assert_eq!(
            m.b.cpu.core.pc,
            CODE + 16,
            "the first WFE consumed the event"
        );
        assert!(!m.sys.event);
    }
    // At EL0 with SCTLR.nTWI clear, WFI traps to EL1 (EC 1, TI = 0).
    for tier in TIERS {
        let mut m = Machine::new(&[0xd503207f, BRK0], tier);
        let sctlr = m.sys.mmu.sctlr_el1 & !regs::sctlr::NTWI;
        super::softmmu::translation_regs_written(
            &mut m.sys,
            super::softmmu::TranslationReg::Sctlr,
            sctlr,
        );
        m.enter_el0(0x7000);
        assert_eq!(m.step(), (exits::EXCEPTION, Outcome::Continue));
        assert_eq!(m.b.cpu.core.pc, VBAR + 0x400);
        assert_eq!(m.sys.regs.esr, 1 << 26 | 1 << 25 | 1 << 24 | 0xe << 20);
    }
}

#[test]
fn interrupts_respect_masks_and_pick_vectors() {
    let mut m = Machine::new(&[BRK0], Tier::Interp);
    m.board.irq.store(true, Ordering::Relaxed);
    assert!(
        !take_pending_interrupt(&mut m.b.cpu),
        "DAIF.I masks the IRQ"
    );
    m.sys.daif = regs::daif::F;
    m.b.cpu.core.pc = 0x1234;
    assert!(take_pending_interrupt(&mut m.b.cpu));
    assert_eq!(m.b.cpu.core.pc, VBAR + 0x280, "IRQ, current EL with SP_ELx");
    assert_eq!((m.sys.regs.elr, m.sys.regs.spsr), (0x1234, 0x045));
    assert_eq!(m.sys.daif, 0x3c0);
    // From EL0 with SP_EL0: an FIQ goes to the lower-EL group.
    m.sys.daif = 0;
    m.enter_el0(0x7000);
    m.board.fiq.store(true, Ordering::Relaxed);
    assert!(take_pending_interrupt(&mut m.b.cpu));
    assert_eq!(m.b.cpu.core.pc, VBAR + 0x500);
    assert!(super::exception::wakeup_pending(&mut m.b.cpu));
}

#[test]
fn unmasking_a_pending_interrupt_returns_to_the_loop() {
    for tier in TIERS {
        // msr daifclr, #2 with an IRQ pending: exit INTERRUPT after the MSR.
        let mut m = Machine::new(&[0xd50342ff, BRK0], tier);
        m.board.irq.store(true, Ordering::Relaxed);
        assert_eq!(m.run(), Exit::INTERRUPT, "{tier:?}");
        assert_eq!(m.b.cpu.core.pc, CODE + 4);
        assert_eq!(m.b.cpu.core.interrupt, 1, "the runtime is asked to stop");
        assert!(take_pending_interrupt(&mut m.b.cpu));
        assert_eq!((m.b.cpu.core.pc, m.sys.regs.elr), (VBAR + 0x280, CODE + 4));
        // msr daif, x1 (all clear) and eret to an unmasked EL0 likewise.
        let mut m = Machine::new(&[0xd51b4221, BRK0], tier);
        m.board.irq.store(true, Ordering::Relaxed);
        assert_eq!(m.run(), Exit::INTERRUPT);
        assert_eq!(m.b.cpu.core.pc, CODE + 4);
        let mut m = Machine::new(&[0xd69f03e0, BRK0], tier);
        m.board.irq.store(true, Ordering::Relaxed);
        m.sys.regs.spsr = 0;
        m.sys.regs.elr = CODE + 4;
        assert_eq!(m.run(), Exit::INTERRUPT);
        assert_eq!((m.b.cpu.core.pc, m.sys.el), (CODE + 4, 0));
        // Still masked: no exit.
        let mut m = Machine::new(&[0xd50342ff, BRK0], tier);
        m.board.fiq.store(true, Ordering::Relaxed);
        assert_eq!(m.run(), exits::BRK);
    }
}

#[test]
fn faults_become_aborts() {
    // A read fault the softmmu did not describe (here: the flat test memory) is a data
    // abort with FAR = the address.
    for tier in TIERS {
        let mut m = Machine::new(&[0xf9400020 /* ldr x0, [x1] */, BRK0], tier);
        m.b.cpu.x[1] = 0xdead_0000;
        let (e, o) = m.step();
        assert_eq!((e, o), (Exit::FAULT_READ, Outcome::Continue));
        assert_eq!(m.b.cpu.core.pc, VBAR + 0x200);
        assert_eq!(esr_class(m.sys.regs.esr), 0x25, "data abort, same EL");
        assert_eq!((m.sys.regs.far, m.sys.regs.elr), (0xdead_0000, CODE));
    }
    // A fault the softmmu recorded is reported as recorded.
    let mut m = Machine::new(&[BRK0], Tier::Interp);
    m.enter_el0(0x7000);
    m.sys.fault = Some(crate::mmu::Fault {
        kind: crate::mmu::FaultKind::Permission,
        level: 3,
        va: 0x4321,
        access: crate::mmu::Access::new(
            crate::mmu::AccessKind::Write,
            crate::mmu::ExceptionLevel::El0,
        ),
    });
    m.b.cpu.core.pc = 0x8888;
    assert_eq!(
        handle_exit(&mut m.b.cpu, Exit::FAULT_WRITE),
        Outcome::Continue
    );
    assert_eq!(m.sys.regs.esr, 0x24 << 26 | 1 << 25 | 1 << 6 | 0b001111);
    assert_eq!((m.sys.regs.far, m.sys.regs.elr), (0x4321, 0x8888));
    assert!(m.sys.fault.is_none(), "the fault is consumed");
    // A misaligned pc (an ERET or BR there) is a PC alignment fault.
    m.b.cpu.core.pc = 0x1002;
    assert_eq!(
        handle_exit(&mut m.b.cpu, Exit::FAULT_EXEC),
        Outcome::Continue
    );
    assert_eq!(esr_class(m.sys.regs.esr), 0x22);
    assert_eq!((m.sys.regs.far, m.sys.regs.elr), (0x1002, 0x1002));
}

#[test]
fn cache_maintenance_faults_carry_cm() {
    // MMU off: a VA beyond the 48-bit PA space does not translate.
    for tier in TIERS {
        let mut m = Machine::new(&[0xd50b7e21 /* dc civac, x1 */, BRK0], tier);
        m.b.cpu.x[1] = 1 << 50;
        let (e, o) = m.step();
        assert_eq!((e, o), (Exit::FAULT_READ, Outcome::Continue), "{tier:?}");
        assert_eq!(esr_class(m.sys.regs.esr), 0x25);
        assert_eq!(
            m.sys.regs.esr & (1 << 8 | 1 << 6),
            1 << 8 | 1 << 6,
            "CM and WnR"
        );
        assert_eq!(m.sys.regs.far, 1 << 50);
    }
}

#[test]
fn tlbi_at_and_ic_at_el1() {
    let code = [
        0xd508831f, // tlbi vmalle1is
        0xd5088721, // tlbi vae1, x1
        0xd508751f, // ic iallu
        0xd50b7521, // ic ivau, x1
        0xd5087621, // dc ivac, x1
        0xd5087801, // at s1e1r, x1
        0xd538740b, // mrs x11, par_el1
        BRK0,
    ];
    for tier in TIERS {
        let mut m = Machine::new(&code, tier);
        m.b.cpu.x[1] = 0x4008_1234;
        assert_eq!(m.run(), exits::BRK, "{tier:?}");
        // MMU off: PA = VA; bit 11 and NS read 1 as on QEMU.
        assert_eq!(m.b.cpu.x[11] & 0x0000_ffff_ffff_f001, 0x4008_1000);
        assert_eq!(m.b.cpu.code_dirty, 0, "IC IVAU is a no-op in system mode");
    }
}

#[test]
fn debug_registers_linux_touches() {
    let code = [
        0xd5100241, // msr mdscr_el1, x1
        0xd5301193, // mrs x19, oslsr_el1  (locked at reset)
        0xd510109f, // msr oslar_el1, xzr
        0xd5301194, // mrs x20, oslsr_el1
        0xd51000a1, // msr dbgbcr0_el1, x1
        0xd53000b5, // mrs x21, dbgbcr0_el1
        BRK0,
    ];
    for tier in TIERS {
        let mut m = Machine::new(&code, tier);
        m.b.cpu.x[1] = 0x1000;
        assert_eq!(m.run(), exits::BRK, "{tier:?}");
        let x = &m.b.cpu.x;
        assert_eq!((x[19], x[20], x[21]), (0b1010, 0b1000, 0x1000));
        assert_eq!(m.sys.regs.mdscr, 0x1000);
    }
}

#[test]
fn illegal_exception_return() {
    for tier in TIERS {
        let mut m = Machine::new(&[0xd69f03e0 /* eret */, BRK0], tier);
        m.sys.regs.spsr = 0x3c9; // EL2h: not implemented
        m.sys.regs.elr = 0x4000;
        // The exception is entered at once; the test memory has nothing at the vector,
        // so the run stops when fetching it.
        assert_eq!(m.run(), Exit::FAULT_EXEC, "{tier:?}");
        assert_eq!(m.b.cpu.core.pc, VBAR + 0x200);
        assert_eq!(esr_class(m.sys.regs.esr), 0x0e, "illegal execution state");
        assert_eq!(m.sys.regs.elr, 0x4000);
        assert_eq!(m.sys.regs.spsr & regs::spsr::IL, regs::spsr::IL);
        assert_eq!(m.sys.el, 1);
    }
}

#[test]
fn reset_restores_the_boot_state() {
    let mut m = Machine::new(&[BRK0], Tier::Interp);
    m.enter_el0(0x7000);
    m.sys.daif = 0;
    m.sys.regs.vbar = 0x1000;
    m.b.cpu.x[5] = 9;
    reset(&mut m.b.cpu, 0x4008_0000, 0x4800_0000);
    assert_eq!(
        (m.b.cpu.core.pc, m.b.cpu.x[0], m.b.cpu.x[5]),
        (0x4008_0000, 0x4800_0000, 0)
    );
    assert_eq!((m.sys.el, m.sys.spsel, m.sys.daif), (1, 1, 0x3c0));
    assert_eq!(m.sys.regs.vbar, 0);
    assert_eq!(m.sys.mmu.sctlr_el1, regs::sctlr::RESET);
    assert_ne!(m.b.cpu.sys, 0, "still attached");
    assert_ne!(m.b.cpu.tlb, 0, "EL1's TLB selected");
}

/// A bare-metal program through the system-mode runtime and a vCPU loop like the board's
/// (take_pending_interrupt → run → handle_exit), in both tiers: it installs its vectors,
/// ERETs to EL0 with an IRQ pending (taken at once, acknowledged through a device write),
/// makes an SVC, an undefined instruction, an access to unbacked memory and an EL0 read
/// of CurrentEL (the handler counts and skips each), and powers off with PSCI over HVC.
#[test]
fn bare_metal_program_through_the_system_runtime() {
    use super::softmmu::memory_model;
    use super::testing::RAM_BASE;
    use crate::guest::A64;
    use emu_core::runtime::{Runtime, TierConfig};
    // The words were assembled with aarch64-linux-gnu-as; offsets from RAM_BASE.
    let chunks: [(u64, &[u32]); 4] = [
        (
            0x000,
            &[
                0x10004000, // adr x0, vectors (+0x800)
                0xd518c000, // msr vbar_el1, x0
                0x10000121, // adr x1, el0_code (+0x2c)
                0xd5184021, // msr elr_el1, x1
                0xd2800002, // mov x2, #0              (SPSR: EL0t, nothing masked)
                0xd5184002, // msr spsr_el1, x2
                0xd2a80203, // mov x3, #0x40100000
                0xd5184103, // msr sp_el0, x3
                0xd2a80404, // mov x4, #0x40200000
                0x9100009f, // mov sp, x4
                0xd69f03e0, // eret
                // el0_code:
                0xd280002a, // mov x10, #1
                0xd40000e1, // svc #7
                0x9100054a, // add x10, x10, #1
                0x00000000, // udf #0
                0x9100294a, // add x10, x10, #10
                0xd2a20005, // mov x5, #0x10000000
                0xf94000a6, // ldr x6, [x5]            (nothing there: data abort)
                0x9101914a, // add x10, x10, #100
                0xd5384247, // mrs x7, currentel       (UNDEF at EL0)
                0x910003e8, // mov x8, sp
                0xd4001fe1, // svc #0xff               ("power off, please")
            ],
        ),
        // vectors + 0x400: synchronous exception from EL0.
        (
            0xc00,
            &[
                0xd5385214, // mrs x20, esr_el1
                0xd35afe95, // lsr x21, x20, #26
                0xf10056bf, // cmp x21, #0x15
                0x540000c1, // b.ne not_svc
                0x92403e96, // and x22, x20, #0xffff
                0xf103fedf, // cmp x22, #0xff
                0x54000120, // b.eq power_off
                0x9100056b, // add x11, x11, #1
                0xd69f03e0, // eret
                // not_svc: skip the instruction
                0xd5384037, // mrs x23, elr_el1
                0x910012f7, // add x23, x23, #4
                0xd5184037, // msr elr_el1, x23
                0x9100058c, // add x12, x12, #1
                0xd5386018, // mrs x24, far_el1
                0xd69f03e0, // eret
                // power_off:
                0x910003f9, // mov x25, sp
                0x52800100, // mov w0, #0x8
                0x72b08000, // movk w0, #0x8400, lsl #16   (PSCI SYSTEM_OFF)
                0xd4000002, // hvc #0
                0x14000000, // b .
            ],
        ),
        // vectors + 0x480: IRQ from EL0.
        (
            0xc80,
            &[
                0x910005ad, // add x13, x13, #1
                0xd2a1201a, // mov x26, #0x09000000    (the test board's IRQ_ACK)
                0xb900035f, // str wzr, [x26]
                0xd69f03e0, // eret
            ],
        ),
        // Every other vector: b . (never reached).
        (0x800, &[0x14000000]),
    ];
    for jit in [false, true] {
        let board = test_board();
        for (offset, words) in chunks {
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            board
                .ram
                .write(RAM_BASE + offset, &bytes)
                .expect("program fits");
        }
        board.irq.store(true, Ordering::Relaxed);
        let mut sys = SysCpu::new(0, board.clone());
        let mut cpu = Box::new(crate::state::CpuState::default());
        attach(&mut cpu, &mut sys);
        reset(&mut cpu, RAM_BASE, 0);
        let cfg = TierConfig {
            jit,
            threshold: 0,
            ..TierConfig::default()
        };
        let mut rt = Runtime::<A64>::new(memory_model(), cfg).expect("runtime");
        let mut outcome = Outcome::Continue;
        for _ in 0..100 {
            cpu.core.interrupt = 0; // the loop's "kick" is consumed before it looks
            take_pending_interrupt(&mut cpu);
            let p = cpu.as_mut_ptr();
            // SAFETY: the state and its SysCpu live here; one thread.
            let e = unsafe { rt.run(p) };
            outcome = handle_exit(&mut cpu, e);
            if outcome != Outcome::Continue {
                break;
            }
        }
        assert_eq!(outcome, Outcome::PowerOff, "jit: {jit}");
        let x = &cpu.x;
        assert_eq!(x[10], 112, "every EL0 instruction after a skipped one ran");
        assert_eq!(
            (x[11], x[12], x[13]),
            (1, 3, 1),
            "SVCs, skipped faults, IRQs"
        );
        assert_eq!(x[24], 0x1000_0000, "FAR of the data abort");
        assert_eq!((x[7], x[8], x[25]), (0, 0x4010_0000, 0x4020_0000));
        assert!(!board.irq.load(Ordering::Relaxed));
    }
}

#[test]
fn breakpoints_semihosting_and_vector_groups() {
    for tier in TIERS {
        // brk #0x800 at EL1t (SPSel = 0): the "current EL with SP_EL0" group at offset 0.
        let mut m = Machine::new(&[0xd4210000, BRK0], tier);
        super::pstate::set_pstate_mode(&mut m.b.cpu, &mut m.sys, 1, 0);
        assert_eq!(m.step(), (exits::BRK, Outcome::Continue));
        assert_eq!(m.b.cpu.core.pc, VBAR);
        assert_eq!(m.sys.regs.esr, 0x3c << 26 | 1 << 25 | 0x800);
        assert_eq!((m.sys.regs.elr, m.sys.regs.spsr & 0xf), (CODE, 0b0100));
        // hlt #0xf000: semihosting when enabled (pc stays at the HLT), else UNDEF.
        let mut m = Machine::new(&[0xd45e0000, BRK0], tier);
        m.sys.semihosting = true;
        assert_eq!(m.step(), (exits::HLT, Outcome::Semihosting));
        assert_eq!(m.b.cpu.core.pc, CODE);
        let mut m = Machine::new(&[0xd45e0000, BRK0], tier);
        assert_eq!(m.step(), (exits::HLT, Outcome::Continue));
        assert_eq!(
            (m.b.cpu.core.pc, esr_class(m.sys.regs.esr)),
            (VBAR + 0x200, 0)
        );
    }
}

#[test]
fn more_el0_undefined_forms() {
    for word in [
        0xd50040bf, // msr spsel, #0
        0xd5087621, // dc ivac, x1
        0xd5087841, // at s1e0r, x1
        0xd538c111, // mrs x17, isr_el1
        0xd4000003, // smc #0
    ] {
        for tier in TIERS {
            let mut m = Machine::new(&[word, BRK0], tier);
            m.enter_el0(0x7000);
            assert_eq!(m.step(), (exits::UNDEF, Outcome::Continue), "{word:#010x}");
            assert_eq!(esr_class(m.sys.regs.esr), 0);
        }
    }
}

#[test]
fn interrupt_status_and_gic_version() {
    let mut m = Machine::new(&[0xd538c111 /* mrs x17, isr_el1 */, BRK0], Tier::Interp);
    m.board.irq.store(true, Ordering::Relaxed);
    assert_eq!(m.run(), exits::BRK);
    assert_eq!(
        m.b.cpu.x[17],
        regs::daif::I,
        "ISR_EL1 shows the pending IRQ, masked or not"
    );
    // A board without the GICv3 CPU interface: ID_AA64PFR0_EL1.GIC = 0.
    let board = Arc::new(TestBoard {
        gicv3: false,
        ..Arc::into_inner(test_board()).expect("sole owner")
    });
    let mut b = Bare::new(
        &[0xd5380405 /* mrs x5, id_aa64pfr0_el1 */, BRK0],
        Tier::Interp,
    );
    let mut sys = SysCpu::new(0, board);
    attach(&mut b.cpu, &mut sys);
    assert_eq!(b.run(), exits::BRK);
    assert_eq!(b.cpu.x[5] >> 24 & 0xf, 0);
}

/// Every MRS/MSR encoding and every SYS operation, at EL0 and EL1, with operands that
/// stress masks and indices: no panic (a guest controls all of these), and reads of the
/// EL1-only space are refused at EL0.
#[test]
fn every_system_register_encoding_is_safe_at_every_el() {
    use super::sysops::execute;
    use super::sysreg::{read, write, Denied};
    for el in [0u8, 1] {
        let board = test_board();
        board.cntkctl.store(u64::MAX, Ordering::Relaxed);
        let mut sys = SysCpu::new(0, board);
        let mut cpu = crate::state::CpuState::default();
        attach(&mut cpu, &mut sys);
        super::pstate::set_pstate_mode(&mut cpu, &mut sys, el, 1);
        let mut readable_count = 0;
        for encoding in 0..=0xffffu32 {
            let readable = read(&mut cpu, &mut sys, encoding);
            readable_count += usize::from(readable.is_ok());
            if el == 0 && (encoding >> 11 & 7) == 0 && (encoding >> 14) == 3 {
                // op0 = 3, op1 = 0: EL1 registers (ID space included).
                assert_eq!(readable, Err(Denied::Undefined), "{encoding:#06x} at EL0");
            }
            for value in [0, u64::MAX, 0x5555_5555_5555_5555] {
                let _ = write(&mut cpu, &mut sys, encoding, value);
                // Writes may have dropped to EL0 (SPSel) or changed SCTLR: restore the EL.
                super::pstate::set_pstate_mode(&mut cpu, &mut sys, el, 1);
            }
            let (op1, crn, crm, op2) = (
                encoding >> 11 & 7,
                encoding >> 7 & 15,
                encoding >> 3 & 15,
                encoding & 7,
            );
            for xt in [0, u64::MAX, 1 << 50] {
                let _ = execute(&mut sys, (op1, crn, crm, op2), xt);
            }
        }
        // EL1: the ID space (6 × 8 registers) and the named registers; EL0: a handful.
        let expected = if el == 0 { 5..=20 } else { 80..=200 };
        assert!(
            expected.contains(&readable_count),
            "EL{el}: {readable_count} readable"
        );
    }
}

/// The MRS/MSR helpers in user mode (no system half), called directly: the registers the
/// semantics keep inline work through them too, EL1 ones UNDEF.
#[test]
fn user_mode_helpers_are_complete() {
    use super::insn::{mrs, msr};
    let mut cpu = crate::state::CpuState::default();
    let p = cpu.as_mut_ptr();
    // SAFETY: a live state with no system half, used by this thread only.
    unsafe {
        assert_eq!(msr(p, 0xd51bd047, 0x77, 0), 0); // msr tpidr_el0, x7
        assert_eq!(msr(p, 0xd51b4201, 0xa000_0000, 0), 0); // msr nzcv, x1
        assert_eq!(mrs(p, 0xd53bd048, 0, 0), 0); // mrs x8, tpidr_el0
        assert_eq!(mrs(p, 0xd53b4202, 0, 0), 0); // mrs x2, nzcv
        assert_eq!(msr(p, 0xd518c001, 1, 0), exits::UNDEF.0); // msr vbar_el1, x1
        assert_eq!(mrs(p, 0xd5384243, 0, 0), exits::UNDEF.0); // mrs x3, currentel
    }
    assert_eq!(
        (cpu.x[8], cpu.x[2], cpu.core.exit_arg),
        (0x77, 0xa000_0000, 0xd5384243)
    );
}
