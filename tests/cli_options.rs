//! The `emu run` options and process contract beyond plain runs: --env, --unset-env and
//! the inherited environment, argument passing, --stats, --jit-threshold (tier-up in the
//! middle of a program), a guest killed by a signal it sends itself, --timeout, and the
//! --trace categories (syscall, in_asm with --trace-range and --trace-file, int, unimp).

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

fn spin() -> PathBuf {
    emu_tests::guest_dir().join("spin")
}

/// `--timeout`: a guest spinning in its own code, one blocked in a host syscall, and one
/// that has replaced itself with execve are all stopped after about the limit with
/// status 124 (README: exit statuses).
#[test]
fn timeout_stops_spinning_and_blocked_guests_with_status_124() {
    let spin_path = spin().display().to_string();
    for (what, program, args) in [
        ("spinning", spin(), vec![]),
        ("blocked in ppoll", spin(), vec!["block"]),
        // emu re-executes itself for the guest's execve: the deadline goes with it.
        (
            "after an execve",
            guest_case("exec_other").binary,
            vec![spin_path.as_str()],
        ),
    ] {
        let mut command = std::process::Command::new(emu_tests::emu_binary());
        command
            .args(["run", "--timeout", "1.5"])
            .arg(program)
            .args(args);
        let started = std::time::Instant::now();
        let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
        let took = started.elapsed();
        assert_eq!(
            outcome.status,
            Status::Exit(124),
            "{what}: stderr:\n{}",
            stderr_tail(&outcome)
        );
        assert!(
            took >= std::time::Duration::from_millis(1500)
                && took < std::time::Duration::from_secs(30),
            "{what}: stopped after {took:?}, expected about 1.5 s"
        );
        assert!(
            outcome.stderr_text().contains("--timeout"),
            "{what}: no message: {}",
            stderr_tail(&outcome)
        );
    }
}

/// The processes a guest forks stop at the deadline too: none is left running.
#[test]
fn timeout_stops_the_guests_forked_processes() {
    let marker = format!(
        "timeout-marker-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let mut command = std::process::Command::new(emu_tests::emu_binary());
    command
        .args(["run", "--timeout", "1"])
        .arg(spin())
        .args(["fork", marker.as_str()]);
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_eq!(
        outcome.status,
        Status::Exit(124),
        "{}",
        stderr_tail(&outcome)
    );
    // The forked emu process carries the marker in its command line; give it a moment
    // to finish exiting.
    let survivors = |marker: &str| -> Vec<String> {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok().map(|c| (e, c)))
            .filter(|(_, c)| String::from_utf8_lossy(c).contains(marker))
            .map(|(e, c)| format!("{:?}: {}", e.file_name(), String::from_utf8_lossy(&c)))
            .collect()
    };
    let mut left = survivors(&marker);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        left = survivors(&marker);
    }
    if !left.is_empty() {
        // Do not leave a spinning process behind on the test machine.
        for p in &left {
            if let Some(pid) = p.split('"').nth(1).and_then(|n| n.parse::<i32>().ok()) {
                // SAFETY: kill has no memory effects.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        panic!("forked guest processes outlived --timeout: {left:?}");
    }
}

/// A guest that ends before its --timeout keeps its own status and output.
#[test]
fn timeout_does_not_touch_a_guest_that_finishes() {
    let mut command = std::process::Command::new(emu_tests::emu_binary());
    command
        .args(["run", "--timeout", "100"])
        .arg(hello())
        .args(["a", "b"]);
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_eq!(outcome.status, Status::Exit(2), "{}", stderr_tail(&outcome));
    assert_eq!(
        outcome.stdout_text(),
        "hello from a raw-syscall guest\na\nb\n"
    );
    for bad in ["0", "-1", "soon"] {
        let mut command = std::process::Command::new(emu_tests::emu_binary());
        command.args(["run", "--timeout", bad]).arg(hello());
        let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
        assert_eq!(outcome.status, Status::Exit(125), "--timeout {bad}");
    }
}

/// Runs `emu run EMU_ARGS... hello GUEST_ARGS...` and expects it to succeed.
fn run_hello(emu_args: &[&str], guest_args: &[&str]) -> Outcome {
    let mut command = std::process::Command::new(emu_tests::emu_binary());
    command
        .arg("run")
        .args(emu_args)
        .arg(hello())
        .args(guest_args);
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_eq!(
        outcome.status,
        Status::Exit(guest_args.len() as i32),
        "{emu_args:?}: {}",
        stderr_tail(&outcome)
    );
    outcome
}

/// `--trace syscall`: one line per syscall with its arguments and result.
#[test]
fn trace_syscall_shows_each_call_and_result() {
    let outcome = run_hello(&["--trace", "syscall"], &["xy"]);
    let lines: Vec<String> = outcome
        .stderr_text()
        .lines()
        .filter(|l| l.contains("syscall"))
        .map(str::to_string)
        .collect();
    // The greeting (31 bytes), "xy", "\n", then exit(1): data written shown as strings.
    let expected = [
        r#"write(0x1, "hello from a raw-syscall guest\n", 0x1f, 0x0) = 0x1f"#,
        r#"write(0x1, "xy", 0x2, 0x0) = 0x2"#,
        r#"write(0x1, "\n", 0x1, 0x0) = 0x1"#,
    ];
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(line.ends_with(want), "{line:?} should end in {want:?}");
    }
    // Each line names its thread, as strace -f does.
    assert!(lines.iter().all(|l| l.contains("syscall: [")), "{lines:#?}");
    assert!(lines[3].contains("exit(0x1"), "{lines:#?}");
    assert_eq!(
        outcome.stdout_text(),
        "hello from a raw-syscall guest\nxy\n"
    );
}

