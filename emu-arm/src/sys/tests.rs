//! System-mode memory through the runtime, in both tiers: RAM and device accesses with the
//! MMU off, stage-1 translation with aliasing, page-crossing accesses and precise
//! permission faults, faults on unbacked addresses, and self-modifying code caught by the
//! code-page write tracking.

use super::softmmu::{memory_model, translation_regs_written, TranslationReg};
use super::{attach, Platform, SysCpu};
use crate::exits;
use crate::guest::A64;
use crate::mmu::FaultKind;
use crate::state::CpuState;
use emu_core::emit::Exit;
use emu_core::phys::PhysRam;
use emu_core::runtime::{Runtime, TierConfig};
use std::sync::{Arc, Mutex};

const RAM_BASE: u64 = 0x4000_0000;
const UART: u64 = 0x0900_0000;

/// RAM plus one fake device at `UART` (a page): reads return `0xabc0 + offset`, writes
/// are recorded.
pub(super) struct TestBoard {
    pub(super) ram: PhysRam,
    writes: Mutex<Vec<(u64, u8, u64)>>,
}

impl Platform for TestBoard {
    fn ram(&self) -> &PhysRam {
        &self.ram
    }
    fn mmio_read(&self, _cpu: usize, pa: u64, _size: u8) -> Option<u64> {
        (UART..UART + 0x1000)
            .contains(&pa)
            .then_some(0xabc0 + (pa - UART))
    }
    fn mmio_write(&self, _cpu: usize, pa: u64, size: u8, value: u64) -> bool {
        let ok = (UART..UART + 0x1000).contains(&pa);
        if ok {
            self.writes.lock().unwrap().push((pa, size, value));
        }
        ok
    }
    fn read_sysreg(&self, _: usize, _: u32) -> Option<u64> {
        None
    }
    fn write_sysreg(&self, _: usize, _: u32, _: u64) -> bool {
        false
    }
    fn irq_pending(&self, _: usize) -> bool {
        false
    }
    fn fiq_pending(&self, _: usize) -> bool {
        false
    }
}

pub(super) struct Machine {
    pub(super) board: Arc<TestBoard>,
    pub(super) sys: Box<SysCpu>,
    pub(super) cpu: Box<CpuState>,
    pub(super) rt: Runtime<A64>,
}

impl Machine {
    pub(super) fn new(code: &[u32], jit: bool) -> Machine {
        let board = Arc::new(TestBoard {
            ram: PhysRam::new(RAM_BASE, 16 << 20).unwrap(),
            writes: Mutex::new(Vec::new()),
        });
        let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        board.ram.write(RAM_BASE, &bytes).unwrap();
        let mut sys = SysCpu::new(0, board.clone());
        let mut cpu = Box::new(CpuState::default());
        cpu.core.pc = RAM_BASE;
        attach(&mut cpu, &mut sys);
        let cfg = TierConfig {
            jit,
            threshold: 0,
            ..TierConfig::default()
        };
        let rt = Runtime::new(memory_model(), cfg).unwrap();
        Machine {
            board,
            sys,
            cpu,
            rt,
        }
    }

    /// Runs until an exit other than an interrupt request (which is what a store to a
    /// translated page raises, as the vCPU loop would see it).
    pub(super) fn run(&mut self) -> Exit {
        loop {
            let p = self.cpu.as_mut_ptr();
            // SAFETY: the CPU state and its SysCpu live in self; one thread.
            let e = unsafe { self.rt.run(p) };
            if e != Exit::INTERRUPT || self.cpu.core.interrupt == 0 {
                return e;
            }
            self.cpu.core.interrupt = 0;
        }
    }

