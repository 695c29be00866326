//! Advanced SIMD disassembly.

use super::{elem, fp_imm_text, greg, sreg, vreg};
use crate::decode::fp_simd::simd::{self as id, ThreeDiff as D3, ThreeSame as S3};
use crate::decode::fp_simd::Op;
use crate::decode::{bit, bits, rd, rm, rn};

fn su(unsigned: bool, s: &str, u: &str) -> String {
    (if unsigned { u } else { s }).to_string()
}

fn three_same_name(op: S3) -> String {
    use S3::*;
    match op {
        HAdd { unsigned } => su(unsigned, "shadd", "uhadd"),
        RHAdd { unsigned } => su(unsigned, "srhadd", "urhadd"),
        HSub { unsigned } => su(unsigned, "shsub", "uhsub"),
        QAdd { unsigned } => su(unsigned, "sqadd", "uqadd"),
        QSub { unsigned } => su(unsigned, "sqsub", "uqsub"),
        And => "and".into(),
        Bic => "bic".into(),
        Orr => "orr".into(),
        Orn => "orn".into(),
        Eor => "eor".into(),
        Bsl => "bsl".into(),
        Bit => "bit".into(),
        Bif => "bif".into(),
        CmGt { unsigned } => su(unsigned, "cmgt", "cmhi"),
        CmGe { unsigned } => su(unsigned, "cmge", "cmhs"),
        Shl { unsigned } => su(unsigned, "sshl", "ushl"),
        RShl { unsigned } => su(unsigned, "srshl", "urshl"),
        QShl { unsigned } => su(unsigned, "sqshl", "uqshl"),
        QRShl { unsigned } => su(unsigned, "sqrshl", "uqrshl"),
        QDMulH { round } => su(round, "sqdmulh", "sqrdmulh"),
        Pmul => "pmul".into(),
        Max { unsigned } => su(unsigned, "smax", "umax"),
        Min { unsigned } => su(unsigned, "smin", "umin"),
        Abd { unsigned } => su(unsigned, "sabd", "uabd"),
        Aba { unsigned } => su(unsigned, "saba", "uaba"),
        Add => "add".into(),
        Sub => "sub".into(),
        CmTst => "cmtst".into(),
        CmEq => "cmeq".into(),
        Mla => "mla".into(),
        Mls => "mls".into(),
        Mul => "mul".into(),
        MaxP { unsigned } => su(unsigned, "smaxp", "umaxp"),
        MinP { unsigned } => su(unsigned, "sminp", "uminp"),
        AddP => "addp".into(),
        Fp { op, .. } => {
            use id::FpThree::*;
            match op {
                MaxNm => "fmaxnm",
                MinNm => "fminnm",
                Mla => "fmla",
                Mls => "fmls",
                Add => "fadd",
                Sub => "fsub",
                Mul => "fmul",
                Div => "fdiv",
                Max => "fmax",
                Min => "fmin",
                Abd => "fabd",
                CmEq => "fcmeq",
                CmGe => "fcmge",
                CmGt => "fcmgt",
                AcGe => "facge",
                AcGt => "facgt",
                MaxNmP => "fmaxnmp",
                MinNmP => "fminnmp",
                AddP => "faddp",
                MaxP => "fmaxp",
                MinP => "fminp",
                MulX => "fmulx",
                RecpS => "frecps",
                RsqrtS => "frsqrts",
            }
            .into()
        }
    }
}

fn three_diff_name(op: D3, unsigned: bool) -> String {
    use D3::*;
    match op {
        AddL => su(unsigned, "saddl", "uaddl"),
        AddW => su(unsigned, "saddw", "uaddw"),
        SubL => su(unsigned, "ssubl", "usubl"),
        SubW => su(unsigned, "ssubw", "usubw"),
        AddHn { round } => su(round, "addhn", "raddhn"),
        SubHn { round } => su(round, "subhn", "rsubhn"),
        AbaL => su(unsigned, "sabal", "uabal"),
        AbdL => su(unsigned, "sabdl", "uabdl"),
        MlaL => su(unsigned, "smlal", "umlal"),
        MlsL => su(unsigned, "smlsl", "umlsl"),
        MulL => su(unsigned, "smull", "umull"),
        QDMlaL => "sqdmlal".into(),
        QDMlsL => "sqdmlsl".into(),
        QDMulL => "sqdmull".into(),
        PMulL => "pmull".into(),
    }
}

