//! Baselines kept in SSM Parameter Store instead of the deployment package: every parameter
//! directly under a path whose last segment is a file name (`/driftscan/baselines/base.yaml`,
//! `/driftscan/baselines/prod.yaml`) becomes that file in a fresh local directory, which is then
//! loaded like any baseline directory (`extends` included).

use std::path::{Path, PathBuf};

use aws_types::SdkConfig;

use crate::aws::{error_chain, error_code};

/// Why baselines could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The SSM call failed.
    #[error("ssm:GetParametersByPath {path} failed ({code}): {message}")]
    Ssm {
        /// The path read.
        path: String,
        /// AWS error code.
        code: String,
        /// Message with causes.
        message: String,
    },
    /// A parameter whose name is not a baseline file name.
    #[error("{0}: a baseline parameter's last segment must be a file name like `prod.yaml` (lowercase letters, digits, dashes)")]
    BadName(String),
    /// Nothing under the path.
    #[error("no baseline parameters under {0}")]
    Empty(String),
    /// The local copy could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The file name a parameter becomes, if it is a valid one.
pub fn file_name_of(parameter: &str) -> Option<&str> {
    let name = parameter.rsplit('/').next()?;
    let stem = name.strip_suffix(".yaml")?;
    let valid = !stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then_some(name)
}

/// Copies the baseline parameters under `path` into `into` (created, emptied of nothing: use a
/// fresh directory) and returns how many files were written.
pub async fn fetch_from_ssm(
    config: &SdkConfig,
    path: &str,
    into: &Path,
) -> Result<usize, FetchError> {
    let client = aws_sdk_ssm::Client::new(config);
    let prefix = format!("{}/", path.trim_end_matches('/'));
    let mut pages = client
        .get_parameters_by_path()
        .path(&prefix)
        .recursive(false)
        .with_decryption(false)
        .max_results(10)
        .into_paginator()
        .send();
    let mut files = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| FetchError::Ssm {
            path: prefix.clone(),
            code: error_code(&e),
            message: error_chain(&e),
        })?;
        for parameter in page.parameters.unwrap_or_default() {
            let name = parameter.name.unwrap_or_default();
            let file = file_name_of(&name)
                .ok_or_else(|| FetchError::BadName(name.clone()))?
                .to_string();
            files.push((file, parameter.value.unwrap_or_default()));
        }
    }
    if files.is_empty() {
        return Err(FetchError::Empty(prefix));
    }
    std::fs::create_dir_all(into).map_err(|source| FetchError::Write {
        path: into.to_path_buf(),
        source,
    })?;
    for (file, text) in &files {
        let target = into.join(file);
        std::fs::write(&target, text).map_err(|source| FetchError::Write {
            path: target,
            source,
        })?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_yaml_file_names_are_taken() {
        assert_eq!(
            file_name_of("/driftscan/baselines/prod.yaml"),
            Some("prod.yaml")
        );
        assert_eq!(
            file_name_of("/driftscan/baselines/pr-7.yaml"),
            Some("pr-7.yaml")
        );
        for bad in [
            "/driftscan/baselines/..yaml",
            "/driftscan/baselines/.yaml",
            "/driftscan/baselines/Prod.yaml",
            "/driftscan/baselines/prod.yml",
            "/driftscan/baselines/a b.yaml",
        ] {
            assert_eq!(file_name_of(bad), None, "{bad}");
        }
    }
}
