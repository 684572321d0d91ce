//! Member access URLs, the partner pages and share links. SQLite and PostgreSQL.

use crate::common::{
    assert_bad_field, assert_error, assert_rr_bad_field, assert_rr_error, program_body, Org,
    TestApp,
};
use serde_json::{json, Value};

struct Page {
    status: u16,
    csp: String,
    referrer_policy: String,
    body: String,
}

async fn page(app: &TestApp, url: &str) -> Page {
    let resp = app.client.get(url).send().await.unwrap();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (csp, referrer_policy) = (header("content-security-policy"), header("referrer-policy"));
    Page {
        status: resp.status().as_u16(),
        csp,
        referrer_policy,
        body: resp.text().await.unwrap(),
    }
}

async fn setup(app: &TestApp) -> (Org, Value) {
    let org = app.new_org("Acme").await;
    let mut body = program_body("spring");
    body["title"] = json!("Spring <b>Promo</b>");
    body["embed_origins"] = json!([
        "https://partner.example.com",
        "https://shop.example.com:8443"
    ]);
    app.program(&org.owner_key, body).await;
    let member = app
        .member(
            &org.owner_key,
            json!({"programId": "spring", "firstName": "<script>alert(1)</script>", "lastName": "Doe",
                   "email": "jane@example.com", "externalIdentifier": "crm-1"}),
        )
        .await;
    (org, member)
}

