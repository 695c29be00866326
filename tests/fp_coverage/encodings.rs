//! The list of FP/SIMD/crypto encodings, taken from the decoder's own pattern tables so
//! that nothing the decoder accepts can be left out of the differential suite: every line
//! of `emu_arm::decode::fp_simd::TABLE`, and the lines of `emu_arm::decode::ldst::TABLE`
//! that move SIMD&FP registers (LD1-LD4/ST1-ST4 multiple and single structure, LD1R-LD4R,
//! and LDR/STR/LDUR/STUR/LDP/STP/LDNP/STNP/LDR literal of B/H/S/D/Q registers).
//!
//! For every table line, every combination of its non-register bits is tried (register
//! fields held at distinct canonical numbers); each word the full decoder accepts is
//! disassembled and the text, with register numbers and immediates normalised away, is
//! its *encoding*: `fadd v.4s, v.4s, v.4s`, `fcvtzs w, d, #imm`, `sqshl b, b, #imm`. So an
//! encoding is a mnemonic with one operand shape (arrangement, element size, register
//! kinds), and it keeps every opcode-bit pattern that prints that way (e.g. all cmode
//! values of one MOVI form) to draw random instances from.

use emu_arm::decode::{self, fp_simd, ldst, Kind};
use std::collections::HashMap;

/// The decoder table line an encoding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    FpSimd(fp_simd::Op),
    LdSt(ldst::Op),
}

impl Class {
    /// The decoder's name for the class, as the report prints it.
    pub fn name(self) -> String {
        match self {
            Class::FpSimd(op) => format!("{op:?}"),
            Class::LdSt(op) => format!("LdSt::{op:?}"),
        }
    }
}

/// An address-forming immediate of a load/store, kept small so every access stays in the
/// case's scratch memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offset {
    /// imm12, scaled by the access size: 0-7.
    Unsigned12,
    /// imm9, signed bytes: -128..=127.
    Signed9,
    /// imm7, signed and scaled by the register size: -4..=3.
    Signed7,
    /// imm19 of LDR (literal): 0-63 words ahead, inside the harness's code.
    Literal19,
}

/// How a load/store finds its address: fields the instance generator must constrain.
#[derive(Clone, Debug)]
pub struct Addressing {
    /// Rn: the base, set to the middle of the case's scratch memory.
    pub base: Option<RegField>,
    /// Rm: a register offset (small non-negative values) or post-index increment.
    pub index: Option<RegField>,
    /// Rt2 of a pair, which must differ from Rt for loads.
    pub pair: Option<(RegField, RegField)>,
    pub offsets: Vec<(Offset, RegField)>,
}

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
    pub class: Class,
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
    /// For loads and stores: how the address is formed.
    pub memory: Option<Addressing>,
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
    matches!(name, "Rd" | "Rn" | "Rm" | "Ra" | "Rt" | "Rt2")
}

fn offset_kind(name: &str) -> Option<Offset> {
    match name {
        "imm12" => Some(Offset::Unsigned12),
        "imm9" => Some(Offset::Signed9),
        "imm7" => Some(Offset::Signed7),
        "imm19" => Some(Offset::Literal19),
        _ => None,
    }
}

/// Canonical distinct register numbers, so that register-dependent aliases (ORR with
/// Rn = Rm prints as MOV) do not decide the encoding's name. Offsets print as 1.
fn canonical_value(name: &str) -> u32 {
    match name {
        "Rd" | "Rt" => 0,
        "Rn" => 1,
        "Rm" => 2,
        "Ra" | "Rt2" => 3,
        _ => 1,
    }
}

