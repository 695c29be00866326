//! The `emu run` options and process contract beyond plain runs: --env, --unset-env and
//! the inherited environment, argument passing, --stats, --jit-threshold (tier-up in the
//! middle of a program), and a guest killed by a signal it sends itself.

use std::path::PathBuf;

use emu_tests::{
    describe_difference, emu_command, guest_case, qemu, qemu_command, run_command, skip,
    stderr_tail, sysroot, Outcome, Status, TempDir, DEFAULT_TIMEOUT,
};

fn hello() -> PathBuf {
    guest_case("hello").binary
}

fn lines(outcome: &Outcome) -> Vec<String> {
    outcome.stdout_text().lines().map(str::to_string).collect()
}

#[test]
fn env_options_and_inherited_environment() {
    // Set on emu itself: the guest inherits emu's environment, minus --unset-env.
    let mut with_options = std::process::Command::new(emu_tests::emu_binary());
    with_options
        .args([
            "run",
            "--env",
            "EMU_TEST_ADDED=1",
            "--env",
            "EMU_TEST_SPACES=a b  c",
            "--unset-env",
            "EMU_TEST_GONE",
        ])
        .arg(hello())
        .env("EMU_TEST_INHERITED", "from the host")
        .env("EMU_TEST_GONE", "must not reach the guest");
    let outcome = run_command(with_options, b"", DEFAULT_TIMEOUT);
    assert_eq!(
        outcome.status,
        Status::Exit(0),
        "stderr:\n{}",
        stderr_tail(&outcome)
    );
    let lines = lines(&outcome);
    for wanted in [
        "EMU_TEST_ADDED=1",
        "EMU_TEST_SPACES=a b  c",
        "EMU_TEST_INHERITED=from the host",
    ] {
        assert!(
            lines.iter().any(|l| l == wanted),
            "missing {wanted:?} in the guest's environment: {lines:?}"
        );
    }
    assert!(
        !lines.iter().any(|l| l.starts_with("EMU_TEST_GONE")),
        "--unset-env EMU_TEST_GONE did not remove it: {lines:?}"
    );
}

#[test]
fn env_option_overrides_an_inherited_value() {
    let mut command = std::process::Command::new(emu_tests::emu_binary());
    command
        .args(["run", "--env", "EMU_TEST_VALUE=new"])
        .arg(hello())
        .env("EMU_TEST_VALUE", "old");
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_eq!(
        outcome.status,
        Status::Exit(0),
        "stderr:\n{}",
        stderr_tail(&outcome)
    );
    let values: Vec<String> = lines(&outcome)
        .into_iter()
        .filter(|l| l.starts_with("EMU_TEST_VALUE="))
        .collect();
    assert_eq!(values, ["EMU_TEST_VALUE=new"]);
}