fn cmp_zero_name(c: id::CmpZero) -> &'static str {
    match c {
        id::CmpZero::Gt => "gt",
        id::CmpZero::Ge => "ge",
        id::CmpZero::Eq => "eq",
        id::CmpZero::Le => "le",
        id::CmpZero::Lt => "lt",
    }
}

fn rint_letter(m: id::RintMode) -> &'static str {
    use id::RintMode::*;
    match m {
        N => "n",
        P => "p",
        M => "m",
        Z => "z",
        A => "a",
        X => "x",
        I => "i",
    }
}

fn two_reg_name(op: id::TwoReg) -> String {
    use id::TwoReg::*;
    match op {
        Rev { container } => format!("rev{container}"),
        AddLp {
            unsigned,
            accumulate,
        } => match (unsigned, accumulate) {
            (false, false) => "saddlp",
            (true, false) => "uaddlp",
            (false, true) => "sadalp",
            (true, true) => "uadalp",
        }
        .into(),
        Cls => "cls".into(),
        Clz => "clz".into(),
        Cnt => "cnt".into(),
        Not => "mvn".into(),
        Rbit => "rbit".into(),
        CmZero(c) => format!("cm{}", cmp_zero_name(c)),
        Abs => "abs".into(),
        Neg => "neg".into(),
        QAbs => "sqabs".into(),
        QNeg => "sqneg".into(),
        SatAccumulate { unsigned } => su(unsigned, "suqadd", "usqadd"),
        Xtn => "xtn".into(),
        QXtn {
            src_signed,
            dst_signed,
        } => match (src_signed, dst_signed) {
            (true, true) => "sqxtn",
            (true, false) => "sqxtun",
            _ => "uqxtn",
        }
        .into(),
        Shll => "shll".into(),
        FcvtN => "fcvtn".into(),
        FcvtL => "fcvtl".into(),
        FcvtXn => "fcvtxn".into(),
        Fp { op, .. } => {
            use id::FpTwo::*;
            match op {
                Rint(m) => format!("frint{}", rint_letter(m)),
                RintInt {
                    int_bits,
                    fpcr_rounding,
                } => format!("frint{int_bits}{}", if fpcr_rounding { "x" } else { "z" }),
                ToInt { mode, unsigned } => {
                    format!(
                        "fcvt{}{}",
                        rint_letter(mode),
                        if unsigned { "u" } else { "s" }
                    )
                }
                FromInt { unsigned } => su(unsigned, "scvtf", "ucvtf"),
                CmZero(c) => format!("fcm{}", cmp_zero_name(c)),
                Abs => "fabs".into(),
                Neg => "fneg".into(),
                Sqrt => "fsqrt".into(),
                RecpE => "frecpe".into(),
                RsqrtE => "frsqrte".into(),
                RecpX => "frecpx".into(),
                URecpE => "urecpe".into(),
                URsqrtE => "ursqrte".into(),
            }
        }
    }
}

fn two(name: String, q: bool) -> String {
    if q {
        name + "2"
    } else {
        name
    }
}

