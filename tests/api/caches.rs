//! In-memory caches. API keys: a revocation or a disabled org on this instance takes effect on
//! the very next request, though the key was just cached; a change this instance does not make
//! (another instance's, here written straight into the database) within the cache TTL.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use vouch::cache::CacheConfig;

use crate::common::{assert_error, config, sample, TestApp, ADMIN_KEY};

const CODES: &str = "/api/v1/referral-code-records";

/// Changes a key's row as another instance would: this instance's cache hears nothing of it.
async fn change_key_elsewhere(
    app: &TestApp,
    key_id: &str,
    column: entities::api_key::Column,
    value: impl Into<sea_orm::Value>,
) {
    entities::api_key::Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(value))
        .filter(entities::api_key::Column::PublicId.eq(key_id))
        .exec(app.db.raw())
        .await
        .unwrap();
}

async fn revoke_elsewhere(app: &TestApp, key_id: &str) {
    change_key_elsewhere(
        app,
        key_id,
        entities::api_key::Column::RevokedAt,
        Some(chrono::Utc::now()),
    )
    .await;
}

/// Makes the key an analyst in the database; while its entry is cached it keeps its old role.
async fn demote_elsewhere(app: &TestApp, key_id: &str) {
    change_key_elsewhere(app, key_id, entities::api_key::Column::Role, "analyst").await;
}

async fn disable_org_elsewhere(app: &TestApp, org_id: &str) {
    entities::org::Entity::update_many()
        .col_expr(
            entities::org::Column::DisabledAt,
            sea_orm::sea_query::Expr::value(Some(chrono::Utc::now())),
        )
        .filter(entities::org::Column::PublicId.eq(org_id))
        .exec(app.db.raw())
        .await
        .unwrap();
}

/// Creates a code record with `key`; answers the status (201 for a developer, 403 for an analyst).
async fn create_code(app: &TestApp, key: &str) -> u16 {
    app.post(
        CODES,
        key,
        json!({"mentor_id": format!("m{}", rand_suffix())}),
    )
    .await
    .0
}

fn rand_suffix() -> String {
    vouch::domain::ids::new_public_id("x")
}

db_test!(
    async fn a_revoked_key_is_refused_on_the_next_request_though_it_was_cached(app) {
        let org = app.new_org("Acme").await;
        let (id, key) = app.key_with_id(&org, "developer").await;
        assert_eq!(create_code(&app, &key).await, 201);
        demote_elsewhere(&app, &id).await;
        assert_eq!(create_code(&app, &key).await, 201, "served from the cache: still a developer");
        let (s, body) = app.delete(&format!("/api/v1/api-keys/{id}"), &org.owner_key).await;
        assert_eq!(s, 200, "{body}");
        let (s, b) = app.get(CODES, &key).await;
        assert_error(s, &b, 401, "unauthorized");
        // The org's other keys are read again, and still work.
        assert_eq!(app.get(CODES, &org.owner_key).await.0, 200);
    }
);

