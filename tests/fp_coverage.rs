//! Per-encoding differential suite for the scalar FP, Advanced SIMD and crypto
//! instructions, with a coverage report.
//!
//! Every encoding the decoder accepts in its FP/SIMD/crypto table (listed by
//! `encodings::all_encodings`, from the table itself) gets INSTANCES random instances:
//! random register fields, a random opcode-bit pattern among those that print as that
//! encoding (immediates, shift amounts, lane indices, MOVI cmodes...), and operand values
//! weighted toward the FP special values (see `values.rs`). Each instance runs under every
//! FPCR setting: 4 rounding modes x FZ x DN, and x AHP for conversions to and from half
//! precision. All cases run under qemu-aarch64 and under emu with `--tier interp` and
//! `--tier jit`, and X0-X30, NZCV, FPSR, FPCR and V0-V31 after the instruction must be
//! identical bit for bit.
//!
//! The guest side is tests/guest/fp_batch_harness (see its .S): one process runs up to a
//! few thousand cases, each a single instruction patched into its own slot, with the
//! register state fed through stdin, so the whole suite needs only a few dozen processes.
//!
//! It writes target/fp-coverage.md (every encoding, the cases it ran, mismatches) and
//! prints a summary; it fails on any mismatch, showing the first few with disassembly and
//! the differing registers.
//!
//! Environment: EMU_FP_COVERAGE_INSTANCES=N (instances per encoding),
//! EMU_FP_COVERAGE_SEED=S, EMU_FP_COVERAGE_FILTER=text (only encodings whose text
//! contains it), EMU_FP_COVERAGE_JOBS=J (parallel workers, default 2).
//! Skipped, with a message, when qemu-aarch64 is not installed.

#[path = "fp_coverage/encodings.rs"]
mod encodings;
#[path = "fp_coverage/expected_file.rs"]
mod expected_file;
#[path = "fp_coverage/values.rs"]
mod values;

use emu_tests::a64gen::Rng;
use emu_tests::{
    emu_command, guest_dir, qemu, qemu_command, run_command, skip, workspace_root, TempDir,
};
use encodings::{all_encodings, Class, Encoding, Offset, RegField};
use expected_file::{ExpectedCase, ENCODING_MARK};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DEFAULT_INSTANCES: u32 = 4;
const DEFAULT_SEED: u64 = 0xf9c0_5eed;
/// Record layout shared with fp_batch_harness.S.
const RECORD: usize = 2080;
const OUT: usize = 784;
/// The case's scratch memory (after the output registers), and where in it a load or
/// store's base register points: offsets are kept within +-128 bytes and accesses are at
/// most 64 bytes, so every access stays inside.
const SCRATCH: usize = 1568;
const SCRATCH_BYTES: usize = 512;
const BASE_OFFSET: u64 = 256;
/// FPSR's cumulative flags: QC, IDC, IXC, UFC, OFC, DZC, IOC.
const FPSR_CUMULATIVE: u64 = 0x0800_009f;
const OUT_WORDS: usize = 34;
const VIN: usize = 272;
const HEADER: usize = 16;
/// Mismatch reports kept in full (the counts cover everything).
const REPORTS_KEPT: usize = 12;
/// Processes a runner may be restarted on subsets of a failing batch to find the cases
/// that make it fail.
const BISECT_BUDGET: u32 = 64;

/// The harness binary and where its instruction slots are.
struct Harness {
    bytes: Vec<u8>,
    slots_file_offset: usize,
    slots_address: u64,
    slots: usize,
    /// Guest address of record 0.
    records_address: u64,
}

fn load_harness() -> Harness {
    let path = guest_dir().join("fp_batch_harness");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let elf = goblin::elf::Elf::parse(&bytes).expect("fp_batch_harness is an ELF");
    let symbol = |name: &str| -> u64 {
        elf.syms
            .iter()
            .find(|sym| elf.strtab.get_at(sym.st_name) == Some(name))
            .map(|sym| sym.st_value)
            .unwrap_or_else(|| panic!("fp_batch_harness has no symbol {name}"))
    };
    let start = symbol("harness_slots");
    let end = symbol("harness_slots_end");
    let file_offset = elf
        .program_headers
        .iter()
        .find(|ph| {
            ph.p_type == goblin::elf::program_header::PT_LOAD
                && start >= ph.p_vaddr
                && end <= ph.p_vaddr + ph.p_filesz
        })
        .map(|ph| (start - ph.p_vaddr + ph.p_offset) as usize)
        .expect("the slots are in a loaded segment");
    let records_address = symbol("harness_records") + HEADER as u64;
    Harness {
        slots_file_offset: file_offset,
        slots_address: start,
        slots: ((end - start) / 8) as usize,
        records_address,
        bytes,
    }
}

