//! `emu boot --semihosting`: the committed program `guest/semihost` (source `semihost.c`,
//! linked at 0x40080000 so that it also runs bare-metal on the `virt` board, as under
//! `qemu-system-aarch64 -semihosting-config enable=on`) prints, works on files inside the
//! semihosting root, is refused names outside it, and ends with the status given as the
//! second word of its command line (the kernel's name, then `--append`), which must become
//! emu's exit status.

use emu_tests::{emu_binary, guest_dir, run_command, Outcome, Status, TempDir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(120);

fn program() -> PathBuf {
    guest_dir().join("semihost")
}

/// `emu boot --kernel semihost --append APPEND [EXTRA...]` run from `cwd`.
fn boot(cwd: &Path, append: &str, extra: &[&str]) -> Outcome {
    let mut c = Command::new(emu_binary());
    c.arg("boot")
        .arg("--kernel")
        .arg(program())
        .args(["--append", append])
        .args(extra)
        .current_dir(cwd);
    run_command(c, b"", TIMEOUT)
}

fn report(o: &Outcome) -> String {
    format!("stdout:\n{}\nstderr:\n{}", o.stdout_text(), o.stderr_text())
}

#[test]
fn semihosting_program_prints_and_its_exit_code_is_ours_in_each_tier() {
    for (tier, status) in [("interp", 42), ("jit", 7), ("tiered", 0)] {
        let scratch = TempDir::new("boot-semihost");
        let root = scratch.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let o = boot(
            scratch.path(),
            &status.to_string(),
            &[
                "--semihosting",
                "--semihosting-root",
                root.to_str().unwrap(),
                "--tier",
                tier,
            ],
        );
        assert_eq!(o.status, Status::Exit(status), "{tier}: {}", report(&o));
        let out = o.stdout_text();
        let cmdline = format!("cmdline: {} {status}\n", program().display());
        for line in [
            "stdout: SYS_WRITE to :tt\n",
            cmdline.as_str(),
            "renamed file holds: 0123456789\n",
            "heapinfo: plausible\n",
            &format!("exiting with {status}\n"),
        ] {
            assert!(out.contains(line), "{tier}: no {line:?} in {}", report(&o));
        }
        // Console output (SYS_WRITE0) goes to stderr, as QEMU's without a chardev.
        assert!(
            o.stderr_text().contains("console: SYS_WRITE0"),
            "{tier}: {}",
            report(&o)
        );
    }
}

#[test]
fn paths_outside_the_root_are_refused() {
    let scratch = TempDir::new("boot-semihost-outside");
    let root = scratch.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let o = boot(
        scratch.path(),
        "3",
        &[
            "--semihosting",
            "--semihosting-root",
            root.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status, Status::Exit(3), "{}", report(&o));
    let out = o.stdout_text();
    // EACCES (13) for a name climbing out with `..` and for an absolute name elsewhere.
    assert!(
        out.contains("open ../semihost-outside.txt: -1 errno 13\n"),
        "{}",
        report(&o)
    );
    assert!(
        out.contains("open /tmp/semihost-outside.txt: -1 errno 13\n"),
        "{}",
        report(&o)
    );
    assert!(!scratch.path().join("semihost-outside.txt").exists());
}

#[test]
fn without_semihosting_hlt_is_undefined_and_the_status_is_not_the_guests() {
    let scratch = TempDir::new("boot-semihost-off");
    // HLT #0xF000 is an undefined instruction; the program has no vector table, so it
    // never gets to its SYS_EXIT: --timeout ends it.
    let o = boot(scratch.path(), "42", &["--timeout", "3"]);
    assert_eq!(o.status, Status::Exit(124), "{}", report(&o));
    assert!(!o.stdout_text().contains("exiting with"), "{}", report(&o));
}

#[test]
fn a_missing_root_is_refused_before_boot() {
    let scratch = TempDir::new("boot-semihost-noroot");
    let o = boot(
        scratch.path(),
        "1",
        &["--semihosting", "--semihosting-root", "does-not-exist"],
    );
    assert_eq!(o.status, Status::Exit(125), "{}", report(&o));
    assert!(
        o.stderr_text().starts_with("emu: --semihosting-root: "),
        "{}",
        report(&o)
    );
}

#[test]
fn deterministic_semihosting_runs_agree() {
    // SYS_CLOCK/TIME/ELAPSED read the machine's virtual time then, so two runs print the
    // same and retire the same number of instructions.
    let run = || {
        let scratch = TempDir::new("boot-semihost-det");
        let root = scratch.path().join("root");
        std::fs::create_dir(&root).unwrap();
        boot(
            scratch.path(),
            "9",
            &[
                "--semihosting",
                "--semihosting-root",
                root.to_str().unwrap(),
                "--deterministic",
                "--stats",
            ],
        )
    };
    let (a, b) = (run(), run());
    assert_eq!(a.status, Status::Exit(9), "{}", report(&a));
    assert!(
        a.stdout_text().contains("time: plausible"),
        "{}",
        report(&a)
    );
    assert_eq!(a.stdout, b.stdout);
    let count = |o: &Outcome| {
        o.stderr_text()
            .lines()
            .find(|l| l.contains("guest instructions executed"))
            .map(|l| l.split(',').next().unwrap_or("").to_string())
    };
    assert!(count(&a).is_some(), "{}", report(&a));
    assert_eq!(count(&a), count(&b));
}
