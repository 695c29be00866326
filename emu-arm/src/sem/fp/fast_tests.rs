//! The inline FP fast path (`fast.rs`, `emu-core/src/jit/emitter/fp.rs`) at its
//! boundary: the JIT must give exactly the interpreter's (the precise helpers') result and
//! FPSR for operands around the smallest normal, NaNs of each kind, infinities, every
//! rounding mode, FZ and DN, with Inexact set or not beforehand; plus a few results
//! checked against the Arm rules directly and a block that changes FPCR and reads FPSR
//! between inline operations.

use super::arm_float::fpsr::{IXC, UFC};
use crate::state::CpuState;
use crate::testkit::{Bare, Rng, Tier, BRK0, CODE};

// Encodings (llvm-mc -triple=aarch64): destination d0/s0/v0, sources 1, 2 (and 3).
const FADD_D: u32 = 0x1e62_2820;
const FADD_S: u32 = 0x1e22_2820;
const FSUB_D: u32 = 0x1e62_3820;
const FMUL_D: u32 = 0x1e62_0820;
const FMUL_S: u32 = 0x1e22_0820;
const FDIV_D: u32 = 0x1e62_1820;
const FNMUL_D: u32 = 0x1e62_8820;
const FMAX_D: u32 = 0x1e62_4820;
const FMINNM_S: u32 = 0x1e22_7820;
const FSQRT_D: u32 = 0x1e61_c020;
const FSQRT_S: u32 = 0x1e21_c020;
/// fmadd d0, d1, d2, d3
const FMADD_D: u32 = 0x1f42_0c20;
/// fnmsub s0, s1, s2, s3
const FNMSUB_S: u32 = 0x1f22_8c20;
const FADD_4S: u32 = 0x4e22_d420;
const FADD_2S: u32 = 0x0e22_d420;
const FMLA_2D: u32 = 0x4e62_cc20;
const FMLS_4S: u32 = 0x4ea2_cc20;
/// fmla v0.4s, v1.4s, v2.s[3]
const FMLA_4S_ELEM: u32 = 0x4fa2_1820;
/// fmul v0.2d, v1.2d, v2.d[1]
const FMUL_2D_ELEM: u32 = 0x4fc2_9820;
/// fmla s0, s1, v2.s[2]
const FMLA_S_ELEM: u32 = 0x5f82_1820;
const FDIV_4S: u32 = 0x6e22_fc20;
const FMIN_2D: u32 = 0x4ee2_f420;
const FCMP_D: u32 = 0x1e62_2020;
const FCMPE_S: u32 = 0x1e22_2030;
const FCMP_D_ZERO: u32 = 0x1e60_2028;
const FCMPE_S_ZERO: u32 = 0x1e20_2038;
const FMAXNM_4S: u32 = 0x4e22_c420;
// mov s0, v1.s[3]; mov d0, v1.d[1]; mov h0, v1.h[5]; mov b0, v1.b[9] (DUP scalar).
const DUP_S: u32 = 0x5e1c_0420;
const DUP_D: u32 = 0x5e18_0420;
const DUP_H: u32 = 0x5e16_0420;
const DUP_B: u32 = 0x5e13_0420;
// Conversions: fcvtzs x0, d1; fcvtzs w0, s1; fcvtzu x0, d1; fcvtzu w0, d1; fcvtzs w0, d1;
// fcvtzu x0, s1; scvtf d0, x1; scvtf s0, w1; ucvtf d0, w1; ucvtf s0, x1; fcvt s0, d1;
// fcvt d0, s1.
const CONVERSIONS: &[u32] = &[
    0x9e78_0020,
    0x1e38_0020,
    0x9e79_0020,
    0x1e79_0020,
    0x1e78_0020,
    0x9e39_0020,
    0x9e62_0020,
    0x1e22_0020,
    0x1e63_0020,
    0x9e23_0020,
    0x1e62_4020,
    0x1e22_c020,
];
const MRS_X0_FPSR: u32 = 0xd53b_4420;
const MRS_X3_FPSR: u32 = 0xd53b_4423;
const MSR_FPCR_X1: u32 = 0xd51b_4401;
const MSR_FPSR_XZR: u32 = 0xd51b_443f;