/// The FPCR values every instance runs under: RMode (23:22) x FZ (24) x DN (25), and AHP
/// (26) when it matters.
fn fpcr_settings(with_ahp: bool) -> Vec<u64> {
    let mut settings = Vec::new();
    for ahp in 0..=u64::from(with_ahp) {
        for dn in 0..2u64 {
            for fz in 0..2u64 {
                for rmode in 0..4u64 {
                    settings.push((ahp << 26) | (dn << 25) | (fz << 24) | (rmode << 22));
                }
            }
        }
    }
    settings
}

/// One case: an instruction and the state it starts from.
struct Case {
    encoding: usize,
    word: u32,
    fpcr: u64,
    nzcv: u64,
    /// FPSR before the instruction: its cumulative flags must be kept, not overwritten.
    fpsr: u64,
    x: [u64; 30],
    v: [[u64; 2]; 32],
    scratch: Vec<u8>,
    /// The load/store base register, pointed at the scratch memory when the case is
    /// placed in a record (its address depends on the record's position).
    base: Option<usize>,
}

fn field_value(word: u32, field: RegField) -> u32 {
    (word >> field.lo) & ((1 << field.width) - 1)
}

fn with_field(word: u32, field: RegField, value: u32) -> u32 {
    let mask = ((1u64 << field.width) - 1) as u32;
    (word & !(mask << field.lo)) | ((value & mask) << field.lo)
}

/// A random value for an address-forming immediate, within the scratch memory.
fn offset_value(rng: &mut Rng, kind: Offset) -> u32 {
    match kind {
        Offset::Unsigned12 => rng.below(8),
        Offset::Signed9 => (rng.below(256) as i32 - 128) as u32,
        Offset::Signed7 => (rng.below(8) as i32 - 4) as u32,
        Offset::Literal19 => rng.below(64),
    }
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Instance `instance` of encoding `index`: a pure function of the seed, so every FPCR
/// setting of an instance sees the same instruction and operands.
fn make_case(encoding: &Encoding, index: usize, seed: u64, instance: u32, fpcr: u64) -> Case {
    let mut rng = Rng::new(seed ^ fnv1a(&encoding.key) ^ (u64::from(instance) << 40));
    let mut word = encoding.words[rng.below(encoding.words.len() as u32) as usize];
    for field in &encoding.registers {
        word |= rng.below(1 << field.width) << field.lo;
    }
    let mut x = [0u64; 30];
    for value in x.iter_mut() {
        *value = values::general(&mut rng);
    }
    let mut base = None;
    if let Some(memory) = &encoding.memory {
        // The base is never SP (SP holds the harness's record pointer) nor X30 (the slot
        // address); an index register is another register, with a small value, unless
        // the word fixes it to 31 (the immediate post-index form); a pair load needs two
        // different registers (the same one twice is CONSTRAINED UNPREDICTABLE).
        let fixed_index = memory.index.is_some_and(|f| field_value(word, f) == 31);
        loop {
            let mut candidate = word;
            let base_number = rng.below(30);
            if let Some(field) = memory.base {
                candidate = with_field(candidate, field, base_number);
            }
            if let (Some(field), false) = (memory.index, fixed_index) {
                candidate = with_field(candidate, field, rng.below(30));
            }
            let index_clash = memory
                .index
                .is_some_and(|f| !fixed_index && field_value(candidate, f) == base_number);
            let pair_clash = memory
                .pair
                .is_some_and(|(a, b)| field_value(candidate, a) == field_value(candidate, b));
            if !index_clash && !pair_clash {
                word = candidate;
                break;
            }
        }
        for &(kind, field) in &memory.offsets {
            word = with_field(word, field, offset_value(&mut rng, kind));
        }
        if let (Some(field), false) = (memory.index, fixed_index) {
            x[field_value(word, field) as usize] = u64::from(rng.below(8));
        }
        base = memory.base.map(|field| field_value(word, field) as usize);
    }
    let scratch: Vec<u8> = (0..SCRATCH_BYTES).map(|_| rng.next_u64() as u8).collect();
    let source = encoding.source_bits.unwrap_or(64);
    let dest = encoding.dest_bits.unwrap_or(64);
    let mut v = [[0u64; 2]; 32];
    for value in v.iter_mut() {
        let bits = match rng.below(4) {
            0 | 1 => source,
            2 => dest,
            _ => 8 << rng.below(4),
        };
        *value = values::vector(&mut rng, bits);
    }
    let nzcv = u64::from(rng.below(16)) << 28;
    // Half the cases start with some of QC, IDC, IXC, UFC, OFC, DZC, IOC already set.
    let fpsr = if rng.bit() == 0 {
        0
    } else {
        rng.next_u64() & FPSR_CUMULATIVE
    };
    Case {
        encoding: index,
        word,
        fpcr,
        nzcv,
        fpsr,
        x,
        v,
        scratch,
        base,
    }
}

/// The record of `case` as the harness reads it, for the record at `record_address`.
fn record(case: &Case, slot_address: u64, record_address: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; RECORD];
    bytes[SCRATCH..SCRATCH + SCRATCH_BYTES].copy_from_slice(&case.scratch);
    let mut put = |at: usize, value: u64| bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
    for (i, value) in case.x.iter().enumerate() {
        put(8 * i, *value);
    }
    if let Some(base) = case.base {
        put(8 * base, record_address + (SCRATCH as u64) + BASE_OFFSET);
    }
    put(8 * 30, slot_address);
    put(8 * 31, case.nzcv);
    put(8 * 32, case.fpcr);
    put(8 * 33, case.fpsr);
    for (i, halves) in case.v.iter().enumerate() {
        put(VIN + 16 * i, halves[0]);
        put(VIN + 16 * i + 8, halves[1]);
    }
    bytes
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    Qemu,
    Interp,
    Jit,
}

