//! A generator of random *valid* A64 integer instructions: data processing (immediate
//! and register), bitfield, conditional select/compare, multiply/divide, CRC32, and
//! loads/stores/LSE atomics whose base register is X28 with offsets inside a
//! [`SCRATCH_BYTES`]-byte buffer. X28 is never a destination, so memory accesses stay in
//! the buffer whatever the other registers hold. Used by the qemu differential test
//! (random_insns.rs) and the in-process tier agreement test (tier_agreement.rs).
//!
//! "Valid" means allocated in the Arm ARM and not CONSTRAINED UNPREDICTABLE, so any two
//! correct implementations must agree on the result.

// Binary literals are grouped by the Arm ARM encoding fields, not in fours.
#![allow(clippy::unusual_byte_groupings)]

/// Bytes of scratch memory that X28 points to.
pub const SCRATCH_BYTES: usize = 256;
/// The scratch base register: never written by generated code.
pub const BASE: u32 = 28;

/// xorshift64*: small, fast and identical everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n)) as u32
    }
    pub fn bit(&mut self) -> u32 {
        self.below(2)
    }
    /// Any register number 0-31 (31 is XZR or SP depending on the field).
    pub fn reg(&mut self) -> u32 {
        self.below(32)
    }
    /// A destination register: anything but the scratch base.
    pub fn dest(&mut self) -> u32 {
        loop {
            let r = self.reg();
            if r != BASE {
                return r;
            }
        }
    }
    /// Register values biased towards edge cases, which find more bugs than uniform ones.
    pub fn value(&mut self) -> u64 {
        const EDGES: [u64; 12] = [
            0,
            1,
            0xffff_ffff_ffff_ffff,
            0x7fff_ffff_ffff_ffff,
            0x8000_0000_0000_0000,
            0xffff_ffff,
            0x7fff_ffff,
            0x8000_0000,
            0x1_0000_0000,
            0xff,
            0x8000,
            63,
        ];
        match self.below(4) {
            0 => EDGES[self.below(EDGES.len() as u32) as usize],
            1 => self.next_u64() & 0xffff,
            _ => self.next_u64(),
        }
    }
}

/// ARM ARM DecodeBitMasks validity: is (N, immr, imms) a valid logical immediate?
pub fn valid_bitmask(sf: u32, n: u32, imms: u32) -> bool {
    if sf == 0 && n == 1 {
        return false;
    }
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return false;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return false;
    }
    let levels = (1u32 << len) - 1;
    (imms & levels) != levels
}

fn cond(rng: &mut Rng) -> u32 {
    rng.below(16)
}

