//! Reading employees from the first sheet of an xlsx, after the gate: row 1 is the header
//! (names matched ignoring case, spaces, `_` and `-`), each later row an employee. Cells are
//! read one at a time (calamine's cell reader), never as a dense range, so a sheet whose cells
//! sit far apart cannot make the reader allocate rows × columns; a cell below the row limit or
//! right of the column limit stops the read with a 400.
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use super::gate::{self, Limits};
use crate::domain::employees::{EmployeeFields, UpsertRow, UpsertRowError};
use crate::error::{AppError, Result};

/// A column the sheet may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    StaffId,
    Email,
    FirstName,
    LastName,
    Title,
    MiddleName,
    DateOfBirth,
    Branch,
    Role,
    IsAccountOfficer,
    CanReferCustomer,
    IsEnabled,
    Note,
    Mobile,
    AddressLine1,
    AddressLine2,
    City,
    State,
    ZipCode,
    Country,
}

/// Every column, in the template's order, with its header.
pub const COLUMNS: &[(Column, &str)] = &[
    (Column::StaffId, "staffId"),
    (Column::Email, "email"),
    (Column::FirstName, "firstName"),
    (Column::LastName, "lastName"),
    (Column::MiddleName, "middleName"),
    (Column::Title, "title"),
    (Column::DateOfBirth, "dateOfBirth"),
    (Column::Branch, "branch"),
    (Column::Role, "role"),
    (Column::IsAccountOfficer, "isAccountOfficer"),
    (Column::CanReferCustomer, "canReferCustomer"),
    (Column::IsEnabled, "isEnabled"),
    (Column::Note, "note"),
    (Column::Mobile, "mobile"),
    (Column::AddressLine1, "addressLine1"),
    (Column::AddressLine2, "addressLine2"),
    (Column::City, "city"),
    (Column::State, "state"),
    (Column::ZipCode, "zipCode"),
    (Column::Country, "country"),
];

/// The headers every sheet must have.
pub const REQUIRED: [Column; 4] = [
    Column::StaffId,
    Column::Email,
    Column::FirstName,
    Column::LastName,
];

fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn column_of(header: &str) -> Option<Column> {
    let key = header_key(header);
    COLUMNS
        .iter()
        .find(|(_, name)| header_key(name) == key)
        .map(|(c, _)| *c)
}

fn header_of(column: Column) -> &'static str {
    COLUMNS
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, n)| *n)
        .unwrap_or("")
}

/// The spreadsheet letters of a 0-based column (0 → A, 26 → AA).
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A cell as text; dates as `YYYY-MM-DD` (or a date-time when it has a time), whole numbers
/// without a decimal point (a staff id typed as a number reads `1234`, not `1234.0`).
/// Longest text one cell may hold (the longest field, a note, takes 2,000 characters). Checked
/// before the text is copied: a shared string is one copy in the file but one per cell that
/// uses it once read, so a 1 MB string used by every cell would otherwise fill memory.
pub const MAX_CELL_CHARS: usize = 2_000;

fn bounded(s: &str) -> std::result::Result<Option<String>, String> {
    if s.len() > MAX_CELL_CHARS * 4 || s.chars().count() > MAX_CELL_CHARS {
        return Err(format!("holds more than {MAX_CELL_CHARS} characters"));
    }
    Ok(Some(unescape(s).to_string()))
}

/// Most text bytes one sheet's rows may hold once read.
pub const MAX_SHEET_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// A leading `'` before a formula-like character is the export's escape (`write::escape_cell`):
/// an export uploaded back reads the value it was made from.
fn unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    }
}

fn cell_text(cell: &DataRef<'_>) -> std::result::Result<Option<String>, String> {
    Ok(match cell {
        DataRef::Empty => None,
        DataRef::String(s) => return bounded(s),
        DataRef::SharedString(s) => return bounded(s),
        DataRef::Int(i) => Some(i.to_string()),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        DataRef::Float(f) => Some(f.to_string()),
        DataRef::Bool(b) => Some(b.to_string()),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => Some(t.date().to_string()),
            Some(t) => Some(t.and_utc().to_rfc3339()),
            None => return Err("is not a valid date".into()),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => return bounded(s),
        DataRef::Error(e) => return Err(format!("holds the error value {e}")),
    })
}

