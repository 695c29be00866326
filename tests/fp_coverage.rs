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
use encodings::{all_encodings, Encoding};
use expected_file::{ExpectedCase, ENCODING_MARK};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DEFAULT_INSTANCES: u32 = 4;
const DEFAULT_SEED: u64 = 0xf9c0_5eed;
/// Record layout shared with fp_batch_harness.S.
const RECORD: usize = 1568;
const OUT: usize = 784;
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
    Harness {
        bytes,
        slots_file_offset: file_offset,
        slots_address: start,
        slots: ((end - start) / 8) as usize,
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
    x: [u64; 30],
    v: [[u64; 2]; 32],
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
    Case {
        encoding: index,
        word,
        fpcr,
        nzcv: u64::from(rng.below(16)) << 28,
        x,
        v,
    }
}

fn record(case: &Case, slot_address: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; RECORD];
    let mut put = |at: usize, value: u64| bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
    for (i, value) in case.x.iter().enumerate() {
        put(8 * i, *value);
    }
    put(8 * 30, slot_address);
    put(8 * 31, case.nzcv);
    put(8 * 32, case.fpcr);
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

fn run_records(qemu: &Path, runner: Runner, program: &Path, records: &[&[u8]]) -> Outputs {
    let mut stdin = vec![0u8; HEADER];
    stdin[..8].copy_from_slice(&(records.len() as u64).to_le_bytes());
    for record in records {
        stdin.extend_from_slice(record);
    }
    let mut command = match runner {
        Runner::Qemu => qemu_command(qemu, None, program, &[]),
        Runner::Interp => emu_command(Some("interp"), None, program, &[]),
        Runner::Jit => emu_command(Some("jit"), None, program, &[]),
    };
    if let Some(dir) = program.parent() {
        command.current_dir(dir);
    }
    let outcome = run_command(command, &stdin, Duration::from_secs(300));
    if outcome.status == emu_tests::Status::Exit(0)
        && outcome.stdout.len() == records.len() * RECORD
    {
        return outcome
            .stdout
            .chunks(RECORD)
            .map(|chunk| Ok(chunk[OUT..].to_vec()))
            .collect();
    }
    let why = format!(
        "{} ended with {:?} after {} of {} bytes: {}",
        runner.name(),
        outcome.status,
        outcome.stdout.len(),
        records.len() * RECORD,
        emu_tests::stderr_tail(&outcome)
    );
    vec![Err(why); records.len()]
}

/// Runs the records; if the process fails, halves the set until the failing cases are
/// found (within `budget` extra processes), so one bad case costs only its own result.
fn run_bisecting(
    qemu: &Path,
    runner: Runner,
    program: &Path,
    records: &[&[u8]],
    budget: &mut u32,
) -> Outputs {
    let outputs = run_records(qemu, runner, program, records);
    if records.len() == 1 || outputs.iter().all(Result::is_ok) || *budget == 0 {
        return outputs;
    }
    let (left, right) = records.split_at(records.len() / 2);
    let mut result = Vec::with_capacity(records.len());
    for half in [left, right] {
        *budget = budget.saturating_sub(1);
        result.extend(run_bisecting(qemu, runner, program, half, budget));
    }
    result
}

