//! Configuration: built-in defaults, then an optional `vouch.toml`, then `VOUCH_*` variables
//! (`__` nests, e.g. `VOUCH_LOG__FORMAT=json`).
//!
//! Invariant: secrets (`admin_key`, database passwords) never reach logs; `Debug` redacts them.

use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Directory for the SQLite database and other local state; created on first start.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `sqlite://<data_dir>/vouch.db`.
    pub database_url: Option<String>,
    /// The platform admin key. When unset, the first start generates one and prints it once.
    pub admin_key: Option<String>,
    /// Base URL used in links the server prints (docs URL, curl examples).
    pub public_url: Option<String>,
    /// Maximum pooled database connections.
    pub max_connections: u32,
    /// Log output: `pretty` or `json`.
    pub log_format: String,
    /// Sandbox limits for tenant scripts (`VOUCH_SCRIPTS__MAX_OPERATIONS`, …).
    pub scripts: crate::scripting::Limits,
    /// Per-instance rate limits (`VOUCH_RATE_LIMIT__ORG_RPS`, …; `0` turns one off).
    pub rate_limit: crate::web::limits::RateLimitConfig,
    /// In-memory caches of API keys (`VOUCH_CACHE__TTL_SECS`, `VOUCH_CACHE__MAX_ENTRIES`).
    pub cache: crate::cache::CacheConfig,
    /// Outgoing mail server in lettre's URL form (`smtp://host:2525`, `smtps://user:pass@host`);
    /// unset: mail is written as `.eml` files under `<data_dir>/outbox/`. Never logged.
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail (`Name <address>`).
    pub mail_from: Option<String>,
    /// `VOUCH_WEBHOOK_ALLOW_PRIVATE=true` lets webhooks go to plain http and to loopback and
    /// private addresses (tests, on-premise receivers). Off by default.
    pub webhook_allow_private: bool,
    /// Invite feeds (`VOUCH_INVITES__WINDOW_DAYS`, `VOUCH_INVITES__DAILY_CAP`).
    pub invites: crate::domain::invites::InviteConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("admin_key", &self.admin_key.as_ref().map(|_| "<redacted>"))
            .field("public_url", &self.public_url)
            .field("max_connections", &self.max_connections)
            .field("log_format", &self.log_format)
            .field("scripts", &self.scripts)
            .field("rate_limit", &self.rate_limit)
            .field("cache", &self.cache)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .field("invites", &self.invites)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            admin_key: None,
            public_url: None,
            max_connections: 10,
            log_format: "pretty".into(),
            scripts: crate::scripting::Limits::default(),
            rate_limit: crate::web::limits::RateLimitConfig::default(),
            cache: crate::cache::CacheConfig::default(),
            smtp_url: None,
            mail_from: None,
            webhook_allow_private: false,
            invites: crate::domain::invites::InviteConfig::default(),
        }
    }
}

impl Config {
    /// Loads defaults, then `vouch.toml` (or the file named by `VOUCH_CONFIG`), then `VOUCH_*`.
    pub fn load() -> Result<Config, Box<figment::Error>> {
        let file = std::env::var("VOUCH_CONFIG").unwrap_or_else(|_| "vouch.toml".into());
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("VOUCH_").ignore(&["CONFIG"]).split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL in force: the configured one, or a WAL SQLite file in the data dir.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("vouch.db").display()
            ),
        }
    }

    /// Where webhooks may go (see `webhooks::guard`).
    pub fn webhook_policy(&self) -> crate::webhooks::guard::Policy {
        crate::webhooks::guard::Policy {
            allow_private: self.webhook_allow_private,
        }
    }

    /// Base URL for links shown to people, derived from the bind address when not configured.
    pub fn base_url(&self, port: u16) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let host = self
                    .bind
                    .rsplit_once(':')
                    .map(|(h, _)| h)
                    .unwrap_or("127.0.0.1");
                let host = if host == "0.0.0.0" || host.is_empty() {
                    "127.0.0.1"
                } else {
                    host
                };
                format!("http://{host}:{port}")
            }
        }
    }
}

/// Hides the password part of a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