impl Runner {
    fn name(self) -> &'static str {
        match self {
            Runner::Qemu => "qemu-aarch64",
            Runner::Interp => "emu --tier interp",
            Runner::Jit => "emu --tier jit",
        }
    }
}

/// The output part of each record, or why the runner produced none.
type Outputs = Vec<Result<Vec<u8>, String>>;

/// A batch ready to run: the patched harness and the records, in slot order.
struct Batch<'a> {
    program: &'a Path,
    records: Vec<Vec<u8>>,
    /// A slot holding only the NOP: records outside the part being run are pointed here,
    /// so every record keeps its place (its base register points into its own scratch).
    nop_slot: u64,
}

/// Cases per process: one slot fewer than the harness has, so the last one stays a NOP.
fn batch_capacity(harness: &Harness) -> usize {
    harness.slots - 1
}

/// Writes the harness with the cases' instructions patched in to `program` and builds
/// their records. Cases with the same instruction (an instance under each FPCR) share a
/// slot, so the JIT tier compiles each instruction once.
fn prepare_batch<'a>(harness: &Harness, cases: &[Case], program: &'a Path) -> Batch<'a> {
    assert!(cases.len() <= batch_capacity(harness));
    let mut binary = harness.bytes.clone();
    let mut records = Vec::with_capacity(cases.len());
    let mut slot_of = std::collections::HashMap::new();
    for (index, case) in cases.iter().enumerate() {
        let next = slot_of.len();
        let slot = *slot_of.entry(case.word).or_insert(next);
        let at = harness.slots_file_offset + 8 * slot;
        binary[at..at + 4].copy_from_slice(&case.word.to_le_bytes());
        records.push(record(
            case,
            harness.slots_address + 8 * slot as u64,
            harness.records_address + (index * RECORD) as u64,
        ));
    }
    std::fs::write(program, &binary).expect("temp dir is writable");
    std::fs::set_permissions(program, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("temp file permissions can be set");
    Batch {
        program,
        records,
        nop_slot: harness.slots_address + 8 * (harness.slots as u64 - 1),
    }
}

/// Runs the records of `part` (the others do nothing); their outputs, or why there are none.
fn run_records(
    qemu: &Path,
    runner: Runner,
    batch: &Batch,
    part: std::ops::Range<usize>,
) -> Outputs {
    let mut stdin = vec![0u8; HEADER];
    stdin[..8].copy_from_slice(&(batch.records.len() as u64).to_le_bytes());
    for (i, record) in batch.records.iter().enumerate() {
        if part.contains(&i) {
            stdin.extend_from_slice(record);
        } else {
            let mut idle = record.clone();
            idle[8 * 30..8 * 31].copy_from_slice(&batch.nop_slot.to_le_bytes());
            stdin.extend_from_slice(&idle);
        }
    }
    let mut command = match runner {
        Runner::Qemu => qemu_command(qemu, None, batch.program, &[]),
        Runner::Interp => emu_command(Some("interp"), None, batch.program, &[]),
        Runner::Jit => emu_command(Some("jit"), None, batch.program, &[]),
    };
    if let Some(dir) = batch.program.parent() {
        command.current_dir(dir);
    }
    let outcome = run_command(command, &stdin, Duration::from_secs(300));
    let expected_len = batch.records.len() * RECORD;
    if outcome.status == emu_tests::Status::Exit(0) && outcome.stdout.len() == expected_len {
        return outcome.stdout[part.start * RECORD..part.end * RECORD]
            .chunks(RECORD)
            .map(|chunk| Ok(chunk[OUT..].to_vec()))
            .collect();
    }
    let why = format!(
        "{} ended with {:?} after {} of {} bytes: {}",
        runner.name(),
        outcome.status,
        outcome.stdout.len(),
        expected_len,
        emu_tests::stderr_tail(&outcome)
    );
    vec![Err(why); part.len()]
}

