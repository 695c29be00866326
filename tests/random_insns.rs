//! Random instruction differential test: blocks of random valid A64 integer instructions
//! (data processing immediate/register, bitfield, conditional select/compare,
//! multiply/divide, CRC32, loads/stores and LSE atomics on a scratch buffer) run under emu
//! (every tier) and qemu-aarch64, and must leave bit-identical registers, flags and memory.
//! A second set of blocks mixes in scalar FP and Advanced SIMD instructions, with V
//! registers full of special values and a random FPCR (rounding mode, FZ, DN, AHP), and
//! also compares V0-V31, FPSR and FPCR.
//!
//! The template is tests/guest/random_harness (see its .S): the test patches the
//! instruction words, the initial registers/NZCV/FPCR/V registers and the scratch buffer
//! into a copy of it,
//! at file offsets found through its symbol table. X28 is the scratch base and is never a
//! destination, so every memory access stays inside the buffer.
//!
//! Deterministic by default (DEFAULT_CASES cases from fixed seeds). Environment:
//! EMU_RANDOM_CASES=N (more cases), EMU_RANDOM_SEED=S (another seed base),
//! EMU_RANDOM_LEN=L (instructions per block, at most 64).
//! Skipped, with a message, when qemu-aarch64 is not installed.

// Binary literals are grouped by the Arm ARM encoding fields, not in fours.
#![allow(clippy::unusual_byte_groupings)]

use emu_tests::a64gen::{
    fp_register_value, random_fp_simd_instruction, random_fpcr, random_instruction, valid_bitmask,
    Rng, BASE, SCRATCH_BYTES,
};
use std::path::Path;
use std::process::Command;

use emu_tests::{
    emu_command, guest_dir, qemu, qemu_command, run_command, skip, Outcome, Status, TempDir, TIERS,
};

const DEFAULT_CASES: u64 = 200;
const DEFAULT_LEN: usize = 20;
/// Cases are split over this many #[test] functions so they run on both cores.
const SHARDS: u64 = 4;
/// What the harness prints: 36 words (X0-X30, SP, NZCV, FPSR, FPCR, 0), V0-V31, scratch.
const WORDS_BYTES: usize = 36 * 8;
const VREGS_BYTES: usize = 32 * 16;
const DUMP_BYTES: usize = WORDS_BYTES + VREGS_BYTES + SCRATCH_BYTES;
/// Byte offset of V0 in harness_init (after X0-X27, NZCV, FPCR).
const INIT_VREGS: usize = 240;

/// The harness template and where to patch it.
struct Template {
    bytes: Vec<u8>,
    block: usize,
    block_slots: usize,
    init: usize,
    scratch: usize,
}

fn load_template() -> Template {
    let path = guest_dir().join("random_harness");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let elf = goblin::elf::Elf::parse(&bytes).expect("random_harness is an ELF");
    let symbol = |name: &str| -> u64 {
        elf.syms
            .iter()
            .find(|sym| elf.strtab.get_at(sym.st_name) == Some(name))
            .map(|sym| sym.st_value)
            .unwrap_or_else(|| panic!("random_harness has no symbol {name}"))
    };
    let file_offset = |vaddr: u64| -> usize {
        elf.program_headers
            .iter()
            .find(|ph| {
                ph.p_type == goblin::elf::program_header::PT_LOAD
                    && vaddr >= ph.p_vaddr
                    && vaddr < ph.p_vaddr + ph.p_filesz
            })
            .map(|ph| (vaddr - ph.p_vaddr + ph.p_offset) as usize)
            .unwrap_or_else(|| {
                panic!("address {vaddr:#x} is not in a loaded segment of random_harness")
            })
    };
    let block_start = symbol("harness_block");
    let block_slots = ((symbol("harness_block_end") - block_start) / 4) as usize;
    Template {
        block: file_offset(block_start),
        block_slots,
        init: file_offset(symbol("harness_init")),
        scratch: file_offset(symbol("harness_scratch")),
        bytes,
    }
}

/// One generated case: the instruction words and the starting state.
struct Case {
    seed: u64,
    words: Vec<u32>,
    registers: [u64; 28],
    nzcv: u64,
    fpcr: u64,
    vregs: [[u64; 2]; 32],
    scratch: [u8; SCRATCH_BYTES],
}

/// Which instructions a block is made of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mix {
    Integer,
    /// Half FP/SIMD, half integer (so values flow between the register files).
    FloatingPoint,
}

fn generate(seed: u64, length: usize, mix: Mix) -> Case {
    let mut rng = Rng::new(seed);
    let mut registers = [0u64; 28];
    for value in registers.iter_mut() {
        *value = rng.value();
    }
    let nzcv = u64::from(rng.below(16)) << 28;
    let mut scratch = [0u8; SCRATCH_BYTES];
    for byte in scratch.iter_mut() {
        *byte = rng.next_u64() as u8;
    }
    let fpcr = random_fpcr(&mut rng);
    let mut vregs = [[0u64; 2]; 32];
    for value in vregs.iter_mut() {
        *value = fp_register_value(&mut rng);
    }
    let words = (0..length)
        .map(|_| match mix {
            Mix::FloatingPoint if rng.bit() == 0 => random_fp_simd_instruction(&mut rng),
            _ => random_instruction(&mut rng),
        })
        .collect();
    Case {
        seed,
        words,
        registers,
        nzcv,
        fpcr,
        vregs,
        scratch,
    }
}

