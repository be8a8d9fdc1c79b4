//! Writing files without following what should not be followed.
//!
//! `fmt` rewrites rule files in place and `-o FILE` writes a command's
//! output; either may meet a hostile or unusual path. The rules:
//!
//! - A new version replaces a regular file atomically: it is written to a
//!   temporary file beside the target, created exclusively under an
//!   unpredictable name (a planted `name.tmp` symlink is never opened),
//!   flushed to disk, then renamed over the target. Readers see the old
//!   file or the new one, never half of one.
//! - A symbolic link is resolved to the file it names, and that file is
//!   replaced: the link stays a link (and a directory holding `alias.rules
//!   -> ok.rules` keeps one file).
//! - The replacement keeps the file's permissions and owner. Where the
//!   owner cannot be kept (a file of another user that we may write), the
//!   file is rewritten in place instead, so that it stays theirs.
//! - A device, pipe or socket is written through, never replaced by a
//!   regular file: `-o /dev/null` discards the output and leaves the
//!   device alone. Files opened in place are opened without following a
//!   link, so a link swapped in after the path was resolved is refused.
//! - A new file gets the mode of any new file (0666 less the umask).
//!
//! Replacing by rename gives the path a new file: another hard link to the
//! old one keeps the old contents, as with most editors.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// How many symbolic links a path may pass through (as the kernel allows).
const MAX_LINKS: usize = 40;

/// Writes a file with what `write` produces, as the module describes.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let target = resolve_links(path)?;
    match std::fs::metadata(&target) {
        Ok(metadata) if metadata.is_dir() => Err("is a directory".to_string()),
        Ok(metadata) if !metadata.is_file() => write_through(&target, write),
        Ok(metadata) => replace(&target, Some(&metadata), write),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => replace(&target, None, write),
        Err(error) => Err(format!("cannot read its metadata: {error}")),
    }
}

/// The path a chain of symbolic links leads to (itself if it is none);
/// the last link may name a file that does not exist yet.
fn resolve_links(path: &Path) -> Result<PathBuf, String> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)
                    .map_err(|e| format!("cannot read the link: {e}"))?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(format!("more than {MAX_LINKS} symbolic links lead to it"))
}

/// Opens the resolved target for writing, refusing a link that appeared
/// there since it was resolved.
fn open_resolved(target: &Path, truncate: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(target)
}

/// Writes straight into a device, pipe or socket.
fn write_through(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let file = open_resolved(target, false).map_err(|e| format!("cannot open: {e}"))?;
    let mut out = BufWriter::new(file);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write: {e}"))
}

/// Replaces a regular file (or creates it) through a temporary file.
fn replace(
    target: &Path,
    existing: Option<&std::fs::Metadata>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".prereq-tmp");
    // A new file gets the mode any new file gets (0666 less the umask), not
    // a temporary file's 0600; an existing one keeps its own, set below.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temporary = builder
        .tempfile_in(directory)
        .map_err(|e| format!("cannot create a temporary file beside it: {e}"))?;
    if let Some(metadata) = existing {
        if !keeps_owner(temporary.as_file(), metadata) {
            drop(temporary);
            return rewrite_in_place(target, write);
        }
        temporary
            .as_file()
            .set_permissions(metadata.permissions())
            .map_err(|e| format!("cannot keep its permissions: {e}"))?;
    }
    let mut out = BufWriter::new(temporary);
    write(&mut out).map_err(|e| format!("cannot write: {e}"))?;
    let temporary = out
        .into_inner()
        .map_err(|e| format!("cannot write: {}", e.error()))?;
    temporary
        .as_file()
        .sync_all()
        .map_err(|e| format!("cannot write: {e}"))?;
    temporary
        .persist(target)
        .map_err(|e| format!("cannot replace the file: {}", e.error))?;
    Ok(())
}

/// Gives the temporary file the owner of the file it replaces; false if
/// that is not allowed (then the file must be rewritten in place).
#[cfg(unix)]
fn keeps_owner(temporary: &File, original: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(now) = temporary.metadata() else {
        return false;
    };
    if now.uid() == original.uid() && now.gid() == original.gid() {
        return true;
    }
    std::os::unix::fs::fchown(temporary, Some(original.uid()), Some(original.gid())).is_ok()
}

#[cfg(not(unix))]
fn keeps_owner(_: &File, _: &std::fs::Metadata) -> bool {
    true
}

/// Rewrites a file's contents in place: it keeps its owner, but a reader
/// may see it half written.
fn rewrite_in_place(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let file = open_resolved(target, true).map_err(|e| format!("cannot open: {e}"))?;
    let mut out = BufWriter::new(file);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write: {e}"))?;
    out.get_ref()
        .sync_all()
        .map_err(|e| format!("cannot write: {e}"))
}
