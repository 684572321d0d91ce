//! The email unsubscribe list on the 003 surface (`/api/email/…`): bare JSON string bodies,
//! addresses compared by mailbox identity, `EmailUnsubscribed` once, mail refused while listed.
//! SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::employees::{employee, jane};

const UNSUBSCRIBE: &str = "/api/email/unsubscribe";
const REMOVE: &str = "/api/email/removeunsubscribe";
const LIST: &str = "/api/email/getunsubscribed";

/// Sends `email` as a bare JSON string, as 003's clients do.
async fn bare(app: &TestApp, method: Method, path: &str, key: &str, email: &str) -> (u16, Value) {
    app.send_raw(method, path, key, &Value::String(email.into()).to_string())
        .await
}

async fn send_code(app: &TestApp, key: &str, id: &Value) -> (u16, Value) {
    app.bpm(
        key,
        json!({"$type": "SendEmployeeReferralCodeCommand", "employeeId": id}),
    )
    .await
}

db_test!(
    async fn an_address_unsubscribed_through_the_api_is_listed_once_and_nothing_is_mailed_to_it(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let e = employee(&app, k, jane("EMP-1")).await;
        let (s, b) = bare(&app, Method::POST, UNSUBSCRIBE, k, "EMP-1+News@Bank.example").await;
        assert_eq!((s, &b["email"], &b["added"]), (200, &json!("emp-1+news@bank.example"), &json!(true)), "{b}");
        // The same mailbox again, spelled differently: already listed, no second event.
        let (s, b) = bare(&app, Method::POST, UNSUBSCRIBE, k, "emp-1@bank.example").await;
        assert_eq!((s, &b["added"]), (200, &json!(false)), "{b}");
        let (_, events) = app.get("/api/v1/events?type=EmailUnsubscribed", k).await;
        assert_eq!(events["data"].as_array().map(Vec::len), Some(1), "{events}");
        let (s, list) = app.get(LIST, k).await;
        assert_eq!((s, list), (200, json!(["emp-1+news@bank.example"])));
        let (_, one) = app.get(&format!("{LIST}?email=EMP-1@bank.example"), k).await;
        assert_eq!(one, json!(["emp-1+news@bank.example"]));
        let (_, none) = app.get(&format!("{LIST}?email=someone@bank.example"), k).await;
        assert_eq!(none, json!([]));
        let (s, b) = send_code(&app, k, &e["id"]).await;
        assert_eq!(s, 422, "{b}");
    }
);

db_test!(
    async fn removing_an_address_lets_mail_go_again_with_either_verb(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let e = employee(&app, k, jane("EMP-1")).await;
        bare(&app, Method::POST, UNSUBSCRIBE, k, "emp-1@bank.example").await;
        let (s, b) = bare(&app, Method::POST, REMOVE, k, "EMP-1@bank.example").await;
        assert_eq!((s, &b["email"], &b["removed"]), (200, &json!("emp-1@bank.example"), &json!(true)), "{b}");
        let (s, b) = bare(&app, Method::DELETE, REMOVE, k, "emp-1@bank.example").await;
        assert_eq!((s, &b["removed"]), (200, &json!(false)), "{b}");
        assert_eq!(app.get(LIST, k).await.1, json!([]));
        let (s, b) = send_code(&app, k, &e["id"]).await;
        assert_eq!(s, 200, "{b}");
        bare(&app, Method::POST, UNSUBSCRIBE, k, "emp-1@bank.example").await;
        let (s, b) = bare(&app, Method::DELETE, REMOVE, k, "emp-1@bank.example").await;
        assert_eq!((s, &b["removed"]), (200, &json!(true)), "{b}");
    }
);

db_test!(
    async fn bad_addresses_another_orgs_list_and_roles(app) {
        let org = app.new_org("Bank").await;
        let other = app.new_org("Other bank").await;
        let k = &org.owner_key;
        let (s, b) = bare(&app, Method::POST, UNSUBSCRIBE, k, "not-an-email").await;
        assert_eq!((s, &b["field"]), (400, &json!("email")), "{b}");
        let (s, b) = app.post(UNSUBSCRIBE, k, json!({"email": "a@b.example"})).await;
        assert_eq!(s, 400, "an object is not the bare string 003 sends: {b}");
        let (s, b) = app.get(&format!("{LIST}?email=nope"), k).await;
        assert_eq!((s, &b["field"]), (400, &json!("email")), "{b}");
        bare(&app, Method::POST, UNSUBSCRIBE, k, "jane@bank.example").await;
        // Another org's list is its own: neither sees nor removes this org's entry.
        assert_eq!(app.get(LIST, &other.owner_key).await.1, json!([]));
        let (_, b) = bare(&app, Method::POST, REMOVE, &other.owner_key, "jane@bank.example").await;
        assert_eq!(b["removed"], false);
        assert_eq!(app.get(LIST, k).await.1, json!(["jane@bank.example"]));
        // Analysts read the list but change nothing; support staff may change it.
        let analyst = app.key(&org, "analyst").await;
        assert_eq!(app.get(LIST, &analyst).await.0, 200);
        assert_eq!(bare(&app, Method::POST, UNSUBSCRIBE, &analyst, "x@bank.example").await.0, 403);
        assert_eq!(bare(&app, Method::DELETE, REMOVE, &analyst, "jane@bank.example").await.0, 403);
        let support = app.key(&org, "support").await;
        assert_eq!(bare(&app, Method::POST, REMOVE, &support, "jane@bank.example").await.0, 200);
    }
);
