//! The global options and `driftscan.yaml`, resolved once per run, before any command runs
//! (as ripgrep resolves its flags into one value): every command takes this one value.

use std::path::PathBuf;

use scanner::config::ConfigFile;

use crate::args::GlobalArgs;

/// What every command reads of the command line's global options and of the config file.
#[derive(Debug)]
pub struct Settings {
    /// The global options.
    pub global: GlobalArgs,
    /// The config file's contents (defaults when there is none).
    pub file: ConfigFile,
    /// Where the config file was read from, when one was.
    pub file_path: Option<PathBuf>,
}

impl Settings {
    /// Reads the config file `--config` (or `DRIFTSCAN_CONFIG`) names, else `./driftscan.yaml`
    /// when it exists, once.
    pub fn resolve(global: GlobalArgs) -> anyhow::Result<Settings> {
        let (file, file_path) = ConfigFile::discover(global.config.as_deref())?;
        Ok(Settings {
            global,
            file,
            file_path,
        })
    }
}

/// The global options are read through the settings (`settings.quiet`).
impl std::ops::Deref for Settings {
    type Target = GlobalArgs;

    fn deref(&self) -> &GlobalArgs {
        &self.global
    }
}
