//! Semihosting in system mode: the [`Target`] of a vCPU on a board. Guest memory is
//! reached through the vCPU's current translation regime: reads with
//! [`softmmu::peek_virtual`] (no TLB fill, no device access), writes through the guest's
//! own store path [`softmmu::write`] (the current EL's permissions, and the code-page
//! tracking that drops translations of overwritten code).
//!
//! The board's vCPU loop calls [`service`] when the CPU reports a semihosting call (with
//! `SysCpu::semihosting` set), or [`handle_hlt`] on a raw `exits::HLT` exit.

use super::{HeapInfo, MemFault, Outcome, Semihosting, Target, HLT_IMM};
use crate::state::CpuState;
use crate::sys::{softmmu, SysCpu};

struct SystemTarget<'a> {
    cpu: &'a mut CpuState,
    sys: &'a mut SysCpu,
    heap: HeapInfo,
    time: Option<MachineTime>,
}

/// The machine's own time, for a board that keeps virtual time (deterministic runs):
/// SYS_CLOCK/SYS_ELAPSED then count from it and SYS_TIME reads it, instead of the host's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MachineTime {
    /// Virtual nanoseconds since the machine started.
    pub elapsed_ns: u64,
    /// The machine's real-time clock, in seconds since 1970.
    pub epoch_seconds: u64,
}

impl Target for SystemTarget<'_> {
    fn x(&self, n: usize) -> u64 {
        self.cpu.x.get(n).copied().unwrap_or(0)
    }
    fn set_x0(&mut self, value: u64) {
        self.cpu.x[0] = value;
    }
    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        softmmu::peek_virtual(self.sys, addr, buf).ok_or(MemFault)
    }
    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault> {
        // Naturally aligned stores of 8, 4, 2 or 1 bytes: what the store path takes, and
        // never an alignment fault (with the MMU off all memory is Device memory).
        let mut done = 0usize;
        while done < data.len() {
            let at = addr.wrapping_add(done as u64);
            let left = data.len() - done;
            let size = [8usize, 4, 2, 1]
                .into_iter()
                .find(|&n| n <= left && at.is_multiple_of(n as u64))
                .unwrap_or(1);
            let mut word = [0u8; 8];
            word[..size].copy_from_slice(&data[done..done + size]);
            softmmu::write(self.sys, at, size as u64, u64::from_le_bytes(word))
                .map_err(|_| MemFault)?;
            done += size;
        }
        Ok(())
    }
    fn heap_info(&mut self) -> HeapInfo {
        self.heap
    }
    fn elapsed_ns(&self) -> Option<u64> {
        self.time.map(|t| t.elapsed_ns)
    }
    fn epoch_seconds(&self) -> Option<u64> {
        self.time.map(|t| t.epoch_seconds)
    }
}

/// Services the semihosting call of the `HLT #0xF000` at the pc, once the CPU has decided
/// it is one (`sys::exception::Outcome::Semihosting`): the result goes to X0 and, on
/// [`Outcome::Continue`], the pc moves past the `HLT`. `heap` is what SYS_HEAPINFO
/// reports (the board knows its RAM layout). [`Outcome::Exit`] carries the status the run
/// ends with.
pub fn service(
    cpu: &mut CpuState,
    sys: &mut SysCpu,
    semihosting: &mut Semihosting,
    heap: HeapInfo,
) -> Outcome {
    service_at(cpu, sys, semihosting, heap, None)
}

/// [`service`], with the time calls answered from the machine's `time` when given.
pub fn service_at(
    cpu: &mut CpuState,
    sys: &mut SysCpu,
    semihosting: &mut Semihosting,
    heap: HeapInfo,
    time: Option<MachineTime>,
) -> Outcome {
    let outcome = semihosting.call(&mut SystemTarget {
        cpu: &mut *cpu,
        sys,
        heap,
        time,
    });
    if outcome == Outcome::Continue {
        cpu.core.pc = cpu.core.pc.wrapping_add(4);
    }
    outcome
}

