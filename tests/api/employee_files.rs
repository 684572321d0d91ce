//! Employees in and out of Excel: uploads (a JSON list, an xlsx in the BPM command, multipart),
//! the template, exports, and hostile files. SQLite and PostgreSQL.

use std::io::{Cursor, Write};

use base64::Engine;
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::employees::{assert_bpm_error, employee, jane};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An xlsx whose first sheet holds `rows` (the first is the header).
pub fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn upload_file(bytes: &[u8]) -> Value {
    json!({"$type": "UploadEmployeesCommand", "fileName": "staff.xlsx", "fileContent": b64(bytes)})
}

/// The cells of the first sheet, as text.
fn cells(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut book = Xlsx::new(Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

async fn total(app: &TestApp, key: &str) -> Value {
    let (_, b) = app
        .bpm(key, json!({"$type": "RetrieveEmployeesListQuery"}))
        .await;
    b["data"]["totalCount"].clone()
}

db_test!(
    async fn a_json_upload_upserts_by_staff_id_and_reports_each_bad_row(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let existing = employee(&app, k, jane("EMP-1")).await;
        let (s, b) = app.bpm(k, json!({"$type": "UploadEmployeesCommand", "employees": [
            {"staffId": "EMP-1", "email": "emp-1@bank.example", "firstName": "Janet", "lastName": "Smith", "branch": "Abuja"},
            {"staffId": "EMP-2", "email": "two@bank.example", "firstName": "Two", "lastName": "Ok"},
            {"staffId": "EMP-3", "email": "not-an-email", "firstName": "Bad", "lastName": "Mail"},
            {"staffId": "EMP-2", "email": "again@bank.example", "firstName": "Dup", "lastName": "Licate"},
            {"staffId": "EMP-4", "email": "two@bank.example", "firstName": "Same", "lastName": "Mail"},
            {"email": "nostaff@bank.example", "firstName": "No", "lastName": "Staff"},
            {"staffId": "EMP-5", "email": "five@bank.example", "firstName": "Five", "lastName": "Ok",
             "branch": "Kano", "contactDetails": {"city": "Kano"}, "isAccountOfficer": true}
        ]})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["message"], "Upload complete. Created: 2, Updated: 1, Errors: 4.");
        let d = &b["data"];
        assert_eq!((&d["created"], &d["updated"], &d["errorCount"], &d["dryRun"]), (&json!(2), &json!(1), &json!(4), &json!(false)));
        let errors: Vec<(i64, String)> = d["errors"].as_array().unwrap().iter()
            .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap().to_string())).collect();
        assert_eq!(errors, [(3, "email".into()), (4, "staffId".into()), (5, "email".into()), (6, "staffId".into())]);
        let (_, one) = app.bpm(k, json!({"$type": "RetrieveEmployeeByIdQuery", "id": existing["id"]})).await;
        assert_eq!((&one["data"]["firstName"], &one["data"]["branch"], &one["data"]["referralCode"]),
                   (&json!("Janet"), &json!("Abuja"), &existing["referralCode"]));
        let (_, list) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "filters": [{"field": "StaffId", "operator": "equals", "value": "EMP-2"}]})).await;
        assert!(list["data"]["items"][0]["referralCode"].as_str().unwrap().starts_with("REF-"), "{list}");
        // Rows created together with different fields given: each keeps its own.
        let (_, list) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "filters": [{"field": "StaffId", "operator": "in", "value": ["EMP-2", "EMP-5"]}]})).await;
        let items = list["data"]["items"].as_array().unwrap();
        let five = items.iter().find(|e| e["staffId"] == "EMP-5").unwrap();
        let two = items.iter().find(|e| e["staffId"] == "EMP-2").unwrap();
        assert_eq!((&five["branch"], &five["contactDetails"]["city"], &five["isAccountOfficer"]), (&json!("Kano"), &json!("Kano"), &json!(true)));
        assert_eq!((&two["branch"], &two["isAccountOfficer"]), (&Value::Null, &json!(false)));
    }
);

