//! The vCPU loop of `emu boot` (DESIGN §1, §7), and the timer thread beside it.
//!
//! One turn of the loop: take a pending IRQ/FIQ if PSTATE lets it in → run translated code
//! until it exits → let the CPU's system half handle the exit (exceptions, firmware calls)
//! → do what it asks of the machine: sleep in WFI, power off, reset.
//!
//! Time never needs the vCPU's attention while it runs: the timer thread sleeps until the
//! earliest device deadline, brings the devices up to date, and the GIC kicks the vCPU
//! (its `core.interrupt` word stops translated code at the next block boundary; WFI sleeps
//! on a condition variable the same kick signals).

use super::console;
use super::control::Control;
use super::events::Events;
use super::setup::Loaded;
use super::BootPlan;
use crate::EMULATOR_ERROR;
use emu_arm::guest::A64;
use emu_arm::state::CpuState;
use emu_arm::sys::exception::{self, Outcome};
use emu_arm::sys::{self, softmmu, Platform, SysCpu};
use emu_core::clock::Clock;
use emu_core::runtime::Runtime;
use std::sync::Arc;
use std::time::Duration;

/// The shortest the timer thread sleeps when a device reports a deadline that has already
/// passed (it should not, once ticked): never spin.
const MIN_TIMER_SLEEP: Duration = Duration::from_micros(100);

fn timer_thread(board: Arc<super::machine::Board>, clock: Arc<dyn Clock>) {
    let events = board.events.clone();
    loop {
        board.devices.tick();
        let now = clock.now_ns();
        let timeout = board
            .devices
            .next_deadline_ns()
            .map(|at| Duration::from_nanos(at.saturating_sub(now)).max(MIN_TIMER_SLEEP));
        events.wait_for_deadline_change(timeout);
    }
}

/// Restarts the machine from scratch for PSCI SYSTEM_RESET: the simplest reset that is
/// certainly complete (every device, RAM, the CPU) is running ourselves again with the
/// same arguments.
fn restart() -> ! {
    console::restore_terminal();
    let exe = std::env::current_exe().unwrap_or_else(|_| "/proc/self/exe".into());
    let err = std::os::unix::process::CommandExt::exec(
        std::process::Command::new(exe).args(std::env::args_os().skip(1)),
    );
    eprintln!("emu: reset: cannot restart: {err}");
    console::exit(EMULATOR_ERROR)
}

/// Runs the machine until it powers off (or fails); never returns.
pub fn run(loaded: Loaded, plan: &BootPlan, clock: Arc<dyn Clock>, mut control: Control) -> ! {
    let board = loaded.board.clone();
    let events: Arc<Events> = board.events.clone();
    let platform: Arc<dyn Platform> = board.clone();
    // The CPU state and its system half live for the rest of the process: other threads
    // hold the address of `core.interrupt`, and `cpu.sys` points to `sys`.
    let sys: &'static mut SysCpu = Box::leak(SysCpu::new(0, platform));
    let cpu: &'static mut CpuState = Box::leak(Box::default());
    // SAFETY: the state is leaked, so the word stays valid for the rest of the process.
    unsafe { events.set_interrupt_word(&mut cpu.core.interrupt) };
    sys.semihosting = control.semihosting.is_some();
    sys::attach(cpu, sys);
    sys::reset(cpu, loaded.entry, loaded.x0);
    let mut rt = match Runtime::<A64>::new(softmmu::memory_model(), plan.tier) {
        Ok(rt) => rt,
        Err(e) => console::exit_with_error("boot", &e),
    };
    control.prepare(cpu, &mut rt, &board, plan);

    // In deterministic mode the vCPU loop itself keeps time and reads the console.
    let timer_board = board.clone();
    let timer_clock = clock.clone();
    if control.deterministic.is_none() {
        if let Err(e) = std::thread::Builder::new()
            .name("timers".into())
            .spawn(move || timer_thread(timer_board, timer_clock))
        {
            console::exit_with_error("boot", &format!("cannot start the timer thread: {e}"));
        }
    }
    if plan.serial == super::options::Serial::Stdio && control.deterministic.is_none() {
        let terminal = console::enter_raw_mode();
        let queue = Arc::new(console::InputQueue::new(
            board.devices.uart.clone(),
            events.clone(),
        ));
        if let Err(e) = console::spawn_input(queue, terminal) {
            console::exit_with_error("boot", &format!("cannot start the console threads: {e}"));
        }
    }

    if let Some(gdb_options) = &plan.gdb {
        let machine = super::gdb::Machine {
            cpu: &mut *cpu,
            rt: &mut rt,
            board: &board,
            entry: loaded.entry,
            x0: loaded.x0,
            no_reboot: plan.no_reboot,
        };
        let code = super::gdb::run(machine, gdb_options);
        control.finish(&rt, cpu, code, "the gdb session ended")
    }
    loop {
        control.before_run(&rt, cpu, &board);
        // A kick that arrives from here on stops the next run at once, so nothing signalled
        // after this check is missed.
        events.take_kick();
        let pc = cpu.core.pc;
        if exception::take_pending_interrupt(cpu) {
            tracing::debug!(target: "int", "interrupt taken at pc {pc:#x}, vector {:#x}", cpu.core.pc);
        }
        // SAFETY: the state is leaked (valid forever) and only this thread runs it.
        let exit = unsafe { rt.run(cpu.as_mut_ptr()) };
        control.after_run(exit);
        match exception::handle_exit(cpu, exit) {
            Outcome::Continue => {}
            Outcome::WaitForInterrupt => {
                let cpu_index = sys_index(cpu);
                if !control.wait_for_interrupt(&board, cpu_index, &events) {
                    events.wait_for_kick(
                        || board.irq_pending(cpu_index) || board.fiq_pending(cpu_index),
                        None,
                    );
                }
            }
            Outcome::PowerOff => control.finish(&rt, cpu, 0, "PSCI SYSTEM_OFF"),
            Outcome::Reset if plan.no_reboot => {
                control.finish(&rt, cpu, 0, "PSCI SYSTEM_RESET with --no-reboot")
            }
            Outcome::Reset => restart(),
            Outcome::CpuOff => {
                // With one CPU nothing can turn it back on: the machine is halted for good.
                console::restore_terminal();
                eprintln!("emu: the only CPU turned itself off (PSCI CPU_OFF): halted");
                control.finish(&rt, cpu, 0, "PSCI CPU_OFF")
            }
            Outcome::Semihosting => control.semihosting_call(&rt, cpu),
            Outcome::Fatal(why) => {
                let pc = cpu.core.pc;
                console::exit_with_error("boot", &format!("{why} (pc {pc:#x})"))
            }
        }
    }
}

/// The CPU number of `cpu` (0 with one CPU; kept in SysCpu).
fn sys_index(cpu: &mut CpuState) -> usize {
    // SAFETY: `cpu.sys` points to the leaked SysCpu, used only by this thread.
    unsafe { sys::sys_cpu(cpu.as_mut_ptr()) }.map_or(0, |s| s.index)
}
