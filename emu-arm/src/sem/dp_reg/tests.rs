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
