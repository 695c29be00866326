//! Instruction tests for loads and stores: raw instruction words (assembled with
//! aarch64-linux-gnu-as; the assembly is in the comments) run in both tiers with
//! [`run_mem`], expected values worked out by hand from the Arm ARM.

mod atomic;
mod exclusive;
mod fuzz;
mod host_faults;
mod pair;
mod single;
mod structs;

use crate::state::CpuState;
use crate::testkit::{Bare, Tier, DATA, DATA_LEN};
use emu_core::emit::Exit;

/// The result of [`run_mem`]: final CPU state, the exit, and the data area.
pub(crate) struct Run {
    pub cpu: CpuState,
    pub exit: Exit,
    pub data: Vec<u8>,
}

impl Run {
    pub fn u64_at(&self, off: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.data[off..off + 8]);
        u64::from_le_bytes(b)
    }
}

/// Like `testkit::run_both`, but first fills the data area (at DATA, x28) with `data`,
/// and returns the data area too. Both tiers must agree on everything.
pub(crate) fn run_mem(code: &[u32], data: &[u8], setup: impl Fn(&mut CpuState)) -> Run {
    let mut runs = Vec::new();
    for tier in [Tier::Interp, Tier::Jit] {
        let mut b = Bare::new(code, tier);
        b.space
            .view()
            .write_bytes(DATA, data)
            .expect("data fits the data area");
        setup(&mut b.cpu);
        let exit = b.run();
        let mut mem = vec![0u8; DATA_LEN as usize];
        b.space
            .view()
            .read_bytes(DATA, &mut mem)
            .expect("read data");
        runs.push(Run {
            cpu: b.cpu.clone(),
            exit,
            data: mem,
        });
    }
    let jit = runs.pop().expect("two runs");
    let int = runs.pop().expect("two runs");
    assert_eq!(int.exit, jit.exit, "exit differs between tiers");
    assert_eq!(int.cpu.core.pc, jit.cpu.core.pc, "pc differs between tiers");
    assert_eq!(int.cpu.x, jit.cpu.x, "X registers differ between tiers");
    assert_eq!(int.cpu.nzcv(), jit.cpu.nzcv(), "NZCV differs between tiers");
    assert_eq!(
        int.cpu.vreg, jit.cpu.vreg,
        "V registers differ between tiers"
    );
    assert!(int.data == jit.data, "data memory differs between tiers");
    if int.exit.is_fault() {
        assert_eq!(int.cpu.core.fault_addr, jit.cpu.core.fault_addr);
    }
    int
}

/// A recognisable 64-bit value whose bytes all differ (bytes ff ee dd cc bb aa 99 88 in
/// memory order), with the sign bit set in every byte, half and word.
pub(crate) const PATTERN: u64 = 0x8899_aabb_ccdd_eeff;
