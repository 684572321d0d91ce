//! The code lookup and share-link (`/r/{code}`) caches: a change made through this instance to
//! the code, its member, its program or its org shows on the very next request, though the
//! answer was just cached; a change written straight into the database (as another instance
//! would) does not, until this instance writes to the org or the entry expires.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::common::{program_body, sample, Org, TestApp, ADMIN_KEY};

const LOOKUP: &str = "/api/v1/referral-code-records/lookup?code=";

/// Sets one column of the rows matching `filter`, behind this instance's back.
async fn write_elsewhere<E: EntityTrait>(
    app: &TestApp,
    column: E::Column,
    value: impl Into<sea_orm::Value>,
    filter: impl sea_orm::sea_query::IntoCondition,
) {
    E::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(value))
        .filter(filter)
        .exec(app.db.raw())
        .await
        .unwrap();
}

async fn set_code_status_elsewhere(app: &TestApp, code: &str, status: &str) {
    use entities::referral_code::{Column, Entity};
    write_elsewhere::<Entity>(app, Column::Status, status, Column::Code.eq(code)).await;
}

async fn set_program_url_elsewhere(app: &TestApp, program_id: &str, url: &str) {
    use entities::program::{Column, Entity};
    write_elsewhere::<Entity>(app, Column::Url, Some(url), Column::PublicId.eq(program_id)).await;
}

/// An org with a program (destination `https://shop.example.com/join`) and a member with a
/// code; answers (org, program, member).
async fn setup(app: &TestApp) -> (Org, Value, Value) {
    let org = app.new_org("Acme").await;
    let program = app.program(&org.owner_key, program_body("spring")).await;
    let member = app
        .member(
            &org.owner_key,
            json!({"programId": "spring", "firstName": "Jane", "email": "jane@example.com"}),
        )
        .await;
    (org, program, member)
}

/// Follows `/r/{code}` without following the redirect: answers (status, location).
async fn follow(app: &TestApp, code: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .get(format!("{}/r/{code}", app.base))
        .send()
        .await
        .unwrap();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (resp.status().as_u16(), location)
}

async fn update_member(app: &TestApp, org: &Org, member: &Value, changes: Value) {
    let item = json!([{"query": {"primaryInfo": {"memberId": member["id"]}}, "member": changes}]);
    let (s, b) = app.post("/api/members/update", &org.owner_key, item).await;
    assert_eq!(
        (s, &b[0]["resultInfo"]["status"]),
        (200, &json!("Success")),
        "{b}"
    );
}

db_test!(
    async fn a_looked_up_code_shows_its_deactivation_on_the_next_lookup(app) {
        let org = app.new_org("Acme").await;
        let rec = app.code(&org.owner_key, json!({"mentor_id": "usr_1", "code": "JAN-CACH-0001"})).await;
        let lookup = || async { app.get(&format!("{LOOKUP}jan-cach-0001"), &org.owner_key).await.1["status"].clone() };
        assert_eq!(lookup().await, "active");
        set_code_status_elsewhere(&app, "JAN-CACH-0001", "inactive").await;
        assert_eq!(lookup().await, "active", "served from the cache");
        set_code_status_elsewhere(&app, "JAN-CACH-0001", "active").await;
        let (s, b) = app.put(&format!("/api/v1/referral-code-records/{}", rec["id"].as_str().unwrap()), &org.owner_key, json!({"status": "inactive"})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(lookup().await, "inactive", "deactivated here: seen at once");
    }
);

db_test!(
    async fn a_share_link_follows_changes_to_its_member_at_once(app) {
        let (org, program, member) = setup(&app).await;
        let code = member["referralCode"].as_str().unwrap().to_string();
        let (s, target) = follow(&app, &code).await;
        assert_eq!((s, target.as_str()), (302, format!("https://shop.example.com/join?ref={code}").as_str()));
        set_program_url_elsewhere(&app, program["id"].as_str().unwrap(), "https://elsewhere.example.com/").await;
        assert_eq!(follow(&app, &code).await.1, target, "served from the cache");

        update_member(&app, &org, &member, json!({"customOverrideURL": "https://jane.example.com/"})).await;
        assert_eq!(follow(&app, &code).await, (302, format!("https://jane.example.com/?ref={code}")));
        update_member(&app, &org, &member, json!({"disabledFlag": true})).await;
        assert_eq!(follow(&app, &code).await.0, 404, "a disabled member's link stops at once");
        update_member(&app, &org, &member, json!({"disabledFlag": false})).await;
        assert_eq!(follow(&app, &code).await.0, 302);
        let (_, list) = app.get(&format!("/api/members?query={}", member["id"].as_str().unwrap()), &org.owner_key).await;
        assert_eq!(list["members"][0]["views"], 4, "every visit counts, cached or not: {list}");
    }
);

db_test!(
    async fn a_share_link_follows_its_programs_destination_and_its_org_at_once(app) {
        let (org, program, member) = setup(&app).await;
        let code = member["referralCode"].as_str().unwrap().to_string();
        let program_id = program["id"].as_str().unwrap();
        let (_, target) = follow(&app, &code).await;
        set_program_url_elsewhere(&app, program_id, "https://elsewhere.example.com/").await;
        assert_eq!(follow(&app, &code).await.1, target, "served from the cache");

        let mut body = program_body("spring");
        body["url"] = json!("https://new.example.com/join");
        let (s, b) = app.put(&format!("/api/v1/programs/{program_id}"), &org.owner_key, body).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(follow(&app, &code).await, (302, format!("https://new.example.com/join?ref={code}")));

        let (s, _) = app.post(&format!("/api/v1/orgs/{}/disable", org.id), ADMIN_KEY, json!({})).await;
        assert_eq!(s, 200);
        assert_eq!(follow(&app, &code).await.0, 404, "a disabled org's links stop at once");
    }
);

db_test!(
    async fn lookup_and_share_link_hits_are_counted_at_metrics(app) {
        let (org, _, member) = setup(&app).await;
        let code = member["referralCode"].as_str().unwrap();
        let before = (cache_hits(&app, "code_lookup").await, cache_hits(&app, "share_link").await);
        for _ in 0..3 {
            assert_eq!(app.get(&format!("{LOOKUP}{code}"), &org.owner_key).await.0, 200);
            assert_eq!(follow(&app, code).await.0, 302);
        }
        let after = (cache_hits(&app, "code_lookup").await, cache_hits(&app, "share_link").await);
        // The recorder is shared by every test in this binary, so others may add to the counts.
        assert!(after.0 >= before.0 + 2.0, "code_lookup hits {before:?} -> {after:?}");
        assert!(after.1 >= before.1 + 2.0, "share_link hits {before:?} -> {after:?}");
    }
);

/// `vouch_cache_hits_total{cache="…"}` at `/metrics`.
async fn cache_hits(app: &TestApp, cache: &str) -> f64 {
    let series = format!("vouch_cache_hits_total{{cache=\"{cache}\"}} ");
    sample(&app.metrics().await, &series).unwrap_or(0.0)
}
