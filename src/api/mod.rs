//! HTTP API surfaces, each a translation between a wire format and `domain` calls, assembled
//! into one poem-openapi service with one spec.
pub mod bpm;
pub mod code_records;
pub mod enums;
pub mod error;
pub mod errors_table;
pub mod func;
pub mod idempotency;
pub mod native;
pub mod rr;
pub mod spec;
pub mod strict;
pub mod wire;

use std::sync::Arc;

use poem_openapi::auth::{Basic, Bearer};
use poem_openapi::{
    ContactObject, LicenseObject, OpenApiService, SecurityScheme, ServerObject, Tags,
};

use crate::auth::{Authenticator, Credentials, Principal};
use crate::authz::Authz;
use crate::domain::orgs::AdminCtx;
use crate::domain::Ctx;
use crate::error::{AppError, Result};
use crate::store::Db;

pub use error::{ApiError, ErrorBody};

/// Shared by every handler.
pub struct AppState {
    pub db: Db,
    /// The script engine, its limits and compiled-script cache.
    pub scripts: crate::scripting::Scripts,
    /// Base URL for links the server hands out (share links, partner page URLs).
    pub public_base: String,
    pub auth: Authenticator,
    pub authz: Authz,
    /// Per-org and per-IP rate limits of this instance.
    pub limits: crate::web::limits::RateLimits,
    /// Outgoing mail (SMTP, or the development outbox).
    pub mailer: Arc<crate::mail::Mailer>,
    /// Spreadsheet reading, bounded per instance and per org.
    pub imports: crate::import::Imports,
    /// Where webhook subscriptions may point.
    pub webhook_policy: crate::webhooks::guard::Policy,
    /// Invite feed settings.
    pub invites: crate::domain::invites::InviteConfig,
}

pub type State = Arc<AppState>;

#[derive(Tags)]
pub enum ApiTags {
    /// Platform operator: organisations (admin key only).
    Orgs,
    /// Tenant API keys and their roles.
    ApiKeys,
    /// The audit log of state changes.
    Events,
    /// Referral code records (seed 004 contract).
    ReferralCodeRecords,
    /// Referral programs (native).
    Programs,
    /// Members: access tokens and promo codes (native).
    Members,
    /// The Referral Rock style API (seed 003 contract).
    ReferralRock,
    /// Reward rules and their conditions (native).
    Rules,
    /// Tenant Rhai scripts (native).
    Scripts,
    /// The func-call surface (seed 002): /billmgr?func=referralprogram…
    FuncCalls,
    /// Health and readiness.
    Operations,
    /// Payout methods (native).
    Payouts,
    /// The BPM command surface (seeds 000/001): employees and their referrals.
    Bpm,
    /// Employees from and to Excel (native).
    Employees,
    /// Webhook subscriptions, their signing secrets and deliveries (003 routes and native).
    Webhooks,
}

/// `Authorization: Bearer <key>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "bearerAuth")]
pub struct BearerAuth(Bearer);

/// `Authorization: Basic base64(<key id>:<key>)`.
#[derive(SecurityScheme)]
#[oai(ty = "basic", rename = "basicAuth")]
pub struct BasicAuth(Basic);

/// Either form of API key authentication.
#[derive(SecurityScheme)]
pub enum ApiAuth {
    Bearer(BearerAuth),
    Basic(BasicAuth),
}

impl ApiAuth {
    fn credentials(self) -> Credentials {
        match self {
            ApiAuth::Bearer(BearerAuth(b)) => Credentials::Bearer(b.token),
            ApiAuth::Basic(BasicAuth(b)) => Credentials::Basic {
                id: b.username,
                key: b.password,
            },
        }
    }
}

impl AppState {
    /// Authenticates a tenant key and authorizes it for `operation_id`.
    pub async fn tenant(&self, auth: ApiAuth, operation_id: &str) -> Result<Ctx> {
        self.tenant_with(auth.credentials(), operation_id).await
    }

    /// `tenant` for credentials that came some other way (the func surface's `authinfo`).
    pub async fn tenant_with(&self, credentials: Credentials, operation_id: &str) -> Result<Ctx> {
        match self.auth.authenticate(credentials).await? {
            Principal::Tenant(ctx) => {
                if !self.limits.admit_org(ctx.org_id) {
                    // The middleware answers 429 with the surface's envelope (it saw the
                    // verdict); this error only stops the handler.
                    return Err(AppError::Forbidden("rate limit exceeded".into()));
                }
                self.authz.require(&ctx, operation_id).await?;
                Ok(ctx)
            }
            Principal::Admin(_) => Err(AppError::Forbidden(
                "the platform admin key manages orgs only; use one of the org's keys".into(),
            )),
        }
    }

