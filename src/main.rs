//! The `vouch` command line: serve, migrate, org, key, openapi.
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vouch::config::Config;
use vouch::domain::orgs::AdminCtx;
use vouch::domain::{keys, orgs};
use vouch::store::{Db, DbOptions};
use vouch::{api, App};

#[derive(Parser)]
#[command(
    name = "vouch",
    version,
    about = "Vouch: a self-hostable, multi-tenant referral-program platform."
)]
#[command(
    long_about = "Vouch serves referral programs for many tenants from one binary, on SQLite by default \
(VOUCH_DATA_DIR/vouch.db) or PostgreSQL (VOUCH_DATABASE_URL=postgres://...). Configuration: defaults, then \
vouch.toml, then VOUCH_* environment variables."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (applies migrations first). Docs at /docs, spec at /openapi.json.
    Serve {
        /// Address to listen on (overrides VOUCH_BIND; default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// On an empty database, also create a demo org and print its owner key and a curl line.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage orgs (tenants) as the platform operator.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage an org's API keys as the platform operator.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Print the OpenAPI spec that the server serves (the source of openapi/openapi.json).
    Openapi {
        /// Print the spec for progenitor's Rust clients instead (no multipart operations; the
        /// source of openapi/openapi.rust-client.json).
        #[arg(long)]
        rust_client: bool,
    },
    /// Try tenant scripts locally, in the same hardened engine the server uses.
    Script {
        #[command(subcommand)]
        command: ScriptCommand,
    },
    /// Import data into an org as the platform operator.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Upsert employees (by staffId) from an xlsx file, through the same checks as the API's
    /// upload; prints what was created, updated and refused, and how long each phase took.
    Employees {
        /// The xlsx file (first sheet, header in row 1).
        file: std::path::PathBuf,
        /// The org's public id (org_…).
        #[arg(long)]
        org: String,
        /// Check and count, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ScriptCommand {
    /// Compile a script and run it once on facts (JSON: {referral, referrer, program, event}).
    Test {
        /// The .rhai file.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Facts as JSON (default: empty facts).
        #[arg(long)]
        facts: Option<String>,
    },
    /// Measure one run of a cached compiled script against compile plus run, as a ratio.
    Bench {
        /// The .rhai file.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Facts as JSON (default: empty facts).
        #[arg(long)]
        facts: Option<String>,
        /// Runs of each kind.
        #[arg(long, default_value_t = 2000)]
        iterations: u32,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an org; prints its id and its owner key (shown once).
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an API key in an org; prints the key id and the key (shown once).
    Create {
        /// The org's public id (org_…).
        #[arg(long)]
        org: String,
        /// owner, admin, developer, analyst or support.
        #[arg(long)]
        role: String,
        /// A label for the key.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if !matches!(cli.command, Command::Openapi { .. }) {
        init_tracing(&config);
    }
    let result = match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            serve(config, demo).await
        }
        Command::Migrate => vouch::open_database(&config)
            .await
            .map(|_| println!("migrations applied")),
        Command::Org {
            command: OrgCommand::Create { name },
        } => org_create(&config, &name).await,
        Command::Key {
            command: KeyCommand::Create { org, role, name },
        } => key_create(&config, &org, &role, &name).await,
        Command::Openapi { rust_client } => openapi(rust_client).await,
        Command::Script { command } => script(&config, command),
        Command::Import {
            command: ImportCommand::Employees { file, org, dry_run },
        } => import_employees(&config, &file, &org, dry_run).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// How the user runs this binary, for printed hints: `cargo run --` from a build directory.
fn cli_name() -> &'static str {
    let exe = std::env::current_exe().unwrap_or_default();
    let in_target = exe
        .components()
        .any(|c| c.as_os_str() == std::ffi::OsStr::new("target"));
    if in_target {
        "cargo run --"
    } else {
        "vouch"
    }
}

async fn serve(config: Config, demo: bool) -> vouch::error::Result<()> {
    tracing::info!(config = ?config, "starting");
    let app = App::build(config.clone()).await?;
    let base = config.base_url(app.port());
    if let Some(key) = &app.generated_admin_key {
        println!("\n  Platform admin key (shown once, store it now): {key}\n");
    }
    if demo {
        match vouch::demo::seed(&app.state().db).await? {
            Some(d) => {
                println!(
                    "  Demo org {} created. Its owner key (shown once): {}",
                    d.org_id, d.owner_key
                );
                println!("  Docs: {base}/docs");
                println!("  Member portal (valid 24 h): {base}{}", d.portal_path);
                println!("  Try:  curl -H 'Authorization: Bearer {}' '{base}/api/v1/referral-code-records/lookup?code={}'\n", d.owner_key, d.code);
            }
            None => {
                let admin = AdminCtx {
                    actor: "cli".into(),
                };
                let page = vouch::domain::PageReq { page: 1, limit: 1 };
                let orgs = orgs::list(&admin, &app.state().db, page).await?;
                let org = orgs.items.first().map_or("<org_id>", |o| o.id.as_str());
                println!(
                    "  Database already has orgs; demo skipped. A new owner key for {org}:\n    {} key create --org {org} --role owner\n  Docs: {base}/docs\n",
                    cli_name()
                );
            }
        }
    }
    tracing::info!(%base, "listening");
    app.run()
        .await
        .map_err(|e| vouch::error::AppError::Internal(format!("server: {e}")))
}

async fn org_create(config: &Config, name: &str) -> vouch::error::Result<()> {
    let db = vouch::open_database(config).await?;
    let (org, key) = orgs::create(
        &AdminCtx {
            actor: "cli".into(),
        },
        &db,
        name,
    )
    .await?;
    println!(
        "org_id: {}\nowner_key_id: {}\nowner_key: {}",
        org.id, key.view.id, key.key
    );
    Ok(())
}

async fn key_create(
    config: &Config,
    org: &str,
    role: &str,
    name: &str,
) -> vouch::error::Result<()> {
    let db = vouch::open_database(config).await?;
    let ctx = orgs::system_ctx(&db, org, "cli").await?;
    let created = keys::create(&ctx, &db, name, role).await?;
    println!(
        "key_id: {}\nrole: {}\nkey: {}",
        created.view.id, created.view.role, created.key
    );
    Ok(())
}

async fn import_employees(
    config: &Config,
    file: &std::path::Path,
    org: &str,
    dry_run: bool,
) -> vouch::error::Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};
    use vouch::error::AppError;
    use vouch::import;
    let db = vouch::open_database(config).await?;
    let ctx = orgs::system_ctx(&db, org, "cli").await?;
    let cannot = |e: std::io::Error| AppError::Internal(format!("{}: {e}", file.display()));
    let size = std::fs::metadata(file).map_err(cannot)?.len();
    if size > import::LIMITS.max_file_bytes as u64 {
        return Err(AppError::invalid(
            "file",
            format!(
                "the file is {size} bytes; at most {} MiB",
                import::LIMITS.max_file_bytes / (1024 * 1024)
            ),
        ));
    }
    let bytes = std::fs::read(file).map_err(cannot)?;
    let spinner = ProgressBar::new_spinner().with_message(format!("reading {}", file.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(100));
    let started = std::time::Instant::now();
    let sheet = tokio::task::spawn_blocking(move || {
        import::read_employees("file", &bytes, &import::LIMITS)
    })
    .await
    .map_err(|e| AppError::Internal(format!("reader: {e}")))??;
    let parse_time = started.elapsed();
    spinner.finish_and_clear();
    let rows = sheet.rows.len() as u64 + sheet.errors.len() as u64;
    let bar = ProgressBar::new(sheet.rows.len() as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(if dry_run { "checking" } else { "writing" });
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let outcome = vouch::domain::employees::upsert_many(
        &ctx,
        &db,
        sheet.rows,
        sheet.errors,
        dry_run,
        Some(&progress),
    )
    .await?;
    bar.finish_and_clear();
    println!("{}", outcome.message());
    if dry_run {
        println!("dry run: nothing was written");
    }
    for e in outcome.errors.iter().take(50) {
        println!("row {}, {}: {}", e.row, e.column, e.reason);
    }
    if outcome.errors.len() > 50 {
        println!("… and {} more errors", outcome.errors.len() - 50);
    }
    let total = started.elapsed().as_secs_f64();
    println!(
        "rows: {rows}; parse {:.3} s, validate {:.3} s, write {:.3} s, total {total:.3} s ({:.0} rows/s)",
        parse_time.as_secs_f64(),
        outcome.validate_time.as_secs_f64(),
        outcome.write_time.as_secs_f64(),
        rows as f64 / total.max(f64::EPSILON),
    );
    Ok(())
}

async fn openapi(rust_client: bool) -> vouch::error::Result<()> {
    let db = Db::connect("sqlite::memory:", DbOptions::default()).await?;
    let state = vouch::build_state(&Config::default(), db, "http://127.0.0.1:8080".into()).await?;
    if rust_client {
        println!("{}", api::rust_client_spec_json(state));
    } else {
        println!("{}", api::spec_json(state));
    }
    Ok(())
}

fn read_script(
    file: &std::path::Path,
    facts: Option<&str>,
) -> vouch::error::Result<(String, vouch::scripting::ScriptFacts)> {
    let source = std::fs::read_to_string(file)
        .map_err(|e| vouch::error::AppError::invalid("file", format!("{}: {e}", file.display())))?;
    let facts = match facts {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| vouch::error::AppError::invalid("facts", e.to_string()))?,
        None => vouch::scripting::ScriptFacts::default(),
    };
    Ok((source, facts))
}

