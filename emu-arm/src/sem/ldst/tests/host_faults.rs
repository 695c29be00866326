//! Guest faults of compiled loads and stores caught as host signals (`jit::hostfault`):
//! the compiled tier must end exactly where the interpreter does (pc, registers, memory,
//! fault address), whatever the compiled code had done since its restart point, and
//! the fault must really have come through the host (so these cannot pass on the
//! software check alone).

use super::{run_mem, Run, PATTERN};
use crate::testkit::{Bare, Tier, BRK0, CODE, DATA, DATA_LEN};
use emu_core::emit::Exit;

/// [`run_mem`] (both tiers agree), plus how many faults the compiled run took in the
/// host and how many accesses it left to the interpreter without trying them.
fn run_counting_both(
    code: &[u32],
    data: &[u8],
    setup: impl Fn(&mut crate::state::CpuState),
) -> (Run, u64, u64) {
    let r = run_mem(code, data, &setup);
    let mut b = Bare::new(code, Tier::Jit);
    b.space.view().write_bytes(DATA, data).expect("data fits");
    setup(&mut b.cpu);
    let e = b.run();
    assert_eq!(e, r.exit);
    (r, b.rt.stats.host_faults, b.rt.stats.restarts)
}

/// [`run_counting_both`] for accesses that must fault through the host.
fn run_counting(
    code: &[u32],
    data: &[u8],
    setup: impl Fn(&mut crate::state::CpuState),
) -> (Run, u64) {
    let (r, host, restarts) = run_counting_both(code, data, setup);
    assert_eq!(restarts, 0);
    (r, host)
}

fn words(n: u64) -> Vec<u8> {
    (0..n).flat_map(|i| (PATTERN ^ i).to_le_bytes()).collect()
}

#[test]
fn fault_after_a_store_and_register_changes() {
    // Re-running the increment of memory would count it twice: the restart point must
    // be after the store.
    let code = [
        0xf9400381, // ldr x1, [x28]
        0x91000421, // add x1, x1, #1
        0xf9000381, // str x1, [x28]
        0x91001442, // add x2, x2, #5
        0xf9400083, // ldr x3, [x4]     (unmapped)
        BRK0,
    ];
    let (r, host) = run_counting(&code, &41u64.to_le_bytes(), |c| {
        c.x[2] = 100;
        c.x[3] = 7;
        c.x[4] = DATA + DATA_LEN;
    });
    assert_eq!(r.exit, Exit::FAULT_READ);
    assert_eq!(r.cpu.core.pc, CODE + 16);
    assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
    assert_eq!((r.cpu.x[1], r.cpu.x[2], r.cpu.x[3]), (42, 105, 7));
    assert_eq!(r.u64_at(0), 42);
    assert_eq!(host, 1);
}

#[test]
fn compiled_loop_faults_on_a_late_iteration() {
    // Three readable words before the unmapped page: the fourth iteration's first load
    // faults, with the loop's registers (kept in host registers by the compiled loop)
    // and its memory counter as they were then.
    for (code, counts) in [
        (
            vec![
                0xf8408485, // ldr x5, [x4], #8
                0xf9400388, // ldr x8, [x28]
                0x91000508, // add x8, x8, #1
                0xf9000388, // str x8, [x28]
                0xf10004e7, // subs x7, x7, #1
                0x54ffff61, // b.ne <start>
                BRK0,
            ],
            true,
        ),
        (
            vec![
                0xf8408485, // ldr x5, [x4], #8
                0x8b0500c6, // add x6, x6, x5
                0xf10004e7, // subs x7, x7, #1
                0x54ffffa1, // b.ne <start>
                BRK0,
            ],
            false,
        ),
    ] {
        let mut data = words(DATA_LEN / 8);
        data[..8].copy_from_slice(&0u64.to_le_bytes());
        let start = DATA + DATA_LEN - 24;
        let (r, host) = run_counting(&code, &data, |c| {
            c.x[4] = start;
            c.x[7] = 100;
        });
        let last = PATTERN ^ (DATA_LEN / 8 - 1);
        assert_eq!(r.exit, Exit::FAULT_READ, "counts {counts}");
        assert_eq!(r.cpu.core.pc, CODE, "counts {counts}");
        assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
        assert_eq!(
            (r.cpu.x[4], r.cpu.x[5], r.cpu.x[7]),
            (DATA + DATA_LEN, last, 97),
            "counts {counts}"
        );
        if counts {
            assert_eq!((r.cpu.x[8], r.u64_at(0)), (3, 3));
        } else {
            let sum = (1..=3).fold(0u64, |s, i| s.wrapping_add(PATTERN ^ (DATA_LEN / 8 - i)));
            assert_eq!(r.cpu.x[6], sum);
        }
        assert_eq!(host, 1, "counts {counts}");
    }
}