db_test!(
    async fn a_dry_run_counts_and_writes_nothing(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let (s, b) = app.bpm(k, json!({"$type": "UploadEmployeesCommand", "dryRun": true, "employees": [
            {"staffId": "EMP-1", "email": "one@bank.example", "firstName": "One", "lastName": "A"}]})).await;
        assert_eq!((s, &b["data"]["created"], &b["data"]["dryRun"]), (200, &json!(1), &json!(true)), "{b}");
        assert_eq!(total(&app, k).await, 0);
        let (_, programs) = app.get("/api/v1/programs", k).await;
        assert_eq!(programs["data"], json!([]), "a dry run makes no employee program");
    }
);

db_test!(
    async fn an_xlsx_upload_matches_headers_loosely_and_numbers_rows_like_a_spreadsheet(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let file = xlsx(&[
            &["Staff ID", "EMAIL", "first_name", "Last Name", "Branch", "Can Refer Customer", "Unknown column"],
            &["EMP-1", "one@bank.example", "One", "A", "Lagos", "yes", "ignored"],
            &["", "", "", "", "", "", ""],
            &["EMP-2", "bad", "Two", "B", "", "no", ""],
            &["EMP-3", "three@bank.example", "Three", "C", "", "maybe", ""],
            &["EMP-4", "four@bank.example", "Four", "D", "", "false", ""],
        ]);
        let (s, b) = app.bpm(k, upload_file(&file)).await;
        assert_eq!(s, 200, "{b}");
        let d = &b["data"];
        assert_eq!((&d["created"], &d["errorCount"]), (&json!(2), &json!(2)), "{b}");
        assert_eq!((&d["errors"][0]["row"], &d["errors"][0]["column"]), (&json!(4), &json!("email")));
        assert_eq!((&d["errors"][1]["row"], &d["errors"][1]["column"]), (&json!(5), &json!("canReferCustomer")));
        let (_, list) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "filters": [{"field": "CanReferCustomer", "operator": "equals", "value": false}]})).await;
        assert_eq!(list["data"]["items"][0]["staffId"], "EMP-4", "{list}");
        // The same file through the multipart route.
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(file).file_name("staff.xlsx"))
            .text("dryRun", "true");
        let resp = app.client.post(format!("{}/api/v1/employees/upload", app.base)).bearer_auth(k).multipart(form).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!((&body["created"], &body["updated"], &body["dryRun"]), (&json!(0), &json!(2), &json!(true)), "{body}");
        assert_eq!(body["message"], "Upload complete. Created: 0, Updated: 2, Errors: 2.");
        // A form without the file: the native error envelope, naming the field.
        let form = reqwest::multipart::Form::new().text("dryRun", "false");
        let resp = app.client.post(format!("{}/api/v1/employees/upload", app.base)).bearer_auth(k).multipart(form).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!((&body["error"]["code"], &body["error"]["details"]["field"]), (&json!("invalid_input"), &json!("file")), "{body}");
        // A multipart body the parser cannot read: the same envelope, not text/plain.
        let resp = app.client.post(format!("{}/api/v1/employees/upload", app.base)).bearer_auth(k)
            .header("content-type", "multipart/form-data; boundary=b")
            .body("--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--b\r\nbroken headers\u{1}\r\n\r\n--b--\r\n")
            .send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_input", "{body}");
    }
);

db_test!(
    async fn the_template_has_every_column_the_upload_reads(app) {
        let org = app.new_org("Bank").await;
        let resp = app.client.get(format!("{}/api/v1/employees/template.xlsx", app.base)).bearer_auth(&org.owner_key).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let rows = cells(resp.bytes().await.unwrap().to_vec());
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][..4], ["staffId", "email", "firstName", "lastName"]);
        // Filled in and uploaded, it works.
        let analyst = app.key(&org, "analyst").await;
        let resp = app.client.get(format!("{}/api/v1/employees/template.xlsx", app.base)).bearer_auth(&analyst).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(xlsx(&[&["staffId", "email", "firstName", "lastName"], &["E1", "e1@bank.example", "E", "One"]])));
        let resp = app.client.post(format!("{}/api/v1/employees/upload", app.base)).bearer_auth(&analyst).multipart(form).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 403, "analysts may not upload");
    }
);

