//! Comparing and reporting: per-encoding tallies, readable differences, and the
//! coverage report (target/fp-coverage.md).

use super::*;

/// Per-encoding counts.
#[derive(Clone, Default)]
pub struct Tally {
    pub cases: u64,
    pub mismatches: [u64; 2],
    pub oracle_failures: u64,
    /// Cases where emu follows the Arm ARM and QEMU 7.2 does not (per tier): not counted
    /// as mismatches.
    pub oracle_bugs: [u64; 2],
}

/// FJCVTZS of a positive denormal under FPCR.FZ: the Arm ARM's `FPToFixedJS` flushes it
/// and clears Z ("sign == '0' && value == 0.0 && !IsZero(op<51:0>)"); QEMU 7.2 sets Z,
/// treating the flushed input as an exact +0. True only when that is the whole
/// difference: everything equal but Z, which QEMU sets and emu clears.
pub fn qemu_7_2_fjcvtzs_bug(
    encoding: &Encoding,
    case: &Case,
    expected: &[u8],
    actual: &[u8],
) -> bool {
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

pub fn output_word_name(index: usize) -> String {
    match index {
        0..=30 => format!("x{index}"),
        31 => "nzcv".into(),
        32 => "fpsr".into(),
        _ => "fpcr".into(),
    }
}

pub fn word_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// The differing registers, side by side.
pub fn describe_difference(expected: &[u8], actual: &[u8]) -> String {
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

pub fn fpcr_text(fpcr: u64) -> String {
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
pub fn objdump(word: u32, dir: &Path) -> Option<String> {
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

pub fn mismatch_report(
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

pub fn write_report(
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
