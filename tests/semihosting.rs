//! `emu run --semihosting`: the committed program `guest/semihost` (source `semihost.c`)
//! prints through the console and `:tt`, works on files inside the semihosting root, is
//! refused names outside it, and ends with the status it is given through SYS_EXIT or
//! SYS_EXIT_EXTENDED, which must become emu's exit status.

use emu_tests::{
    guest_dir, run_command, stderr_tail, Outcome, Status, TempDir, DEFAULT_TIMEOUT, TIERS,
};
use std::path::{Path, PathBuf};
use std::process::Command;

fn program() -> PathBuf {
    guest_dir().join("semihost")
}

/// A scratch directory holding the semihosting root `root/`; names escaping the root
/// would land in the scratch directory itself.
struct Sandbox {
    scratch: TempDir,
}

impl Sandbox {
    fn new(label: &str) -> Sandbox {
        let scratch = TempDir::new(label);
        std::fs::create_dir(scratch.path().join("root")).expect("create the root");
        Sandbox { scratch }
    }
    fn root(&self) -> PathBuf {
        self.scratch.path().join("root")
    }
    fn outside(&self) -> &Path {
        self.scratch.path()
    }
}

/// `emu run [--tier T] --semihosting --semihosting-root ROOT semihost ARGS...`, run from
/// the scratch directory (so the root is not the current directory).
fn semihost_command(sandbox: &Sandbox, tier: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(emu_tests::emu_binary());
    command.arg("run");
    if let Some(tier) = tier {
        command.args(["--tier", tier]);
    }
    command
        .arg("--semihosting")
        .arg("--semihosting-root")
        .arg(sandbox.root())
        .arg(program())
        .args(args)
        .current_dir(sandbox.outside());
    command
}

/// What the program prints on stdout (through `:tt`) when all goes well.
fn expected_stdout(cmdline: &str, status: u64) -> String {
    format!(
        "stdout: SYS_WRITE to :tt\n\
         get_cmdline 0\n\
         cmdline: {cmdline}\n\
         cmdline length {}\n\
         write left 0\n\
         flen 10\n\
         seek 0\n\
         read left 0\n\
         read: 3456\n\
         short read left 2\n\
         read at end left 4\n\
         close 0\n\
         close again -1\n\
         iserror(-1) 1\n\
         rename 0\n\
         renamed file holds: 0123456789\n\
         remove 0\n\
         remove again -1\n\
         open ../semihost-outside.txt: -1 errno 13\n\
         open /tmp/semihost-outside.txt: -1 errno 13\n\
         features left 0\n\
         features: SHFB3\n\
         heapinfo: plausible\n\
         time: plausible\n\
         clock: plausible\n\
         tickfreq 1000000000\n\
         exiting with {status}\n",
        cmdline.len()
    )
}

fn assert_status(outcome: &Outcome, status: Status, what: &str) {
    assert_eq!(
        outcome.status,
        status,
        "{what}: stdout:\n{}\nstderr:\n{}",
        outcome.stdout_text(),
        stderr_tail(outcome)
    );
}

#[test]
fn program_prints_uses_files_and_exits_with_its_status_in_every_tier() {
    let tmp_outside = Path::new("/tmp/semihost-outside.txt");
    let existed_in_tmp = tmp_outside.exists();
    for tier in TIERS {
        let sandbox = Sandbox::new(&format!("semihost-{tier}"));
        let outcome = run_command(
            semihost_command(&sandbox, Some(tier), &["42"]),
            b"",
            DEFAULT_TIMEOUT,
        );
        assert_status(&outcome, Status::Exit(42), tier);
        let cmdline = format!("{} 42", program().display());
        assert_eq!(
            outcome.stdout_text(),
            expected_stdout(&cmdline, 42),
            "{tier}"
        );
        // The console (SYS_WRITE0, SYS_WRITEC) is stderr, as in qemu-aarch64.
        assert!(
            outcome
                .stderr_text()
                .starts_with("console: SYS_WRITE0\n!\n"),
            "{tier}: console output missing: {}",
            stderr_tail(&outcome)
        );
        let root = sandbox.root();
        assert_eq!(
            std::fs::read(root.join("semihost-renamed.txt"))
                .ok()
                .as_deref(),
            Some(&b"0123456789"[..]),
            "{tier}: the renamed file in the root"
        );
        for gone in ["semihost-data.txt", "semihost-removed.txt"] {
            assert!(!root.join(gone).exists(), "{tier}: {gone} should be gone");
        }
        assert!(
            !sandbox.outside().join("semihost-outside.txt").exists(),
            "{tier}: a file was created outside the root"
        );
        if !existed_in_tmp {
            assert!(
                !tmp_outside.exists(),
                "{tier}: an absolute name outside the root was created"
            );
        }
    }
}

