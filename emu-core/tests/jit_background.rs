//! Background compilation (`TierConfig::background_compile`): hot blocks are compiled on
//! a worker thread while the interpreter keeps running them, and installed when the run
//! loop collects the result. When that happens depends on thread scheduling, so these
//! tests rerun a program until the worker's results have arrived (with a generous
//! deadline), checking the program's result on every run, whichever tier ran it.

mod toy;

use emu_core::jit::JitSettings;
use emu_core::runtime::TierConfig;
use std::time::{Duration, Instant};
use toy::*;

fn background(threshold: u32) -> TierConfig {
    TierConfig {
        jit: true,
        threshold,
        background_compile: true,
        ..TierConfig::default()
    }
}

/// Long enough for a loaded machine to schedule the worker many times over.
const DEADLINE: Duration = Duration::from_secs(30);

#[test]
fn queued_compiles_arrive_and_run_with_the_same_results() {
    // r2 = 1000 + 999 + ... + 1, in a loop block chained to itself once compiled.
    let code = [
        enc(MOVI, 1, 0, 0, 1000),
        enc(MOVI, 2, 0, 0, 0),
        enc(GOTO, 0, 0, 0, 1),
        enc(BIN, 2, 2, 1, 0),
        enc(BINI, 1, 1, 1, 1),
        enc(BCOND, 1, 0, 0, -2),
        enc(HALT, 0, 0, 0, 1),
    ];
    let mut m = Machine::new(&code, background(5));
    let start = Instant::now();
    let mut runs = 0;
    while m.rt.stats.blocks_compiled < 2 || m.rt.stats.jit_block_runs == 0 {
        assert!(
            start.elapsed() < DEADLINE,
            "no background compile arrived: {:?}",
            m.rt.stats
        );
        m.cpu.core.pc = CODE;
        assert_eq!(m.run(), HALT_EXIT);
        assert_eq!(m.cpu.r[2], 500_500, "run {runs}");
        runs += 1;
    }
    let s = m.rt.stats;
    assert!(s.compiles_queued >= s.blocks_compiled, "{s:?}");
    assert_eq!(s.compile_failures, 0);
    // Once compiled, the loop runs chained: a run is a handful of entries.
    let before = m.rt.stats.jit_block_runs;
    m.cpu.core.pc = CODE;
    assert_eq!(m.run(), HALT_EXIT);
    assert_eq!(m.cpu.r[2], 500_500);
    assert!(m.rt.stats.jit_block_runs - before < 10, "{:?}", m.rt.stats);
}

#[test]
fn flushes_while_compiles_are_queued_discard_their_results() {
    // Four blocks: every flush drops them while their compiles may be in flight; the
    // results that then arrive must be dropped, not installed into the new epoch.
    let code = [
        enc(MOVI, 1, 0, 0, 300),
        enc(MOVI, 2, 0, 0, 0),
        enc(GOTO, 0, 0, 0, 1),
        enc(BINI, 2, 2, 0, 3), // loop: r2 += 3
        enc(GOTO, 0, 0, 0, 1),
        enc(BINI, 1, 1, 1, 1), // r1 -= 1
        enc(BCOND, 1, 0, 0, -3),
        enc(HALT, 0, 0, 0, 1),
    ];
    let cfg = TierConfig {
        jit_settings: JitSettings {
            follow_jumps: false,
            ..JitSettings::default()
        },
        ..background(2)
    };
    let mut m = Machine::new(&code, cfg);
    let start = Instant::now();
    let mut i = 0u32;
    while m.rt.stats.compiles_discarded == 0 || m.rt.stats.jit_block_runs == 0 {
        assert!(start.elapsed() < DEADLINE, "{:?}", m.rt.stats);
        m.cpu.core.pc = CODE;
        assert_eq!(m.run(), HALT_EXIT);
        assert_eq!(m.cpu.r[2], 900, "run {i}");
        // Flush on alternate runs so that some compiles also survive to be installed.
        if i.is_multiple_of(2) {
            m.rt.flush();
        }
        i += 1;
    }
}

#[test]
fn a_full_code_cache_while_installing_is_reset_and_execution_continues() {
    // One function per block, so that installing them overflows the cache.
    let code = two_laps_of_200_blocks(enc(HALT, 0, 0, 0, 1));
    let cfg = with_small_code_cache(background(1));
    let mut m = Machine::new(&code, cfg);
    let start = Instant::now();
    while m.rt.stats.cache_resets == 0 || m.rt.stats.jit_block_runs == 0 {
        assert!(start.elapsed() < DEADLINE, "{:?}", m.rt.stats);
        m.cpu.core.pc = CODE;
        m.cpu.r[1] = 0;
        assert_eq!(m.run(), HALT_EXIT);
        assert_eq!(m.cpu.r[1], TWO_LAPS_SUM);
    }
}
