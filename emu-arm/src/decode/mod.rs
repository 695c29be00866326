//! The A64 decoder: a declarative pattern table, one file per encoding group of the Arm ARM
//! (C4.1 "A64 instruction set encoding").
//!
//! Each table line is a 32-bit pattern, most significant bit first, written with
//! - `0`/`1`: fixed bits; `x`: a bit that does not matter;
//! - `name:N`: a named field of N bits (any value; the semantics extract it);
//! - `name=0101`: a named field with fixed bits (documents what the bits mean);
//!
//! e.g. `"sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5"`. The pattern is parsed at compile
//! time into a mask and value (a pattern that is not 32 bits long fails the build). Within a
//! group the first matching line wins, so more specific lines come first. An optional check
//! function rejects encodings the pattern cannot express (e.g. "unallocated if sf=0 and
//! N=1"); a rejected or unmatched word decodes to [`Kind::Undefined`], which raises UNDEF.

/// Declares an operation enum together with `ALL`, its operations in declaration order,
/// so that `ALL[op as usize] == op` (the interpreter's dispatch tables are indexed by
/// `op as usize` and sized by `ALL.len()`, so a new operation cannot be missed there).
macro_rules! operations {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }
        impl $name {
            /// Every operation, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
        }
    };
}

pub mod branch;
pub mod dp_imm;
pub mod dp_reg;
pub mod fp_simd;
pub mod ldst;
pub mod system;

/// One line of a decode table.
#[derive(Clone, Copy, Debug)]
pub struct Pat<K: 'static> {
    pub text: &'static str,
    pub mask: u32,
    pub value: u32,
    pub kind: K,
    /// Extra validity condition on the raw word (true = allocated).
    pub check: Option<fn(u32) -> bool>,
}

/// Parses a pattern at compile time.
pub const fn pat<K: Copy>(text: &'static str, kind: K) -> Pat<K> {
    let b = text.as_bytes();
    let mut mask = 0u32;
    let mut value = 0u32;
    let mut bit: i32 = 31;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' {
            i += 1;
            continue;
        }
        // Scan one token.
        let start = i;
        while i < b.len() && b[i] != b' ' {
            i += 1;
        }
        let end = i;
        // Find ':' or '=' in the token.
        let mut sep = start;
        while sep < end && b[sep] != b':' && b[sep] != b'=' {
            sep += 1;
        }
        if sep == end {
            // A run of 0/1/x.
            let mut j = start;
            while j < end {
                if bit < 0 {
                    panic!("decode pattern longer than 32 bits");
                }
                match b[j] {
                    b'0' => mask |= 1 << bit,
                    b'1' => {
                        mask |= 1 << bit;
                        value |= 1 << bit;
                    }
                    b'x' => {}
                    _ => panic!("bad character in decode pattern"),
                }
                bit -= 1;
                j += 1;
            }
        } else if b[sep] == b':' {
            let mut n: i32 = 0;
            let mut j = sep + 1;
            while j < end {
                let d = b[j];
                if d < b'0' || d > b'9' {
                    panic!("bad field width in decode pattern");
                }
                n = n * 10 + (d - b'0') as i32;
                j += 1;
            }
            if n == 0 {
                panic!("zero-width field in decode pattern");
            }
            bit -= n;
            if bit < -1 {
                panic!("decode pattern longer than 32 bits");
            }
        } else {
            let mut j = sep + 1;
            while j < end {
                if bit < 0 {
                    panic!("decode pattern longer than 32 bits");
                }
                match b[j] {
                    b'0' => mask |= 1 << bit,
                    b'1' => {
                        mask |= 1 << bit;
                        value |= 1 << bit;
                    }
                    b'x' => {}
                    _ => panic!("bad bit in named fixed field"),
                }
                bit -= 1;
                j += 1;
            }
        }
    }
    if bit != -1 {
        panic!("decode pattern shorter than 32 bits");
    }
    Pat {
        text,
        mask,
        value,
        kind,
        check: None,
    }
}

/// A pattern with an extra validity check.
pub const fn pat_if<K: Copy>(text: &'static str, kind: K, check: fn(u32) -> bool) -> Pat<K> {
    let mut p = pat(text, kind);
    p.check = Some(check);
    p
}

