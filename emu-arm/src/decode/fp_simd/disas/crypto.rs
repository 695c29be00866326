//! Disassembly of the cryptographic extension, as objdump prints it.

use super::super::crypto::{self as id, Aes, Sha2Reg, Sha3Reg};
use super::Op;
use crate::decode::{rd, rm, rn};

pub fn crypto(op: Op, raw: u32) -> Option<String> {
    let (d, n, m) = (rd(raw), rn(raw), rm(raw));
    Some(match op {
        Op::CryptoAes => {
            let name = match id::aes_op(raw)? {
                Aes::Encrypt => "aese",
                Aes::Decrypt => "aesd",
                Aes::MixColumns => "aesmc",
                Aes::InvMixColumns => "aesimc",
            };
            format!("{name} v{d}.16b, v{n}.16b")
        }
        Op::CryptoShaThree => match id::sha_three_reg_op(raw)? {
            Sha3Reg::Sha1C => format!("sha1c q{d}, s{n}, v{m}.4s"),
            Sha3Reg::Sha1P => format!("sha1p q{d}, s{n}, v{m}.4s"),
            Sha3Reg::Sha1M => format!("sha1m q{d}, s{n}, v{m}.4s"),
            Sha3Reg::Sha1Su0 => format!("sha1su0 v{d}.4s, v{n}.4s, v{m}.4s"),
            Sha3Reg::Sha256H => format!("sha256h q{d}, q{n}, v{m}.4s"),
            Sha3Reg::Sha256H2 => format!("sha256h2 q{d}, q{n}, v{m}.4s"),
            Sha3Reg::Sha256Su1 => format!("sha256su1 v{d}.4s, v{n}.4s, v{m}.4s"),
        },
        Op::CryptoShaTwo => match id::sha_two_reg_op(raw)? {
            Sha2Reg::Sha1H => format!("sha1h s{d}, s{n}"),
            Sha2Reg::Sha1Su1 => format!("sha1su1 v{d}.4s, v{n}.4s"),
            Sha2Reg::Sha256Su0 => format!("sha256su0 v{d}.4s, v{n}.4s"),
        },
        Op::PmullQ => {
            if id::pmull_upper_half(raw) {
                format!("pmull2 v{d}.1q, v{n}.2d, v{m}.2d")
            } else {
                format!("pmull v{d}.1q, v{n}.1d, v{m}.1d")
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::decode::{decode, Kind};

    /// Words and text from `aarch64-linux-gnu-objdump -d` (tabs as single spaces).
    #[test]
    fn matches_objdump() {
        let cases = [
            (0x4e284820, "aese v0.16b, v1.16b"),
            (0x4e285820, "aesd v0.16b, v1.16b"),
            (0x4e286820, "aesmc v0.16b, v1.16b"),
            (0x4e287820, "aesimc v0.16b, v1.16b"),
            (0x5e031045, "sha1p q5, s2, v3.4s"),
            (0x5e0050a7, "sha256h2 q7, q5, v0.4s"),
            (0x5e280820, "sha1h s0, s1"),
            (0x5e282820, "sha256su0 v0.4s, v1.4s"),
            (0x0ee0e065, "pmull v5.1q, v3.1d, v0.1d"),
            (0x4ee0e065, "pmull2 v5.1q, v3.2d, v0.2d"),
            (0x5e020020, "sha1c q0, s1, v2.4s"),
            (0x5e023020, "sha1su0 v0.4s, v1.4s, v2.4s"),
            (0x5e281820, "sha1su1 v0.4s, v1.4s"),
            (0x5e024020, "sha256h q0, q1, v2.4s"),
            (0x5e026020, "sha256su1 v0.4s, v1.4s, v2.4s"),
        ];
        for (w, text) in cases {
            let Kind::FpSimd(op) = decode(w).kind else {
                panic!("{w:#010x} does not decode");
            };
            assert_eq!(super::super::disas(op, w), text, "{w:#010x}");
        }
    }
}
