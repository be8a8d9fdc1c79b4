//! Standard output, with every write checked.
//!
//! A command whose output is lost has failed, whatever it computed:
//! `prereq check … > /dev/full` must not exit 0. Every byte goes through
//! [`Output`], which buffers, and whose write errors — and the final
//! flush's — become exit code 1 with a message. A closed pipe (`| head`)
//! ends the output quietly: the reader asked for no more, and saying so
//! would only clutter its terminal; the exit code is still 1.

use std::io::{BufWriter, ErrorKind, StdoutLock, Write};

use super::render::Painter;

/// Buffered standard output whose errors are never ignored.
pub struct Output {
    inner: BufWriter<StdoutLock<'static>>,
}

impl Output {
    /// Standard output, locked for the command's run.
    pub fn stdout() -> Output {
        Output {
            inner: BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
        }
    }

    /// Writes all of `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)
    }

    /// The buffered writer, for output streamed by the library.
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.inner
    }

    /// Flushes what is buffered: the last write, and the last chance to fail.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Says on stderr that standard output could not be written (unless the
/// reader closed the pipe).
pub fn report_failure(error: &std::io::Error) {
    if error.kind() != ErrorKind::BrokenPipe {
        Painter::plain().error(&format!("cannot write to standard output: {error}"));
    }
}
