//! Branches between compiled blocks in system mode when the code behind a VA changes.
//!
//! Compiled code follows indirect branches (and branches to another page) through an
//! inline cache of compiled blocks keyed by VA, checked against the current EL's TLB
//! (`emu_core::jit::emitter` control.rs). Each test calls a function through `BLR`
//! once, so that the JIT tier caches it, then changes what that VA means — a remap with
//! TLBI, another ASID, another EL, a store to the code — and calls it again: both tiers
//! must run the code the architecture says. The tests reload the TLB entry with a data
//! access just before the second call where they can, so that a TLB hit alone would not
//! prove the cached block current.

use super::tests::Machine;
use crate::exits;
use crate::mmu::FaultKind;
use emu_core::emit::Exit;

/// The tables `Machine::enable_mmu` builds: the level-3 table mapping VA 0x2000_0000.
const L3: u64 = 0x4060_2000;
const AF: u64 = 1 << 10;
const PAGE: u64 = 0b11;
const NG: u64 = 1 << 11;
/// AP[2:1] = 0b11: read-only at EL0 and EL1.
const AP_RO_ALL: u64 = 0b11 << 6;
const UXN: u64 = 1 << 54;

/// `mov x0, #1; ret` and `mov x0, #2; ret`.
const RETURN_1: [u32; 2] = [0xd2800020, 0xd65f03c0];
const RETURN_2: [u32; 2] = [0xd2800040, 0xd65f03c0];

fn write_words(m: &Machine, pa: u64, words: &[u32]) {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    m.board.ram.write(pa, &bytes).unwrap();
}

fn write_u64(m: &Machine, pa: u64, v: u64) {
    m.board.ram.write(pa, &v.to_le_bytes()).unwrap();
}

/// Runs `code` in both tiers after `setup` and hands each result to `check`.
fn both(code: &[u32], setup: impl Fn(&mut Machine), check: impl Fn(&Machine, Exit, bool)) {
    for jit in [false, true] {
        let mut m = Machine::new(code, jit);
        setup(&mut m);
        let e = m.run();
        check(&m, e, jit);
    }
}

#[test]
fn an_indirect_branch_follows_a_remap_after_tlbi() {
    let code = [
        0xd2a40001, // mov x1, #0x20000000
        0xd63f0020, // blr x1            (PA 0x40100000: x0 = 1)
        0xaa0003ea, // mov x10, x0
        0xd2808062, // mov x2, #0x403    (AF | page)
        0xf2a80602, // movk x2, #0x4030, lsl #16
        0xd2a80c03, // mov x3, #0x40600000
        0xf2840003, // movk x3, #0x2000  (the level-3 table)
        0xf9000062, // str x2, [x3]      (VA 0x20000000 -> PA 0x40300000)
        0xd5033b9f, // dsb ish
        0xd34cfc24, // lsr x4, x1, #12
        0xd5088724, // tlbi vae1, x4
        0xd5033b9f, // dsb ish
        0xd5033fdf, // isb
        0xf9400025, // ldr x5, [x1]      (the TLB now holds the new mapping)
        0xd63f0020, // blr x1            (PA 0x40300000: x0 = 2)
        0xaa0003eb, // mov x11, x0
        0xd4200000, // brk #0
    ];
    both(
        &code,
        |m| {
            m.enable_mmu();
            write_words(m, 0x4010_0000, &RETURN_1);
            write_words(m, 0x4030_0000, &RETURN_2);
        },
        |m, e, jit| {
            assert_eq!(e, exits::BRK, "jit {jit}: pc {:#x}", m.cpu.core.pc);
            assert_eq!((m.cpu.x[10], m.cpu.x[11]), (1, 2), "jit {jit}");
            assert_eq!(
                m.cpu.x[5],
                u64::from(RETURN_2[0]) | u64::from(RETURN_2[1]) << 32
            );
        },
    );
}

#[test]
fn el0_cannot_branch_into_code_el1_ran() {
    let code = [
        0xd2a40001, // mov x1, #0x20000000
        0xf2840001, // movk x1, #0x2000  (read-only page, EL1 may execute it, EL0 not)
        0xd63f0020, // blr x1            (x0 = 1)
        0xaa0003ea, // mov x10, x0
        0x10000082, // adr x2, el0
        0xd5184022, // msr elr_el1, x2
        0xd518401f, // msr spsr_el1, xzr (EL0t)
        0xd69f03e0, // eret
        0xf9400025, // el0: ldr x5, [x1] (EL0 may read it: the EL0 TLB has the page)
        0xd63f0020, // blr x1            (an instruction abort)
        0xd4200000, // brk #0
    ];
    both(
        &code,
        |m| {
            m.enable_mmu();
            write_u64(m, L3 + 16, 0x4040_0000 | AF | PAGE | AP_RO_ALL | UXN);
            write_words(m, 0x4040_0000, &RETURN_1);
        },
        |m, e, jit| {
            assert_eq!(e, Exit::FAULT_EXEC, "jit {jit}: pc {:#x}", m.cpu.core.pc);
            assert_eq!(m.cpu.core.pc, 0x2000_2000, "jit {jit}");
            assert_eq!(m.sys.el, 0);
            assert_eq!(m.cpu.x[10], 1, "jit {jit}");
            assert_eq!(
                m.cpu.x[5],
                u64::from(RETURN_1[0]) | u64::from(RETURN_1[1]) << 32
            );
            let f = m.sys.fault.expect("fault recorded");
            assert_eq!(f.kind, FaultKind::Permission, "jit {jit}");
        },
    );
}

