//! Any bytes as a PyTorch file (zip + pickle + storages): an error or tensors, never a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;
use torchrs::io::{self, Select};

fuzz_target!(|data: &[u8]| {
    for select in [Select::All, Select::Parameters] {
        if let Ok(v) = io::load_named_from(data, select) {
            for (_, t) in v {
                let _ = t.to_vec::<f64>();
            }
        }
    }
});
