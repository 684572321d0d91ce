//! The gate every spreadsheet passes before calamine opens it: a size cap, then the zip's
//! directory (entry count, declared sizes, compression ratios) and the actual inflated size of
//! every entry, read through a counting sink that stops one byte past the cap. A zip bomb, a
//! file that is not an xlsx and an encrypted workbook are refused here, with memory bounded by
//! the decoded file itself (nothing inflated is kept).
use std::io::{Cursor, Read};

use crate::error::{AppError, Result};

/// What a spreadsheet may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The file as uploaded.
    pub max_file_bytes: usize,
    pub max_entries: usize,
    /// Any one entry, inflated.
    pub max_entry_bytes: u64,
    /// All entries together, inflated.
    pub max_total_bytes: u64,
    /// Inflated over compressed size, for entries past 1 MiB inflated (sheet XML compresses
    /// 10–30×; a bomb, thousands of times).
    pub max_ratio: u64,
    /// Data rows below the header.
    pub max_rows: u32,
    pub max_columns: u32,
}

pub const LIMITS: Limits = Limits {
    max_file_bytes: 16 * 1024 * 1024,
    max_entries: 256,
    max_entry_bytes: 256 * 1024 * 1024,
    max_total_bytes: 384 * 1024 * 1024,
    max_ratio: 200,
    max_rows: 200_000,
    max_columns: 64,
};

fn refuse(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(field, message)
}

/// Checks `bytes` as an xlsx file; `field` names the request field that carried it.
pub fn check(field: &str, bytes: &[u8], limits: &Limits) -> Result<()> {
    if bytes.len() > limits.max_file_bytes {
        return Err(refuse(
            field,
            format!(
                "the file is {} bytes; at most {} MiB",
                bytes.len(),
                limits.max_file_bytes / (1024 * 1024)
            ),
        ));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(refuse(field, "is not an xlsx file (not a zip archive)"));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| refuse(field, format!("is not an xlsx file ({e})")))?;
    if zip.len() > limits.max_entries {
        return Err(refuse(
            field,
            format!(
                "the archive has {} entries; at most {}",
                zip.len(),
                limits.max_entries
            ),
        ));
    }
    if zip.index_for_name("xl/workbook.xml").is_none() {
        return Err(refuse(field, "is not an xlsx file (no xl/workbook.xml)"));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| refuse(field, format!("cannot be read as an xlsx file ({e})")))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        if declared > limits.max_entry_bytes {
            return Err(refuse(
                field,
                format!(
                    "entry `{name}` declares {declared} bytes inflated; at most {}",
                    limits.max_entry_bytes
                ),
            ));
        }
        if declared > 1024 * 1024 && declared / compressed > limits.max_ratio {
            return Err(refuse(
                field,
                format!(
                    "entry `{name}` inflates {}× (a zip bomb?); at most {}×",
                    declared / compressed,
                    limits.max_ratio
                ),
            ));
        }
        // The declared size can lie: count what actually comes out, one byte past the cap.
        let cap = limits.max_entry_bytes.min(limits.max_total_bytes - total);
        let actual = std::io::copy(&mut (&mut entry).take(cap + 1), &mut std::io::sink())
            .map_err(|e| refuse(field, format!("entry `{name}` cannot be inflated ({e})")))?;
        if actual > cap || actual > declared {
            return Err(refuse(
                field,
                format!(
                    "entry `{name}` inflates past its declared size or the limits (a zip bomb?)"
                ),
            ));
        }
        total += actual;
    }
    Ok(())
}
