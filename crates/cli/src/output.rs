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
        // Created like `File::create` would (0666 less the umask), not tempfile's private 0600:
        // a report is written to be read, by CI artifacts and shared directories too.
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut file = builder.tempfile_in(dir)?;
        file.write_all(text.as_bytes())?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok::<(), std::io::Error>(())
    })();
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// The bucket and key when `path` is an `s3://` URI.
pub fn s3_location(path: &Path) -> Option<(&str, &str)> {
    path.to_str().and_then(scanner::aws::parse_s3_uri)
}

/// SDK configuration for the snapshot bucket: the profile and first `--region` given, else the
/// standard chain.
async fn s3_config(
    aws: &crate::args::AwsArgs,
) -> Result<scanner::aws::SdkConfig, scanner::aws::CredentialsError> {
    scanner::aws::load_for(
        aws.profile.as_deref(),
        aws.regions.first().map(String::as_str),
    )
    .await
}

/// Writes a snapshot to a file, standard output, or an S3 object (`s3://bucket/key`; gzip
/// when the key ends in `.gz`).
pub async fn write_snapshot(
    path: Option<&Path>,
    json: &str,
    aws: &crate::args::AwsArgs,
) -> anyhow::Result<()> {
    match path.and_then(s3_location) {
        None => write(path, json),
        Some((bucket, key)) => {
            scanner::aws::put_snapshot_object(&s3_config(aws).await?, bucket, key, json)
                .await
                .map_err(|e| anyhow::anyhow!("cannot write the snapshot: {e}"))
        }
    }
}

/// Reads a snapshot saved by `driftscan snapshot` from `path`, from standard input for `-`, or
/// from an S3 object (`s3://bucket/key`, gunzipped when the key ends in `.gz`).
pub async fn read_snapshot(
    path: &Path,
    aws: &crate::args::AwsArgs,
) -> anyhow::Result<scanner::Snapshot> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin().lock())
            .context("cannot read a snapshot from standard input")?
    } else if let Some((bucket, key)) = s3_location(path) {
        scanner::aws::get_snapshot_object(&s3_config(aws).await?, bucket, key)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the snapshot: {e}"))?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read snapshot {}", path.display()))?
    };
    scanner::Snapshot::from_json(&text)
        .with_context(|| format!("{} is not a driftscan snapshot", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn written_files_follow_the_umask_like_any_created_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::File::create(&plain).unwrap();
        let report = dir.path().join("report.html");
        write_atomically(&report, "<p>hi</p>").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&report), mode(&plain), "not tempfile's private 0600");
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "<p>hi</p>");
    }
}
