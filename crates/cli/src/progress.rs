//! A progress bar on standard error while reads run: only on a terminal and without --quiet.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use scanner::collect::Collected;
use scanner::model::Service;
use scanner::scan::Progress;

/// Draws one tick per finished (region, service) read.
pub struct Bar(ProgressBar);

impl Bar {
    /// A visible bar when standard error is a terminal and output is not quieted, else hidden.
    pub fn new(quiet: bool) -> Self {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} reading {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        };
        Bar(bar)
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.0.set_length(total as u64);
    }

    fn finished(&self, region: &str, service: Service, collected: &Collected) {
        self.0.set_message(format!(
            "{region} {service}: {} resources{}",
            collected.resources.len(),
            if collected.failures.is_empty() {
                ""
            } else {
                " (failed reads)"
            }
        ));
        self.0.inc(1);
    }
}
