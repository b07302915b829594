//! The zip container of PyTorch files: a reader that trusts nothing it reads (every offset and
//! size checked against the file, allocations bounded by the bytes present) and a writer that lays
//! out records like PyTorch's `PyTorchStreamWriter` (stored, 64-byte aligned data, zip64 end).

use super::source::Source;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::Write;

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
/// Data of every record starts at a multiple of this (PyTorch's alignment, needed for mmap).
pub const ALIGNMENT: u64 = 64;
/// DEFLATE cannot expand data by more than this factor; a larger declared size is a lie.
const MAX_DEFLATE_RATIO: u64 = 1032;

fn bad(msg: impl std::fmt::Display) -> Error {
    Error(format!("torchrs: invalid zip archive: {msg}"))
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

/// One record of the central directory.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    method: u16,
    crc: u32,
    compressed: u64,
    /// The uncompressed size.
    pub size: u64,
    local_offset: u64,
}

/// A zip archive opened for reading.
pub struct ZipReader<S: Source> {
    src: S,
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

struct EndRecord {
    count: u64,
    cd_size: u64,
    cd_offset: u64,
}

fn find_end(src: &mut impl Source) -> Result<EndRecord> {
    let len = src.len();
    if len < 22 {
        return Err(bad("the file is too short to be a zip archive"));
    }
    let tail_len = len.min(22 + 65535 + 20) as usize;
    let tail_pos = len - tail_len as u64;
    let mut tail = vec![0u8; tail_len];
    src.read_at(tail_pos, &mut tail)?;
    let at = (0..=tail_len - 22)
        .rev()
        .find(|&i| u32_at(&tail, i) == EOCD_SIG)
        .ok_or_else(|| bad("no end of central directory record"))?;
    let e = &tail[at..];
    let mut end = EndRecord { count: u16_at(e, 10) as u64, cd_size: u32_at(e, 12) as u64, cd_offset: u32_at(e, 16) as u64 };
    if u16_at(e, 4) != 0 && u16_at(e, 4) != 0xFFFF {
        return Err(bad("multi-disk archives are not supported"));
    }
    // A zip64 locator sits right before the end record when the sizes did not fit.
    if at >= 20 && u32_at(&tail, at - 20) == EOCD64_LOCATOR_SIG {
        let off = u64_at(&tail, at - 20 + 8);
        let mut z = [0u8; 56];
        src.read_at(off, &mut z)?;
        if u32_at(&z, 0) != EOCD64_SIG {
            return Err(bad("the zip64 end record is missing"));
        }
        end = EndRecord { count: u64_at(&z, 32), cd_size: u64_at(&z, 40), cd_offset: u64_at(&z, 48) };
    }
    match end.cd_offset.checked_add(end.cd_size) {
        Some(e) if e <= len => {}
        _ => return Err(bad("the central directory lies outside the file")),
    }
    if end.count > end.cd_size / 46 {
        return Err(bad(format!("{} entries cannot fit in a central directory of {} bytes", end.count, end.cd_size)));
    }
    Ok(end)
}

/// Reads the zip64 extended information of a central record for the fields that overflowed.
fn apply_zip64(extra: &[u8], e: &mut Entry) -> Result<()> {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let (id, n) = (u16_at(extra, i), u16_at(extra, i + 2) as usize);
        let body = extra.get(i + 4..i + 4 + n).ok_or_else(|| bad("truncated extra field"))?;
        if id == 1 {
            let mut j = 0;
            let mut next = |field: &mut u64| -> Result<()> {
                if *field == 0xFFFF_FFFF {
                    *field = u64_at(body.get(j..j + 8).ok_or_else(|| bad("truncated zip64 field"))?, 0);
                    j += 8;
                }
                Ok(())
            };
            next(&mut e.size)?;
            next(&mut e.compressed)?;
            next(&mut e.local_offset)?;
            return Ok(());
        }
        i += 4 + n;
    }
    Ok(())
}

