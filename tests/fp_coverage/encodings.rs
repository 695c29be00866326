//! The list of FP/SIMD/crypto encodings, taken from the decoder's own pattern table
//! (`emu_arm::decode::fp_simd::TABLE`) so that nothing the decoder accepts can be left
//! out of the differential suite.
//!
//! For every table line, every combination of its non-register bits is tried (register
//! fields held at distinct canonical numbers); each word the full decoder accepts is
//! disassembled and the text, with register numbers and immediates normalised away, is
//! its *encoding*: `fadd v.4s, v.4s, v.4s`, `fcvtzs w, d, #imm`, `sqshl b, b, #imm`. So an
//! encoding is a mnemonic with one operand shape (arrangement, element size, register
//! kinds), and it keeps every opcode-bit pattern that prints that way (e.g. all cmode
//! values of one MOVI form) to draw random instances from.

use emu_arm::decode::fp_simd::{self, Op, TABLE};
use emu_arm::decode::{self, Kind};
use std::collections::HashMap;

/// A register field of a table line: bit position and width.
#[derive(Clone, Copy, Debug)]
pub struct RegField {
    pub lo: u32,
    pub width: u32,
}

/// One encoding: its normalised disassembly and the words (register fields zero) that
/// print as it.
pub struct Encoding {
    pub key: String,
    pub class: Op,
    /// Words with every register field zero.
    pub words: Vec<u32>,
    /// The register fields of the table line the words come from.
    pub registers: Vec<RegField>,
    /// Element size in bits of the first (destination) and last (source) FP/SIMD
    /// operand, or None for general registers only.
    pub dest_bits: Option<u32>,
    pub source_bits: Option<u32>,
    /// Whether FPCR.AHP can change the result: a conversion to or from half precision.
    pub uses_ahp: bool,
}

/// Named fields of a decode pattern, as (name, lowest bit, width).
fn pattern_fields(text: &str) -> Vec<(&str, u32, u32)> {
    let mut fields = Vec::new();
    let mut next_bit: i32 = 32;
    for token in text.split_whitespace() {
        if let Some((name, width)) = token.split_once(':') {
            let width: i32 = width.parse().unwrap_or(0);
            next_bit -= width;
            fields.push((name, next_bit as u32, width as u32));
        } else if let Some((_, fixed)) = token.split_once('=') {
            next_bit -= fixed.len() as i32;
        } else {
            next_bit -= token.len() as i32;
        }
    }
    fields
}

fn is_register_field(name: &str) -> bool {
    matches!(name, "Rd" | "Rn" | "Rm" | "Ra")
}

/// Canonical distinct register numbers, so that register-dependent aliases (ORR with
/// Rn = Rm prints as MOV) do not decide the encoding's name.
fn canonical_register(name: &str) -> u32 {
    match name {
        "Rd" => 0,
        "Rn" => 1,
        "Rm" => 2,
        _ => 3,
    }
}

const CONDITIONS: [&str; 16] = [
    "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv",
];