/// Handles an `exits::HLT` exit (pc on the `HLT`, exit_arg = its immediate) for a loop
/// that sees raw exits. `None`: not a semihosting call (another immediate, or made from
/// EL0, which QEMU also refuses unless configured), so the caller raises what any other
/// `HLT` raises; otherwise as [`service`].
pub fn handle_hlt(
    cpu: &mut CpuState,
    sys: &mut SysCpu,
    semihosting: &mut Semihosting,
    heap: HeapInfo,
) -> Option<Outcome> {
    if cpu.core.exit_arg != HLT_IMM || sys.el == 0 {
        return None;
    }
    Some(service(cpu, sys, semihosting, heap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exits;
    use crate::guest::A64;
    use crate::sys::softmmu::memory_model;
    use crate::sys::{attach, Platform};
    use emu_core::phys::PhysRam;
    use emu_core::runtime::{Runtime, TierConfig};
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    const RAM_BASE: u64 = 0x4000_0000;

    /// RAM only.
    struct Board {
        ram: PhysRam,
    }

    impl Platform for Board {
        fn ram(&self) -> &PhysRam {
            &self.ram
        }
        fn mmio_read(&self, _: usize, _: u64, _: u8) -> Option<u64> {
            None
        }
        fn mmio_write(&self, _: usize, _: u64, _: u8, _: u64) -> bool {
            false
        }
        fn read_sysreg(&self, _: usize, _: u32) -> Option<u64> {
            None
        }
        fn write_sysreg(&self, _: usize, _: u32, _: u64) -> bool {
            false
        }
        fn irq_pending(&self, _: usize) -> bool {
            false
        }
        fn fiq_pending(&self, _: usize) -> bool {
            false
        }
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// At EL1 with the MMU off: SYS_GET_CMDLINE into RAM (x19 = its result), SYS_WRITE0,
    /// an `HLT` that is not semihosting, SYS_EXIT_EXTENDED(ApplicationExit, 33).
    const PROGRAM: [u32; 24] = [
        0xd28002a0, // mov x0, #0x15          SYS_GET_CMDLINE
        0x10000161, // adr x1, cmdblock
        0xd45e0000, // hlt #0xf000
        0xaa0003f3, // mov x19, x0
        0xd2800080, // mov x0, #4             SYS_WRITE0
        0x100001e1, // adr x1, msg
        0xd45e0000, // hlt #0xf000
        0xd4424680, // hlt #0x1234            not semihosting
        0xd2800400, // mov x0, #0x20          SYS_EXIT_EXTENDED
        0x100000e1, // adr x1, exitblock
        0xd45e0000, // hlt #0xf000
        0xd4200000, // brk #0
        0x40001000, 0x00000000, 0x00000040, 0x00000000, // cmdblock: buffer, 64
        0x00020026, 0x00000000, 0x00000021, 0x00000000, // exitblock: ApplicationExit, 33
        0x66206968, 0x206d6f72, 0x0a314c45, 0x00000000, // msg: "hi from EL1\n"
    ];

    #[test]
    fn a_bare_metal_program_calls_through_the_runtime_in_both_tiers() {
        for jit in [false, true] {
            let board = Arc::new(Board {
                ram: PhysRam::new(RAM_BASE, 1 << 20).unwrap(),
            });
            let code: Vec<u8> = PROGRAM.iter().flat_map(|w| w.to_le_bytes()).collect();
            board.ram.write(RAM_BASE, &code).unwrap();
            let mut sys = SysCpu::new(0, board.clone());
            let mut cpu = Box::new(CpuState::default());
            cpu.core.pc = RAM_BASE;
            attach(&mut cpu, &mut sys);
            let cfg = TierConfig {
                jit,
                threshold: 0,
                ..TierConfig::default()
            };
            let mut rt = Runtime::<A64>::new(memory_model(), cfg).unwrap();
            let console = Captured::default();
            let mut sh = Semihosting::new(&std::env::temp_dir(), b"kernel quiet".to_vec())
                .unwrap()
                .with_console(Box::new(console.clone()));
            let heap = HeapInfo {
                heap_base: RAM_BASE + 0x10_0000,
                heap_limit: RAM_BASE + 0x20_0000,
                stack_base: RAM_BASE + 0x30_0000,
                stack_limit: RAM_BASE + 0x20_0000,
            };
            let mut other_hlts = Vec::new();
            let status = loop {
                let p = cpu.as_mut_ptr();
                // SAFETY: cpu and sys live in this frame; one thread.
                let exit = unsafe { rt.run(p) };
                assert_eq!(exit, exits::HLT, "jit {jit}: pc {:#x}", cpu.core.pc);
                match handle_hlt(&mut cpu, &mut sys, &mut sh, heap) {
                    Some(Outcome::Continue) => {}
                    Some(Outcome::Exit(status)) => break status,
                    None => {
                        other_hlts.push(cpu.core.exit_arg);
                        cpu.core.pc += 4;
                    }
                }
            };
            assert_eq!(status, 33, "jit {jit}");
            assert_eq!(other_hlts, [0x1234], "jit {jit}");
            assert_eq!(cpu.x[19], 0, "jit {jit}: SYS_GET_CMDLINE result");
            let mut written = [0u8; 13];
            board.ram.read(0x4000_1000, &mut written).unwrap();
            assert_eq!(&written, b"kernel quiet\0", "jit {jit}");
            let mut length = [0u8; 8];
            board.ram.read(RAM_BASE + 0x38, &mut length).unwrap();
            assert_eq!(u64::from_le_bytes(length), 12, "jit {jit}");
            assert_eq!(console.0.lock().unwrap().as_slice(), b"hi from EL1\n");
        }
    }

    /// The way `emu boot`'s loop will call it: the CPU (with `SysCpu::semihosting` set)
    /// reports `Outcome::Semihosting`, the loop calls [`service`].
    #[test]
    fn serviced_when_the_cpu_reports_a_semihosting_call() {
        use crate::sys::exception::{self, Outcome as CpuOutcome};
        for jit in [false, true] {
            let board = Arc::new(Board {
                ram: PhysRam::new(RAM_BASE, 1 << 20).unwrap(),
            });
            let mut program = PROGRAM;
            program[7] = 0xd503201f; // nop instead of the other HLT
            let code: Vec<u8> = program.iter().flat_map(|w| w.to_le_bytes()).collect();
            board.ram.write(RAM_BASE, &code).unwrap();
            let mut sys = SysCpu::new(0, board.clone());
            sys.semihosting = true;
            let mut cpu = Box::new(CpuState::default());
            attach(&mut cpu, &mut sys);
            crate::sys::reset(&mut cpu, RAM_BASE, 0);
            let cfg = TierConfig {
                jit,
                threshold: 0,
                ..TierConfig::default()
            };
            let mut rt = Runtime::<A64>::new(memory_model(), cfg).unwrap();
            let console = Captured::default();
            let mut sh = Semihosting::new(&std::env::temp_dir(), b"x".to_vec())
                .unwrap()
                .with_console(Box::new(console.clone()));
            let status = loop {
                let p = cpu.as_mut_ptr();
                // SAFETY: cpu and sys live in this frame; one thread.
                let exit = unsafe { rt.run(p) };
                match exception::handle_exit(&mut cpu, exit) {
                    CpuOutcome::Continue => {}
                    CpuOutcome::Semihosting => {
                        match service(&mut cpu, &mut sys, &mut sh, HeapInfo::default()) {
                            Outcome::Continue => {}
                            Outcome::Exit(status) => break status,
                        }
                    }
                    _ => panic!("jit {jit}: unexpected CPU outcome at {:#x}", cpu.core.pc),
                }
            };
            assert_eq!(status, 33, "jit {jit}");
            assert_eq!(console.0.lock().unwrap().as_slice(), b"hi from EL1\n");
        }
    }

    #[test]
    fn calls_from_el0_are_not_semihosting() {
        let board = Arc::new(Board {
            ram: PhysRam::new(RAM_BASE, 1 << 16).unwrap(),
        });
        let mut sys = SysCpu::new(0, board);
        sys.el = 0;
        let mut cpu = Box::new(CpuState::default());
        cpu.core.exit_arg = HLT_IMM;
        cpu.x[0] = super::super::op::TIME;
        let mut sh = Semihosting::new(&std::env::temp_dir(), Vec::new()).unwrap();
        assert_eq!(
            handle_hlt(&mut cpu, &mut sys, &mut sh, HeapInfo::default()),
            None
        );
        assert_eq!(cpu.x[0], super::super::op::TIME, "X0 untouched");
    }
}
