//! Writing results: to standard output, or atomically to a file so that an interrupted run
//! never leaves a half-written file behind.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `text` to `path` (via a temporary file in the same directory, then a rename), or to
/// standard output when `path` is `None` or `-`.
pub fn write(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match path.filter(|p| *p != Path::new("-")) {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .context("cannot write to standard output")?;
            stdout.flush().context("cannot write to standard output")
        }
        Some(path) => write_atomically(path, text),
    }
}

/// A temporary file beside `path`, written and synced, then renamed over it (`tempfile`'s
/// persist): readers see the old file or the new one, never a part; on failure the temporary
/// file is removed.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    anyhow::ensure!(
        path.file_name().is_some(),
        "{} is not a file path",
        path.display()
    );
    let result = (|| {
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(text.as_bytes())?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok::<(), std::io::Error>(())
    })();
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a snapshot saved by `driftscan snapshot` from `path`, or from standard input for `-`.
pub fn read_snapshot(path: &Path) -> anyhow::Result<scanner::Snapshot> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin().lock())
            .context("cannot read a snapshot from standard input")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read snapshot {}", path.display()))?
    };
    scanner::Snapshot::from_json(&text)
        .with_context(|| format!("{} is not a driftscan snapshot", path.display()))
}