/// `fmla v3.4s, v1.4s, v2.s[3]` -> `fmla v.4s, v.4s, v.s[i]`; immediates become `#imm`,
/// conditions `cond`.
pub fn normalise(text: &str) -> String {
    let (mnemonic, operands) = text.split_once(' ').unwrap_or((text, ""));
    let mut out = String::from(mnemonic);
    if operands.is_empty() {
        return out;
    }
    out.push(' ');
    let chars: Vec<char> = operands.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let previous_is_word = i > 0 && (chars[i - 1].is_ascii_alphanumeric());
        if c == '#' {
            // An immediate runs to the next separator.
            out.push_str("#imm");
            i += 1;
            while i < chars.len() && !matches!(chars[i], ',' | ' ' | '}' | ']') {
                i += 1;
            }
        } else if c == '[' {
            out.push_str("[i]");
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
            i += 1;
        } else if c.is_ascii_alphabetic() && !previous_is_word {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let letters = word.trim_end_matches(|d: char| d.is_ascii_digit());
            if CONDITIONS.contains(&word.as_str()) {
                out.push_str("cond");
            } else if letters.len() == 1 && letters.len() < word.len() {
                out.push_str(letters); // v12 -> v, d3 -> d, w0 -> w
            } else if word == "wzr" || word == "xzr" {
                out.push_str(&word[..1]);
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Element sizes of the FP/SIMD operands of a normalised text, in order.
fn operand_element_bits(key: &str) -> Vec<u32> {
    let (_, operands) = key.split_once(' ').unwrap_or((key, ""));
    let size_of = |c: char| match c {
        'b' => Some(8),
        'h' => Some(16),
        's' => Some(32),
        'd' => Some(64),
        'q' => Some(128),
        _ => None,
    };
    let mut sizes = Vec::new();
    for operand in operands.split([',', '{', '}', '-']) {
        let operand = operand.trim();
        if let Some(rest) = operand.strip_prefix("v.") {
            // v.4s, v.s[i], v.16b
            if let Some(size) = rest
                .chars()
                .find(|c| c.is_ascii_alphabetic())
                .and_then(size_of)
            {
                sizes.push(size);
            }
        } else if operand.len() == 1 {
            if let Some(size) = operand.chars().next().and_then(size_of) {
                sizes.push(size);
            }
        }
    }
    sizes
}

/// Every encoding the decoder accepts in the FP/SIMD/crypto table, in table order.
pub fn all_encodings() -> Vec<Encoding> {
    let mut encodings: Vec<Encoding> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for line in TABLE {
        let fields = pattern_fields(line.text);
        let mut register_mask = 0u32;
        let mut canonical = 0u32;
        let mut registers = Vec::new();
        for &(name, lo, width) in &fields {
            if is_register_field(name) {
                let mask = ((1u64 << width) - 1) as u32;
                register_mask |= mask << lo;
                canonical |= (canonical_register(name) & mask) << lo;
                registers.push(RegField { lo, width });
            }
        }
        let free = !line.mask & !register_mask;
        // Every subset of the free bits (the standard submask walk).
        let mut subset: u32 = 0;
        loop {
            let word = line.value | subset | canonical;
            if let Kind::FpSimd(op) = decode::decode(word).kind {
                // A word an earlier table line claims belongs to that line's encoding.
                if op == line.kind {
                    let key = normalise(&fp_simd::disas(op, word));
                    let bare = word & !register_mask;
                    let at = *index_of.entry(key.clone()).or_insert_with(|| {
                        let sizes = operand_element_bits(&key);
                        let mnemonic = key.split(' ').next().unwrap_or("");
                        encodings.push(Encoding {
                            uses_ahp: mnemonic.starts_with("fcvt") && sizes.contains(&16),
                            dest_bits: sizes.first().copied(),
                            source_bits: sizes.last().copied(),
                            key,
                            class: op,
                            words: Vec::new(),
                            registers: registers.clone(),
                        });
                        encodings.len() - 1
                    });
                    encodings[at].words.push(bare);
                }
            }
            subset = subset.wrapping_sub(free) & free;
            if subset == 0 {
                break;
            }
        }
    }
    encodings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_operands() {
        assert_eq!(
            normalise("fmla v3.4s, v1.4s, v2.s[3]"),
            "fmla v.4s, v.4s, v.s[i]"
        );
        assert_eq!(normalise("fcvtzs w0, d1, #5"), "fcvtzs w, d, #imm");
        assert_eq!(normalise("fcsel s0, s1, s2, hi"), "fcsel s, s, s, cond");
        assert_eq!(
            normalise("tbl v0.8b, {v1.16b-v3.16b}, v7.8b"),
            "tbl v.8b, {v.16b-v.16b}, v.8b"
        );
        assert_eq!(
            normalise("movi v0.4s, #0x12, lsl #8"),
            "movi v.4s, #imm, lsl #imm"
        );
        assert_eq!(operand_element_bits("fcvtl v.2d, v.2s"), vec![64, 32]);
        assert_eq!(operand_element_bits("fmov x, v.d[i]"), vec![64]);
    }
}
