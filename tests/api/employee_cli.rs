//! `vouch import employees FILE.xlsx --org ID`: the real binary, the same reader and checks.

use std::process::Command;

use crate::employee_files::xlsx;

fn vouch(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(args)
        .current_dir(dir)
        .env("VOUCH_DATA_DIR", dir)
        .env(
            "VOUCH_DATABASE_URL",
            format!("sqlite://{}/vouch.db?mode=rwc", dir.display()),
        )
        .env_remove("VOUCH_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run vouch");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_cli_imports_an_xlsx_into_an_org_and_reports_each_refused_row() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = vouch(dir.path(), &["org", "create", "--name", "Bank"]);
    assert!(ok, "{out}");
    let org = out
        .lines()
        .find_map(|l| l.strip_prefix("org_id: "))
        .unwrap()
        .to_string();
    let file = dir.path().join("staff.xlsx");
    std::fs::write(
        &file,
        xlsx(&[
            &["Staff ID", "Email", "First Name", "Last Name"],
            &["EMP-1", "one@bank.example", "One", "A"],
            &["EMP-2", "two@bank.example", "Two", "B"],
            &["EMP-3", "nope", "Three", "C"],
        ]),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (ok, out) = vouch(
        dir.path(),
        &["import", "employees", path, "--org", &org, "--dry-run"],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("Upload complete. Created: 2, Updated: 0, Errors: 1."),
        "{out}"
    );
    assert!(out.contains("dry run: nothing was written"), "{out}");
    let (ok, out) = vouch(dir.path(), &["import", "employees", path, "--org", &org]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Upload complete. Created: 2, Updated: 0, Errors: 1."),
        "{out}"
    );
    assert!(out.contains("row 4, email:"), "{out}");
    assert!(out.contains("rows: 3; parse"), "{out}");
    let (ok, out) = vouch(dir.path(), &["import", "employees", path, "--org", &org]);
    assert!(ok, "{out}");
    assert!(out.contains("Created: 0, Updated: 2, Errors: 1."), "{out}");
    // The same gate as the API: a file that is not an xlsx is refused, nothing written.
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(&bad, b"staffId,email\n").unwrap();
    let (ok, out) = vouch(
        dir.path(),
        &["import", "employees", bad.to_str().unwrap(), "--org", &org],
    );
    assert!(!ok && out.contains("not an xlsx file"), "{out}");
    let (ok, out) = vouch(
        dir.path(),
        &["import", "employees", path, "--org", "org_nosuch"],
    );
    assert!(!ok, "{out}");
}
