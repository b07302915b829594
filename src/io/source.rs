//! Random-access byte sources the archive readers work on: files, memory, and tch read streams.

use crate::error::{Error, Result};
use std::io::{Read, Seek, SeekFrom};

/// Bytes addressed by position; every read is bounds-checked against `len`.
pub trait Source {
    /// The total number of bytes.
    fn len(&self) -> u64;
    /// Fills `buf` with the bytes at `pos..pos + buf.len()`, or fails.
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> Result<()>;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn out_of_range(pos: u64, n: usize, len: u64) -> Error {
    Error(format!("torchrs: read of {n} bytes at offset {pos} is past the end of the data ({len} bytes)"))
}

fn check_range(pos: u64, n: usize, len: u64) -> Result<()> {
    match pos.checked_add(n as u64) {
        Some(end) if end <= len => Ok(()),
        _ => Err(out_of_range(pos, n, len)),
    }
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> Result<()> {
        check_range(pos, buf.len(), Source::len(self))?;
        let p = pos as usize;
        buf.copy_from_slice(&self[p..p + buf.len()]);
        Ok(())
    }
}

/// Any `Read + Seek` (a file, a tch read stream), with its length measured once.
pub struct SeekSource<R: Read + Seek> {
    inner: R,
    len: u64,
}

impl<R: Read + Seek> SeekSource<R> {
    pub fn new(mut inner: R) -> Result<SeekSource<R>> {
        let len = inner.seek(SeekFrom::End(0)).map_err(|e| Error(format!("torchrs: cannot seek: {e}")))?;
        Ok(SeekSource { inner, len })
    }
}

impl<R: Read + Seek> Source for SeekSource<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> Result<()> {
        check_range(pos, buf.len(), self.len)?;
        self.inner.seek(SeekFrom::Start(pos)).map_err(|e| Error(format!("torchrs: cannot seek: {e}")))?;
        let mut done = 0;
        while done < buf.len() {
            match self.inner.read(&mut buf[done..]) {
                Ok(0) => return Err(out_of_range(pos, buf.len(), self.len)),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error(format!("torchrs: read failed: {e}"))),
            }
        }
        Ok(())
    }
}

/// Opens a file for reading, with the path in the error.
pub fn open_file(path: &str) -> Result<SeekSource<std::fs::File>> {
    let f = std::fs::File::open(path).map_err(|e| Error(format!("torchrs: cannot open file '{path}': {e}")))?;
    SeekSource::new(f)
}
