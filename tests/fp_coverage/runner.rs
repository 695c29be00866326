//! Running cases: the guest harness (tests/guest/fp_batch_harness), its record layout,
//! and the processes that run batches of records under qemu-aarch64 and emu.

use super::*;

/// Record layout shared with fp_batch_harness.S.
pub const RECORD: usize = 2080;
pub const OUT: usize = 784;
/// The case's scratch memory (after the output registers), and where in it a load or
/// store's base register points: offsets are kept within +-128 bytes and accesses are at
/// most 64 bytes, so every access stays inside.
pub const SCRATCH: usize = 1568;
pub const SCRATCH_BYTES: usize = 512;
pub const BASE_OFFSET: u64 = 256;
pub const OUT_WORDS: usize = 34;
pub const VIN: usize = 272;
pub const HEADER: usize = 16;

/// Processes a runner may be restarted on subsets of a failing batch to find the cases
/// that make it fail.
pub const BISECT_BUDGET: u32 = 64;

/// The harness binary and where its instruction slots are.
pub struct Harness {
    pub bytes: Vec<u8>,
    pub slots_file_offset: usize,
    pub slots_address: u64,
    pub slots: usize,
    /// Guest address of record 0.
    pub records_address: u64,
}

pub fn load_harness() -> Harness {
    let path = guest_dir().join("fp_batch_harness");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let elf = goblin::elf::Elf::parse(&bytes).expect("fp_batch_harness is an ELF");
    let symbol = |name: &str| -> u64 {
        elf.syms
            .iter()
            .find(|sym| elf.strtab.get_at(sym.st_name) == Some(name))
            .map(|sym| sym.st_value)
            .unwrap_or_else(|| panic!("fp_batch_harness has no symbol {name}"))
    };
    let start = symbol("harness_slots");
    let end = symbol("harness_slots_end");
    let file_offset = elf
        .program_headers
        .iter()
        .find(|ph| {
            ph.p_type == goblin::elf::program_header::PT_LOAD
                && start >= ph.p_vaddr
                && end <= ph.p_vaddr + ph.p_filesz
        })
        .map(|ph| (start - ph.p_vaddr + ph.p_offset) as usize)
        .expect("the slots are in a loaded segment");
    let records_address = symbol("harness_records") + HEADER as u64;
    Harness {
        slots_file_offset: file_offset,
        slots_address: start,
        slots: ((end - start) / 8) as usize,
        records_address,
        bytes,
    }
}

/// The record of `case` as the harness reads it, for the record at `record_address`.
pub fn record(case: &Case, slot_address: u64, record_address: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; RECORD];
    bytes[SCRATCH..SCRATCH + SCRATCH_BYTES].copy_from_slice(&case.scratch);
    let mut put = |at: usize, value: u64| bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
    for (i, value) in case.x.iter().enumerate() {
        put(8 * i, *value);
    }
    if let Some(base) = case.base {
        put(8 * base, record_address + (SCRATCH as u64) + BASE_OFFSET);
    }
    put(8 * 30, slot_address);
    put(8 * 31, case.nzcv);
    put(8 * 32, case.fpcr);
    put(8 * 33, case.fpsr);
    for (i, halves) in case.v.iter().enumerate() {
        put(VIN + 16 * i, halves[0]);
        put(VIN + 16 * i + 8, halves[1]);
    }
    bytes
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    Qemu,
    Interp,
    Jit,
}

impl Runner {
    pub fn name(self) -> &'static str {
        match self {
            Runner::Qemu => "qemu-aarch64",
            Runner::Interp => "emu --tier interp",
            Runner::Jit => "emu --tier jit",
        }
    }
}

/// The output part of each record, or why the runner produced none.
pub type Outputs = Vec<Result<Vec<u8>, String>>;

/// A batch ready to run: the patched harness and the records, in slot order.
pub struct Batch<'a> {
    pub program: &'a Path,
    pub records: Vec<Vec<u8>>,
    /// A slot holding only the NOP: records outside the part being run are pointed here,
    /// so every record keeps its place (its base register points into its own scratch).
    pub nop_slot: u64,
}

