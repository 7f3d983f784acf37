//! Reading the states a `--from` names: local files (a `*` or `?` in the file name stands for
//! the files it matches) and Terraform states in S3.

use std::path::{Path, PathBuf};

use super::Source;

/// A state that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StateReadError {
    /// The named state (or pattern) could not be read.
    #[error("--from {origin}: {message}")]
    Unreadable {
        /// The source as given.
        origin: String,
        /// What went wrong.
        message: String,
    },
    /// No credentials for a state in S3.
    #[cfg(feature = "aws")]
    #[error(transparent)]
    Credentials(#[from] crate::aws::CredentialsError),
}

fn unreadable(source: &Source, message: impl Into<String>) -> StateReadError {
    StateReadError::Unreadable {
        origin: source.to_string(),
        message: message.into(),
    }
}

/// A local state whose file name has `*` or `?` stands for the files it matches, in name
/// order; matching none is an error, not an empty state.
pub fn expand(source: &Source) -> Result<Vec<Source>, StateReadError> {
    let (path, rebuild): (&Path, fn(PathBuf) -> Source) = match source {
        Source::Pulumi(path) => (path, Source::Pulumi),
        Source::Tfstate(path) => (path, Source::Tfstate),
        Source::TfstateS3 { .. } => return Ok(vec![source.clone()]),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        return Ok(vec![source.clone()]);
    }
    let pattern = crate::baseline::expect::glob_to_regex(&name)
        .map_err(|e| unreadable(source, format!("not a usable pattern: {e}")))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let entries = std::fs::read_dir(dir)
        .map_err(|e| unreadable(source, format!("cannot read {}: {e}", dir.display())))?;
    let mut matched: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| pattern.is_match(&n.to_string_lossy()))
        })
        .collect();
    matched.sort();
    if matched.is_empty() {
        return Err(unreadable(source, "no file matches"));
    }
    Ok(matched.into_iter().map(rebuild).collect())
}

/// Reads every state `sources` names, as (origin, text) pairs: files from disk, Terraform
/// states from S3 with `s3:GetObject` (credentials of `profile`, in `region`).
#[cfg(feature = "aws")]
pub async fn read_states(
    sources: &[Source],
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<Vec<(String, String)>, StateReadError> {
    let mut expanded = Vec::new();
    for source in sources {
        expanded.extend(expand(source)?);
    }
    let mut config = None;
    let mut states = Vec::new();
    for source in &expanded {
        let text = match source {
            Source::Pulumi(path) | Source::Tfstate(path) => std::fs::read_to_string(path)
                .map_err(|e| unreadable(source, format!("cannot read {}: {e}", path.display())))?,
            Source::TfstateS3 { bucket, key } => {
                if config.is_none() {
                    config = Some(crate::aws::load_for(profile, region).await?);
                }
                let config = config.as_ref().expect("loaded above");
                crate::aws::get_text_object(config, bucket, key)
                    .await
                    .map_err(|e| unreadable(source, e.to_string()))?
            }
        };
        states.push((source.to_string(), text));
    }
    Ok(states)
}
