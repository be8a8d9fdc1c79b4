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
    inner: BufWriter<Target>,
}

/// Where the buffer goes. The standard library's stdout is line-buffered
/// whatever it is: every flush of a full buffer would be searched for its
/// last line break and written in two. A duplicate of its file descriptor
/// (sharing its offset and flags) takes each flush in one write; stdout
/// itself, locked for the run, is kept where there is no descriptor.
enum Target {
    #[cfg(unix)]
    Descriptor(std::fs::File),
    Stdout(StdoutLock<'static>),
}

impl Target {
    fn stdout() -> Target {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            if let Ok(descriptor) = std::io::stdout().as_fd().try_clone_to_owned() {
                return Target::Descriptor(std::fs::File::from(descriptor));
            }
        }
        Target::Stdout(std::io::stdout().lock())
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            #[cfg(unix)]
            Target::Descriptor(file) => file,
            Target::Stdout(stdout) => stdout,
        }
    }
}

impl Write for Target {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.writer().write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer().flush()
    }
}

impl Output {
    /// Standard output, for the command's run.
    pub fn stdout() -> Output {
        Output {
            inner: BufWriter::with_capacity(1 << 16, Target::stdout()),
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