/// Cases per process: one slot fewer than the harness has, so the last one stays a NOP.
pub fn batch_capacity(harness: &Harness) -> usize {
    harness.slots - 1
}

/// Writes the harness with the cases' instructions patched in to `program` and builds
/// their records. Cases with the same instruction (an instance under each FPCR) share a
/// slot, so the JIT tier compiles each instruction once.
pub fn prepare_batch<'a>(harness: &Harness, cases: &[Case], program: &'a Path) -> Batch<'a> {
    assert!(cases.len() <= batch_capacity(harness));
    let mut binary = harness.bytes.clone();
    let mut records = Vec::with_capacity(cases.len());
    let mut slot_of = std::collections::HashMap::new();
    for (index, case) in cases.iter().enumerate() {
        let next = slot_of.len();
        let slot = *slot_of.entry(case.word).or_insert(next);
        let at = harness.slots_file_offset + 8 * slot;
        binary[at..at + 4].copy_from_slice(&case.word.to_le_bytes());
        records.push(record(
            case,
            harness.slots_address + 8 * slot as u64,
            harness.records_address + (index * RECORD) as u64,
        ));
    }
    std::fs::write(program, &binary).expect("temp dir is writable");
    std::fs::set_permissions(program, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("temp file permissions can be set");
    Batch {
        program,
        records,
        nop_slot: harness.slots_address + 8 * (harness.slots as u64 - 1),
    }
}

/// Runs the records of `part` (the others do nothing); their outputs, or why there are none.
pub fn run_records(
    qemu: &Path,
    runner: Runner,
    batch: &Batch,
    part: std::ops::Range<usize>,
) -> Outputs {
    let mut stdin = vec![0u8; HEADER];
    stdin[..8].copy_from_slice(&(batch.records.len() as u64).to_le_bytes());
    for (i, record) in batch.records.iter().enumerate() {
        if part.contains(&i) {
            stdin.extend_from_slice(record);
        } else {
            let mut idle = record.clone();
            idle[8 * 30..8 * 31].copy_from_slice(&batch.nop_slot.to_le_bytes());
            stdin.extend_from_slice(&idle);
        }
    }
    let mut command = match runner {
        Runner::Qemu => qemu_command(qemu, None, batch.program, &[]),
        Runner::Interp => emu_command(Some("interp"), None, batch.program, &[]),
        Runner::Jit => emu_command(Some("jit"), None, batch.program, &[]),
    };
    if let Some(dir) = batch.program.parent() {
        command.current_dir(dir);
    }
    let outcome = run_command(command, &stdin, Duration::from_secs(300));
    let expected_len = batch.records.len() * RECORD;
    if outcome.status == emu_tests::Status::Exit(0) && outcome.stdout.len() == expected_len {
        return outcome.stdout[part.start * RECORD..part.end * RECORD]
            .chunks(RECORD)
            .map(|chunk| Ok(chunk[OUT..].to_vec()))
            .collect();
    }
    let why = format!(
        "{} ended with {:?} after {} of {} bytes: {}",
        runner.name(),
        outcome.status,
        outcome.stdout.len(),
        expected_len,
        emu_tests::stderr_tail(&outcome)
    );
    vec![Err(why); part.len()]
}

/// Runs the records of `part`; if the process fails, halves the part until the failing
/// cases are found (within `budget` extra processes), so one bad case costs only its own
/// result.
pub fn run_bisecting(
    qemu: &Path,
    runner: Runner,
    batch: &Batch,
    part: std::ops::Range<usize>,
    budget: &mut u32,
) -> Outputs {
    let outputs = run_records(qemu, runner, batch, part.clone());
    if part.len() == 1 || outputs.iter().all(Result::is_ok) || *budget == 0 {
        return outputs;
    }
    let middle = part.start + part.len() / 2;
    let mut result = Vec::with_capacity(part.len());
    for half in [part.start..middle, middle..part.end] {
        *budget = budget.saturating_sub(1);
        result.extend(run_bisecting(qemu, runner, batch, half, budget));
    }
    result
}
