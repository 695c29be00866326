//! Generating cases: an instance of an encoding with its operands, under one FPCR.

use super::*;

/// FPSR's cumulative flags: QC, IDC, IXC, UFC, OFC, DZC, IOC.
pub const FPSR_CUMULATIVE: u64 = 0x0800_009f;

/// The FPCR values every instance runs under: RMode (23:22) x FZ (24) x DN (25), and AHP
/// (26) when it matters.
pub fn fpcr_settings(with_ahp: bool) -> Vec<u64> {
    let mut settings = Vec::new();
    for ahp in 0..=u64::from(with_ahp) {
        for dn in 0..2u64 {
            for fz in 0..2u64 {
                for rmode in 0..4u64 {
                    settings.push((ahp << 26) | (dn << 25) | (fz << 24) | (rmode << 22));
                }
            }
        }
    }
    settings
}

/// One case: an instruction and the state it starts from.
pub struct Case {
    pub encoding: usize,
    pub word: u32,
    pub fpcr: u64,
    pub nzcv: u64,
    /// FPSR before the instruction: its cumulative flags must be kept, not overwritten.
    pub fpsr: u64,
    pub x: [u64; 30],
    pub v: [[u64; 2]; 32],
    pub scratch: Vec<u8>,
    /// The load/store base register, pointed at the scratch memory when the case is
    /// placed in a record (its address depends on the record's position).
    pub base: Option<usize>,
}

pub fn field_value(word: u32, field: RegField) -> u32 {
    (word >> field.lo) & ((1 << field.width) - 1)
}

pub fn with_field(word: u32, field: RegField, value: u32) -> u32 {
    let mask = ((1u64 << field.width) - 1) as u32;
    (word & !(mask << field.lo)) | ((value & mask) << field.lo)
}

/// A random value for an address-forming immediate, within the scratch memory.
pub fn offset_value(rng: &mut Rng, kind: Offset) -> u32 {
    match kind {
        Offset::Unsigned12 => rng.below(8),
        Offset::Signed9 => (rng.below(256) as i32 - 128) as u32,
        Offset::Signed7 => (rng.below(8) as i32 - 4) as u32,
        Offset::Literal19 => rng.below(64),
    }
}

pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Instance `instance` of encoding `index`: a pure function of the seed, so every FPCR
/// setting of an instance sees the same instruction and operands.
pub fn make_case(encoding: &Encoding, index: usize, seed: u64, instance: u32, fpcr: u64) -> Case {
    let mut rng = Rng::new(seed ^ fnv1a(&encoding.key) ^ (u64::from(instance) << 40));
    let mut word = encoding.words[rng.below(encoding.words.len() as u32) as usize];
    for field in &encoding.registers {
        word |= rng.below(1 << field.width) << field.lo;
    }
    let mut x = [0u64; 30];
    for value in x.iter_mut() {
        *value = values::general(&mut rng);
    }
    let mut base = None;
    if let Some(memory) = &encoding.memory {
        // The base is never SP (SP holds the harness's record pointer) nor X30 (the slot
        // address); an index register is another register, with a small value, unless
        // the word fixes it to 31 (the immediate post-index form); a pair load needs two
        // different registers (the same one twice is CONSTRAINED UNPREDICTABLE).
        let fixed_index = memory.index.is_some_and(|f| field_value(word, f) == 31);
        loop {
            let mut candidate = word;
            let base_number = rng.below(30);
            if let Some(field) = memory.base {
                candidate = with_field(candidate, field, base_number);
            }
            if let (Some(field), false) = (memory.index, fixed_index) {
                candidate = with_field(candidate, field, rng.below(30));
            }
            let index_clash = memory
                .index
                .is_some_and(|f| !fixed_index && field_value(candidate, f) == base_number);
            let pair_clash = memory
                .pair
                .is_some_and(|(a, b)| field_value(candidate, a) == field_value(candidate, b));
            if !index_clash && !pair_clash {
                word = candidate;
                break;
            }
        }
        for &(kind, field) in &memory.offsets {
            word = with_field(word, field, offset_value(&mut rng, kind));
        }
        if let (Some(field), false) = (memory.index, fixed_index) {
            x[field_value(word, field) as usize] = u64::from(rng.below(8));
        }
        base = memory.base.map(|field| field_value(word, field) as usize);
    }
    let scratch: Vec<u8> = (0..SCRATCH_BYTES).map(|_| rng.next_u64() as u8).collect();
    let source = encoding.source_bits.unwrap_or(64);
    let dest = encoding.dest_bits.unwrap_or(64);
    let mut v = [[0u64; 2]; 32];
    for value in v.iter_mut() {
        let bits = match rng.below(4) {
            0 | 1 => source,
            2 => dest,
            _ => 8 << rng.below(4),
        };
        *value = values::vector(&mut rng, bits);
    }
    let nzcv = u64::from(rng.below(16)) << 28;
    // Half the cases start with some of QC, IDC, IXC, UFC, OFC, DZC, IOC already set.
    let fpsr = if rng.bit() == 0 {
        0
    } else {
        rng.next_u64() & FPSR_CUMULATIVE
    };
    Case {
        encoding: index,
        word,
        fpcr,
        nzcv,
        fpsr,
        x,
        v,
        scratch,
        base,
    }
}
