//! The BPM command surface (seeds 000/001): employees and their referrals. SQLite and
//! PostgreSQL.

use crate::common::{Org, TestApp};
use serde_json::{json, Value};

pub fn jane(staff_id: &str) -> Value {
    json!({"$type": "CreateEmployeeCommand", "staffId": staff_id, "email": format!("{}@bank.example", staff_id.to_lowercase()),
           "firstName": "Jane", "lastName": "Smith", "branch": "Lagos", "role": "Teller",
           "contactDetails": {"mobile": "+2348000000", "city": "Lagos", "state": "LA", "zipCode": "100001"}})
}

/// Creates an employee; answers its data.
pub async fn employee(app: &TestApp, key: &str, body: Value) -> Value {
    let (s, b) = app.bpm(key, body).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["success"], true, "{b}");
    b["data"].clone()
}

/// Asserts a BPM failure: status, `success: false`, `data: null`, and an error containing `text`.
pub fn assert_bpm_error(status: u16, body: &Value, want: u16, text: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert!(body["data"].is_null(), "{body}");
    let errors = body["errors"].as_array().expect("errors list");
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap_or("").contains(text)),
        "no error contains {text:?}: {body}"
    );
}

async fn setup(app: &TestApp) -> Org {
    app.new_org("Bank").await
}

db_test!(
    async fn creating_an_employee_answers_201_with_a_ref_code_and_the_000_fields(app) {
        let org = setup(&app).await;
        let (s, b) = app.bpm(&org.owner_key, jane("EMP-001")).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!((&b["success"], &b["message"]), (&json!(true), &json!("Employee created successfully")));
        assert_eq!(b["errors"], json!([]));
        let e = &b["data"];
        assert!(e["id"].as_i64().unwrap() > 0);
        assert_eq!(e["staffId"], "EMP-001");
        assert_eq!(e["email"], "emp-001@bank.example");
        assert_eq!((&e["isAccountOfficer"], &e["canReferCustomer"], &e["isEnabled"], &e["status"]), (&json!(false), &json!(true), &json!(true), &json!(1)));
        assert_eq!(e["contactDetails"]["zipCode"], "100001");
        let code = e["referralCode"].as_str().unwrap();
        assert!(code.starts_with("REF-") && code.len() == 12, "{code}");
        // The same code store as every member's.
        let (s, rec) = app.get(&format!("/api/v1/referral-code-records/lookup?code={code}"), &org.owner_key).await;
        assert_eq!(s, 200, "{rec}");
        // Employees belong to the org's employee program, made on first use.
        let (_, programs) = app.get("/api/v1/programs", &org.owner_key).await;
        assert_eq!(programs["data"].as_array().unwrap().len(), 1, "{programs}");
        assert_eq!(programs["data"][0]["name"], "employees");
        app.bpm(&org.owner_key, jane("EMP-002")).await;
        let (_, programs) = app.get("/api/v1/programs", &org.owner_key).await;
        assert_eq!(programs["data"].as_array().unwrap().len(), 1, "one employee program: {programs}");
        let (_, events) = app.get("/api/v1/events?type=MemberAdd", &org.owner_key).await;
        assert_eq!(events["data"].as_array().unwrap().len(), 2, "{events}");
    }
);

db_test!(
    async fn bad_employee_input_answers_400_naming_the_field(app) {
        let org = setup(&app).await;
        let k = &org.owner_key;
        let mut missing = jane("EMP-1");
        missing.as_object_mut().unwrap().remove("staffId");
        let (s, b) = app.bpm(k, missing).await;
        assert_bpm_error(s, &b, 400, "staffId");
        let mut bad = jane("EMP-1");
        bad["email"] = json!("not-an-email");
        let (s, b) = app.bpm(k, bad).await;
        assert_bpm_error(s, &b, 400, "email");
        let mut bad = jane("EMP-1");
        bad["dateOfBirth"] = json!("31/12/1990");
        let (s, b) = app.bpm(k, bad).await;
        assert_bpm_error(s, &b, 400, "dateOfBirth");
        let mut bad = jane("EMP-1");
        bad["isEnabled"] = json!("yes");
        let (s, b) = app.bpm(k, bad).await;
        assert_bpm_error(s, &b, 400, "isEnabled");
        // Nothing was written.
        let (_, list) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery"})).await;
        assert_eq!(list["data"]["totalCount"], 0, "{list}");
    }
);

