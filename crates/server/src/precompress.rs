//! Brotli (quality 11) and gzip (level 9) copies of the built widget's files, written once at
//! build time (`connect360-precompress`, run by scripts/build-widget.sh) so the server sends the
//! smallest copy a browser accepts without compressing on each request (`site::widget_files`).
//! A copy that would not be smaller is not written, and a stale one is removed.

use std::io::Write;
use std::path::Path;

/// What is worth compressing: text and wasm. Pictures are compressed already.
const COMPRESSIBLE: &[&str] = &["wasm", "js", "mjs", "css", "html", "svg", "json", "txt"];

/// Writes `<file>.br` and `<file>.gz` beside every compressible file under `dir`; returns how
/// many files it went through.
pub fn precompress_dir(dir: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            written += precompress_dir(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let plain = std::fs::read(&path)?;
        for (suffix, packed) in [("br", brotli(&plain)?), ("gz", gzip(&plain)?)] {
            let mut target = path.clone().into_os_string();
            target.push(".");
            target.push(suffix);
            if packed.len() < plain.len() {
                std::fs::write(&target, packed)?;
            } else if let Err(error) = std::fs::remove_file(&target) {
                if error.kind() != std::io::ErrorKind::NotFound {
                    return Err(error);
                }
            }
        }
        written += 1;
    }
    Ok(written)
}

/// `plain`, brotli-compressed at quality 11.
pub fn brotli(plain: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut packed = Vec::new();
    {
        // Quality 11, a 4 MiB window (lgwin 22): the smallest output, decoded by every browser.
        let mut writer = brotli::CompressorWriter::new(&mut packed, 64 * 1024, 11, 22);
        writer.write_all(plain)?;
        writer.flush()?;
    }
    Ok(packed)
}

/// `plain`, gzip-compressed at level 9.
pub fn gzip(plain: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(plain)?;
    encoder.finish()
}
