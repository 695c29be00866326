//! Compile-time measurement of the JIT for blocks shaped like translated guest code.
//! Run with `cargo test -p emu-core --test jit_bench -- --ignored --nocapture`.

mod toy;

use emu_core::jit::{CompileError, Jit, JitSettings};
use emu_core::mem::GuestSpace;
use toy::*;

/// A block of `n` toy instructions: mostly ALU work on a handful of registers, one
/// memory access in four, ending with a conditional branch (like a loop body).
fn block(n: usize) -> Vec<ToyInsn> {
    let pattern = [
        enc(BIN, 1, 2, 3, 0),
        enc(BINI, 4, 1, 2, 0xff),
        enc(LOAD, 5, 12, 3, 8),
        enc(CMP, 6, 5, 4, 2),
        enc(BIN, 7, 6, 1, 12),
        enc(SEL, 6, 7, 2, 0),
        enc(STORE, 7, 13, 2, 16),
        enc(BINI, 2, 2, 0, 1),
    ];
    let mut words: Vec<u32> = (0..n - 1).map(|i| pattern[i % pattern.len()]).collect();
    words.push(enc(BCOND, 6, 0, 0, -((n as i32) - 1)));
    words.into_iter().map(|raw| ToyInsn { raw }).collect()
}

/// CPU time of this thread in seconds: the machine is shared, so wall time would
/// mostly measure the other processes.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

#[test]
#[ignore]
fn compile_time_per_block() {
    let space = GuestSpace::new(SPACE).expect("reserve");
    for (optimize, backtracking) in [(false, false), (false, true), (true, true)] {
        let settings = JitSettings {
            optimize,
            backtracking,
            verifier: false,
            ..JitSettings::default()
        };
        let mut jit = Jit::with_settings(space.view(), settings).expect("jit");
        for n in [5, 30] {
            let insns = block(n);
            let rounds = 300;
            let mut code_bytes = 0;
            let t = thread_cpu_seconds();
            for _ in 0..rounds {
                let before = jit.code_bytes();
                match jit.compile_block::<ToyGuest>(CODE, &insns) {
                    Ok(_) => code_bytes = jit.code_bytes() - before,
                    Err(CompileError::CacheFull) => jit.flush(),
                    Err(e) => panic!("{e:?}"),
                }
            }
            let us = (thread_cpu_seconds() - t) * 1e6 / rounds as f64;
            println!(
                "opt={} regalloc={}: {n:2} insns: {us:7.1} µs/block (thread CPU time), ~{code_bytes} bytes",
                if optimize { "speed" } else { "none" },
                if backtracking {
                    "backtracking"
                } else {
                    "single_pass"
                },
            );
        }
    }
}

#[test]
#[ignore]
fn dump_clif() {
    let space = GuestSpace::new(SPACE).expect("reserve");
    let mut jit = Jit::new(space.view()).expect("jit");
    let _ = jit.compile_block::<ToyGuest>(CODE, &block(5));
}

/// Guest instructions per second of a loop (7 ALU/memory instructions per iteration),
/// interpreter vs JIT.
#[test]
#[ignore]
fn execution_speed_of_a_loop() {
    use emu_core::runtime::TierConfig;
    let iterations = 10_000_000u64;
    let mut code = li(1, iterations);
    code.extend([
        enc(BIN, 2, 2, 1, 0), // loop: r2 += r1
        enc(BINI, 3, 2, 2, 0xff),
        enc(STORE, 3, 13, 3, 8),
        enc(LOAD, 4, 13, 3, 8),
        enc(BIN, 5, 5, 4, 4),
        enc(BINI, 1, 1, 1, 1), // r1 -= 1
        enc(BCOND, 1, 0, 0, -6),
        enc(HALT, 0, 0, 0, 0),
    ]);
    let settings = |optimize, backtracking| TierConfig {
        jit_settings: JitSettings {
            optimize,
            backtracking,
            ..JitSettings::default()
        },
        ..jit_always()
    };
    for (name, cfg) in [
        ("interpreter", interp_only()),
        ("jit none/single_pass", settings(false, false)),
        ("jit none/backtrack", settings(false, true)),
        ("jit speed/backtrack", settings(true, true)),
        (
            "jit, no chaining",
            TierConfig {
                chaining: false,
                ..jit_always()
            },
        ),
    ] {
        let mut m = Machine::new(&code, cfg);
        m.cpu.r[13] = RW;
        let t = thread_cpu_seconds();
        assert_eq!(m.run(), HALT_EXIT);
        let secs = thread_cpu_seconds() - t;
        let insns = iterations * 7;
        println!(
            "{name:22}: {:7.1} M guest insns/s ({:.3} s)",
            insns as f64 / secs / 1e6,
            secs
        );
    }
}
