//! Authorization with casbin: RBAC with domains (domain = org), one model file, built-in role
//! policies loaded per org on first use, a decision cache in front. An enforcer error denies.
pub mod operations;

use std::collections::HashSet;

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use tokio::sync::RwLock;

pub use operations::{access_for, Access, OPERATIONS, READ, WRITE};

use crate::domain::roles::Role;
use crate::domain::Ctx;
use crate::error::{AppError, Result};

const MODEL: &str = include_str!("model.conf");

/// Resources an analyst may read (everything a tenant owns except keys and roles).
pub const READABLE: &[&str] = &[
    "referral_codes",
    "members",
    "programs",
    "rules",
    "scripts",
    "referrals",
    "rewards",
    "payouts",
    "webhooks",
    "employees",
    "events",
];
/// Resources support staff may change (people and their codes and referrals).
const SUPPORT_WRITABLE: &[&str] = &["referral_codes", "members", "referrals"];
/// Resources a developer may change (all tenant data, not keys or roles).
const DEVELOPER_WRITABLE: &[&str] = &[
    "referral_codes",
    "members",
    "programs",
    "rules",
    "scripts",
    "referrals",
    "rewards",
    "payouts",
    "webhooks",
    "employees",
];
/// Resources only admins and owners touch.
const ADMIN_ONLY: &[&str] = &["api_keys", "roles"];

/// Role inheritance inside every org: (role, inherits).
const INHERITS: &[(Role, Role)] = &[
    (Role::Developer, Role::Analyst),
    (Role::Support, Role::Analyst),
    (Role::Admin, Role::Developer),
    (Role::Admin, Role::Support),
    (Role::Owner, Role::Admin),
];

type DecisionKey = (String, String, &'static str, &'static str);

pub struct Authz {
    state: RwLock<State>,
    decisions: moka::sync::Cache<DecisionKey, bool>,
}

struct State {
    enforcer: Enforcer,
    loaded: HashSet<String>,
}

fn s(v: &str) -> String {
    v.to_string()
}

/// The built-in policies and role links of one org.
fn builtin_rules(org: &str) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut policies = Vec::new();
    let mut grant = |role: Role, resources: &[&str], action: &str| {
        for r in resources {
            policies.push(vec![s(role.as_str()), s(org), s(r), s(action)]);
        }
    };
    grant(Role::Analyst, READABLE, READ);
    grant(Role::Support, SUPPORT_WRITABLE, WRITE);
    grant(Role::Developer, DEVELOPER_WRITABLE, WRITE);
    grant(Role::Admin, ADMIN_ONLY, READ);
    grant(Role::Admin, ADMIN_ONLY, WRITE);
    let links = INHERITS
        .iter()
        .map(|(role, parent)| vec![s(role.as_str()), s(parent.as_str()), s(org)])
        .collect();
    (policies, links)
}

impl Authz {
    pub async fn new() -> Result<Authz> {
        let model = DefaultModel::from_str(MODEL)
            .await
            .map_err(|e| AppError::Internal(format!("casbin model: {e}")))?;
        let enforcer = Enforcer::new(model, MemoryAdapter::default())
            .await
            .map_err(|e| AppError::Internal(format!("casbin enforcer: {e}")))?;
        Ok(Authz {
            state: RwLock::new(State {
                enforcer,
                loaded: HashSet::new(),
            }),
            decisions: moka::sync::Cache::new(100_000),
        })
    }

    /// Loads an org's policies into the enforcer the first time the org is seen. Lazily, so a
    /// server sharing a database with others learns about new orgs without coordination.
    async fn ensure_domain(&self, org: &str) -> Result<()> {
        if self.state.read().await.loaded.contains(org) {
            return Ok(());
        }
        let mut state = self.state.write().await;
        if state.loaded.contains(org) {
            return Ok(());
        }
        let (policies, links) = builtin_rules(org);
        let err = |e: casbin::Error| AppError::Internal(format!("casbin policy load: {e}"));
        state.enforcer.add_policies(policies).await.map_err(err)?;
        state
            .enforcer
            .add_grouping_policies(links)
            .await
            .map_err(err)?;
        state.loaded.insert(org.to_string());
        Ok(())
    }

