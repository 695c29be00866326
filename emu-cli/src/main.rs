//! The `emu` command.
//!
//! `emu run [OPTIONS] PROGRAM [ARGS...]` runs an AArch64 Linux program in user mode, like
//! `qemu-aarch64`. The guest's exit status is ours; a guest killed by a signal kills us
//! with the same signal. When the emulator itself cannot run the program (bad options, a
//! missing or unsupported file) it prints one line `emu: <what>: <why>` on stderr and exits
//! with status [`EMULATOR_ERROR`] (125), which no ordinary guest exit is mistaken for
//! (the convention of `env`, `nohup` and container runtimes). `--timeout` ends a run that
//! takes too long with [`TIMEOUT_STATUS`] (124, as `timeout(1)`); a semihosting guest's
//! SYS_EXIT status is ours too. README.md lists every status.

mod diagnostics;

mod boot;

use clap::{Parser, Subcommand, ValueEnum};
use diagnostics::{parse_range, parse_seconds};
use emu_arm::linux::process::{self, Options};
use emu_core::runtime::TierConfig;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Exit status for errors of the emulator itself (not of the guest).
pub const EMULATOR_ERROR: i32 = 125;

#[derive(Parser, Debug)]
#[command(
    name = "emu",
    version,
    about = "An AArch64 emulator (dynamic binary translator)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Command,
}

#[derive(Subcommand, Debug)]
// Parsed once per run: the size of the `run` variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Run an AArch64 Linux program in user mode.
    Run(RunArgs),
    /// Boot a QEMU-virt-compatible machine (system mode), e.g. an arm64 Linux kernel.
    Boot(boot::BootArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Tier {
    /// Interpret blocks until they are hot, then compile them.
    Tiered,
    /// Interpreter only.
    Interp,
    /// Compile every block before its first run.
    Jit,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Look up the guest's absolute paths (and its ELF interpreter) here first.
    #[arg(short = 'L', long, value_name = "DIR")]
    sysroot: Option<PathBuf>,
    /// Set a variable in the guest's environment (which starts as ours).
    #[arg(long = "env", value_name = "K=V")]
    env: Vec<OsString>,
    /// Remove a variable from the guest's environment.
    #[arg(long = "unset-env", value_name = "K")]
    unset_env: Vec<OsString>,
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
    /// Print runtime counters on stderr when the guest exits (blocks translated, guest
    /// instructions executed, exits by reason, compile time).
    #[arg(long)]
    stats: bool,
    /// What to trace, comma-separated: in_asm (translated blocks, disassembled), exec
    /// (blocks run), syscall (each syscall with its result), int (signals delivered),
    /// unimp (unimplemented syscalls and instructions); or `tracing` EnvFilter
    /// directives. The EMU_LOG environment variable works too.
    #[arg(long, value_name = "LIST")]
    trace: Option<String>,
    /// Trace only blocks starting in [START, END) (in_asm, exec); hex with 0x, or decimal.
    #[arg(long, value_name = "START-END", value_parser = parse_range)]
    trace_range: Option<std::ops::Range<u64>>,
    /// Write traces to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    trace_file: Option<PathBuf>,
    /// Append to --trace-file instead of truncating it (passed on by a guest execve).
    #[arg(long, hide = true)]
    trace_append: bool,
    /// Stop the guest after SECS seconds of wall-clock time and exit with status 124.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    timeout: Option<Duration>,
    /// The --timeout deadline in milliseconds since the Unix epoch (passed on by a guest
    /// execve, so the new program gets what is left, not a fresh timeout).
    #[arg(long, hide = true, value_name = "MS")]
    timeout_at: Option<u64>,
    /// Arm semihosting: `HLT #0xF000` is a semihosting call (console, files, exit status)
    /// instead of an illegal instruction.
    #[arg(long)]
    semihosting: bool,
    /// The directory semihosting file access is confined to (default: the current one).
    #[arg(long, value_name = "DIR", requires = "semihosting")]
    semihosting_root: Option<PathBuf>,
    /// argv[0] for the guest (default: PROGRAM), as qemu's -0.
    #[arg(long, value_name = "NAME", hide = true, allow_hyphen_values = true)]
    argv0: Option<OsString>,
    /// Start the guest with SIGPIPE ignored (passed on by a guest execve; the Rust runtime
    /// hides whether our parent ignored it).
    #[arg(long, hide = true)]
    sigpipe_ignored: bool,
    /// Listen for gdb (remote protocol) on HOST:PORT (port 0: any free port, printed on
    /// stderr). Like qemu-aarch64's -g, the program waits for gdb before its first
    /// instruction.
    #[arg(long, value_name = "HOST:PORT")]
    gdb: Option<String>,
    /// Stop before the first instruction until gdb attaches. Implied by --gdb in user
    /// mode (a program that ran before gdb could attach could not be debugged from its
    /// start, and qemu-aarch64 -g waits too); accepted for symmetry with `emu boot`.
    #[arg(long, requires = "gdb")]
    gdb_wait: bool,
    /// The program and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        value_name = "PROGRAM [ARGS]..."
    )]
    command: Vec<OsString>,
}