fn patched_binary(template: &Template, case: &Case) -> Vec<u8> {
    let mut bytes = template.bytes.clone();
    for (i, word) in case.words.iter().enumerate() {
        let at = template.block + 4 * i;
        bytes[at..at + 4].copy_from_slice(&word.to_le_bytes());
    }
    for (i, value) in case
        .registers
        .iter()
        .chain([&case.nzcv, &case.fpcr])
        .enumerate()
    {
        let at = template.init + 8 * i;
        bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
    }
    for (i, halves) in case.vregs.iter().enumerate() {
        let at = template.init + INIT_VREGS + 16 * i;
        bytes[at..at + 8].copy_from_slice(&halves[0].to_le_bytes());
        bytes[at + 8..at + 16].copy_from_slice(&halves[1].to_le_bytes());
    }
    bytes[template.scratch..template.scratch + SCRATCH_BYTES].copy_from_slice(&case.scratch);
    bytes
}

/// The instruction words, disassembled by objdump when it is installed.
fn listing(case: &Case, dir: &Path) -> String {
    let raw: Vec<u8> = case.words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let raw_path = dir.join("block.bin");
    if std::fs::write(&raw_path, &raw).is_ok() {
        if let Ok(output) = Command::new("aarch64-linux-gnu-objdump")
            .args(["-D", "-b", "binary", "-m", "aarch64"])
            .arg(&raw_path)
            .output()
        {
            if output.status.success() {
                let text = String::from_utf8_lossy(&output.stdout);
                let body: Vec<&str> = text.lines().filter(|line| line.contains(":\t")).collect();
                if !body.is_empty() {
                    return body.join("\n");
                }
            }
        }
    }
    case.words
        .iter()
        .map(|w| format!("{w:08x}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn word(dump: &[u8], index: usize) -> Option<u64> {
    dump.get(index * 8..index * 8 + 8)
        .map(|bytes| u64::from_le_bytes(bytes.try_into().unwrap_or_default()))
}

const SCRATCH_AT: usize = WORDS_BYTES + VREGS_BYTES;

/// The two dumps side by side, differences marked (V registers only where they differ).
fn compare_dumps(expected: &[u8], actual: &[u8]) -> String {
    let mut text = String::from("            qemu-aarch64        emu\n");
    for index in 0..(WORDS_BYTES + VREGS_BYTES) / 8 {
        let name = match index {
            0..=30 => format!("x{index}"),
            31 => "sp".to_string(),
            32 => "nzcv".to_string(),
            33 => "fpsr".to_string(),
            34 => "fpcr".to_string(),
            35 => continue,
            _ => format!(
                "v{}.{}",
                (index - 36) / 2,
                if index % 2 == 0 { "lo" } else { "hi" }
            ),
        };
        let (e, a) = (word(expected, index), word(actual, index));
        let show = |v: Option<u64>| v.map_or("(missing)".to_string(), |v| format!("{v:016x}"));
        let mark = if e != a { "  <-- differs" } else { "" };
        if index < 36 || e != a {
            text.push_str(&format!("  {name:>8}  {}  {}{mark}\n", show(e), show(a)));
        }
    }
    let differing: Vec<String> = (0..SCRATCH_BYTES)
        .filter(|&i| expected.get(SCRATCH_AT + i) != actual.get(SCRATCH_AT + i))
        .map(|i| {
            format!(
                "[{i}] {:02x?} vs {:02x?}",
                expected.get(SCRATCH_AT + i),
                actual.get(SCRATCH_AT + i)
            )
        })
        .collect();
    if !differing.is_empty() {
        text.push_str(&format!(
            "  scratch bytes differ: {}\n",
            differing.join(", ")
        ));
    }
    text
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
        Err(_) => default,
    }
}

/// Runs the cases whose index is `shard` modulo SHARDS.
/// FP blocks use other seeds than integer blocks with the same EMU_RANDOM_SEED.
fn seed_offset(mix: Mix) -> u64 {
    match mix {
        Mix::Integer => 0,
        Mix::FloatingPoint => 0x1_0000_0000,
    }
}

fn run_shard(shard: u64, mix: Mix) {
    let Some(qemu) = qemu() else {
        skip("random_insns", "qemu-aarch64 is not installed");
        return;
    };
    let cases = env_number("EMU_RANDOM_CASES", DEFAULT_CASES);
    let seed_base = env_number("EMU_RANDOM_SEED", 0x5eed_0000);
    let template = load_template();
    let length =
        (env_number("EMU_RANDOM_LEN", DEFAULT_LEN as u64) as usize).clamp(1, template.block_slots);
    let dir = TempDir::new(&format!("random-{shard}"));
    let program = dir.path().join("case");
    let mut failures = Vec::new();
    for index in (shard..cases).step_by(SHARDS as usize) {
        let case = generate(seed_base + index + seed_offset(mix), length, mix);
        std::fs::write(&program, patched_binary(&template, &case)).expect("temp dir is writable");
        std::fs::set_permissions(
            &program,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("temp file permissions can be set");
        let mut oracle = qemu_command(&qemu, None, &program, &[]);
        oracle.current_dir(dir.path());
        let expected = run_command(oracle, b"", std::time::Duration::from_secs(30));
        // The generator must only produce instructions the oracle executes.
        assert!(
            expected.status == Status::Exit(0) && expected.stdout.len() == DUMP_BYTES,
            "seed {:#x}: qemu-aarch64 did not run the block ({:?}, {} bytes): a generator bug\n{}\n{}",
            case.seed,
            expected.status,
            expected.stdout.len(),
            listing(&case, dir.path()),
            expected.stderr_text()
        );
        for tier in TIERS {
            let mut command = emu_command(Some(tier), None, &program, &[]);
            command.current_dir(dir.path());
            let actual: Outcome = run_command(command, b"", std::time::Duration::from_secs(30));
            if actual.status != expected.status || actual.stdout != expected.stdout {
                failures.push(format!(
                    "seed {:#x} (EMU_RANDOM_SEED={} EMU_RANDOM_CASES=1 reproduces it), --tier {tier}: status {:?}\n\
                     instructions:\n{}\n{}emu stderr: {}",
                    case.seed,
                    case.seed - seed_offset(mix),
                    actual.status,
                    listing(&case, dir.path()),
                    compare_dumps(&expected.stdout, &actual.stdout),
                    emu_tests::stderr_tail(&actual)
                ));
                break; // one tier's report per case is enough
            }
        }
        if failures.len() >= 3 {
            break; // enough to debug; the rest would repeat the same bug
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn random_blocks_shard_0() {
    run_shard(0, Mix::Integer);
}
#[test]
fn random_blocks_shard_1() {
    run_shard(1, Mix::Integer);
}
#[test]
fn random_blocks_shard_2() {
    run_shard(2, Mix::Integer);
}
#[test]
fn random_blocks_shard_3() {
    run_shard(3, Mix::Integer);
}
#[test]
fn random_fp_simd_blocks_shard_0() {
    run_shard(0, Mix::FloatingPoint);
}
#[test]
fn random_fp_simd_blocks_shard_1() {
    run_shard(1, Mix::FloatingPoint);
}
#[test]
fn random_fp_simd_blocks_shard_2() {
    run_shard(2, Mix::FloatingPoint);
}
#[test]
fn random_fp_simd_blocks_shard_3() {
    run_shard(3, Mix::FloatingPoint);
}

/// The generator's encodings, checked against words produced by the GNU assembler, so a
/// generator bug cannot hide as "both runners agree on garbage".
#[test]
fn generator_encodings_match_the_assembler() {
    assert!(valid_bitmask(1, 1, 0b000000)); // 64-bit element, one bit set
    assert!(!valid_bitmask(1, 1, 0b111111)); // all ones: reserved
    assert!(!valid_bitmask(0, 1, 0b000000)); // N=1 in a 32-bit instruction
    assert!(valid_bitmask(0, 0, 0b111100)); // 2-bit elements, "01" pattern
    assert!(!valid_bitmask(0, 0, 0b111101)); // 2-bit elements all ones: reserved
                                             // Spot checks of field placement, with words from aarch64-linux-gnu-as:
                                             // add x0, x1, #1 = 91000420; ldadd x2, x3, [x28] = f8220383;
                                             // casp x0, x1, x2, x3, [x28] = 48207f82; ldp w1, w2, [x28, #8] = 29410b81.
    let add: u32 = (1 << 31) | (0b100010 << 23) | (1 << 10) | (1 << 5);
    assert_eq!(add, 0x9100_0420);
    let ldadd: u32 = (3 << 30) | (0b111000 << 24) | (1 << 21) | (2 << 16) | (BASE << 5) | 3;
    assert_eq!(ldadd, 0xf822_0383);
    let casp: u32 = (1 << 30) | (0b001000_0 << 23) | (1 << 21) | (0b11111 << 10) | (BASE << 5) | 2;
    assert_eq!(casp, 0x4820_7f82);
    let ldp: u32 = (0b101_0_010 << 23) | (1 << 22) | (2 << 15) | (2 << 10) | (BASE << 5) | 1;
    assert_eq!(ldp, 0x2941_0b81);
    // Generation is a pure function of the seed.
    assert_eq!(
        generate(42, 20, Mix::FloatingPoint).words,
        generate(42, 20, Mix::FloatingPoint).words
    );
    assert_ne!(
        generate(42, 20, Mix::FloatingPoint).words,
        generate(43, 20, Mix::FloatingPoint).words
    );
}