fn script(config: &Config, command: ScriptCommand) -> vouch::error::Result<()> {
    use vouch::scripting::{run, Scripts};
    let scripts = Scripts::new(config.scripts.clone());
    let compile = |source: &str| {
        scripts.compile(source).map_err(|e| {
            vouch::error::AppError::invalid(
                "file",
                format!("line {:?}, column {:?}: {}", e.line, e.column, e.message),
            )
        })
    };
    match command {
        ScriptCommand::Test { file, facts } => {
            let (source, facts) = read_script(&file, facts.as_deref())?;
            let ast = compile(&source)?;
            match run(&scripts.engine, &scripts.limits, &ast, &facts) {
                Ok(out) => println!(
                    "result: {}\noperations: {}\nelapsed: {:?}",
                    out.value, out.operations, out.elapsed
                ),
                Err(e) => println!(
                    "error: {}\noperations: {}\nelapsed: {} µs",
                    e.message, e.operations, e.elapsed_us
                ),
            }
            Ok(())
        }
        ScriptCommand::Bench {
            file,
            facts,
            iterations,
        } => {
            let (source, facts) = read_script(&file, facts.as_deref())?;
            let ast = compile(&source)?;
            let timed = |f: &dyn Fn()| {
                let start = std::time::Instant::now();
                for _ in 0..iterations {
                    f();
                }
                start.elapsed() / iterations
            };
            // Warm up both paths once before measuring.
            let _ = run(&scripts.engine, &scripts.limits, &ast, &facts);
            let cached = timed(&|| {
                let _ = run(&scripts.engine, &scripts.limits, &ast, &facts);
            });
            let fresh = timed(&|| {
                if let Ok(ast) = scripts.compile(&source) {
                    let _ = run(&scripts.engine, &scripts.limits, &ast, &facts);
                }
            });
            println!("file: {}", file.display());
            println!("iterations: {iterations}");
            println!("cached compiled script, per run: {cached:?}");
            println!("compile + run, per run:          {fresh:?}");
            println!(
                "ratio (compile + run) / cached:  {:.1}x",
                fresh.as_secs_f64() / cached.as_secs_f64().max(1e-12)
            );
            Ok(())
        }
    }
}
