//! Disassembly of the scalar FP and Advanced SIMD group in objdump syntax, with the
//! preferred aliases objdump prints (MOV for ORR/UMOV/INS/DUP, MVN, SXTL/UXTL, ...).
//! Operations come from the same identification functions as the decoder and semantics.

use super::Op;
use crate::decode::bits;

mod crypto;
mod scalar;
mod vector;

const CONDS: [&str; 16] = [
    "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv",
];

/// An FP immediate as objdump prints it (`%.18e`, signed two-digit exponent).
fn fp_imm_text(bits: u64, double: bool) -> String {
    let v = if double {
        f64::from_bits(bits)
    } else {
        f32::from_bits(bits as u32) as f64
    };
    let s = format!("{v:.18e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    format!("#{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// Scalar register of `es` bits: b, h, s, d, q.
fn sreg(es: u32, n: u32) -> String {
    let c = match es {
        8 => 'b',
        16 => 'h',
        32 => 's',
        64 => 'd',
        _ => 'q',
    };
    format!("{c}{n}")
}

/// General register: W/X, 31 = ZR.
fn greg(sf: bool, n: u32) -> String {
    match (sf, n) {
        (true, 31) => "xzr".into(),
        (false, 31) => "wzr".into(),
        (true, _) => format!("x{n}"),
        (false, _) => format!("w{n}"),
    }
}

/// Vector register with arrangement for `es`-bit lanes in 64 (`q` false) or 128 bits.
fn vreg(n: u32, es: u32, q: bool) -> String {
    let lanes = if q { 128 } else { 64 } / es;
    let c = match es {
        8 => 'b',
        16 => 'h',
        32 => 's',
        64 => 'd',
        _ => 'q',
    };
    format!("v{n}.{lanes}{c}")
}

fn elem(n: u32, es: u32, i: u32) -> String {
    let c = match es {
        8 => 'b',
        16 => 'h',
        32 => 's',
        _ => 'd',
    };
    format!("v{n}.{c}[{i}]")
}

fn ftype_es(raw: u32) -> u32 {
    match bits(raw, 23, 22) {
        0 => 32,
        1 => 64,
        _ => 16,
    }
}

pub fn disas(op: Op, raw: u32) -> String {
    crypto::crypto(op, raw)
        .or_else(|| scalar::scalar_fp(op, raw))
        .or_else(|| vector::simd(op, raw))
        .unwrap_or_else(|| format!("{op:?}"))
}

#[cfg(test)]
#[rustfmt::skip]
#[path = "../disas_cases.rs"]
mod disas_cases;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word of the instruction oracle tables prints exactly as objdump prints it.
    #[test]
    fn matches_objdump() {
        let mut bad = Vec::new();
        for &(w, expect) in disas_cases::CASES {
            // Words of extensions we leave Undefined (FP16, dot product...) are skipped.
            let crate::decode::Kind::FpSimd(op) = crate::decode::decode(w).kind else {
                continue;
            };
            let got = disas(op, w);
            if got != expect {
                bad.push(format!("{w:08x}: {got:?}, objdump {expect:?}"));
            }
        }
        assert!(
            bad.is_empty(),
            "{} of {}:\n{}",
            bad.len(),
            disas_cases::CASES.len(),
            bad.join("\n")
        );
    }
}
