//! `emu boot`: system mode. Builds a QEMU-`virt`-compatible machine, loads a kernel (and
//! initrd and device tree) into it as QEMU's `-kernel` does, and runs its CPU.
//!
//! - `options.rs`: `--memory` and `--serial` values.
//! - `loader.rs`: kernel formats and where the kernel, initrd and DTB go.
//! - `machine.rs`: RAM + devices and the `Platform` the CPU reaches them through.
//! - `events.rs`: how threads wake each other (WFI, device deadlines, interrupts).
//! - `console.rs`: stdin to the UART, raw terminal mode, `Ctrl-A` commands.
//! - `vcpu.rs`: the vCPU loop and the timer thread.
//! - `control.rs`, `expect.rs`, `deterministic.rs`: the test-pipeline options (`--expect`,
//!   `--fail-on`, `--timeout`, `--deterministic`, `--semihosting`, `--stats`).
//! - `gdb.rs`: the vCPU under a debugger (`--gdb`).

mod console;
mod control;
mod deterministic;
mod events;
mod expect;
mod fdt_patch;
mod gdb;
mod loader;
mod machine;
mod options;
mod setup;
mod vcpu;

use crate::diagnostics::{parse_range, parse_seconds};
use crate::{diagnostics, fail, Tier};
use emu_core::clock::{Clock, HostClock};
use emu_core::runtime::TierConfig;
use emu_devices::gic::Version;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GicArg {
    V2,
    V3,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "On a terminal the console is raw: Ctrl-A x quits, Ctrl-A h lists the \
    commands, Ctrl-A Ctrl-A sends Ctrl-A. The guest's PSCI SYSTEM_OFF ends emu with status 0."
)]
pub struct BootArgs {
    /// The kernel: an arm64 Linux Image (optionally gzip'd), an AArch64 ELF file, or a raw
    /// binary (loaded at RAM base + 0x80000). Default: the bundled demo image.
    #[arg(long, value_name = "FILE")]
    kernel: Option<PathBuf>,
    /// An initial ramdisk (default with the bundled kernel: its initramfs).
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,
    /// The kernel command line.
    #[arg(long, value_name = "STR", allow_hyphen_values = true)]
    append: Option<String>,
    /// Guest RAM, e.g. 512M or 2G (a bare number is MiB).
    #[arg(long, value_name = "SIZE", default_value = "512M")]
    memory: String,
    /// Give the guest this device tree instead of the generated one (its /chosen gets the
    /// --append command line and the initrd location, as with QEMU's -dtb).
    #[arg(long, value_name = "FILE")]
    dtb: Option<PathBuf>,
    /// Write the generated device tree (with /chosen filled in) to FILE and exit.
    #[arg(long, value_name = "FILE")]
    dump_dtb: Option<PathBuf>,
    /// Interrupt controller.
    #[arg(long, value_enum, default_value_t = GicArg::V3)]
    gic: GicArg,
    /// Number of CPUs (only 1 for now).
    #[arg(long, value_name = "N", default_value_t = 1)]
    smp: usize,
    /// Exit instead of restarting when the guest asks for a reset.
    #[arg(long)]
    no_reboot: bool,
    /// Where the UART goes: stdio, none or file:PATH.
    #[arg(long, value_name = "BACKEND", default_value = "stdio")]
    serial: String,
    /// Execution tier.
    #[arg(long, value_enum, default_value_t = Tier::Tiered)]
    tier: Tier,
    /// Runs of a block in the interpreter before it is compiled (tiered mode).
    #[arg(long, value_name = "N")]
    jit_threshold: Option<u32>,
    /// Threads that compile hot blocks while the interpreter keeps running them: 1, or
    /// 0 to compile on the CPU thread (tier-up then depends only on what the guest runs).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(0..=1))]
    jit_threads: u32,
    /// Print runtime counters on stderr when the machine stops.
    #[arg(long)]
    stats: bool,
    /// Listen for gdb (remote protocol) on HOST:PORT, like QEMU's -gdb tcp::PORT (port 0:
    /// any free port, printed on stderr). gdb may attach at any time.
    #[arg(long, value_name = "HOST:PORT")]
    gdb: Option<String>,
    /// Do not start the CPU until gdb has attached and resumes it (QEMU's -S).
    #[arg(long, requires = "gdb")]
    gdb_wait: bool,
    /// What to trace, comma-separated: in_asm (translated blocks, disassembled), exec
    /// (blocks run), int (exceptions and interrupts taken), mmu (TLB fills and translation
    /// faults), unimp (unimplemented registers and instructions); or `tracing` EnvFilter
    /// directives. The EMU_LOG environment variable works too.
    #[arg(long, value_name = "LIST")]
    trace: Option<String>,
    /// Trace only blocks starting in [START, END) (in_asm, exec); hex with 0x, or decimal.
    #[arg(long, value_name = "START-END", value_parser = parse_range)]
    trace_range: Option<std::ops::Range<u64>>,
    /// Write traces to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    trace_file: Option<PathBuf>,
    /// Stop the machine after SECS seconds of wall-clock time and exit with status 124.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    timeout: Option<Duration>,
    /// Exit with status 0 as soon as a line of serial output matches REGEX (Rust regex
    /// syntax; the current, unfinished line counts, so a prompt matches).
    #[arg(long, value_name = "REGEX")]
    expect: Option<String>,
    /// Exit with status 1 as soon as a line of serial output matches REGEX (checked before
    /// --expect).
    #[arg(long, value_name = "REGEX")]
    fail_on: Option<String>,
    /// Reproducible runs: virtual time advances with guest instructions, timers fire at
    /// exact instruction counts, WFI skips idle time, the RTC starts at --rtc-epoch, the
    /// device tree has no random seeds, and serial input reaches the guest only while it
    /// idles waiting for it. Not with --gdb (whose loop keeps host time).
    #[arg(long, conflicts_with = "gdb")]
    deterministic: bool,
    /// With --deterministic: virtual nanoseconds per guest instruction.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "deterministic",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    icount_ns: u64,
    /// The RTC's start, in seconds since the Unix epoch (default: the host's time, or
    /// 2025-01-01 00:00:00 UTC with --deterministic).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32))]
    rtc_epoch: Option<u32>,
    /// Arm semihosting: `HLT #0xF000` at EL1 is a semihosting call (console, files,
    /// SYS_EXIT's status becomes ours) instead of an undefined instruction.
    #[arg(long)]
    semihosting: bool,
    /// The directory semihosting file access is confined to (default: the current one).
    #[arg(long, value_name = "DIR", requires = "semihosting")]
    semihosting_root: Option<PathBuf>,
}

