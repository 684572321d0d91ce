//! 003 members: create, list, bulk update and remove; promo codes. SQLite and PostgreSQL.

use crate::common::{
    assert_error, assert_rr_bad_field, assert_rr_error, program_body, Org, TestApp,
};
use serde_json::{json, Value};

async fn setup(app: &TestApp) -> (Org, Value) {
    let org = app.new_org("Acme").await;
    let p = app.program(&org.owner_key, program_body("spring")).await;
    (org, p)
}

fn jane(program: &Value) -> Value {
    json!({"programId": program["id"], "firstName": "Jane", "lastName": "Verver", "email": "Jane@Example.com",
           "externalIdentifier": "crm-1", "phone": "+31 6 1234", "customText1Name": "tier", "customText1Value": "gold"})
}

db_test!(
    async fn create_member_returns_201_with_a_code_and_the_003_fields(app) {
        let (org, p) = setup(&app).await;
        let (s, body) = app.post("/api/members?shouldSendEmail=true", &org.owner_key, jane(&p)).await;
        assert_eq!(s, 201, "{body}");
        let m = &body["member"];
        assert!(m["id"].as_str().unwrap().starts_with("mem_"));
        assert_eq!(m["email"], "jane@example.com");
        assert_eq!(m["displayName"], "Jane Verver");
        assert_eq!(m["programId"], p["id"]);
        assert_eq!(m["programName"], "spring");
        assert_eq!(m["status"], "Active");
        assert_eq!(m["customText1Value"], "gold");
        assert_eq!((m["referrals"].as_i64(), m["views"].as_i64(), m["rewardAmountTotal"].as_f64()), (Some(0), Some(0), Some(0.0)));
        let code = m["referralCode"].as_str().unwrap();
        assert!(code.starts_with("JANE-VERV-"), "{code}");
        assert!(m["referralUrl"].as_str().unwrap().ends_with(&format!("/r/{code}")));
        assert!(m["promoCode"].as_str().unwrap().starts_with("SPRING-"));
        // The same code store as the 004 surface.
        let (s, rec) = app.get(&format!("/api/v1/referral-code-records/lookup?code={code}"), &org.owner_key).await;
        assert_eq!((s, &rec["mentor_id"]), (200, &json!("crm-1")));
        let (_, events) = app.get("/api/v1/events?type=MemberAdd", &org.owner_key).await;
        assert_eq!(events["data"][0]["object_id"], m["id"]);
    }
);

db_test!(
    async fn a_given_referral_code_is_used_and_a_taken_one_answers_409(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let mut body = jane(&p);
        body["referralCode"] = json!("jane-2026");
        let m = app.member(k, body).await;
        assert_eq!(m["referralCode"], "JANE-2026");
        let (s, b) = app.post("/api/members", k, json!({"programId": "spring", "firstName": "Bob", "email": "bob@example.com", "referralCode": "JANE-2026"})).await;
        assert_rr_error(s, &b, 409, "conflict");
        let (s, b) = app.post("/api/members", k, json!({"programId": "spring", "firstName": "Bob", "email": "bob@example.com", "referralCode": "bad code"})).await;
        assert_rr_bad_field(s, &b, "referralCode");
        // Nothing half-written: Bob can still be created.
        app.member(k, json!({"programId": "spring", "firstName": "Bob", "email": "bob@example.com"})).await;
    }
);

db_test!(
    async fn emails_are_unique_per_program_and_external_ids_per_org(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        app.member(k, jane(&p)).await;
        let (s, b) = app.post("/api/members", k, json!({"programId": "spring", "firstName": "J", "email": "JANE@example.com"})).await;
        assert_rr_error(s, &b, 409, "conflict");
        assert!(b["message"].as_str().unwrap().contains("email"), "{b}");
        let (s, b) = app.post("/api/members", k, json!({"programId": "spring", "firstName": "J", "email": "j2@example.com", "externalIdentifier": "crm-1"})).await;
        assert_rr_error(s, &b, 409, "conflict");
        assert!(b["message"].as_str().unwrap().contains("externalIdentifier"), "{b}");
        app.program(k, program_body("autumn")).await;
        app.member(k, json!({"programId": "autumn", "firstName": "Jane", "email": "jane@example.com"})).await;
    }
);

