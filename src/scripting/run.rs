//! One script run on the current thread, and the budget it runs within: rhai enforces the
//! operation, call depth, data size and variable limits itself; the wall-clock deadline and the
//! memory budget are enforced here, in the engine's `on_progress` hook (`progress`), which rhai
//! calls before every operation. Every failure becomes a message naming the limit that stopped
//! it, and a `Limit` the metrics count.
//!
//! Invariants: a run's state lives in the thread-local `RUN` from its start to its end (runs are
//! synchronous on one thread); outside a run `progress` checks nothing. The memory budget is the
//! run thread's net allocation since the run started (`alloc`), checked at every operation, so
//! no single value rhai fails to size (map keys, the deep clones `map` makes before its result
//! is checked) can grow past it by more than what one operation allocates. Once the deadline or
//! the budget has stopped a run, every later operation stops it again: a script cannot catch
//! the stop in `try`/`catch` and go on.
use std::cell::Cell;
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, EvalAltResult, Scope, AST, INT};
use serde::Serialize;

use super::{alloc, Limits, ScriptFacts};

/// The clock is read at least every this many operations. An operation takes about 50 ns, but
/// one can be slow without allocating (measured in a release build: `contains` over a full array
/// about 70 µs, `index_of` in a 10 KB string about 20 µs), so 16 of them overshoot the deadline
/// by at most a few ms. Reading the clock at every operation cost 35% in a tight loop; this, with
/// the memory check at every operation, costs nothing measurable.
const CLOCK_EVERY_OPERATIONS: u64 = 16;
/// …and whenever the run has allocated this many bytes since the clock was last read: the
/// slowest operations copy large values (a deep clone of a 3.5 MB map of long keys takes about
/// 2 ms; reading the clock every 256 operations let such a loop overshoot a 250 ms deadline by
/// 70 ms), and allocating is what they have in common.
const CLOCK_EVERY_BYTES: usize = 256 * 1024;

/// Why `progress` stopped a run (the `ErrorTerminated` token).
const STOP_DEADLINE: INT = 1;
const STOP_MEMORY: INT = 2;

#[derive(Clone, Copy)]
struct RunState {
    /// `None` outside a run.
    deadline: Option<Instant>,
    operations: u64,
    /// The thread's allocation count when the run started.
    memory_base: usize,
    /// 0: no budget.
    max_memory: usize,
    /// Bytes allocated (gross) when the clock was last read.
    clock_bytes: usize,
    /// Set once the deadline or the budget stopped the run.
    stopped: Option<INT>,
}

const IDLE: RunState = RunState {
    deadline: None,
    operations: 0,
    memory_base: 0,
    max_memory: 0,
    clock_bytes: 0,
    stopped: None,
};

thread_local! {
    static RUN: Cell<RunState> = const { Cell::new(IDLE) };
}

/// The engine's `on_progress` hook: counts the operation and stops the run past its deadline or
/// its memory budget.
pub(super) fn progress(operations: u64) -> Option<Dynamic> {
    let mut run = RUN.get();
    let deadline = run.deadline?;
    run.operations = operations;
    let stop = run.stopped.or_else(|| {
        let grown = alloc::grown_since(run.memory_base);
        if run.max_memory > 0 && grown > isize::try_from(run.max_memory).unwrap_or(isize::MAX) {
            return Some(STOP_MEMORY);
        }
        let allocated = alloc::allocated();
        if operations.is_multiple_of(CLOCK_EVERY_OPERATIONS)
            || allocated.wrapping_sub(run.clock_bytes) > CLOCK_EVERY_BYTES
        {
            run.clock_bytes = allocated;
            if Instant::now() > deadline {
                return Some(STOP_DEADLINE);
            }
        }
        None
    });
    run.stopped = stop;
    RUN.set(run);
    stop.map(Dynamic::from_int)
}

/// The limit that stopped a run, for the metrics (`vouch_script_limit_stops_total{limit}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Deadline,
    Memory,
    Operations,
    CallDepth,
    DataSize,
    Variables,
}

