//! Typed errors of the scanner library.

use std::path::PathBuf;

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// What was expected.
        message: String,
    },
    /// An environment name that cannot be used.
    #[error(
        "invalid environment name `{0}`: use lowercase letters, digits and dashes, starting with a letter (at most 32 characters)"
    )]
    InvalidEnvironment(String),
    /// A value that is out of range or malformed.
    #[error("{0}")]
    Invalid(String),
    /// No region was given and none is configured.
    #[error(
        "no region for environment `{0}`: pass --region, set `regions` for it in the config file, or set AWS_REGION"
    )]
    NoRegion(String),
}

/// A saved snapshot that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotReadError {
    /// Not valid snapshot JSON.
    #[error("line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// A snapshot of another schema version.
    #[error("unsupported snapshot schema `{found}` (this driftscan reads `{expected}`)")]
    Schema {
        /// The schema found.
        found: String,
        /// The schema supported.
        expected: &'static str,
    },
    /// Fields that contradict each other.
    #[error("inconsistent snapshot: {0}")]
    Inconsistent(String),
}
