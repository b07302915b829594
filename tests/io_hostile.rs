//! Hostile files: truncated, corrupted and adversarial archives and pickles must return an error
//! (never panic, hang, or allocate what the file does not hold). `fuzz_*` mutate the seed corpus
//! (fuzz/corpus) with a fixed PRNG: a short run here, a long one with `--ignored`
//! (TORCHRS_FUZZ_ITERS sets its length).

use torchrs::io::zip::ZipWriter;
use torchrs::io::{self, Select};
use torchrs::Tensor;

fn data(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn load(bytes: &[u8]) -> torchrs::Result<Vec<(String, Tensor)>> {
    io::load_named_from(bytes, Select::All)
}

fn err(bytes: &[u8]) -> String {
    match load(bytes) {
        Ok(v) => panic!("expected an error, got {} tensors", v.len()),
        Err(e) => e.0,
    }
}

fn archive(pkl: &[u8], records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = ZipWriter::new(Vec::new());
    z.add("archive/data.pkl", pkl).unwrap();
    for (n, d) in records {
        z.add(&format!("archive/{n}"), d).unwrap();
    }
    z.finish().unwrap()
}

fn x(s: &str) -> Vec<u8> {
    let mut v = vec![b'X'];
    v.extend_from_slice(&(s.len() as u32).to_le_bytes());
    v.extend_from_slice(s.as_bytes());
    v
}

fn long(i: i64) -> Vec<u8> {
    let mut v = vec![0x8a, 8];
    v.extend_from_slice(&i.to_le_bytes());
    v
}

/// A pickle of one float tensor: storage `key` of `numel` elements, viewed with this geometry.
fn tensor_pkl(key: &str, numel: i64, offset: i64, size: &[i64], stride: &[i64]) -> Vec<u8> {
    let mut p = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((".to_vec();
    p.extend(x("storage"));
    p.extend(b"ctorch\nFloatStorage\n");
    p.extend(x(key));
    p.extend(x("cpu"));
    p.extend(long(numel));
    p.extend(b"tQ");
    p.extend(long(offset));
    p.push(b'(');
    size.iter().for_each(|&s| p.extend(long(s)));
    p.extend(b"t(");
    stride.iter().for_each(|&s| p.extend(long(s)));
    p.extend(b"t\x89)tR.");
    p
}

const FOUR_FLOATS: &[u8] = &[0u8; 16];

#[test]
fn a_valid_handmade_tensor_loads() {
    let a = archive(&tensor_pkl("0", 4, 1, &[3], &[1]), &[("data/0", FOUR_FLOATS)]);
    let t = load(&a).unwrap();
    assert_eq!((&t[0].0[..], &t[0].1.shape()[..], t[0].1.layout().offset), ("0", &[3i64][..], 1));
}

#[test]
fn tensor_geometry_is_checked_against_the_storage() {
    let s = [("data/0", FOUR_FLOATS)];
    assert!(err(&archive(&tensor_pkl("0", 4, 2, &[3], &[1]), &s)).contains("reaches past its storage"));
    assert!(err(&archive(&tensor_pkl("0", 4, 0, &[2, 2], &[3, 1]), &s)).contains("reaches past"));
    assert!(err(&archive(&tensor_pkl("0", 4, 0, &[1 << 40, 1 << 40], &[1 << 40, 1]), &s)).contains("reaches past"));
    assert!(err(&archive(&tensor_pkl("0", 4, -1, &[1], &[1]), &s)).contains("geometry"));
    assert!(err(&archive(&tensor_pkl("0", 4, 0, &[2], &[-1]), &s)).contains("geometry"));
    assert!(err(&archive(&tensor_pkl("0", 4, 0, &[-2], &[1]), &s)).contains("geometry"));
    assert!(err(&archive(&tensor_pkl("0", 4, 0, &[2, 2], &[1]), &s)).contains("geometry"));
    assert!(err(&archive(&tensor_pkl("0", 4, 0, &[1; 100], &[1; 100]), &s)).contains("dimensions"));
    // declared storage sizes beyond the record, or beyond any integer
    assert!(err(&archive(&tensor_pkl("0", 5, 0, &[1], &[1]), &s)).contains("declares"));
    assert!(err(&archive(&tensor_pkl("0", 1 << 62, 0, &[1], &[1]), &s)).contains("storage"));
    assert!(err(&archive(&tensor_pkl("0", -1, 0, &[1], &[1]), &s)).contains("storage size"));
    // missing records and keys that try to leave the data folder
    assert!(err(&archive(&tensor_pkl("1", 4, 0, &[1], &[1]), &s)).contains("no entry"));
    assert!(err(&archive(&tensor_pkl("../data.pkl", 4, 0, &[1], &[1]), &s)).contains("bad storage key"));
    // empty tensors may sit anywhere
    assert!(load(&archive(&tensor_pkl("0", 4, 100, &[0, 5], &[5, 1]), &s)).is_ok());
}

#[test]
fn pickle_abuse_is_refused() {
    let a = |p: &[u8]| archive(p, &[]);
    assert!(err(&a(b"\x80\x02\xff.")).contains("unsupported opcode 0xff"));
    assert!(err(&a(b"\x80\x09N.")).contains("protocol"));
    assert!(err(&a(b"\x80\x02")).contains("truncated"));
    assert!(err(&a(b"\x80\x02X\xf0\xff\xff\xffabc.")).contains("past the end"));
    assert!(err(&a(b"\x80\x02\x8b\x00\x00\x00\x80.")).contains("64 bits"));
    assert!(err(&a(b"\x80\x02h\x05.")).contains("memo entry 5"));
    assert!(err(&a(b"\x80\x02.")).contains("underflow"));
    assert!(err(&a(b"\x80\x02(.")).contains("MARK"));
    assert!(err(&a(b"\x80\x02NNa.")).contains("not a list"));
    assert!(err(&a(b"\x80\x02X\x01\x00\x00\x00\xffN.")).contains("UTF-8"));
    assert!(err(&a(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.")).contains("unsupported global 'os.system'"));
    assert!(err(&a(b"\x80\x02cbuiltins\neval\n)\x81.")).contains("cannot create an object"));
    assert!(err(&a(b"\x80\x02NNR.")).contains("not a global"));
    assert!(err(&a(b"\x80\x02ctorch\nFloatStorage\n)R.")).contains("unsupported global"));
    assert!(err(&a(b"\x80\x02(X\x03\x00\x00\x00abcNNNNtQ.")).contains("persistent id"));
    assert!(err(&a(b"\x80\x02c\x00\n")).contains("GLOBAL"));
}

#[test]
fn deep_nesting_cycles_and_blowups_stop() {
    // a million nested 1-tuples: walking stops at the depth limit; dropping recurses nowhere
    let mut p = b"\x80\x02)".to_vec();
    p.resize(p.len() + 1_000_000, 0x85);
    p.push(b'.');
    assert!(err(&archive(&p, &[])).contains("nested deeper"));
    let mut p = b"\x80\x02".to_vec();
    p.resize(p.len() + 300_000, b'(');
    p.resize(p.len() + 300_000, b't');
    p.push(b'.');
    assert!(err(&archive(&p, &[])).contains("nested deeper"));
    // a list that contains itself
    assert!(err(&archive(b"\x80\x02]q\x00h\x00a.", &[])).contains("nested deeper"));
    // 2^90 paths through 90 levels of pairs (t = (t, t)): the walk's budget ends it
    let mut p = b"\x80\x02]".to_vec();
    for _ in 0..90 {
        p.extend(b"q\x00h\x00\x86");
    }
    p.push(b'.');
    assert!(err(&archive(&p, &[])).contains("too many references"));
    // stack and memo floods
    let mut p = b"\x80\x02N".to_vec();
    p.resize(p.len() + (1 << 20) + 1, b'2');
    assert!(err(&archive(&p, &[])).contains("stack grew too large"));
    let mut p = b"\x80\x02N".to_vec();
    for i in 0..(1u32 << 20) + 1 {
        p.push(b'r');
        p.extend(i.to_le_bytes());
    }
    assert!(err(&archive(&p, &[])).contains("too many memo entries"));
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn zip_abuse_is_refused() {
    let good = archive(&tensor_pkl("0", 4, 0, &[4], &[1]), &[("data/0", FOUR_FLOATS)]);
    assert!(load(&good).is_ok());
    assert!(err(b"").contains("too short"));
    assert!(err(&[0x50; 100]).contains("no end of central directory"));
    assert!(err(&std::fs::read(data("tests/data/io/img_rgb.png")).unwrap()).contains("zip"));
    // entry count, directory size and offset that the file cannot hold (zip64 record included)
    let z64 = good.len() - 22 - 20 - 56;
    for (at, v) in [(z64 + 32, u32::MAX), (z64 + 40, u32::MAX), (z64 + 48, u32::MAX - 5)] {
        let mut b = good.clone();
        put_u32(&mut b, at, v);
        assert!(load(&b).is_err());
    }
    // a plain end record (no zip64) claiming 65535 entries in a 1-byte directory
    let mut b = good.clone();
    b.truncate(z64);
    b.extend_from_slice(&[0x50, 0x4b, 5, 6, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(err(&b).contains("cannot fit"));
    // central records: first one is data/0 (names: archive/data.pkl first here)
    let cd = u32::from_le_bytes(good[z64 + 48..z64 + 52].try_into().unwrap()) as usize;
    let with = |at: usize, v: u32| {
        let mut b = good.clone();
        put_u32(&mut b, cd + at, v);
        b
    };
    assert!(err(&with(20, 0xFFFF_FFF0)).contains("outside the file")); // compressed size
    assert!(err(&with(24, 0x7FFF_FFF0)).contains("declares a size")); // stored size != compressed
    assert!(err(&with(42, 0x7FFF_FFF0)).contains("outside the file")); // local header offset
    assert!(err(&with(16, 1234)).contains("CRC")); // checksum
    assert!(err(&with(8, 0x0001_0001)).contains("encrypted"));
    assert!(err(&with(8, 0x000C_0000)).contains("compression method 12"));
    // a deflated entry that claims 3 GB from 16 bytes is refused before any allocation
    let mut b = with(8, 0x0008_0000);
    put_u32(&mut b, cd + 24, 3_000_000_000);
    assert!(err(&b).contains("declares a size"));
    // a deflated entry whose bytes do not inflate
    assert!(err(&with(8, 0x0008_0000)).contains("inflate"));
}

#[test]
fn every_truncation_and_byte_flip_of_the_fixtures_is_handled() {
    for f in seeds() {
        let bytes = std::fs::read(&f).unwrap();
        let step = (bytes.len() / 600).max(1);
        for n in (0..bytes.len()).step_by(step) {
            assert!(load(&bytes[..n]).is_err(), "{f} truncated at {n} loaded");
        }
        let mut b = bytes.clone();
        for i in (0..b.len()).step_by(step) {
            b[i] ^= 0xFF;
            let _ = load(&b);
            b[i] ^= 0xFF;
        }
    }
}

#[test]
fn c_functions_report_hostile_files() {
    extern "C" {
        fn at_load(f: *const std::ffi::c_char) -> *mut std::ffi::c_void;
    }
    let path = std::env::temp_dir().join(format!("torchrs-hostile-{}.pt", std::process::id()));
    std::fs::write(&path, archive(b"\x80\x02\xff.", &[])).unwrap();
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert!(unsafe { at_load(c.as_ptr()) }.is_null());
    let e = torchrs::capi::boundary::take_last_error().unwrap();
    assert!(e.contains("unsupported opcode"), "{e}");
}

// ---- a libFuzzer-free fuzzer over the seed corpus ----

fn seeds() -> Vec<String> {
    let mut v = Vec::new();
    for d in ["fuzz/corpus/load_archive", "tests/data/fixtures/libtorch", "tests/data/fixtures/python", "tests/data/io"] {
        if let Ok(rd) = std::fs::read_dir(data(d)) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "pt" || x == "ot") || d.starts_with("fuzz") {
                    v.push(p.to_str().unwrap().to_string());
                }
            }
        }
    }
    v.sort();
    v
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random mutation: flip, set to an interesting value, insert, delete, splice, or overwrite
/// a 32-bit field (sizes and offsets live there).
fn mutate(b: &mut Vec<u8>, r: &mut Rng) {
    let n = b.len();
    match r.below(7) {
        0 if n > 0 => {
            let i = r.below(n);
            b[i] ^= 1 << r.below(8);
        }
        1 if n > 0 => {
            let i = r.below(n);
            b[i] = [0, 0xFF, 0x7F, 0x80, b'(', b'.', b'q', b'h'][r.below(8)];
        }
        2 => {
            let i = r.below(n + 1);
            b.insert(i, r.next() as u8);
        }
        3 if n > 0 => {
            let i = r.below(n);
            let k = r.below(16).min(n - i);
            b.drain(i..i + k);
        }
        4 if n > 8 => {
            let (i, j, k) = (r.below(n), r.below(n), r.below(64));
            let chunk: Vec<u8> = b[i..(i + k).min(n)].to_vec();
            let j = j.min(b.len());
            b.splice(j..j, chunk);
        }
        5 if n >= 4 => {
            let i = r.below(n - 3);
            let v = [0u32, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 64, r.next() as u32][r.below(7)];
            b[i..i + 4].copy_from_slice(&v.to_le_bytes());
        }
        _ => b.truncate(r.below(n + 1)),
    }
}

fn fuzz(iters: u64, seed: u64) {
    let corpus: Vec<Vec<u8>> = seeds().iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!corpus.is_empty());
    let mut r = Rng(seed);
    let start = std::time::Instant::now();
    for _ in 0..iters {
        let mut b = corpus[r.below(corpus.len())].clone();
        for _ in 0..1 + r.below(4) {
            mutate(&mut b, &mut r);
        }
        if let Ok(v) = load(&b) {
            for (_, t) in v {
                let _ = t.to_vec::<f64>();
            }
        }
        let _ = io::image::load_image_from_memory(&b);
    }
    eprintln!("fuzzed {iters} inputs in {:.1}s", start.elapsed().as_secs_f64());
}

#[test]
fn fuzz_short() {
    fuzz(3_000, 1);
}

#[test]
#[ignore = "long: run with --ignored (TORCHRS_FUZZ_ITERS, default 300000)"]
fn fuzz_long() {
    let iters = std::env::var("TORCHRS_FUZZ_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(300_000);
    fuzz(iters, 0x5EED);
}