#[test]
fn an_indirect_branch_follows_an_asid_switch() {
    let code = [
        0xd2a40001, // mov x1, #0x20000000
        0xd63f0020, // blr x1            (ASID 1: PA 0x40100000, x0 = 1)
        0xaa0003ea, // mov x10, x0
        0xd2a80c22, // mov x2, #0x40610000
        0xf2e00042, // movk x2, #2, lsl #48
        0xd5182002, // msr ttbr0_el1, x2 (ASID 2, other tables)
        0xd5033fdf, // isb
        0xf9400025, // ldr x5, [x1]
        0xd63f0020, // blr x1            (ASID 2: PA 0x40300000, x0 = 2)
        0xaa0003eb, // mov x11, x0
        0xd4200000, // brk #0
    ];
    both(
        &code,
        |m| {
            m.enable_mmu();
            // ASID 1: the tables of enable_mmu, with VA 0x20000000 non-global.
            write_u64(m, L3, 0x4010_0000 | AF | PAGE | NG);
            let sys = &mut *m.sys;
            super::softmmu::translation_regs_written(
                sys,
                super::softmmu::TranslationReg::Ttbr0,
                0x4060_0000 | 1 << 48,
            );
            // ASID 2: the same identity map, VA 0x20000000 -> PA 0x40300000.
            let (l1, l2, l3) = (0x4061_0000u64, 0x4061_1000u64, 0x4061_2000u64);
            write_u64(m, l1 + 8, 0x4000_0000 | AF | 0b01);
            write_u64(m, l1, l2 | 0b11);
            write_u64(m, l2 + 8 * 256, l3 | 0b11);
            write_u64(m, l3, 0x4030_0000 | AF | PAGE | NG);
            write_words(m, 0x4010_0000, &RETURN_1);
            write_words(m, 0x4030_0000, &RETURN_2);
        },
        |m, e, jit| {
            assert_eq!(e, exits::BRK, "jit {jit}: pc {:#x}", m.cpu.core.pc);
            assert_eq!((m.cpu.x[10], m.cpu.x[11]), (1, 2), "jit {jit}");
        },
    );
}

#[test]
fn an_indirect_branch_runs_code_rewritten_by_a_store() {
    let code = [
        0xd2a40001, // mov x1, #0x20000000
        0xf2800201, // movk x1, #0x10
        0xd63f0020, // blr x1            (x0 = 1)
        0xaa0003ea, // mov x10, x0
        0x5280a802, // mov w2, #0x540
        0x72ba5002, // movk w2, #0xd280, lsl #16  (w2 = `mov x0, #42`)
        0xb9000022, // str w2, [x1]
        0xd5033fdf, // isb               (the next block sees the invalidation)
        0xf9400025, // ldr x5, [x1]
        0xd63f0020, // blr x1            (x0 = 42)
        0xaa0003eb, // mov x11, x0
        0xd4200000, // brk #0
    ];
    both(
        &code,
        |m| {
            m.enable_mmu();
            write_words(m, 0x4010_0010, &RETURN_1);
        },
        |m, e, jit| {
            assert_eq!(e, exits::BRK, "jit {jit}: pc {:#x}", m.cpu.core.pc);
            assert_eq!((m.cpu.x[10], m.cpu.x[11]), (1, 42), "jit {jit}");
        },
    );
}

#[test]
fn a_direct_branch_to_another_page_follows_a_remap() {
    // As the TLBI test, but both calls go through a stub at VA 0x2000_1000 (a page
    // that stays put) whose `b` crosses into the remapped page: a direct branch that
    // leaves its page must not be linked to the block it found the first time.
    let code = [
        0xd2a40001, // mov x1, #0x20000000
        0xd2a40006, // mov x6, #0x20000000
        0xf2820006, // movk x6, #0x1000  (the stub)
        0xd63f00c0, // blr x6            (x0 = 1)
        0xaa0003ea, // mov x10, x0
        0xd2808062, // mov x2, #0x403
        0xf2a80602, // movk x2, #0x4030, lsl #16
        0xd2a80c03, // mov x3, #0x40600000
        0xf2840003, // movk x3, #0x2000
        0xf9000062, // str x2, [x3]      (VA 0x20000000 -> PA 0x40300000)
        0xd5033b9f, // dsb ish
        0xd34cfc24, // lsr x4, x1, #12
        0xd5088724, // tlbi vae1, x4
        0xd5033b9f, // dsb ish
        0xd5033fdf, // isb
        0xf9400025, // ldr x5, [x1]
        0xd63f00c0, // blr x6            (x0 = 2)
        0xaa0003eb, // mov x11, x0
        0xd4200000, // brk #0
    ];
    both(
        &code,
        |m| {
            m.enable_mmu();
            // The stub, in the read-only page at VA 0x2000_1000: b 0x20000000.
            write_words(m, 0x4020_0000, &[0x17fffc00]);
            write_words(m, 0x4010_0000, &RETURN_1);
            write_words(m, 0x4030_0000, &RETURN_2);
        },
        |m, e, jit| {
            assert_eq!(e, exits::BRK, "jit {jit}: pc {:#x}", m.cpu.core.pc);
            assert_eq!((m.cpu.x[10], m.cpu.x[11]), (1, 2), "jit {jit}");
        },
    );
}
