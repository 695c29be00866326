//! Shared helpers for the end-to-end tests: finding (and building) the `emu` binary and the
//! optional oracles (qemu-aarch64, the Debian sysroot), running a program with a timeout,
//! reading the guest case list, and comparing outputs readably.

pub mod a64gen;
pub mod gdb_harness;

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The committed guest programs and their expected results.
pub fn guest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guest")
}

/// The Debian arm64 sysroot fetched by `tests/fetch-debian-arm64.sh`, if present.
pub fn sysroot() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/sysroot");
    dir.join("lib").is_dir().then_some(dir)
}

/// The `emu` binary, built on first use. `EMU_BIN` overrides it.
///
/// A binary-only package cannot be a Cargo dependency, so `cargo test` alone would not
/// (re)build `target/<profile>/emu`, and a stale binary would silently be tested. Instead
/// the first call runs `cargo build -p emu-cli` for the profile this test was built with
/// (a no-op when it is up to date) and returns the binary beside this test's `deps/`.
pub fn emu_binary() -> &'static Path {
    static EMU: OnceLock<PathBuf> = OnceLock::new();
    EMU.get_or_init(|| {
        if let Some(path) = std::env::var_os("EMU_BIN") {
            return PathBuf::from(path);
        }
        let exe = std::env::current_exe().expect("the test knows its own path");
        // target/<profile>/deps/<test> -> target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("tests run from target/<profile>/deps")
            .to_path_buf();
        let target_dir = profile_dir.parent().expect("target/<profile> has a parent");
        let profile = profile_dir
            .file_name()
            .and_then(OsStr::to_str)
            .unwrap_or("debug");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
        let mut build = Command::new(cargo);
        build
            .current_dir(workspace_root())
            .args([
                "build",
                "--quiet",
                "-p",
                "emu-cli",
                "--bin",
                "emu",
                "--target-dir",
            ])
            .arg(target_dir);
        match profile {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let status = build.status().expect("cargo can be started");
        assert!(status.success(), "building emu failed: {status}");
        let emu = profile_dir.join("emu");
        assert!(emu.is_file(), "{} was not built", emu.display());
        emu
    })
}

/// `qemu-aarch64` on PATH, if installed: the oracle for the differential tests.
pub fn qemu() -> Option<PathBuf> {
    static QEMU: OnceLock<Option<PathBuf>> = OnceLock::new();
    QEMU.get_or_init(|| find_on_path("qemu-aarch64")).clone()
}

/// Whether the host kernel can execve() AArch64 binaries (binfmt_misc + qemu). Without
/// it, a guest's execve() of another guest program fails under qemu-aarch64 (it passes
/// execve straight to the host), so tests that need it compare against recorded results.
pub fn host_runs_aarch64_binaries() -> bool {
    Path::new("/proc/sys/fs/binfmt_misc/qemu-aarch64").exists()
}

pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Prints why a test is being skipped. Written to the stderr handle directly rather than
/// with `eprintln!`, which the test harness captures and hides for passing tests.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Exit(i32),
    Signal(i32),
    /// Killed by the test harness after the timeout.
    TimedOut,
}

impl Status {
    /// Parses the recorded form: "exit N" or "signal N".
    pub fn parse(text: &str) -> Option<Status> {
        let mut words = text.split_whitespace();
        let kind = words.next()?;
        let number: i32 = words.next()?.parse().ok()?;
        match kind {
            "exit" => Some(Status::Exit(number)),
            "signal" => Some(Status::Signal(number)),
            _ => None,
        }
    }
}

/// What a finished process did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: Status,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Outcome {
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// The default time limit for one guest program; generous because the dev profile is
/// slow and CI has two cores shared by everything.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `command` to completion (or kills it after `timeout`), capturing stdout and stderr
/// and feeding it `stdin`. Core dumps are disabled: a guest killed by SIGSEGV would
/// otherwise leave core files (QEMU writes its own into the working directory).
pub fn run_command(mut command: Command, stdin: &[u8], timeout: Duration) -> Outcome {
    command
        .stdin(if stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let stdin_writer = child.stdin.take().map(|mut pipe| {
        let data = stdin.to_vec();
        std::thread::spawn(move || {
            use std::io::Write;
            // The program may exit without reading everything: a broken pipe is fine.
            let _ = pipe.write_all(&data);
        })
    });
    let mut stdout_pipe = child.stdout.take().expect("stdout is piped");
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    let stdout_reader = std::thread::spawn(move || {
        let mut data = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut data);
        data
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut data = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut data);
        data
    });
    let started = Instant::now();
    let mut timed_out = false;
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("waiting for the child works") {
            break exit;
        }
        if started.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("waiting for the killed child works");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if let Some(writer) = stdin_writer {
        let _ = writer.join();
    }
    // A guest's own children (fork) may still hold the pipes open after a timeout; the
    // readers then finish when those exit. Normal runs close them with the process.
    let stdout = stdout_reader.join().unwrap_or_default();
    let stderr = stderr_reader.join().unwrap_or_default();
    let status = if timed_out {
        Status::TimedOut
    } else if let Some(code) = exit.code() {
        Status::Exit(code)
    } else {
        Status::Signal(exit.signal().unwrap_or(0))
    };
    Outcome {
        status,
        stdout,
        stderr,
    }
}