impl Limit {
    pub fn as_str(&self) -> &'static str {
        match self {
            Limit::Deadline => "deadline",
            Limit::Memory => "memory",
            Limit::Operations => "operations",
            Limit::CallDepth => "call_depth",
            Limit::DataSize => "data_size",
            Limit::Variables => "variables",
        }
    }

    fn of(err: &EvalAltResult) -> Option<Limit> {
        match err {
            EvalAltResult::ErrorTerminated(token, _) => match token.as_int() {
                Ok(STOP_MEMORY) => Some(Limit::Memory),
                _ => Some(Limit::Deadline),
            },
            EvalAltResult::ErrorTooManyOperations(_) => Some(Limit::Operations),
            EvalAltResult::ErrorStackOverflow(_) => Some(Limit::CallDepth),
            EvalAltResult::ErrorDataTooLarge(..) => Some(Limit::DataSize),
            EvalAltResult::ErrorTooManyVariables(_) => Some(Limit::Variables),
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => Limit::of(inner),
            _ => None,
        }
    }
}

/// The outcome of one run: the value, how many operations it took and how long.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub value: Dynamic,
    pub operations: u64,
    pub elapsed: Duration,
}

/// A run that failed, with the message shown to the tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunError {
    pub message: String,
    pub operations: u64,
    pub elapsed_us: u64,
    /// The sandbox limit that stopped it; `None` for the script's own errors.
    #[serde(skip)]
    pub limit: Option<Limit>,
}

fn explain(err: &EvalAltResult, limits: &Limits) -> String {
    match err {
        EvalAltResult::ErrorTooManyOperations(_) => {
            format!("operation limit ({}) exceeded", limits.max_operations)
        }
        EvalAltResult::ErrorStackOverflow(_) => {
            format!("call depth limit ({}) exceeded", limits.max_call_levels)
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let limit = match what.to_ascii_lowercase() {
                w if w.contains("string") => limits.max_string_size,
                w if w.contains("array") => limits.max_array_size,
                w if w.contains("map") => limits.max_map_size,
                _ => 0,
            };
            format!("{what} size limit ({limit}) exceeded")
        }
        EvalAltResult::ErrorTerminated(token, _) if token.as_int() == Ok(STOP_MEMORY) => {
            format!("memory limit ({} bytes) exceeded", limits.max_memory_bytes)
        }
        EvalAltResult::ErrorTerminated(_, _) => {
            format!("wall-clock deadline ({} ms) exceeded", limits.deadline_ms)
        }
        EvalAltResult::ErrorTooManyVariables(_) => {
            format!("variable limit ({}) exceeded", limits.max_variables)
        }
        EvalAltResult::ErrorVariableNotFound(name, _) => format!("undefined variable `{name}`"),
        EvalAltResult::ErrorFunctionNotFound(sig, _) => {
            format!(
                "no function `{sig}` (the host API has no such function for these argument types)"
            )
        }
        EvalAltResult::ErrorInFunctionCall(name, _, inner, _) => {
            format!("in `{name}`: {}", explain(inner, limits))
        }
        other => other.to_string(),
    }
}

/// Runs a compiled script against facts on the current thread, within the limits.
pub fn run(
    engine: &Engine,
    limits: &Limits,
    ast: &AST,
    facts: &ScriptFacts,
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    // The baseline is taken before the scope is built: the facts count against the budget.
    let memory_base = alloc::baseline();
    RUN.set(RunState {
        deadline: Some(started + Duration::from_millis(limits.deadline_ms)),
        memory_base,
        max_memory: limits.max_memory_bytes,
        clock_bytes: alloc::allocated(),
        ..IDLE
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut scope = Scope::new();
        facts.push_into(&mut scope);
        engine.eval_ast_with_scope::<Dynamic>(&mut scope, ast)
    }));
    let operations = RUN.replace(IDLE).operations;
    let elapsed = started.elapsed();
    let fail = |message: String, limit: Option<Limit>| RunError {
        message,
        operations,
        elapsed_us: elapsed.as_micros() as u64,
        limit,
    };
    match result {
        Ok(Ok(value)) => Ok(RunOutcome {
            value,
            operations,
            elapsed,
        }),
        Ok(Err(err)) => Err(fail(explain(&err, limits), Limit::of(&err))),
        Err(_) => Err(fail(
            "the script stopped the host function unexpectedly".into(),
            None,
        )),
    }
}
