//! Tenant scripts: the one hardened Rhai engine (built in `engine`), the read-only facts scripts
//! see, the compiled-AST cache, and a runner (`run`) that turns every failure into a message
//! naming the limit that stopped it.
//!
//! Invariants: rhai's `unchecked` feature is off (see vendor/README.md), so every limit below is
//! enforced; scripts have no I/O, no modules (`no_module`), no `eval`, strict variables, and reach
//! the host only through the getters registered in `facts`. Runs happen on blocking threads so a
//! slow script never stalls the async runtime; the wall-clock deadline and the memory budget are
//! per run (`run`, counted by the global allocator in `alloc`), and a bounded pool (`pool`) caps
//! runs in progress per org and in all. Every run is counted for `/metrics` (`metrics`).
mod alloc;
pub mod facts;
mod kind;
pub mod metrics;
pub mod pool;
mod run;
mod sized;

use std::sync::Arc;
use std::time::Duration;

use rhai::{Engine, ParseErrorType, Scope, AST};
use serde::{Deserialize, Serialize};

pub use facts::ScriptFacts;
pub use kind::Kind;
pub use run::{run, Limit, RunError, RunOutcome};

/// Sandbox limits, from configuration (`[scripts]` / `VOUCH_SCRIPTS__*`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_expr_depth: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
    pub max_variables: usize,
    pub max_functions: usize,
    /// Wall-clock deadline of one run.
    pub deadline_ms: u64,
    /// Bytes one run may hold allocated at once (0: no budget). Counts every allocation the run
    /// makes (`alloc`), including what rhai's size limits do not see, such as map keys.
    pub max_memory_bytes: usize,
    /// Largest script source accepted, in bytes.
    pub max_source_bytes: usize,
    /// Script runs in progress at once on this server (all orgs).
    pub max_concurrent_runs: usize,
    /// Script runs in progress at once for one org.
    pub max_concurrent_runs_per_org: usize,
    /// How long a run past a cap waits for a slot before it is refused (429).
    pub queue_wait_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 100_000,
            max_call_levels: 16,
            max_expr_depth: 64,
            max_string_size: 10_000,
            max_array_size: 1_000,
            max_map_size: 1_000,
            max_variables: 200,
            max_functions: 50,
            deadline_ms: 250,
            max_memory_bytes: 8 * 1024 * 1024,
            max_source_bytes: 64 * 1024,
            max_concurrent_runs: 8,
            max_concurrent_runs_per_org: 2,
            queue_wait_ms: 200,
        }
    }
}

/// The one hardened engine. Everything a script may touch is decided here.
///
/// Built from `Engine::new_raw()` (built-in operators only) plus an explicit list of packages.
/// Left out on purpose: `LanguageCorePackage` (`sleep`, `exit`, `parse_json`, tags, function
/// metadata), `BasicTimePackage` (`timestamp`, `elapsed`), blobs and bit fields. The full list of
/// functions a script can call is snapshotted in `functions.txt` (a test fails when it changes).
pub fn engine(limits: &Limits) -> Engine {
    use rhai::packages::{
        ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage,
        BasicMapPackage, BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage,
        Package,
    };
    let mut engine = Engine::new_raw();
    for package in [
        ArithmeticPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicFnPackage::new().as_shared_module(),
    ] {
        engine.register_global_module(package);
    }
    // As `Engine::new()` does: reuse the property names and short strings scripts make.
    engine.set_max_strings_interned(256);
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_variables(limits.max_variables)
        .set_max_functions(limits.max_functions)
        .set_strict_variables(true);
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.on_progress(run::progress);
    sized::register(&mut engine);
    facts::register(&mut engine);
    engine
}

/// A syntax or limit error found when compiling, with where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompileError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

