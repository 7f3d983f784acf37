//! Structured logs on standard error.

use tracing_subscriber::EnvFilter;

/// Logs go to standard error; standard output carries only the command's result.
/// `DRIFTSCAN_LOG` (a tracing filter) wins over `-v`.
pub fn init(verbose: u8, quiet: bool) {
    // The SDK's own warnings (a credential provider that found nothing, ...) repeat what the
    // failed reads already say; they show from -v on.
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "error,scanner=warn,driftscan=warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter =
        EnvFilter::try_from_env("DRIFTSCAN_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
