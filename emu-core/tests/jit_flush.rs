//! Code invalidation while compiled code runs chained. These tests bump the process-wide
//! code generation, which makes every runtime in the process flush, so they live in their
//! own test binary (process).

mod toy;

use emu_core::emit::Exit;
use emu_core::runtime::invalidate_all_code;
use toy::*;

#[test]
fn flush_code_exits_retranslate_and_keep_results() {
    // A loop whose body asks for a code flush every 100 iterations.
    let code = [
        enc(MOVI, 1, 0, 0, 500),
        enc(BIN, 2, 2, 1, 0),   // loop: r2 += r1
        enc(BINI, 1, 1, 1, 1),  // r1 -= 1
        enc(BINI, 3, 1, 2, 99), // r3 = r1 & 99
        enc(BCOND, 3, 0, 0, 2), // skip the flush unless r1 % 100 == 0 (ish)
        enc(FLUSH, 0, 0, 0, 0),
        enc(BCOND, 1, 0, 0, -5), // back to the loop while r1 != 0
        enc(HALT, 0, 0, 0, 0),
    ];
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, HALT_EXIT);
    assert_eq!(o.cpu.r[2], 125_250);
    let jit = run_with(&code, jit_always(), &|_| {});
    assert!(jit.stats.flushes > 0, "{:?}", jit.stats);
    assert!(jit.stats.blocks_compiled > jit.stats.blocks_translated / 2);
}

#[test]
fn a_generation_change_stops_chaining_and_flushes() {
    let code = [enc(GOTO, 0, 0, 0, 0)]; // jumps to itself forever
    let mut m = Machine::new(&code, jit_always());
    // SAFETY: `m` lives until after the join below.
    let t = unsafe {
        interrupt_later(&mut m.cpu.core.interrupt, || {
            std::thread::sleep(std::time::Duration::from_millis(30));
            invalidate_all_code();
            std::thread::sleep(std::time::Duration::from_millis(30));
        })
    };
    assert_eq!(m.run(), Exit::INTERRUPT);
    t.join().expect("thread");
    assert!(
        m.rt.stats.flushes >= 1,
        "the chained loop saw the new generation"
    );
    assert!(m.rt.stats.blocks_compiled >= 2, "and recompiled its block");
}
