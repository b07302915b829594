//! Rust access to the stream callbacks a tch program defines (`tch_*_stream_*`, torch-sys io.rs),
//! through the weakly-linking C shim: `Read`/`Seek` and `Write` over a stream pointer.

use crate::error::Result;
use std::ffi::c_void;
use std::io;

extern "C" {
    fn torchrs_streams_available() -> i32;
    fn torchrs_write_stream_destructor(s: *mut c_void) -> bool;
    fn torchrs_write_stream_write(s: *mut c_void, buf: *const u8, size: usize, out: *mut usize) -> bool;
    fn torchrs_read_stream_destructor(s: *mut c_void) -> bool;
    fn torchrs_read_stream_stream_position(s: *mut c_void, pos: *mut u64) -> bool;
    fn torchrs_read_stream_seek_start(s: *mut c_void, pos: u64, new_pos: *mut u64) -> bool;
    fn torchrs_read_stream_seek_end(s: *mut c_void, pos: i64, new_pos: *mut u64) -> bool;
    fn torchrs_read_stream_read(s: *mut c_void, buf: *mut u8, size: usize, n: *mut usize) -> bool;
}

fn check_available(p: *mut c_void) -> Result<()> {
    crate::ensure!(!p.is_null(), "torchrs: the stream pointer is NULL");
    crate::ensure!(
        unsafe { torchrs_streams_available() } != 0,
        "torchrs: stream functions need the tch_*_stream_* callbacks, which this program does not define"
    );
    Ok(())
}

fn io_err(what: &str) -> io::Error {
    io::Error::other(format!("torchrs: the stream's {what} callback failed"))
}

/// A reader over a tch read stream; the stream is released on drop.
pub struct ReadStream(*mut c_void);

impl ReadStream {
    /// # Safety
    /// `p` is a tch read-stream pointer that this value now owns.
    pub unsafe fn new(p: *mut c_void) -> Result<ReadStream> {
        check_available(p)?;
        Ok(ReadStream(p))
    }
}

impl io::Read for ReadStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        if unsafe { torchrs_read_stream_read(self.0, buf.as_mut_ptr(), buf.len(), &mut n) } {
            Ok(n)
        } else {
            Err(io_err("read"))
        }
    }
}

impl io::Seek for ReadStream {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let mut out = 0u64;
        let ok = unsafe {
            match pos {
                io::SeekFrom::Start(p) => torchrs_read_stream_seek_start(self.0, p, &mut out),
                io::SeekFrom::End(p) => torchrs_read_stream_seek_end(self.0, p, &mut out),
                io::SeekFrom::Current(d) => {
                    let mut cur = 0u64;
                    torchrs_read_stream_stream_position(self.0, &mut cur)
                        && torchrs_read_stream_seek_start(self.0, (cur as i64 + d).max(0) as u64, &mut out)
                }
            }
        };
        if ok {
            Ok(out)
        } else {
            Err(io_err("seek"))
        }
    }
}

impl Drop for ReadStream {
    fn drop(&mut self) {
        unsafe { torchrs_read_stream_destructor(self.0) };
    }
}

/// A writer over a tch write stream; the stream is released on drop.
pub struct WriteStream(*mut c_void);

impl WriteStream {
    /// # Safety
    /// `p` is a tch write-stream pointer that this value now owns.
    pub unsafe fn new(p: *mut c_void) -> Result<WriteStream> {
        check_available(p)?;
        Ok(WriteStream(p))
    }
}

impl io::Write for WriteStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut n = 0;
        if unsafe { torchrs_write_stream_write(self.0, buf.as_ptr(), buf.len(), &mut n) } {
            Ok(n)
        } else {
            Err(io_err("write"))
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for WriteStream {
    fn drop(&mut self) {
        unsafe { torchrs_write_stream_destructor(self.0) };
    }
}
