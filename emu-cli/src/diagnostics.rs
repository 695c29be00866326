//! The diagnostic options of `emu run` (and, as it grows, `emu boot`): `--trace` with
//! its categories, `--trace-range`, `--trace-file`, and `--timeout`'s value.

use std::path::Path;
use std::time::Duration;

/// `--trace-range START-END`.
pub fn parse_range(text: &str) -> Result<std::ops::Range<u64>, String> {
    let number = |t: &str| {
        let t = t.trim();
        match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => t.parse(),
        }
        .map_err(|e| format!("'{t}': {e}"))
    };
    let (start, end) = text
        .split_once('-')
        .ok_or_else(|| "expected START-END".to_string())?;
    let (start, end) = (number(start)?, number(end)?);
    if start >= end {
        return Err(format!("empty range {start:#x}-{end:#x}"));
    }
    Ok(start..end)
}

/// `--timeout SECS` (fractions allowed).
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.trim().parse().map_err(|e| format!("'{text}': {e}"))?;
    if !(secs > 0.0 && secs < 1e9) {
        return Err(format!("'{text}': must be a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `--trace` turned into a `tracing` filter and the runtime's own trace switches.
pub struct TraceSpec {
    pub filter: String,
    pub in_asm: bool,
    pub exec: bool,
}

/// The `--trace` categories and the `tracing` target and level each enables.
const TRACE_CATEGORIES: [(&str, &str); 5] = [
    ("in_asm", "in_asm=info"),
    ("exec", "exec=trace"),
    ("syscall", "syscall=debug"),
    ("int", "int=debug"),
    ("unimp", "unimp=debug"),
];

/// `emu_log` is the EMU_LOG variable, the filter used when there is no `--trace`.
pub fn parse_trace(list: Option<&str>, emu_log: Option<String>) -> TraceSpec {
    let Some(list) = list else {
        let filter = emu_log.unwrap_or_else(|| "error".to_string());
        let targets = |name: &str| filter.split(',').any(|d| d.split('=').next() == Some(name));
        return TraceSpec {
            in_asm: targets("in_asm"),
            exec: targets("exec"),
            filter,
        };
    };
    let mut directives = vec!["error".to_string()];
    let (mut in_asm, mut exec) = (false, false);
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let target = item.split('=').next().unwrap_or(item);
        in_asm |= target == "in_asm";
        exec |= target == "exec";
        match TRACE_CATEGORIES.iter().find(|(name, _)| *name == item) {
            Some((_, directive)) => directives.push(directive.to_string()),
            // Anything else is EnvFilter syntax (e.g. `syscall=trace`, `debug`).
            None => directives.push(item.to_string()),
        }
    }
    TraceSpec {
        filter: directives.join(","),
        in_asm,
        exec,
    }
}

/// Sends `tracing` output that passes `filter` to stderr, or to `file` (truncated
/// first, unless `append`).
pub fn init_logging(filter: &str, file: Option<&Path>, append: bool) -> Result<(), String> {
    let f = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| format!("--trace: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(f).without_time();
    match file {
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.create(true);
            // Appending keeps lines of forked and re-executed guests whole and in order.
            if append {
                options.append(true);
            } else {
                options.write(true).truncate(true);
            }
            let out = options
                .open(path)
                .map_err(|e| format!("--trace-file {}: {e}", path.display()))?;
            builder
                .with_writer(std::sync::Arc::new(out))
                .with_ansi(false)
                .init();
        }
        None => builder
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_seconds() {
        assert_eq!(parse_range("0x400000-0x401000"), Ok(0x40_0000..0x40_1000));
        assert_eq!(parse_range("16-32"), Ok(16..32));
        assert!(parse_range("0x10-0x10").is_err());
        assert!(parse_range("0x10").is_err());
        assert!(parse_range("x-0x10").is_err());
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-2", "NaN", "inf", "soon", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trace_categories_become_filters() {
        let t = parse_trace(Some("syscall,in_asm"), Some("debug".into()));
        assert_eq!(t.filter, "error,syscall=debug,in_asm=info");
        assert!(t.in_asm && !t.exec);
        // EnvFilter syntax passes through; a directive for the exec target turns the
        // runtime's exec trace on.
        let t = parse_trace(Some("exec=trace, emu_arm=warn"), None);
        assert_eq!(t.filter, "error,exec=trace,emu_arm=warn");
        assert!(t.exec && !t.in_asm);
        // No --trace: EMU_LOG, else errors only.
        let t = parse_trace(None, Some("in_asm,warn".into()));
        assert_eq!(t.filter, "in_asm,warn");
        assert!(t.in_asm);
        assert_eq!(parse_trace(None, None).filter, "error");
        for list in ["in_asm", "exec", "syscall", "int", "unimp", "syscall=trace"] {
            let t = parse_trace(Some(list), None);
            assert!(
                tracing_subscriber::EnvFilter::try_new(&t.filter).is_ok(),
                "{list}"
            );
        }
    }
}
