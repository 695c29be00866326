//! The runtime's debugger hooks (emu_core::debug) on real A64 code, in both tiers:
//! breakpoints stop before the instruction even inside compiled, chained loops;
//! single-step runs exactly one instruction (also SVC and faulting ones); watchpoints stop
//! before the access with its address and kind.

use crate::exits;
use crate::testkit::{Bare, Tier, BRK0, CODE, DATA};
use emu_core::debug::{reason, DebugHooks, WatchKind, Watchpoint};
use emu_core::emit::Exit;

const ADD_X0_1: u32 = 0x9100_0400; // add x0, x0, #1
const STR_X0_X28: u32 = 0xf900_0380; // str x0, [x28]
const LDR_X1_X28: u32 = 0xf940_0381; // ldr x1, [x28]
const LDR_X1_X2: u32 = 0xf940_0041; // ldr x1, [x2]
const SVC0: u32 = 0xd400_0001;
const B_BACK_1: u32 = 0x17ff_ffff; // b .-4

fn breakpoints(pcs: &[u64]) -> DebugHooks {
    DebugHooks {
        breakpoints: pcs.iter().copied().collect(),
        ..DebugHooks::default()
    }
}

fn stepping() -> DebugHooks {
    DebugHooks {
        single_step: true,
        ..DebugHooks::default()
    }
}

#[test]
fn breakpoint_stops_before_its_instruction_inside_a_block() {
    for tier in [Tier::Interp, Tier::Jit] {
        let mut b = Bare::new(&[ADD_X0_1, ADD_X0_1, ADD_X0_1, ADD_X0_1, BRK0], tier);
        b.rt.set_debug_hooks(breakpoints(&[CODE + 8]));
        assert_eq!(b.run(), Exit::DEBUG, "{tier:?}");
        assert_eq!(b.cpu.core.exit_arg, reason::BREAKPOINT);
        assert_eq!((b.cpu.core.pc, b.cpu.x[0]), (CODE + 8, 2), "{tier:?}");
        // Still there when resumed with the breakpoint set (gdb steps over it itself).
        assert_eq!(b.run(), Exit::DEBUG);
        assert_eq!(b.cpu.core.pc, CODE + 8);
        b.rt.set_debug_hooks(DebugHooks::default());
        assert_eq!(b.run(), exits::BRK, "{tier:?}");
        assert_eq!(b.cpu.x[0], 4, "{tier:?}");
    }
}

#[test]
fn breakpoint_stops_a_compiled_chained_loop_every_iteration() {
    for tier in [Tier::Interp, Tier::Jit] {
        // loop: add x0, x0, #1; b loop
        let mut b = Bare::new(&[ADD_X0_1, B_BACK_1], tier);
        b.rt.set_debug_hooks(breakpoints(&[CODE + 4]));
        for i in 1..=3 {
            assert_eq!(b.run(), Exit::DEBUG, "{tier:?}");
            assert_eq!((b.cpu.core.pc, b.cpu.x[0]), (CODE + 4, i), "{tier:?}");
            // Step over the breakpoint as gdb does: without it, one instruction.
            b.rt.set_debug_hooks(stepping());
            assert_eq!(b.run(), Exit::DEBUG);
            assert_eq!(b.cpu.core.exit_arg, reason::STEP);
            assert_eq!((b.cpu.core.pc, b.cpu.x[0]), (CODE, i), "{tier:?}");
            b.rt.set_debug_hooks(breakpoints(&[CODE + 4]));
        }
    }
}

