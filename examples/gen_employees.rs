//! Writes an xlsx of N synthetic employees in the upload template's columns, for the import
//! benchmark (`scripts/dev/bench-import.sh`): `cargo run --release --example gen_employees --
//! 100000 /tmp/employees.xlsx`.
use rust_xlsxwriter::Workbook;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u32 = args.next().as_deref().unwrap_or("100000").parse()?;
    let path = args.next().unwrap_or_else(|| "employees.xlsx".into());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "Staff ID",
        "Email",
        "First Name",
        "Last Name",
        "Title",
        "Branch",
        "Role",
        "Is Account Officer",
        "Can Refer Customer",
        "Mobile",
        "City",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let branches = ["Lagos", "Abuja", "Kano", "Ibadan", "Port Harcourt"];
    for i in 1..=rows {
        let cells = [
            format!("EMP{i:07}"),
            format!("employee{i}@bank.example"),
            format!("First{i}"),
            format!("Last{i}"),
            ["Mr", "Ms", "Dr"][i as usize % 3].to_string(),
            branches[i as usize % branches.len()].to_string(),
            ["Teller", "Officer", "Manager"][i as usize % 3].to_string(),
            (i % 7 == 0).to_string(),
            "true".to_string(),
            format!("+23480{:08}", i),
            branches[(i as usize + 2) % branches.len()].to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(i, c as u16, v)?;
        }
    }
    book.save(&path)?;
    println!("{path}: {rows} employees");
    Ok(())
}