#[test]
fn exit_status_is_the_guests_for_both_exit_calls() {
    for (args, status) in [
        (&["0"][..], 0),
        (&["7"][..], 7),
        (&["255"][..], 255),
        // The host keeps the low 8 bits of a status, as for exit(2).
        (&["300"][..], 300 % 256),
        (&["3", "sys_exit"][..], 3),
        (&["200", "sys_exit"][..], 200),
    ] {
        let sandbox = Sandbox::new("semihost-status");
        let outcome = run_command(semihost_command(&sandbox, None, args), b"", DEFAULT_TIMEOUT);
        assert_status(&outcome, Status::Exit(status), &format!("{args:?}"));
    }
}

/// A symlink in the root that points outside it is not followed: the program's first
/// open (for writing) fails with EACCES and it exits with its own status 91.
#[test]
fn symlink_out_of_the_root_is_refused() {
    let sandbox = Sandbox::new("semihost-symlink");
    let victim = sandbox.outside().join("victim.txt");
    std::fs::write(&victim, b"keep me").expect("write the victim");
    std::os::unix::fs::symlink(&victim, sandbox.root().join("semihost-data.txt"))
        .expect("create the symlink");
    let outcome = run_command(
        semihost_command(&sandbox, None, &["0"]),
        b"",
        DEFAULT_TIMEOUT,
    );
    assert_status(&outcome, Status::Exit(91), "symlink");
    assert!(
        outcome
            .stdout_text()
            .contains("open semihost-data.txt failed, errno 13\n"),
        "stdout:\n{}",
        outcome.stdout_text()
    );
    assert_eq!(
        std::fs::read(&victim).ok().as_deref(),
        Some(&b"keep me"[..])
    );
}

/// Without --semihosting-root, the root is the current directory.
#[test]
fn default_root_is_the_current_directory() {
    let sandbox = Sandbox::new("semihost-cwd");
    let mut command = Command::new(emu_tests::emu_binary());
    command
        .args(["run", "--semihosting"])
        .arg(program())
        .arg("5")
        .current_dir(sandbox.root());
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_status(&outcome, Status::Exit(5), "default root");
    assert!(sandbox.root().join("semihost-renamed.txt").exists());
    assert!(!sandbox.outside().join("semihost-outside.txt").exists());
}

/// Without --semihosting, `HLT #0xF000` is what it is on Linux: SIGILL.
#[test]
fn without_the_option_hlt_is_an_illegal_instruction() {
    let sandbox = Sandbox::new("semihost-off");
    let mut command = Command::new(emu_tests::emu_binary());
    command
        .arg("run")
        .arg(program())
        .current_dir(sandbox.root());
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_status(&outcome, Status::Signal(libc::SIGILL), "no --semihosting");
    assert!(std::fs::read_dir(sandbox.root()).is_ok_and(|mut d| d.next().is_none()));
}

#[test]
fn bad_root_is_an_emulator_error() {
    let sandbox = Sandbox::new("semihost-badroot");
    let mut command = Command::new(emu_tests::emu_binary());
    command
        .args(["run", "--semihosting", "--semihosting-root"])
        .arg(sandbox.outside().join("does-not-exist"))
        .arg(program());
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_status(&outcome, Status::Exit(125), "missing root");
    assert!(outcome.stderr_text().starts_with("emu: "));
    // --semihosting-root alone is a usage error, not a silently ignored option.
    let mut command = Command::new(emu_tests::emu_binary());
    command
        .args(["run", "--semihosting-root"])
        .arg(sandbox.root())
        .arg(program());
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_status(&outcome, Status::Exit(125), "--semihosting-root alone");
}
