//! What the test-pipeline options add to the vCPU loop (issue 6), kept out of the loop's
//! own file: stop requests (`--expect`, `--fail-on`, `--timeout`), deterministic time and
//! input, semihosting calls, and `--stats` at exit.

use super::console;
use super::deterministic::{set_rtc, Deterministic, DEFAULT_RTC_EPOCH};
use super::events::Events;
use super::expect::StopRequest;
use super::machine::Board;
use super::BootPlan;
use emu_arm::guest::A64;
use emu_arm::linux::process::ExitCounts;
use emu_arm::semihosting::{self, HeapInfo, Semihosting};
use emu_arm::state::CpuState;
use emu_arm::sys::{self, softmmu};
use emu_core::emit::Exit;
use emu_core::runtime::Runtime;
use emu_core::timeout::{Timeout, TIMEOUT_STATUS};
use std::sync::Arc;

pub struct Control {
    pub stop: Arc<StopRequest>,
    pub deterministic: Option<Deterministic>,
    /// `--semihosting`: the state and what SYS_HEAPINFO answers.
    pub semihosting: Option<(Semihosting, HeapInfo)>,
    pub stats: bool,
    exits: ExitCounts,
}

impl Control {
    pub fn new(
        stop: Arc<StopRequest>,
        deterministic: Option<Deterministic>,
        semihosting: Option<(Semihosting, HeapInfo)>,
        stats: bool,
    ) -> Self {
        Control {
            stop,
            deterministic,
            semihosting,
            stats,
            exits: ExitCounts::default(),
        }
    }

    /// Set-up before the first run: trace switches, the RTC epoch, deterministic time,
    /// the `--timeout` timer.
    pub fn prepare(
        &mut self,
        cpu: &mut CpuState,
        rt: &mut Runtime<A64>,
        board: &Board,
        plan: &BootPlan,
    ) {
        rt.trace_in_asm = plan.trace_in_asm;
        rt.trace_exec = plan.trace_exec;
        if let Some(range) = &plan.trace_range {
            rt.trace_range = range.clone();
        }
        match &mut self.deterministic {
            Some(d) => d.prepare(
                cpu,
                board,
                plan.rtc_epoch.map_or(DEFAULT_RTC_EPOCH, u64::from),
            ),
            None => {
                if let Some(epoch) = plan.rtc_epoch {
                    set_rtc(board, u64::from(epoch));
                }
            }
        }
        if let Some(limit) = plan.timeout {
            let stop = self.stop.clone();
            let events = board.events.clone();
            let started = Timeout::after(limit, move || {
                stop.request(
                    TIMEOUT_STATUS,
                    format!(
                        "--timeout: the machine ran for longer than {} s; stopped",
                        limit.as_secs_f64()
                    ),
                    &events,
                )
            });
            if let Err(e) = started {
                console::exit_with_error(
                    "--timeout",
                    &format!("cannot start the timer thread: {e}"),
                );
            }
        }
    }

    /// Before each run (before the loop clears kicks and takes interrupts): stops the
    /// machine if asked to, and in deterministic mode brings the devices up to date.
    pub fn before_run(&mut self, rt: &Runtime<A64>, cpu: &mut CpuState, board: &Board) {
        if let Some((status, reason)) = self.stop.pending() {
            if !reason.is_empty() {
                console::restore_terminal();
                eprintln!("emu: {reason}");
            }
            let reason = if status == 0 {
                "--expect matched the serial output"
            } else {
                &reason
            };
            self.finish(rt, cpu, status, reason);
        }
        if let Some(d) = &self.deterministic {
            d.before_run(cpu, board);
        }
    }

    pub fn after_run(&mut self, exit: Exit) {
        if self.stats {
            self.exits.count(exit);
        }
    }

    /// WFI. Returns false when the loop should sleep as usual (host time).
    pub fn wait_for_interrupt(&mut self, board: &Board, cpu_index: usize, events: &Events) -> bool {
        match &mut self.deterministic {
            Some(d) => {
                d.wait_for_interrupt(board, cpu_index, &self.stop, events);
                true
            }
            None => false,
        }
    }

