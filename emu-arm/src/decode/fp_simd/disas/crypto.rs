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