#[test]
fn fault_after_a_state_helper() {
    // AESE runs as a state helper, which writes the registers back (x1 already
    // incremented) and changes v0 from v0: running it twice is not running it once, so
    // no restart point at or before it may be used after it.
    let code = [
        0x91000421, // add x1, x1, #1
        0x4e284820, // aese v0.16b, v1.16b
        0x91000442, // add x2, x2, #1
        0xf9400083, // ldr x3, [x4]     (unmapped)
        BRK0,
    ];
    let (r, host) = run_counting(&code, &[], |c| {
        c.x[1] = 31;
        c.x[4] = DATA + DATA_LEN;
        c.vreg[0] = [PATTERN, !PATTERN];
        c.vreg[1] = [0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210];
    });
    assert_eq!(r.exit, Exit::FAULT_READ);
    assert_eq!(r.cpu.core.pc, CODE + 12);
    assert_eq!((r.cpu.x[1], r.cpu.x[2]), (32, 1));
    // (v0 is compared between the tiers by run_mem.)
    assert_ne!(r.cpu.vreg[0], [PATTERN, !PATTERN]);
    // The load makes a restart point of its own.
    assert_eq!(host, 1);
}

#[test]
fn store_to_a_read_only_page() {
    let (r, host) = run_counting(&[0xf9000121, BRK0], &[], |c| c.x[9] = CODE); // str x1, [x9]
    assert_eq!(r.exit, Exit::FAULT_WRITE);
    assert_eq!((r.cpu.core.pc, r.cpu.core.fault_addr), (CODE, CODE));
    assert_eq!(host, 1);
}

#[test]
fn pair_store_then_crossing_vector_load() {
    // The pair store (with writeback) completes; the 16-byte load that starts 8 bytes
    // before the unmapped page faults at the page, with x28 already written back.
    let code = [
        0xa9810b81, // stp x1, x2, [x28, #16]!
        0x3dc00080, // ldr q0, [x4]
        BRK0,
    ];
    let (r, host) = run_counting(&code, &[], |c| {
        c.x[1] = 11;
        c.x[2] = 22;
        c.x[4] = DATA + DATA_LEN - 8;
    });
    assert_eq!(r.exit, Exit::FAULT_READ);
    assert_eq!(r.cpu.core.pc, CODE + 4);
    assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
    assert_eq!(r.cpu.x[28], DATA + 16);
    assert_eq!((r.u64_at(16), r.u64_at(24)), (11, 22));
    assert_eq!(host, 1);
}

#[test]
fn at_and_beyond_the_end_of_the_guest_space() {
    // ldr x3, [x4]: an address past the guest space is refused by the range check before
    // any host access and handed to the interpreter, from the restart point before the
    // add; one just below the limit passes the check and faults in the host (the access
    // ends in the guard after the space).
    let code = [
        0x91000421, // add x1, x1, #1
        0xf9400083, // ldr x3, [x4]
        BRK0,
    ];
    for (addr, counts) in [
        ((1u64 << 32) - 4, (1, 0)),
        (1 << 32, (0, 1)),
        (u64::MAX - 3, (0, 1)),
    ] {
        let (r, host, restarts) = run_counting_both(&code, &[], |c| c.x[4] = addr);
        assert_eq!(r.exit, Exit::FAULT_READ);
        assert_eq!((r.cpu.core.pc, r.cpu.core.fault_addr), (CODE + 4, addr));
        assert_eq!(r.cpu.x[1], 1);
        assert_eq!((host, restarts), counts, "{addr:#x}");
    }
}

#[test]
fn offset_past_the_end_of_the_guest_space_faults_in_the_guard() {
    // The last page of the guest space is mapped. The first load checks x4 against the
    // limit; the second, off the same register, is not checked again and lands 16 KiB
    // into the guard after the space, which faults in the host like an unmapped guest
    // page (and must not be any other host mapping).
    let code = [
        0xf9400083, // ldr x3, [x4]
        0xf9600085, // ldr x5, [x4, #0x4000]
        BRK0,
    ];
    let top = 1u64 << 32;
    let mut results = Vec::new();
    for tier in [Tier::Interp, Tier::Jit] {
        let mut b = Bare::new(&code, tier);
        b.space
            .map_anon(top - 0x1000, 0x1000, emu_core::emit::perm::READ)
            .expect("map the last page");
        b.cpu.x[4] = top - 8;
        b.cpu.x[5] = 55;
        let e = b.run();
        results.push((
            e,
            b.cpu.core.pc,
            b.cpu.core.fault_addr,
            b.cpu.x[3],
            b.cpu.x[5],
        ));
        if tier == Tier::Jit {
            assert_eq!(b.rt.stats.host_faults, 1);
        }
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(
        results[0],
        (Exit::FAULT_READ, CODE + 4, top + 0x3ff8, 0, 55)
    );
}