fn flag(text: &str) -> std::result::Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        other => Err(format!(
            "`{}` is not true or false",
            other.chars().take(20).collect::<String>()
        )),
    }
}

/// The text field a column fills (`None` for the three flags).
fn text_slot(f: &mut EmployeeFields, column: Column) -> Option<&mut Option<String>> {
    Some(match column {
        Column::StaffId => &mut f.staff_id,
        Column::Email => &mut f.email,
        Column::FirstName => &mut f.first_name,
        Column::LastName => &mut f.last_name,
        Column::Title => &mut f.title,
        Column::MiddleName => &mut f.middle_name,
        Column::DateOfBirth => &mut f.date_of_birth,
        Column::Branch => &mut f.branch,
        Column::Role => &mut f.role,
        Column::Note => &mut f.note,
        Column::Mobile => &mut f.contact.mobile,
        Column::AddressLine1 => &mut f.contact.address_line1,
        Column::AddressLine2 => &mut f.contact.address_line2,
        Column::City => &mut f.contact.city,
        Column::State => &mut f.contact.state,
        Column::ZipCode => &mut f.contact.zip_code,
        Column::Country => &mut f.contact.country,
        Column::IsAccountOfficer | Column::CanReferCustomer | Column::IsEnabled => return None,
    })
}

/// The rows of a sheet, and the errors of cells that could not be read.
#[derive(Debug, Default)]
pub struct Sheet {
    pub rows: Vec<UpsertRow>,
    pub errors: Vec<UpsertRowError>,
}

/// One data row being assembled.
struct Pending {
    row: u32,
    fields: EmployeeFields,
    error: Option<UpsertRowError>,
    any: bool,
}

impl Pending {
    fn new(row: u32) -> Self {
        Pending {
            row,
            fields: EmployeeFields::default(),
            error: None,
            any: false,
        }
    }

    fn set(&mut self, column: Column, text: String) {
        if let Some(slot) = text_slot(&mut self.fields, column) {
            *slot = Some(text);
            return;
        }
        if text.trim().is_empty() {
            return;
        }
        let f = &mut self.fields;
        match flag(&text) {
            Ok(b) => match column {
                Column::IsAccountOfficer => f.is_account_officer = Some(b),
                Column::CanReferCustomer => f.can_refer_customer = Some(b),
                _ => f.is_enabled = Some(b),
            },
            Err(reason) => self.fail(column, reason),
        }
    }

    fn fail(&mut self, column: Column, reason: String) {
        self.error.get_or_insert(UpsertRowError {
            row: self.row,
            column: header_of(column).to_string(),
            reason,
        });
    }

    /// The row, once its cells are in: every column the sheet has is given (an empty cell
    /// is an empty value, which clears an optional field).
    fn finish(mut self, columns: &[Option<Column>], sheet: &mut Sheet) {
        if !self.any {
            return;
        }
        if let Some(e) = self.error.take() {
            sheet.errors.push(e);
            return;
        }
        for column in columns.iter().flatten() {
            if let Some(slot) = text_slot(&mut self.fields, *column) {
                slot.get_or_insert_with(String::new);
            }
        }
        sheet.rows.push(UpsertRow {
            row: self.row,
            fields: self.fields,
        });
    }
}

