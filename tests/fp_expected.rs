//! Committed expected results for every FP/SIMD/crypto encoding, checked without QEMU:
//! each case of tests/fp_coverage/expected.txt (recorded under qemu-aarch64 by
//! fp_coverage.rs) runs in-process on a bare CPU in the interpreter and in the JIT, and
//! X0-X30, NZCV, FPSR and V0-V31 must equal the recording bit for bit. Together with
//! fp_coverage.rs's check that the file names every encoding the decoder accepts, this
//! keeps the whole FP/SIMD ISA under test on machines without qemu-aarch64.

// Only the encoding list is needed here, not everything the module offers.
#[path = "fp_coverage/encodings.rs"]
#[allow(dead_code)]
mod encodings;
// Reading only: the writer half is fp_coverage.rs's.
#[path = "fp_coverage/expected_file.rs"]
#[allow(dead_code)]
mod expected_file;

use emu_arm::exits;
use emu_arm::testkit::{run_words, Tier, BRK0};
use expected_file::ExpectedCase;

fn load_cases() -> Vec<ExpectedCase> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fp_coverage/expected.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(number, line)| {
            ExpectedCase::parse(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), number + 1))
        })
        .collect()
}

/// Runs one case in one tier; None when it matches, else what differs.
fn check(case: &ExpectedCase, tier: Tier) -> Option<String> {
    let (cpu, exit) = run_words(&[case.word, BRK0], tier, |cpu| {
        cpu.x[..31].fill(0);
        for &(n, value) in &case.x_in {
            cpu.x[n] = value;
        }
        for &(n, value) in &case.v_in {
            cpu.vreg[n] = value;
        }
        cpu.set_nzcv(case.nzcv);
        cpu.fpcr = case.fpcr;
        cpu.fpsr = 0;
    });
    let mut problems = Vec::new();
    if exit != exits::BRK {
        problems.push(format!("stopped with {} before the BRK", exits::name(exit)));
    }
    let mut x_expected = [0u64; 31];
    for &(n, value) in case.x_in.iter().chain(&case.x_out) {
        x_expected[n] = value;
    }
    let mut v_expected = [[0u64; 2]; 32];
    for &(n, value) in case.v_in.iter().chain(&case.v_out) {
        v_expected[n] = value;
    }
    for (n, &expected) in x_expected.iter().enumerate() {
        if cpu.x[n] != expected {
            problems.push(format!("x{n} {:016x}, expected {expected:016x}", cpu.x[n]));
        }
    }
    for (n, expected) in v_expected.iter().enumerate() {
        if cpu.vreg[n] != *expected {
            problems.push(format!(
                "v{n} {:016x}:{:016x}, expected {:016x}:{:016x}",
                cpu.vreg[n][1], cpu.vreg[n][0], expected[1], expected[0]
            ));
        }
    }
    if cpu.nzcv() != case.out_nzcv {
        problems.push(format!(
            "nzcv {:x}, expected {:x}",
            cpu.nzcv(),
            case.out_nzcv
        ));
    }
    if cpu.fpsr != case.out_fpsr {
        problems.push(format!("fpsr {:x}, expected {:x}", cpu.fpsr, case.out_fpsr));
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn run_tier(tier: Tier) {
    let cases = load_cases();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case, tier).map(|what| {
                format!(
                    "{:08x} ({}) FPCR {:x}: {what}",
                    case.word, case.comment, case.fpcr
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{tier:?}: {} of {} cases differ from the recording:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn recorded_results_interpreter() {
    run_tier(Tier::Interp);
}

#[test]
fn recorded_results_jit() {
    run_tier(Tier::Jit);
}

/// The recording covers every encoding the decoder accepts today (re-record with
/// `cargo test -p emu-tests --test fp_coverage -- --ignored record_expected_cases`).
#[test]
fn recording_covers_every_encoding() {
    let cases = load_cases();
    let recorded: std::collections::HashSet<String> = cases
        .iter()
        .filter_map(|case| case.comment.split_once(expected_file::ENCODING_MARK))
        .map(|(_, key)| key.to_string())
        .collect();
    // Loads and stores are not recorded here (see record_expected_cases).
    let missing: Vec<String> = encodings::all_encodings()
        .into_iter()
        .filter(|e| e.memory.is_none())
        .map(|e| e.key)
        .filter(|key| !recorded.contains(key))
        .collect();
    assert!(
        missing.is_empty(),
        "{} encodings have no recorded case: {}",
        missing.len(),
        missing.join("; ")
    );
}
