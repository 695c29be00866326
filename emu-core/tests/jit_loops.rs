//! Blocks that branch back to their own start are compiled as loops that keep guest
//! registers in host registers across iterations (`jit/emitter`'s `LoopPlan`): the state
//! struct is only current where control can leave. These tests leave such loops every
//! way there is (a fault in a late iteration, a state helper, the interrupt flag, a
//! normal exit) and check the state against the interpreter and known values.

mod toy;

use emu_core::emit::Exit;
use toy::*;

const ADD: u32 = 0; // BINOPS[0]
const SUB: u32 = 1;

/// `li` for each (register, value), then the loop `body` (its first instruction is the
/// loop head, a block start), then HALT. Returns the code and the loop head's address.
fn program(init: &[(u32, u64)], body: &[u32]) -> (Vec<u32>, u64) {
    let mut code: Vec<u32> = init.iter().flat_map(|&(r, v)| li(r, v)).collect();
    // Jump to the loop head so it starts a block of its own.
    code.push(enc(GOTO, 0, 0, 0, 1));
    let head = CODE + 4 * code.len() as u64;
    code.extend_from_slice(body);
    code.push(enc(HALT, 0, 0, 0, 5));
    (code, head)
}

#[test]
fn a_fault_in_a_late_iteration_reports_its_pc_and_the_registers_of_that_iteration() {
    // r1 walks 8 bytes at a time from inside RO into the unmapped HOLE; r2 and r4 are
    // written every iteration, so they are dirty in host registers when the load faults.
    let start = HOLE - 0x100;
    let (code, head) = program(
        &[(1, start), (2, 0), (4, 0)],
        &[
            enc(BINI, 1, 1, ADD, 8),
            enc(BIN, 2, 2, 1, ADD as i32),
            enc(LOAD, 3, 1, 3, 0), // faults once r1 reaches HOLE
            enc(BIN, 4, 4, 3, ADD as i32),
            enc(GOTO, 0, 0, 0, -4),
        ],
    );
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, Exit::FAULT_READ);
    assert_eq!(o.cpu.core.pc, head + 8, "pc of the load");
    assert_eq!(o.cpu.core.fault_addr, HOLE);
    assert_eq!(o.cpu.r[1], HOLE);
    let n = (HOLE - start) / 8; // the iteration that faults
    let sum: u64 = (1..=n).map(|i| start + 8 * i).sum();
    assert_eq!(o.cpu.r[2], sum, "r2 includes the faulting iteration's add");
    // The loads of the iterations before: the RO page's pattern.
    let pat = |a: u64| ((a - RO) as u32 * 7 + 3) as u8;
    let loads: u64 = (1..n)
        .map(|i| u64::from_le_bytes(std::array::from_fn(|k| pat(start + 8 * i + k as u64))))
        .fold(0u64, |a, b| a.wrapping_add(b));
    assert_eq!(o.cpu.r[4], loads);
}

#[test]
fn a_state_helper_in_a_loop_sees_current_registers_and_its_writes_are_seen() {
    // The helper reads r1, r2 and pc and writes r9–r11; the loop reads r11 back.
    let (code, head) = program(
        &[(1, 3), (2, 100), (5, 7), (8, 50), (11, 1)],
        &[
            enc(BIN, 1, 1, 5, ADD as i32),
            enc(STATE, 1, 2, 0, 0x12),
            enc(BIN, 2, 2, 11, ADD as i32),
            enc(BINI, 8, 8, SUB, 1),
            enc(BCOND, 8, 0, 0, -4),
        ],
    );
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, HALT_EXIT);
    assert_eq!(o.cpu.core.exit_arg, 5);
    assert_eq!(o.cpu.r[1], 3 + 7 * 50);
    assert_eq!(o.cpu.r[10], head + 4, "the helper saw its own pc");
    assert_eq!(o.cpu.r[8], 0);
    // Known values, so a bug shared by both tiers still fails.
    let (mut r1, mut r2, mut r11) = (3u64, 100u64, 1u64);
    for _ in 0..50 {
        r1 += 7;
        r11 = r11.wrapping_mul(31).wrapping_add(r1 ^ r2.rotate_left(3));
        r2 = r2.wrapping_add(r11);
    }
    assert_eq!((o.cpu.r[2], o.cpu.r[11]), (r2, r11));
}

