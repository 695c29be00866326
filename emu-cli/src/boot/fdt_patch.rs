//! Filling /chosen of a device tree given with `--dtb`, as QEMU does for `-dtb`: the
//! kernel command line and the initrd location are only known here, so they are written
//! into the blob (replacing any the file had). The blob is rebuilt rather than edited in
//! place: the structure block is copied token by token, with /chosen's old `bootargs` and
//! `linux,initrd-*` dropped and the new ones added at its end (a /chosen node is created
//! under the root if there is none). Every offset and length read from the file is
//! checked; a malformed blob is refused, never indexed out of bounds.

const MAGIC: u32 = 0xd00d_feed;
const HEADER_SIZE: usize = 40;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;

const REPLACED: [&str; 3] = ["bootargs", "linux,initrd-start", "linux,initrd-end"];

fn be32(b: &[u8], at: usize) -> Result<u32, String> {
    at.checked_add(4)
        .and_then(|end| b.get(at..end))
        .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
        .ok_or_else(|| "truncated device tree".to_string())
}

fn align4(n: usize) -> usize {
    n.next_multiple_of(4)
}

/// The NUL-terminated string at `at` in `b`.
fn cstr(b: &[u8], at: usize) -> Result<&[u8], String> {
    let rest = b.get(at..).ok_or("device tree string out of range")?;
    let len = rest
        .iter()
        .position(|&c| c == 0)
        .ok_or("unterminated string in the device tree")?;
    Ok(&rest[..len])
}

/// What /chosen should say.
pub struct Chosen<'a> {
    pub bootargs: Option<&'a str>,
    pub initrd: Option<(u64, u64)>,
}

struct Writer {
    structs: Vec<u8>,
    strings: Vec<u8>,
}

impl Writer {
    fn token(&mut self, t: u32) {
        self.structs.extend_from_slice(&t.to_be_bytes());
    }

    fn string_offset(&mut self, name: &str) -> u32 {
        let mut at = 0;
        while at < self.strings.len() {
            let end = self.strings[at..]
                .iter()
                .position(|&c| c == 0)
                .map_or(self.strings.len(), |p| at + p);
            if &self.strings[at..end] == name.as_bytes() {
                return at as u32;
            }
            at = end + 1;
        }
        let offset = self.strings.len() as u32;
        self.strings.extend_from_slice(name.as_bytes());
        self.strings.push(0);
        offset
    }

    fn prop(&mut self, name: &str, value: &[u8]) {
        let name_offset = self.string_offset(name);
        self.token(PROP);
        self.structs
            .extend_from_slice(&(value.len() as u32).to_be_bytes());
        self.structs.extend_from_slice(&name_offset.to_be_bytes());
        self.structs.extend_from_slice(value);
        self.structs.resize(align4(self.structs.len()), 0);
    }

    fn chosen_props(&mut self, chosen: &Chosen) {
        if let Some(args) = chosen.bootargs {
            let mut v = args.as_bytes().to_vec();
            v.push(0);
            self.prop("bootargs", &v);
        }
        if let Some((start, end)) = chosen.initrd {
            // As QEMU writes them: 32 bits when the value fits, else 64.
            let cells = |v: u64| match u32::try_from(v) {
                Ok(small) => small.to_be_bytes().to_vec(),
                Err(_) => v.to_be_bytes().to_vec(),
            };
            self.prop("linux,initrd-start", &cells(start));
            self.prop("linux,initrd-end", &cells(end));
        }
    }
}

