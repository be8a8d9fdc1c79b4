//! Progress on stderr for commands that run past a second.
//!
//! A command on a million entities takes a second or more; on a terminal,
//! silence looks like a hang. [`Progress`] shows the phase the command is
//! in and the time so far, on one line of stderr that it rewrites, from
//! the first second on and only when stderr is a terminal (never in a pipe
//! or a log). The line is cleared when the command ends.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a command runs before progress is shown.
const QUIET_FOR: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// The progress line of one command.
pub struct Progress {
    shared: Option<Arc<Shared>>,
    ticker: Option<JoinHandle<()>>,
}

struct Shared {
    phase: Mutex<&'static str>,
    done: AtomicBool,
}

impl Progress {
    /// Starts showing progress (if stderr is a terminal), in `phase`.
    pub fn start(phase: &'static str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress {
                shared: None,
                ticker: None,
            };
        }
        let shared = Arc::new(Shared {
            phase: Mutex::new(phase),
            done: AtomicBool::new(false),
        });
        let ticking = Arc::clone(&shared);
        let ticker = std::thread::spawn(move || tick(&ticking));
        Progress {
            shared: Some(shared),
            ticker: Some(ticker),
        }
    }

    /// Moves on to another phase.
    pub fn phase(&self, phase: &'static str) {
        if let Some(shared) = &self.shared {
            if let Ok(mut current) = shared.phase.lock() {
                *current = phase;
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            shared.done.store(true, Ordering::Relaxed);
        }
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

fn tick(shared: &Shared) {
    let start = Instant::now();
    let mut shown = false;
    while !shared.done.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
        let elapsed = start.elapsed();
        if elapsed < QUIET_FOR || shared.done.load(Ordering::Relaxed) {
            continue;
        }
        let phase = shared.phase.lock().map_or("working", |p| *p);
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K{phase}… {:.1} s",
            elapsed.as_secs_f64()
        );
        shown = true;
    }
    if shown {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}