pub fn compile(engine: &Engine, limits: &Limits, source: &str) -> Result<AST, CompileError> {
    if source.len() > limits.max_source_bytes {
        return Err(CompileError {
            message: format!(
                "source is {} bytes; the limit is {}",
                source.len(),
                limits.max_source_bytes
            ),
            line: None,
            column: None,
        });
    }
    // Strict variables: the fact names must be known when compiling, so compile against a scope
    // that holds them. Plain variables, not constants: the optimizer would fold a constant's
    // placeholder value into the script (`let r = referral;` would read empty facts forever).
    let mut scope = Scope::new();
    ScriptFacts::default().declare_in(&mut scope);
    engine.compile_with_scope(&scope, source).map_err(|e| {
        let message = match e.err_type() {
            ParseErrorType::ExprTooDeep => format!(
                "expression depth limit ({}) exceeded",
                limits.max_expr_depth
            ),
            ParseErrorType::VariableUndefined(name) => {
                format!("undefined variable `{name}` (variables must be declared)")
            }
            other => other.to_string(),
        };
        CompileError {
            message,
            line: e.position().line(),
            column: e.position().position(),
        }
    })
}

/// The engine, its limits and the compiled-AST cache, shared by every request.
pub struct Scripts {
    pub engine: Arc<Engine>,
    pub limits: Limits,
    /// Compiled scripts by (script row id, version): a new version is a new key.
    cache: moka::sync::Cache<(i64, i64), Arc<AST>>,
    /// Bounds concurrent runs per org and in all (see `pool`).
    pool: pool::RunPool,
}

impl Scripts {
    pub fn new(limits: Limits) -> Scripts {
        Scripts {
            engine: Arc::new(engine(&limits)),
            cache: moka::sync::Cache::new(10_000),
            pool: pool::RunPool::new(
                limits.max_concurrent_runs,
                limits.max_concurrent_runs_per_org,
                Duration::from_millis(limits.queue_wait_ms),
            ),
            limits,
        }
    }

    pub fn compile(&self, source: &str) -> Result<AST, CompileError> {
        compile(&self.engine, &self.limits, source)
    }

    /// Compiles `source` on a blocking thread (an upload of the largest script must not hold an
    /// async worker). The outer error is the server's (the task failed), the inner the script's.
    pub async fn check(&self, source: &str) -> crate::error::Result<Result<(), CompileError>> {
        let (engine, limits, source) =
            (self.engine.clone(), self.limits.clone(), source.to_string());
        tokio::task::spawn_blocking(move || compile(&engine, &limits, &source).map(|_| ()))
            .await
            .map_err(|e| crate::error::AppError::Internal(format!("compile task: {e}")))
    }

    /// The compiled script for this version, compiling it on a miss.
    pub fn compiled(
        &self,
        script_id: i64,
        version: i64,
        source: &str,
    ) -> Result<Arc<AST>, CompileError> {
        if let Some(ast) = self.cache.get(&(script_id, version)) {
            return Ok(ast);
        }
        let ast = Arc::new(self.compile(source)?);
        self.cache.insert((script_id, version), ast.clone());
        Ok(ast)
    }

    /// The compiled script for this version if it is cached (no source needed).
    pub fn cached(&self, script_id: i64, version: i64) -> Option<Arc<AST>> {
        self.cache.get(&(script_id, version))
    }

    /// Drops the cached versions of a script below `below` (a new version replaces the old;
    /// a deleted script passes its current version + 1).
    pub fn retire(&self, script_id: i64, below: i64) {
        for v in 1..below {
            self.cache.invalidate(&(script_id, v));
        }
    }

    /// Runs on a blocking thread, so the async runtime keeps serving while it runs, once the
    /// pool gives `org_id` a slot (the outer error, `Busy`, when it does not in time). The slot
    /// is held until the blocking thread finishes, even if the caller stops waiting.
    pub async fn run(
        &self,
        org_id: i64,
        ast: Arc<AST>,
        facts: ScriptFacts,
    ) -> crate::error::Result<Result<RunOutcome, RunError>> {
        let permit = self.pool.acquire(org_id).await.inspect_err(|_| {
            metrics::record_rejected();
        })?;
        let (engine, limits) = (self.engine.clone(), self.limits.clone());
        Ok(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let result = run(&engine, &limits, &ast, &facts);
            metrics::record(&result);
            result
        })
        .await
        .unwrap_or_else(|_| {
            Err(RunError {
                message: "the script run was cancelled".into(),
                operations: 0,
                elapsed_us: 0,
                limit: None,
            })
        }))
    }
}

#[cfg(test)]
mod tests;