/// First matching line of a group table.
pub fn scan<K: Copy>(table: &[Pat<K>], raw: u32) -> Option<K> {
    table
        .iter()
        .find(|p| raw & p.mask == p.value && p.check.is_none_or(|c| c(raw)))
        .map(|p| p.kind)
}

/// A decoded instruction: the group and operation, plus the raw word the semantics read
/// their fields from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub raw: u32,
    pub kind: Kind,
    /// The interpreter's handler for `kind` (see `sem::interp`), found once here.
    pub handler: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Undefined,
    DpImm(dp_imm::Op),
    DpReg(dp_reg::Op),
    Branch(branch::Op),
    System(system::Op),
    LdSt(ldst::Op),
    FpSimd(fp_simd::Op),
}

/// Decodes one A64 instruction word.
pub fn decode(raw: u32) -> Insn {
    let op0 = (raw >> 25) & 0xf;
    let kind = match op0 {
        0b1000 | 0b1001 => dp_imm::decode(raw).map(Kind::DpImm),
        0b1010 | 0b1011 => branch::decode(raw)
            .map(Kind::Branch)
            .or_else(|| system::decode(raw).map(Kind::System)),
        0b0101 | 0b1101 => dp_reg::decode(raw).map(Kind::DpReg),
        0b0111 | 0b1111 => fp_simd::decode(raw).map(Kind::FpSimd),
        _ if op0 & 0b0101 == 0b0100 => ldst::decode(raw).map(Kind::LdSt),
        _ => None,
    };
    let kind = kind.unwrap_or(Kind::Undefined);
    Insn {
        raw,
        kind,
        handler: crate::sem::interp::handler_index(kind, raw),
    }
}

/// Bits `hi..=lo` of `raw`.
#[inline(always)]
pub const fn bits(raw: u32, hi: u32, lo: u32) -> u32 {
    (raw >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}
#[inline(always)]
pub const fn bit(raw: u32, n: u32) -> bool {
    (raw >> n) & 1 != 0
}
/// Common register fields.
#[inline(always)]
pub const fn rd(raw: u32) -> u32 {
    bits(raw, 4, 0)
}
#[inline(always)]
pub const fn rn(raw: u32) -> u32 {
    bits(raw, 9, 5)
}
#[inline(always)]
pub const fn rm(raw: u32) -> u32 {
    bits(raw, 20, 16)
}
#[inline(always)]
pub const fn ra(raw: u32) -> u32 {
    bits(raw, 14, 10)
}
/// Sign-extends the low `width` bits of `v`.
#[inline(always)]
pub const fn sext(v: u64, width: u32) -> u64 {
    (((v << (64 - width)) as i64) >> (64 - width)) as u64
}

/// Every table, for coverage reports and the decoder tests: (group, pattern text, kind name).
pub fn all_patterns() -> Vec<(&'static str, &'static str, String)> {
    fn add<K: Copy + std::fmt::Debug>(
        out: &mut Vec<(&'static str, &'static str, String)>,
        g: &'static str,
        t: &[Pat<K>],
    ) {
        out.extend(t.iter().map(|p| (g, p.text, format!("{:?}", p.kind))));
    }
    let mut out = Vec::new();
    add(&mut out, "dp_imm", dp_imm::TABLE);
    add(&mut out, "dp_reg", dp_reg::TABLE);
    add(&mut out, "branch", branch::TABLE);
    add(&mut out, "system", system::TABLE);
    add(&mut out, "ldst", ldst::TABLE);
    add(&mut out, "fp_simd", fp_simd::TABLE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_parsing() {
        let p = pat("sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5", 0u8);
        assert_eq!(p.mask, 0x1f80_0000);
        assert_eq!(p.value, 0x1100_0000);
        let q = pat("1101 0100 opc=000 imm16:16 op2=000 LL=01", 0u8);
        assert_eq!(q.mask, 0xffe0_001f);
        assert_eq!(q.value, 0xd400_0001);
    }

    #[test]
    fn decode_never_panics() {
        // A deterministic sweep over a spread of words (the fuzz target does the rest).
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let _ = decode(x);
        }
    }
}
