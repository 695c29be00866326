//! The values of `emu boot`'s options that need more than clap: `--memory` sizes and the
//! `--serial` backend.

use std::path::PathBuf;

const MIB: u64 = 1 << 20;
/// QEMU's virt board refuses more than 255 GiB of RAM (it must end below the PCIe
/// high MMIO window); so do we.
pub const MAX_RAM: u64 = 255 << 30;
/// Below this not even a bare-metal program with its device tree fits comfortably.
pub const MIN_RAM: u64 = 2 * MIB;

/// Parses a RAM size like QEMU's `-m`: a whole number with an optional unit K, M, G or T
/// (either case; binary multiples); a bare number means MiB. Strict: no fractions, spaces,
/// signs or other suffixes; at least 2 MiB, at most 255 GiB, a multiple of 4 KiB.
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let bad = || format!("'{text}' is not a size (e.g. 512M, 2G)");
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c.to_ascii_uppercase())),
        _ => (text, None),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let shift = match unit {
        None | Some('M') => 20,
        Some('K') => 10,
        Some('G') => 30,
        Some('T') => 40,
        Some(_) => return Err(bad()),
    };
    let too_big = || format!("'{text}' is more than the board's 255 GiB of RAM");
    let n: u64 = digits.parse().map_err(|_| too_big())?;
    let bytes = n
        .checked_mul(1 << shift)
        .filter(|&b| b <= MAX_RAM)
        .ok_or_else(too_big)?;
    if bytes < MIN_RAM {
        return Err(format!("'{text}' is less than the 2 MiB minimum"));
    }
    if !bytes.is_multiple_of(4096) {
        return Err(format!("'{text}' is not a multiple of 4 KiB"));
    }
    Ok(bytes)
}

/// Where the UART's output goes (and whether it reads our stdin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Serial {
    /// Output to stdout, input from stdin.
    Stdio,
    /// Nowhere; no input.
    None,
    /// Output appended to a file (created if missing); no input.
    File(PathBuf),
}

pub fn parse_serial(text: &str) -> Result<Serial, String> {
    match text {
        "stdio" => Ok(Serial::Stdio),
        "none" => Ok(Serial::None),
        _ => match text.strip_prefix("file:") {
            Some(path) if !path.is_empty() => Ok(Serial::File(PathBuf::from(path))),
            _ => Err(format!(
                "'{text}' is not a serial backend (stdio, none or file:PATH)"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("512M"), Ok(512 * MIB));
        assert_eq!(parse_memory("512m"), Ok(512 * MIB));
        assert_eq!(parse_memory("2G"), Ok(2 << 30));
        assert_eq!(parse_memory("256"), Ok(256 * MIB));
        assert_eq!(parse_memory("4096K"), Ok(4 * MIB));
        assert_eq!(parse_memory("255G"), Ok(MAX_RAM));
    }

    #[test]
    fn bad_memory_sizes_are_refused() {
        for bad in [
            "",
            "M",
            "1.5G",
            "-1G",
            "+1G",
            "1 G",
            "1GB",
            "1X",
            "0",
            "1K",
            "1M",
            "256G",
            "1T",
            "99999999999999999999",
            "18446744073709551615K",
            "2049K",
        ] {
            assert!(parse_memory(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn serial_backends() {
        assert_eq!(parse_serial("stdio"), Ok(Serial::Stdio));
        assert_eq!(parse_serial("none"), Ok(Serial::None));
        assert_eq!(
            parse_serial("file:/tmp/x"),
            Ok(Serial::File(PathBuf::from("/tmp/x")))
        );
        assert!(parse_serial("file:").is_err());
        assert!(parse_serial("pty").is_err());
    }
}