/// Runs the records of `part`; if the process fails, halves the part until the failing
/// cases are found (within `budget` extra processes), so one bad case costs only its own
/// result.
fn run_bisecting(
    qemu: &Path,
    runner: Runner,
    batch: &Batch,
    part: std::ops::Range<usize>,
    budget: &mut u32,
) -> Outputs {
    let outputs = run_records(qemu, runner, batch, part.clone());
    if part.len() == 1 || outputs.iter().all(Result::is_ok) || *budget == 0 {
        return outputs;
    }
    let middle = part.start + part.len() / 2;
    let mut result = Vec::with_capacity(part.len());
    for half in [part.start..middle, middle..part.end] {
        *budget = budget.saturating_sub(1);
        result.extend(run_bisecting(qemu, runner, batch, half, budget));
    }
    result
}

/// Per-encoding counts.
#[derive(Clone, Default)]
struct Tally {
    cases: u64,
    mismatches: [u64; 2],
    oracle_failures: u64,
    /// Cases where emu follows the Arm ARM and QEMU 7.2 does not (per tier): not counted
    /// as mismatches.
    oracle_bugs: [u64; 2],
}

/// FJCVTZS of a positive denormal under FPCR.FZ: the Arm ARM's `FPToFixedJS` flushes it
/// and clears Z ("sign == '0' && value == 0.0 && !IsZero(op<51:0>)"); QEMU 7.2 sets Z,
/// treating the flushed input as an exact +0. True only when that is the whole
/// difference: everything equal but Z, which QEMU sets and emu clears.
fn qemu_7_2_fjcvtzs_bug(encoding: &Encoding, case: &Case, expected: &[u8], actual: &[u8]) -> bool {
    let rn = ((case.word >> 5) & 31) as usize;
    let input = case.v[rn][0];
    let positive_denormal = input >> 52 == 0 && input & ((1 << 52) - 1) != 0;
    let flush_to_zero = case.fpcr >> 24 & 1 == 1;
    let nzcv_at = 8 * 31;
    let mut patched = expected.to_vec();
    patched[nzcv_at..nzcv_at + 8].copy_from_slice(&0u64.to_le_bytes());
    encoding.key == "fjcvtzs w, d"
        && flush_to_zero
        && positive_denormal
        && word_at(expected, nzcv_at) == 1 << 30
        && patched == actual
}

fn output_word_name(index: usize) -> String {
    match index {
        0..=30 => format!("x{index}"),
        31 => "nzcv".into(),
        32 => "fpsr".into(),
        _ => "fpcr".into(),
    }
}

fn word_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// The differing registers, side by side.
fn describe_difference(expected: &[u8], actual: &[u8]) -> String {
    let mut text = String::new();
    for index in 0..OUT_WORDS {
        let (e, a) = (word_at(expected, 8 * index), word_at(actual, 8 * index));
        if e != a {
            text.push_str(&format!(
                "    {:>5}  qemu {e:016x}  emu {a:016x}\n",
                output_word_name(index)
            ));
        }
    }
    let scratch_at = SCRATCH - OUT;
    let differing: Vec<String> = (0..SCRATCH_BYTES)
        .filter(|&i| expected.get(scratch_at + i) != actual.get(scratch_at + i))
        .map(|i| {
            format!(
                "[{i}] {:02x?}/{:02x?}",
                expected.get(scratch_at + i),
                actual.get(scratch_at + i)
            )
        })
        .collect();
    if !differing.is_empty() {
        text.push_str(&format!(
            "    scratch bytes (qemu/emu, base at [{BASE_OFFSET}]): {}\n",
            differing.join(" ")
        ));
    }
    for v in 0..32 {
        let at = 8 * OUT_WORDS + 16 * v;
        let e = (word_at(expected, at + 8), word_at(expected, at));
        let a = (word_at(actual, at + 8), word_at(actual, at));
        if e != a {
            text.push_str(&format!(
                "    {:>5}  qemu {:016x}:{:016x}  emu {:016x}:{:016x}\n",
                format!("v{v}"),
                e.0,
                e.1,
                a.0,
                a.1
            ));
        }
    }
    text
}

