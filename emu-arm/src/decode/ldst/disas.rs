//! Assembler syntax of load/store words (objdump's style and preferred aliases), for
//! `--trace in_asm`.

use super::super::dp_reg::reg;
use super::super::{bit, bits, ra, rd, rm, rn, sext};
use super::{literal_xfer, multi_layout, pair_xfer, reg_xfer, single_layout, Ext, Op, Xfer};

/// `xN`/`sp` for a base register.
fn base(n: u32) -> String {
    reg(n, true, true)
}

/// `[xn]` or `[xn, #off]`.
fn at(n: u32, off: i64) -> String {
    if off == 0 {
        format!("[{}]", base(n))
    } else {
        format!("[{}, #{off}]", base(n))
    }
}

/// The scalar SIMD&FP register of an access size.
fn vreg_name(bytes: u8, t: u32) -> String {
    let prefix = match bytes {
        1 => 'b',
        2 => 'h',
        4 => 's',
        8 => 'd',
        _ => 'q',
    };
    format!("{prefix}{t}")
}

/// Mnemonic parts: "ld"/"st", the size/sign suffix, and the transfer register.
fn parts(xfer: Xfer, t: u32) -> (&'static str, &'static str, String) {
    match xfer {
        Xfer::Store { bytes } => ("st", size_suffix(bytes, false), reg(t, bytes == 8, false)),
        Xfer::Load { bytes, ext } => {
            let signed = ext != Ext::Zero;
            let x = ext == Ext::Sign64 || (ext == Ext::Zero && bytes == 8);
            ("ld", size_suffix(bytes, signed), reg(t, x, false))
        }
        Xfer::StoreV { bytes } => ("st", "", vreg_name(bytes, t)),
        Xfer::LoadV { bytes } => ("ld", "", vreg_name(bytes, t)),
        Xfer::Prefetch => ("prf", "", prefetch_op(t)),
    }
}

fn size_suffix(bytes: u8, signed: bool) -> &'static str {
    match (bytes, signed) {
        (1, false) => "b",
        (2, false) => "h",
        (1, true) => "sb",
        (2, true) => "sh",
        (4, true) => "sw",
        _ => "",
    }
}

/// PRFM's operation: `pldl1keep`..., or the raw number.
fn prefetch_op(t: u32) -> String {
    let kind = ["pld", "pli", "pst"].get(bits(t, 4, 3) as usize);
    let level = ["l1", "l2", "l3"].get(bits(t, 2, 1) as usize);
    match (kind, level) {
        (Some(k), Some(l)) => format!("{k}{l}{}", if bit(t, 0) { "strm" } else { "keep" }),
        _ => format!("#{t:#04x}"),
    }
}

/// "", "a", "l" or "al" for acquire/release variants.
fn ordering(acquire: bool, release: bool) -> &'static str {
    match (acquire, release) {
        (false, false) => "",
        (true, false) => "a",
        (false, true) => "l",
        (true, true) => "al",
    }
}

/// "b"/"h"/"" for the exclusive and atomic families (size bits 31:30).
fn bh(raw: u32) -> &'static str {
    ["b", "h", "", ""][bits(raw, 31, 30) as usize]
}

/// A register list: `{v0.4s-v3.4s}` for three or more registers in order, else spelled
/// out (`{v0.4s, v1.4s}`, and lists that wrap past V31: `{v31.4s, v0.4s, v1.4s}`).
fn vlist(t: u32, n: u32, arr: &str) -> String {
    let name = |i: u32| format!("v{}.{arr}", (t + i) % 32);
    if n >= 3 && t + n <= 32 {
        return format!("{{{}-{}}}", name(0), name(n - 1));
    }
    let all: Vec<String> = (0..n).map(name).collect();
    format!("{{{}}}", all.join(", "))
}

/// `, #imm` or `, xm` for the post-index structure forms (bit 23), else "".
fn post(raw: u32, total: u32) -> String {
    if !bit(raw, 23) {
        return String::new();
    }
    match rm(raw) {
        31 => format!(", #{total}"),
        m => format!(", x{m}"),
    }
}