/// Execution tiers of `emu run --tier`.
pub const TIERS: [&str; 3] = ["interp", "jit", "tiered"];

/// An `emu run` invocation: `emu run [--sysroot S] [--tier T] PROGRAM ARGS...`.
pub fn emu_command(
    tier: Option<&str>,
    sysroot: Option<&Path>,
    program: &Path,
    args: &[String],
) -> Command {
    let mut command = Command::new(emu_binary());
    command.arg("run");
    if let Some(dir) = sysroot {
        command.arg("--sysroot").arg(dir);
    }
    if let Some(tier) = tier {
        command.args(["--tier", tier]);
    }
    command.arg(program).args(args);
    scrub_test_variables(&mut command);
    command
}

/// Removes inherited `EMU_T*` variables: tests/guest/hello prints those, so a stray one in
/// the developer's environment must not change the output.
fn scrub_test_variables(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EMU_T") {
            command.env_remove(name);
        }
    }
}

/// The same program under qemu-aarch64 (`-L SYSROOT` for dynamically linked ones).
pub fn qemu_command(
    qemu: &Path,
    sysroot: Option<&Path>,
    program: &Path,
    args: &[String],
) -> Command {
    let mut command = Command::new(qemu);
    if let Some(dir) = sysroot {
        command.arg("-L").arg(dir);
    }
    command.arg(program).args(args);
    scrub_test_variables(&mut command);
    command
}

/// One line of `tests/guest/cases.txt`.
#[derive(Clone, Debug)]
pub struct GuestCase {
    pub name: String,
    pub binary: PathBuf,
    pub dynamic: bool,
    /// argv[1] is a program this one execve()s (see cases.txt).
    pub execs: bool,
    pub args: Vec<String>,
}

impl GuestCase {
    pub fn expected_stdout(&self) -> Vec<u8> {
        let path = guest_dir()
            .join("expected")
            .join(format!("{}.stdout", self.name));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
    pub fn expected_status(&self) -> Status {
        let path = guest_dir()
            .join("expected")
            .join(format!("{}.status", self.name));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Status::parse(&text)
            .unwrap_or_else(|| panic!("{}: not 'exit N' or 'signal N'", path.display()))
    }
}

/// All cases in `tests/guest/cases.txt`.
pub fn guest_cases() -> Vec<GuestCase> {
    let dir = guest_dir();
    let list =
        std::fs::read_to_string(dir.join("cases.txt")).expect("tests/guest/cases.txt is readable");
    let dir_text = dir.to_string_lossy().into_owned();
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert!(fields.len() >= 4, "cases.txt: too few columns in '{line}'");
            GuestCase {
                name: fields[0].to_string(),
                binary: dir.join(fields[1]),
                dynamic: match fields[2] {
                    "static" => false,
                    "dynamic" => true,
                    other => panic!("cases.txt: link must be static or dynamic, not {other}"),
                },
                execs: fields[3].split(',').any(|flag| flag == "exec"),
                args: fields[4..]
                    .iter()
                    .map(|a| a.replace("@GUEST@", &dir_text))
                    .collect(),
            }
        })
        .collect()
}

pub fn guest_case(name: &str) -> GuestCase {
    guest_cases()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no case {name} in tests/guest/cases.txt"))
}

/// Describes how two outputs differ: the first differing line with a little context, so
/// a failure is readable even when the outputs are long.
pub fn describe_difference(expected: &[u8], actual: &[u8]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let expected_text = String::from_utf8_lossy(expected);
    let actual_text = String::from_utf8_lossy(actual);
    let expected_lines: Vec<&str> = expected_text.split('\n').collect();
    let actual_lines: Vec<&str> = actual_text.split('\n').collect();
    let first = expected_lines
        .iter()
        .zip(&actual_lines)
        .position(|(e, a)| e != a)
        .unwrap_or(expected_lines.len().min(actual_lines.len()));
    let mut report = format!(
        "outputs differ ({} vs {} bytes, {} vs {} lines); first difference at line {}:\n",
        expected.len(),
        actual.len(),
        expected_lines.len(),
        actual_lines.len(),
        first + 1
    );
    let from = first.saturating_sub(2);
    for i in from..(first + 3) {
        if let Some(line) = expected_lines.get(i) {
            report.push_str(&format!("  expected {:>5}: {line}\n", i + 1));
        }
        if let Some(line) = actual_lines.get(i) {
            report.push_str(&format!("  actual   {:>5}: {line}\n", i + 1));
        }
    }
    Some(report)
}

/// The last few lines of stderr, for failure messages.
pub fn stderr_tail(outcome: &Outcome) -> String {
    let text = outcome.stderr_text();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(8);
    lines[start..].join("\n")
}

/// A fresh empty directory under the system temp dir, removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("emu-test-{label}-{}-{unique}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempDir { path }
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
