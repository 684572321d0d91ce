//! Programs: native CRUD and the 003 reads, on SQLite and PostgreSQL.

use crate::common::{
    assert_bad_field, assert_error, assert_rr_bad_field, assert_rr_error, program_body,
};
use serde_json::json;

const BASE: &str = "/api/v1/programs";

db_test!(
    async fn create_program_returns_201_with_defaults_filled(app) {
        let org = app.new_org("Acme").await;
        let (s, p) = app.post(BASE, &org.owner_key, json!({"name": "spring", "promocode": "SPR-@ID@"})).await;
        assert_eq!(s, 201, "{p}");
        assert!(p["id"].as_str().unwrap().starts_with("prog_"));
        assert_eq!(p["title"], "spring");
        assert_eq!(p["type"], "referral");
        assert_eq!(p["currency"], "USD");
        assert_eq!(p["is_active"], true);
        assert_eq!(p["assign_by_default"], false);
        assert_eq!(p["embed_origins"], json!([]));
        let (_, events) = app.get("/api/v1/events?type=ProgramAdd", &org.owner_key).await;
        assert_eq!(events["data"][0]["object_id"], p["id"]);
    }
);

db_test!(
    async fn create_program_returns_400_naming_the_field(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let cases = [
            (json!({"promocode": "A-@ID@"}), "name"),
            (json!({"name": 5, "promocode": "A-@ID@"}), "name"),
            (json!({"name": "a"}), "promocode"),
            (json!({"name": "a", "promocode": "SPRING"}), "promocode"),
            (json!({"name": "a", "promocode": "A-@ID@", "start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}), "end_date"),
            (json!({"name": "a", "promocode": "A-@ID@", "currency": "EURO"}), "currency"),
            (json!({"name": "a", "promocode": "A-@ID@", "url": "javascript:alert(1)"}), "url"),
            (json!({"name": "a", "promocode": "A-@ID@", "embed_origins": ["https://x.example.com/path"]}), "embed_origins[0]"),
            (json!({"name": "a", "promocode": "A-@ID@", "start_date": "soon"}), "start_date"),
            (json!({"name": "a", "promocode": "A-@ID@", "is_active": "yes"}), "is_active"),
        ];
        for (body, field) in cases {
            let (s, b) = app.post(BASE, k, body.clone()).await;
            assert_bad_field(s, &b, field);
        }
        let (_, list) = app.get(BASE, k).await;
        assert_eq!(list["pagination"]["total"], 0, "nothing half-written");
    }
);

db_test!(
    async fn program_names_are_unique_and_one_default_per_project(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        app.program(k, program_body("spring")).await;
        let (s, b) = app.post(BASE, k, program_body("spring")).await;
        assert_error(s, &b, 409, "conflict");
        let default = |name: &str, project: &str| {
            let mut body = program_body(name);
            body["assign_by_default"] = json!(true);
            body["project"] = json!(project);
            body
        };
        app.program(k, default("d1", "hosting")).await;
        let (s, b) = app.post(BASE, k, default("d2", "hosting")).await;
        assert_error(s, &b, 409, "conflict");
        assert!(b["error"]["message"].as_str().unwrap().contains("hosting"), "{b}");
        let other = app.program(k, default("d3", "domains")).await;
        // Turning another program into the project's default conflicts too.
        let (s, b) = app.put(&format!("{BASE}/{}", other["id"].as_str().unwrap()), k, default("d3", "hosting")).await;
        assert_error(s, &b, 409, "conflict");
        // Another org may have its own default for the same project.
        let org2 = app.new_org("Other").await;
        app.program(&org2.owner_key, default("d1", "hosting")).await;
    }
);

db_test!(
    async fn programs_are_read_replaced_and_deleted_within_the_org(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let p = app.program(k, program_body("spring")).await;
        let path = format!("{BASE}/{}", p["id"].as_str().unwrap());
        let (s, got) = app.get(&path, k).await;
        assert_eq!((s, &got), (200, &p));
        let mut body = program_body("spring");
        body["title"] = json!("Spring 2026");
        body["embed_origins"] = json!(["https://partner.example.com"]);
        let (s, updated) = app.put(&path, k, body).await;
        assert_eq!(s, 200, "{updated}");
        assert_eq!(updated["title"], "Spring 2026");
        assert_eq!(updated["embed_origins"], json!(["https://partner.example.com"]));
        let (s, list) = app.get(&format!("{BASE}?limit=1"), k).await;
        assert_eq!((s, &list["pagination"]["total"]), (200, &json!(1)));

        let other = app.new_org("Other").await;
        for (status, body) in [
            app.get(&path, &other.owner_key).await,
            app.put(&path, &other.owner_key, program_body("x")).await,
            app.delete(&path, &other.owner_key).await,
        ] {
            assert_error(status, &body, 404, "not_found");
        }
        let (s, b) = app.get(&format!("{BASE}/nope"), k).await;
        assert_bad_field(s, &b, "id");
        let (s, b) = app.get(&format!("{BASE}?limit=1000"), k).await;
        assert_bad_field(s, &b, "limit");

        let (s, _) = app.delete(&path, k).await;
        assert_eq!(s, 200);
        let (s, b) = app.get(&path, k).await;
        assert_error(s, &b, 404, "not_found");
        let (_, events) = app.get("/api/v1/events?limit=3", k).await;
        let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["ProgramDelete", "ProgramUpdate", "ProgramAdd"]);
    }
);

db_test!(
    async fn a_program_with_members_cannot_be_deleted(app) {
        let org = app.new_org("Acme").await;
        let p = app.program(&org.owner_key, program_body("spring")).await;
        app.member(&org.owner_key, json!({"programId": p["id"], "firstName": "Jane", "email": "jane@example.com"})).await;
        let (s, b) = app.delete(&format!("{BASE}/{}", p["id"].as_str().unwrap()), &org.owner_key).await;
        assert_error(s, &b, 409, "conflict");
    }
);

db_test!(
    async fn an_analyst_reads_programs_but_gets_403_on_writes(app) {
        let org = app.new_org("Acme").await;
        let p = app.program(&org.owner_key, program_body("spring")).await;
        let analyst = app.key(&org, "analyst").await;
        let support = app.key(&org, "support").await;
        let path = format!("{BASE}/{}", p["id"].as_str().unwrap());
        assert_eq!(app.get(&path, &analyst).await.0, 200);
        assert_eq!(app.get("/api/programs", &analyst).await.0, 200);
        for key in [&analyst, &support] {
            let (s, b) = app.post(BASE, key, program_body("x")).await;
            assert_error(s, &b, 403, "forbidden");
            let (s, b) = app.put(&path, key, program_body("x")).await;
            assert_error(s, &b, 403, "forbidden");
            let (s, b) = app.delete(&path, key).await;
            assert_error(s, &b, 403, "forbidden");
        }
    }
);

db_test!(
    async fn the_003_program_reads_use_003_shapes(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        let mut body = program_body("spring");
        body["title"] = json!("Spring Promo");
        body["member_offer"] = json!("$10 for you");
        let p = app.program(k, body).await;
        app.program(k, program_body("autumn")).await;
        let (s, list) = app.get("/api/programs", k).await;
        assert_eq!(s, 200);
        assert_eq!(list["total"], 2);
        assert_eq!(list["offset"], 0);
        let first = &list["programs"][0];
        assert_eq!(first["id"], p["id"]);
        assert_eq!(first["title"], "Spring Promo");
        assert_eq!(first["isActive"], true);
        assert_eq!(first["memberOffer"], "$10 for you");
        assert_eq!(first["directUrl"], "https://shop.example.com/join");
        let (_, window) = app.get("/api/programs?offset=1&count=1", k).await;
        assert_eq!(window["programs"][0]["name"], "autumn");
        assert_eq!(window["total"], 2);
        let (_, one) = app.get("/api/programs?programId=Spring%20Promo", k).await;
        assert_eq!((one["total"].as_u64(), &one["programs"][0]["name"]), (Some(1), &json!("spring")));
        let (s, single) = app.get("/api/program/getsingle?programName=spring", k).await;
        assert_eq!((s, &single["id"]), (200, &p["id"]));
        let (s, b) = app.get("/api/program/getsingle?programName=nope", k).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, b) = app.get("/api/program/getsingle", k).await;
        assert_rr_bad_field(s, &b, "programName");
        let (s, b) = app.get("/api/programs?count=1000", k).await;
        assert_rr_bad_field(s, &b, "count");
        let (s, b) = app.get("/api/programs?offset=-1", k).await;
        assert_rr_bad_field(s, &b, "offset");
        let other = app.new_org("Other").await;
        let (_, theirs) = app.get("/api/programs", &other.owner_key).await;
        assert_eq!(theirs["total"], 0);
        let (s, b) = app.get("/api/program/getsingle?programName=spring", &other.owner_key).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, b) = app.call(reqwest::Method::GET, "/api/programs", None, None).await;
        assert_rr_error(s, &b, 401, "unauthorized");
    }
);