    /// `HLT #0xF000` with semihosting on: performs the call; SYS_EXIT ends the run with the
    /// guest's status.
    pub fn semihosting_call(&mut self, rt: &Runtime<A64>, cpu: &mut CpuState) {
        // SAFETY: `cpu.sys` points to the leaked SysCpu, used only by this thread.
        let Some(sys) = (unsafe { sys::sys_cpu(cpu.as_mut_ptr()) }) else {
            console::exit_with_error("boot", "semihosting call from a CPU without a system half")
        };
        let Some((state, heap)) = &mut self.semihosting else {
            // The CPU reports calls only when `SysCpu::semihosting` is set, which only
            // `--semihosting` does.
            console::exit_with_error("boot", "semihosting call, but it is not enabled")
        };
        let time = self.deterministic.as_ref().map(Deterministic::machine_time);
        match semihosting::system::service_at(cpu, sys, state, *heap, time) {
            semihosting::Outcome::Continue => {}
            semihosting::Outcome::Exit(status) => {
                self.finish(rt, cpu, status, "the guest exited through semihosting")
            }
        }
    }

    /// Ends the process with `status`, after `--stats` (with `reason`) and putting the
    /// terminal back.
    pub fn finish(&self, rt: &Runtime<A64>, cpu: &CpuState, status: i32, reason: &str) -> ! {
        console::restore_terminal();
        if self.stats {
            let s = &rt.stats;
            eprintln!(
                "emu: stats: blocks translated {}, compiled {} (failed {}), compile time {:.3} ms, \
                 background compiles queued {} (discarded {}, queue full {}, moved ahead {}, compiled in line {}), \
                 blocks invalidated {} (kept unchanged {}), code flushes {}, cache resets {}, chain links {}\n\
                 emu: stats: guest instructions executed {}, block runs: interpreter {} jit {} \
                 (entries from the run loop), TLB fills {}\n\
                 emu: stats: exits to the run loop: {}\n\
                 emu: stats: ended with status {status}: {reason}",
                s.blocks_translated,
                s.blocks_compiled,
                s.compile_failures,
                s.compile_time.as_secs_f64() * 1e3,
                s.compiles_queued,
                s.compiles_discarded,
                s.queue_full,
                s.compiles_hurried,
                s.compiles_inline,
                s.blocks_invalidated,
                s.blocks_revalidated,
                s.flushes,
                s.cache_resets,
                s.chain_links,
                cpu.core.icount,
                s.interp_block_runs,
                s.jit_block_runs,
                softmmu::tlb_fills(),
                self.exits.summary(),
            );
        }
        console::exit(status)
    }
}

/// The largest gap of `[ram_start, ram_end)` that no image in `images` occupies, as
/// QEMU's semihosting finds it (`rom_find_largest_gap_between`).
fn largest_gap(ram_start: u64, ram_end: u64, images: &[(u64, u64)]) -> (u64, u64) {
    let mut used: Vec<(u64, u64)> = images
        .iter()
        .map(|&(s, e)| (s.clamp(ram_start, ram_end), e.clamp(ram_start, ram_end)))
        .filter(|(s, e)| s < e)
        .collect();
    used.sort_unstable();
    let mut best = (ram_start, ram_start);
    let mut at = ram_start;
    for (start, end) in used.into_iter().chain([(ram_end, ram_end)]) {
        if start > at && start - at > best.1 - best.0 {
            best = (at, start);
        }
        at = at.max(end);
    }
    best
}

impl super::setup::Loaded {
    /// SYS_HEAPINFO for a bare-metal image, laid out as QEMU does: the heap from the start
    /// of the largest free gap of RAM, the stack down from its end.
    pub fn heap_info(&self) -> HeapInfo {
        let ram = &self.board.ram;
        let (start, end) = largest_gap(ram.base(), ram.base() + ram.size(), &self.images);
        HeapInfo {
            heap_base: start,
            heap_limit: end,
            stack_base: end,
            stack_limit: start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::largest_gap;

    #[test]
    fn the_heap_goes_in_the_largest_free_gap() {
        // Kernel at 0x80000..0x90000 and DTB at the end of a 1 MiB RAM at 0x1000_0000.
        let base = 0x1000_0000;
        let images = [
            (base + 0x8_0000, base + 0x9_0000),
            (base + 0xf_0000, base + 0x10_0000),
        ];
        assert_eq!(
            largest_gap(base, base + 0x10_0000, &images),
            (base, base + 0x8_0000)
        );
        let images = [(base + 0x1_0000, base + 0x2_0000)];
        assert_eq!(
            largest_gap(base, base + 0x10_0000, &images),
            (base + 0x2_0000, base + 0x10_0000)
        );
        assert_eq!(largest_gap(base, base + 0x1000, &[]), (base, base + 0x1000));
    }
}