/// Per-encoding counts.
#[derive(Clone, Default)]
struct Tally {
    cases: u64,
    mismatches: [u64; 2],
    oracle_failures: u64,
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
    let ours = match emu_arm::decode::decode(case.word).kind {
        emu_arm::decode::Kind::FpSimd(op) => emu_arm::decode::fp_simd::disas(op, case.word),
        other => format!("{other:?}"),
    };
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
        "{} [{:?}] {:08x} ({ours}{theirs}), {}, NZCV {:x}, {}:\n{inputs}{detail}",
        encoding.key,
        encoding.class,
        case.word,
        fpcr_text(case.fpcr),
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
        let class = format!("{:?}", encoding.class);
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
         qemu-aarch64 in X0-X30, NZCV, FPSR, FPCR or V0-V31, and cases qemu-aarch64 \
         would not run.\n\n",
    );
    text.push_str(&summary);
    text.push_str(
        "\n| decoder class | encoding | opcode patterns | cases | interp | jit | qemu failed |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    for (encoding, tally) in encodings.iter().zip(tallies) {
        text.push_str(&format!(
            "| {:?} | `{}` | {} | {} | {} | {} | {} |\n",
            encoding.class,
            encoding.key,
            encoding.words.len(),
            tally.cases,
            tally.mismatches[0],
            tally.mismatches[1],
            tally.oracle_failures
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
    let batches: Vec<&[Plan]> = plan.chunks(harness.slots).collect();
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
                    // Cases with the same instruction (an instance under each FPCR) share
                    // a slot, so the JIT tier compiles each instruction once.
                    let mut binary = harness.bytes.clone();
                    let mut records = Vec::with_capacity(cases.len());
                    let mut slot_of = std::collections::HashMap::new();
                    for case in &cases {
                        let next = slot_of.len();
                        let slot = *slot_of.entry(case.word).or_insert(next);
                        let at = harness.slots_file_offset + 8 * slot;
                        binary[at..at + 4].copy_from_slice(&case.word.to_le_bytes());
                        records.push(record(case, harness.slots_address + 8 * slot as u64));
                    }
                    std::fs::write(&program, &binary).expect("temp dir is writable");
                    std::fs::set_permissions(
                        &program,
                        std::os::unix::fs::PermissionsExt::from_mode(0o755),
                    )
                    .expect("temp file permissions can be set");
                    let views: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
                    let mut budget = BISECT_BUDGET;
                    let expected = run_bisecting(qemu, Runner::Qemu, &program, &views, &mut budget);
                    let mut tiers = Vec::new();
                    for tier in [Runner::Interp, Runner::Jit] {
                        let mut budget = BISECT_BUDGET;
                        tiers.push((
                            tier,
                            run_bisecting(qemu, tier, &program, &views, &mut budget),
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
            encodings.iter().any(|e| e.class == line.kind),
            "no encoding of {:?} ({})",
            line.kind,
            line.text
        );
    }
    let mut keys: Vec<&str> = encodings.iter().map(|e| e.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), encodings.len(), "encoding names are unique");
    for encoding in &encodings {
        for &word in &encoding.words {
            assert!(
                matches!(
                    emu_arm::decode::decode(word).kind,
                    emu_arm::decode::Kind::FpSimd(op) if op == encoding.class
                ),
                "{:08x} of {} does not decode as {:?}",
                word,
                encoding.key,
                encoding.class
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
            Op::SimdTbl => numbers.extend([(n + 1) % 32, (n + 2) % 32, (n + 3) % 32]),
            Op::SimdByElem | Op::ScalarByElem => numbers.push(n ^ 16),
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
        let settings = fpcr_settings(encoding.uses_ahp);
        for instance in 0..EXPECTED_PER_ENCODING {
            let pick = fnv1a(&format!("{}#{instance}", encoding.key)) as usize % settings.len();
            let mut case = make_case(encoding, index, DEFAULT_SEED, instance, settings[pick]);
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
    for chunk in cases.chunks(harness.slots) {
        let mut binary = harness.bytes.clone();
        let mut records = Vec::new();
        for (slot, case) in chunk.iter().enumerate() {
            let at = harness.slots_file_offset + 8 * slot;
            binary[at..at + 4].copy_from_slice(&case.word.to_le_bytes());
            records.push(record(case, harness.slots_address + 8 * slot as u64));
        }
        std::fs::write(&program, &binary).expect("temp dir is writable");
        std::fs::set_permissions(
            &program,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("temp file permissions can be set");
        let views: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let outputs = run_records(&qemu, Runner::Qemu, &program, &views);
        for ((case, input), output) in chunk.iter().zip(&records).zip(outputs) {
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
                    match emu_arm::decode::decode(case.word).kind {
                        emu_arm::decode::Kind::FpSimd(op) => {
                            emu_arm::decode::fp_simd::disas(op, case.word)
                        }
                        _ => String::new(),
                    },
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