fn fpcr_text(fpcr: u64) -> String {
    let rmode = ["RN", "RP", "RM", "RZ"][((fpcr >> 22) & 3) as usize];
    let mut text = format!("FPCR {fpcr:#x} ({rmode}");
    for (bit, name) in [(24, "FZ"), (25, "DN"), (26, "AHP")] {
        if fpcr >> bit & 1 == 1 {
            text.push_str(&format!(" {name}"));
        }
    }
    text.push(')');
    text
}

/// objdump's view of one word, when binutils is installed (our own disassembler is
/// printed too, but an independent one is the better witness).
fn objdump(word: u32, dir: &Path) -> Option<String> {
    let path = dir.join(format!("insn-{word:08x}.bin"));
    std::fs::write(&path, word.to_le_bytes()).ok()?;
    let output = std::process::Command::new("aarch64-linux-gnu-objdump")
        .args(["-D", "-b", "binary", "-m", "aarch64"])
        .arg(&path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().find(|line| line.contains(":\t"))?;
    Some(line.split('\t').skip(2).collect::<Vec<_>>().join(" "))
}

fn mismatch_report(
    encoding: &Encoding,
    case: &Case,
    tier: Runner,
    detail: &str,
    dir: &Path,
) -> String {
    let ours = encodings::disassemble(case.word);
    let theirs = objdump(case.word, dir).map_or(String::new(), |text| format!(", objdump: {text}"));
    let mut inputs = String::new();
    for field in &encoding.registers {
        let n = ((case.word >> field.lo) & ((1 << field.width) - 1)) as usize;
        inputs.push_str(&format!(
            "    in v{n} = {:016x}:{:016x}{}\n",
            case.v[n][1],
            case.v[n][0],
            case.x
                .get(n)
                .map_or(String::new(), |x| format!("   x{n} = {x:016x}"))
        ));
    }
    format!(
        "{} [{}] {:08x} ({ours}{theirs}), {}, FPSR {:#x}, NZCV {:x}, {}:\n{inputs}{detail}",
        encoding.key,
        encoding.class.name(),
        case.word,
        fpcr_text(case.fpcr),
        case.fpsr,
        case.nzcv >> 28,
        tier.name(),
    )
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number"))
        }
        Err(_) => default,
    }
}

struct Plan {
    encoding: usize,
    instance: u32,
    fpcr: u64,
}

fn write_report(
    encodings: &[Encoding],
    tallies: &[Tally],
    instances: u32,
    seed: u64,
    elapsed: Duration,
) -> String {
    let mut by_class: Vec<(String, u64, u64, u64)> = Vec::new();
    for (encoding, tally) in encodings.iter().zip(tallies) {
        let class = encoding.class.name();
        let bad = tally.mismatches[0] + tally.mismatches[1] + tally.oracle_failures;
        match by_class.iter_mut().find(|row| row.0 == class) {
            Some(row) => {
                row.1 += 1;
                row.2 += tally.cases;
                row.3 += bad;
            }
            None => by_class.push((class, 1, tally.cases, bad)),
        }
    }
    let total_cases: u64 = tallies.iter().map(|t| t.cases).sum();
    let total_bad: u64 = by_class.iter().map(|row| row.3).sum();
    let mut summary = format!(
        "{} encodings, {} cases ({} instances each x 16 FPCR settings, x 32 with AHP), \
         each run under qemu-aarch64, emu --tier interp and emu --tier jit; \
         {} mismatching; seed {seed:#x}; {:.0} s\n\n",
        encodings.len(),
        total_cases,
        instances,
        total_bad,
        elapsed.as_secs_f64()
    );
    summary.push_str("| decoder class | encodings | cases | mismatches |\n|---|---:|---:|---:|\n");
    for (class, count, cases, bad) in &by_class {
        summary.push_str(&format!("| {class} | {count} | {cases} | {bad} |\n"));
    }
    let mut text = String::from(
        "# FP / Advanced SIMD / crypto per-encoding differential coverage\n\n\
         Generated by `cargo test -p emu-tests --test fp_coverage`. An encoding is a \
         decoder table line's opcode bits as they disassemble, registers and immediates \
         normalised; mismatches count cases where emu (interp / jit) differs from \
         qemu-aarch64 in X0-X30, NZCV, FPSR, FPCR, V0-V31 or the scratch memory, and \
         cases qemu-aarch64 would not run. The last column counts cases where emu follows \
         the Arm ARM and QEMU 7.2 does not (see `qemu_7_2_fjcvtzs_bug`); they are not \
         mismatches.\n\n",
    );
    text.push_str(&summary);
    text.push_str(
        "\n| decoder class | encoding | opcode patterns | cases | interp | jit | qemu failed | \
         QEMU 7.2 deviates (interp/jit) |\n|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (encoding, tally) in encodings.iter().zip(tallies) {
        text.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} | {}/{} |\n",
            encoding.class.name(),
            encoding.key,
            encoding.words.len(),
            tally.cases,
            tally.mismatches[0],
            tally.mismatches[1],
            tally.oracle_failures,
            tally.oracle_bugs[0],
            tally.oracle_bugs[1]
        ));
    }
    let path = workspace_root().join("target").join("fp-coverage.md");
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cannot write {}: {e}", path.display());
    }
    format!("{summary}\nfull table: {}\n", path.display())
}