#[test]
fn arguments_reach_the_guest_unchanged() {
    let args: Vec<String> = ["", "two words", "ünïcödé", "--tier", "-x", "last"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let outcome = run_command(
        emu_command(None, None, &hello(), &args),
        b"",
        DEFAULT_TIMEOUT,
    );
    assert_eq!(
        outcome.status,
        Status::Exit(args.len() as i32),
        "stderr:\n{}",
        stderr_tail(&outcome)
    );
    let mut expected = String::from("hello from a raw-syscall guest\n");
    for arg in &args {
        expected.push_str(arg);
        expected.push('\n');
    }
    assert_eq!(outcome.stdout_text(), expected);
}

/// --stats reports on stderr and changes neither the guest's stdout nor its exit status.
#[test]
fn stats_option() {
    let case = guest_case("isa_int");
    let mut command = std::process::Command::new(emu_tests::emu_binary());
    command.args(["run", "--stats"]).arg(&case.binary);
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_eq!(
        outcome.status,
        case.expected_status(),
        "stderr:\n{}",
        stderr_tail(&outcome)
    );
    if let Some(diff) = describe_difference(&case.expected_stdout(), &outcome.stdout) {
        panic!("--stats changed stdout: {diff}");
    }
    assert!(
        !outcome.stderr.is_empty(),
        "--stats printed nothing on stderr"
    );
}

/// Blocks move from the interpreter to the JIT while they run (loops tier up mid-way):
/// low thresholds make that happen everywhere in these programs.
#[test]
fn tier_up_at_low_thresholds() {
    let mut failures = Vec::new();
    for name in [
        "isa_int",
        "isa_mem",
        "isa_fp",
        "libc_basics",
        "threads",
        "process",
        "self_modifying",
    ] {
        let case = guest_case(name);
        for threshold in ["1", "2", "7", "50"] {
            let workdir = TempDir::new(name);
            let mut command = std::process::Command::new(emu_tests::emu_binary());
            command
                .args(["run", "--tier", "tiered", "--jit-threshold", threshold])
                .arg(&case.binary)
                .args(&case.args)
                .current_dir(workdir.path());
            let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
            if outcome.status != case.expected_status() {
                failures.push(format!(
                    "{name} --jit-threshold {threshold}: {:?}, expected {:?}\n{}",
                    outcome.status,
                    case.expected_status(),
                    stderr_tail(&outcome)
                ));
            } else if let Some(diff) = describe_difference(&case.expected_stdout(), &outcome.stdout)
            {
                failures.push(format!("{name} --jit-threshold {threshold}: {diff}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A guest shell that kills itself with SIGTERM or SIGKILL: emu dies by the same signal,
/// as qemu-aarch64 does, after the output written before it.
#[test]
fn guest_killed_by_its_own_signal() {
    let Some(root) = sysroot() else {
        skip(
            "guest_killed_by_its_own_signal",
            "tests/.cache/sysroot (busybox) is missing",
        );
        return;
    };
    let busybox = root.join("bin/busybox");
    for (signal, script) in [
        (libc::SIGTERM, "echo before; kill -TERM $$; echo after"),
        (libc::SIGKILL, "kill -KILL $$"),
    ] {
        let args = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        let outcome = run_command(
            emu_command(None, None, &busybox, &args),
            b"",
            DEFAULT_TIMEOUT,
        );
        assert_eq!(
            outcome.status,
            Status::Signal(signal),
            "{script}; stderr:\n{}",
            stderr_tail(&outcome)
        );
        if signal == libc::SIGTERM {
            assert_eq!(outcome.stdout_text(), "before\n");
        }
        if let Some(qemu) = qemu() {
            let oracle = run_command(
                qemu_command(&qemu, None, &busybox, &args),
                b"",
                DEFAULT_TIMEOUT,
            );
            assert_eq!(
                oracle.status, outcome.status,
                "{script}: qemu-aarch64 disagrees"
            );
        }
    }
}

/// stdin reaches the guest, and its exit status (up to 255) comes back.
#[test]
fn stdin_and_large_exit_status() {
    let Some(root) = sysroot() else {
        skip(
            "stdin_and_large_exit_status",
            "tests/.cache/sysroot (busybox) is missing",
        );
        return;
    };
    let busybox = root.join("bin/busybox");
    let args = vec![
        "sh".to_string(),
        "-c".to_string(),
        "tr a-z A-Z; exit 255".to_string(),
    ];
    let outcome = run_command(
        emu_command(None, None, &busybox, &args),
        b"shout this\n",
        DEFAULT_TIMEOUT,
    );
    assert_eq!(
        outcome.status,
        Status::Exit(255),
        "stderr:\n{}",
        stderr_tail(&outcome)
    );
    assert_eq!(outcome.stdout_text(), "SHOUT THIS\n");
}

/// A large initial stack: thousands of arguments and one of 100 KB, all passed intact, and
/// the exit status (argument count) truncated to 8 bits as by the kernel.
#[test]
fn many_and_long_arguments() {
    let mut args: Vec<String> = (0..3000)
        .map(|i| format!("argument-number-{i:05}-padded-to-forty-b"))
        .collect();
    args.push("x".repeat(100_000));
    let outcome = run_command(
        emu_command(None, None, &hello(), &args),
        b"",
        DEFAULT_TIMEOUT,
    );
    assert_eq!(
        outcome.status,
        Status::Exit((args.len() % 256) as i32),
        "stderr:\n{}",
        stderr_tail(&outcome)
    );
    let mut expected = String::from("hello from a raw-syscall guest\n");
    for arg in &args {
        expected.push_str(arg);
        expected.push('\n');
    }
    if let Some(diff) = describe_difference(expected.as_bytes(), &outcome.stdout) {
        panic!("arguments changed on the way: {diff}");
    }
}