pub fn simd(op: Op, raw: u32) -> Option<String> {
    let q = bit(raw, 30);
    let size = bits(raw, 23, 22);
    let es = id::esize(size);
    let (d, n, m) = (rd(raw), rn(raw), rm(raw));
    Some(match op {
        Op::SimdThreeSame => {
            let o = id::three_same_op(raw)?;
            let es = match o {
                S3::Fp { double, .. } => 32 << double as u32,
                S3::And | S3::Bic | S3::Orr | S3::Orn | S3::Eor | S3::Bsl | S3::Bit | S3::Bif => 8,
                _ => es,
            };
            if o == S3::Orr && n == m {
                return Some(format!("mov {}, {}", vreg(d, 8, q), vreg(n, 8, q)));
            }
            format!(
                "{} {}, {}, {}",
                three_same_name(o),
                vreg(d, es, q),
                vreg(n, es, q),
                vreg(m, es, q)
            )
        }
        Op::SimdThreeSameExtra | Op::ScalarThreeSameExtra => {
            let scalar = op == Op::ScalarThreeSameExtra;
            match id::three_same_extra_op(raw, scalar)? {
                id::ThreeSameExtra::QRDMlah { sub } if scalar => format!(
                    "{} {}, {}, {}",
                    su(sub, "sqrdmlah", "sqrdmlsh"),
                    sreg(es, d),
                    sreg(es, n),
                    sreg(es, m)
                ),
                id::ThreeSameExtra::QRDMlah { sub } => format!(
                    "{} {}, {}, {}",
                    su(sub, "sqrdmlah", "sqrdmlsh"),
                    vreg(d, es, q),
                    vreg(n, es, q),
                    vreg(m, es, q)
                ),
                id::ThreeSameExtra::Dot { unsigned } => format!(
                    "{} {}, {}, {}",
                    su(unsigned, "sdot", "udot"),
                    vreg(d, 32, q),
                    vreg(n, 8, q),
                    vreg(m, 8, q)
                ),
            }
        }
        Op::ScalarThreeSame | Op::ScalarPairwise => {
            let o = if op == Op::ScalarThreeSame {
                id::scalar_three_same_op(raw)?
            } else {
                id::scalar_pairwise_op(raw)?
            };
            let es = match o {
                S3::Fp { double, .. } => 32 << double as u32,
                _ => es,
            };
            if op == Op::ScalarPairwise {
                format!(
                    "{} {}, {}",
                    three_same_name(o),
                    sreg(es, d),
                    vreg(n, es, es == 64)
                )
            } else {
                format!(
                    "{} {}, {}, {}",
                    three_same_name(o),
                    sreg(es, d),
                    sreg(es, n),
                    sreg(es, m)
                )
            }
        }
        Op::SimdThreeDiff => {
            let (o, unsigned) = id::three_diff_op(raw)?;
            let name = two(three_diff_name(o, unsigned), q);
            let (a, b, c) = match o {
                D3::AddW | D3::SubW => {
                    (vreg(d, 2 * es, true), vreg(n, 2 * es, true), vreg(m, es, q))
                }
                D3::AddHn { .. } | D3::SubHn { .. } => {
                    (vreg(d, es, q), vreg(n, 2 * es, true), vreg(m, 2 * es, true))
                }
                _ => (vreg(d, 2 * es, true), vreg(n, es, q), vreg(m, es, q)),
            };
            format!("{name} {a}, {b}, {c}")
        }
        Op::ScalarThreeDiff => {
            let o = id::scalar_three_diff_op(raw)?;
            format!(
                "{} {}, {}, {}",
                three_diff_name(o, false),
                sreg(2 * es, d),
                sreg(es, n),
                sreg(es, m)
            )
        }
        Op::SimdTwoReg | Op::ScalarTwoReg => {
            let scalar = op == Op::ScalarTwoReg;
            let o = if scalar {
                id::scalar_two_reg_op(raw)?
            } else {
                id::two_reg_op(raw)?
            };
            two_reg_text(o, raw, scalar)
        }
        Op::SimdAcross => {
            use id::Across::*;
            let o = id::across_op(raw)?;
            let (name, des) = match o {
                AddLv { unsigned } => (su(unsigned, "saddlv", "uaddlv"), 2 * es),
                MaxV { unsigned } => (su(unsigned, "smaxv", "umaxv"), es),
                MinV { unsigned } => (su(unsigned, "sminv", "uminv"), es),
                AddV => ("addv".into(), es),
                FMaxNmV => ("fmaxnmv".into(), 32),
                FMinNmV => ("fminnmv".into(), 32),
                FMaxV => ("fmaxv".into(), 32),
                FMinV => ("fminv".into(), 32),
            };
            let ses = if des == 32 && matches!(o, FMaxNmV | FMinNmV | FMaxV | FMinV) {
                32
            } else {
                es
            };
            format!("{name} {}, {}", sreg(des, d), vreg(n, ses, q))
        }
        Op::SimdCopy | Op::ScalarCopy => copy_text(op, raw)?,
        Op::SimdModImm => mod_imm_text(raw)?,
        Op::SimdShiftImm | Op::ScalarShiftImm => shift_text(raw, op == Op::ScalarShiftImm)?,
        Op::SimdByElem | Op::ScalarByElem => by_elem_text(raw, op == Op::ScalarByElem)?,
        Op::SimdPermute => {
            let name = ["", "uzp1", "trn1", "zip1", "", "uzp2", "trn2", "zip2"]
                [bits(raw, 14, 12) as usize];
            format!(
                "{name} {}, {}, {}",
                vreg(d, es, q),
                vreg(n, es, q),
                vreg(m, es, q)
            )
        }
        Op::SimdExt => format!(
            "ext {}, {}, {}, #{}",
            vreg(d, 8, q),
            vreg(n, 8, q),
            vreg(m, 8, q),
            bits(raw, 14, 11)
        ),
        Op::SimdTbl => {
            let regs: Vec<String> = (0..=bits(raw, 14, 13))
                .map(|k| vreg((n + k) % 32, 8, true))
                .collect();
            let name = if bit(raw, 12) { "tbx" } else { "tbl" };
            // objdump writes lists of three or four registers as a range.
            let list = match regs.as_slice() {
                [first, .., last] if regs.len() > 2 => format!("{first}-{last}"),
                _ => regs.join(", "),
            };
            format!("{name} {}, {{{list}}}, {}", vreg(d, 8, q), vreg(m, 8, q))
        }
        _ => return None,
    })
}