const ALL: &[u32] = &[
    FADD_D,
    FADD_S,
    FSUB_D,
    FMUL_D,
    FMUL_S,
    FDIV_D,
    FNMUL_D,
    FMAX_D,
    FMINNM_S,
    FSQRT_D,
    FSQRT_S,
    FMADD_D,
    FNMSUB_S,
    FADD_4S,
    FADD_2S,
    FMLA_2D,
    FMLS_4S,
    FMLA_4S_ELEM,
    FMUL_2D_ELEM,
    FMLA_S_ELEM,
    FDIV_4S,
    FMIN_2D,
    FCMP_D,
    FCMPE_S,
    FCMP_D_ZERO,
    FCMPE_S_ZERO,
    FMAXNM_4S,
    DUP_S,
    DUP_D,
    DUP_H,
    DUP_B,
];

const FZ: u64 = 1 << 24;
const DN: u64 = 1 << 25;
const RP: u64 = 1 << 22;
const RM: u64 = 2 << 22;
const RZ: u64 = 3 << 22;

/// Interesting doubles: around the smallest normal, denormals, zeros, infinities, NaNs
/// (quiet and signalling, both signs), the largest finite, ordinary numbers.
const D_VALUES: &[u64] = &[
    0x3ff0_0000_0000_0000, // 1.0
    0x3ff8_0000_0000_0000, // 1.5
    0xc000_0000_0000_0000, // -2.0
    0x4008_0000_0000_0000, // 3.0
    0x3fef_ffff_ffff_ffff, // 1 - 2^-53
    0x3ff0_0000_0000_0001, // 1 + 2^-52
    0x0010_0000_0000_0000, // smallest normal
    0x8010_0000_0000_0001, // -(smallest normal + ulp)
    0x0020_0000_0000_0000, // 2 * smallest normal
    0x000f_ffff_ffff_ffff, // largest denormal
    0x0000_0000_0000_0001, // smallest denormal
    0x2000_0000_0000_0000, // 2^-511: squares to the smallest normal
    0x1ff0_0000_0000_0001,
    0x0000_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_0000, // default NaN
    0xfff8_0000_0000_1234, // quiet NaN, negative, payload
    0x7ff0_0000_0000_4321, // signalling NaN
    0x7fef_ffff_ffff_ffff, // largest finite
    0x7fe0_0000_0000_0000, // 2^1023
];

const S_VALUES: &[u32] = &[
    0x3f80_0000, // 1.0
    0x3fc0_0000,
    0xc000_0000,
    0x4040_0000,
    0x3f7f_ffff,
    0x3f80_0001,
    0x0080_0000, // smallest normal
    0x8080_0001,
    0x0100_0000,
    0x007f_ffff, // largest denormal
    0x0000_0001,
    0x2000_0000, // 2^-63: squares to 2^-126
    0x1f80_0001,
    0x0000_0000,
    0x8000_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0xffc0_1234,
    0x7f80_4321,
    0x7f7f_ffff,
    0x7f00_0000,
];

/// A 128-bit register from 64-bit lanes, or 32-bit lanes packed in pairs.
fn vreg_d(lanes: [u64; 2]) -> [u64; 2] {
    lanes
}

fn vreg_s(l: [u32; 4]) -> [u64; 2] {
    [
        l[0] as u64 | (l[1] as u64) << 32,
        l[2] as u64 | (l[3] as u64) << 32,
    ]
}

/// One instruction (plus BRK) in both tiers, reusing one guest space per tier.
struct Pair {
    interp: Bare,
    jit: Bare,
}

impl Pair {
    fn new(code: &[u32]) -> Pair {
        Pair {
            interp: Bare::new(code, Tier::Interp),
            jit: Bare::new(code, Tier::Jit),
        }
    }

