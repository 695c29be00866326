//! In-process checks of the two tiers against each other, through emu-arm's testkit (no
//! qemu needed): random valid instruction blocks, and arbitrary 32-bit words (most of
//! them undefined, branches, system instructions, FP/SIMD...) must neither panic nor make
//! the interpreter and the JIT disagree on registers, flags, memory, pc or the exit.
//! And the decoder must never panic, whatever the word.
//!
//! EMU_TIER_BLOCKS / EMU_TIER_WORDS / EMU_RANDOM_SEED change the counts and the seed.

use std::panic::{catch_unwind, AssertUnwindSafe};

use emu_arm::exits;
use emu_arm::testkit::{run_both, BRK0, CODE};
use emu_core::emit::Exit;
use emu_tests::a64gen::{
    fp_register_value, random_fp_simd_instruction, random_fpcr, random_instruction, Rng, BASE,
};

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
        Err(_) => default,
    }
}

fn seed_base() -> u64 {
    env_number("EMU_RANDOM_SEED", 0x5eed_0000)
}

/// objdump's disassembly of the words when it is installed, else the words in hex.
fn listing(words: &[u32]) -> String {
    let dir = emu_tests::TempDir::new("tier-listing");
    let path = dir.path().join("block.bin");
    let raw: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    if std::fs::write(&path, raw).is_ok() {
        if let Ok(out) = std::process::Command::new("aarch64-linux-gnu-objdump")
            .args(["-D", "-b", "binary", "-m", "aarch64"])
            .arg(&path)
            .output()
        {
            let text = String::from_utf8_lossy(&out.stdout);
            let body: Vec<&str> = text.lines().filter(|l| l.contains(":\t")).collect();
            if out.status.success() && !body.is_empty() {
                return body.join("\n");
            }
        }
    }
    words
        .iter()
        .map(|w| format!("{w:08x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else {
        "(non-string panic)".to_string()
    }
}

/// Runs `words` in both tiers with registers and flags from `rng` (the scratch memory at
/// X28 starts zeroed in both); returns a failure report, or the exit and final pc.
fn check_block(words: &[u32], rng: &mut Rng, label: &str) -> Result<(Exit, u64), String> {
    let registers: Vec<u64> = (0..31).map(|_| rng.value()).collect();
    let nzcv = u64::from(rng.below(16)) << 28;
    let fpcr = random_fpcr(rng);
    let vregs: Vec<[u64; 2]> = (0..32).map(|_| fp_register_value(rng)).collect();
    let mut code = words.to_vec();
    code.push(BRK0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        run_both(&code, |cpu| {
            for (i, value) in registers.iter().enumerate() {
                if i as u32 != BASE {
                    cpu.x[i] = *value;
                }
            }
            cpu.set_nzcv(nzcv);
            cpu.fpcr = fpcr;
            cpu.vreg.copy_from_slice(&vregs);
        })
    }));
    result
        .map(|(cpu, exit)| (exit, cpu.core.pc))
        .map_err(|payload| format!("{label}: {}\n{}", panic_text(payload), listing(words)))
}

/// Blocks of valid integer/load/store/atomic instructions (the qemu differential test's
/// generator), with random registers and flags: both tiers must agree exactly.
#[test]
fn random_valid_blocks_agree_between_tiers() {
    valid_blocks_agree(false);
}

/// The same with half of the instructions scalar FP / Advanced SIMD, V registers full of
/// special values and a random FPCR.
#[test]
fn random_fp_simd_blocks_agree_between_tiers() {
    valid_blocks_agree(true);
}

fn valid_blocks_agree(with_fp: bool) {
    let blocks = env_number("EMU_TIER_BLOCKS", 300);
    let mut failures = Vec::new();
    for index in 0..blocks {
        let seed = seed_base() + index + if with_fp { 0x1_0000_0000 } else { 0 };
        let mut rng = Rng::new(seed);
        let words: Vec<u32> = (0..20)
            .map(|_| {
                if with_fp && rng.bit() == 0 {
                    random_fp_simd_instruction(&mut rng)
                } else {
                    random_instruction(&mut rng)
                }
            })
            .collect();
        let label = format!("block seed {seed:#x}");
        match check_block(&words, &mut rng, &label) {
            // Every instruction is valid and every access inside the scratch buffer, so the
            // block must run to the final BRK.
            Ok((exit, pc)) if exit == exits::BRK && pc == CODE + 4 * words.len() as u64 => {}
            Ok((exit, pc)) => failures.push(format!(
                "{label}: stopped with {} at pc {pc:#x} (instruction {} of the block), expected the final BRK\n{}",
                exits::name(exit),
                pc.wrapping_sub(CODE) / 4,
                listing(&words)
            )),
            Err(report) => failures.push(report),
        }
        if failures.len() >= 3 {
            break;
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing block(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A branch whose target is itself would loop forever in the testkit (it has no time
/// limit), so those few words are left out.
fn branches_to_itself(word: u32) -> bool {
    let b_or_bl = word & 0x7c00_0000 == 0x1400_0000 && word & 0x03ff_ffff == 0;
    let b_cond = word & 0xff00_0000 == 0x5400_0000 && (word >> 5) & 0x7ffff == 0;
    let cb = word & 0x7e00_0000 == 0x3400_0000 && (word >> 5) & 0x7ffff == 0;
    let tb = word & 0x7e00_0000 == 0x3600_0000 && (word >> 5) & 0x3fff == 0;
    b_or_bl || b_cond || cb || tb
}

/// Arbitrary words, one per run: undefined ones must exit as UNDEF, faults must be precise
/// exits, and nothing may panic or make the tiers disagree.
#[test]
fn arbitrary_words_agree_between_tiers() {
    let count = env_number("EMU_TIER_WORDS", 3000);
    let mut rng = Rng::new(seed_base() ^ 0xa5a5);
    let mut failures = Vec::new();
    let mut tried = 0;
    while tried < count {
        let word = rng.next_u64() as u32;
        if branches_to_itself(word) {
            continue;
        }
        tried += 1;
        if let Err(report) = check_block(&[word], &mut rng, &format!("word {word:08x}")) {
            failures.push(report);
            if failures.len() >= 5 {
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing word(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The decoder is total: every word decodes (most to Undefined) without panicking.
#[test]
fn decoder_never_panics() {
    let mut rng = Rng::new(seed_base() ^ 0xdec0de);
    for _ in 0..2_000_000 {
        let word = rng.next_u64() as u32;
        let result = catch_unwind(|| emu_arm::decode::decode(word));
        assert!(result.is_ok(), "decode({word:#010x}) panicked");
    }
    // Every top-level encoding group with all-zero and all-one operand bits.
    for op0 in 0..16u32 {
        for fill in [0u32, 0x01ff_ffff, 0x0155_5555, 0x00aa_aaaa] {
            let word = (op0 << 25) | fill | (fill << 29 & 0xe000_0000);
            let result = catch_unwind(|| emu_arm::decode::decode(word));
            assert!(result.is_ok(), "decode({word:#010x}) panicked");
        }
    }
}