#[test]
fn every_fp_simd_crypto_encoding_matches_qemu() {
    let Some(qemu) = qemu() else {
        skip("fp_coverage", "qemu-aarch64 is not installed");
        return;
    };
    let started = Instant::now();
    let instances = env_number("EMU_FP_COVERAGE_INSTANCES", u64::from(DEFAULT_INSTANCES)) as u32;
    let seed = env_number("EMU_FP_COVERAGE_SEED", DEFAULT_SEED);
    let jobs = env_number("EMU_FP_COVERAGE_JOBS", 2).max(1) as usize;
    let filter = std::env::var("EMU_FP_COVERAGE_FILTER").unwrap_or_default();
    let encodings: Vec<Encoding> = all_encodings()
        .into_iter()
        .filter(|e| e.key.contains(&filter))
        .collect();
    assert!(!encodings.is_empty(), "no encoding matches {filter:?}");
    let harness = load_harness();

    let mut plan = Vec::new();
    for (index, encoding) in encodings.iter().enumerate() {
        for instance in 0..instances {
            for fpcr in fpcr_settings(encoding.uses_ahp) {
                plan.push(Plan {
                    encoding: index,
                    instance,
                    fpcr,
                });
            }
        }
    }
    let batches: Vec<&[Plan]> = plan.chunks(batch_capacity(&harness)).collect();
    let next_batch = AtomicUsize::new(0);
    let tallies = Mutex::new(vec![Tally::default(); encodings.len()]);
    let reports = Mutex::new(Vec::<String>::new());
    let emu_binary_ready = emu_tests::emu_binary(); // build once, before the workers race
    assert!(emu_binary_ready.is_file());

    std::thread::scope(|scope| {
        for worker in 0..jobs {
            let (harness, batches, encodings) = (&harness, &batches, &encodings);
            let (next_batch, tallies, reports, qemu) = (&next_batch, &tallies, &reports, &qemu);
            scope.spawn(move || {
                let dir = TempDir::new(&format!("fp-coverage-{worker}"));
                let program = dir.path().join("fp_batch");
                loop {
                    let index = next_batch.fetch_add(1, Ordering::Relaxed);
                    let Some(batch) = batches.get(index) else {
                        break;
                    };
                    let cases: Vec<Case> = batch
                        .iter()
                        .map(|p| {
                            make_case(&encodings[p.encoding], p.encoding, seed, p.instance, p.fpcr)
                        })
                        .collect();
                    let batch = prepare_batch(harness, &cases, &program);
                    let all = 0..cases.len();
                    let mut budget = BISECT_BUDGET;
                    let expected =
                        run_bisecting(qemu, Runner::Qemu, &batch, all.clone(), &mut budget);
                    let mut tiers = Vec::new();
                    for tier in [Runner::Interp, Runner::Jit] {
                        let mut budget = BISECT_BUDGET;
                        tiers.push((
                            tier,
                            run_bisecting(qemu, tier, &batch, all.clone(), &mut budget),
                        ));
                    }
                    let mut local = Vec::new();
                    let mut tally = tallies.lock().unwrap_or_else(|e| e.into_inner());
                    for (i, case) in cases.iter().enumerate() {
                        let entry = &mut tally[case.encoding];
                        entry.cases += 1;
                        let encoding = &encodings[case.encoding];
                        let oracle = match &expected[i] {
                            Ok(output) => output,
                            Err(why) => {
                                entry.oracle_failures += 1;
                                local.push(mismatch_report(
                                    encoding,
                                    case,
                                    Runner::Qemu,
                                    &format!("    the oracle did not run it: {why}\n"),
                                    dir.path(),
                                ));
                                continue;
                            }
                        };
                        for (t, (tier, outputs)) in tiers.iter().enumerate() {
                            let detail = match &outputs[i] {
                                Ok(actual) if actual == oracle => continue,
                                Ok(actual)
                                    if qemu_7_2_fjcvtzs_bug(encoding, case, oracle, actual) =>
                                {
                                    entry.oracle_bugs[t] += 1;
                                    continue;
                                }
                                Ok(actual) => describe_difference(oracle, actual),
                                Err(why) => format!("    {why}\n"),
                            };
                            entry.mismatches[t] += 1;
                            if local.len() < REPORTS_KEPT {
                                local.push(mismatch_report(
                                    encoding,
                                    case,
                                    *tier,
                                    &detail,
                                    dir.path(),
                                ));
                            }
                        }
                    }
                    drop(tally);
                    let mut all = reports.lock().unwrap_or_else(|e| e.into_inner());
                    all.extend(local);
                }
            });
        }
    });

    let tallies = tallies.into_inner().unwrap_or_else(|e| e.into_inner());
    let summary = write_report(&encodings, &tallies, instances, seed, started.elapsed());
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "fp_coverage: {summary}");
    }
    let reports = reports.into_inner().unwrap_or_else(|e| e.into_inner());
    let failing: Vec<&str> = encodings
        .iter()
        .zip(&tallies)
        .filter(|(_, t)| t.mismatches[0] + t.mismatches[1] + t.oracle_failures > 0)
        .map(|(e, _)| e.key.as_str())
        .collect();
    assert!(
        failing.is_empty(),
        "{} encodings mismatch: {}\n\nfirst cases:\n{}\n{summary}",
        failing.len(),
        failing.join("; "),
        reports
            .iter()
            .take(REPORTS_KEPT)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The encoding list is the decoder's: every class of the table contributes, and each
/// encoding's words really decode (so a table change cannot silently drop coverage).
#[test]
fn the_encoding_list_covers_the_decoder_table() {
    let encodings = all_encodings();
    for line in emu_arm::decode::fp_simd::TABLE {
        assert!(
            encodings
                .iter()
                .any(|e| e.class == Class::FpSimd(line.kind)),
            "no encoding of {:?} ({})",
            line.kind,
            line.text
        );
    }
    for op in [
        emu_arm::decode::ldst::Op::SimdMultiple,
        emu_arm::decode::ldst::Op::SimdSingle,
        emu_arm::decode::ldst::Op::Pair,
        emu_arm::decode::ldst::Op::RegOffset,
        emu_arm::decode::ldst::Op::LoadLiteral,
    ] {
        assert!(
            encodings.iter().any(|e| e.class == Class::LdSt(op)),
            "no SIMD&FP encoding of {op:?}"
        );
    }
    let mut keys: Vec<&str> = encodings.iter().map(|e| e.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), encodings.len(), "encoding names are unique");
    for encoding in &encodings {
        for &word in &encoding.words {
            assert!(
                match (emu_arm::decode::decode(word).kind, encoding.class) {
                    (emu_arm::decode::Kind::FpSimd(op), Class::FpSimd(class)) => op == class,
                    (emu_arm::decode::Kind::LdSt(op), Class::LdSt(class)) => op == class,
                    _ => false,
                },
                "{:08x} of {} does not decode as {}",
                word,
                encoding.key,
                encoding.class.name()
            );
        }
    }
    // Spot checks of names (a normalisation change would otherwise go unnoticed).
    for key in [
        "fadd v.4s, v.4s, v.4s",
        "fmla v.2d, v.2d, v.d[i]",
        "fcvtzs w, d, #imm",
        "fcvtn v.4h, v.4s",
        "aese v.16b, v.16b",
        "pmull v.1q, v.1d, v.1d",
        "sqrshrn b, h, #imm",
        "fcsel d, d, d, cond",
    ] {
        assert!(keys.contains(&key), "{key} is not listed");
    }
}