db_test!(
    async fn create_member_returns_400_naming_the_field(app) {
        let (org, _) = setup(&app).await;
        let k = &org.owner_key;
        let cases = [
            (json!({"programId": "spring", "email": "a@example.com"}), "firstName"),
            (json!({"programId": "spring", "firstName": "A"}), "email"),
            (json!({"programId": "spring", "firstName": "A", "email": "not-an-email"}), "email"),
            (json!({"programId": "spring", "firstName": 7, "email": "a@example.com"}), "firstName"),
            (json!({"programId": "nope", "firstName": "A", "email": "a@example.com"}), "programId"),
            (json!({"firstName": "A", "email": "a@example.com"}), "programId"),
            (json!({"programId": "spring", "firstName": "A", "email": "a@example.com", "customOverrideURL": "ftp://x"}), "customOverrideURL"),
            (json!({"programId": "spring", "firstName": "A", "email": "a@example.com", "disabledFlag": "no"}), "disabledFlag"),
        ];
        for (body, field) in cases {
            let (s, b) = app.post("/api/members", k, body).await;
            assert_rr_bad_field(s, &b, field);
        }
        let (_, list) = app.get("/api/members", k).await;
        assert_eq!(list["total"], 0);
    }
);

db_test!(
    async fn the_default_program_is_used_when_none_is_named(app) {
        let org = app.new_org("Acme").await;
        let mut body = program_body("main");
        body["assign_by_default"] = json!(true);
        let p = app.program(&org.owner_key, body).await;
        let m = app.member(&org.owner_key, json!({"firstName": "A", "email": "a@example.com"})).await;
        assert_eq!(m["programId"], p["id"]);
    }
);

db_test!(
    async fn list_members_filters_sorts_and_pages(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let a = app.member(k, json!({"programId": "spring", "firstName": "Anna", "email": "anna@example.com"})).await;
        let c = app.member(k, json!({"programId": "spring", "firstName": "Cleo", "email": "cleo@example.com", "externalIdentifier": "ext-c"})).await;
        let b = app.member(k, json!({"programId": "spring", "firstName": "Bert", "email": "bert@example.com", "disabledFlag": true})).await;
        app.program(k, program_body("autumn")).await;
        app.member(k, json!({"programId": "autumn", "firstName": "Dora", "email": "dora@example.com"})).await;

        let names = |list: &Value| -> Vec<String> {
            list["members"].as_array().unwrap().iter().map(|m| m["firstName"].as_str().unwrap().to_string()).collect()
        };
        let (s, list) = app.get(&format!("/api/members?programId={}", p["id"].as_str().unwrap()), k).await;
        assert_eq!(s, 200);
        assert_eq!((names(&list), &list["total"], &list["offset"]), (vec!["Cleo".to_string(), "Anna".into()], &json!(2), &json!(0)));
        let (_, list) = app.get("/api/members?programId=spring&showDisabled=true&sort=Member_Full_Name_Asc", k).await;
        assert_eq!(names(&list), ["Anna", "Bert", "Cleo"]);
        let (_, list) = app.get("/api/members?sort=Create_Dt_Asc&count=2&offset=1", k).await;
        assert_eq!(names(&list), ["Cleo", "Dora"]);
        assert_eq!(list["total"], 3);
        for sort in ["Member_Full_Name_Desc", "Lead_Count_Asc", "Lead_Count_Desc", "Reward_Issued_Total_Asc", "Reward_Issued_Total_Desc", "Create_Dt_Desc"] {
            let (s, list) = app.get(&format!("/api/members?sort={sort}"), k).await;
            assert_eq!((s, &list["total"]), (200, &json!(3)), "{sort}");
        }
        for q in [a["email"].as_str().unwrap(), a["id"].as_str().unwrap(), "ext-c", c["referralCode"].as_str().unwrap()] {
            let (_, list) = app.get(&format!("/api/members?query={q}&showDisabled=true"), k).await;
            assert_eq!(list["total"], 1, "query {q}: {list}");
        }
        let (_, list) = app.get(&format!("/api/members?query={}", b["email"].as_str().unwrap()), k).await;
        assert_eq!(list["total"], 0, "disabled members hide unless showDisabled");
        let (_, list) = app.get("/api/members?dateFrom=2000-01-01&dateTo=2000-12-31", k).await;
        assert_eq!(list["total"], 0);
        let (_, list) = app.get("/api/members?dateFrom=2000-01-01", k).await;
        assert_eq!(list["total"], 3);

        for (query, field) in [("count=0", "count"), ("count=101", "count"), ("offset=-1", "offset"), ("sort=Newest", "sort"),
                               ("dateFrom=yesterday", "dateFrom"), ("dateFrom=-5000-01-01", "dateFrom"), ("programId=nope", "programId"), ("showDisabled=maybe", "showDisabled")] {
            let (s, b) = app.get(&format!("/api/members?{query}"), k).await;
            assert_rr_bad_field(s, &b, field);
        }
        let other = app.new_org("Other").await;
        let (_, theirs) = app.get("/api/members", &other.owner_key).await;
        assert_eq!(theirs["total"], 0);
    }
);

