//! The one wall clock: time since the Unix epoch, for timestamps, TTLs and generations. A clock
//! set before 1970 reads as the epoch itself.

use std::time::{Duration, SystemTime};

/// Time since the Unix epoch, now.
pub fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Seconds since the epoch, now (DynamoDB TTLs and timestamps).
pub fn epoch_secs() -> u64 {
    since_epoch().as_secs()
}

/// Milliseconds since the epoch, now (CloudWatch and alert timestamps).
pub fn epoch_millis() -> u64 {
    u64::try_from(since_epoch().as_millis()).unwrap_or(u64::MAX)
}

/// Nanoseconds since the epoch, now (generations and lease owners that must differ).
pub fn epoch_nanos() -> u128 {
    since_epoch().as_nanos()
}

/// The time `millis` milliseconds after the epoch (the latest representable past the end).
pub fn at_millis(millis: u64) -> time::OffsetDateTime {
    time::OffsetDateTime::UNIX_EPOCH
        + time::Duration::milliseconds(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// The time `secs` seconds after the epoch, when it is a representable date.
pub fn at_secs(secs: u64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_agree() {
        let (secs, millis, nanos) = (epoch_secs(), epoch_millis(), epoch_nanos());
        assert!(secs > 1_700_000_000, "after November 2023");
        assert!(millis / 1000 >= secs && millis / 1000 <= secs + 5);
        assert!(nanos / 1_000_000 >= u128::from(millis));
        assert_eq!(at_millis(1_500).unix_timestamp(), 1);
        assert_eq!(at_millis(1_500).millisecond(), 500);
        assert_eq!(at_secs(86_400).map(|t| t.day()), Some(2));
        assert_eq!(at_secs(u64::MAX), None);
    }
}