    /// Runs from a fresh state made by `setup`; asserts the tiers agree; returns the
    /// final state.
    fn run(&mut self, what: &str, setup: impl Fn(&mut CpuState)) -> CpuState {
        let mut out = Vec::new();
        for b in [&mut self.interp, &mut self.jit] {
            let fresh = CpuState::default();
            b.cpu.vreg = fresh.vreg;
            b.cpu.x[..8].fill(0);
            b.cpu.core.pc = CODE;
            b.cpu.fpcr = 0;
            b.cpu.fpsr = 0;
            b.cpu.set_nzcv(0x9000_0000);
            setup(&mut b.cpu);
            let e = b.run();
            out.push((e, b.cpu.clone()));
        }
        let (ie, ic) = &out[0];
        let (je, jc) = &out[1];
        assert_eq!(ie, je, "{what}: exits differ");
        assert_eq!(ic.core.pc, jc.core.pc, "{what}: pc differs");
        assert_eq!(
            (ic.vreg, ic.fpsr, ic.x, ic.nzcv()),
            (jc.vreg, jc.fpsr, jc.x, jc.nzcv()),
            "{what}: interpreter (left) and JIT (right) differ"
        );
        out.swap_remove(0).1
    }
}

/// Mostly the interesting values, sometimes random bits with the exponent near the
/// bottom of the range or anywhere.
fn random_double(rng: &mut Rng) -> u64 {
    let r = rng.next_u64();
    match r % 4 {
        0 | 1 => D_VALUES[(r >> 8) as usize % D_VALUES.len()],
        2 => (r >> 8) & 0x803f_ffff_ffff_ffff,
        _ => rng.next_u64(),
    }
}

fn random_single(rng: &mut Rng) -> u32 {
    let r = rng.next_u64();
    match r % 4 {
        0 | 1 => S_VALUES[(r >> 8) as usize % S_VALUES.len()],
        2 => (r >> 8) as u32 & 0x81ff_ffff,
        _ => rng.next_u64() as u32,
    }
}

fn random_reg(rng: &mut Rng) -> [u64; 2] {
    if rng.next_u64() & 1 == 0 {
        vreg_d([random_double(rng), random_double(rng)])
    } else {
        vreg_s([
            random_single(rng),
            random_single(rng),
            random_single(rng),
            random_single(rng),
        ])
    }
}

#[test]
fn tiers_agree_on_boundary_operands_under_every_fpcr() {
    let fpcrs = [0, FZ, DN, RP, RM, RZ, FZ | DN];
    let fpsrs = [0, IXC as u64, 0x9f];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for &insn in ALL.iter().chain(CONVERSIONS) {
        let mut pair = Pair::new(&[insn, BRK0]);
        for case in 0..400 {
            let regs = [
                random_reg(&mut rng),
                random_reg(&mut rng),
                random_reg(&mut rng),
                random_reg(&mut rng),
            ];
            let fpcr = fpcrs[case % fpcrs.len()];
            let fpsr = fpsrs[(case / fpcrs.len()) % fpsrs.len()];
            pair.run(&format!("{insn:#x} case {case}"), |c| {
                c.vreg[..4].copy_from_slice(&regs);
                c.x[1] = regs[3][1];
                c.fpcr = fpcr;
                c.fpsr = fpsr;
            });
        }
    }
}

#[test]
fn tiers_agree_on_every_pair_of_special_doubles_and_singles() {
    for &insn in ALL.iter().chain(CONVERSIONS) {
        let mut pair = Pair::new(&[insn, BRK0]);
        for (i, &a) in D_VALUES.iter().enumerate() {
            for (j, &b) in D_VALUES.iter().enumerate() {
                let (sa, sb) = (S_VALUES[i], S_VALUES[j]);
                for fpsr in [0, IXC as u64] {
                    pair.run(&format!("{insn:#x} {a:#x} {b:#x}"), |c| {
                        // Double lanes in v1..v3 for the D forms; S forms read the low
                        // words, so put the singles in a second run below.
                        c.vreg[1] = [a, b];
                        c.vreg[2] = [b, a];
                        c.vreg[3] = [a, a];
                        c.x[1] = b;
                        c.fpsr = fpsr;
                    });
                    pair.run(&format!("{insn:#x} {sa:#x} {sb:#x}"), |c| {
                        c.vreg[1] = vreg_s([sa, sb, sa, sb]);
                        c.vreg[2] = vreg_s([sb, sa, sb, sa]);
                        c.vreg[3] = vreg_s([sa, sa, sb, sb]);
                        c.x[1] = (a as i64 >> 20) as u64;
                        c.fpsr = fpsr;
                    });
                }
            }
        }
    }
}

