//! `emu boot` with the bare-metal programs of tests/guest/baremetal/ (sources, build script
//! and binaries committed there): output on the PL011, exceptions (SVC, UNDEF, EL0, data
//! and instruction aborts with the MMU on), the timer interrupt through GICv2 and GICv3
//! and WFI, the RTC, PSCI SYSTEM_OFF/SYSTEM_RESET, the kernel formats (raw binary, ELF,
//! gzip), the device tree options (--dump-dtb, --dtb with /chosen rewritten), console
//! input, idling without spinning, and bad input refused with one line and status 125.
//!
//! The expected outputs are what the same binaries print under
//! `qemu-system-aarch64 -M virt -cpu cortex-a57 -nographic -kernel FILE` (QEMU 7.2),
//! except where a comment says why emu differs.

use emu_tests::{emu_binary, guest_dir, run_command, Outcome, Status, TempDir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

fn program(name: &str) -> PathBuf {
    guest_dir().join("baremetal").join(name)
}

fn boot_command(args: &[&str], kernel: &Path) -> Command {
    let mut c = Command::new(emu_binary());
    c.arg("boot").arg("--kernel").arg(kernel).args(args);
    c
}

fn boot(args: &[&str], kernel: &Path) -> Outcome {
    run_command(boot_command(args, kernel), b"", TIMEOUT)
}

fn assert_output(what: &str, outcome: &Outcome, expected: &str) {
    assert_eq!(
        outcome.status,
        Status::Exit(0),
        "{what}: status; stdout:\n{}\nstderr:\n{}",
        outcome.stdout_text(),
        outcome.stderr_text()
    );
    assert_eq!(
        outcome.stdout_text(),
        expected,
        "{what}: output; stderr:\n{}",
        outcome.stderr_text()
    );
}

const HELLO: &str = "hello from bare metal\nCurrentEL 0x1\ndtb magic 0xd00dfeed\n";

#[test]
fn raw_binary_prints_and_powers_off_in_each_tier() {
    for tier in ["interp", "jit", "tiered"] {
        let out = boot(&["--tier", tier], &program("hello.bin"));
        assert_output(&format!("hello.bin --tier {tier}"), &out, HELLO);
    }
}

#[test]
fn elf_kernel_is_entered_without_x0_and_finds_the_dtb_at_ram_base() {
    // QEMU enters an ELF kernel with x0 = 0 and would put its DTB at the base of RAM, but
    // its 1 MiB device tree does not fit below 0x40080000 so it passes none ("dtb magic
    // 0x0"); emu's is a few KiB and fits.
    let out = boot(&[], &program("hello.elf"));
    assert_output("hello.elf", &out, HELLO);
}

#[test]
fn gzipped_raw_binary_is_decompressed() {
    let dir = TempDir::new("boot-gz");
    let gz = dir.path().join("hello.bin.gz");
    let status = Command::new("gzip")
        .arg("-c")
        .arg(program("hello.bin"))
        .stdout(std::fs::File::create(&gz).expect("temp file"))
        .status();
    match status {
        Ok(s) if s.success() => {}
        _ => {
            emu_tests::skip("gzipped_raw_binary_is_decompressed", "no gzip");
            return;
        }
    }
    assert_output("hello.bin.gz", &boot(&[], &gz), HELLO);
}

const EXCEPTIONS: &str = "\
svc
  esr 0x56000042
  elr ok
undef
  esr 0x2000000
  elr ok
el0
  esr 0x56000007
  spsr mode 0x0
mmu
mmu on
  esr 0x96000005
  far 0x80000000
  elr ok
  esr 0x96000045
  far 0x80000008
  elr ok
jump
  esr 0x86000005
  far 0x80000000
  elr ok
done
";

#[test]
fn synchronous_exceptions_el0_and_mmu_faults() {
    for tier in ["interp", "jit"] {
        let out = boot(&["--tier", tier], &program("exceptions.bin"));
        assert_output(&format!("exceptions --tier {tier}"), &out, EXCEPTIONS);
    }
}

const TIMER_TICKS: &str = "\
irq 0x1e
irq 0x1e
irq 0x1e
woke with irq masked
irq 0x1e
taken after unmask
";

#[test]
fn timer_interrupt_through_gicv3() {
    let out = boot(&["--gic", "v3"], &program("timer_gicv3.bin"));
    assert_output("timer gicv3", &out, &format!("gicv3\n{TIMER_TICKS}"));
}

#[test]
fn timer_interrupt_through_gicv2() {
    let out = boot(&["--gic", "v2"], &program("timer_gicv2.bin"));
    assert_output("timer gicv2", &out, &format!("gicv2\n{TIMER_TICKS}"));
}

#[test]
fn timer_interrupt_in_compiled_code() {
    let out = boot(
        &["--gic", "v3", "--tier", "jit"],
        &program("timer_gicv3.bin"),
    );
    assert_output("timer gicv3 jit", &out, &format!("gicv3\n{TIMER_TICKS}"));
}

#[test]
fn rtc_reads_host_time() {
    let out = boot(&[], &program("rtc.bin"));
    assert_eq!(out.status, Status::Exit(0), "{}", out.stderr_text());
    let text = out.stdout_text();
    let secs: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("rtc "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rtc line in {text:?}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("host clock after 1970")
        .as_secs();
    assert!(secs.abs_diff(now) <= 30, "rtc {secs}, host {now}");
    assert!(text.ends_with("id 0x31\n"), "{text:?}");
}

#[test]
fn system_reset_with_no_reboot_exits() {
    let out = boot(&["--no-reboot"], &program("reset.bin"));
    assert_output("reset --no-reboot", &out, "resetting\n");
}

#[test]
fn serial_to_a_file_or_nowhere() {
    let dir = TempDir::new("boot-serial");
    let log = dir.path().join("console.log");
    let out = boot(
        &["--serial", &format!("file:{}", log.display())],
        &program("hello.bin"),
    );
    assert_output("serial file", &out, "");
    assert_eq!(std::fs::read_to_string(&log).expect("console log"), HELLO);
    assert_output(
        "serial none",
        &boot(&["--serial", "none"], &program("hello.bin")),
        "",
    );
}

#[test]
fn dump_dtb_then_boot_with_it() {
    let dir = TempDir::new("boot-dtb");
    let dtb = dir.path().join("virt.dtb");
    let out = boot(
        &[
            "--append",
            "console=ttyAMA0 hello=world",
            "--dump-dtb",
            dtb.to_str().expect("utf-8 temp path"),
        ],
        &program("hello.bin"),
    );
    assert_output("--dump-dtb", &out, "");
    let blob = std::fs::read(&dtb).expect("dumped DTB");
    assert_eq!(&blob[..4], &[0xd0, 0x0d, 0xfe, 0xed]);
    let has = |needle: &[u8]| blob.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"console=ttyAMA0 hello=world\0"), "bootargs missing");
    assert!(has(b"arm,pl011\0"), "no UART node");
    let out = boot(
        &["--dtb", dtb.to_str().unwrap_or("")],
        &program("hello.bin"),
    );
    assert_output("--dtb", &out, HELLO);
    // A given DTB's /chosen gets this boot's command line (as QEMU's -dtb does).
    let patched = dir.path().join("patched.dtb");
    let out = boot(
        &[
            "--dtb",
            dtb.to_str().unwrap_or(""),
            "--append",
            "other=args",
            "--dump-dtb",
            patched.to_str().unwrap_or(""),
        ],
        &program("hello.bin"),
    );
    assert_output("--dtb --append --dump-dtb", &out, "");
    let blob = std::fs::read(&patched).expect("patched DTB");
    let has = |needle: &[u8]| blob.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"other=args\0"), "new bootargs missing");
    assert!(!has(b"hello=world"), "old bootargs kept");
    assert!(has(b"arm,pl011\0"), "UART node lost");
}