db_test!(
    async fn bulk_update_answers_each_item_on_its_own(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        // Two programs share a title, so a query by that title is ambiguous.
        let mut twin = program_body("twin-a");
        twin["title"] = json!("Twins");
        app.program(k, twin.clone()).await;
        twin["name"] = json!("twin-b");
        app.program(k, twin).await;
        let jane = app.member(k, jane(&p)).await;
        app.member(k, json!({"programId": "twin-a", "firstName": "T", "email": "t@example.com"})).await;
        app.member(k, json!({"programId": "twin-b", "firstName": "T", "email": "t@example.com"})).await;
        let other = app.new_org("Other").await;
        let foreign = app.program(&other.owner_key, program_body("spring")).await;
        let foreign_member = app.member(&other.owner_key, json!({"programId": foreign["id"], "firstName": "F", "email": "f@example.com"})).await;

        let items = json!([
            {"query": {"primaryInfo": {"memberId": jane["id"]}}, "member": {"lastName": "Updated", "city": "Utrecht"}},
            {"query": {"secondaryInfo": {"email": "t@example.com"}, "tertiaryInfo": {"programTitle": "Twins"}}, "member": {"city": "X"}},
            {"query": {"secondaryInfo": {"email": "nobody@example.com"}, "tertiaryInfo": {"programName": "spring"}}, "member": {"city": "X"}},
            {"query": {"secondaryInfo": {"email": "jane@example.com"}}, "member": {"city": "X"}},
            {"query": {"primaryInfo": {"referralCode": jane["referralCode"]}}, "member": {"email": "not-an-email"}},
            {"query": {"primaryInfo": {"memberId": foreign_member["id"]}}, "member": {"city": "X"}},
            {"query": {"secondaryInfo": {"externalIdentifier": "crm-1"}, "tertiaryInfo": {"programId": p["id"]}}, "member": {"disabledFlag": true}}
        ]);
        let (s, results) = app.post("/api/members/update", k, items).await;
        assert_eq!(s, 200, "{results}");
        let statuses: Vec<&str> = results.as_array().unwrap().iter().map(|r| r["resultInfo"]["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Success", "Ambiguous", "NotFound", "InvalidQuery", "Failed", "NotFound", "Success"]);
        assert_eq!(results[0]["member"]["lastName"], "Updated");
        assert_eq!(results[0]["member"]["city"], "Utrecht");
        assert_eq!(results[0]["query"]["primaryInfo"]["memberId"], jane["id"], "the query is echoed");
        assert_eq!(results[6]["member"]["status"], "Disabled");
        assert!(results[4]["resultInfo"]["message"].as_str().unwrap().contains("email"));
        let (_, them) = app.get("/api/members?query=t@example.com", k).await;
        assert!(them["members"].as_array().unwrap().iter().all(|m| m["city"].is_null()), "ambiguous items change nothing");
        let (_, f) = app.get("/api/members", &other.owner_key).await;
        assert!(f["members"][0]["city"].is_null(), "another org's member is untouched");
        let (_, events) = app.get("/api/v1/events?type=MemberUpdate", k).await;
        assert_eq!(events["pagination"]["total"], 2);

        let (s, b) = app.post("/api/members/update", k, json!([])).await;
        assert_rr_bad_field(s, &b, "body");
        let (s, b) = app.post("/api/members/update", k, json!({"query": {}})).await;
        assert_rr_bad_field(s, &b, "body");
    }
);