db_test!(
    async fn an_unknown_or_missing_type_answers_400_listing_the_supported_ones(app) {
        let org = setup(&app).await;
        let (s, b) = app.bpm(&org.owner_key, json!({"$type": "DeleteEverythingCommand"})).await;
        assert_bpm_error(s, &b, 400, "unknown command `DeleteEverythingCommand`");
        assert!(b["errors"][0].as_str().unwrap().contains("SendEmployeeReferralCodeCommand"), "{b}");
        let (s, b) = app.bpm(&org.owner_key, json!({"staffId": "x"})).await;
        assert_bpm_error(s, &b, 400, "CreateEmployeeCommand");
    }
);

db_test!(
    async fn a_taken_staff_id_or_email_answers_409(app) {
        let org = setup(&app).await;
        let k = &org.owner_key;
        employee(&app, k, jane("EMP-1")).await;
        let mut again = jane("EMP-1");
        again["email"] = json!("other@bank.example");
        let (s, b) = app.bpm(k, again).await;
        assert_bpm_error(s, &b, 409, "staffId");
        let mut same_email = jane("EMP-2");
        same_email["email"] = json!("emp-1@bank.example");
        let (s, b) = app.bpm(k, same_email).await;
        assert_bpm_error(s, &b, 409, "email");
        assert_eq!(b["message"], "Failed to create employee");
    }
);

db_test!(
    async fn update_sets_given_fields_clears_empty_ones_and_never_changes_the_code(app) {
        let org = setup(&app).await;
        let k = &org.owner_key;
        let mut body = jane("EMP-1");
        body["title"] = json!("Mrs");
        let e = employee(&app, k, body).await;
        let (s, b) = app.bpm(k, json!({"$type": "UpdateEmployeeCommand", "id": e["id"], "branch": "Abuja", "title": "", "isEnabled": false, "canReferCustomer": false})).await;
        assert_eq!(s, 200, "{b}");
        let u = &b["data"];
        assert_eq!((&u["branch"], &u["title"], &u["role"]), (&json!("Abuja"), &Value::Null, &json!("Teller")));
        assert_eq!((&u["isEnabled"], &u["status"], &u["canReferCustomer"]), (&json!(false), &json!(0), &json!(false)));
        assert_eq!(u["referralCode"], e["referralCode"]);
        assert!(u["updatedAt"].as_str().unwrap() >= e["updatedAt"].as_str().unwrap());
        let (s, b) = app.bpm(k, json!({"$type": "UpdateEmployeeCommand", "id": e["id"], "firstName": ""})).await;
        assert_bpm_error(s, &b, 400, "firstName");
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeByIdQuery", "id": e["id"]})).await;
        assert_eq!((s, &b["data"]["firstName"]), (200, &json!("Jane")), "{b}");
    }
);

db_test!(
    async fn another_orgs_employee_is_not_found(app) {
        let org = setup(&app).await;
        let other = app.new_org("Other").await;
        let e = employee(&app, &org.owner_key, jane("EMP-1")).await;
        let k = &other.owner_key;
        for body in [
            json!({"$type": "RetrieveEmployeeByIdQuery", "id": e["id"]}),
            json!({"$type": "UpdateEmployeeCommand", "id": e["id"], "branch": "x"}),
            json!({"$type": "RetrieveEmployeeReferralsQuery", "employeeId": e["id"]}),
            json!({"$type": "SendEmployeeReferralCodeCommand", "employeeId": e["id"]}),
        ] {
            let (s, b) = app.bpm(k, body.clone()).await;
            assert_bpm_error(s, &b, 404, "Employee not found");
        }
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery", "employeeId": e["id"]})).await;
        assert_eq!((s, &b["message"]), (404, &json!("Failed to retrieve referrals")));
        let (s, b) = app.bpm(k, json!({"$type": "CreateEmployeeReferralCommand", "referralCode": e["referralCode"], "customerName": "Ann Lee"})).await;
        assert_bpm_error(s, &b, 404, "Invalid referral code");
        let (_, list) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery"})).await;
        assert_eq!(list["data"]["totalCount"], 0, "{list}");
    }
);