/// One random valid instruction from the groups listed at the top of the file.
pub fn random_instruction(rng: &mut Rng) -> u32 {
    let sf = rng.bit();
    let width = if sf == 1 { 64 } else { 32 };
    match rng.below(19) {
        // ADD/ADDS/SUB/SUBS (immediate). Rd/Rn = 31 are SP for the non-flag forms.
        0 => {
            let s = rng.bit();
            (sf << 31)
                | (rng.bit() << 30)
                | (s << 29)
                | (0b100010 << 23)
                | (rng.bit() << 22)
                | (rng.below(4096) << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // AND/ORR/EOR/ANDS (immediate), with a valid bitmask.
        1 => loop {
            let n = if sf == 1 { rng.bit() } else { 0 };
            let imms = rng.below(64);
            if valid_bitmask(sf, n, imms) {
                break (sf << 31)
                    | (rng.below(4) << 29)
                    | (0b100100 << 23)
                    | (n << 22)
                    | (rng.below(64) << 16)
                    | (imms << 10)
                    | (rng.reg() << 5)
                    | rng.dest();
            }
        },
        // MOVN/MOVZ/MOVK.
        2 => {
            let opc = [0, 2, 3][rng.below(3) as usize];
            let hw = rng.below(if sf == 1 { 4 } else { 2 });
            (sf << 31)
                | (opc << 29)
                | (0b100101 << 23)
                | (hw << 21)
                | (rng.below(1 << 16) << 5)
                | rng.dest()
        }
        // SBFM/BFM/UBFM (N must equal sf).
        3 => {
            (sf << 31)
                | (rng.below(3) << 29)
                | (0b100110 << 23)
                | (sf << 22)
                | (rng.below(width) << 16)
                | (rng.below(width) << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // EXTR.
        4 => {
            (sf << 31)
                | (0b00100111 << 23)
                | (sf << 22)
                | (rng.reg() << 16)
                | (rng.below(width) << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // Logical (shifted register), all four shifts including ROR, with N (BIC/ORN/EON...).
        5 => {
            (sf << 31)
                | (rng.below(4) << 29)
                | (0b01010 << 24)
                | (rng.below(4) << 22)
                | (rng.bit() << 21)
                | (rng.reg() << 16)
                | (rng.below(width) << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // ADD/SUB(S) (shifted register): LSL/LSR/ASR.
        6 => {
            (sf << 31)
                | (rng.bit() << 30)
                | (rng.bit() << 29)
                | (0b01011 << 24)
                | (rng.below(3) << 22)
                | (rng.reg() << 16)
                | (rng.below(width) << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // ADD/SUB(S) (extended register), shift 0-4.
        7 => {
            (sf << 31)
                | (rng.bit() << 30)
                | (rng.bit() << 29)
                | (0b01011_00_1 << 21)
                | (rng.reg() << 16)
                | (rng.below(8) << 13)
                | (rng.below(5) << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // ADC/ADCS/SBC/SBCS.
        8 => {
            (sf << 31)
                | (rng.bit() << 30)
                | (rng.bit() << 29)
                | (0b11010000 << 21)
                | (rng.reg() << 16)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // CCMN/CCMP, register or immediate.
        9 => {
            (sf << 31)
                | (rng.bit() << 30)
                | (1 << 29)
                | (0b11010010 << 21)
                | (rng.reg() << 16)
                | (cond(rng) << 12)
                | (rng.bit() << 11)
                | (rng.reg() << 5)
                | rng.below(16)
        }
        // CSEL/CSINC/CSINV/CSNEG.
        10 => {
            (sf << 31)
                | (rng.bit() << 30)
                | (0b11010100 << 21)
                | (rng.reg() << 16)
                | (cond(rng) << 12)
                | (rng.bit() << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // UDIV/SDIV/LSLV/LSRV/ASRV/RORV, and CRC32/CRC32C (sf selects the X form).
        11 => {
            let opcode = if rng.below(3) == 0 {
                let size = if sf == 1 { 3 } else { rng.below(3) };
                0b010000 | (rng.bit() << 2) | size
            } else {
                [2, 3, 8, 9, 10, 11][rng.below(6) as usize]
            };
            (sf << 31)
                | (0b11010110 << 21)
                | (rng.reg() << 16)
                | (opcode << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // RBIT/REV16/REV32/REV/CLZ/CLS.
        12 => {
            let opcode = if sf == 1 {
                rng.below(6)
            } else {
                [0, 1, 2, 4, 5][rng.below(5) as usize]
            };
            (sf << 31)
                | (1 << 30)
                | (0b11010110 << 21)
                | (opcode << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // MADD/MSUB, and the 64-bit-only SMADDL/SMSUBL/UMADDL/UMSUBL/SMULH/UMULH.
        13 => {
            let (sf, op31, o0) = match rng.below(8) {
                0..=2 => (sf, 0, rng.bit()),
                3 => (1, 1, rng.bit()),
                4 => (1, 5, rng.bit()),
                5 => (1, 2, 0),
                6 => (1, 6, 0),
                _ => (sf, 0, 0),
            };
            let ra = if op31 == 2 || op31 == 6 {
                31
            } else {
                rng.reg()
            };
            (sf << 31)
                | (0b11011 << 24)
                | (op31 << 21)
                | (rng.reg() << 16)
                | (o0 << 15)
                | (ra << 10)
                | (rng.reg() << 5)
                | rng.dest()
        }
        // LDR/STR/LDRS* (unsigned offset) inside the buffer.
        14 => {
            let size = rng.below(4);
            let opc = match size {
                3 => rng.below(2),
                2 => rng.below(3),
                _ => rng.below(4),
            };
            let slots = (SCRATCH_BYTES as u32) >> size;
            let rt = if opc == 0 { rng.reg() } else { rng.dest() };
            (size << 30)
                | (0b111001 << 24)
                | (opc << 22)
                | (rng.below(slots) << 10)
                | (BASE << 5)
                | rt
        }
        // LDUR/STUR (unscaled, possibly unaligned), and register offset with XZR as index.
        15 => {
            let size = rng.below(4);
            let opc = match size {
                3 => rng.below(2),
                2 => rng.below(3),
                _ => rng.below(4),
            };
            let rt = if opc == 0 { rng.reg() } else { rng.dest() };
            if rng.bit() == 0 {
                let imm9 = rng.below(SCRATCH_BYTES as u32 - (1 << size) + 1);
                (size << 30) | (0b111000 << 24) | (opc << 22) | (imm9 << 12) | (BASE << 5) | rt
            } else {
                let option = [2, 3, 6, 7][rng.below(4) as usize];
                (size << 30)
                    | (0b111000 << 24)
                    | (opc << 22)
                    | (1 << 21)
                    | (31 << 16)
                    | (option << 13)
                    | (rng.bit() << 12)
                    | (0b10 << 10)
                    | (BASE << 5)
                    | rt
            }
        }
        // LDP/STP/LDPSW (signed offset, non-negative, inside the buffer).
        16 => {
            let (opc, load, scale) = match rng.below(5) {
                0 => (0, 0, 4),
                1 => (0, 1, 4),
                2 => (2, 0, 8),
                3 => (2, 1, 8),
                _ => (1, 1, 4),
            };
            let imm7 = rng.below((SCRATCH_BYTES as u32 - 2 * scale) / scale + 1);
            let (rt, rt2) = if load == 1 {
                loop {
                    let (a, b) = (rng.dest(), rng.dest());
                    if a != b {
                        break (a, b);
                    }
                }
            } else {
                (rng.reg(), rng.reg())
            };
            (opc << 30)
                | (0b101_0_010 << 23)
                | (load << 22)
                | (imm7 << 15)
                | (rt2 << 10)
                | (BASE << 5)
                | rt
        }
        // LSE: LDADD/LDCLR/LDEOR/LDSET/LDSMAX/LDSMIN/LDUMAX/LDUMIN/SWP, any size and order.
        17 => {
            let (o3, opc) = if rng.below(9) == 0 {
                (1, 0)
            } else {
                (0, rng.below(8))
            };
            (rng.below(4) << 30)
                | (0b111000 << 24)
                | (rng.bit() << 23)
                | (rng.bit() << 22)
                | (1 << 21)
                | (rng.reg() << 16)
                | (o3 << 15)
                | (opc << 12)
                | (BASE << 5)
                | rng.dest()
        }
        // CAS (any size) and CASP (even register pairs that avoid X28/X29 and X30/XZR).
        _ => {
            if rng.bit() == 0 {
                (rng.below(4) << 30)
                    | (0b001000_1 << 23)
                    | (rng.bit() << 22)
                    | (1 << 21)
                    | (rng.dest() << 16)
                    | (rng.bit() << 15)
                    | (0b11111 << 10)
                    | (BASE << 5)
                    | rng.reg()
            } else {
                let even = |rng: &mut Rng| rng.below(14) * 2; // 0..=26
                (sf << 30)
                    | (0b001000_0 << 23)
                    | (rng.bit() << 22)
                    | (1 << 21)
                    | (even(rng) << 16)
                    | (rng.bit() << 15)
                    | (0b11111 << 10)
                    | (BASE << 5)
                    | even(rng)
            }
        }
    }
}

/// A 128-bit V register value whose lanes are biased towards the floating-point values
/// that find bugs: signed zeros, infinities, quiet and signalling NaNs, denormals, the
/// largest finite values, exact integers at the rounding limit, and halves.
pub fn fp_register_value(rng: &mut Rng) -> [u64; 2] {
    const DOUBLES: [u64; 12] = [
        0,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0x7ff0_0000_0000_0001,
        0x0000_0000_0000_0001,
        0x000f_ffff_ffff_ffff,
        0x7fef_ffff_ffff_ffff,
        0x4330_0000_0000_0001,
        0x3fe0_0000_0000_0000,
    ];
    const SINGLES: [u32; 12] = [
        0,
        0x8000_0000,
        0x3f80_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x7f80_0001,
        0x0000_0001,
        0x007f_ffff,
        0x7f7f_ffff,
        0x4b00_0001,
        0xbf00_0000,
    ];
    let half = |rng: &mut Rng| -> u64 {
        match rng.below(4) {
            0 => DOUBLES[rng.below(12) as usize],
            1 => {
                let lo = SINGLES[rng.below(12) as usize];
                let hi = SINGLES[rng.below(12) as usize];
                (u64::from(hi) << 32) | u64::from(lo)
            }
            // Small integers and ordinary values: conversions and compares see both.
            2 => {
                (rng.next_u64() & 0x800f_ffff_ffff_ffff)
                    | (u64::from(0x3f0 + rng.below(0x60)) << 52)
            }
            _ => rng.next_u64(),
        }
    };
    [half(rng), half(rng)]
}

/// FPCR with random rounding mode (bits 23:22), flush-to-zero (24), default NaN (25) and
/// alternative half precision (26); the trap enables stay 0 as Linux leaves them.
pub fn random_fpcr(rng: &mut Rng) -> u64 {
    u64::from(rng.below(32)) << 22
}

/// One random valid scalar floating-point or Advanced SIMD instruction: FP arithmetic
/// (2- and 3-source, 1-source with rounding and precision conversion), compares (flags),
/// conditional select/compare, FP<->integer conversions and moves, FMOV immediate, and
/// vector integer/logical/compare/FP arithmetic. Single and double precision only
/// (half-precision arithmetic needs FEAT_FP16, which is not advertised); conversions
/// to and from half precision are base Armv8 and are included.
pub fn random_fp_simd_instruction(rng: &mut Rng) -> u32 {
    let ftype = rng.bit(); // 0 = single, 1 = double
    let (rd, rn, rm, ra) = (rng.reg(), rng.reg(), rng.reg(), rng.reg());
    match rng.below(12) {
        // FMUL/FDIV/FADD/FSUB/FMAX/FMIN/FMAXNM/FMINNM/FNMUL.
        0 | 1 => 0x1e20_0800 | (ftype << 22) | (rm << 16) | (rng.below(9) << 12) | (rn << 5) | rd,
        // FMADD/FMSUB/FNMADD/FNMSUB.
        2 => {
            0x1f00_0000
                | (ftype << 22)
                | (rng.bit() << 21)
                | (rm << 16)
                | (rng.bit() << 15)
                | (ra << 10)
                | (rn << 5)
                | rd
        }
        // FMOV/FABS/FNEG/FSQRT, FRINT{N,P,M,Z,A,X,I}, FCVT between precisions.
        3 | 4 => {
            let (source_type, opcode) = match rng.below(4) {
                0 => (ftype, rng.below(4)),
                1 | 2 => (ftype, [8, 9, 10, 11, 12, 14, 15][rng.below(7) as usize]),
                _ => {
                    // FCVT: any two different types among single (0), double (1), half (3).
                    let types = [0u32, 1, 3];
                    let from = types[rng.below(3) as usize];
                    let to = loop {
                        let t = types[rng.below(3) as usize];
                        if t != from {
                            break t;
                        }
                    };
                    (from, 0b000100 | to)
                }
            };
            0x1e20_4000 | (source_type << 22) | (opcode << 15) | (rn << 5) | rd
        }
        // FCMP/FCMPE, with a register or with zero.
        5 => {
            let opc2 = [0b00000, 0b10000, 0b01000, 0b11000][rng.below(4) as usize];
            let rm = if opc2 & 0b01000 != 0 { 0 } else { rm };
            0x1e20_2000 | (ftype << 22) | (rm << 16) | (rn << 5) | opc2
        }
        // FCSEL and FCCMP/FCCMPE.
        6 => {
            if rng.bit() == 0 {
                0x1e20_0c00 | (ftype << 22) | (rm << 16) | (rng.below(16) << 12) | (rn << 5) | rd
            } else {
                0x1e20_0400
                    | (ftype << 22)
                    | (rm << 16)
                    | (rng.below(16) << 12)
                    | (rn << 5)
                    | (rng.bit() << 4)
                    | rng.below(16)
            }
        }
        // FP -> integer: FCVT{N,P,M,Z}{S,U}, FCVTA{S,U}; the destination is a GPR.
        7 => {
            let sf = rng.bit();
            let (rmode, opcode) = if rng.below(3) == 0 {
                (0, 4 + rng.bit())
            } else {
                (rng.below(4), rng.bit())
            };
            (sf << 31)
                | 0x1e20_0000
                | (ftype << 22)
                | (rmode << 19)
                | (opcode << 16)
                | (rn << 5)
                | rng.dest()
        }
        // Integer -> FP: SCVTF/UCVTF from a GPR.
        8 => (rng.bit() << 31) | 0x1e22_0000 | (ftype << 22) | (rng.bit() << 16) | (rn << 5) | rd,
        // FMOV between a GPR and an FP register of the same width, and FMOV (immediate).
        9 => match rng.below(3) {
            0 => (ftype << 31) | 0x1e26_0000 | (ftype << 22) | (rn << 5) | rng.dest(), // FP -> GPR
            1 => (ftype << 31) | 0x1e27_0000 | (ftype << 22) | (rn << 5) | rd,         // GPR -> FP
            _ => 0x1e20_1000 | (ftype << 22) | (rng.below(256) << 13) | rd,
        },
        // Vector integer: ADD/SUB (any size), MUL (not 64-bit), CMGT/CMHI/CMEQ, logical.
        10 => {
            let q = rng.bit();
            let size = if q == 1 { rng.below(4) } else { rng.below(3) };
            let small = rng.below(3);
            let base = match rng.below(6) {
                0 => 0x0e20_8400 | (rng.bit() << 29) | (size << 22),
                1 => 0x0e20_9c00 | (small << 22),
                2 => 0x0e20_3400 | (rng.bit() << 29) | (size << 22),
                3 => 0x2e20_8c00 | (size << 22),
                _ => 0x0e20_1c00 | (rng.bit() << 29) | (rng.below(4) << 22),
            };
            base | (q << 30) | (rm << 16) | (rn << 5) | rd
        }
        // Vector FP: FADD/FSUB/FMUL/FMAXNM/FMINNM (double lanes need Q = 1).
        _ => {
            let sz = rng.bit();
            let q = if sz == 1 { 1 } else { rng.bit() };
            let base = [
                0x0e20_d400u32,
                0x0ea0_d400,
                0x2e20_dc00,
                0x0e20_c400,
                0x0ea0_c400,
            ][rng.below(5) as usize];
            base | (q << 30) | (sz << 22) | (rm << 16) | (rn << 5) | rd
        }
    }
}