/// Runs `insn` on d1, d2 (and d3) with FPSR.IXC set beforehand (so the JIT may take its
/// fast path) and returns (d0, FPSR).
fn scalar_d(insn: u32, a: u64, b: u64, fpcr: u64) -> (u64, u64) {
    let mut pair = Pair::new(&[insn, BRK0]);
    let c = pair.run("scalar", |c| {
        c.vreg[1] = [a, 0];
        c.vreg[2] = [b, 0];
        c.fpcr = fpcr;
        c.fpsr = IXC as u64;
    });
    assert_eq!(c.vreg[0][1], 0, "the top half of a scalar result is zeroed");
    (c.vreg[0][0], c.fpsr)
}

#[test]
fn rounding_up_to_the_smallest_normal_is_still_an_underflow() {
    // (1 - 2^-53) * 2^-1022 lies halfway between the largest denormal and the smallest
    // normal and rounds (to even) up to the smallest normal: tiny before rounding (Arm),
    // not after (x86), so Underflow must be raised.
    let (r, fpsr) = scalar_d(FMUL_D, 0x3fef_ffff_ffff_ffff, 0x0010_0000_0000_0000, 0);
    assert_eq!(r, 0x0010_0000_0000_0000);
    assert_eq!(fpsr, (IXC | UFC) as u64);
    // Just above the smallest normal: an ordinary inexact result, no underflow.
    let (r, fpsr) = scalar_d(FMUL_D, 0x3ff0_0000_0000_0001, 0x0010_0000_0000_0001, 0);
    assert_eq!(r, 0x0010_0000_0000_0002);
    assert_eq!(fpsr, IXC as u64);
    // Exactly the smallest normal, exact: no flag beyond the preset IXC.
    let (r, fpsr) = scalar_d(FSUB_D, 0x0020_0000_0000_0000, 0x0010_0000_0000_0000, 0);
    assert_eq!(r, 0x0010_0000_0000_0000);
    assert_eq!(fpsr, IXC as u64);
}

#[test]
fn nans_flush_to_zero_and_rounding_modes_are_arm_s() {
    // A signalling NaN operand: quieted, Invalid Operation.
    let (r, fpsr) = scalar_d(FADD_D, 0x7ff0_0000_0000_4321, 0x3ff0_0000_0000_0000, 0);
    assert_eq!(r, 0x7ff8_0000_0000_4321);
    assert_eq!(fpsr, IXC as u64 | 1);
    // Arm propagates the first operand's NaN (x86 would also, but FMAX would not).
    let (r, _) = scalar_d(FMAX_D, 0xfff8_0000_0000_1234, 0x7ff8_0000_0000_5678, 0);
    assert_eq!(r, 0xfff8_0000_0000_1234);
    // Default NaN mode.
    let (r, _) = scalar_d(FADD_D, 0xfff8_0000_0000_1234, 0x3ff0_0000_0000_0000, DN);
    assert_eq!(r, 0x7ff8_0000_0000_0000);
    // FZ: a denormal operand is flushed (Input Denormal).
    let (r, fpsr) = scalar_d(FADD_D, 0x0000_0000_0000_0001, 0x3ff0_0000_0000_0000, FZ);
    assert_eq!(r, 0x3ff0_0000_0000_0000);
    assert_eq!(fpsr, IXC as u64 | 0x80);
    // 1 / 3 in each rounding mode: nearest and down give ...555, up gives ...556.
    let third = |fpcr| scalar_d(FDIV_D, 0x3ff0_0000_0000_0000, 0x4008_0000_0000_0000, fpcr).0;
    assert_eq!(third(0), 0x3fd5_5555_5555_5555);
    assert_eq!(third(RP), 0x3fd5_5555_5555_5556);
    assert_eq!(third(RM), 0x3fd5_5555_5555_5555);
    assert_eq!(third(RZ), 0x3fd5_5555_5555_5555);
    // -1 / 3: toward minus infinity rounds the magnitude up.
    let r = scalar_d(FDIV_D, 0xbff0_0000_0000_0000, 0x4008_0000_0000_0000, RM).0;
    assert_eq!(r, 0xbfd5_5555_5555_5556);
}

