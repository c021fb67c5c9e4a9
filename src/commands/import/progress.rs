//! Progress on stderr: a bar on a terminal (indicatif), else a plain line every few seconds,
//! so a log or a CI job shows the import moving without a screenful of escape codes.
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::summary::Summary;

/// How often the plain lines come.
const EVERY: Duration = Duration::from_secs(2);

pub(super) struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    last_line: Instant,
}

impl Progress {
    /// Progress over `total` records.
    pub fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let style = ProgressStyle::with_template("{bar:20} {pos}/{len} ({eta} left): {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::new(total).with_style(style)
        });
        Self {
            bar,
            total,
            done: 0,
            last_line: Instant::now(),
        }
    }

    /// `n` more records are done.
    pub fn advance(&mut self, n: u64, summary: &Summary) {
        self.done += n;
        let counts = summary.total();
        match &self.bar {
            Some(bar) => {
                bar.set_message(counts.to_string());
                bar.set_position(self.done);
            }
            None if self.last_line.elapsed() >= EVERY || self.done == self.total => {
                self.last_line = Instant::now();
                let percent = (self.done * 100).checked_div(self.total).unwrap_or(100);
                eprintln!(
                    "import: {}/{} records ({percent}%): {counts}",
                    self.done, self.total
                );
            }
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