db_test!(
    async fn an_export_is_the_filtered_list_as_xlsx_with_formulas_escaped(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        let mut risky = jane("EMP-1");
        risky["branch"] = json!("=HYPERLINK(\"http://evil.example\",\"x\")");
        risky["role"] = json!("@SUM(A1)");
        employee(&app, k, risky).await;
        employee(&app, k, jane("EMP-2")).await;
        let (s, b) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "isExport": true,
            "filters": [{"field": "StaffId", "operator": "equals", "value": "EMP-1"}]})).await;
        assert_eq!(s, 200, "{b}");
        let d = &b["data"];
        assert_eq!((&d["contentType"], &d["rowCount"]), (&json!("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), &json!(1)));
        assert!(d["fileName"].as_str().unwrap().ends_with(".xlsx"));
        let bytes = base64::engine::general_purpose::STANDARD.decode(d["content"].as_str().unwrap()).unwrap();
        let rows = cells(bytes);
        assert_eq!(rows.len(), 2);
        let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
        assert_eq!(rows[1][col("staffId")], "EMP-1");
        assert_eq!(rows[1][col("branch")], "'=HYPERLINK(\"http://evil.example\",\"x\")");
        assert_eq!(rows[1][col("role")], "'@SUM(A1)");
        assert!(rows[1][col("referralCode")].starts_with("REF-"));
        // Uploaded back, the escape is undone: the values are the ones exported.
        let (s, b) = app.bpm(k, upload_file(&base64::engine::general_purpose::STANDARD.decode(d["content"].as_str().unwrap()).unwrap())).await;
        assert_eq!((s, &b["data"]["updated"], &b["data"]["errorCount"]), (200, &json!(1), &json!(0)), "{b}");
        let (_, one) = app.bpm(k, json!({"$type": "RetrieveEmployeesListQuery", "filters": [{"field": "StaffId", "operator": "equals", "value": "EMP-1"}]})).await;
        assert_eq!(one["data"]["items"][0]["branch"], "=HYPERLINK(\"http://evil.example\",\"x\")");
        assert_eq!(one["data"]["items"][0]["role"], "@SUM(A1)");
    }
);

/// A zip holding `entries` (name, bytes), deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

db_test!(
    async fn hostile_files_answer_a_clear_400(app) {
        let org = app.new_org("Bank").await;
        let k = &org.owner_key;
        // Not an xlsx at all.
        let (s, b) = app.bpm(k, upload_file(b"staffId,email\nE1,e1@x.example\n")).await;
        assert_bpm_error(s, &b, 400, "not an xlsx file");
        // A zip, but no workbook.
        let (s, b) = app.bpm(k, upload_file(&zip_of(&[("hello.txt", b"hi")]))).await;
        assert_bpm_error(s, &b, 400, "no xl/workbook.xml");
        // A zip bomb: 200 MiB of zeros in one entry, a few hundred KiB on the wire.
        let zeros = vec![0u8; 200 * 1024 * 1024];
        let bomb = zip_of(&[("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", &zeros)]);
        drop(zeros);
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        let (s, b) = app.bpm(k, upload_file(&bomb)).await;
        assert_bpm_error(s, &b, 400, "zip bomb");
        // A sheet that declares 1,048,576 rows (one cell in the last row).
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["staffId", "email", "firstName", "lastName"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(1_048_575, 0, "EMP-LAST").unwrap();
        let (s, b) = app.bpm(k, upload_file(&book.save_to_buffer().unwrap())).await;
        assert_bpm_error(s, &b, 400, "1048576 rows");
        // No required headers.
        let (s, b) = app.bpm(k, upload_file(&xlsx(&[&["name", "mail"], &["Jane", "j@x.example"]]))).await;
        assert_bpm_error(s, &b, 400, "missing required columns: staffId, email, firstName, lastName");
        // Not base64.
        let (s, b) = app.bpm(k, json!({"$type": "UploadEmployeesCommand", "fileContent": "***"})).await;
        assert_bpm_error(s, &b, 400, "fileContent");
        // Neither list nor file.
        let (s, b) = app.bpm(k, json!({"$type": "UploadEmployeesCommand"})).await;
        assert_bpm_error(s, &b, 400, "employees");
        assert_eq!(total(&app, k).await, 0);
    }
);

db_test!(
    async fn an_entry_that_inflates_past_its_declared_size_is_refused(app) {
        let org = app.new_org("Bank").await;
        // Two MiB of zeros whose central directory and local header say 1 KiB.
        let zeros = vec![0u8; 2 * 1024 * 1024];
        let mut bytes = zip_of(&[("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", &zeros)]);
        let lie = 1024u32.to_le_bytes();
        let mut patched = 0;
        for i in 0..bytes.len().saturating_sub(30) {
            let sig: [u8; 4] = bytes[i..i + 4].try_into().unwrap();
            if sig == [0x50, 0x4b, 0x01, 0x02] && u32::from_le_bytes(bytes[i + 24..i + 28].try_into().unwrap()) == zeros.len() as u32 {
                bytes[i + 24..i + 28].copy_from_slice(&lie);
                patched += 1;
            }
            if sig == [0x50, 0x4b, 0x03, 0x04] && u32::from_le_bytes(bytes[i + 22..i + 26].try_into().unwrap()) == zeros.len() as u32 {
                bytes[i + 22..i + 26].copy_from_slice(&lie);
                patched += 1;
            }
        }
        assert_eq!(patched, 2, "both headers patched");
        let (s, b) = app.bpm(&org.owner_key, upload_file(&bytes)).await;
        assert_bpm_error(s, &b, 400, "fileContent");
    }
);

db_test!(
    async fn an_upload_updates_many_employees_each_as_given_and_leaves_other_orgs_alone(app) {
        let org = app.new_org("Bank").await;
        let other = app.new_org("Other bank").await;
        let k = &org.owner_key;
        let a = employee(&app, k, jane("EMP-1")).await;
        let b = employee(&app, k, jane("EMP-2")).await;
        let theirs = employee(&app, &other.owner_key, jane("EMP-1")).await;
        let (s, body) = app.bpm(k, json!({"$type": "UploadEmployeesCommand", "employees": [
            {"staffId": "EMP-1", "email": "emp-1@bank.example", "firstName": "Jane", "lastName": "Smith",
             "isEnabled": false, "note": "left in May", "branch": ""},
            {"staffId": "EMP-2", "email": "new-two@bank.example", "firstName": "Bola", "lastName": "Smith",
             "isAccountOfficer": true, "canReferCustomer": false, "title": "Mrs"}
        ]})).await;
        assert_eq!((s, &body["data"]["updated"], &body["data"]["created"]), (200, &json!(2), &json!(0)), "{body}");
        let by_id = |id: Value| {
            let app = &app;
            async move { app.bpm(k, json!({"$type": "RetrieveEmployeeByIdQuery", "id": id})).await.1["data"].clone() }
        };
        let one = by_id(a["id"].clone()).await;
        assert_eq!((&one["isEnabled"], &one["note"], &one["branch"], &one["role"], &one["referralCode"]),
                   (&json!(false), &json!("left in May"), &Value::Null, &json!("Teller"), &a["referralCode"]), "{one}");
        let two = by_id(b["id"].clone()).await;
        assert_eq!((&two["email"], &two["firstName"], &two["isAccountOfficer"], &two["canReferCustomer"], &two["title"], &two["branch"], &two["isEnabled"]),
                   (&json!("new-two@bank.example"), &json!("Bola"), &json!(true), &json!(false), &json!("Mrs"), &json!("Lagos"), &json!(true)), "{two}");
        let (_, mine) = app.bpm(&other.owner_key, json!({"$type": "RetrieveEmployeeByIdQuery", "id": theirs["id"]})).await;
        assert_eq!((&mine["data"]["isEnabled"], &mine["data"]["note"], &mine["data"]["branch"]), (&json!(true), &Value::Null, &json!("Lagos")), "{mine}");
        let (_, events) = app.get("/api/v1/events?type=MemberUpdate", k).await;
        assert_eq!(events["data"].as_array().map(Vec::len), Some(2), "{events}");
    }
);
