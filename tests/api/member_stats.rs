//! 003 member statistics (`/api/memberstats/getsingle`). SQLite and PostgreSQL.
//! The figures with referrals and rewards in them are covered where those are created.

use crate::common::{assert_rr_bad_field, assert_rr_error, program_body, Org, TestApp};
use serde_json::{json, Value};

async fn setup(app: &TestApp) -> (Org, Value) {
    let org = app.new_org("Acme").await;
    app.program(&org.owner_key, program_body("spring")).await;
    let m = app
        .member(
            &org.owner_key,
            json!({"programId": "spring", "firstName": "Jane", "email": "jane@example.com",
                   "externalIdentifier": "crm-1", "referralCode": "JANE-1"}),
        )
        .await;
    (org, m)
}

db_test!(
    async fn member_stats_are_found_by_id_email_code_or_external_id_and_start_at_zero(app) {
        let (org, m) = setup(&app).await;
        let id = m["id"].as_str().unwrap();
        for q in [
            format!("query={id}"),
            "query=Jane@Example.com".to_string(),
            "query=jane-1".to_string(),
            "query=crm-1".to_string(),
            format!("memberId={id}"),
        ] {
            let (s, b) = app
                .get(&format!("/api/memberstats/getsingle?{q}"), &org.owner_key)
                .await;
            assert_eq!(s, 200, "{q}: {b}");
            assert_eq!(b["referralsCount"], 0, "{q}");
            assert_eq!(b["rewardsCount"], 0);
            assert_eq!(b["rewardAmountTotal"], 0.0);
            assert_eq!(b["memberViews"], 0);
            assert_eq!(b["currencyCode"], "USD");
            assert_eq!(b["activatedDate"], m["createDt"]);
        }
    }
);

db_test!(
    async fn shares_and_views_are_lifetime_figures_and_null_for_a_shorter_period(app) {
        let (org, _) = setup(&app).await;
        let (s, b) = app
            .get(
                "/api/memberstats/getsingle?query=JANE-1&timePeriod=Last7Days",
                &org.owner_key,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!((&b["memberViews"], &b["memberShares"]), (&Value::Null, &Value::Null));
        assert_eq!(b["referralsCount"], 0);
        let (s, b) = app
            .get("/api/memberstats/getsingle?query=JANE-1&timePeriod=All", &org.owner_key)
            .await;
        assert_eq!((s, &b["memberShares"]), (200, &json!(0)));
    }
);

db_test!(
    async fn member_stats_need_a_query_and_a_known_period(app) {
        let (org, _) = setup(&app).await;
        let (s, b) = app.get("/api/memberstats/getsingle", &org.owner_key).await;
        assert_rr_bad_field(s, &b, "query");
        let (s, _) = app
            .get("/api/memberstats/getsingle?query=JANE-1&timePeriod=Yesterday", &org.owner_key)
            .await;
        assert_eq!(s, 400);
        let (s, b) = app
            .get("/api/memberstats/getsingle?query=nobody@example.com", &org.owner_key)
            .await;
        assert_rr_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn another_orgs_member_is_not_found_and_an_analyst_may_read_stats(app) {
        let (org, m) = setup(&app).await;
        let other = app.new_org("Other").await;
        let id = m["id"].as_str().unwrap();
        let (s, b) = app
            .get(&format!("/api/memberstats/getsingle?query={id}"), &other.owner_key)
            .await;
        assert_rr_error(s, &b, 404, "not_found");
        let analyst = app.key(&org, "analyst").await;
        let (s, _) = app
            .get(&format!("/api/memberstats/getsingle?query={id}"), &analyst)
            .await;
        assert_eq!(s, 200);
    }
);
