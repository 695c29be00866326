//! Per-encoding differential suite for the scalar FP, Advanced SIMD and crypto
//! instructions and the SIMD&FP loads and stores, with a coverage report.
//!
//! Every encoding the decoder accepts in its FP/SIMD/crypto table, and every SIMD&FP
//! line of its load/store table (listed by `encodings::all_encodings`, from the tables
//! themselves), gets INSTANCES random instances: random register fields, a random
//! opcode-bit pattern among those that print as that encoding (immediates, shift amounts,
//! lane indices, MOVI cmodes...), operand values weighted toward the FP special values
//! (`values.rs`), a random NZCV and half the time FPSR flags already set. Loads and stores
//! address a scratch area of the case's own record. Each instance runs under every FPCR
//! setting: 4 rounding modes x FZ x DN, and x AHP for conversions to and from half
//! precision. All cases run under qemu-aarch64 and under emu with `--tier interp` and
//! `--tier jit`, and X0-X30, NZCV, FPSR, FPCR, V0-V31 and the scratch memory after the
//! instruction must be identical bit for bit.
//!
//! The guest side is tests/guest/fp_batch_harness (see its .S): one process runs up to a
//! few thousand cases, each a single instruction patched into its own slot, with the
//! register state fed through stdin, so the whole suite needs only a few dozen processes.
//! Files: `encodings.rs` (the list), `cases.rs` and `values.rs` (generation), `runner.rs`
//! (the harness and processes), `report.rs` (comparison and the report),
//! `expected_file.rs` (the committed results that fp_expected.rs checks without QEMU).
//!
//! It writes target/fp-coverage.md (every encoding, the cases it ran, mismatches) and
//! prints a summary; it fails on any mismatch, showing the first few with disassembly and
//! the differing registers.
//!
//! Environment: EMU_FP_COVERAGE_INSTANCES=N (instances per encoding),
//! EMU_FP_COVERAGE_SEED=S, EMU_FP_COVERAGE_FILTER=text (only encodings whose text
//! contains it), EMU_FP_COVERAGE_JOBS=J (parallel workers, default 2).
//! Skipped, with a message, when qemu-aarch64 is not installed.

#[path = "fp_coverage/cases.rs"]
mod cases;
#[path = "fp_coverage/encodings.rs"]
mod encodings;
#[path = "fp_coverage/expected_file.rs"]
mod expected_file;
#[path = "fp_coverage/report.rs"]
mod report;
#[path = "fp_coverage/runner.rs"]
mod runner;
#[path = "fp_coverage/values.rs"]
mod values;

use cases::*;
use report::*;
use runner::*;

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
/// Mismatch reports kept in full (the counts cover everything).
const REPORTS_KEPT: usize = 12;
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