    /// Authenticates the platform admin key.
    pub async fn admin(&self, auth: ApiAuth) -> Result<AdminCtx> {
        match self.auth.authenticate(auth.credentials()).await? {
            Principal::Admin(admin) => Ok(admin),
            Principal::Tenant(_) => Err(AppError::Forbidden(
                "only the platform admin key may manage orgs".into(),
            )),
        }
    }
}

/// The whole API as one OpenAPI service; its servers entry is the public URL.
pub fn service(state: State) -> OpenApiService<impl poem_openapi::OpenApi, ()> {
    let public_base = state.public_base.clone();
    OpenApiService::new(
        (
            native::ops::OpsApi {
                state: state.clone(),
            },
            native::orgs::OrgsApi {
                state: state.clone(),
            },
            native::keys::KeysApi {
                state: state.clone(),
            },
            native::events::EventsApi {
                state: state.clone(),
            },
            code_records::CodeRecordsApi {
                state: state.clone(),
            },
            native::programs::ProgramsApi {
                state: state.clone(),
            },
            native::members::MembersApi {
                state: state.clone(),
            },
            // The 003 programs, members, access URLs, email list and webhooks, in a tuple of their own.
            (
                rr::programs::RrProgramsApi {
                    state: state.clone(),
                },
                rr::members::RrMembersApi {
                    state: state.clone(),
                },
                rr::access::RrAccessApi {
                    state: state.clone(),
                },
                rr::email::RrEmailApi {
                    state: state.clone(),
                },
                // Webhooks: 003's subscriptions and history, the native list, rotation, retry.
                rr::hooks::RrHooksApi {
                    state: state.clone(),
                },
                native::webhooks::WebhooksApi {
                    state: state.clone(),
                },
                rr::invites::RrInvitesApi {
                    state: state.clone(),
                },
            ),
            // Member stats and referrals.
            (
                rr::stats::RrStatsApi {
                    state: state.clone(),
                },
                rr::referrals::RrReferralsApi {
                    state: state.clone(),
                },
                native::referrals::ReferralsApi {
                    state: state.clone(),
                },
            ),
            native::rules::RulesApi {
                state: state.clone(),
            },
            native::conditions::ConditionsApi {
                state: state.clone(),
            },
            native::evaluate::EvaluateApi {
                state: state.clone(),
            },
            native::scripts::ScriptsApi {
                state: state.clone(),
            },
            // Purchases, rewards, payout methods and payouts, in a tuple of their own.
            (
                rr::purchases::RrPurchasesApi {
                    state: state.clone(),
                },
                native::rewards::RewardsApi {
                    state: state.clone(),
                },
                native::payouts::PayoutsApi {
                    state: state.clone(),
                },
                rr::rewards::RrRewardsApi {
                    state: state.clone(),
                },
                rr::payouts::RrPayoutsApi {
                    state: state.clone(),
                },
            ),
            func::FuncApi {
                state: state.clone(),
            },
            // Employees: the BPM command surface and the Excel routes.
            (
                bpm::BpmApi {
                    state: state.clone(),
                },
                native::employees::EmployeesApi { state },
            ),
        ),
        "Vouch",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Self-hostable, multi-tenant referral-program platform. Authenticate with an API key as \
         `Authorization: Bearer <key>` or `Authorization: Basic base64(<key id>:<key>)` (the \
         user name is the key's id, `key_…`). Times are RFC 3339 in UTC.",
    )
    .server(ServerObject::new(public_base).description("This Vouch server"))
    .license(LicenseObject::new("MIT").url("https://opensource.org/licenses/MIT"))
    .contact(ContactObject::new().name("The operator of this Vouch server"))
}

/// The spec in the forms the server serves, all from one generated document.
pub struct Documents {
    /// The finished spec (see `spec`), as served at `/openapi.json`.
    pub spec: serde_json::Value,
    /// The same as pretty JSON, as `vouch openapi` prints it.
    pub json: String,
    /// The Swagger UI page, showing the finished spec.
    pub docs_html: String,
}

/// Builds the served documents from `service` (generating and finishing its spec once).
pub fn documents<T: poem_openapi::OpenApi>(service: &OpenApiService<T, ()>) -> Documents {
    let raw = service.spec();
    let spec = spec::finish(&raw);
    let json = serde_json::to_string_pretty(&spec).unwrap_or_default();
    let docs_html = service.swagger_ui_html().replace(&raw, &spec.to_string());
    Documents {
        spec,
        json,
        docs_html,
    }
}

/// The finished spec as pretty JSON, for `vouch openapi` and the drift test.
pub fn spec_json(state: State) -> String {
    documents(&service(state)).json
}

/// The spec for progenitor's Rust clients (`spec::without_multipart`), as pretty JSON.
pub fn rust_client_spec_json(state: State) -> String {
    let spec = spec::without_multipart(&documents(&service(state)).spec);
    serde_json::to_string_pretty(&spec).unwrap_or_default()
}