db_test!(
    async fn removing_members_keeps_history_and_leaves_the_lists(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let jane = app.member(k, jane(&p)).await;
        let bob = app.member(k, json!({"programId": "spring", "firstName": "Bob", "email": "bob@example.com"})).await;
        let items = json!([
            {"query": {"primaryInfo": {"memberId": jane["id"]}}},
            {"query": {"primaryInfo": {"memberId": "mem_unknown"}}},
            {"query": {}}
        ]);
        let (s, results) = app.call(reqwest::Method::DELETE, "/api/members/remove", Some(k), Some(items)).await;
        assert_eq!(s, 200, "{results}");
        let statuses: Vec<&str> = results.as_array().unwrap().iter().map(|r| r["resultInfo"]["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Success", "NotFound", "InvalidQuery"]);
        assert_eq!(results[0]["member"]["status"], "Removed");

        let (_, list) = app.get("/api/members?showDisabled=true", k).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["members"][0]["id"], bob["id"]);
        // The code stays on record, inactive, so attribution history survives.
        let code = jane["referralCode"].as_str().unwrap();
        let (s, rec) = app.get(&format!("/api/v1/referral-code-records/lookup?code={code}"), k).await;
        assert_eq!((s, &rec["status"]), (200, &json!("inactive")));
        let (_, events) = app.get("/api/v1/events?type=MemberDelete", k).await;
        assert_eq!(events["data"][0]["object_id"], jane["id"]);
        // A second removal finds nothing; POST works like DELETE.
        let (_, again) = app.post("/api/members/remove", k, json!([{"query": {"primaryInfo": {"memberId": jane["id"]}}}])).await;
        assert_eq!(again[0]["resultInfo"]["status"], "NotFound");
        // The email is free again within the program.
        app.member(k, json!({"programId": "spring", "firstName": "Jane", "email": "jane@example.com"})).await;
    }
);

db_test!(
    async fn promo_codes_follow_the_program_template_and_resolve_to_the_member(app) {
        let (org, p) = setup(&app).await;
        let k = &org.owner_key;
        let m = app.member(k, jane(&p)).await;
        let promo = m["promoCode"].as_str().unwrap();
        let (s, found) = app.get(&format!("/api/v1/promo-codes/{}", promo.to_lowercase()), k).await;
        assert_eq!(s, 200, "{found}");
        assert_eq!(found["member_id"], m["id"]);
        assert_eq!(found["promo_code"], promo);
        let (s, b) = app.get("/api/v1/promo-codes/SPRING-999999", k).await;
        assert_error(s, &b, 404, "not_found");
        let other = app.new_org("Other").await;
        let (s, b) = app.get(&format!("/api/v1/promo-codes/{promo}"), &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
    }
);

db_test!(
    async fn an_analyst_lists_members_but_gets_403_on_writes(app) {
        let (org, p) = setup(&app).await;
        let analyst = app.key(&org, "analyst").await;
        let jane = app.member(&org.owner_key, jane(&p)).await;
        assert_eq!(app.get("/api/members", &analyst).await.0, 200);
        let (s, b) = app.post("/api/members", &analyst, json!({"programId": "spring", "firstName": "A", "email": "a@example.com"})).await;
        assert_rr_error(s, &b, 403, "forbidden");
        let q = json!([{"query": {"primaryInfo": {"memberId": jane["id"]}}, "member": {"city": "X"}}]);
        let (s, b) = app.post("/api/members/update", &analyst, q.clone()).await;
        assert_rr_error(s, &b, 403, "forbidden");
        let (s, b) = app.post("/api/members/remove", &analyst, q).await;
        assert_rr_error(s, &b, 403, "forbidden");
        let support = app.key(&org, "support").await;
        let (s, _) = app.post("/api/members", &support, json!({"programId": "spring", "firstName": "S", "email": "s@example.com"})).await;
        assert_eq!(s, 201, "support staff may add members");
        let (s, b) = app.call(reqwest::Method::GET, "/api/members", Some("vk_wrong"), None).await;
        assert_rr_error(s, &b, 401, "unauthorized");
        let (s, b) = app.post("/api/v1/promo-codes/x", &analyst, json!({})).await;
        assert_eq!(s, 405, "{b}");
    }
);
