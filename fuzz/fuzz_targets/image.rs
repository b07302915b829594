//! Any bytes as an encoded image (PNG, JPEG, BMP, TGA): an error or a [h, w, 3] tensor.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = torchrs::io::image::load_image_from_memory(data) {
        assert_eq!(t.shape()[2], 3);
    }
});
