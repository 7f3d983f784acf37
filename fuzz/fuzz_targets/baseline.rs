//! The baseline parser: any bytes give a baseline or an error with a location, never a panic
//! or a hang (alias and depth budgets hold against YAML bombs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanner::baseline::{Baseline, BaselineError};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Baseline::parse_str(text, std::path::Path::new("fuzz.yaml"), "staging") {
        Ok(_) => {}
        Err(error) => {
            let message = error.to_string();
            assert!(!message.is_empty());
            if let BaselineError::Parse { .. } = error {
                assert!(message.starts_with("fuzz.yaml:"), "{message}");
            }
        }
    }
});