#[test]
fn fpsr_accumulates_and_fpcr_changes_apply_within_a_compiled_block() {
    let code = [
        FADD_D,      // 1 + 3: exact, FPSR stays clear (helper: IXC is not set yet)
        MRS_X0_FPSR, // x0 = 0
        FDIV_D,      // 1 / 3: inexact, sets IXC
        FADD_D,      // exact again; now the fast path may run
        MSR_FPCR_X1, // x1: the new rounding mode
        FDIV_D,      // 1 / 3 in that mode
        MRS_X3_FPSR, // x3 = IXC
        BRK0,
    ];
    let mut pair = Pair::new(&code);
    for (fpcr, third) in [(RP, 0x3fd5_5555_5555_5556), (0, 0x3fd5_5555_5555_5555)] {
        let c = pair.run("sequence", |c| {
            c.vreg[1] = [0x3ff0_0000_0000_0000, 0];
            c.vreg[2] = [0x4008_0000_0000_0000, 0];
            c.x[1] = fpcr;
        });
        assert_eq!(c.x[0], 0, "an exact FADD leaves FPSR clear");
        assert_eq!(c.x[3], IXC as u64);
        assert_eq!(c.fpsr, IXC as u64);
        assert_eq!(c.fpcr, fpcr);
        assert_eq!(c.vreg[0], [third, 0]);
    }
}

#[test]
fn vector_lanes_are_independent() {
    // Lane 2 overflows (slow path for the whole instruction), the others are ordinary:
    // the result must still be exact in every lane and raise OFC.
    let mut pair = Pair::new(&[FADD_4S, BRK0]);
    let c = pair.run("fadd 4s", |c| {
        c.vreg[1] = vreg_s([0x3f80_0000, 0x4000_0000, 0x7f7f_ffff, 0xbf80_0000]);
        c.vreg[2] = vreg_s([0x3f80_0000, 0x4000_0000, 0x7f7f_ffff, 0x3f80_0000]);
        c.fpsr = IXC as u64;
    });
    assert_eq!(
        c.vreg[0],
        vreg_s([0x4000_0000, 0x4080_0000, 0x7f80_0000, 0x0000_0000])
    );
    assert_eq!(c.fpsr, (IXC | 0x4) as u64);
    // 2S zeroes the top half.
    let mut pair = Pair::new(&[FADD_2S, BRK0]);
    let c = pair.run("fadd 2s", |c| {
        c.vreg[0] = [u64::MAX, u64::MAX];
        c.vreg[1] = vreg_s([0x3f80_0000, 0x4000_0000, 1, 2]);
        c.vreg[2] = vreg_s([0x3f80_0000, 0x4000_0000, 3, 4]);
        c.fpsr = IXC as u64;
    });
    assert_eq!(c.vreg[0], vreg_s([0x4000_0000, 0x4080_0000, 0, 0]));
}