/// The load/store table lines that move SIMD&FP registers.
fn is_simd_memory(op: ldst::Op, word: u32) -> bool {
    use ldst::Op::*;
    let vector_register = word >> 26 & 1 == 1;
    match op {
        SimdMultiple | SimdSingle => true,
        LoadLiteral | Pair | UnsignedImm | Unscaled | PostIndex | PreIndex | RegOffset => {
            vector_register
        }
        _ => false,
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
        } else if c == '[' && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            // A lane index (a memory operand's bracket is kept).
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

/// Our disassembly of an FP/SIMD or load/store word (objdump syntax; PC-relative
/// addresses as if at 0).
pub fn disassemble(word: u32) -> String {
    match decode::decode(word).kind {
        Kind::FpSimd(op) => fp_simd::disas(op, word),
        Kind::LdSt(op) => ldst::disas(op, word, 0),
        other => format!("{other:?}"),
    }
}

/// One decoder table line to enumerate.
struct Line {
    text: &'static str,
    mask: u32,
    value: u32,
    class: Class,
}

/// Every encoding the decoder accepts in the FP/SIMD/crypto table and the SIMD&FP lines
/// of the load/store table, in table order.
pub fn all_encodings() -> Vec<Encoding> {
    let lines = fp_simd::TABLE
        .iter()
        .map(|p| Line {
            text: p.text,
            mask: p.mask,
            value: p.value,
            class: Class::FpSimd(p.kind),
        })
        .chain(ldst::TABLE.iter().map(|p| Line {
            text: p.text,
            mask: p.mask,
            value: p.value,
            class: Class::LdSt(p.kind),
        }));
    let mut encodings: Vec<Encoding> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for line in lines {
        let fields = pattern_fields(line.text);
        let memory_line = matches!(line.class, Class::LdSt(_));
        let mut operand_mask = 0u32;
        let mut canonical = 0u32;
        let mut registers = Vec::new();
        let mut addressing = Addressing {
            base: None,
            index: None,
            pair: None,
            offsets: Vec::new(),
        };
        let mut rt = None;
        for &(name, lo, width) in &fields {
            let field = RegField { lo, width };
            let offset = if memory_line { offset_kind(name) } else { None };
            if !is_register_field(name) && offset.is_none() {
                continue;
            }
            let mask = ((1u64 << width) - 1) as u32;
            operand_mask |= mask << lo;
            canonical |= (canonical_value(name) & mask) << lo;
            match (name, offset) {
                (_, Some(kind)) => addressing.offsets.push((kind, field)),
                ("Rn", _) if memory_line => addressing.base = Some(field),
                ("Rm", _) if memory_line => addressing.index = Some(field),
                ("Rt", _) => {
                    rt = Some(field);
                    registers.push(field);
                }
                ("Rt2", _) => {
                    addressing.pair = rt.map(|first| (first, field));
                    registers.push(field);
                }
                _ => registers.push(field),
            }
        }
        // Post-index structure loads/stores with Rm = 31 are the immediate form, another
        // encoding: enumerate that value of Rm as an opcode bit pattern of its own.
        let index_variants: Vec<Option<u32>> = match (line.class, addressing.index) {
            (Class::LdSt(ldst::Op::SimdMultiple | ldst::Op::SimdSingle), Some(index)) => {
                vec![None, Some(31 << index.lo)]
            }
            _ => vec![None],
        };
        let free = !line.mask & !operand_mask;
        for fixed_index in index_variants {
            let canonical = match (fixed_index, addressing.index) {
                (Some(bits), Some(index)) => (canonical & !(31 << index.lo)) | bits,
                _ => canonical,
            };
            let kept = fixed_index.unwrap_or(0);
            // Every subset of the free bits (the standard submask walk).
            let mut subset: u32 = 0;
            loop {
                let word = line.value | subset | canonical;
                let insn = decode::decode(word);
                let accepted = match (insn.kind, line.class) {
                    (Kind::FpSimd(op), Class::FpSimd(kind)) => op == kind,
                    (Kind::LdSt(op), Class::LdSt(kind)) => op == kind && is_simd_memory(op, word),
                    _ => false,
                };
                // A word an earlier table line claims belongs to that line's encoding.
                if accepted {
                    let key = normalise(&disassemble(word));
                    let bare = (word & !operand_mask) | kept;
                    let at = *index_of.entry(key.clone()).or_insert_with(|| {
                        let sizes = operand_element_bits(&key);
                        let mnemonic = key.split(' ').next().unwrap_or("");
                        encodings.push(Encoding {
                            uses_ahp: mnemonic.starts_with("fcvt") && sizes.contains(&16),
                            dest_bits: sizes.first().copied(),
                            source_bits: sizes.last().copied(),
                            key,
                            class: line.class,
                            words: Vec::new(),
                            registers: registers.clone(),
                            memory: memory_line.then(|| addressing.clone()),
                        });
                        encodings.len() - 1
                    });
                    encodings[at].words.push(bare);
                }
                subset = subset.wrapping_sub(free) & free;
                if subset == 0 {
                    break;
                }
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
        assert_eq!(
            normalise("ld4 {v0.s-v3.s}[1], [x1], x2"),
            "ld4 {v.s-v.s}[i], [x], x"
        );
        assert_eq!(
            normalise("ldr q0, [x1, x2, lsl #4]"),
            "ldr q, [x, x, lsl #imm]"
        );
        assert_eq!(operand_element_bits("fcvtl v.2d, v.2s"), vec![64, 32]);
        assert_eq!(operand_element_bits("fmov x, v.d[i]"), vec![64]);
    }
}
