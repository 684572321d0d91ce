//! Dynamic filters on the employee list: every documented path and operator, one test each,
//! and values that look like SQL. SQLite and PostgreSQL.

use crate::common::TestApp;
use crate::employees::{assert_bpm_error, employee};
use serde_json::{json, Value};

/// Three employees with distinct values; answers the key and A's id.
async fn three(app: &TestApp) -> (String, Value) {
    let org = app.new_org("Bank").await;
    let k = org.owner_key.clone();
    let a = employee(app, &k, json!({"$type": "CreateEmployeeCommand", "staffId": "EMP-A", "email": "ada@bank.example",
        "firstName": "Ada", "lastName": "Obi", "middleName": "K", "title": "Dr", "branch": "Lagos", "role": "Teller",
        "isAccountOfficer": true, "contactDetails": {"mobile": "+234-1"}})).await;
    employee(
        app,
        &k,
        json!({"$type": "CreateEmployeeCommand", "staffId": "EMP-B", "email": "bola@bank.example",
        "firstName": "Bola", "lastName": "Ade", "title": "Mr", "branch": "Abuja", "role": "Manager",
        "canReferCustomer": false, "isEnabled": false}),
    )
    .await;
    employee(app, &k, json!({"$type": "CreateEmployeeCommand", "staffId": "EMP-C", "email": "chi@other.example",
        "firstName": "Chi", "lastName": "Eze", "middleName": "N", "branch": "Lagos Island", "role": "Officer",
        "contactDetails": {"mobile": "+234-3"}})).await;
    (k, a)
}