pub fn disas(op: Op, raw: u32, pc: u64) -> String {
    let (t, n) = (rd(raw), rn(raw));
    let simm9 = sext(bits(raw, 20, 12) as u64, 9) as i64;
    let reserved = || "<unallocated>".to_string();
    match op {
        Op::LoadLiteral | Op::PrefetchLiteral => {
            let target = pc.wrapping_add(sext(bits(raw, 23, 5) as u64, 19) << 2);
            if op == Op::PrefetchLiteral {
                return format!("prfm {}, {target:#x}", prefetch_op(t));
            }
            match literal_xfer(raw) {
                Some(Xfer::Load {
                    ext: Ext::Sign64, ..
                }) => format!("ldrsw {}, {target:#x}", reg(t, true, false)),
                Some(x) => format!("ldr {}, {target:#x}", parts(x, t).2),
                None => reserved(),
            }
        }
        Op::UnsignedImm
        | Op::Unscaled
        | Op::PostIndex
        | Op::PreIndex
        | Op::Unprivileged
        | Op::RegOffset => {
            let Some(x) = reg_xfer(raw) else {
                return reserved();
            };
            let (dir, suffix, rt) = parts(x, t);
            let infix = match op {
                Op::Unscaled => "ur",
                Op::Unprivileged => "tr",
                _ => "r",
            };
            let name = if x == Xfer::Prefetch {
                if op == Op::Unscaled {
                    "prfum".to_string()
                } else {
                    "prfm".to_string()
                }
            } else {
                format!("{dir}{infix}{suffix}")
            };
            let addr = match op {
                Op::UnsignedImm => at(n, (bits(raw, 21, 10) << x.scale()) as i64),
                Op::PostIndex => format!("[{}], #{simm9}", base(n)),
                Op::PreIndex => format!("[{}, #{simm9}]!", base(n)),
                Op::RegOffset => {
                    let option = bits(raw, 15, 13);
                    let amount = if bit(raw, 12) {
                        format!(" #{}", x.scale())
                    } else {
                        String::new()
                    };
                    let m = reg(rm(raw), option & 1 == 1, false);
                    let ext = match option {
                        0b010 => format!(", uxtw{amount}"),
                        0b110 => format!(", sxtw{amount}"),
                        0b111 => format!(", sxtx{amount}"),
                        _ if bit(raw, 12) => format!(", lsl{amount}"),
                        _ => String::new(),
                    };
                    format!("[{}, {m}{ext}]", base(n))
                }
                _ => at(n, simm9),
            };
            format!("{name} {rt}, {addr}")
        }
        Op::Pair => {
            let Some(x) = pair_xfer(raw) else {
                return reserved();
            };
            let (dir, _, r1) = parts(x, t);
            let r2 = parts(x, ra(raw)).2;
            let kind = bits(raw, 24, 23);
            let sw = matches!(
                x,
                Xfer::Load {
                    ext: Ext::Sign64,
                    ..
                }
            );
            let name = format!(
                "{dir}{}p{}",
                if kind == 0 { "n" } else { "" },
                if sw { "sw" } else { "" }
            );
            let off = (sext(bits(raw, 21, 15) as u64, 7) << x.scale()) as i64;
            let addr = match kind {
                0b01 => format!("[{}], #{off}", base(n)),
                0b11 => format!("[{}, #{off}]!", base(n)),
                _ => at(n, off),
            };
            format!("{name} {r1}, {r2}, {addr}")
        }
        Op::StoreExclusive | Op::LoadExclusive | Op::StoreRelease | Op::LoadAcquire => {
            let x = bits(raw, 31, 30) == 3;
            let o0 = bit(raw, 15);
            let rt = reg(t, x, false);
            let (name, status) = match op {
                Op::StoreExclusive => (format!("st{}xr", if o0 { "l" } else { "" }), true),
                Op::LoadExclusive => (format!("ld{}xr", if o0 { "a" } else { "" }), false),
                Op::StoreRelease => ((if o0 { "stlr" } else { "stllr" }).to_string(), false),
                _ => ((if o0 { "ldar" } else { "ldlar" }).to_string(), false),
            };
            if status {
                let ws = reg(rm(raw), false, false);
                format!("{name}{} {ws}, {rt}, [{}]", bh(raw), base(n))
            } else {
                format!("{name}{} {rt}, [{}]", bh(raw), base(n))
            }
        }
        Op::StoreExclusivePair | Op::LoadExclusivePair => {
            let x = bit(raw, 30);
            let (r1, r2) = (reg(t, x, false), reg(ra(raw), x, false));
            if op == Op::StoreExclusivePair {
                let l = if bit(raw, 15) { "l" } else { "" };
                let ws = reg(rm(raw), false, false);
                format!("st{l}xp {ws}, {r1}, {r2}, [{}]", base(n))
            } else {
                let a = if bit(raw, 15) { "a" } else { "" };
                format!("ld{a}xp {r1}, {r2}, [{}]", base(n))
            }
        }
        Op::Cas => {
            let x = bits(raw, 31, 30) == 3;
            let ord = ordering(bit(raw, 22), bit(raw, 15));
            let (rs, rt) = (reg(rm(raw), x, false), reg(t, x, false));
            format!("cas{ord}{} {rs}, {rt}, [{}]", bh(raw), base(n))
        }
        Op::Casp => {
            let x = bit(raw, 30);
            let ord = ordering(bit(raw, 22), bit(raw, 15));
            let s = rm(raw);
            let r = |i: u32| reg(i, x, false);
            let (s1, s2, t1, t2) = (r(s), r(s + 1), r(t), r(t + 1));
            format!("casp{ord} {s1}, {s2}, {t1}, {t2}, [{}]", base(n))
        }
        Op::AtomicRmw => {
            let x = bits(raw, 31, 30) == 3;
            let (acquire, release) = (bit(raw, 23), bit(raw, 22));
            let ord = ordering(acquire, release);
            let (rs, rt) = (reg(rm(raw), x, false), reg(t, x, false));
            if bit(raw, 15) {
                return format!("swp{ord}{} {rs}, {rt}, [{}]", bh(raw), base(n));
            }
            const OPS: [&str; 8] = ["add", "clr", "eor", "set", "smax", "smin", "umax", "umin"];
            let name = OPS[bits(raw, 14, 12) as usize];
            // Without acquire and with XZR as destination, the ST<op> alias is preferred.
            if t == 31 && !acquire {
                format!("st{name}{ord}{} {rs}, [{}]", bh(raw), base(n))
            } else {
                format!("ld{name}{ord}{} {rs}, {rt}, [{}]", bh(raw), base(n))
            }
        }
        Op::LoadAcquirePc => {
            let x = bits(raw, 31, 30) == 3;
            format!("ldapr{} {}, [{}]", bh(raw), reg(t, x, false), base(n))
        }
        Op::OrderedUnscaled => {
            let Some(x) = reg_xfer(raw) else {
                return reserved();
            };
            let (dir, suffix, rt) = parts(x, t);
            let name = if dir == "ld" { "ldapur" } else { "stlur" };
            format!("{name}{suffix} {rt}, {}", at(n, simm9))
        }
        Op::SimdMultiple => {
            let Some(l) = multi_layout(raw) else {
                return reserved();
            };
            let dir = if bit(raw, 22) { "ld" } else { "st" };
            let arr = format!(
                "{}{}",
                l.regbytes / l.ebytes,
                ['b', 'h', 's', 'd'][bits(raw, 11, 10) as usize]
            );
            let list = vlist(t, l.rpt * l.selem, &arr);
            format!(
                "{dir}{} {list}, [{}]{}",
                l.selem,
                base(n),
                post(raw, l.total_bytes())
            )
        }
        Op::SimdSingle => {
            let Some(l) = single_layout(raw) else {
                return reserved();
            };
            let dir = if bit(raw, 22) { "ld" } else { "st" };
            let esize = ['b', 'h', 's', 'd'][l.ebytes.trailing_zeros() as usize];
            let (list, r) = if l.replicate {
                let lanes = if bit(raw, 30) { 16 } else { 8 } / l.ebytes;
                (vlist(t, l.selem, &format!("{lanes}{esize}")), "r")
            } else {
                let list = vlist(t, l.selem, &esize.to_string());
                (format!("{list}[{}]", l.index), "")
            };
            format!(
                "{dir}{}{r} {list}, [{}]{}",
                l.selem,
                base(n),
                post(raw, l.total_bytes())
            )
        }
    }
}