/// Everything `emu boot` was asked to do, checked.
pub struct BootPlan {
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    pub append: Option<String>,
    pub ram_size: u64,
    pub dtb: Option<PathBuf>,
    pub dump_dtb: Option<PathBuf>,
    pub gic: Version,
    pub no_reboot: bool,
    pub serial: options::Serial,
    pub tier: TierConfig,
    pub stats: bool,
    /// `--trace in_asm` / `--trace exec`: log each block translated / executed.
    pub trace_in_asm: bool,
    pub trace_exec: bool,
    pub trace_range: Option<std::ops::Range<u64>>,
    pub gdb: Option<gdb::GdbOptions>,
    pub timeout: Option<Duration>,
    pub patterns: expect::Patterns,
    /// `--deterministic`: virtual ns per instruction.
    pub icount_ns: Option<u64>,
    pub rtc_epoch: Option<u32>,
    /// `--semihosting`: the (canonical) root directory.
    pub semihosting_root: Option<PathBuf>,
}

fn tier_config(tier: Tier, threshold: Option<u32>) -> TierConfig {
    match tier {
        Tier::Interp => TierConfig {
            jit: false,
            ..TierConfig::default()
        },
        Tier::Jit => TierConfig {
            jit: true,
            threshold: 0,
            ..TierConfig::default()
        },
        Tier::Tiered => TierConfig {
            threshold: threshold.unwrap_or(TierConfig::default().threshold),
            ..TierConfig::default()
        },
    }
}

