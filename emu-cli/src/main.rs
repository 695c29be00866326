//! The `emu` command.
//!
//! `emu run [OPTIONS] PROGRAM [ARGS...]` runs an AArch64 Linux program in user mode, like
//! `qemu-aarch64`. The guest's exit status is ours; a guest killed by a signal kills us
//! with the same signal. When the emulator itself cannot run the program (bad options, a
//! missing or unsupported file) it prints one line `emu: <what>: <why>` on stderr and exits
//! with status [`EMULATOR_ERROR`] (125), which no ordinary guest exit is mistaken for
//! (the convention of `env`, `nohup` and container runtimes).

use clap::{Parser, Subcommand, ValueEnum};
use emu_arm::linux::process::{self, Options};
use emu_core::runtime::TierConfig;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

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
enum Command {
    /// Run an AArch64 Linux program in user mode.
    Run(RunArgs),
    /// Boot a machine (system mode): not implemented yet.
    Boot {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
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
    /// Print runtime counters on stderr when the guest exits.
    #[arg(long)]
    stats: bool,
    /// Log filter (tracing targets: syscall, in_asm, exec; or EnvFilter syntax). The
    /// EMU_LOG environment variable works too.
    #[arg(long, value_name = "FILTER")]
    trace: Option<String>,
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

fn init_logging(filter: Option<&str>) {
    let spec = filter
        .map(str::to_string)
        .or_else(|| std::env::var("EMU_LOG").ok())
        .unwrap_or_else(|| "error".to_string());
    let f = match tracing_subscriber::EnvFilter::try_new(&spec) {
        Ok(f) => f,
        Err(e) => fail("--trace", &e.to_string()),
    };
    tracing_subscriber::fmt()
        .with_env_filter(f)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .init();
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
    init_logging(a.trace.as_deref());
    let tier = match a.tier {
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
    if let Some(root) = &a.sysroot {
        if !root.is_dir() {
            fail(&root.display().to_string(), "sysroot is not a directory");
        }
    }
    let trace = a.trace.clone().unwrap_or_default();
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
    if a.stats {
        reexec.push("--stats".into());
    }
    if let Some(t) = &a.trace {
        reexec.push("--trace".into());
        reexec.push(t.into());
    }
    let opts = Options {
        // Absolute, so a guest chdir cannot change where its paths resolve.
        sysroot: a
            .sysroot
            .as_ref()
            .map(|r| std::fs::canonicalize(r).unwrap_or(r.clone())),
        tier,
        stats: a.stats,
        trace_in_asm: trace.contains("in_asm"),
        trace_exec: trace.contains("exec"),
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
    let cli = match Cli::try_parse() {
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
        Command::Boot { .. } => fail("boot", "system mode is not implemented yet"),
    }
}