async fn urls(app: &TestApp, key: &str, member_query: Value) -> Value {
    let (s, body) = app
        .post(
            "/api/memberaccessurls",
            key,
            json!({"memberQuery": member_query, "expireInMinutes": 60}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    body
}

db_test!(
    async fn access_urls_answer_every_link_for_exactly_one_identifier(app) {
        let (org, m) = setup(&app).await;
        let k = &org.owner_key;
        let code = m["referralCode"].as_str().unwrap();
        for query in [json!({"memberId": m["id"]}), json!({"referralCode": code.to_lowercase()}), json!({"email": "JANE@example.com"}),
                      json!({"emailAddress": "jane@example.com"}), json!({"externalId": "crm-1"})] {
            let u = urls(&app, k, query.clone()).await;
            assert_eq!(u["referralCode"], code, "{query}");
            for field in ["shareUrl", "webShareUrl", "smsShareUrl", "whatsAppShareUrl", "shareEmbedUrl", "fullEmbedUrl", "portalUrl", "expiresAt", "accessTokenId"] {
                assert!(u[field].is_string(), "{field} missing for {query}: {u}");
            }
            assert!(u["shareUrl"].as_str().unwrap().ends_with(&format!("/r/{code}")));
            assert_eq!(u["webShareUrl"], format!("https://shop.example.com/join?ref={code}").as_str());
            assert!(u["smsShareUrl"].as_str().unwrap().starts_with("sms:"));
            assert!(u["whatsAppShareUrl"].as_str().unwrap().starts_with("https://wa.me/?text="));
            assert!(u["shareEmbedUrl"].as_str().unwrap().contains("/widget/"));
            assert!(u["portalUrl"].as_str().unwrap().contains("/portal/"));
        }
        let (_, events) = app.get("/api/v1/events?type=AccessTokenAdd&limit=1", k).await;
        assert_eq!(events["data"][0]["payload"]["member_id"], m["id"], "granting access is an event");
        // The deprecated alias answers the same shape.
        let (s, old) = app.post("/api/memberaccess", k, json!({"memberQuery": {"memberId": m["id"]}})).await;
        assert_eq!((s, &old["referralCode"]), (200, &json!(code)));
    }
);

db_test!(
    async fn access_urls_refuse_bad_queries_and_other_orgs_members(app) {
        let (org, m) = setup(&app).await;
        let k = &org.owner_key;
        let (s, b) = app.post("/api/memberaccessurls", k, json!({"memberQuery": {}})).await;
        assert_rr_bad_field(s, &b, "memberQuery");
        let (s, b) = app.post("/api/memberaccessurls", k, json!({"memberQuery": {"memberId": m["id"], "externalId": "crm-1"}})).await;
        assert_rr_bad_field(s, &b, "memberQuery");
        for minutes in [0, 43201] {
            let (s, b) = app.post("/api/memberaccessurls", k, json!({"memberQuery": {"memberId": m["id"]}, "expireInMinutes": minutes})).await;
            assert_rr_bad_field(s, &b, "expireInMinutes");
        }
        let (s, b) = app.post("/api/memberaccessurls", k, json!({"memberQuery": {"memberId": m["id"]}, "expireInMinutes": "soon"})).await;
        assert_rr_bad_field(s, &b, "expireInMinutes");
        let (s, b) = app.post("/api/memberaccessurls", k, json!({"memberQuery": {"memberId": "mem_unknown"}})).await;
        assert_rr_error(s, &b, 404, "not_found");
        let other = app.new_org("Other").await;
        let (s, b) = app.post("/api/memberaccessurls", &other.owner_key, json!({"memberQuery": {"memberId": m["id"]}})).await;
        assert_rr_error(s, &b, 404, "not_found");
        let (s, b) = app.post("/api/memberaccessurls", &other.owner_key, json!({"memberQuery": {"referralCode": m["referralCode"]}})).await;
        assert_rr_error(s, &b, 404, "not_found");
        let analyst = app.key(&org, "analyst").await;
        let (s, b) = app.post("/api/memberaccessurls", &analyst, json!({"memberQuery": {"memberId": m["id"]}})).await;
        assert_rr_error(s, &b, 403, "forbidden");
    }
);

db_test!(
    async fn the_portal_and_widget_render_escaped_member_data_with_a_framing_policy(app) {
        let (org, m) = setup(&app).await;
        let u = urls(&app, &org.owner_key, json!({"memberId": m["id"]})).await;
        for url in [u["portalUrl"].as_str().unwrap(), u["shareEmbedUrl"].as_str().unwrap()] {
            let p = page(&app, url).await;
            assert_eq!(p.status, 200, "{url}");
            assert!(!p.body.contains("<script>alert(1)"), "unescaped member name in {url}");
            assert!(!p.body.contains("<b>Promo"), "unescaped program title in {url}");
            assert!(p.body.contains("&lt;b&gt;Promo"), "{}", p.body);
            assert!(p.body.contains(m["referralCode"].as_str().unwrap()));
            // minijinja escapes `/` as `&#x2f;` inside attribute values.
            let share = u["shareUrl"].as_str().unwrap().replace('/', "&#x2f;");
            assert!(p.body.contains(&share), "{}", p.body);
            assert!(p.csp.contains("frame-ancestors https://partner.example.com https://shop.example.com:8443"), "{}", p.csp);
            assert!(p.csp.contains("default-src 'none'"));
            assert_eq!(p.referrer_policy, "no-referrer");
        }
        let portal = page(&app, u["portalUrl"].as_str().unwrap()).await;
        assert!(portal.body.contains("Referrals"), "the portal shows counts");
    }
);

db_test!(
    async fn a_program_without_embed_origins_forbids_framing(app) {
        let org = app.new_org("Acme").await;
        app.program(&org.owner_key, program_body("plain")).await;
        let m = app.member(&org.owner_key, json!({"programId": "plain", "firstName": "A", "email": "a@example.com"})).await;
        let u = urls(&app, &org.owner_key, json!({"memberId": m["id"]})).await;
        let p = page(&app, u["portalUrl"].as_str().unwrap()).await;
        assert!(p.csp.contains("frame-ancestors 'none'"), "{}", p.csp);
    }
);

db_test!(
    async fn embed_origins_are_https_hosts_of_dns_characters_only(app) {
        let org = app.new_org("Acme").await;
        let k = &org.owner_key;
        // Anything a Content-Security-Policy gives meaning to is refused, naming the value.
        for bad in ["https://*", "https://a.example;sandbox", "https://x'unsafe-inline'", "http://shop.example",
                    "https://a.example https://b.example", "https://a.example/path", "*"] {
            let mut body = program_body("p");
            body["embed_origins"] = json!(["https://ok.example", bad]);
            let (s, b) = app.post("/api/v1/programs", k, body).await;
            assert_bad_field(s, &b, "embed_origins[1]");
            let message = b["error"]["message"].as_str().unwrap();
            assert!(message.starts_with("embed_origins[1]: ") && message.contains(bad), "{message}");
        }
        let mut body = program_body("p");
        body["embed_origins"] = json!(["http://localhost:3000", "https://Shop.Example.com:443", "http://127.0.0.1:8080"]);
        let p = app.program(k, body).await;
        assert_eq!(p["embed_origins"], json!(["http://localhost:3000", "https://shop.example.com", "http://127.0.0.1:8080"]));
        // An update is held to the same rule, and a refused one changes nothing.
        let path = format!("/api/v1/programs/{}", p["id"].as_str().unwrap());
        let mut body = program_body("p");
        body["embed_origins"] = json!(["https://*"]);
        let (s, b) = app.put(&path, k, body).await;
        assert_bad_field(s, &b, "embed_origins[0]");
        let (_, now) = app.get(&path, k).await;
        assert_eq!(now["embed_origins"][0], "http://localhost:3000");
        let m = app.member(k, json!({"programId": "p", "firstName": "A", "email": "a@example.com"})).await;
        let u = urls(&app, k, json!({"memberId": m["id"]})).await;
        let page = page(&app, u["portalUrl"].as_str().unwrap()).await;
        assert!(page.csp.ends_with("frame-ancestors http://localhost:3000 https://shop.example.com http://127.0.0.1:8080"), "{}", page.csp);
    }
);

db_test!(
    async fn expired_and_revoked_tokens_show_the_link_expired_page(app) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let (org, m) = setup(&app).await;
        let k = &org.owner_key;
        // Expired: move the expiry into the past, as time would.
        let expiring = urls(&app, k, json!({"memberId": m["id"]})).await;
        entities::access_token::Entity::update_many()
            .col_expr(entities::access_token::Column::ExpiresAt, sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)))
            .filter(entities::access_token::Column::PublicId.eq(expiring["accessTokenId"].as_str().unwrap()))
            .exec(app.db.raw())
            .await
            .unwrap();
        let p = page(&app, expiring["portalUrl"].as_str().unwrap()).await;
        assert_eq!(p.status, 410);
        assert!(p.body.contains("expired"), "{}", p.body);

        // Revoked one by one.
        let one = urls(&app, k, json!({"memberId": m["id"]})).await;
        let (s, _) = app.delete(&format!("/api/v1/access-tokens/{}", one["accessTokenId"].as_str().unwrap()), k).await;
        assert_eq!(s, 200);
        assert_eq!(page(&app, one["shareEmbedUrl"].as_str().unwrap()).await.status, 410);

        // Revoked all at once; a new token afterwards works.
        let a = urls(&app, k, json!({"memberId": m["id"]})).await;
        let b = urls(&app, k, json!({"memberId": m["id"]})).await;
        let (s, revoked) = app.post(&format!("/api/v1/members/{}/access-tokens/revoke", m["id"].as_str().unwrap()), k, json!({})).await;
        assert_eq!((s, &revoked["revoked"]), (200, &json!(2)));
        assert_eq!(page(&app, a["portalUrl"].as_str().unwrap()).await.status, 410);
        assert_eq!(page(&app, b["portalUrl"].as_str().unwrap()).await.status, 410);
        let fresh = urls(&app, k, json!({"memberId": m["id"]})).await;
        assert_eq!(page(&app, fresh["portalUrl"].as_str().unwrap()).await.status, 200);

        // Unknown tokens are a plain 404; removed members' links expire.
        assert_eq!(page(&app, &format!("{}/portal/{}", app.base, "x".repeat(43))).await.status, 404);
        app.post("/api/members/remove", k, json!([{"query": {"primaryInfo": {"memberId": m["id"]}}}])).await;
        assert_eq!(page(&app, fresh["portalUrl"].as_str().unwrap()).await.status, 410);
    }
);