    /// Identity-maps 0x4000_0000..0x8000_0000 (a 1 GiB block, EL1 RW, Normal memory) and
    /// maps VA 0x2000_0000 → PA 0x4010_0000 (RW) and VA 0x2000_1000 → PA 0x4020_0000
    /// (read-only) with 4 KiB pages; 39-bit VAs, 4 KiB granule; turns the MMU on.
    pub(super) fn enable_mmu(&mut self) {
        let (l1, l2, l3) = (0x4060_0000u64, 0x4060_1000u64, 0x4060_2000u64);
        let w = |pa: u64, v: u64| self.board.ram.write(pa, &v.to_le_bytes()).unwrap();
        const AF: u64 = 1 << 10;
        const TABLE: u64 = 0b11;
        const BLOCK: u64 = 0b01;
        const PAGE: u64 = 0b11;
        const RO: u64 = 1 << 7;
        w(l1 + 8, 0x4000_0000 | AF | BLOCK);
        w(l1, l2 | TABLE);
        w(l2 + 8 * 256, l3 | TABLE);
        w(l3, 0x4010_0000 | AF | PAGE);
        w(l3 + 8, 0x4020_0000 | AF | PAGE | RO);
        let sys = &mut *self.sys;
        translation_regs_written(sys, TranslationReg::Mair, 0xff);
        translation_regs_written(sys, TranslationReg::Ttbr0, l1);
        // T0SZ = 25 (39-bit), TG0 = 4K, EPD1 (no TTBR1 walks), IPS = 48-bit.
        translation_regs_written(sys, TranslationReg::Tcr, 25 | (1 << 23) | (5 << 32));
        translation_regs_written(sys, TranslationReg::Sctlr, 1);
    }
}

fn both(code: &[u32], setup: impl Fn(&mut Machine), check: impl Fn(&Machine, Exit)) {
    for jit in [false, true] {
        let mut m = Machine::new(code, jit);
        setup(&mut m);
        let e = m.run();
        check(&m, e);
    }
}

const PROG_A: [u32; 10] = [
    0xd2a81001, // mov x1, #0x40800000
    0xd2824682, // mov x2, #0x1234
    0xf9000022, // str x2, [x1]
    0xf9400023, // ldr x3, [x1]
    0xd2a12004, // mov x4, #0x9000000
    0x39000082, // strb w2, [x4]
    0xb9401885, // ldr w5, [x4, #24]
    0xd2a20006, // mov x6, #0x10000000
    0xf94000c7, // ldr x7, [x6]       (nothing there: abort)
    0xd4200000, // brk #0
];

#[test]
fn mmu_off_ram_device_and_unbacked_accesses() {
    both(
        &PROG_A,
        |_| {},
        |m, e| {
            assert_eq!(e, Exit::FAULT_READ);
            assert_eq!(m.cpu.core.pc, RAM_BASE + 8 * 4);
            assert_eq!(m.cpu.core.fault_addr, 0x1000_0000);
            assert_eq!(m.cpu.x[3], 0x1234);
            assert_eq!(m.cpu.x[5], 0xabc0 + 0x18);
            assert_eq!(*m.board.writes.lock().unwrap(), vec![(UART, 1, 0x34)]);
            let mut b = [0; 8];
            m.board.ram.read(0x4080_0000, &mut b).unwrap();
            assert_eq!(u64::from_le_bytes(b), 0x1234);
            let f = m.sys.fault.expect("fault recorded");
            assert_eq!(f.va, 0x1000_0000);
        },
    );
}

const PROG_B: [u32; 12] = [
    0xd2a40001, // mov x1, #0x20000000
    0xd28acf02, // mov x2, #0x5678
    0xf9000422, // str x2, [x1, #8]
    0xf9400423, // ldr x3, [x1, #8]
    0xd2a80209, // mov x9, #0x40100000
    0xf9400524, // ldr x4, [x9, #8]    (the same bytes through the identity map)
    0xf9480025, // ldr x5, [x1, #4096] (the read-only page)
    0xd281ff86, // mov x6, #0xffc
    0x8b0100c6, // add x6, x6, x1
    0xf94000c7, // ldr x7, [x6]        (crosses into the read-only page: fine)
    0xf90000c2, // str x2, [x6]        (crosses into it: permission fault, nothing written)
    0xd4200000, // brk #0
];

