//! Scalar floating-point disassembly.

use super::{fp_imm_text, ftype_es, greg, sreg, CONDS};
use crate::decode::fp_simd::Op;
use crate::decode::{bit, bits, rd, rm, rn};

pub fn scalar_fp(op: Op, raw: u32) -> Option<String> {
    let es = ftype_es(raw);
    let (d, n, m) = (sreg(es, rd(raw)), sreg(es, rn(raw)), sreg(es, rm(raw)));
    Some(match op {
        Op::FpDp1 => {
            let opcode = bits(raw, 20, 15);
            let name = match opcode {
                0 => "fmov",
                1 => "fabs",
                2 => "fneg",
                3 => "fsqrt",
                4 | 5 | 7 => {
                    let to = [32, 64, 0, 16][(opcode & 3) as usize];
                    return Some(format!("fcvt {}, {n}", sreg(to, rd(raw))));
                }
                8 => "frintn",
                9 => "frintp",
                10 => "frintm",
                11 => "frintz",
                12 => "frinta",
                14 => "frintx",
                15 => "frinti",
                16 => "frint32z",
                17 => "frint32x",
                18 => "frint64z",
                _ => "frint64x",
            };
            format!("{name} {d}, {n}")
        }
        Op::FpDp2 => {
            let names = [
                "fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul",
            ];
            let name = names.get(bits(raw, 15, 12) as usize)?;
            format!("{name} {d}, {n}, {m}")
        }
        Op::FpDp3 => {
            let name = ["fmadd", "fmsub", "fnmadd", "fnmsub"]
                [((bit(raw, 21) as usize) << 1) | bit(raw, 15) as usize];
            format!("{name} {d}, {n}, {m}, {}", sreg(es, bits(raw, 14, 10)))
        }
        Op::FpCompare => {
            let name = if bit(raw, 4) { "fcmpe" } else { "fcmp" };
            if bit(raw, 3) {
                format!("{name} {n}, #0.0")
            } else {
                format!("{name} {n}, {m}")
            }
        }
        Op::FpCondCompare => {
            let name = if bit(raw, 4) { "fccmpe" } else { "fccmp" };
            let c = CONDS[bits(raw, 15, 12) as usize];
            format!("{name} {n}, {m}, #{:#x}, {c}", bits(raw, 3, 0))
        }
        Op::FpCondSelect => format!("fcsel {d}, {n}, {m}, {}", CONDS[bits(raw, 15, 12) as usize]),
        Op::FpImm => {
            let dbl = es == 64;
            let imm = crate::decode::fp_simd::vfp_expand_imm(bits(raw, 20, 13), dbl);
            format!("fmov {d}, {}", fp_imm_text(imm, dbl))
        }
        Op::FpIntConv => {
            let sf = bit(raw, 31);
            let opcode = bits(raw, 18, 16);
            let rmode = bits(raw, 20, 19);
            match opcode {
                0b110 if rmode == 3 => format!("fjcvtzs {}, {n}", greg(false, rd(raw))),
                0b110 | 0b111 => {
                    let (v, g) = if bits(raw, 23, 22) == 2 {
                        (
                            "v".to_string() + &rd(raw).to_string() + ".d[1]",
                            greg(sf, rn(raw)),
                        )
                    } else {
                        (d.clone(), greg(sf, rn(raw)))
                    };
                    if opcode == 0b111 {
                        format!("fmov {v}, {g}")
                    } else {
                        let v = if bits(raw, 23, 22) == 2 {
                            format!("v{}.d[1]", rn(raw))
                        } else {
                            n.clone()
                        };
                        format!("fmov {}, {v}", greg(sf, rd(raw)))
                    }
                }
                0b010 | 0b011 => {
                    let name = if opcode == 2 { "scvtf" } else { "ucvtf" };
                    format!("{name} {d}, {}", greg(sf, rn(raw)))
                }
                _ => {
                    let r = if opcode >= 4 {
                        "a"
                    } else {
                        ["n", "p", "m", "z"][rmode as usize]
                    };
                    let u = if opcode & 1 == 1 { "u" } else { "s" };
                    format!("fcvt{r}{u} {}, {n}", greg(sf, rd(raw)))
                }
            }
        }
        Op::FpFixedConv => {
            let sf = bit(raw, 31);
            let fbits = 64 - bits(raw, 15, 10);
            match bits(raw, 18, 16) {
                0 => format!("fcvtzs {}, {n}, #{fbits}", greg(sf, rd(raw))),
                1 => format!("fcvtzu {}, {n}, #{fbits}", greg(sf, rd(raw))),
                2 => format!("scvtf {d}, {}, #{fbits}", greg(sf, rn(raw))),
                _ => format!("ucvtf {d}, {}, #{fbits}", greg(sf, rn(raw))),
            }
        }
        _ => return None,
    })
}