#[test]
fn compares_set_arm_nzcv() {
    let mut pair = Pair::new(&[FCMP_D, BRK0]);
    let mut cmp = |a: u64, b: u64| {
        let c = pair.run("fcmp", |c| {
            c.vreg[1] = [a, 0];
            c.vreg[2] = [b, 0];
        });
        (c.nzcv(), c.fpsr)
    };
    let one = 0x3ff0_0000_0000_0000;
    let two = 0x4000_0000_0000_0000;
    assert_eq!(cmp(one, two), (0x8000_0000, 0));
    assert_eq!(cmp(two, one), (0x2000_0000, 0));
    assert_eq!(cmp(one, one), (0x6000_0000, 0));
    assert_eq!(cmp(0x8000_0000_0000_0000, 0), (0x6000_0000, 0));
    // A denormal against zero, FZ = 0: ordered, greater, no flag.
    assert_eq!(cmp(1, 0), (0x2000_0000, 0));
    // Quiet NaN: unordered, no flag for FCMP; signalling NaN: Invalid Operation.
    assert_eq!(cmp(0x7ff8_0000_0000_0000, one), (0x3000_0000, 0));
    assert_eq!(cmp(one, 0x7ff0_0000_0000_0001), (0x3000_0000, 1));
    // FCMPE signals on a quiet NaN too.
    let mut pair = Pair::new(&[FCMPE_S, BRK0]);
    let c = pair.run("fcmpe", |c| {
        c.vreg[1] = [0x7fc0_0000, 0];
        c.vreg[2] = [0x3f80_0000, 0];
    });
    assert_eq!((c.nzcv(), c.fpsr), (0x3000_0000, 1));
    // FZ: a denormal compares equal to zero and raises Input Denormal.
    let mut pair = Pair::new(&[FCMP_D_ZERO, BRK0]);
    let c = pair.run("fcmp #0 fz", |c| {
        c.vreg[1] = [1, 0];
        c.fpcr = FZ;
    });
    assert_eq!((c.nzcv(), c.fpsr), (0x6000_0000, 0x80));
}

#[test]
fn clearing_fpsr_mid_block_makes_inexact_visible_again() {
    // The JIT computes its guard once per block; writing FPSR must recompute it, or the
    // second FDIV would run inline with IXC clear and not raise it.
    let code = [FDIV_D, MSR_FPSR_XZR, FDIV_D, MRS_X3_FPSR, BRK0];
    let mut pair = Pair::new(&code);
    let c = pair.run("clear fpsr", |c| {
        c.vreg[1] = [0x3ff0_0000_0000_0000, 0];
        c.vreg[2] = [0x4008_0000_0000_0000, 0];
        c.fpsr = IXC as u64;
    });
    assert_eq!(c.x[3], IXC as u64);
    assert_eq!(c.vreg[0], [0x3fd5_5555_5555_5555, 0]);
}

#[test]
fn conversions_at_their_range_limits() {
    // fcvtzs w0, d1 around the 32-bit limits, and fcvtzu x0, d1 below zero.
    let mut pair = Pair::new(&[0x1e78_0020, BRK0]);
    let mut w = |d: f64| {
        let c = pair.run("fcvtzs w", |c| {
            c.vreg[1] = [d.to_bits(), 0];
            c.x[0] = u64::MAX;
            c.fpsr = IXC as u64;
        });
        (c.x[0], c.fpsr)
    };
    assert_eq!(w(2147483647.5), (0x7fff_ffff, IXC as u64));
    assert_eq!(w(2147483648.0), (0x7fff_ffff, IXC as u64 | 1));
    assert_eq!(w(-2147483648.75), (0x8000_0000, IXC as u64));
    assert_eq!(w(-2147483649.0), (0x8000_0000, IXC as u64 | 1));
    assert_eq!(w(-1.5), (0xffff_ffff, IXC as u64));
    let mut pair = Pair::new(&[0x9e79_0020, BRK0]);
    let mut u = |d: f64| {
        let c = pair.run("fcvtzu x", |c| {
            c.vreg[1] = [d.to_bits(), 0];
            c.fpsr = IXC as u64;
        });
        (c.x[0], c.fpsr)
    };
    assert_eq!(u(-0.75), (0, IXC as u64));
    assert_eq!(u(-1.0), (0, IXC as u64 | 1));
    assert_eq!(
        u(18446744073709549568.0),
        (0xffff_ffff_ffff_f800, IXC as u64)
    );
    assert_eq!(u(18446744073709551616.0), (u64::MAX, IXC as u64 | 1));
    // scvtf s0, w1 of a 25-bit odd number rounds (to even).
    let mut pair = Pair::new(&[0x1e22_0020, BRK0]);
    let c = pair.run("scvtf", |c| {
        c.x[1] = 0x0100_0001;
        c.fpsr = IXC as u64;
    });
    assert_eq!(c.vreg[0], [0x4b80_0000, 0]);
}
