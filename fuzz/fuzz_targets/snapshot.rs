//! The snapshot reader (`--from-snapshot`): a snapshot or an error with line and column, never
//! a panic; what it accepts writes back to JSON that reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanner::Snapshot;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(snapshot) = Snapshot::from_json(text) {
        let again = Snapshot::from_json(&snapshot.to_json()).expect("a written snapshot reads back");
        assert_eq!(again, snapshot);
    }
});
