//! `emu boot --deterministic`: two boots of the same kernel with the same serial input give
//! byte-identical serial output (kernel timestamps included) and the same instruction
//! count; the same boot without `--deterministic` still works. Also `--expect`,
//! `--fail-on` and `--timeout`, which end a boot with their documented statuses, and
//! `--trace`/`--trace-file`/`--stats` on bare-metal programs.
//!
//! Kernels: the bundled demo image (images/), and Debian's arm64 kernel when
//! tests/fetch-debian-kernel.sh has put it in tests/.cache/kernel/ (CI does). A test whose
//! kernel is absent is skipped (and says so).

use emu_tests::{
    emu_binary, guest_dir, run_command, skip, workspace_root, Outcome, Status, TempDir,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Generous: the test profile is slow and CI has two cores shared by everything.
const TIMEOUT: Duration = Duration::from_secs(600);

/// The commands typed at the shell. The first line is empty: busybox's line editor asks
/// the terminal for the cursor position when the prompt appears and eats what answers.
const INPUT: &[u8] = b"\necho det-$((6*7))\ncat /proc/uptime\npoweroff -f\n";

fn bundled() -> Option<(PathBuf, PathBuf)> {
    let dir = workspace_root().join("images");
    let (k, i) = (dir.join("Image.gz"), dir.join("initramfs.cpio.gz"));
    (k.is_file() && i.is_file()).then_some((k, i))
}

fn debian() -> Option<(PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/kernel");
    let (k, i) = (dir.join("vmlinuz"), dir.join("initramfs.cpio.gz"));
    (k.is_file() && i.is_file()).then_some((k, i))
}

fn boot(kernel: &(PathBuf, PathBuf), args: &[&str], input: &[u8]) -> Outcome {
    let mut c = Command::new(emu_binary());
    c.arg("boot")
        .arg("--kernel")
        .arg(&kernel.0)
        .arg("--initrd")
        .arg(&kernel.1)
        .args(["--append", "console=ttyAMA0"])
        .args(args);
    run_command(c, input, TIMEOUT)
}

fn report(o: &Outcome) -> String {
    let out = o.stdout_text();
    let tail: String = out
        .chars()
        .rev()
        .take(3000)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!(
        "status {:?}\nstdout (end):\n{tail}\nstderr:\n{}",
        o.status,
        o.stderr_text()
    )
}

/// The `--stats` instruction count.
fn instructions(o: &Outcome) -> u64 {
    let err = o.stderr_text();
    let after = err
        .split("guest instructions executed ")
        .nth(1)
        .unwrap_or_else(|| panic!("no instruction count: {}", report(o)));
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a number")
}

fn two_deterministic_boots_agree(kernel: &(PathBuf, PathBuf), extra: &[&str]) {
    let mut args = vec!["--deterministic", "--stats"];
    args.extend_from_slice(extra);
    let first = boot(kernel, &args, INPUT);
    assert_eq!(first.status, Status::Exit(0), "{}", report(&first));
    let out = first.stdout_text();
    assert!(
        out.contains("\ndet-42"),
        "the command did not run: {}",
        report(&first)
    );
    // Kernel timestamps are in the log, and must agree too.
    assert!(
        out.contains("[    0."),
        "no kernel timestamps: {}",
        report(&first)
    );
    let second = boot(kernel, &args, INPUT);
    assert_eq!(second.status, Status::Exit(0), "{}", report(&second));
    assert!(
        first.stdout == second.stdout,
        "serial logs differ:\n--- first\n{}\n--- second\n{}",
        report(&first),
        report(&second)
    );
    assert_eq!(instructions(&first), instructions(&second));
    assert!(instructions(&first) > 1_000_000);
}

#[test]
fn bundled_image_boots_identically_twice() {
    let Some(kernel) = bundled() else {
        skip("bundled_image_boots_identically_twice", "images/ not built");
        return;
    };
    two_deterministic_boots_agree(&kernel, &[]);
}

#[test]
fn debian_kernel_boots_identically_twice() {
    let Some(kernel) = debian() else {
        skip(
            "debian_kernel_boots_identically_twice",
            "no tests/.cache/kernel (tests/fetch-debian-kernel.sh)",
        );
        return;
    };
    two_deterministic_boots_agree(&kernel, &[]);
}

#[test]
fn the_rtc_epoch_and_the_instruction_rate_are_what_the_guest_sees() {
    let Some(kernel) = bundled() else {
        skip(
            "the_rtc_epoch_and_the_instruction_rate",
            "images/ not built",
        );
        return;
    };
    // 2030-01-01 00:00:00 UTC; 3 ns per instruction.
    let args = [
        "--deterministic",
        "--rtc-epoch",
        "1893456000",
        "--icount-ns",
        "3",
    ];
    let o = boot(&kernel, &args, b"\ndate -u +%Y-%m-%d\npoweroff -f\n");
    assert_eq!(o.status, Status::Exit(0), "{}", report(&o));
    assert!(o.stdout_text().contains("\n2030-01-01"), "{}", report(&o));
    assert!(
        o.stdout_text()
            .contains("setting system clock to 2030-01-01T00:00:00 UTC"),
        "{}",
        report(&o)
    );
}

#[test]
fn without_deterministic_the_same_boot_works_and_expect_ends_it_with_0() {
    let Some(kernel) = bundled() else {
        skip(
            "without_deterministic_the_same_boot_works",
            "images/ not built",
        );
        return;
    };
    // The shell's banner line (rootfs/etc/profile) ends the run at once, status 0.
    let o = boot(&kernel, &["--expect", "^EMU-BOOT-OK"], b"");
    assert_eq!(o.status, Status::Exit(0), "{}", report(&o));
    assert!(o.stdout_text().contains("EMU-BOOT-OK"), "{}", report(&o));
    // The same with --deterministic (and the prompt, an unfinished line, matching).
    let o = boot(
        &kernel,
        &["--deterministic", "--expect", r"^/root # $"],
        b"",
    );
    assert_eq!(o.status, Status::Exit(0), "{}", report(&o));
    assert!(o.stdout_text().ends_with("/root # "), "{}", report(&o));
}

#[test]
fn fail_on_ends_the_boot_with_status_1() {
    let Some(kernel) = bundled() else {
        skip("fail_on_ends_the_boot_with_status_1", "images/ not built");
        return;
    };
    let o = boot(
        &kernel,
        &["--fail-on", r"Run /init as init", "--expect", "EMU-BOOT-OK"],
        b"",
    );
    assert_eq!(o.status, Status::Exit(1), "{}", report(&o));
    assert!(
        o.stderr_text().contains("--fail-on matched"),
        "{}",
        report(&o)
    );
    assert!(!o.stdout_text().contains("EMU-BOOT-OK"), "{}", report(&o));
}

#[test]
fn timeout_ends_the_boot_with_status_124() {
    let Some(kernel) = bundled() else {
        skip("timeout_ends_the_boot_with_status_124", "images/ not built");
        return;
    };
    // Nothing ends this boot: in deterministic mode the end of input is not passed on,
    // so the shell waits forever (virtual time skipping ahead): the timeout ends it, and
    // --stats still reports.
    let o = boot(
        &kernel,
        &[
            "--deterministic",
            "--timeout",
            "2",
            "--expect",
            "never printed",
            "--stats",
        ],
        b"",
    );
    assert_eq!(o.status, Status::Exit(124), "{}", report(&o));
    let err = o.stderr_text();
    assert!(err.contains("--timeout"), "{}", report(&o));
    assert!(err.contains("ended with status 124"), "{}", report(&o));
}

fn bare_metal(name: &str, args: &[&str]) -> Outcome {
    let mut c = Command::new(emu_binary());
    c.arg("boot")
        .arg("--kernel")
        .arg(guest_dir().join("baremetal").join(name))
        .args(args);
    run_command(c, b"", TIMEOUT)
}

#[test]
fn trace_file_shows_disassembly_tlb_fills_and_exceptions() {
    let scratch = TempDir::new("boot-trace");
    let file = scratch.path().join("trace.txt");
    let o = bare_metal(
        "hello.bin",
        &[
            "--trace",
            "in_asm,mmu",
            "--trace-file",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status, Status::Exit(0), "{}", report(&o));
    let trace = std::fs::read_to_string(&file).unwrap();
    // The first block of hello.S, disassembled, and its fetch filling the TLB.
    assert!(trace.contains("IN: 0x40080000"), "{trace}");
    assert!(trace.contains("aa0003f3  mov x19, x0"), "{trace}");
    assert!(trace.contains("tlb fill: va 0x40080000 (Fetch"), "{trace}");
    assert!(
        !o.stderr_text().contains("in_asm"),
        "traces went to the file"
    );

    // exceptions.S: an SVC from EL1 (EC 0x15), then faults with the MMU on.
    let o = bare_metal("exceptions.bin", &["--trace", "int,mmu"]);
    assert_eq!(o.status, Status::Exit(0), "{}", report(&o));
    let err = o.stderr_text();
    assert!(
        err.contains("Sync exception EL1 -> EL1 at 0x40080024: ESR 0x56000042"),
        "{err}"
    );
    assert!(err.contains("Sync exception EL0 -> EL1"), "{err}");
    assert!(err.contains("fault: Translation"), "{err}");
}

#[test]
fn stats_report_instructions_tlb_fills_and_why_the_run_ended() {
    let o = bare_metal("timer_gicv3.bin", &["--stats"]);
    assert_eq!(o.status, Status::Exit(0), "{}", report(&o));
    let err = o.stderr_text();
    assert!(instructions(&o) > 100, "{err}");
    let fills: u64 = err
        .split("TLB fills ")
        .nth(1)
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no TLB fills: {err}"));
    assert!(fills > 0, "{err}");
    assert!(err.contains("exits to the run loop: "), "{err}");
    assert!(err.contains("wfi "), "{err}");
    assert!(
        err.contains("ended with status 0: PSCI SYSTEM_OFF"),
        "{err}"
    );
}

#[test]
fn interpreter_and_jit_give_the_same_deterministic_boot() {
    let Some(kernel) = bundled() else {
        skip(
            "interpreter_and_jit_give_the_same_deterministic_boot",
            "images/ not built",
        );
        return;
    };
    // Both tiers count whole blocks when they start, and translated code stops at the same
    // instruction limits, so even the tier does not change what the guest sees.
    let interp = boot(
        &kernel,
        &["--deterministic", "--stats", "--tier", "interp"],
        INPUT,
    );
    let jit = boot(
        &kernel,
        &["--deterministic", "--stats", "--tier", "jit"],
        INPUT,
    );
    assert_eq!(interp.status, Status::Exit(0), "{}", report(&interp));
    assert_eq!(jit.status, Status::Exit(0), "{}", report(&jit));
    assert!(
        interp.stdout == jit.stdout,
        "{}\n---\n{}",
        report(&interp),
        report(&jit)
    );
    assert_eq!(instructions(&interp), instructions(&jit));
}

#[test]
fn rtc_epoch_sets_the_rtc_with_or_without_deterministic_time() {
    // rtc.S prints the PL031's counter as it first reads it.
    for extra in [&[][..], &["--deterministic"][..]] {
        let mut args = vec!["--rtc-epoch", "1000000000"];
        args.extend_from_slice(extra);
        let o = bare_metal("rtc.bin", &args);
        assert_eq!(o.status, Status::Exit(0), "{}", report(&o));
        assert!(
            o.stdout_text().starts_with("rtc 1000000000\n"),
            "{extra:?}: {}",
            report(&o)
        );
    }
    // The deterministic default: 2025-01-01 00:00:00 UTC.
    let o = bare_metal("rtc.bin", &["--deterministic"]);
    assert!(
        o.stdout_text().starts_with("rtc 1735689600\n"),
        "{}",
        report(&o)
    );
}
