//! Any bytes as the data.pkl of an archive whose storages exist: exercises the pickle VM and the
//! tensor rebuilds past the zip's CRC checks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use torchrs::io::{self, zip::ZipWriter, Select};

fuzz_target!(|data: &[u8]| {
    let mut z = ZipWriter::new(Vec::new());
    z.add("archive/data.pkl", data).unwrap();
    for k in 0..4 {
        z.add(&format!("archive/data/{k}"), &[7u8; 64]).unwrap();
    }
    let bytes = z.finish().unwrap();
    if let Ok(v) = io::load_named_from(&bytes[..], Select::All) {
        for (_, t) in v {
            let _ = t.to_vec::<f64>();
        }
    }
});