fn two_reg_text(o: id::TwoReg, raw: u32, scalar: bool) -> String {
    use id::TwoReg::*;
    let q = bit(raw, 30) && !scalar;
    let es = id::esize(bits(raw, 23, 22));
    let (d, n) = (rd(raw), rn(raw));
    let name = two_reg_name(o);
    let fp_es = 32 << (bits(raw, 22, 22));
    if scalar {
        return match o {
            QXtn { .. } => format!("{name} {}, {}", sreg(es, d), sreg(2 * es, n)),
            FcvtXn => format!("{name} {}, {}", sreg(32, d), sreg(64, n)),
            CmZero(_) => format!("{name} {}, {}, #0", sreg(es, d), sreg(es, n)),
            Fp {
                op: id::FpTwo::CmZero(_),
                ..
            } => format!("{name} {}, {}, #0.0", sreg(fp_es, d), sreg(fp_es, n)),
            Fp { .. } => format!("{name} {}, {}", sreg(fp_es, d), sreg(fp_es, n)),
            _ => format!("{name} {}, {}", sreg(es, d), sreg(es, n)),
        };
    }
    match o {
        AddLp { .. } => format!("{name} {}, {}", vreg(d, 2 * es, q), vreg(n, es, q)),
        Xtn | QXtn { .. } => format!(
            "{} {}, {}",
            two(name, q),
            vreg(d, es, q),
            vreg(n, 2 * es, true)
        ),
        FcvtN | FcvtXn => {
            let des = if bit(raw, 22) { 32 } else { 16 };
            format!(
                "{} {}, {}",
                two(name, q),
                vreg(d, des, q),
                vreg(n, 2 * des, true)
            )
        }
        FcvtL => {
            let nes = if bit(raw, 22) { 32 } else { 16 };
            format!(
                "{} {}, {}",
                two(name, q),
                vreg(d, 2 * nes, true),
                vreg(n, nes, q)
            )
        }
        Shll => format!(
            "{} {}, {}, #{es}",
            two(name, q),
            vreg(d, 2 * es, true),
            vreg(n, es, q)
        ),
        Not | Rbit | Cnt => format!("{name} {}, {}", vreg(d, 8, q), vreg(n, 8, q)),
        CmZero(_) => format!("{name} {}, {}, #0", vreg(d, es, q), vreg(n, es, q)),
        Fp {
            op: id::FpTwo::CmZero(_),
            ..
        } => format!("{name} {}, {}, #0.0", vreg(d, fp_es, q), vreg(n, fp_es, q)),
        Fp { .. } => format!("{name} {}, {}", vreg(d, fp_es, q), vreg(n, fp_es, q)),
        _ => format!("{name} {}, {}", vreg(d, es, q), vreg(n, es, q)),
    }
}