#[test]
fn a_trap_inside_a_loop_leaves_the_registers_of_that_iteration() {
    // Traps on the iteration where r8 reaches 0, with r1 and r8 dirty.
    let (code, head) = program(
        &[(1, 0), (8, 40)],
        &[
            enc(BINI, 1, 1, ADD, 3),
            enc(BINI, 8, 8, SUB, 1),
            enc(CMP, 6, 8, 0, 0), // r6 = r8 == r0 (0)
            enc(TRAP, 6, 1, 0, 2),
            enc(GOTO, 0, 0, 0, -4),
        ],
    );
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, Exit::arch(3));
    assert_eq!(o.cpu.core.pc, head + 12);
    assert_eq!(o.cpu.core.fault_addr, 120);
    assert_eq!((o.cpu.r[1], o.cpu.r[8]), (120, 0));
}

#[test]
fn the_interrupt_flag_stops_a_compiled_loop_with_its_registers_written_back() {
    // Increments r1 forever.
    let code = [enc(BINI, 1, 1, ADD, 1), enc(GOTO, 0, 0, 0, -1)];
    let mut m = Machine::new(&code, jit_always());
    // SAFETY: `m` lives until after the join below.
    let t = unsafe {
        interrupt_later(&mut m.cpu.core.interrupt, || {
            std::thread::sleep(std::time::Duration::from_millis(50));
        })
    };
    assert_eq!(m.run(), Exit::INTERRUPT);
    t.join().expect("thread");
    assert_eq!(m.cpu.core.pc, CODE, "stopped at the loop head");
    // 50 ms of a compiled loop is far more than the interpreter's threshold run; a loop
    // that kept r1 only in a host register would leave a small count here.
    assert!(m.cpu.r[1] > 100_000, "r1 = {}", m.cpu.r[1]);
    assert!(m.rt.stats.jit_block_runs < 10, "{:?}", m.rt.stats);
}

/// A loop that calls a function (CALL leaves the return address in r14, JR r14 returns):
/// with the return address known at compile time, the call, the function and the return
/// compile into the loop's own function.
fn call_loop(function: &[u32], init: &[(u32, u64)]) -> (Vec<u32>, u64) {
    let mut body = vec![
        enc(CALL, 14, 0, 0, 4), // to head + 16; r14 = head + 4
        enc(BINI, 8, 8, SUB, 1),
        enc(BCOND, 8, 0, 0, -2),
        enc(GOTO, 0, 0, 0, 1 + function.len() as i32), // to the HALT
    ];
    body.extend_from_slice(function);
    program(init, &body)
}

#[test]
fn a_loop_that_calls_a_function_runs_as_one_compiled_loop() {
    let (code, head) = call_loop(
        &[enc(BINI, 1, 1, ADD, 5), enc(JR, 14, 0, 0, 0)],
        &[(1, 0), (8, 100)],
    );
    let o = run_all(&code, &|_| {});
    assert_eq!((o.exit, o.cpu.core.exit_arg), (HALT_EXIT, 5));
    assert_eq!((o.cpu.r[1], o.cpu.r[8], o.cpu.r[14]), (500, 0, head + 4));
    let jit = run_with(&code, jit_always(), &|_| {});
    // Blocks: the start (through to the loop), the loop, the exit after it. An indirect
    // return would make the return address (head + 4) a fourth.
    assert_eq!(
        jit.stats.blocks_compiled, 3,
        "the return compiled through ({:?})",
        jit.stats
    );
}

#[test]
fn a_fault_in_a_function_called_from_a_compiled_loop_is_precise() {
    // The function loads through r2 and advances it; the 9th call faults in HOLE.
    let (code, head) = call_loop(
        &[
            enc(LOAD, 3, 2, 3, 0),
            enc(BINI, 2, 2, ADD, 8),
            enc(BIN, 1, 1, 3, ADD as i32),
            enc(JR, 14, 0, 0, 0),
        ],
        &[(1, 0), (2, HOLE - 0x40), (8, 100)],
    );
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, Exit::FAULT_READ);
    assert_eq!(o.cpu.core.pc, head + 16, "pc of the load in the function");
    assert_eq!(o.cpu.core.fault_addr, HOLE);
    assert_eq!((o.cpu.r[2], o.cpu.r[8], o.cpu.r[14]), (HOLE, 92, head + 4));
}