/// An emulator-side refusal: one `emu: ` line on stderr, status 125, no panic.
fn assert_refused(what: &str, out: &Outcome, mentions: &str) {
    let err = out.stderr_text();
    assert_eq!(out.status, Status::Exit(125), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what}: {err}");
    assert!(lines[0].starts_with("emu: "), "{what}: {err}");
    assert!(lines[0].contains(mentions), "{what}: {err}");
    assert!(out.stdout.is_empty(), "{what}: {}", out.stdout_text());
}

#[test]
fn bad_input_is_refused_cleanly() {
    let dir = TempDir::new("boot-bad");
    let hello = program("hello.bin");
    assert_refused(
        "missing kernel",
        &boot(&[], &dir.path().join("nope")),
        "No such file",
    );
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").expect("temp file");
    assert_refused("empty kernel", &boot(&[], &empty), "empty");
    // A gzip stream cut short.
    let cut = dir.path().join("cut.gz");
    std::fs::write(&cut, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x4b, 0x4c, 0x4a])
        .expect("temp file");
    assert_refused("truncated gzip", &boot(&[], &cut), "gzip");
    for bad in ["1.5G", "0", "lots", "512Q", "300G"] {
        assert_refused(
            &format!("--memory {bad}"),
            &boot(&["--memory", bad], &hello),
            "--memory",
        );
    }
    // An initrd that does not fit: 8 MiB of RAM, initrd placed at 4 MiB.
    let big = dir.path().join("initrd");
    std::fs::write(&big, vec![0u8; 6 << 20]).expect("temp file");
    assert_refused(
        "initrd too big",
        &boot(
            &["--memory", "8M", "--initrd", big.to_str().unwrap_or("")],
            &hello,
        ),
        "do not fit",
    );
    assert_refused("--smp 2", &boot(&["--smp", "2"], &hello), "--smp");
    assert_refused("--serial", &boot(&["--serial", "pty"], &hello), "--serial");
    let not_dtb = dir.path().join("x.dtb");
    std::fs::write(&not_dtb, b"definitely not a device tree blob, no").expect("temp file");
    assert_refused(
        "--dtb garbage",
        &boot(&["--dtb", not_dtb.to_str().unwrap_or("")], &hello),
        "device tree",
    );
}

