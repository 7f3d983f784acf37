//! The config file parser: a config or an error naming the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanner::ConfigFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(error) = ConfigFile::parse(text, std::path::Path::new("driftscan.yaml")) {
        assert!(!error.to_string().is_empty());
    }
});