db_test!(
    async fn a_disabled_members_pages_expire_and_get_no_new_access_urls(app) {
        let (org, m) = setup(&app).await;
        let k = &org.owner_key;
        let u = urls(&app, k, json!({"memberId": m["id"]})).await;
        let set_disabled = |disabled: bool| {
            app.post("/api/members/update", k, json!([{"query": {"primaryInfo": {"memberId": m["id"]}}, "member": {"disabledFlag": disabled}}]))
        };
        let (s, b) = set_disabled(true).await;
        assert_eq!((s, &b[0]["resultInfo"]["status"]), (200, &json!("Success")), "{b}");
        for url in [u["portalUrl"].as_str().unwrap(), u["shareEmbedUrl"].as_str().unwrap()] {
            let p = page(&app, url).await;
            assert_eq!(p.status, 410, "{url}");
            assert!(p.body.contains("expired"), "{}", p.body);
            assert!(!p.body.contains(m["referralCode"].as_str().unwrap()), "nothing of the member shows");
        }
        for path in ["/api/memberaccessurls", "/api/memberaccess"] {
            for query in [json!({"memberId": m["id"]}), json!({"email": "jane@example.com"}), json!({"referralCode": m["referralCode"]})] {
                let (s, b) = app.post(path, k, json!({"memberQuery": query})).await;
                assert_rr_error(s, &b, 409, "conflict");
                assert!(b["message"].as_str().unwrap().contains("disabled"), "{b}");
            }
        }
        // Enabled again, the existing links work again (they were never revoked).
        set_disabled(false).await;
        assert_eq!(page(&app, u["portalUrl"].as_str().unwrap()).await.status, 200);
        urls(&app, k, json!({"memberId": m["id"]})).await;
    }
);

