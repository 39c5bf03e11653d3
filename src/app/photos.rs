//! Photos as they are kept: whatever a citizen or a member of staff
//! uploads is decoded with limits, turned upright, scaled to at most
//! [`MAX_SIDE`] pixels and encoded again as a JPEG, with a thumbnail. What
//! is kept is only pixels: no EXIF (so no GPS position, camera or time),
//! no comments, nothing that came after the image in the file.
//!
//! The file is checked before it is decoded: its kind (JPEG, PNG or WebP,
//! whatever its name says), its size in bytes, its dimensions as the
//! header states them (an image of 30,000 × 30,000 pixels is refused
//! before a byte of it is unpacked), and whether something else is hidden
//! in it (a polyglot: a web page, a script or a ZIP archive that is also
//! an image).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use chrono::{DateTime, Utc};

use crate::db::{AnyConnection, photos};
use crate::domain::request::Problem;

/// Largest file taken, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most photos with one submission or one step.
pub const MAX_COUNT: usize = 3;
/// Largest width or height a file may declare.
pub const MAX_DIMENSION: u32 = 12_000;
/// Most pixels a file may declare: 50 megapixels, more than any phone's
/// camera gives by default.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Most memory a decoder may take.
pub const MAX_ALLOC: u64 = 320 * 1024 * 1024;
/// The longer side of a kept photo, at most.
pub const MAX_SIDE: u32 = 2048;
/// The longer side of a thumbnail, at most.
pub const THUMB_SIDE: u32 = 360;
const QUALITY: u8 = 82;
const THUMB_QUALITY: u8 = 75;

/// A photo ready to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The photo as a JPEG, upright, at most `MAX_SIDE` on its longer side.
    pub image: Vec<u8>,
    /// The thumbnail, as a JPEG.
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// A photo to keep with a request or a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewPhoto {
    Image(Prepared),
    /// An address of a photo elsewhere (Open311's `media_url`).
    Link(String),
}

/// Stores photos with the step that brought them (the matter's `version`
/// after it): the citizen's with the request, staff's with a note or the
/// resolution; shown to the citizen when `public`.
#[allow(clippy::too_many_arguments)]
pub fn keep<R: rand::Rng + ?Sized>(
    c: &mut AnyConnection,
    rng: &mut R,
    matter_id: i64,
    version: i32,
    by_citizen: bool,
    public: bool,
    photos: &[NewPhoto],
    now: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    for photo in photos {
        let (image, link) = match photo {
            NewPhoto::Image(p) => (
                Some((p.image.as_slice(), p.thumb.as_slice(), p.width, p.height)),
                None,
            ),
            NewPhoto::Link(url) => (None, Some(url.as_str())),
        };
        let row = photos::NewRow {
            matter_id,
            matter_version: version,
            by_citizen,
            public,
            image,
            link,
        };
        photos::insert(c, rng, &row, now)?;
    }
    Ok(())
}

/// A link to a photo elsewhere, as Open311's `media_url` gives it: an
/// http or https URL of at most 500 characters, on one line.
pub fn link(typed: &str) -> Result<String, Problem> {
    let t = typed.trim();
    let scheme_ok = t
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        || t.get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    let host = t.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    if scheme_ok
        && t.chars().count() <= 500
        && !host.is_empty()
        && !t
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '"' || c == '<' || c == '>')
    {
        Ok(t.to_owned())
    } else {
        Err(Problem::NotALink)
    }
}

/// Makes a kept photo of an uploaded file, or says what is wrong with it.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, Problem> {
    if bytes.is_empty() {
        return Err(Problem::NotAnImage);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Problem::PhotoTooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Problem::NotAnImage)?;
    let format = reader.format().ok_or(Problem::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(Problem::NotAnImage);
    }
    if hides_something(bytes, format) {
        return Err(Problem::Polyglot);
    }
    if truncated(bytes, format) {
        return Err(Problem::Truncated);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = reader;
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(Problem::NotAnImage);
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Problem::PhotoDimensions);
    }
    limits
        .reserve(decoder.total_bytes())
        .map_err(|_| Problem::PhotoDimensions)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    decoded.apply_orientation(orientation);
    let photo = flatten(
        if decoded.width() > MAX_SIDE || decoded.height() > MAX_SIDE {
            decoded.thumbnail(MAX_SIDE, MAX_SIDE)
        } else {
            decoded
        },
    );
    let thumb = DynamicImage::ImageRgb8(photo.clone()).thumbnail(THUMB_SIDE, THUMB_SIDE);
    Ok(Prepared {
        width: photo.width(),
        height: photo.height(),
        image: jpeg(&DynamicImage::ImageRgb8(photo), QUALITY)?,
        thumb: jpeg(&thumb, THUMB_QUALITY)?,
    })
}