impl<S: Source> ZipReader<S> {
    pub fn new(mut src: S) -> Result<ZipReader<S>> {
        let end = find_end(&mut src)?;
        let mut cd = vec![0u8; end.cd_size as usize];
        src.read_at(end.cd_offset, &mut cd)?;
        let mut entries = Vec::with_capacity(end.count as usize);
        let mut index = HashMap::new();
        let mut p = 0usize;
        for _ in 0..end.count {
            let h = cd.get(p..p + 46).ok_or_else(|| bad("truncated central directory"))?;
            if u32_at(h, 0) != CENTRAL_SIG {
                return Err(bad("bad central directory record"));
            }
            let flags = u16_at(h, 8);
            let (nl, xl, cl) = (u16_at(h, 28) as usize, u16_at(h, 30) as usize, u16_at(h, 32) as usize);
            let name = cd.get(p + 46..p + 46 + nl).ok_or_else(|| bad("truncated entry name"))?;
            let extra = cd.get(p + 46 + nl..p + 46 + nl + xl).ok_or_else(|| bad("truncated extra field"))?;
            let mut e = Entry {
                name: String::from_utf8_lossy(name).into_owned(),
                method: u16_at(h, 10),
                crc: u32_at(h, 16),
                compressed: u32_at(h, 20) as u64,
                size: u32_at(h, 24) as u64,
                local_offset: u32_at(h, 42) as u64,
            };
            apply_zip64(extra, &mut e)?;
            if flags & 1 != 0 {
                return Err(bad(format!("entry '{}' is encrypted", e.name)));
            }
            if e.method != 0 && e.method != 8 {
                return Err(bad(format!("entry '{}' uses unsupported compression method {}", e.name, e.method)));
            }
            if e.local_offset >= src.len() || e.compressed > src.len() {
                return Err(bad(format!("entry '{}' lies outside the file", e.name)));
            }
            index.entry(e.name.clone()).or_insert(entries.len());
            entries.push(e);
            p += 46 + nl + xl + cl;
        }
        Ok(ZipReader { src, entries, index })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.index.get(name).map(|&i| &self.entries[i])
    }

    /// Where an entry's data starts, from its local header.
    fn data_start(&mut self, e: &Entry) -> Result<u64> {
        let mut h = [0u8; 30];
        self.src.read_at(e.local_offset, &mut h)?;
        if u32_at(&h, 0) != LOCAL_SIG {
            return Err(bad(format!("bad local header for entry '{}'", e.name)));
        }
        let start = e.local_offset + 30 + u16_at(&h, 26) as u64 + u16_at(&h, 28) as u64;
        match start.checked_add(e.compressed) {
            Some(end) if end <= self.src.len() => Ok(start),
            _ => Err(bad(format!("the data of entry '{}' lies outside the file", e.name))),
        }
    }

    /// Reads the whole entry `name` into `dst`, which must have exactly the entry's size.
    pub fn read_into(&mut self, name: &str, dst: &mut [u8]) -> Result<()> {
        let e = self.find(name).ok_or_else(|| bad(format!("no entry '{name}'")))?.clone();
        if dst.len() as u64 != e.size {
            return Err(bad(format!("entry '{name}' has {} bytes, expected {}", e.size, dst.len())));
        }
        let start = self.data_start(&e)?;
        self.checked_size(name)?;
        if e.method == 0 {
            self.src.read_at(start, dst)?;
        } else {
            let mut comp = vec![0u8; e.compressed as usize];
            self.src.read_at(start, &mut comp)?;
            let out = miniz_oxide::inflate::decompress_to_vec_with_limit(&comp, dst.len())
                .map_err(|_| bad(format!("entry '{name}' does not inflate")))?;
            if out.len() != dst.len() {
                return Err(bad(format!("entry '{name}' inflates to {} bytes, expected {}", out.len(), dst.len())));
            }
            dst.copy_from_slice(&out);
        }
        if crc32fast::hash(dst) != e.crc {
            return Err(bad(format!("CRC mismatch in entry '{name}' (the file is corrupted)")));
        }
        Ok(())
    }

    /// The size of entry `name`, once checked to be one its bytes in the file can produce: callers
    /// allocate this much.
    pub fn checked_size(&self, name: &str) -> Result<u64> {
        let e = self.find(name).ok_or_else(|| bad(format!("no entry '{name}'")))?;
        let ok = if e.method == 0 {
            e.size == e.compressed
        } else {
            e.size <= e.compressed.saturating_mul(MAX_DEFLATE_RATIO).saturating_add(64)
        };
        if !ok {
            return Err(bad(format!("entry '{name}' declares a size ({}) its data cannot hold", e.size)));
        }
        Ok(e.size)
    }

    /// Reads the whole entry `name`, refusing entries larger than `max` bytes.
    pub fn read(&mut self, name: &str, max: u64) -> Result<Vec<u8>> {
        let size = self.checked_size(name)?;
        if size > max {
            return Err(bad(format!("entry '{name}' is too large ({size} bytes)")));
        }
        let mut v = vec![0u8; size as usize];
        self.read_into(name, &mut v)?;
        Ok(v)
    }
}

struct Written {
    name: String,
    crc: u32,
    size: u64,
    offset: u64,
}

/// Writes a zip archive of stored records to any `Write`, laid out like PyTorch's writer.
pub struct ZipWriter<W: Write> {
    out: W,
    pos: u64,
    entries: Vec<Written>,
}

fn werr(e: std::io::Error) -> Error {
    Error(format!("torchrs: write failed: {e}"))
}

impl<W: Write> ZipWriter<W> {
    pub fn new(out: W) -> ZipWriter<W> {
        ZipWriter { out, pos: 0, entries: Vec::new() }
    }