fn fail(what: &str, why: &str) -> ! {
    eprintln!("emu: {what}: {why}");
    std::process::exit(EMULATOR_ERROR)
}

/// Starts the `--timeout` timer (see `process::start_timeout`).
fn start_timeout(deadline: SystemTime, limit: Option<Duration>) {
    let what = match limit {
        Some(d) => format!("the guest ran for longer than {} s", d.as_secs_f64()),
        None => "the guest ran past its deadline".to_string(),
    };
    if let Err(e) = process::start_timeout(deadline, what) {
        fail("--timeout", &format!("cannot start the timer thread: {e}"));
    }
}

/// The guest environment: ours, with `--env` added/replaced and `--unset-env` removed.
fn guest_env(set: &[OsString], unset: &[OsString]) -> Vec<Vec<u8>> {
    let mut env: Vec<(Vec<u8>, Vec<u8>)> = std::env::vars_os()
        .map(|(k, v)| (k.into_vec(), v.into_vec()))
        .collect();
    for kv in set {
        let b = kv.as_bytes();
        let Some(eq) = b.iter().position(|&c| c == b'=').filter(|&i| i > 0) else {
            fail(
                "--env",
                &format!("'{}' is not of the form K=V", kv.to_string_lossy()),
            );
        };
        let (k, v) = (b[..eq].to_vec(), b[eq + 1..].to_vec());
        match env.iter_mut().find(|(ek, _)| *ek == k) {
            Some(e) => e.1 = v,
            None => env.push((k, v)),
        }
    }
    for k in unset {
        env.retain(|(ek, _)| ek.as_slice() != k.as_bytes());
    }
    env.into_iter()
        .map(|(mut k, v)| {
            k.push(b'=');
            k.extend(v);
            k
        })
        .collect()
}