/// A decoder's refusal as the citizen's problem.
fn refusal(e: image::ImageError) -> Problem {
    use image::error::ImageError;
    match e {
        ImageError::Limits(_) => Problem::PhotoDimensions,
        ImageError::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Problem::Truncated
        }
        ImageError::Unsupported(_) => Problem::NotAnImage,
        _ => Problem::Truncated,
    }
}

/// The image as RGB on white (a transparent PNG would otherwise turn black).
fn flatten(image: DynamicImage) -> image::RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            u8::try_from((c * a + 255 * (255 - a)) / 255).unwrap_or(255)
        };
        image::Rgb([over(r), over(g), over(b)])
    })
}

fn jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .map_err(|_| Problem::NotAnImage)?;
    Ok(out)
}

/// Whether the file is also something else: a web page or script (which a
/// browser might run if it were ever served as is), or a ZIP archive.
fn hides_something(bytes: &[u8], format: ImageFormat) -> bool {
    const MARKERS: [&[u8]; 6] = [
        b"<html",
        b"<script",
        b"<?php",
        b"<svg",
        b"<!doctype",
        b"<iframe",
    ];
    let opens_a_tag = |at: usize| {
        MARKERS.iter().any(|m| {
            bytes
                .get(at..at + m.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(m))
        })
    };
    if (0..bytes.len()).any(|at| bytes[at] == b'<' && opens_a_tag(at)) {
        return true;
    }
    // A ZIP archive is read from its end: its directory's last record.
    let tail = &bytes[bytes.len().saturating_sub(65_557)..];
    if tail.windows(4).any(|w| w == b"PK\x05\x06") {
        return true;
    }
    // A PNG ends with its IEND chunk; anything after it was put there.
    if format == ImageFormat::Png
        && let Some(end) = find(bytes, b"IEND")
    {
        return bytes.len() > end + 8;
    }
    false
}

