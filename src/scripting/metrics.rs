//! What script runs record for `/metrics` (the recorder is installed by `web::metrics`, which
//! re-exports these names): every run's outcome and duration, the limit that stopped it, and
//! the runs the pool refused.
//!
//! Invariant: recorded on the thread that ran the script, right after the run, so a run is
//! counted even when the request that asked for it has gone away.
use std::time::Duration;

use super::{Limit, RunError, RunOutcome};

/// Script runs by `outcome`: `ok` (the script returned a value; whether it suits the script's
/// kind is the caller's check), `error` (the script's own error), `timeout` (the wall-clock
/// deadline), `limit` (another sandbox limit: memory, operations, call depth, data size,
/// variables) or `rejected` (refused by the pool, a 429).
pub const SCRIPT_RUNS: &str = "vouch_script_runs_total";
/// Runs stopped by a sandbox limit, by `limit`: `deadline`, `memory`, `operations`,
/// `call_depth`, `data_size` or `variables`.
pub const SCRIPT_LIMIT_STOPS: &str = "vouch_script_limit_stops_total";
/// How long runs took, in seconds (histogram; runs the pool refused are not in it).
pub const SCRIPT_DURATION: &str = "vouch_script_run_duration_seconds";
/// Buckets of `SCRIPT_DURATION`: from 100 µs (a typical rule) to past the longest deadline.
pub const SCRIPT_DURATION_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Records one finished run.
pub(super) fn record(result: &Result<RunOutcome, RunError>) {
    let (outcome, elapsed) = match result {
        Ok(out) => ("ok", out.elapsed),
        Err(err) => {
            let outcome = match err.limit {
                None => "error",
                Some(Limit::Deadline) => "timeout",
                Some(_) => "limit",
            };
            if let Some(limit) = err.limit {
                ::metrics::counter!(SCRIPT_LIMIT_STOPS, "limit" => limit.as_str()).increment(1);
            }
            (outcome, Duration::from_micros(err.elapsed_us))
        }
    };
    ::metrics::counter!(SCRIPT_RUNS, "outcome" => outcome).increment(1);
    ::metrics::histogram!(SCRIPT_DURATION).record(elapsed.as_secs_f64());
}

/// Records a run the pool refused.
pub(super) fn record_rejected() {
    ::metrics::counter!(SCRIPT_RUNS, "outcome" => "rejected").increment(1);
}
