//! Instruction tests for the data-processing groups: hand-written cases with results
//! from the Arm ARM pseudocode, plus a table of cases whose results came from
//! qemu-aarch64 (see `vectors/gen_qemu_vectors.py`). All run in both tiers.

use crate::decode::{decode, Kind};
use crate::state::CpuState;
use crate::testkit::{run_both, BRK0, CODE};

/// Runs `code` followed by `BRK #0` and checks it ran to the BRK.
pub(crate) fn run(code: &[u32], setup: impl Fn(&mut CpuState)) -> CpuState {
    let mut words = code.to_vec();
    words.push(BRK0);
    let (cpu, _exit) = run_both(&words, setup);
    // BRK (or, until the system group decodes it, UNDEF) stops with pc at the BRK itself.
    assert_eq!(
        cpu.pc(),
        CODE + 4 * code.len() as u64,
        "did not run straight through"
    );
    cpu
}

fn parse_hex(s: &str) -> u64 {
    u64::from_str_radix(s, 16).unwrap_or_else(|_| panic!("bad hex {s:?} in vector file"))
}

#[test]
fn qemu_vectors() {
    let text = include_str!("vectors/qemu_vectors.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<u64> = line.split_whitespace().map(parse_hex).collect();
        assert_eq!(f.len(), 21, "malformed vector line {line:?}");
        let word = f[0] as u32;
        assert!(
            !matches!(decode(word).kind, Kind::Undefined),
            "{word:08x} should decode"
        );
        let (inputs, expected) = (&f[1..11], &f[11..21]);
        let cpu = run(&[word], |c| {
            c.x[..8].copy_from_slice(&inputs[..8]);
            c.x[31] = inputs[8];
            c.set_nzcv(inputs[9]);
        });
        let mut got = cpu.x[..8].to_vec();
        got.push(cpu.x[31]);
        got.push(cpu.nzcv());
        if got != expected {
            failures.push(format!(
                "{word:08x} {:?}: inputs {inputs:x?}\n   expected {expected:x?}\n   got      {got:x?}",
                decode(word).kind
            ));
        }
        count += 1;
    }
    assert!(count > 500, "vector file too small ({count})");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors differ from qemu:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const NZCV_N: u64 = 0x8000_0000;
const NZCV_Z: u64 = 0x4000_0000;
const NZCV_C: u64 = 0x2000_0000;
const NZCV_V: u64 = 0x1000_0000;

/// Runs one instruction with x1, x2 (and x3) set, returning (x0, NZCV).
fn op2(word: u32, x1: u64, x2: u64, nzcv: u64) -> (u64, u64) {
    let cpu = run(&[word], |c| {
        c.x[0] = 0xdead_beef_dead_beef;
        c.x[1] = x1;
        c.x[2] = x2;
        c.set_nzcv(nzcv);
    });
    (cpu.x[0], cpu.nzcv())
}

#[test]
fn thirty_two_bit_forms_zero_the_upper_half() {
    // add w0, w1, w2
    assert_eq!(
        op2(0x0b02_0020, 0xffff_ffff_0000_0001, 0xaaaa_0000_0000_0002, 0).0,
        3
    );
    // mov w0, w1 (orr w0, wzr, w1)
    assert_eq!(op2(0x2a01_03e0, 0x1234_5678_9abc_def0, 0, 0).0, 0x9abc_def0);
    // eor w4, w1, w2, ror #8 (a 32-bit rotate: the low byte of w2 goes to bits 31..24)
    let cpu = run(&[0x4ac2_2024], |c| {
        c.x[1] = 0xffff_ffff_0000_0000;
        c.x[2] = 0xffff_ffff_0000_00ab;
    });
    assert_eq!(cpu.x[4], 0xab00_0000);
}

#[test]
fn add_sub_flags_at_boundaries() {
    // adds x0, x1, x2: signed overflow (N, V) and unsigned carry-out to zero (Z, C).
    assert_eq!(
        op2(0xab02_0020, i64::MAX as u64, 1, 0),
        (1 << 63, NZCV_N | NZCV_V)
    );
    assert_eq!(op2(0xab02_0020, u64::MAX, 1, 0), (0, NZCV_Z | NZCV_C));
    // subs x0, x1, x2: a borrow clears C; equal operands give Z and C.
    assert_eq!(op2(0xeb02_0020, 0, 1, 0), (u64::MAX, NZCV_N));
    assert_eq!(op2(0xeb02_0020, 5, 5, 0), (0, NZCV_Z | NZCV_C));
    // subs w0, w1, w2: INT32_MIN - 1 overflows; the upper halves are ignored.
    assert_eq!(
        op2(0x6b02_0020, 0xffff_ffff_8000_0000, 0x1_0000_0001, 0),
        (0x7fff_ffff, NZCV_C | NZCV_V)
    );
    // adcs x0, x1, x2 with C=1: all ones + 0 + 1 carries out to zero.
    assert_eq!(op2(0xba02_0020, u64::MAX, 0, NZCV_C), (0, NZCV_Z | NZCV_C));
    // adcs w0, w1, w2 with C=1: INT32_MAX + 0 + 1 overflows.
    assert_eq!(
        op2(0x3a02_0020, 0x7fff_ffff, 0, NZCV_C),
        (0x8000_0000, NZCV_N | NZCV_V)
    );
    // sbcs w0, w1, w2 with C=0: 0 - 0 - 1 borrows.
    assert_eq!(op2(0x7a02_0020, 0, 0, 0), (0xffff_ffff, NZCV_N));
    // sbcs w0, w1, w2 with C=1 is a plain subtraction: 7 - 7 = 0, no borrow.
    assert_eq!(op2(0x7a02_0020, 7, 7, NZCV_C), (0, NZCV_Z | NZCV_C));
    // sbc x0, x1, x2 leaves the flags alone.
    assert_eq!(op2(0xda02_0020, 10, 3, NZCV_V), (6, NZCV_V));
    // ngcs x0, x2 (sbcs x0, xzr, x2) with C=1: -x2.
    assert_eq!(op2(0xfa02_03e0, 0, 1, NZCV_C), (u64::MAX, NZCV_N));
    // negs w0, w2 of INT32_MIN overflows.
    assert_eq!(
        op2(0x6b02_03e0, 0, 0x8000_0000, 0),
        (0x8000_0000, NZCV_N | NZCV_V)
    );
}

#[test]
fn shifts_by_zero_31_and_63() {
    // lsl x0, x1, #63 / lsr w0, w1, #31 / asr x0, x1, #63 / asr w0, w1, #0 (sxtw-less copy)
    assert_eq!(op2(0xd341_0020, 3, 0, 0).0, 1 << 63);
    assert_eq!(op2(0x531f_7c20, 0xffff_ffff_8000_0000, 0, 0).0, 1);
    assert_eq!(op2(0x937f_fc20, 1 << 63, 0, 0).0, u64::MAX);
    assert_eq!(op2(0x1300_7c20, 0xffff_ffff_8765_4321, 0, 0).0, 0x8765_4321);
    // lslv x0, x1, x2: the amount is taken modulo 64.
    assert_eq!(op2(0x9ac2_2020, 1, 64 + 63, 0).0, 1 << 63);
    assert_eq!(op2(0x9ac2_2020, 5, 0, 0).0, 5);
    // rorv w0, w1, w2 by 33 = by 1 (modulo 32).
    assert_eq!(op2(0x1ac2_2c20, 0x0000_0001, 33, 0).0, 0x8000_0000);
    assert_eq!(op2(0x1ac2_2c20, 0x1234_5678, 32, 0).0, 0x1234_5678);
    // asrv w0, w1, w2 by 31 sign-fills 32 bits only.
    assert_eq!(op2(0x1ac2_2820, 0x8000_0000, 31, 0).0, 0xffff_ffff);
    // lsrv x0, x1, x2 by 63.
    assert_eq!(op2(0x9ac2_2420, u64::MAX, 63, 0).0, 1);
}

#[test]
fn logical_shifted_register() {
    // bics x0, x1, x2: x1 & !x2, flags N Z, C = V = 0.
    assert_eq!(
        op2(0xea22_0020, 0xff00, 0xffff, NZCV_C | NZCV_V),
        (0, NZCV_Z)
    );
    assert_eq!(op2(0xea22_0020, u64::MAX, 1, 0), (u64::MAX - 1, NZCV_N));
    // eon x0, x1, x2, lsl #4
    assert_eq!(op2(0xca22_1020, 0xf0, 0xf, 0).0, !0u64);
    // orn w0, w1, w2, asr #4: w2 = 0x80000000 → asr 4 = 0xf8000000 → not = 0x07ffffff.
    assert_eq!(op2(0x2aa2_1020, 0, 0x8000_0000, 0).0, 0x07ff_ffff);
    // mvn x0, x1
    assert_eq!(op2(0xaa21_03e0, 0x0f0f, 0, 0).0, !0x0f0fu64);
}

#[test]
fn count_leading_of_zero_and_ones() {
    // clz x0, x1 / clz w0, w1 / cls x0, x1 / cls w0, w1
    assert_eq!(op2(0xdac0_1020, 0, 0, 0).0, 64);
    assert_eq!(op2(0x5ac0_1020, 0xffff_ffff_0000_0000, 0, 0).0, 32);
    assert_eq!(op2(0x5ac0_1020, 0x0001_0000, 0, 0).0, 15);
    assert_eq!(op2(0xdac0_1420, 0, 0, 0).0, 63);
    assert_eq!(op2(0xdac0_1420, u64::MAX, 0, 0).0, 63);
    assert_eq!(op2(0x5ac0_1420, 0, 0, 0).0, 31);
    assert_eq!(op2(0x5ac0_1420, 0x0000_0000_ffff_ff00, 0, 0).0, 23);
    assert_eq!(op2(0xdac0_1420, 1 << 62, 0, 0).0, 0);
}

#[test]
fn division_edge_cases() {
    // sdiv x0, x1, x2: MIN / -1 = MIN, x / 0 = 0, rounds toward zero.
    assert_eq!(op2(0x9ac2_0c20, 1 << 63, u64::MAX, 0).0, 1 << 63);
    assert_eq!(op2(0x9ac2_0c20, 1234, 0, 0).0, 0);
    assert_eq!(op2(0x9ac2_0c20, -7i64 as u64, 2, 0).0, -3i64 as u64);
    // sdiv w0, w1, w2: INT32_MIN / -1 = INT32_MIN, zero-extended.
    assert_eq!(op2(0x1ac2_0c20, 0x8000_0000, 0xffff_ffff, 0).0, 0x8000_0000);
    assert_eq!(op2(0x1ac2_0c20, 0xffff_fff9, 2, 0).0, 0xffff_fffd);
    // udiv x0, x1, x2 / udiv w0, w1, w2
    assert_eq!(op2(0x9ac2_0820, u64::MAX, 0, 0).0, 0);
    assert_eq!(op2(0x9ac2_0820, u64::MAX, 2, 0).0, u64::MAX / 2);
    assert_eq!(
        op2(0x1ac2_0820, 0x1_ffff_fffe, 0x1_0000_0002, 0).0,
        0x7fff_ffff
    );
}

#[test]
fn extended_register_forms_with_sp() {
    // add sp, sp, w1, uxtw #2: Rd and Rn are SP; the upper half of x1 is ignored.
    let cpu = run(&[0x8b21_4bff], |c| {
        c.x[31] = 0x1000;
        c.x[1] = 0xffff_ffff_0000_0004;
    });
    assert_eq!(cpu.sp(), 0x1010);
    // add x0, sp, x1, lsl #3 (UXTX with Rn = SP)
    let cpu = run(&[0x8b21_6fe0], |c| {
        c.x[31] = 0x8000;
        c.x[1] = 2;
    });
    assert_eq!(cpu.x[0], 0x8010);
    // cmp sp, x1 (subs xzr, sp, x1, uxtx): flags only, SP unchanged.
    let cpu = run(&[0xeb21_63ff], |c| {
        c.x[31] = 0x100;
        c.x[1] = 0x100;
    });
    assert_eq!((cpu.sp(), cpu.nzcv()), (0x100, NZCV_Z | NZCV_C));
    // sub x0, sp, w1, sxtb: 0x80 sign-extends to -128.
    let cpu = run(&[0xcb21_83e0], |c| {
        c.x[31] = 0x1000;
        c.x[1] = 0x80;
    });
    assert_eq!(cpu.x[0], 0x1080);
    // adds w0, w1, w2, sxth #1: 0x8000 → -32768 → << 1 = -65536.
    assert_eq!(op2(0x2b22_a420, 0x1_0000, 0x8000, 0), (0, NZCV_Z | NZCV_C));
}

#[test]
fn mov_to_and_from_sp() {
    // mov sp, x1 (add sp, x1, #0) then mov x0, sp (add x0, sp, #0)
    let cpu = run(&[0x9100_003f, 0x9100_03e0], |c| c.x[1] = 0xabc0);
    assert_eq!((cpu.sp(), cpu.x[0]), (0xabc0, 0xabc0));
    // mov x0, x1 is orr x0, xzr, x1: register 31 reads as zero there, not SP.
    let cpu = run(&[0xaa01_03e0], |c| {
        c.x[1] = 7;
        c.x[31] = 0x5000;
    });
    assert_eq!(cpu.x[0], 7);
    // and sp, x1, #~15 writes SP; tst x1, #0xff (ands xzr) writes only flags.
    let cpu = run(&[0x927c_ec3f, 0xf240_1c3f], |c| {
        c.x[1] = 0x1234_5678_9abc_def7
    });
    assert_eq!(cpu.sp(), 0x1234_5678_9abc_def0);
    assert_eq!(cpu.nzcv(), 0);
}

#[test]
fn conditional_compare_and_select() {
    // ccmp x1, x2, #5, eq: with Z set the comparison runs (3 - 5: N, borrow)...
    assert_eq!(op2(0xfa42_0025, 3, 5, NZCV_Z).1, NZCV_N);
    // ...without Z the flags become #5 (Z=0 1 0 1: Z and V).
    assert_eq!(op2(0xfa42_0025, 3, 5, 0).1, NZCV_Z | NZCV_V);
    // ccmn w1, #3, #8, ne: Z clear → flags of w1 + 3; Z set → N.
    assert_eq!(op2(0x3a43_1828, 0xffff_fffd, 0, 0).1, NZCV_Z | NZCV_C);
    assert_eq!(op2(0x3a43_1828, 0xffff_fffd, 0, NZCV_Z).1, NZCV_N);
    // csel x0, x1, x2, lt (N != V)
    assert_eq!(op2(0x9a82_b020, 1, 2, NZCV_N).0, 1);
    assert_eq!(op2(0x9a82_b020, 1, 2, NZCV_N | NZCV_V).0, 2);
    // cset w0, hi (C && !Z) / csetm x0, eq
    assert_eq!(op2(0x1a9f_97e0, 0, 0, NZCV_C).0, 1);
    assert_eq!(op2(0x1a9f_97e0, 0, 0, NZCV_C | NZCV_Z).0, 0);
    assert_eq!(op2(0xda9f_13e0, 0, 0, NZCV_Z).0, u64::MAX);
    // cinc x0, x1, ne / cneg w0, w1, mi / cinv x0, x1, cs
    assert_eq!(op2(0x9a81_0420, 41, 0, 0).0, 42);
    assert_eq!(op2(0x9a81_0420, 41, 0, NZCV_Z).0, 41);
    assert_eq!(op2(0x5a81_5420, 5, 0, NZCV_N).0, 0xffff_fffb);
    assert_eq!(op2(0xda81_3020, 5, 0, NZCV_C).0, !5u64);
    assert_eq!(op2(0xda81_3020, 5, 0, 0).0, 5);
}

#[test]
fn bit_and_byte_reversal() {
    let v = 0x0123_4567_89ab_cdef;
    assert_eq!(op2(0xdac0_0020, 1, 0, 0).0, 1 << 63); // rbit x0, x1
    assert_eq!(op2(0x5ac0_0020, 0xffff_ffff_0000_0001, 0, 0).0, 0x8000_0000); // rbit w0, w1
    assert_eq!(op2(0xdac0_0420, v, 0, 0).0, 0x2301_6745_ab89_efcd); // rev16 x0, x1
    assert_eq!(op2(0x5ac0_0420, v, 0, 0).0, 0xab89_efcd); // rev16 w0, w1
    assert_eq!(op2(0xdac0_0820, v, 0, 0).0, 0x6745_2301_efcd_ab89); // rev32 x0, x1
    assert_eq!(op2(0x5ac0_0820, v, 0, 0).0, 0xefcd_ab89); // rev w0, w1
    assert_eq!(op2(0xdac0_0c20, v, 0, 0).0, 0xefcd_ab89_6745_2301); // rev x0, x1
}

#[test]
fn crc32_and_crc32c_of_check_string() {
    // The standard check value of "123456789" (with the software pre/post inversion),
    // fed as a word, a halfword and three bytes — and as a doubleword and a byte.
    let chunks = |c: &mut CpuState| {
        c.x[1] = 0xffff_ffff;
        c.x[2] = u32::from_le_bytes(*b"1234") as u64;
        c.x[3] = u16::from_le_bytes(*b"56") as u64;
        c.x[4] = b'7' as u64;
        c.x[5] = b'8' as u64;
        c.x[6] = b'9' as u64;
    };
    // crc32w w0, w1, w2; crc32h w0, w0, w3; crc32b w0, w0, w4/w5/w6
    let crc = run(
        &[
            0x1ac2_4820,
            0x1ac3_4400,
            0x1ac4_4000,
            0x1ac5_4000,
            0x1ac6_4000,
        ],
        chunks,
    );
    assert_eq!(crc.x[0] ^ 0xffff_ffff, 0xcbf4_3926);
    // The same with crc32cw/ch/cb.
    let crc = run(
        &[
            0x1ac2_5820,
            0x1ac3_5400,
            0x1ac4_5000,
            0x1ac5_5000,
            0x1ac6_5000,
        ],
        chunks,
    );
    assert_eq!(crc.x[0] ^ 0xffff_ffff, 0xe306_9283);
    let wide = |c: &mut CpuState| {
        c.x[1] = 0xffff_ffff_ffff_ffff; // only w1 is the accumulator
        c.x[2] = u64::from_le_bytes(*b"12345678");
        c.x[3] = 0xffff_ff00 | b'9' as u64; // only the low byte is fed
    };
    // crc32x w0, w1, x2; crc32b w0, w0, w3 and crc32cx / crc32cb
    let crc = run(&[0x9ac2_4c20, 0x1ac3_4000], wide);
    assert_eq!(crc.x[0] ^ 0xffff_ffff, 0xcbf4_3926);
    let crc = run(&[0x9ac2_5c20, 0x1ac3_5000], wide);
    assert_eq!(crc.x[0] ^ 0xffff_ffff, 0xe306_9283);
}

#[test]
fn multiplies() {
    let three = |word: u32, a: u64, b: u64, acc: u64| {
        run(&[word], |c| {
            c.x[1] = a;
            c.x[2] = b;
            c.x[3] = acc;
        })
        .x[0]
    };
    assert_eq!(three(0x9b02_0c20, 6, 7, 100), 142); // madd x0, x1, x2, x3
    assert_eq!(three(0x1b02_8c20, 6, 7, 0x1_0000_0000), 0xffff_ffd6); // msub w0, w1, w2, w3
    assert_eq!(three(0x1b02_7c20, 0x1_0001_0000, 0x1_0001_0000, 0), 0); // mul w0, w1, w2

    // smaddl/smsubl: the W operands are signed; umaddl/umsubl: unsigned.
    assert_eq!(three(0x9b22_0c20, 0xffff_ffff, 2, 10), 8);
    assert_eq!(three(0x9b22_8c20, 0xffff_ffff, 2, 10), 12);
    assert_eq!(three(0x9ba2_0c20, 0xffff_ffff, 2, 10), 0x2_0000_0008);
    assert_eq!(three(0x9ba2_8c20, 0xffff_ffff, 2, 0x2_0000_0000), 2);
    // smulh/umulh of -1 * -1 and of MAX * MAX.
    assert_eq!(three(0x9b42_7c20, u64::MAX, u64::MAX, 0), 0);
    assert_eq!(three(0x9bc2_7c20, u64::MAX, u64::MAX, 0), u64::MAX - 1);
    assert_eq!(three(0x9b42_7c20, 1 << 63, 2, 0), u64::MAX);
}

/// Every data-processing word the decoder accepts, from a pseudo-random sweep, runs in
/// both tiers with pseudo-random registers and flags: no panic, and the tiers agree
/// (`run_both` compares them). Branches are left out: a random target may loop forever.
#[test]
fn random_accepted_words_run_identically_in_both_tiers() {
    let mut seed: u64 = 0x0123_4567_89ab_cdef;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut ran = 0;
    while ran < 2000 {
        let r = next();
        let raw = r as u32;
        // Steer half of the words into the data-processing spaces.
        let raw = match (r >> 32) % 4 {
            0 => (raw & !(0x7 << 26)) | (0b100 << 26),
            1 => (raw & !(0x7 << 25)) | (0b101 << 25),
            _ => raw,
        };
        if !matches!(decode(raw).kind, Kind::DpImm(_) | Kind::DpReg(_)) {
            continue;
        }
        let regs: Vec<u64> = (0..32).map(|_| next()).collect();
        let flags = next() & 0xf000_0000;
        run(&[raw], |c| {
            c.x.copy_from_slice(&regs);
            c.set_nzcv(flags);
        });
        ran += 1;
    }
}