fn copy_text(op: Op, raw: u32) -> Option<String> {
    let q = bit(raw, 30);
    let imm5 = bits(raw, 20, 16);
    let size = id::imm5_size(imm5)?;
    let es = 8 << size;
    let index = imm5 >> (size + 1);
    let (d, n) = (rd(raw), rn(raw));
    if op == Op::ScalarCopy {
        return Some(format!("mov {}, {}", sreg(es, d), elem(n, es, index)));
    }
    Some(match id::copy_op(raw)? {
        id::Copy::DupElement => format!("dup {}, {}", vreg(d, es, q), elem(n, es, index)),
        id::Copy::DupGeneral => format!("dup {}, {}", vreg(d, es, q), greg(es == 64, n)),
        id::Copy::Smov => format!("smov {}, {}", greg(q, d), elem(n, es, index)),
        id::Copy::Umov if es >= 32 => format!("mov {}, {}", greg(q, d), elem(n, es, index)),
        id::Copy::Umov => format!("umov {}, {}", greg(q, d), elem(n, es, index)),
        id::Copy::InsGeneral => format!("mov {}, {}", elem(d, es, index), greg(es == 64, n)),
        id::Copy::InsElement => {
            let src = bits(raw, 14, 11) >> size;
            format!("mov {}, {}", elem(d, es, index), elem(n, es, src))
        }
    })
}

fn mod_imm_text(raw: u32) -> Option<String> {
    let q = bit(raw, 30);
    let op = bit(raw, 29);
    let cmode = bits(raw, 15, 12);
    let imm8 = (bits(raw, 18, 16) << 5) | bits(raw, 9, 5);
    let d = rd(raw);
    let m = id::mod_imm_op(raw)?;
    let name = match m {
        id::ModImm::Movi(_) => "movi",
        id::ModImm::Mvni(_) => "mvni",
        id::ModImm::Orr(_) => "orr",
        id::ModImm::Bic(_) => "bic",
    };
    let shifted = |es: u32, amount: u32| {
        let base = format!("{name} {}, #{imm8:#x}", vreg(d, es, q));
        if amount == 0 {
            base
        } else {
            format!("{base}, lsl #{amount}")
        }
    };
    Some(match cmode >> 1 {
        0..=3 => shifted(32, 8 * (cmode >> 1)),
        4 | 5 => shifted(16, 8 * ((cmode >> 1) & 1)),
        6 => format!(
            "{name} {}, #{imm8:#x}, msl #{}",
            vreg(d, 32, q),
            8 << (cmode & 1)
        ),
        _ => match (cmode & 1, op) {
            (0, false) => format!("movi {}, #{imm8:#x}", vreg(d, 8, q)),
            (0, true) => {
                let id::ModImm::Movi(imm) = m else {
                    return None;
                };
                if q {
                    format!("movi {}, #{imm:#x}", vreg(d, 64, true))
                } else {
                    format!("movi {}, #{imm:#x}", sreg(64, d))
                }
            }
            (_, double) => {
                let imm = crate::decode::fp_simd::vfp_expand_imm(imm8, double);
                format!(
                    "fmov {}, {}",
                    vreg(d, 32 << double as u32, q),
                    fp_imm_text(imm, double)
                )
            }
        },
    })
}

