//! Thumbnails of raster images, decoded with limits so that a small file
//! claiming a huge picture (a decompression bomb) is refused before
//! anything large is allocated.

use std::io::{BufRead, Cursor, Seek};

use image::{ImageFormat, ImageReader, Limits};

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_PX: u32 = 320;

/// The widest and tallest picture decoded.
const MAX_SIDE_PX: u32 = 12_000;

/// Most memory one decode may allocate.
const MAX_ALLOC_BYTES: u64 = 256 * 1024 * 1024;

/// The decoding limits: sides and memory.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(MAX_ALLOC_BYTES);
    limits
}

/// Why an image got no thumbnail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// The sniffed type names no format the decoder knows.
    Unsupported,
    /// The picture is larger than the decoding limits (a decompression
    /// bomb, or simply a huge picture).
    TooLarge,
    /// The data does not decode.
    Damaged,
}

impl ImageError {
    /// The catalog key of the customer-facing message.
    pub fn key(self) -> &'static str {
        match self {
            Self::Unsupported => "files.image_unsupported",
            Self::TooLarge => "files.image_too_large",
            Self::Damaged => "files.bad_image",
        }
    }

    /// The English sentence, for logs and callers without a catalog.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Unsupported => "this image format is not supported.",
            Self::TooLarge => {
                "the image is too large to process (its pixel size is over the limit)."
            }
            Self::Damaged => "the image cannot be read; it may be damaged.",
        }
    }
}

/// Decodes the image in `reader` (of sniffed type `content_type`) within
/// the limits and returns a PNG thumbnail at most [`THUMBNAIL_PX`] on its
/// longer side. Blocking.
pub fn make<R: BufRead + Seek>(reader: R, content_type: &str) -> Result<Vec<u8>, ImageError> {
    let format = ImageFormat::from_mime_type(content_type).ok_or(ImageError::Unsupported)?;
    let mut reader = ImageReader::with_format(reader, format);
    reader.limits(limits());
    let image = reader.decode().map_err(|err| match err {
        image::ImageError::Limits(_) => ImageError::TooLarge,
        _ => ImageError::Damaged,
    })?;
    let small = image.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX);
    let mut out = Cursor::new(Vec::new());
    small
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|_| ImageError::Damaged)?;
    Ok(out.into_inner())
}