/// `--trace in_asm`: each translated block, with addresses, raw words and readable
/// disassembly; `--trace-range` limits it; `--trace-file` sends it to a file.
#[test]
fn trace_in_asm_is_readable_and_can_be_limited_and_redirected() {
    let outcome = run_hello(&["--trace", "in_asm"], &[]);
    let text = outcome.stderr_text();
    // hello.S starts with `ldr x19, [sp]` at its entry point.
    let entry = "IN: 0x400078";
    assert!(text.contains(entry), "no block at the entry: {text}");
    for insn in [
        "0x000000400078:  f94003f3  ldr x19, [sp]",
        "add x20, sp, #0x8",
        "svc #0",
        "ret",
    ] {
        assert!(text.contains(insn), "missing {insn:?} in:\n{text}");
    }
    let blocks = text.matches("IN: 0x").count();
    assert!(blocks >= 5, "only {blocks} blocks traced:\n{text}");

    // Only the entry block's range: one block.
    let outcome = run_hello(
        &["--trace", "in_asm", "--trace-range", "0x400078-0x40007c"],
        &[],
    );
    let limited = outcome.stderr_text();
    assert_eq!(limited.matches("IN: 0x").count(), 1, "{limited}");
    assert!(limited.contains(entry));

    let dir = TempDir::new("trace-file");
    let file = dir.path().join("trace.txt");
    let outcome = run_hello(
        &[
            "--trace",
            "in_asm,syscall",
            "--trace-file",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        !outcome.stderr_text().contains("IN: 0x"),
        "traces went to stderr too: {}",
        outcome.stderr_text()
    );
    let traced = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        traced.contains(entry) && traced.contains("write(0x1"),
        "{traced}"
    );
}

/// `--trace int,unimp`: the undefined instruction and the SIGILL it raises.
#[test]
fn trace_unimp_and_int_report_undefined_instructions_and_signals() {
    let case = guest_case("fault_undef");
    let mut command = std::process::Command::new(emu_tests::emu_binary());
    command
        .args(["run", "--trace", "int,unimp"])
        .arg(&case.binary)
        .args(&case.args);
    let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
    assert_eq!(outcome.status, case.expected_status());
    let text = outcome.stderr_text();
    assert!(
        text.contains("unimp: undefined or unimplemented instruction 0x00000000 at 0x"),
        "{text}"
    );
    assert!(
        text.contains("int: ") && text.contains("signal 4 (raised by the instruction)"),
        "{text}"
    );
}

/// `--stats`: guest instructions are counted per block, identically in every tier.
#[test]
fn stats_count_the_same_instructions_in_every_tier() {
    let case = guest_case("isa_int");
    let mut counts = Vec::new();
    for tier in emu_tests::TIERS {
        let mut command = std::process::Command::new(emu_tests::emu_binary());
        command
            .args(["run", "--stats", "--tier", tier])
            .arg(&case.binary)
            .args(&case.args);
        let outcome = run_command(command, b"", DEFAULT_TIMEOUT);
        assert_eq!(outcome.status, case.expected_status(), "{tier}");
        let text = outcome.stderr_text();
        let count: u64 = text
            .split("guest instructions executed ")
            .nth(1)
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{tier}: no instruction count in {text}"));
        assert!(text.contains("exits to the run loop: svc "), "{text}");
        counts.push(count);
    }
    assert!(
        counts[0] > 1_000_000,
        "isa_int runs millions of instructions: {counts:?}"
    );
    assert!(
        counts.iter().all(|&c| c == counts[0]),
        "tiers disagree: {counts:?}"
    );
}
