//! Images in the layout of torch_api.cpp (stb_image there, the `image` crate here): u8 tensors
//! `[height, width, channels]`; tch's `vision::image` turns them into `[channels, height, width]`.
//! Loading gives 3 channels (gray is replicated, alpha dropped, as stbi with `req_comp = 3`);
//! saving picks the format from the file name (`.jpg` quality 90, `.bmp`, `.tga`, else PNG);
//! resizing is stb_image_resize's, ported ([`super::resize`]).

use crate::cpu::copy::contiguous_as;
use crate::error::{Error, Result};
use crate::tensor::{DType, Device, Tensor};
use image::{ExtendedColorType, ImageEncoder, ImageFormat};
use std::io::Cursor;

fn img_err(e: impl std::fmt::Display) -> Error {
    Error(format!("torchrs: {e}"))
}

fn from_rgb(img: image::DynamicImage) -> Result<Tensor> {
    let rgb = img.to_rgb8();
    let (w, h) = rgb.dimensions();
    Tensor::from_vec(rgb.into_raw(), &[h as i64, w as i64, 3])
}

/// A decoded image may take at most this many times the bytes of its file (or `DECODE_FLOOR`):
/// a tiny file that declares a huge image (a JPEG of 860 bytes declaring 44048x3072 pixels, found
/// by the fuzzer) would otherwise allocate and decode hundreds of megabytes of padding.
const MAX_EXPANSION: u64 = 1024;
const DECODE_FLOOR: u64 = 64 << 20;

/// Decodes an encoded image (`what` names it in errors) into `[h, w, 3]` u8, after checking the
/// size its header declares against the size of the data.
/// `by_name`: the format the file name says (TGA has no signature to guess from); the content's
/// signature wins when it has one.
fn decode(data: &[u8], what: &str, by_name: Option<ImageFormat>) -> Result<Tensor> {
    let reader = || {
        let mut r = image::ImageReader::new(Cursor::new(data));
        if let Some(f) = by_name {
            r.set_format(f);
        }
        r.with_guessed_format().map_err(img_err)
    };
    let bad = |e: image::ImageError| img_err(format!("cannot decode {what}: {e}"));
    let (w, h) = reader()?.into_dimensions().map_err(bad)?;
    // the decoders hold up to four channels of u8 (or two bytes per channel: the check is a bound
    // on the declared size, not an exact count)
    let declared = w as u64 * h as u64 * 4;
    let limit = (data.len() as u64).saturating_mul(MAX_EXPANSION).max(DECODE_FLOOR);
    crate::ensure!(
        declared <= limit,
        "torchrs: cannot decode {what}: its header declares {w}x{h} pixels, more than {} bytes of data can hold",
        data.len()
    );
    from_rgb(reader()?.decode().map_err(bad)?)
}

/// Decodes a PNG, JPEG, BMP or TGA file into `[h, w, 3]` u8.
pub fn load_image(path: &str) -> Result<Tensor> {
    let data = std::fs::read(path).map_err(|e| img_err(format!("cannot open image '{path}': {e}")))?;
    decode(&data, &format!("image '{path}'"), ImageFormat::from_path(path).ok())
}

/// Decodes an encoded image held in memory into `[h, w, 3]` u8.
pub fn load_image_from_memory(data: &[u8]) -> Result<Tensor> {
    decode(data, "image", None)
}

/// Checks an `[h, w, c]` image tensor and returns it as contiguous u8 bytes with its sizes.
fn hwc_bytes(t: &Tensor, max_c: i64) -> Result<(Vec<u8>, u32, u32, usize)> {
    crate::ensure!(t.device() == Device::Cpu, "the input tensor has to be on cpu");
    let shape = t.shape();
    crate::ensure!(shape.len() == 3, "invalid number of dimensions, should be 3");
    let (h, w, c) = (shape[0], shape[1], shape[2]);
    crate::ensure!(
        h > 0 && w > 0 && h <= u32::MAX as i64 && w <= u32::MAX as i64 && (1..=max_c).contains(&c),
        "torchrs: an image tensor must be [height, width, channels] with 1 to {max_c} channels, got {:?}",
        &shape[..]
    );
    let d = contiguous_as(&t.data(), DType::U8)?;
    let bytes = unsafe { d.as_slice::<u8>() }.to_vec();
    Ok((bytes, w as u32, h as u32, c as usize))
}

/// Drops an alpha channel (JPEG has none).
fn without_alpha(bytes: Vec<u8>, c: usize) -> (Vec<u8>, usize) {
    if c == 2 || c == 4 {
        let keep = c - 1;
        (bytes.chunks_exact(c).flat_map(|p| p[..keep].iter().copied()).collect(), keep)
    } else {
        (bytes, c)
    }
}

fn color(c: usize) -> ExtendedColorType {
    match c {
        1 => ExtendedColorType::L8,
        2 => ExtendedColorType::La8,
        3 => ExtendedColorType::Rgb8,
        _ => ExtendedColorType::Rgba8,
    }
}

/// Writes an `[h, w, c]` image; the format comes from the file name. Returns 1 like stbi_write.
pub fn save_image(t: &Tensor, path: &str) -> Result<i32> {
    let (bytes, w, h, c) = hwc_bytes(t, 4)?;
    let lower = path.to_ascii_lowercase();
    let fail = |e: image::ImageError| img_err(format!("cannot write image '{path}': {e}"));
    if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        let (bytes, c) = without_alpha(bytes, c);
        let f = std::fs::File::create(path).map_err(|e| img_err(format!("cannot create '{path}': {e}")))?;
        let mut out = std::io::BufWriter::new(f);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).write_image(&bytes, w, h, color(c)).map_err(fail)?;
        std::io::Write::flush(&mut out).map_err(|e| img_err(format!("cannot write image '{path}': {e}")))?;
    } else {
        let format = if lower.ends_with(".bmp") {
            ImageFormat::Bmp
        } else if lower.ends_with(".tga") {
            ImageFormat::Tga
        } else {
            ImageFormat::Png
        };
        image::save_buffer_with_format(path, &bytes, w, h, color(c), format).map_err(fail)?;
    }
    Ok(1)
}

/// Resizes an `[h, w, c]` image to `[out_h, out_w, c]` exactly as libtorch (stb_image_resize) does.
pub fn resize_image(t: &Tensor, out_w: i64, out_h: i64) -> Result<Tensor> {
    let (bytes, w, h, c) = hwc_bytes(t, 64)?;
    crate::ensure!(
        out_w > 0 && out_h > 0 && out_w <= 1 << 16 && out_h <= 1 << 16,
        "torchrs: cannot resize an image to {out_w}x{out_h}"
    );
    let out = super::resize::resize_u8(&bytes, w as usize, h as usize, c, out_w as usize, out_h as usize);
    Tensor::from_vec(out, &[out_h, out_w, c as i64])
}
