//! The committed expected-output cases (tests/fp_coverage/expected.txt): for every
//! FP/SIMD/crypto encoding, cases whose results were recorded under qemu-aarch64 by
//! `fp_coverage.rs` (`record_expected_cases`, an ignored test), and checked without QEMU
//! by `fp_expected.rs`.
//!
//! One case per line:
//! `WORD FPCR NZCV | in REG=VALUE... | out nzcv=N fpsr=F REG=VALUE... # disassembly`
//! where REG is `xN` (64-bit hex) or `vN` (`hi:lo`, two 64-bit hex halves). Registers
//! not listed under `in` start at zero (FPSR too); `out` lists NZCV, FPSR and every
//! register whose value changed. The comment is the disassembly, then
//! [`ENCODING_MARK`] and the encoding's name in the coverage report.

/// Separates the disassembly from the encoding name in a case's comment.
pub const ENCODING_MARK: &str = " @ ";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedCase {
    pub word: u32,
    pub fpcr: u64,
    pub nzcv: u64,
    pub x_in: Vec<(usize, u64)>,
    pub v_in: Vec<(usize, [u64; 2])>,
    pub out_nzcv: u64,
    pub out_fpsr: u64,
    pub x_out: Vec<(usize, u64)>,
    pub v_out: Vec<(usize, [u64; 2])>,
    pub comment: String,
}

fn registers_text(x: &[(usize, u64)], v: &[(usize, [u64; 2])]) -> String {
    let mut parts: Vec<String> = x
        .iter()
        .map(|(n, value)| format!("x{n}={value:x}"))
        .collect();
    parts.extend(v.iter().map(|(n, [lo, hi])| format!("v{n}={hi:x}:{lo:x}")));
    parts.join(" ")
}

impl ExpectedCase {
    pub fn to_line(&self) -> String {
        format!(
            "{:08x} {:x} {:x} | in {} | out nzcv={:x} fpsr={:x} {} # {}",
            self.word,
            self.fpcr,
            self.nzcv,
            registers_text(&self.x_in, &self.v_in),
            self.out_nzcv,
            self.out_fpsr,
            registers_text(&self.x_out, &self.v_out),
            self.comment
        )
    }

    /// Parses one line; Err says what is wrong with it.
    pub fn parse(line: &str) -> Result<ExpectedCase, String> {
        let hex = |text: &str| u64::from_str_radix(text, 16).map_err(|e| format!("{text:?}: {e}"));
        let (body, comment) = line.split_once(" # ").unwrap_or((line, ""));
        let mut sections = body.split(" | ");
        let head: Vec<&str> = sections.next().unwrap_or("").split_whitespace().collect();
        let [word, fpcr, nzcv] = head[..] else {
            return Err("expected WORD FPCR NZCV".into());
        };
        let mut case = ExpectedCase {
            word: u32::try_from(hex(word)?).map_err(|e| e.to_string())?,
            fpcr: hex(fpcr)?,
            nzcv: hex(nzcv)?,
            comment: comment.to_string(),
            ..ExpectedCase::default()
        };
        for (section, is_output) in [(sections.next(), false), (sections.next(), true)] {
            let section = section.ok_or("missing section")?;
            let mut tokens = section.split_whitespace();
            let expected_tag = if is_output { "out" } else { "in" };
            if tokens.next() != Some(expected_tag) {
                return Err(format!("section should start with {expected_tag}"));
            }
            for token in tokens {
                let (name, value) = token.split_once('=').ok_or("REG=VALUE expected")?;
                match (name, is_output) {
                    ("nzcv", true) => case.out_nzcv = hex(value)?,
                    ("fpsr", true) => case.out_fpsr = hex(value)?,
                    _ => {
                        let index: usize = name[1..]
                            .parse()
                            .map_err(|_| format!("bad register {name}"))?;
                        if name.starts_with('x') && index < 31 {
                            let list = if is_output {
                                &mut case.x_out
                            } else {
                                &mut case.x_in
                            };
                            list.push((index, hex(value)?));
                        } else if name.starts_with('v') && index < 32 {
                            let (hi, lo) = value.split_once(':').ok_or("v value is hi:lo")?;
                            let list = if is_output {
                                &mut case.v_out
                            } else {
                                &mut case.v_in
                            };
                            list.push((index, [hex(lo)?, hex(hi)?]));
                        } else {
                            return Err(format!("bad register {name}"));
                        }
                    }
                }
            }
        }
        Ok(case)
    }
}
