//! Reading files within limits, whatever the path names.
//!
//! A path given to prereq may name a device (`/dev/zero`), a pipe, or a
//! link to either, whose size the file system does not know: a size
//! limit checked from metadata alone lets such a file be read until memory
//! runs out. [`bounded`] reads at most one byte past its limit and stops,
//! so every reader of rule, facts and test files stops at its limit. Text
//! formats that cannot hold a NUL byte (TOML, JSON) are also refused at
//! the first chunk holding one, so a binary file is refused at once rather
//! than after its limit.
//!
//! A reader that streams a file ([`regular`]) counts what it reads against
//! its limit itself, and reads regular files only: a pipe read once by a
//! streaming reader that gives up could not be read again by another.
//!
//! Architecture invariant: no file is read but through this module, or
//! opened by it for a streaming reader that keeps to a limit.

use std::io::Read;
use std::path::Path;

/// The most bytes read from a file at once.
pub(crate) const CHUNK: usize = 1 << 20;

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The system refused.
    Io(std::io::Error),
    /// It holds more than the limit.
    TooLarge,
    /// It holds a NUL byte at this offset, which no text format allows.
    Binary(usize),
}

/// Whether the file may hold NUL bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nul {
    /// A format that never holds one (TOML, JSON): refuse at the first.
    Refused,
    /// Leave NUL bytes to the parser.
    Allowed,
}

/// The file at `path` if it is a regular file, to be read as a stream,
/// with its size as the file system tells it.
pub(crate) fn regular(path: &Path) -> Option<(std::fs::File, u64)> {
    let file = std::fs::File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    metadata.is_file().then_some((file, metadata.len()))
}

/// The bytes of a file, at most `limit` of them.
pub(crate) fn bounded(path: &Path, limit: u64, nul: Nul) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let known = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if known.is_some_and(|len| len > limit) {
        return Err(ReadError::TooLarge);
    }
    within(file, known, limit, nul)
}

/// The bytes of standard input, at most `limit` of them.
pub(crate) fn bounded_stdin(limit: u64, nul: Nul) -> Result<Vec<u8>, ReadError> {
    within(std::io::stdin().lock(), None, limit, nul)
}

/// What `reader` holds (`known` bytes, if its size is known), at most
/// `limit` bytes of it.
fn within(
    reader: impl Read,
    known: Option<u64>,
    limit: u64,
    nul: Nul,
) -> Result<Vec<u8>, ReadError> {
    let capacity = known.map_or(CHUNK as u64, |len| len.min(limit)) as usize;
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    let mut reader = reader.take(limit.saturating_add(1));
    loop {
        let start = bytes.len();
        // Straight into the buffer, a chunk at a time, so that a NUL byte
        // or the limit stops the read within a chunk of it.
        match (&mut reader).take(CHUNK as u64).read_to_end(&mut bytes) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(ReadError::Io(error)),
        }
        let new = bytes.get(start..).unwrap_or(&[]);
        if nul == Nul::Refused && new.contains(&0) {
            let at = new.iter().position(|b| *b == 0).unwrap_or(0);
            return Err(ReadError::Binary(start + at));
        }
        if bytes.len() as u64 > limit {
            return Err(ReadError::TooLarge);
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_without_a_size_is_read_to_the_limit_only() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return;
        }
        assert!(matches!(
            bounded(zero, 3 * CHUNK as u64, Nul::Allowed),
            Err(ReadError::TooLarge)
        ));
        assert!(matches!(
            bounded(zero, u64::MAX, Nul::Refused),
            Err(ReadError::Binary(0))
        ));
    }
}
