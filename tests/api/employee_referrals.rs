//! Employees' referrals (seed 001): crediting a customer through the shared referral path,
//! and listing. SQLite and PostgreSQL.

use crate::employees::{assert_bpm_error, employee, jane};
use serde_json::{json, Value};

fn credit(code: &Value, customer: &str, account: &str) -> Value {
    json!({"$type": "CreateEmployeeReferralCommand", "referralCode": code, "customerName": customer,
           "customerAccountNumber": account, "clientId": "web"})
}

db_test!(
    async fn a_customer_registered_with_an_employees_code_is_credited_to_the_employee(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let e = employee(&app, k, jane("EMP-1")).await;
        let (s, b) = app.bpm(k, credit(&e["referralCode"], "Jane Q Customer", "0098765432")).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["message"], "Referral created successfully");
        let r = &b["data"];
        assert!(r["referralId"].as_i64().unwrap() > 0);
        assert_eq!((&r["employeeId"], &r["referralCode"], &r["customerName"], &r["customerAccountNumber"]),
                   (&e["id"], &e["referralCode"], &json!("Jane Q Customer"), &json!("0098765432")));
        // The same referral as the 003 surface sees it, in the employee program.
        let (_, list) = app.get("/api/referrals", k).await;
        let rr = &list["referrals"][0];
        assert_eq!((&rr["source"], &rr["programName"], &rr["externalIdentifier"]), (&json!("BPM"), &json!("employees"), &json!("0098765432")));
        assert_eq!((&rr["firstName"], &rr["lastName"]), (&json!("Jane"), &json!("Q Customer")));
        // Seed 001's list.
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery", "employeeId": e["id"]})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["message"], "Referrals retrieved successfully");
        let d = &b["data"];
        assert_eq!((&d["totalCount"], &d["pageNumber"], &d["pageSize"], &d["totalPages"]), (&json!(1), &json!(1), &json!(10), &json!(1)));
        let item = d["items"][0].as_object().unwrap();
        let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["createdAt", "customerAccountNumber", "customerName", "employeeId", "referralCode", "referralId"]);
        assert_eq!(item["referralId"], r["referralId"]);
        // The same customer account again is the same customer: 409.
        let (s, b) = app.bpm(k, credit(&e["referralCode"], "Jane Q Customer", "0098765432")).await;
        assert_bpm_error(s, &b, 409, "already");
    }
);

db_test!(
    async fn the_employee_programs_rules_reward_employee_referrals(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let e = employee(&app, k, jane("EMP-1")).await;
        let (_, programs) = app.get("/api/v1/programs", k).await;
        let program = programs["data"][0]["id"].as_str().unwrap().to_string();
        let (s, rule) = app.post(&format!("/api/v1/programs/{program}/rules"), k,
            json!({"name": "per registration", "trigger": "referral_created", "reward_kind": "fixed", "amount": 5})).await;
        assert_eq!(s, 201, "{rule}");
        let (s, b) = app.bpm(k, credit(&e["referralCode"], "Ann Lee", "1")).await;
        assert_eq!(s, 201, "{b}");
        let (_, rewards) = app.get("/api/rewards", k).await;
        assert_eq!(rewards["total"], 1, "{rewards}");
        assert_eq!(rewards["rewards"][0]["amount"], 5.0);
    }
);

db_test!(
    async fn codes_that_name_no_creditable_employee_are_refused_in_the_seeds_words(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let (s, b) = app.bpm(k, credit(&json!("REF-NOSUCH1"), "Ann Lee", "1")).await;
        assert_bpm_error(s, &b, 404, "Invalid referral code");
        assert_eq!(b["message"], "Failed to create referral");
        let (s, b) = app.bpm(k, credit(&json!("not a code!"), "Ann Lee", "1")).await;
        assert_bpm_error(s, &b, 400, "Invalid referral code");
        let (s, b) = app.bpm(k, json!({"$type": "CreateEmployeeReferralCommand", "referralCode": "REF-X1", "customerName": ""})).await;
        assert_bpm_error(s, &b, 400, "customerName");
        // A partner's code is a real code, but not an employee's.
        app.program(k, crate::common::program_body("partners")).await;
        let m = app.member(k, json!({"programId": "partners", "firstName": "Pat", "email": "pat@example.com"})).await;
        let (s, b) = app.bpm(k, credit(&m["referralCode"], "Ann Lee", "1")).await;
        assert_bpm_error(s, &b, 404, "No employee found with the specified referral code");
        // A disabled employee, or one who may not refer, cannot be credited.
        let off = employee(&app, k, jane("EMP-OFF")).await;
        app.bpm(k, json!({"$type": "UpdateEmployeeCommand", "id": off["id"], "isEnabled": false})).await;
        let (s, b) = app.bpm(k, credit(&off["referralCode"], "Ann Lee", "2")).await;
        assert_bpm_error(s, &b, 422, "disabled");
        let no = employee(&app, k, jane("EMP-NO")).await;
        app.bpm(k, json!({"$type": "UpdateEmployeeCommand", "id": no["id"], "canReferCustomer": false})).await;
        let (s, b) = app.bpm(k, credit(&no["referralCode"], "Ann Lee", "3")).await;
        assert_bpm_error(s, &b, 422, "canReferCustomer");
        // …and not through the 003 surface either.
        let (s, b) = app.post("/api/referrals", k, json!({"referralCode": no["referralCode"], "email": "ann@example.com"})).await;
        assert_eq!(s, 422, "{b}");
        let (_, list) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery"})).await;
        assert_eq!(list["data"]["totalCount"], 0, "{list}");
    }
);

db_test!(
    async fn referral_dates_are_inclusive_and_filters_narrow_by_employee(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let a = employee(&app, k, jane("EMP-A")).await;
        let b_emp = employee(&app, k, jane("EMP-B")).await;
        app.bpm(k, credit(&a["referralCode"], "One", "1")).await;
        app.bpm(k, credit(&a["referralCode"], "Two", "2")).await;
        app.bpm(k, credit(&b_emp["referralCode"], "Three", "3")).await;
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery", "startDate": today, "endDate": today})).await;
        assert_eq!(b["data"]["totalCount"], 3, "{b}");
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery", "endDate": "2020-01-01"})).await;
        assert_eq!(b["data"]["totalCount"], 0, "{b}");
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery",
            "filters": [{"field": "Employee.StaffId", "operator": "equals", "value": "EMP-A"}]})).await;
        assert_eq!(b["data"]["totalCount"], 2, "{b}");
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery",
            "filters": [{"field": "employee.employeecontact.email", "operator": "Equals", "value": "EMP-B@bank.example"}]})).await;
        assert_eq!((&b["data"]["totalCount"], &b["data"]["items"][0]["customerName"]), (&json!(1), &json!("Three")), "{b}");
        let (_, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery", "pageSize": 2, "pageNumber": 2})).await;
        assert_eq!((&b["data"]["totalPages"], b["data"]["items"].as_array().unwrap().len()), (&json!(2), 1), "{b}");
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeeReferralsQuery",
            "filters": [{"field": "EmployeeStaffId", "operator": "equals", "value": "EMP-A"}]})).await;
        assert_bpm_error(s, &b, 400, "Employee.StaffId");
    }
);