fn shift_text(raw: u32, scalar: bool) -> Option<String> {
    use id::ShiftImm::*;
    let o = id::shift_imm_op(raw, scalar)?;
    let q = bit(raw, 30) && !scalar;
    let immh = bits(raw, 22, 19);
    let es = 8 << (31 - immh.leading_zeros());
    let immhb = bits(raw, 22, 16);
    let (right, left) = (2 * es - immhb, immhb - es);
    let (d, n) = (rd(raw), rn(raw));
    let same = |name: &str, amount: u32| {
        if scalar {
            format!("{name} {}, {}, #{amount}", sreg(es, d), sreg(es, n))
        } else {
            format!("{name} {}, {}, #{amount}", vreg(d, es, q), vreg(n, es, q))
        }
    };
    Some(match o {
        ShrR {
            unsigned,
            round,
            accumulate,
        } => {
            let name = format!(
                "{}{}{}",
                if unsigned { "u" } else { "s" },
                if round { "r" } else { "" },
                if accumulate { "sra" } else { "shr" }
            );
            same(&name, right)
        }
        Shl => same("shl", left),
        QShl {
            src_signed,
            dst_signed,
        } => same(
            match (src_signed, dst_signed) {
                (true, true) => "sqshl",
                (true, false) => "sqshlu",
                _ => "uqshl",
            },
            left,
        ),
        Sri => same("sri", right),
        Sli => same("sli", left),
        Shrn { round, sat } => {
            let r = if round { "r" } else { "" };
            let name = match sat {
                None => format!("{r}shrn"),
                Some((true, true)) => format!("sq{r}shrn"),
                Some((true, false)) => format!("sq{r}shrun"),
                Some(_) => format!("uq{r}shrn"),
            };
            if scalar {
                format!("{name} {}, {}, #{right}", sreg(es, d), sreg(2 * es, n))
            } else {
                format!(
                    "{} {}, {}, #{right}",
                    two(name, q),
                    vreg(d, es, q),
                    vreg(n, 2 * es, true)
                )
            }
        }
        Shll { unsigned } => {
            let (dst, src) = (vreg(d, 2 * es, true), vreg(n, es, q));
            let s = if unsigned { "u" } else { "s" };
            if left == 0 {
                format!("{} {dst}, {src}", two(format!("{s}xtl"), q))
            } else {
                format!("{} {dst}, {src}, #{left}", two(format!("{s}shll"), q))
            }
        }
        CvtF { unsigned } => same(if unsigned { "ucvtf" } else { "scvtf" }, right),
        CvtZ { unsigned } => same(if unsigned { "fcvtzu" } else { "fcvtzs" }, right),
    })
}

fn by_elem_text(raw: u32, scalar: bool) -> Option<String> {
    use id::ByElem::*;
    let o = id::by_elem_op(raw, scalar)?;
    let q = bit(raw, 30) && !scalar;
    let es = id::esize(bits(raw, 23, 22));
    let (index, m) = by_elem_index(raw, es);
    let (d, n) = (rd(raw), rn(raw));
    if let Dot { unsigned } = o {
        return Some(format!(
            "{} {}, {}, v{m}.4b[{index}]",
            su(unsigned, "sdot", "udot"),
            vreg(d, 32, q),
            vreg(n, 8, q)
        ));
    }
    let e = elem(m, es, index);
    let (name, long) = match o {
        Mul => ("mul".to_string(), false),
        Mla => ("mla".into(), false),
        Mls => ("mls".into(), false),
        MulL { unsigned } => (su(unsigned, "smull", "umull"), true),
        MlaL { unsigned } => (su(unsigned, "smlal", "umlal"), true),
        MlsL { unsigned } => (su(unsigned, "smlsl", "umlsl"), true),
        QDMulH { round } => (su(round, "sqdmulh", "sqrdmulh"), false),
        QDMulL => ("sqdmull".into(), true),
        QDMlaL => ("sqdmlal".into(), true),
        QDMlsL => ("sqdmlsl".into(), true),
        FMul { .. } => ("fmul".into(), false),
        FMla { .. } => ("fmla".into(), false),
        FMls { .. } => ("fmls".into(), false),
        FMulX { .. } => ("fmulx".into(), false),
        QRDMlah { sub } => (su(sub, "sqrdmlah", "sqrdmlsh"), false),
        Dot { .. } => return None, // printed above
    };
    Some(match (scalar, long) {
        (true, false) => format!("{name} {}, {}, {e}", sreg(es, d), sreg(es, n)),
        (true, true) => format!("{name} {}, {}, {e}", sreg(2 * es, d), sreg(es, n)),
        (false, false) => format!("{name} {}, {}, {e}", vreg(d, es, q), vreg(n, es, q)),
        (false, true) => format!(
            "{} {}, {}, {e}",
            two(name, q),
            vreg(d, 2 * es, true),
            vreg(n, es, q)
        ),
    })
}

/// The by-element index and register (as `sem::simd::int::elem_index`).
fn by_elem_index(raw: u32, es: u32) -> (u32, u32) {
    let (h, l, m) = (
        bit(raw, 11) as u32,
        bit(raw, 21) as u32,
        bit(raw, 20) as u32,
    );
    match es {
        16 => ((h << 2) | (l << 1) | m, bits(raw, 19, 16)),
        32 => ((h << 1) | l, bits(raw, 20, 16)),
        _ => (h, bits(raw, 20, 16)),
    }
}