#[test]
fn console_input_reaches_the_uart_as_is_from_a_pipe() {
    // No terminal: Ctrl-A (0x01) is an ordinary byte for the guest.
    let out = run_command(
        boot_command(&[], &program("echo.bin")),
        b"ab\x01cq",
        TIMEOUT,
    );
    assert_output("echo from a pipe", &out, "ready\n[a][b][\x01][c][q]\n");
}

/// A pseudo-terminal pair: we hold the master; the child gets the slave as stdin/stdout.
struct Pty {
    master: std::os::fd::OwnedFd,
    slave: std::os::fd::OwnedFd,
}

impl Pty {
    fn open() -> Option<Pty> {
        use std::os::fd::FromRawFd;
        let (mut master, mut slave) = (-1, -1);
        // SAFETY: openpty writes two descriptors; the name/termios/winsize arguments are
        // optional and passed as null.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        (rc == 0).then(|| {
            // SAFETY: both descriptors were just opened and are owned by nobody else.
            unsafe {
                Pty {
                    master: std::os::fd::OwnedFd::from_raw_fd(master),
                    slave: std::os::fd::OwnedFd::from_raw_fd(slave),
                }
            }
        })
    }

    fn termios(&self) -> libc::termios {
        use std::os::fd::AsRawFd;
        // SAFETY: `t` is written by tcgetattr on a valid terminal descriptor.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::tcgetattr(self.slave.as_raw_fd(), &mut t) },
            0
        );
        t
    }

    fn write(&self, bytes: &[u8]) {
        use std::os::fd::AsRawFd;
        // SAFETY: writes from a valid buffer to our descriptor.
        let n = unsafe { libc::write(self.master.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        assert_eq!(n, bytes.len() as isize);
    }

    /// Reads from the master until `text` has appeared in `seen` (or panics after a while).
    fn expect(&self, seen: &mut Vec<u8>, text: &str) {
        use std::os::fd::AsRawFd;
        let deadline = std::time::Instant::now() + TIMEOUT;
        while !seen.windows(text.len()).any(|w| w == text.as_bytes()) {
            assert!(
                std::time::Instant::now() < deadline,
                "no {text:?} on the terminal; got {:?}",
                String::from_utf8_lossy(seen)
            );
            let mut fds = libc::pollfd {
                fd: self.master.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            if unsafe { libc::poll(&mut fds, 1, 100) } <= 0 {
                continue;
            }
            let mut buf = [0u8; 1024];
            // SAFETY: reads into our buffer.
            let n = unsafe { libc::read(fds.fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                seen.extend_from_slice(&buf[..n as usize]);
            }
        }
    }
}

#[test]
fn terminal_is_raw_ctrl_a_commands_work_and_settings_come_back() {
    let Some(pty) = Pty::open() else {
        emu_tests::skip("terminal test", "no pseudo-terminals");
        return;
    };
    let before = pty.termios();
    let tty = || {
        std::process::Stdio::from(
            pty.slave
                .try_clone()
                .expect("the slave descriptor can be duplicated"),
        )
    };
    let mut child = boot_command(&[], &program("echo.bin"))
        .stdin(tty())
        .stdout(tty())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("emu starts");
    let mut seen = Vec::new();
    pty.expect(&mut seen, "ready");
    // Raw mode: a byte goes to the guest at once, without a newline and without echo.
    pty.write(b"x");
    pty.expect(&mut seen, "[x]");
    pty.write(b"\x01h");
    pty.expect(&mut seen, "C-a x");
    pty.write(b"\x01\x01");
    pty.expect(&mut seen, "[\x01]");
    pty.write(b"\x01x");
    let status = child.wait().expect("emu ends");
    assert_eq!(status.code(), Some(0), "{}", String::from_utf8_lossy(&seen));
    let after = pty.termios();
    assert_eq!(
        (after.c_lflag, after.c_iflag, after.c_oflag, after.c_cflag),
        (
            before.c_lflag,
            before.c_iflag,
            before.c_oflag,
            before.c_cflag
        ),
        "terminal settings not restored"
    );
}

#[test]
fn terminal_settings_come_back_when_killed() {
    let Some(pty) = Pty::open() else {
        emu_tests::skip("terminal test", "no pseudo-terminals");
        return;
    };
    let before = pty.termios();
    let tty = || {
        std::process::Stdio::from(
            pty.slave
                .try_clone()
                .expect("the slave descriptor can be duplicated"),
        )
    };
    let mut child = boot_command(&[], &program("echo.bin"))
        .stdin(tty())
        .stdout(tty())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("emu starts");
    let mut seen = Vec::new();
    pty.expect(&mut seen, "ready");
    assert_ne!(
        pty.termios().c_lflag,
        before.c_lflag,
        "not in raw mode while running"
    );
    // SAFETY: signals our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().expect("emu ends");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM));
    assert_eq!(
        pty.termios().c_lflag,
        before.c_lflag,
        "echo/canonical not restored"
    );
}

#[test]
// The child is reaped by wait4 (for its resource usage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn waiting_for_interrupts_does_not_spin() {
    // Four timer periods of 250 ms spent in WFI: a CPU that sleeps uses a few milliseconds
    // of host time; one that polls would use about a second.
    let started = std::time::Instant::now();
    let child = boot_command(&["--gic", "v3"], &program("timer_slow_gicv3.bin"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("emu starts");
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child we spawned (its `Child` is never waited on again).
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let wall = started.elapsed();
    let cpu = Duration::new(
        usage.ru_utime.tv_sec as u64,
        usage.ru_utime.tv_usec as u32 * 1000,
    ) + Duration::new(
        usage.ru_stime.tv_sec as u64,
        usage.ru_stime.tv_usec as u32 * 1000,
    );
    assert!(
        wall >= Duration::from_millis(900),
        "finished in {wall:?}: timer too fast"
    );
    assert!(
        cpu < Duration::from_millis(400),
        "{cpu:?} of host CPU for {wall:?} of mostly idle guest"
    );
}