/// Whether the file stops before its image does: a JPEG without its end
/// marker after the last scan, a PNG without IEND. (Some decoders fill the
/// missing part with grey rather than fail.)
fn truncated(bytes: &[u8], format: ImageFormat) -> bool {
    match format {
        ImageFormat::Jpeg => {
            let last_scan = rfind(bytes, &[0xFF, 0xDA]);
            let end = rfind(bytes, &[0xFF, 0xD9]);
            match (last_scan, end) {
                (Some(scan), Some(end)) => end < scan,
                _ => true,
            }
        }
        ImageFormat::Png => find(bytes, b"IEND").is_none(),
        _ => false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb, RgbImage};

    fn jpeg_of(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .expect("encode");
        out
    }

    fn png_of(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, _| Rgb([(x * 3) as u8, 10, 200]));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .expect("encode");
        out
    }

    /// An EXIF segment (APP1) as a phone writes it: orientation and a GPS
    /// position (latitude 23°1'48"N), in big-endian TIFF.
    pub fn exif_app1(orientation: u16) -> Vec<u8> {
        let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
        // IFD0: two entries: Orientation, GPSInfo pointer.
        tiff.extend_from_slice(&2u16.to_be_bytes());
        tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        let gps_at: u32 = 8 + 2 + 2 * 12 + 4;
        tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]);
        tiff.extend_from_slice(&gps_at.to_be_bytes());
        tiff.extend_from_slice(&0u32.to_be_bytes());
        // GPS IFD: GPSLatitudeRef = "N", GPSLatitude = 23/1, 1/1, 48/1.
        let rationals_at: u32 = gps_at + 2 + 2 * 12 + 4;
        tiff.extend_from_slice(&2u16.to_be_bytes());
        tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&[0x00, 0x02, 0x00, 0x05, 0, 0, 0, 3]);
        tiff.extend_from_slice(&rationals_at.to_be_bytes());
        tiff.extend_from_slice(&0u32.to_be_bytes());
        for (n, d) in [(23u32, 1u32), (1, 1), (48, 1)] {
            tiff.extend_from_slice(&n.to_be_bytes());
            tiff.extend_from_slice(&d.to_be_bytes());
        }
        let mut seg = vec![0xFF, 0xE1];
        let len = u16::try_from(2 + 6 + tiff.len()).expect("small");
        seg.extend_from_slice(&len.to_be_bytes());
        seg.extend_from_slice(b"Exif\x00\x00");
        seg.extend_from_slice(&tiff);
        seg
    }

    /// A JPEG with an EXIF segment right after its start marker.
    pub fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend(exif_app1(orientation));
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn exif_and_gps_do_not_survive() {
        let original = with_exif(&jpeg_of(40, 20), 1);
        assert!(find(&original, b"Exif\x00\x00").is_some());
        let kept = prepare(&original).expect("a photo");
        assert!(find(&kept.image, b"Exif").is_none());
        assert!(
            find(&kept.image, &[0xFF, 0xE1]).is_none(),
            "no APP1 segment"
        );
        assert!(find(&kept.thumb, &[0xFF, 0xE1]).is_none());
        assert_eq!((kept.width, kept.height), (40, 20));
    }

    #[test]
    fn turned_upright_by_its_orientation() {
        // 6: the camera was turned a quarter; the picture is shown rotated.
        let kept = prepare(&with_exif(&jpeg_of(40, 20), 6)).expect("a photo");
        assert_eq!((kept.width, kept.height), (20, 40));
    }

    #[test]
    fn scaled_to_at_most_2048_with_a_thumbnail() {
        let kept = prepare(&png_of(3000, 1500)).expect("a photo");
        assert_eq!((kept.width, kept.height), (2048, 1024));
        let thumb = image::load_from_memory(&kept.thumb).expect("thumb");
        assert_eq!(thumb.width(), THUMB_SIDE);
        assert_eq!(
            ImageReader::new(Cursor::new(&kept.image))
                .with_guessed_format()
                .expect("guess")
                .format(),
            Some(ImageFormat::Jpeg)
        );
    }

    /// A PNG whose header says 30,000 × 30,000: refused from the header
    /// alone (decoding it would take 2.7 GB).
    #[test]
    fn a_bomb_is_refused_before_decoding() {
        let mut png = png_of(10, 10);
        // IHDR's width and height are at bytes 16..24; fix its CRC too.
        png[16..20].copy_from_slice(&30_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&30_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(prepare(&png), Err(Problem::PhotoDimensions));
        // Within each side's limit but too many pixels together.
        let mut png = png_of(10, 10);
        png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&9_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(prepare(&png), Err(Problem::PhotoDimensions));
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn truncated_files_are_refused() {
        let jpeg = jpeg_of(64, 64);
        assert_eq!(prepare(&jpeg[..jpeg.len() / 2]), Err(Problem::Truncated));
        let png = png_of(64, 64);
        assert_eq!(prepare(&png[..png.len() - 20]), Err(Problem::Truncated));
        assert_eq!(prepare(&jpeg[..3]), Err(Problem::Truncated));
    }

    #[test]
    fn polyglots_are_refused() {
        let mut png = png_of(8, 8);
        png.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(prepare(&png), Err(Problem::Polyglot));
        let mut png = png_of(8, 8);
        png.extend_from_slice(b"anything after the end");
        assert_eq!(prepare(&png), Err(Problem::Polyglot));
        // A JPEG with a ZIP archive's directory appended.
        let mut jpeg = jpeg_of(8, 8);
        jpeg.extend_from_slice(b"PK\x03\x04payloadPK\x05\x06\x00\x00\x00\x00");
        assert_eq!(prepare(&jpeg), Err(Problem::Polyglot));
        // A page in a JPEG comment.
        let plain = jpeg_of(8, 8);
        let mut commented = plain[..2].to_vec();
        let text = b"<SCRIPT src=//evil></script>";
        commented.extend_from_slice(&[0xFF, 0xFE, 0, u8::try_from(text.len() + 2).expect("small")]);
        commented.extend_from_slice(text);
        commented.extend_from_slice(&plain[2..]);
        assert_eq!(prepare(&commented), Err(Problem::Polyglot));
    }

    #[test]
    fn other_files_are_not_images() {
        assert_eq!(prepare(b""), Err(Problem::NotAnImage));
        assert_eq!(prepare(b"%PDF-1.7 hello"), Err(Problem::NotAnImage));
        assert_eq!(prepare(b"GIF89a\x01\x00\x01\x00"), Err(Problem::NotAnImage));
        assert_eq!(
            prepare(&vec![0xFF; MAX_BYTES + 1]),
            Err(Problem::PhotoTooLarge)
        );
    }

    #[test]
    fn transparent_pngs_are_on_white() {
        let img = image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(img.as_raw(), 4, 4, image::ExtendedColorType::Rgba8)
            .expect("encode");
        let kept = prepare(&png).expect("a photo");
        let back = image::load_from_memory(&kept.image)
            .expect("jpeg")
            .into_rgb8();
        assert!(back.get_pixel(1, 1).0.iter().all(|&c| c > 240));
    }
}