fn run(a: RunArgs) -> ! {
    let trace = diagnostics::parse_trace(a.trace.as_deref(), std::env::var("EMU_LOG").ok());
    // Relative to where emu started, like every other path option.
    let trace_file = a
        .trace_file
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or(p.clone()));
    if let Err(e) = diagnostics::init_logging(&trace.filter, trace_file.as_deref(), a.trace_append)
    {
        fail("arguments", &e);
    }
    let deadline = match (a.timeout_at, a.timeout) {
        (Some(ms), _) => Some(UNIX_EPOCH + Duration::from_millis(ms)),
        (None, Some(d)) => Some(SystemTime::now() + d),
        (None, None) => None,
    };
    if let Some(deadline) = deadline {
        start_timeout(deadline, a.timeout);
    }
    let semihosting_root = if a.semihosting {
        let dir = match &a.semihosting_root {
            Some(d) => d.clone(),
            None => std::env::current_dir()
                .unwrap_or_else(|e| fail("--semihosting", &format!("no current directory: {e}"))),
        };
        match std::fs::canonicalize(&dir) {
            Ok(d) if d.is_dir() => Some(d),
            Ok(_) => fail(
                &dir.display().to_string(),
                "--semihosting-root is not a directory",
            ),
            Err(e) => fail(
                &dir.display().to_string(),
                &format!("--semihosting-root: {e}"),
            ),
        }
    } else {
        None
    };
    let mut tier = match a.tier {
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
            threshold: a.jit_threshold.unwrap_or(TierConfig::default().threshold),
            ..TierConfig::default()
        },
    };
    tier.background_compile = a.jit_threads > 0;
    if let Some(root) = &a.sysroot {
        if !root.is_dir() {
            fail(&root.display().to_string(), "sysroot is not a directory");
        }
    }
    let mut reexec: Vec<OsString> = Vec::new();
    if let Some(root) = &a.sysroot {
        reexec.push("--sysroot".into());
        reexec.push(std::fs::canonicalize(root).unwrap_or(root.clone()).into());
    }
    reexec.push("--tier".into());
    reexec.push(
        match a.tier {
            Tier::Tiered => "tiered",
            Tier::Interp => "interp",
            Tier::Jit => "jit",
        }
        .into(),
    );
    if let Some(n) = a.jit_threshold {
        reexec.push("--jit-threshold".into());
        reexec.push(n.to_string().into());
    }
    reexec.push("--jit-threads".into());
    reexec.push(a.jit_threads.to_string().into());
    if a.stats {
        emu_arm::linux::process::keep_stderr();
        reexec.push("--stats".into());
    }
    if let Some(t) = &a.trace {
        reexec.push("--trace".into());
        reexec.push(t.into());
    }
    if let Some(r) = &a.trace_range {
        reexec.push("--trace-range".into());
        reexec.push(format!("{:#x}-{:#x}", r.start, r.end).into());
    }
    if let Some(path) = &trace_file {
        reexec.push("--trace-file".into());
        reexec.push(path.into());
        reexec.push("--trace-append".into());
    }
    if let Some(deadline) = deadline {
        let ms = deadline
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        reexec.push("--timeout-at".into());
        reexec.push(ms.to_string().into());
    }
    if let Some(root) = &semihosting_root {
        reexec.push("--semihosting".into());
        reexec.push("--semihosting-root".into());
        reexec.push(root.into());
    }
    let opts = Options {
        // Absolute, so a guest chdir cannot change where its paths resolve.
        sysroot: a
            .sysroot
            .as_ref()
            .map(|r| std::fs::canonicalize(r).unwrap_or(r.clone())),
        tier,
        stats: a.stats,
        trace_in_asm: trace.in_asm,
        trace_exec: trace.exec,
        trace_range: a.trace_range.clone(),
        semihosting_root,
        deadline,
        emulator: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe")),
        reexec_options: reexec,
        sigpipe_ignored: a.sigpipe_ignored,
        gdb: a.gdb.clone(),
    };
    // --gdb-wait adds nothing in user mode: --gdb always waits for gdb.
    let _ = a.gdb_wait;
    let mut command = a.command.into_iter();
    let Some(program) = command.next() else {
        fail("run", "no program given");
    };
    let mut args: Vec<Vec<u8>> = vec![a.argv0.unwrap_or(program.clone()).into_vec()];
    args.extend(command.map(OsString::into_vec));
    let env = guest_env(&a.env, &a.unset_env);
    match process::start(opts, &PathBuf::from(&program), args, env) {
        Ok(code) => std::process::exit(code),
        Err(e) => fail(&e.what, &e.why),
    }
}

fn main() {
    // `emu` alone (`cargo run --release`) boots the bundled demo image, like `emu boot`.
    let parsed = if std::env::args_os().len() == 1 {
        Cli::try_parse_from(["emu", "boot"])
    } else {
        Cli::try_parse()
    };
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                std::process::exit(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        EMULATOR_ERROR
                    } else {
                        0
                    },
                );
            }
            // One line: clap's first line without its "error: " prefix.
            let text = e.to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.next().unwrap_or("invalid arguments");
            let mut line = first.strip_prefix("error: ").unwrap_or(first).to_string();
            // "the following required arguments were not provided:" names them below.
            if line.ends_with(':') {
                if let Some(next) = lines.next() {
                    line = format!("{line} {next}");
                }
            }
            eprintln!("emu: arguments: {line}");
            std::process::exit(EMULATOR_ERROR);
        }
    };
    match cli.cmd {
        Command::Run(a) => run(a),
        Command::Boot(a) => boot::main(a),
    }
}
