//! Disassembly of the cryptographic extension, as objdump prints it.

use super::super::crypto::{self as id, Aes, FourReg, Sha2Reg, Sha3Reg, Sha512Three};
use super::Op;
use crate::decode::{bits, rd, rm, rn};

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
        Op::CryptoSha512Three => match id::sha512_three_reg_op(raw)? {
            Sha512Three::Sha512H => format!("sha512h q{d}, q{n}, v{m}.2d"),
            Sha512Three::Sha512H2 => format!("sha512h2 q{d}, q{n}, v{m}.2d"),
            Sha512Three::Sha512Su1 => format!("sha512su1 v{d}.2d, v{n}.2d, v{m}.2d"),
            Sha512Three::Rax1 => format!("rax1 v{d}.2d, v{n}.2d, v{m}.2d"),
        },
        Op::CryptoSha512Two => format!("sha512su0 v{d}.2d, v{n}.2d"),
        Op::CryptoFourReg => {
            let name = match id::four_reg_op(raw)? {
                FourReg::Eor3 => "eor3",
                FourReg::Bcax => "bcax",
            };
            let a = bits(raw, 14, 10);
            format!("{name} v{d}.16b, v{n}.16b, v{m}.16b, v{a}.16b")
        }
        Op::CryptoXar => format!("xar v{d}.2d, v{n}.2d, v{m}.2d, #{}", bits(raw, 15, 10)),
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
            (0xce628020, "sha512h q0, q1, v2.2d"),
            (0xce658483, "sha512h2 q3, q4, v5.2d"),
            (0xcec080e6, "sha512su0 v6.2d, v7.2d"),
            (0xce6a8928, "sha512su1 v8.2d, v9.2d, v10.2d"),
            (0xce020c20, "eor3 v0.16b, v1.16b, v2.16b, v3.16b"),
            (0xce261ca4, "bcax v4.16b, v5.16b, v6.16b, v7.16b"),
            (0xce6a8d28, "rax1 v8.2d, v9.2d, v10.2d"),
            (0xce8d458b, "xar v11.2d, v12.2d, v13.2d, #17"),
        ];
        for (w, text) in cases {
            let Kind::FpSimd(op) = decode(w).kind else {
                panic!("{w:#010x} does not decode");
            };
            assert_eq!(super::super::disas(op, w), text, "{w:#010x}");
        }
    }
}
