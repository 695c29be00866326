//! Semihosting in user mode (`emu run --semihosting`): `HLT #0xF000` performs the call
//! (see [`crate::semihosting`]) instead of raising SIGILL. Guest memory is the process's
//! flat address space; the heap SYS_HEAPINFO offers is grown from the program break.

use super::process::{self, lock, Flow, Thread};
use super::syscall::mem::brk;
use crate::semihosting::{HeapInfo, MemFault, Outcome, Semihosting, Target};
use std::sync::Mutex;

/// Semihosting state shared by the guest's threads.
pub struct UserSemihosting {
    pub state: Semihosting,
    /// SYS_HEAPINFO's answer, fixed by the first call (the heap is reserved once).
    heap: Option<HeapInfo>,
}

impl UserSemihosting {
    pub fn new(state: Semihosting) -> Mutex<UserSemihosting> {
        Mutex::new(UserSemihosting { state, heap: None })
    }
}

/// The heap offered to a semihosting C library, like QEMU's: up to this much above the
/// initial break, less if the address space has no room.
const HEAP_SIZE: u64 = 128 << 20;

struct UserTarget<'a> {
    thread: &'a mut Thread,
    heap: &'a mut Option<HeapInfo>,
}

impl Target for UserTarget<'_> {
    fn x(&self, n: usize) -> u64 {
        self.thread.cpu.x.get(n).copied().unwrap_or(0)
    }
    fn set_x0(&mut self, value: u64) {
        self.thread.cpu.x[0] = value;
    }
    fn read_mem(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemFault> {
        self.thread
            .mem()
            .read_bytes(addr, buf)
            .map_err(|_| MemFault)
    }
    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<(), MemFault> {
        self.thread
            .mem()
            .write_bytes(addr, data)
            .map_err(|_| MemFault)
    }
    fn heap_info(&mut self) -> HeapInfo {
        if let Some(h) = *self.heap {
            return h;
        }
        let base = brk(self.thread, 0);
        let mut limit = base.saturating_add(HEAP_SIZE);
        // Halve the request until the break moves (as QEMU does).
        while limit > base && brk(self.thread, limit) < limit {
            limit = base + (limit - base) / 2;
        }
        let proc = self.thread.proc;
        let h = HeapInfo {
            heap_base: base,
            heap_limit: limit,
            // The stack the program started on: its initial pointer (below argv and the
            // environment) and the lowest address it may grow to.
            stack_base: proc.initial_sp,
            stack_limit: proc.stack_range.0,
        };
        *self.heap = Some(h);
        h
    }
}

/// Performs the semihosting call of the `HLT` at the pc.
pub fn call(t: &mut Thread, state: &Mutex<UserSemihosting>) -> Flow {
    let outcome = {
        let mut guard = lock(state);
        let shared = &mut *guard;
        let mut target = UserTarget {
            thread: t,
            heap: &mut shared.heap,
        };
        shared.state.call(&mut target)
    };
    match outcome {
        Outcome::Continue => {
            // The HLT exit leaves the pc on the instruction; the call is done.
            t.cpu.core.pc = t.cpu.core.pc.wrapping_add(4);
            Flow::Continue
        }
        Outcome::Exit(status) => process::exit_group(t, status),
    }
}