#[test]
fn mmu_on_translation_aliasing_page_crossing_and_permission_fault() {
    both(
        &PROG_B,
        |m| {
            m.board
                .ram
                .write(0x4020_0000, &0x1122_3344_5566_7788u64.to_le_bytes())
                .unwrap();
            m.board
                .ram
                .write(0x4010_0ff8, &0xaabb_ccdd_0000_0000u64.to_le_bytes())
                .unwrap();
            m.enable_mmu();
        },
        |m, e| {
            assert_eq!(e, Exit::FAULT_WRITE, "pc {:#x}", m.cpu.core.pc);
            assert_eq!(m.cpu.core.pc, RAM_BASE + 10 * 4);
            assert_eq!(m.cpu.x[3], 0x5678);
            assert_eq!(m.cpu.x[4], 0x5678);
            assert_eq!(m.cpu.x[5], 0x1122_3344_5566_7788);
            assert_eq!(m.cpu.x[7], 0x5566_7788_aabb_ccdd);
            let f = m.sys.fault.expect("fault recorded");
            assert_eq!(f.kind, FaultKind::Permission);
            assert_eq!(f.va, 0x2000_1000);
            let mut b = [0; 8];
            m.board.ram.read(0x4010_0ff8, &mut b).unwrap();
            assert_eq!(
                u64::from_le_bytes(b),
                0xaabb_ccdd_0000_0000,
                "no partial write"
            );
        },
    );
}

const PROG_C: [u32; 12] = [
    0xd2800005, // mov x5, #0
    0x94000009, // loop: bl target
    0xb50000e5, // cbnz x5, done
    0xd2800025, // mov x5, #1
    0x5280a802, // mov w2, #0x540
    0x72ba5002, // movk w2, #0xd280, lsl #16   (w2 = `mov x0, #42`)
    0x10000081, // adr x1, target
    0xb9000022, // str w2, [x1]
    0x17fffff9, // b loop
    0xd4200000, // done: brk #0
    0xd2800020, // target: mov x0, #1
    0xd65f03c0, // ret
];

#[test]
fn stores_to_translated_code_take_effect() {
    both(
        &PROG_C,
        |m| m.enable_mmu(),
        |m, e| {
            assert_eq!(e, exits::BRK);
            assert_eq!(m.cpu.x[0], 42, "the rewritten instruction ran");
        },
    );
    // And with the MMU off.
    both(
        &PROG_C,
        |_| {},
        |m, e| {
            assert_eq!(e, exits::BRK);
            assert_eq!(m.cpu.x[0], 42);
        },
    );
}

/// A patched block reached through a chained jump from a block of the same page that
/// the patch left unchanged (and so keeps): the kept block must not jump into the
/// patched block's old compiled code.
const PROG_D: [u32; 17] = [
    0xd2800005, // mov x5, #0
    0x910004c6, // loop: add x6, x6, #1
    0x1400000d, // b target
    0x910004a5, // back: add x5, x5, #1
    0xf10008bf, // cmp x5, #2
    0x54000080, // b.eq patch      (second pass: patch, after loop -> target was chained)
    0xf1000cbf, // cmp x5, #3
    0x540000e0, // b.eq done
    0x17fffff9, // b loop
    0x5280a802, // patch: mov w2, #0x540
    0x72ba5002, // movk w2, #0xd280, lsl #16   (w2 = `mov x0, #42`)
    0x10000081, // adr x1, target
    0xb9000022, // str w2, [x1]
    0x17fffff4, // b loop
    0xd4200000, // done: brk #0
    0xd2800020, // target: mov x0, #1
    0x17fffff3, // b back
];