/// Reads the employees of the first sheet of `bytes` (checked by the gate first); `field`
/// names the request field that carried the file.
pub fn read_employees(field: &str, bytes: &[u8], limits: &Limits) -> Result<Sheet> {
    gate::check(field, bytes, limits)?;
    let bad = |m: String| AppError::invalid(field, m);
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("is not a readable xlsx file ({e})")))?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| bad("the workbook has no sheet".into()))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| bad(format!("sheet `{first}` cannot be read ({e})")))?;
    let declared = cells.dimensions();
    if declared.end.0 > limits.max_rows || declared.end.1 >= limits.max_columns {
        return Err(bad(format!(
            "sheet `{first}` declares {} rows and {} columns; at most {} data rows and {} columns",
            declared.end.0 + 1,
            declared.end.1 + 1,
            limits.max_rows,
            limits.max_columns
        )));
    }
    let mut columns: Vec<Option<Column>> = Vec::new();
    let mut headers_done = false;
    let mut sheet = Sheet::default();
    let mut pending: Option<Pending> = None;
    // All the text kept, bounded: 200,000 rows of 64 columns of 2,000 characters would not be.
    let mut kept: usize = 0;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| bad(format!("sheet `{first}` cannot be read ({e})")))?
    {
        let (r, c) = cell.get_position();
        if r > limits.max_rows {
            return Err(bad(format!(
                "sheet `{first}` has more than {} data rows",
                limits.max_rows
            )));
        }
        if c >= limits.max_columns {
            return Err(bad(format!(
                "sheet `{first}` has a cell in column {}; at most {} columns",
                column_letters(c),
                limits.max_columns
            )));
        }
        if r == 0 {
            if let Ok(Some(text)) = cell_text(cell.get_value()) {
                if columns.len() <= c as usize {
                    columns.resize(c as usize + 1, None);
                }
                columns[c as usize] = column_of(&text);
            }
            continue;
        }
        if !headers_done {
            headers_done = true;
            check_headers(field, &columns)?;
        }
        let Some(column) = columns.get(c as usize).copied().flatten() else {
            continue;
        };
        let row = r + 1;
        if pending.as_ref().is_some_and(|p| row < p.row) {
            return Err(bad(format!(
                "sheet `{first}` lists row {row} after row {}; rows must come in order",
                pending.as_ref().map_or(0, |p| p.row)
            )));
        }
        if pending.as_ref().is_some_and(|p| p.row != row) {
            if let Some(p) = pending.take() {
                p.finish(&columns, &mut sheet);
            }
        }
        let p = pending.get_or_insert_with(|| Pending::new(row));
        match cell_text(cell.get_value()) {
            Ok(Some(text)) => {
                kept += text.len();
                if kept > MAX_SHEET_TEXT_BYTES {
                    return Err(bad(format!(
                        "sheet `{first}` holds more than {} MiB of text",
                        MAX_SHEET_TEXT_BYTES / (1024 * 1024)
                    )));
                }
                p.any |= !text.trim().is_empty();
                p.set(column, text);
            }
            Ok(None) => {}
            Err(reason) => {
                p.any = true;
                p.fail(column, reason);
            }
        }
    }
    if !headers_done {
        check_headers(field, &columns)?;
    }
    if let Some(p) = pending.take() {
        p.finish(&columns, &mut sheet);
    }
    Ok(sheet)
}

fn check_headers(field: &str, columns: &[Option<Column>]) -> Result<()> {
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|r| !columns.contains(&Some(**r)))
        .map(|r| header_of(*r))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!(
                "the first row must be the header; missing required columns: {}",
                missing.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_ignoring_case_spaces_underscores_and_dashes() {
        for h in ["staffId", "Staff ID", "STAFF_ID", "staff-id", " staffid "] {
            assert_eq!(column_of(h), Some(Column::StaffId), "{h}");
        }
        assert_eq!(column_of("Zip Code"), Some(Column::ZipCode));
        assert_eq!(column_of("name"), None);
    }

    #[test]
    fn columns_are_named_with_spreadsheet_letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn flags_read_the_usual_spellings_and_refuse_others() {
        assert_eq!(flag("Yes"), Ok(true));
        assert_eq!(flag("0"), Ok(false));
        assert!(flag("maybe").is_err());
    }

    #[test]
    fn the_exports_escape_is_undone_and_long_text_refused_before_it_is_copied() {
        assert_eq!(
            cell_text(&DataRef::SharedString("'=1+1")),
            Ok(Some("=1+1".into()))
        );
        assert_eq!(
            cell_text(&DataRef::SharedString("'plain")),
            Ok(Some("'plain".into()))
        );
        let long = "x".repeat(MAX_CELL_CHARS + 1);
        assert!(cell_text(&DataRef::SharedString(&long)).is_err());
    }

    #[test]
    fn whole_numbers_read_without_a_decimal_point() {
        assert_eq!(cell_text(&DataRef::Float(1234.0)), Ok(Some("1234".into())));
        assert_eq!(cell_text(&DataRef::Float(12.5)), Ok(Some("12.5".into())));
        assert_eq!(cell_text(&DataRef::Empty), Ok(None));
    }
}