/// The registers an instance may read, so the committed cases can leave all others zero:
/// each register field's number, for TBL/TBX the three after Rn (the table), and for the
/// by-element forms the register 16 above (bit M can be the register number's top bit).
/// X30 holds the harness's slot address and is recorded whenever it is named.
fn referenced_registers(encoding: &Encoding, word: u32) -> (Vec<usize>, Vec<usize>) {
    use emu_arm::decode::fp_simd::Op;
    let mut x = Vec::new();
    let mut v = Vec::new();
    for field in &encoding.registers {
        let n = ((word >> field.lo) & ((1 << field.width) - 1)) as usize;
        if n < 31 && !x.contains(&n) {
            x.push(n);
        }
        let mut numbers = vec![n];
        match encoding.class {
            Class::FpSimd(Op::SimdTbl) => {
                numbers.extend([(n + 1) % 32, (n + 2) % 32, (n + 3) % 32])
            }
            Class::FpSimd(Op::SimdByElem | Op::ScalarByElem) => numbers.push(n ^ 16),
            _ => {}
        }
        for m in numbers {
            if !v.contains(&m) {
                v.push(m);
            }
        }
    }
    x.sort_unstable();
    v.sort_unstable();
    (x, v)
}

/// Cases per encoding in tests/fp_coverage/expected.txt.
const EXPECTED_PER_ENCODING: u32 = 2;