/// The staff ids one filter matches, sorted.
async fn matched(app: &TestApp, key: &str, filter: Value) -> Vec<String> {
    let (s, b) = app
        .bpm(
            key,
            json!({"$type": "RetrieveEmployeesListQuery", "pageSize": 100, "filters": [filter]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let mut ids: Vec<String> = b["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["staffId"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

macro_rules! filter_test {
    ($name:ident, $field:expr, $op:expr, $value:expr, [$($want:expr),*]) => {
        db_test!(
            async fn $name(app) {
                let (k, _) = three(&app).await;
                let got = matched(&app, &k, json!({"field": $field, "operator": $op, "value": $value})).await;
                let want: Vec<&str> = vec![$($want),*];
                assert_eq!(got, want);
            }
        );
    };
}

db_test!(
    async fn path_id_matches_the_numeric_id(app) {
        let (k, a) = three(&app).await;
        assert_eq!(matched(&app, &k, json!({"field": "Id", "operator": "equals", "value": a["id"]})).await, ["EMP-A"]);
    }
);

filter_test!(
    path_staff_id_ignores_case,
    "StaffId",
    "equals",
    "emp-b",
    ["EMP-B"]
);
filter_test!(path_first_name, "firstname", "equals", "ada", ["EMP-A"]);
filter_test!(path_last_name, "LastName", "equals", "EZE", ["EMP-C"]);
filter_test!(path_middle_name, "MiddleName", "isnull", true, ["EMP-B"]);
filter_test!(path_title, "Title", "equals", "dr", ["EMP-A"]);
filter_test!(path_branch, "Branch", "equals", "lagos", ["EMP-A"]);
filter_test!(path_role, "Role", "equals", "manager", ["EMP-B"]);
filter_test!(
    path_contact_email,
    "EmployeeContact.Email",
    "equals",
    "Chi@Other.example",
    ["EMP-C"]
);
filter_test!(
    path_contact_mobile,
    "EmployeeContact.Mobile",
    "isnull",
    false,
    ["EMP-A", "EMP-C"]
);
filter_test!(path_is_enabled, "IsEnabled", "equals", false, ["EMP-B"]);
filter_test!(
    path_is_account_officer,
    "IsAccountOfficer",
    "equals",
    "true",
    ["EMP-A"]
);
filter_test!(
    path_can_refer_customer,
    "CanReferCustomer",
    "equals",
    false,
    ["EMP-B"]
);
filter_test!(path_created_at, "CreatedAt", "lessthan", "2020-01-01", []);

filter_test!(operator_equals, "Branch", "equals", "Abuja", ["EMP-B"]);
filter_test!(
    operator_notequals_includes_empty_values,
    "Title",
    "notequals",
    "Dr",
    ["EMP-B", "EMP-C"]
);
filter_test!(
    operator_contains,
    "Branch",
    "contains",
    "lagos",
    ["EMP-A", "EMP-C"]
);
filter_test!(
    operator_startswith,
    "StaffId",
    "StartsWith",
    "emp-",
    ["EMP-A", "EMP-B", "EMP-C"]
);
filter_test!(
    operator_endswith,
    "EmployeeContact.Email",
    "endswith",
    "@bank.example",
    ["EMP-A", "EMP-B"]
);
filter_test!(
    operator_in_takes_an_array,
    "StaffId",
    "in",
    ["EMP-A", "emp-c"],
    ["EMP-A", "EMP-C"]
);
filter_test!(
    operator_in_takes_comma_separated_text,
    "StaffId",
    "in",
    "EMP-A, EMP-B",
    ["EMP-A", "EMP-B"]
);
filter_test!(
    operator_greaterthan,
    "FirstName",
    "greaterthan",
    "bola",
    ["EMP-C"]
);
filter_test!(
    operator_greaterthanorequal,
    "FirstName",
    "greaterthanorequal",
    "bola",
    ["EMP-B", "EMP-C"]
);
filter_test!(operator_lessthan, "LastName", "lessthan", "eze", ["EMP-B"]);
filter_test!(
    operator_lessthanorequal,
    "LastName",
    "lessthanorequal",
    "eze",
    ["EMP-B", "EMP-C"]
);
filter_test!(operator_isnull, "Title", "isnull", true, ["EMP-C"]);

db_test!(
    async fn a_date_filter_reads_a_bare_date_as_a_whole_day(app) {
        let (k, _) = three(&app).await;
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let all = ["EMP-A", "EMP-B", "EMP-C"];
        assert_eq!(matched(&app, &k, json!({"field": "CreatedAt", "operator": "lessthanorequal", "value": today})).await, all);
        assert_eq!(matched(&app, &k, json!({"field": "CreatedAt", "operator": "greaterthanorequal", "value": today})).await, all);
        assert!(matched(&app, &k, json!({"field": "CreatedAt", "operator": "greaterthan", "value": today})).await.is_empty());
    }
);

db_test!(
    async fn non_ascii_text_matches_itself_and_a_bare_date_equals_its_day(app) {
        let (k, _) = three(&app).await;
        employee(&app, &k, json!({"$type": "CreateEmployeeCommand", "staffId": "EMP-É", "email": "emile@bank.example",
            "firstName": "Émile", "lastName": "Zoë"})).await;
        assert_eq!(matched(&app, &k, json!({"field": "FirstName", "operator": "equals", "value": "Émile"})).await, ["EMP-É"]);
        assert_eq!(matched(&app, &k, json!({"field": "LastName", "operator": "contains", "value": "Zoë"})).await, ["EMP-É"]);
        assert_eq!(matched(&app, &k, json!({"field": "FirstName", "operator": "in", "value": ["Émile", "ada"]})).await, ["EMP-A", "EMP-É"]);
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        assert_eq!(matched(&app, &k, json!({"field": "CreatedAt", "operator": "equals", "value": today})).await.len(), 4);
        assert!(matched(&app, &k, json!({"field": "CreatedAt", "operator": "notequals", "value": today})).await.is_empty());
    }
);

db_test!(
    async fn an_unknown_path_or_operator_answers_400_naming_the_allowed_ones(app) {
        let (k, _) = three(&app).await;
        let list = |f: Value| json!({"$type": "RetrieveEmployeesListQuery", "filters": [f]});
        let (s, b) = app.bpm(&k, list(json!({"field": "EmployeeEmail", "operator": "equals", "value": "x"}))).await;
        assert_bpm_error(s, &b, 400, "unknown field `EmployeeEmail`; allowed: Id, StaffId");
        assert!(b["errors"][0].as_str().unwrap().contains("EmployeeContact.Email"), "{b}");
        let (s, b) = app.bpm(&k, list(json!({"field": "StaffId", "operator": "like", "value": "x"}))).await;
        assert_bpm_error(s, &b, 400, "unknown operator `like`; allowed: equals, notequals");
        let (s, b) = app.bpm(&k, list(json!({"field": "IsEnabled", "operator": "contains", "value": "t"}))).await;
        assert_bpm_error(s, &b, 400, "filters[0].operator");
        let (s, b) = app.bpm(&k, list(json!({"field": "Id", "operator": "equals", "value": "seven"}))).await;
        assert_bpm_error(s, &b, 400, "filters[0].value");
        let (s, b) = app.bpm(&k, list(json!({"field": "StaffId", "operator": "equals"}))).await;
        assert_bpm_error(s, &b, 400, "filters[0].value");
    }
);

db_test!(
    async fn values_that_look_like_sql_are_compared_as_data(app) {
        let (k, _) = three(&app).await;
        for (op, value) in [
            ("equals", "' OR '1'='1"),
            ("equals", "Ada'; DROP TABLE member; --"),
            ("contains", "%"),
            ("contains", "_"),
            ("startswith", "\\"),
            ("in", "') OR 1=1 --"),
        ] {
            let got = matched(&app, &k, json!({"field": "FirstName", "operator": op, "value": value})).await;
            assert!(got.is_empty(), "{op} {value:?} matched {got:?}");
        }
        let got = matched(&app, &k, json!({"field": "FirstName", "operator": "isnull", "value": false})).await;
        assert_eq!(got.len(), 3, "the table is intact");
    }
);