#[test]
fn patched_block_reached_through_a_chain_from_a_kept_block_runs_its_new_code() {
    for mmu in [false, true] {
        let mut results = Vec::new();
        for jit in [false, true] {
            let mut m = Machine::new(&PROG_D, jit);
            if mmu {
                m.enable_mmu();
            }
            let e = m.run();
            assert_eq!(e, exits::BRK, "jit {jit} mmu {mmu}");
            assert_eq!(
                m.cpu.x[0], 42,
                "the rewritten instruction ran (jit {jit} mmu {mmu})"
            );
            assert_eq!(m.cpu.x[6], 3, "jit {jit} mmu {mmu}");
            if jit {
                assert!(m.rt.stats.chain_links > 0, "the jump to target was chained");
            }
            results.push((m.rt.stats.blocks_invalidated, m.rt.stats.blocks_revalidated));
        }
        // Only the patched block goes; the others on the page are checked and kept.
        for (dropped, kept) in results {
            assert_eq!(dropped, 1, "mmu {mmu}");
            assert!(kept >= 2, "mmu {mmu}: {kept} kept");
        }
    }
}

/// Stores to data on a page that also holds the running code: the code's blocks are
/// checked and kept, never translated again.
const PROG_E: [u32; 7] = [
    0xd2800005, // mov x5, #0
    0x10003fe1, // adr x1, data (+0x800)
    0xf9000025, // loop: str x5, [x1]
    0x910004a5, // add x5, x5, #1
    0xf10028bf, // cmp x5, #10
    0x54ffffa1, // b.ne loop
    0xd4200000, // brk #0
];

#[test]
fn data_stores_to_a_code_page_keep_its_translations() {
    both(
        &PROG_E,
        |_| {},
        |m, e| {
            assert_eq!(e, exits::BRK);
            assert_eq!(m.cpu.x[5], 10);
            let mut b = [0; 8];
            m.board.ram.read(RAM_BASE + 0x800, &mut b).unwrap();
            assert_eq!(u64::from_le_bytes(b), 9);
            assert_eq!(m.rt.stats.blocks_invalidated, 0);
            assert!(
                m.rt.stats.blocks_revalidated >= 9,
                "{} blocks kept",
                m.rt.stats.blocks_revalidated
            );
            assert_eq!(m.rt.stats.blocks_translated, 3, "entry, loop, brk");
        },
    );
}

#[test]
fn fetch_from_unmapped_memory_faults() {
    // br x1 to a VA with no mapping.
    let code = [
        0xd2a40101, /* mov x1, #0x20080000 */
        0xd61f0020, /* br x1 */
    ];
    both(
        &code,
        |m| m.enable_mmu(),
        |m, e| {
            assert_eq!(e, Exit::FAULT_EXEC);
            assert_eq!(m.cpu.core.pc, 0x2008_0000);
            let f = m.sys.fault.expect("fault recorded");
            assert_eq!(f.kind, FaultKind::Translation);
        },
    );
}

#[test]
fn instruction_counting_agrees_between_tiers_and_stops_at_the_limit() {
    // mov x0, #10; loop: subs x0, x0, #1; b.ne loop; brk #0
    let code = [0xd2800140, 0xf1000400, 0x54ffffe1, 0xd4200000];
    for limit in [u64::MAX, 10] {
        let mut results = Vec::new();
        for jit in [false, true] {
            let mut m = Machine::new(&code, jit);
            m.rt = Runtime::new(
                memory_model(),
                TierConfig {
                    jit,
                    threshold: 0,
                    count_insns: true,
                    ..TierConfig::default()
                },
            )
            .unwrap();
            m.cpu.core.icount_limit = limit;
            let e = m.run();
            results.push((e, m.cpu.core.icount, m.cpu.core.pc, m.cpu.x[0]));
        }
        assert_eq!(results[0], results[1], "tiers disagree (limit {limit})");
        if limit == u64::MAX {
            // First block 3, the loop block 2 × 9, the BRK block 1.
            assert_eq!(results[0], (exits::BRK, 22, RAM_BASE + 12, 0));
        } else {
            // Blocks start at counts 0, 3, 5, 7, 9, 11: the one at 11 does not run.
            assert_eq!(results[0], (Exit::INTERRUPT, 11, RAM_BASE + 4, 5));
        }
    }
}