db_test!(
    async fn a_disabled_orgs_keys_are_refused_on_the_next_request_though_they_were_cached(app) {
        let org = app.new_org("Acme").await;
        let other = app.new_org("Other").await;
        assert_eq!(app.get("/api/v1/api-keys", &org.owner_key).await.0, 200);
        assert_eq!(app.get(CODES, &other.owner_key).await.0, 200);
        demote_elsewhere(&app, &org.owner_key_id).await;
        assert_eq!(app.get("/api/v1/api-keys", &org.owner_key).await.0, 200, "served from the cache: still an owner");
        let (s, _) = app.post(&format!("/api/v1/orgs/{}/disable", org.id), ADMIN_KEY, json!({})).await;
        assert_eq!(s, 200);
        let (s, b) = app.get(CODES, &org.owner_key).await;
        assert_error(s, &b, 401, "unauthorized");
        assert_eq!(app.get(CODES, &other.owner_key).await.0, 200, "other orgs are unaffected");
        app.post(&format!("/api/v1/orgs/{}/enable", org.id), ADMIN_KEY, json!({})).await;
        let (s, b) = app.get("/api/v1/api-keys", &org.owner_key).await;
        assert_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn a_change_made_elsewhere_is_served_from_the_cache_until_it_is_made_here(app) {
        let org = app.new_org("Acme").await;
        let (id, key) = app.key_with_id(&org, "analyst").await;
        assert_eq!(app.get(CODES, &key).await.0, 200);
        revoke_elsewhere(&app, &id).await;
        assert_eq!(app.get(CODES, &key).await.0, 200, "another instance's revocation: not seen yet");
        let (s, body) = app.delete(&format!("/api/v1/api-keys/{id}"), &org.owner_key).await;
        assert_eq!((s, body["revoked_at"].is_string()), (200, true), "{body}");
        assert_eq!(app.get(CODES, &key).await.0, 401, "revoking it here again evicts it");

        assert_eq!(app.get(CODES, &org.owner_key).await.0, 200);
        disable_org_elsewhere(&app, &org.id).await;
        assert_eq!(app.get(CODES, &org.owner_key).await.0, 200);
        assert_eq!(app.post(&format!("/api/v1/orgs/{}/disable", org.id), ADMIN_KEY, json!({})).await.0, 200);
        assert_eq!(app.get(CODES, &org.owner_key).await.0, 401, "disabling it here again evicts its keys");
    }
);

db_test!(
    async fn basic_auth_hits_the_cache_only_with_the_keys_own_id(app) {
        let org = app.new_org("Acme").await;
        let (id, key) = app.key_with_id(&org, "developer").await;
        let (other_id, _) = app.key_with_id(&org, "analyst").await;
        let basic = |user: &str| {
            app.client.post(format!("{}{CODES}", app.base)).basic_auth(user, Some(&key)).json(&json!({"mentor_id": rand_suffix()}))
        };
        assert_eq!(basic(&id).send().await.unwrap().status().as_u16(), 201);
        demote_elsewhere(&app, &id).await;
        assert_eq!(basic(&id).send().await.unwrap().status().as_u16(), 201, "served from the cache");
        assert_eq!(basic(&other_id).send().await.unwrap().status().as_u16(), 401, "another id is no hit");
        assert_eq!(basic("key_unknown").send().await.unwrap().status().as_u16(), 401);
    }
);

db_test!(
    async fn key_cache_hits_and_misses_are_counted_at_metrics(app) {
        let org = app.new_org("Acme").await;
        let before = auth_cache_counts(&app).await;
        for _ in 0..3 {
            assert_eq!(app.get(CODES, &org.owner_key).await.0, 200);
        }
        let after = auth_cache_counts(&app).await;
        // The recorder is shared by every test in this binary, so others may add to the counts.
        assert!(after.0 >= before.0 + 2.0, "hits {before:?} -> {after:?}");
        assert!(after.1 >= before.1 + 1.0, "misses {before:?} -> {after:?}");
    }
);

/// `vouch_cache_hits_total` and `vouch_cache_misses_total` of the `auth` cache.
async fn auth_cache_counts(app: &TestApp) -> (f64, f64) {
    let text = app.metrics().await;
    let count = |name: &str| sample(&text, &format!("{name}{{cache=\"auth\"}} ")).unwrap_or(0.0);
    (
        count("vouch_cache_hits_total"),
        count("vouch_cache_misses_total"),
    )
}

fn ttl(ttl_secs: u64) -> vouch::config::Config {
    vouch::config::Config {
        cache: CacheConfig {
            ttl_secs,
            ..CacheConfig::default()
        },
        ..config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_elsewhere_takes_effect_within_the_ttl() {
    let app = TestApp::sqlite_with(ttl(1)).await;
    let org = app.new_org("Acme").await;
    let (id, key) = app.key_with_id(&org, "analyst").await;
    assert_eq!(app.get(CODES, &key).await.0, 200);
    revoke_elsewhere(&app, &id).await;
    assert_eq!(app.get(CODES, &key).await.0, 200, "cached");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        app.get(CODES, &key).await.0,
        401,
        "expired after the 1 s TTL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zero_ttl_turns_the_key_cache_off() {
    let app = TestApp::sqlite_with(ttl(0)).await;
    let org = app.new_org("Acme").await;
    let (id, key) = app.key_with_id(&org, "analyst").await;
    assert_eq!(app.get(CODES, &key).await.0, 200);
    revoke_elsewhere(&app, &id).await;
    assert_eq!(app.get(CODES, &key).await.0, 401);
}