db_test!(
    async fn token_revocation_is_scoped_to_the_org_and_role(app) {
        let (org, m) = setup(&app).await;
        let u = urls(&app, &org.owner_key, json!({"memberId": m["id"]})).await;
        let token_path = format!("/api/v1/access-tokens/{}", u["accessTokenId"].as_str().unwrap());
        let member_path = format!("/api/v1/members/{}/access-tokens/revoke", m["id"].as_str().unwrap());
        let other = app.new_org("Other").await;
        let (s, b) = app.delete(&token_path, &other.owner_key).await;
        assert_error(s, &b, 404, "not_found");
        let (s, b) = app.post(&member_path, &other.owner_key, json!({})).await;
        assert_error(s, &b, 404, "not_found");
        let analyst = app.key(&org, "analyst").await;
        let (s, b) = app.delete(&token_path, &analyst).await;
        assert_error(s, &b, 403, "forbidden");
        let (s, b) = app.delete("/api/v1/access-tokens/bad", &org.owner_key).await;
        assert_eq!((s, &b["error"]["details"]["field"]), (400, &json!("id")));
        assert_eq!(page(&app, u["portalUrl"].as_str().unwrap()).await.status, 200, "still valid");
    }
);

db_test!(
    async fn share_links_count_a_view_and_redirect_with_the_code(app) {
        let (org, m) = setup(&app).await;
        let code = m["referralCode"].as_str().unwrap();
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let resp = client.get(format!("{}/r/{}", app.base, code.to_lowercase())).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 302);
        assert_eq!(resp.headers()["location"].to_str().unwrap(), format!("https://shop.example.com/join?ref={code}"));
        client.get(format!("{}/r/{code}", app.base)).send().await.unwrap();
        let (_, list) = app.get(&format!("/api/members?query={}", m["id"].as_str().unwrap()), &org.owner_key).await;
        assert_eq!(list["members"][0]["views"], 2);

        for missing in ["NOPE-1234", "bad code", "ab"] {
            let resp = client.get(format!("{}/r/{missing}", app.base)).send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 404, "{missing}");
            assert!(resp.text().await.unwrap().contains("Link not found"));
        }
        // An inactive code no longer redirects.
        let (_, rec) = app.get(&format!("/api/v1/referral-code-records/lookup?code={code}"), &org.owner_key).await;
        app.put(&format!("/api/v1/referral-code-records/{}", rec["id"].as_str().unwrap()), &org.owner_key, json!({"status": "inactive"})).await;
        let resp = client.get(format!("{}/r/{code}", app.base)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 404);
    }
);
