//! `emu boot`: system mode. Builds a QEMU-`virt`-compatible machine, loads a kernel (and
//! initrd and device tree) into it as QEMU's `-kernel` does, and runs its CPU.
//!
//! - `options.rs`: `--memory` and `--serial` values.
//! - `loader.rs`: kernel formats and where the kernel, initrd and DTB go.
//! - `machine.rs`: RAM + devices and the `Platform` the CPU reaches them through.
//! - `events.rs`: how threads wake each other (WFI, device deadlines, interrupts).
//! - `console.rs`: stdin to the UART, raw terminal mode, `Ctrl-A` commands.
//! - `vcpu.rs`: the vCPU loop and the timer thread.
//! - `gdb.rs`: the vCPU under a debugger (`--gdb`).

mod console;
mod events;
mod fdt_patch;
mod gdb;
mod loader;
mod machine;
mod options;
mod setup;
mod vcpu;

use crate::{diagnostics, fail, Tier};
use emu_core::clock::{Clock, HostClock};
use emu_core::runtime::TierConfig;
use emu_devices::gic::Version;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// What to log on stderr: a comma-separated list of in_asm (blocks translated), exec
    /// (blocks run), int (interrupts taken), unimp (unimplemented registers and
    /// instructions, UNDEF); or an EnvFilter directive. EMU_LOG works too.
    #[arg(long, value_name = "FILTER")]
    trace: Option<String>,
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
    pub gdb: Option<gdb::GdbOptions>,
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

fn plan(a: BootArgs) -> Result<BootPlan, (String, String)> {
    let err = |what: &str, why: String| (what.to_string(), why);
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
        tier: TierConfig {
            // `monitor icount` under gdb reports executed instructions.
            count_insns: a.gdb.is_some(),
            ..tier_config(a.tier, a.jit_threshold)
        },
        stats: a.stats,
        trace_in_asm: false,
        trace_exec: false,
        gdb: a.gdb.map(|address| gdb::GdbOptions {
            address,
            wait: a.gdb_wait,
        }),
    })
}

/// `emu boot`.
pub fn main(a: BootArgs) -> ! {
    let trace = diagnostics::parse_trace(a.trace.as_deref(), std::env::var("EMU_LOG").ok());
    if let Err(e) = diagnostics::init_logging(&trace.filter, None, false) {
        fail("arguments", &e);
    }
    let mut plan = match plan(a) {
        Ok(p) => p,
        Err((what, why)) => fail(&what, &why),
    };
    plan.trace_in_asm = trace.in_asm;
    plan.trace_exec = trace.exec;
    let events = Arc::new(events::Events::new());
    let clock: Arc<dyn Clock> = Arc::new(HostClock::new());
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
    vcpu::run(loaded, &plan, clock)
}