/// Returns `blob` with /chosen holding `chosen`'s command line and initrd.
pub fn set_chosen(blob: &[u8], chosen: &Chosen) -> Result<Vec<u8>, String> {
    if be32(blob, 0)? != MAGIC {
        return Err("not a flattened device tree (bad magic)".into());
    }
    let field = |i: usize| be32(blob, 4 * i).map(|v| v as usize);
    let (off_struct, off_strings, off_rsvmap) = (field(2)?, field(3)?, field(4)?);
    let (size_strings, size_struct) = (field(8)?, field(9)?);
    let section = |off: usize, size: usize| {
        off.checked_add(size)
            .and_then(|end| blob.get(off..end))
            .ok_or_else(|| "device tree block out of range".to_string())
    };
    let structs = section(off_struct, size_struct)?;
    let strings = section(off_strings, size_strings)?;
    let rsvmap_end = (off_rsvmap..blob.len())
        .step_by(16)
        .find(|&at| {
            be32(blob, at).ok() == Some(0)
                && be32(blob, at + 4).ok() == Some(0)
                && be32(blob, at + 8).ok() == Some(0)
                && be32(blob, at + 12).ok() == Some(0)
        })
        .ok_or("unterminated memory reservation map")?
        + 16;
    let rsvmap = blob
        .get(off_rsvmap..rsvmap_end)
        .ok_or("bad reservation map")?;

    let mut out = Writer {
        structs: Vec::with_capacity(structs.len() + 256),
        strings: strings.to_vec(),
    };
    let mut at = 0;
    // Node names from the root down to the current node.
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut chosen_done = false;
    loop {
        let token = be32(structs, at)?;
        at += 4;
        match token {
            BEGIN_NODE => {
                let name = cstr(structs, at)?.to_vec();
                let next = align4(at + name.len() + 1);
                out.token(BEGIN_NODE);
                out.structs
                    .extend_from_slice(structs.get(at..next).ok_or("bad node")?);
                at = next;
                path.push(name);
            }
            END_NODE => {
                let in_chosen = path.len() == 2 && path[1] == b"chosen";
                if in_chosen {
                    out.chosen_props(chosen);
                    chosen_done = true;
                }
                if path.len() == 1 && !chosen_done {
                    // The root ends without a /chosen: add one.
                    out.token(BEGIN_NODE);
                    out.structs.extend_from_slice(b"chosen\0\0");
                    out.chosen_props(chosen);
                    out.token(END_NODE);
                    chosen_done = true;
                }
                out.token(END_NODE);
                if path.pop().is_none() {
                    return Err("unbalanced device tree nodes".into());
                }
            }
            PROP => {
                let len = be32(structs, at)? as usize;
                let name_offset = be32(structs, at + 4)? as usize;
                let value_end = (at + 8).checked_add(len).ok_or("bad property")?;
                let value = structs.get(at + 8..value_end).ok_or("truncated property")?;
                let name = cstr(strings, name_offset)?;
                at = align4(value_end);
                let in_chosen = path.len() == 2 && path[1] == b"chosen";
                if in_chosen && REPLACED.iter().any(|r| r.as_bytes() == name) {
                    continue;
                }
                out.token(PROP);
                out.structs.extend_from_slice(&(len as u32).to_be_bytes());
                out.structs
                    .extend_from_slice(&(name_offset as u32).to_be_bytes());
                out.structs.extend_from_slice(value);
                out.structs.resize(align4(out.structs.len()), 0);
            }
            NOP => {}
            END => break,
            other => return Err(format!("unknown device tree token {other:#x}")),
        }
    }
    if !path.is_empty() {
        return Err("unbalanced device tree nodes".into());
    }
    out.token(END);

    let off_rsvmap = HEADER_SIZE;
    let off_struct = align4(off_rsvmap + rsvmap.len());
    let off_strings = off_struct + out.structs.len();
    let total = off_strings + out.strings.len();
    let mut result = Vec::with_capacity(total);
    for v in [
        MAGIC,
        total as u32,
        off_struct as u32,
        off_strings as u32,
        off_rsvmap as u32,
        17,
        16,
        be32(blob, 28)?,
        out.strings.len() as u32,
        out.structs.len() as u32,
    ] {
        result.extend_from_slice(&v.to_be_bytes());
    }
    result.extend_from_slice(rsvmap);
    result.resize(off_struct, 0);
    result.extend_from_slice(&out.structs);
    result.extend_from_slice(&out.strings);
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use emu_devices::fdt::{self, FdtConfig};
    use emu_devices::gic::Version;

    fn has(blob: &[u8], needle: &[u8]) -> bool {
        blob.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn replaces_chosen_of_a_generated_tree() {
        let mut cfg = FdtConfig::new(1, 1 << 29, Version::V3);
        cfg.bootargs = Some("old args".into());
        cfg.initrd = Some((0x4800_0000, 0x4810_0000));
        let blob = fdt::build(&cfg).unwrap();
        let patched = set_chosen(
            &blob,
            &Chosen {
                bootargs: Some("console=ttyAMA0 new"),
                initrd: Some((0x4900_0000, 0x1_2345_6789)),
            },
        )
        .unwrap();
        assert!(!has(&patched, b"old args"));
        assert!(has(&patched, b"console=ttyAMA0 new\0"));
        assert!(has(&patched, &0x4900_0000u32.to_be_bytes()));
        assert!(has(&patched, &0x1_2345_6789u64.to_be_bytes()));
        assert!(!has(&patched, &0x4810_0000u32.to_be_bytes()));
        // Everything else survives, and the result parses again the same way.
        assert!(has(&patched, b"arm,pl011\0"));
        assert!(has(&patched, b"stdout-path\0"));
        let again = set_chosen(
            &patched,
            &Chosen {
                bootargs: Some("console=ttyAMA0 new"),
                initrd: Some((0x4900_0000, 0x1_2345_6789)),
            },
        )
        .unwrap();
        assert_eq!(again, patched);
        assert_eq!(be32(&patched, 4).unwrap() as usize, patched.len());
    }

    #[test]
    fn adds_chosen_when_missing_and_refuses_garbage() {
        // Root node with one property and no /chosen.
        let mut w = Writer {
            structs: Vec::new(),
            strings: Vec::new(),
        };
        w.token(BEGIN_NODE);
        w.structs.extend_from_slice(&[0, 0, 0, 0]);
        w.prop("model", b"test\0");
        w.token(END_NODE);
        w.token(END);
        let mut blob = Vec::new();
        let off_struct = HEADER_SIZE + 16;
        let off_strings = off_struct + w.structs.len();
        let total = off_strings + w.strings.len();
        for v in [
            MAGIC,
            total as u32,
            off_struct as u32,
            off_strings as u32,
            HEADER_SIZE as u32,
            17,
            16,
            0,
            w.strings.len() as u32,
            w.structs.len() as u32,
        ] {
            blob.extend_from_slice(&v.to_be_bytes());
        }
        blob.extend_from_slice(&[0; 16]);
        blob.extend_from_slice(&w.structs);
        blob.extend_from_slice(&w.strings);
        let patched = set_chosen(
            &blob,
            &Chosen {
                bootargs: Some("hi"),
                initrd: None,
            },
        )
        .unwrap();
        assert!(has(&patched, b"chosen\0"));
        assert!(has(&patched, b"hi\0"));
        assert!(has(&patched, b"test\0"));

        assert!(set_chosen(
            b"nope",
            &Chosen {
                bootargs: None,
                initrd: None
            }
        )
        .is_err());
        for cut in [8, 44, blob.len() - 1] {
            let bad = blob[..cut].to_vec();
            assert!(set_chosen(
                &bad,
                &Chosen {
                    bootargs: None,
                    initrd: None
                }
            )
            .is_err());
        }
        let mut bad_token = blob.clone();
        bad_token[off_struct] = 0x77;
        assert!(set_chosen(
            &bad_token,
            &Chosen {
                bootargs: None,
                initrd: None
            }
        )
        .is_err());
    }
}