    fn put(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).map_err(werr)?;
        self.pos += b.len() as u64;
        Ok(())
    }

    /// Adds a stored record whose data starts on a 64-byte boundary.
    pub fn add(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let size = data.len() as u64;
        let zip64 = size >= 0xFFFF_FFFF;
        let offset = self.pos;
        let z64_len = if zip64 { 20 } else { 0 };
        let fixed = offset + 30 + name.len() as u64 + z64_len + 4;
        let pad = ((ALIGNMENT - fixed % ALIGNMENT) % ALIGNMENT) as usize;
        let mut h = Vec::with_capacity(30 + name.len() + 88);
        h.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        h.extend_from_slice(&[0, 0, 8, 8, 0, 0, 0, 0, 0, 0]); // version, flags 0x0808, stored, time, date
        h.extend_from_slice(&[0u8; 12]); // crc and sizes follow in the data descriptor
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&((z64_len as usize + 4 + pad) as u16).to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        if zip64 {
            h.extend_from_slice(&[1, 0, 16, 0]);
            h.extend_from_slice(&[0u8; 16]);
        }
        h.extend_from_slice(b"FB");
        h.extend_from_slice(&(pad as u16).to_le_bytes());
        h.resize(h.len() + pad, b'Z');
        self.put(&h)?;
        self.put(data)?;
        let crc = crc32fast::hash(data);
        let mut d = Vec::with_capacity(24);
        d.extend_from_slice(&DESCRIPTOR_SIG.to_le_bytes());
        d.extend_from_slice(&crc.to_le_bytes());
        if zip64 {
            d.extend_from_slice(&size.to_le_bytes());
            d.extend_from_slice(&size.to_le_bytes());
        } else {
            d.extend_from_slice(&(size as u32).to_le_bytes());
            d.extend_from_slice(&(size as u32).to_le_bytes());
        }
        self.put(&d)?;
        self.entries.push(Written { name: name.to_string(), crc, size, offset });
        Ok(())
    }

    /// Writes the central directory and the (zip64) end records; returns the writer.
    pub fn finish(mut self) -> Result<W> {
        let cd_offset = self.pos;
        let mut cd = Vec::new();
        for e in &self.entries {
            let big_size = e.size >= 0xFFFF_FFFF;
            let big_off = e.offset >= 0xFFFF_FFFF;
            let mut extra = Vec::new();
            if big_size || big_off {
                let mut body = Vec::new();
                if big_size {
                    body.extend_from_slice(&e.size.to_le_bytes());
                    body.extend_from_slice(&e.size.to_le_bytes());
                }
                if big_off {
                    body.extend_from_slice(&e.offset.to_le_bytes());
                }
                extra.extend_from_slice(&[1, 0]);
                extra.extend_from_slice(&(body.len() as u16).to_le_bytes());
                extra.extend_from_slice(&body);
            }
            let s32 = if big_size { 0xFFFF_FFFF } else { e.size as u32 };
            let o32 = if big_off { 0xFFFF_FFFF } else { e.offset as u32 };
            cd.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            cd.extend_from_slice(&[0, 0, 0, 0, 8, 8, 0, 0, 0, 0, 0, 0]); // made, needed, flags, method, time, date
            cd.extend_from_slice(&e.crc.to_le_bytes());
            cd.extend_from_slice(&s32.to_le_bytes());
            cd.extend_from_slice(&s32.to_le_bytes());
            cd.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0u8; 10]); // comment length, disk, attributes
            cd.extend_from_slice(&o32.to_le_bytes());
            cd.extend_from_slice(e.name.as_bytes());
            cd.extend_from_slice(&extra);
        }
        self.put(&cd)?;
        let (n, cd_size, eocd64) = (self.entries.len() as u64, cd.len() as u64, self.pos);
        let mut t = Vec::with_capacity(98);
        t.extend_from_slice(&EOCD64_SIG.to_le_bytes());
        t.extend_from_slice(&44u64.to_le_bytes());
        t.extend_from_slice(&[0x1e, 0x03, 0x2d, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [n, n, cd_size, cd_offset] {
            t.extend_from_slice(&v.to_le_bytes());
        }
        t.extend_from_slice(&EOCD64_LOCATOR_SIG.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(&eocd64.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&EOCD_SIG.to_le_bytes());
        t.extend_from_slice(&[0, 0, 0, 0]);
        let n16 = n.min(0xFFFF) as u16;
        t.extend_from_slice(&n16.to_le_bytes());
        t.extend_from_slice(&n16.to_le_bytes());
        t.extend_from_slice(&(cd_size.min(0xFFFF_FFFF) as u32).to_le_bytes());
        t.extend_from_slice(&(cd_offset.min(0xFFFF_FFFF) as u32).to_le_bytes());
        t.extend_from_slice(&[0, 0]);
        self.put(&t)?;
        self.out.flush().map_err(werr)?;
        Ok(self.out)
    }
}