/// The bundled demo image's directory: `images/` beside the executable's build tree (the
/// binary is at `target/<profile>/emu`), else in the source tree it was built from.
fn bundled_images_dir() -> Option<PathBuf> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = exe_dir {
        for up in dir.ancestors().take(4) {
            candidates.push(up.join("images"));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../images"));
    candidates
        .into_iter()
        .find(|d| d.join("Image.gz").is_file())
}

/// `--semihosting-root` (default: the current directory), checked and made absolute.
fn semihosting_root(dir: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?,
    };
    match std::fs::canonicalize(&dir) {
        Ok(d) if d.is_dir() => Ok(d),
        Ok(_) => Err(format!("{}: not a directory", dir.display())),
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

fn plan(a: BootArgs, trace: &diagnostics::TraceSpec) -> Result<BootPlan, (String, String)> {
    let err = |what: &str, why: String| (what.to_string(), why);
    let patterns = expect::Patterns {
        expect: a
            .expect
            .as_deref()
            .map(|p| expect::compile("--expect", p))
            .transpose()
            .map_err(|e| err("arguments", e))?,
        fail_on: a
            .fail_on
            .as_deref()
            .map(|p| expect::compile("--fail-on", p))
            .transpose()
            .map_err(|e| err("arguments", e))?,
    };
    let semihosting_root = if a.semihosting {
        Some(
            semihosting_root(a.semihosting_root.as_deref())
                .map_err(|e| err("--semihosting-root", e))?,
        )
    } else {
        None
    };
    let mut tier = tier_config(a.tier, a.jit_threshold);
    // Deterministic time is the instruction count; --stats reports it, and so does
    // `monitor icount` under gdb.
    tier.count_insns = a.deterministic || a.stats || a.gdb.is_some();
    // A deterministic run must not depend on when the worker thread finishes a compile:
    // the instruction count and timer interrupts are tier-independent, but an
    // interrupt is taken at block entry, and which code is chained decides how many
    // blocks share an entry check.
    tier.background_compile = a.jit_threads > 0 && !a.deterministic;
    if a.smp != 1 {
        return Err(err(
            "--smp",
            format!("{} CPUs: only 1 is supported for now", a.smp),
        ));
    }
    let ram_size = options::parse_memory(&a.memory).map_err(|e| err("--memory", e))?;
    let serial = options::parse_serial(&a.serial).map_err(|e| err("--serial", e))?;
    let (kernel, initrd, append) = match a.kernel {
        Some(k) => (k, a.initrd, a.append),
        None => {
            let dir = bundled_images_dir().ok_or_else(|| {
                err(
                    "boot",
                    "no --kernel given and the bundled image (images/Image.gz) is not \
                     beside this executable or its source tree; build it with \
                     images/build.sh or pass --kernel"
                        .into(),
                )
            })?;
            let initrd = a.initrd.or_else(|| {
                let i = dir.join("initramfs.cpio.gz");
                i.is_file().then_some(i)
            });
            // The demo kernel's console is the PL011, as QEMU users write it.
            let append = a.append.or_else(|| Some("console=ttyAMA0".into()));
            (dir.join("Image.gz"), initrd, append)
        }
    };
    Ok(BootPlan {
        kernel,
        initrd,
        append,
        ram_size,
        dtb: a.dtb,
        dump_dtb: a.dump_dtb,
        gic: match a.gic {
            GicArg::V2 => Version::V2,
            GicArg::V3 => Version::V3,
        },
        no_reboot: a.no_reboot,
        serial,
        tier,
        stats: a.stats,
        trace_in_asm: trace.in_asm,
        trace_exec: trace.exec,
        trace_range: a.trace_range,
        gdb: a.gdb.map(|address| gdb::GdbOptions {
            address,
            wait: a.gdb_wait,
        }),
        timeout: a.timeout,
        patterns,
        icount_ns: a.deterministic.then_some(a.icount_ns),
        rtc_epoch: a.rtc_epoch,
        semihosting_root,
    })
}

/// `emu boot`.
pub fn main(a: BootArgs) -> ! {
    let trace = diagnostics::parse_trace(a.trace.as_deref(), std::env::var("EMU_LOG").ok());
    if let Err(e) = diagnostics::init_logging(&trace.filter, a.trace_file.as_deref(), false) {
        fail("arguments", &e);
    }
    let plan = match plan(a, &trace) {
        Ok(p) => p,
        Err((what, why)) => fail(&what, &why),
    };
    let events = Arc::new(events::Events::new());
    let instruction_clock = plan
        .icount_ns
        .map(|ns| Arc::new(deterministic::InstructionClock::new(ns)));
    let clock: Arc<dyn Clock> = match &instruction_clock {
        Some(c) => c.clone(),
        None => Arc::new(HostClock::new()),
    };
    let stop = Arc::new(expect::StopRequest::default());
    let uart_out: Box<dyn Write + Send> = match &plan.serial {
        options::Serial::Stdio => Box::new(std::io::stdout()),
        options::Serial::None => Box::new(std::io::sink()),
        options::Serial::File(path) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(f) => Box::new(f),
            Err(e) => fail(&path.display().to_string(), &loader::io_reason(&e)),
        },
    };
    let uart_out: Box<dyn Write + Send> = if plan.patterns.is_empty() {
        uart_out
    } else {
        let patterns = expect::Patterns {
            expect: plan.patterns.expect.clone(),
            fail_on: plan.patterns.fail_on.clone(),
        };
        Box::new(expect::SerialWatch::new(
            uart_out,
            patterns,
            stop.clone(),
            events.clone(),
        ))
    };
    let loaded = match setup::build(&plan, clock.clone(), uart_out, events) {
        Ok(l) => l,
        Err(e) => fail(&e.what, &e.why),
    };
    if let Some(path) = &plan.dump_dtb {
        if let Err(e) = std::fs::write(path, &loaded.dtb) {
            fail(&path.display().to_string(), &loader::io_reason(&e));
        }
        std::process::exit(0);
    }
    let control = match control_for(&plan, &loaded, stop, instruction_clock) {
        Ok(c) => c,
        Err((what, why)) => fail(&what, &why),
    };
    vcpu::run(loaded, &plan, clock, control)
}

/// The loop's part of the test-pipeline options.
fn control_for(
    plan: &BootPlan,
    loaded: &setup::Loaded,
    stop: Arc<expect::StopRequest>,
    instruction_clock: Option<Arc<deterministic::InstructionClock>>,
) -> Result<control::Control, (String, String)> {
    let semihosting = match &plan.semihosting_root {
        Some(root) => {
            // As QEMU without `-semihosting-config arg=`: the kernel's name, then the
            // kernel command line.
            let mut cmdline = plan.kernel.display().to_string();
            if let Some(append) = &plan.append {
                cmdline.push(' ');
                cmdline.push_str(append);
            }
            let state = emu_arm::semihosting::Semihosting::new(root, cmdline.into_bytes())
                .map_err(|e| ("--semihosting-root".to_string(), e.to_string()))?;
            Some((state, loaded.heap_info()))
        }
        None => None,
    };
    let deterministic = instruction_clock.map(|clock| {
        deterministic::Deterministic::new(clock, plan.serial == options::Serial::Stdio)
    });
    Ok(control::Control::new(
        stop,
        deterministic,
        semihosting,
        plan.stats,
    ))
}