#[test]
fn single_step_runs_exactly_one_instruction() {
    for tier in [Tier::Interp, Tier::Jit] {
        let mut b = Bare::new(&[ADD_X0_1, ADD_X0_1, SVC0, LDR_X1_X2, BRK0], tier);
        b.rt.set_debug_hooks(stepping());
        for n in 1..=2 {
            assert_eq!(b.run(), Exit::DEBUG, "{tier:?}");
            assert_eq!((b.cpu.core.pc, b.cpu.x[0]), (CODE + 4 * n, n), "{tier:?}");
        }
        // An SVC leaves with its own exit, pc after it (the caller runs the syscall).
        assert_eq!(b.run(), exits::SVC, "{tier:?}");
        assert_eq!(b.cpu.core.pc, CODE + 12);
        // A faulting load leaves with the fault, pc at it, nothing done.
        b.cpu.x[2] = 0;
        assert_eq!(b.run(), Exit::FAULT_READ, "{tier:?}");
        assert_eq!((b.cpu.core.pc, b.cpu.core.fault_addr), (CODE + 12, 0));
        assert_eq!(b.cpu.x[0], 2);
    }
}

#[test]
fn watchpoints_stop_before_the_access_with_address_and_kind() {
    for tier in [Tier::Interp, Tier::Jit] {
        let mut b = Bare::new(&[ADD_X0_1, STR_X0_X28, LDR_X1_X28, BRK0], tier);
        let watch = |kind| DebugHooks {
            watchpoints: vec![Watchpoint {
                addr: DATA + 4,
                len: 4,
                kind,
            }],
            ..DebugHooks::default()
        };
        b.rt.set_debug_hooks(watch(WatchKind::Write));
        assert_eq!(b.run(), Exit::DEBUG, "{tier:?}");
        // Before the store: pc at it, memory unchanged; the 8-byte store overlaps the
        // watched word, and the reported address is the access's.
        assert_eq!(b.cpu.core.pc, CODE + 4);
        assert_eq!(
            WatchKind::from_exit_arg(b.cpu.core.exit_arg),
            Some(WatchKind::Write)
        );
        assert_eq!(b.cpu.core.fault_addr, DATA);
        assert_eq!(b.space.view().read_u64(DATA), Ok(0));
        // gdb steps over it without the watchpoint, then resumes with a read watchpoint:
        // the store does not trigger it, the load does.
        b.rt.set_debug_hooks(stepping());
        assert_eq!(b.run(), Exit::DEBUG);
        assert_eq!(b.space.view().read_u64(DATA), Ok(1));
        b.rt.set_debug_hooks(watch(WatchKind::Read));
        assert_eq!(b.run(), Exit::DEBUG, "{tier:?}");
        assert_eq!(b.cpu.core.pc, CODE + 8);
        assert_eq!(
            WatchKind::from_exit_arg(b.cpu.core.exit_arg),
            Some(WatchKind::Read)
        );
        assert_eq!(b.cpu.x[1], 0, "the load has not run");
        b.rt.set_debug_hooks(DebugHooks::default());
        assert_eq!(b.run(), exits::BRK);
        assert_eq!(b.cpu.x[1], 1);
    }
}

#[test]
fn breakpoint_set_after_code_was_compiled_and_chained_still_stops() {
    const CMP_X0_100: u32 = 0xf101_901f; // cmp x0, #100
    const B_NE_BACK_2: u32 = 0x54ff_ffc1; // b.ne .-8
    for tier in [Tier::Interp, Tier::Jit] {
        let mut b = Bare::new(&[ADD_X0_1, CMP_X0_100, B_NE_BACK_2, BRK0], tier);
        // A first run with no debugger compiles (JIT tier) and chains the loop.
        assert_eq!(b.run(), exits::BRK, "{tier:?}");
        assert_eq!(b.cpu.x[0], 100);
        // Then a breakpoint in the middle of the loop's block: the translations that ran
        // over it are dropped, so the next run stops there.
        b.cpu.core.pc = CODE;
        b.cpu.x[0] = 0;
        b.rt.set_debug_hooks(breakpoints(&[CODE + 4]));
        assert_eq!(b.run(), Exit::DEBUG, "{tier:?}");
        assert_eq!((b.cpu.core.pc, b.cpu.x[0]), (CODE + 4, 1), "{tier:?}");
        // Removing it lets the loop finish.
        b.rt.set_debug_hooks(DebugHooks::default());
        assert_eq!(b.run(), exits::BRK, "{tier:?}");
        assert_eq!(b.cpu.x[0], 100, "{tier:?}");
    }
}