db_test!(
    async fn an_analyst_reads_employees_but_may_not_change_them(app) {
        let org = setup(&app).await;
        let e = employee(&app, &org.owner_key, jane("EMP-1")).await;
        let analyst = app.key(&org, "analyst").await;
        let (s, b) = app.bpm(&analyst, json!({"$type": "RetrieveEmployeeByIdQuery", "id": e["id"]})).await;
        assert_eq!(s, 200, "{b}");
        for body in [
            jane("EMP-2"),
            json!({"$type": "UpdateEmployeeCommand", "id": e["id"], "branch": "x"}),
            json!({"$type": "UploadEmployeesCommand", "employees": []}),
            json!({"$type": "SendEmployeeReferralCodeCommand", "employeeId": e["id"]}),
            json!({"$type": "CreateEmployeeReferralCommand", "referralCode": e["referralCode"], "customerName": "Ann Lee"}),
        ] {
            let (s, b) = app.bpm(&analyst, body).await;
            assert_bpm_error(s, &b, 403, "may not");
        }
        // Support staff register customers (referrals) but do not manage employees.
        let support = app.key(&org, "support").await;
        let (s, b) = app.bpm(&support, json!({"$type": "CreateEmployeeReferralCommand", "referralCode": e["referralCode"], "customerName": "Ann Lee"})).await;
        assert_eq!(s, 201, "{b}");
        let (s, b) = app.bpm(&support, jane("EMP-3")).await;
        assert_bpm_error(s, &b, 403, "may not write employees");
    }
);

db_test!(
    async fn the_list_pages_from_one_by_ten_caps_the_size_and_filters_by_status_and_dates(app) {
        let org = setup(&app).await;
        let k = &org.owner_key;
        for i in 0..12 {
            employee(&app, k, jane(&format!("EMP-{i:02}"))).await;
        }
        let first = employee(&app, k, jane("EMP-OFF")).await;
        app.bpm(k, json!({"$type": "UpdateEmployeeCommand", "id": first["id"], "isEnabled": false})).await;
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery"})).await;
        assert_eq!(s, 200, "{b}");
        let d = &b["data"];
        assert_eq!((&d["pageNumber"], &d["pageSize"], &d["totalCount"], &d["totalPages"]), (&json!(1), &json!(10), &json!(13), &json!(2)));
        assert_eq!(d["items"].as_array().unwrap().len(), 10);
        assert_eq!(b["message"], "Employees retrieved successfully");
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "pageNumber": 2, "pageSize": 500})).await;
        assert_eq!((&b["data"]["pageSize"], b["data"]["items"].as_array().unwrap().len()), (&json!(100), 0));
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "status": [0]})).await;
        assert_eq!((&b["data"]["totalCount"], &b["data"]["items"][0]["staffId"]), (&json!(1), &json!("EMP-OFF")));
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "status": [1]})).await;
        assert_eq!(b["data"]["totalCount"], 12);
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "id": first["id"]})).await;
        assert_eq!(b["data"]["totalCount"], 1);
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "startDate": today, "endDate": today})).await;
        assert_eq!(b["data"]["totalCount"], 13, "dates are inclusive: {b}");
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "endDate": "2020-01-01"})).await;
        assert_eq!(b["data"]["totalCount"], 0);
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "pageNumber": 0})).await;
        assert_bpm_error(s, &b, 400, "pageNumber");
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "status": [3]})).await;
        assert_bpm_error(s, &b, 400, "status");
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "startDate": "yesterday"})).await;
        assert_bpm_error(s, &b, 400, "startDate");
    }
);
