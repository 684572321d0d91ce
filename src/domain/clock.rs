//! The one clock for stored times: UTC, truncated to microseconds, so SQLite (which would keep
//! nanoseconds) and PostgreSQL (which keeps microseconds) store, compare and show the same
//! instant, inside event payloads as much as in answers.
use chrono::{DateTime, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    #[test]
    fn now_has_at_most_microseconds() {
        assert_eq!(super::now().nanosecond() % 1_000, 0);
    }
}