    /// Does the context's role grant `action` on `resource` in its org? Errors deny.
    pub async fn allows(&self, ctx: &Ctx, resource: &'static str, action: &'static str) -> bool {
        let key = (
            s(ctx.role.as_str()),
            ctx.org_public_id.clone(),
            resource,
            action,
        );
        if let Some(decision) = self.decisions.get(&key) {
            return decision;
        }
        if let Err(err) = self.ensure_domain(&ctx.org_public_id).await {
            tracing::error!(error = %err, "authorization policies unavailable; denying");
            return false;
        }
        let state = self.state.read().await;
        let decision =
            match state
                .enforcer
                .enforce((key.0.as_str(), key.1.as_str(), resource, action))
            {
                Ok(decision) => decision,
                Err(err) => {
                    tracing::error!(error = %err, "casbin enforce failed; denying");
                    return false;
                }
            };
        drop(state);
        self.decisions.insert(key, decision);
        decision
    }

    /// Authorizes a tenant operation by its operation id (see `operations::OPERATIONS`).
    pub async fn require(&self, ctx: &Ctx, operation_id: &str) -> Result<()> {
        record_authorized(operation_id);
        match access_for(operation_id) {
            Some(Access::Tenant { resource, action }) => {
                if self.allows(ctx, resource, action).await {
                    Ok(())
                } else {
                    Err(AppError::Forbidden(format!(
                        "role `{}` may not {action} {resource}",
                        ctx.role
                    )))
                }
            }
            Some(Access::Admin) => Err(AppError::Forbidden(
                "only the platform admin key may do this".into(),
            )),
            Some(Access::Public) => Ok(()),
            None => {
                tracing::error!(
                    operation_id,
                    "operation has no authorization mapping; denying"
                );
                Err(AppError::Forbidden(
                    "operation is not authorized for any role".into(),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(role: Role, org: &str) -> Ctx {
        Ctx::for_key(1, org.into(), "key_test".into(), role)
    }

    #[tokio::test]
    async fn analyst_reads_but_does_not_write() {
        let authz = Authz::new().await.unwrap();
        let analyst = ctx(Role::Analyst, "org_a");
        assert!(authz.allows(&analyst, "referral_codes", READ).await);
        assert!(!authz.allows(&analyst, "referral_codes", WRITE).await);
        assert!(!authz.allows(&analyst, "api_keys", READ).await);
    }

    #[tokio::test]
    async fn roles_inherit_within_their_own_domain() {
        let authz = Authz::new().await.unwrap();
        assert!(
            authz
                .allows(&ctx(Role::Owner, "org_a"), "api_keys", WRITE)
                .await
        );
        assert!(
            authz
                .allows(&ctx(Role::Owner, "org_a"), "events", READ)
                .await
        );
        assert!(
            authz
                .allows(&ctx(Role::Support, "org_a"), "members", WRITE)
                .await
        );
        assert!(
            !authz
                .allows(&ctx(Role::Support, "org_a"), "programs", WRITE)
                .await
        );
        assert!(
            !authz
                .allows(&ctx(Role::Developer, "org_a"), "api_keys", WRITE)
                .await
        );
    }

    #[tokio::test]
    async fn an_unknown_operation_is_denied() {
        let authz = Authz::new().await.unwrap();
        assert!(authz
            .require(&ctx(Role::Owner, "org_a"), "noSuchOperation")
            .await
            .is_err());
        assert!(authz
            .require(&ctx(Role::Owner, "org_a"), "createOrg")
            .await
            .is_err());
    }
}

tokio::task_local! {
    /// The operation id the running request was authorized as (set by `Authz::require`).
    static AUTHORIZED_AS: std::cell::RefCell<Option<String>>;
}

fn record_authorized(operation_id: &str) {
    let _ = AUTHORIZED_AS.try_with(|cell| *cell.borrow_mut() = Some(operation_id.to_string()));
}

/// Runs a request and returns the operation id it was authorized as, if any. The middleware
/// compares it with the operation poem-openapi routed to, so a handler that authorizes under
/// another operation's name fails closed on every request (and in every test).
pub async fn tracking_authorization<F: std::future::Future>(fut: F) -> (F::Output, Option<String>) {
    AUTHORIZED_AS
        .scope(std::cell::RefCell::new(None), async move {
            let out = fut.await;
            let seen = AUTHORIZED_AS.with(|cell| cell.borrow_mut().take());
            (out, seen)
        })
        .await
}