/// Regenerates tests/fp_coverage/expected.txt from qemu-aarch64: EXPECTED_PER_ENCODING
/// cases of every encoding, each under an FPCR setting picked from its instance, with
/// unreferenced registers zero. Run it after a decoder change:
/// `cargo test -p emu-tests --test fp_coverage -- --ignored record_expected_cases`.
#[test]
#[ignore = "regenerates a committed file; needs qemu-aarch64"]
fn record_expected_cases() {
    let qemu = qemu().expect("recording needs qemu-aarch64");
    let harness = load_harness();
    let encodings = all_encodings();
    let mut cases = Vec::new();
    for (index, encoding) in encodings.iter().enumerate() {
        // Loads and stores need their memory recorded too; their committed expected
        // results are emu-arm's sem/ldst tests (structs.rs, single.rs, pair.rs).
        if encoding.memory.is_some() {
            continue;
        }
        let settings = fpcr_settings(encoding.uses_ahp);
        for instance in 0..EXPECTED_PER_ENCODING {
            let pick = fnv1a(&format!("{}#{instance}", encoding.key)) as usize % settings.len();
            let mut case = make_case(encoding, index, DEFAULT_SEED, instance, settings[pick]);
            case.fpsr = 0; // the file's format has no input FPSR
            let (x, v) = referenced_registers(encoding, case.word);
            for (n, value) in case.x.iter_mut().enumerate() {
                if !x.contains(&n) {
                    *value = 0;
                }
            }
            for (n, value) in case.v.iter_mut().enumerate() {
                if !v.contains(&n) {
                    *value = [0, 0];
                }
            }
            cases.push(case);
        }
    }
    let dir = TempDir::new("fp-record");
    let program = dir.path().join("fp_batch");
    let mut lines = vec![
        "# Expected results of FP/SIMD/crypto cases, recorded under qemu-aarch64 by".to_string(),
        "# tests/fp_coverage.rs (record_expected_cases); checked by tests/fp_expected.rs."
            .to_string(),
        "# Format: see tests/fp_coverage/expected_file.rs.".to_string(),
    ];
    for chunk in cases.chunks(batch_capacity(&harness)) {
        let batch = prepare_batch(&harness, chunk, &program);
        let outputs = run_records(&qemu, Runner::Qemu, &batch, 0..chunk.len());
        for ((case, input), output) in chunk.iter().zip(&batch.records).zip(outputs) {
            let output = output.unwrap_or_else(|why| panic!("{:08x}: {why}", case.word));
            let encoding = &encodings[case.encoding];
            let (x_refs, v_refs) = referenced_registers(encoding, case.word);
            let mut expected = ExpectedCase {
                word: case.word,
                fpcr: case.fpcr,
                nzcv: case.nzcv,
                x_in: x_refs.iter().map(|&n| (n, word_at(input, 8 * n))).collect(),
                v_in: v_refs.iter().map(|&n| (n, case.v[n])).collect(),
                out_nzcv: word_at(&output, 8 * 31),
                out_fpsr: word_at(&output, 8 * 32),
                comment: format!(
                    "{}{ENCODING_MARK}{}",
                    encodings::disassemble(case.word),
                    encoding.key
                ),
                ..ExpectedCase::default()
            };
            assert_eq!(word_at(&output, 8 * 33), case.fpcr, "FPCR is not written");
            for n in 0..31 {
                let (before, after) = (word_at(input, 8 * n), word_at(&output, 8 * n));
                if before != after {
                    expected.x_out.push((n, after));
                }
            }
            for n in 0..32 {
                let at = 8 * OUT_WORDS + 16 * n;
                let after = [word_at(&output, at), word_at(&output, at + 8)];
                if after != case.v[n] {
                    expected.v_out.push((n, after));
                }
            }
            lines.push(expected.to_line());
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fp_coverage/expected.txt");
    std::fs::write(&path, lines.join("\n") + "\n")
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    eprintln!("wrote {} cases to {}", cases.len(), path.display());
}

#[test]
fn expected_file_lines_round_trip() {
    let case = ExpectedCase {
        word: 0x4e22_d420,
        fpcr: 0x0140_0000,
        nzcv: 0x6000_0000,
        x_in: vec![(1, 0x1234)],
        v_in: vec![(1, [1, 2]), (2, [3, 0x7ff8_0000_0000_0000])],
        out_nzcv: 0x6000_0000,
        out_fpsr: 0x10,
        x_out: vec![],
        v_out: vec![(0, [5, 6])],
        comment: "fadd v0.4s, v1.4s, v2.4s".into(),
    };
    assert_eq!(ExpectedCase::parse(&case.to_line()), Ok(case));
}
