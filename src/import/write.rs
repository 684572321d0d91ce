//! Writing employees to xlsx (the export and the upload template) with rust_xlsxwriter.
//! Text that a spreadsheet could take for a formula (a cell starting with `=`, `+`, `-`, `@`,
//! tab or carriage return) is written with a leading `'`, so opening an export never runs
//! what a tenant's data put there.
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::read::COLUMNS;
use crate::domain::employees::EmployeeView;
use crate::error::{AppError, Result};

/// The export's content type.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `text` made safe to open: a leading `'` before a formula-like first character.
pub fn escape_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

fn failed(e: XlsxError) -> AppError {
    AppError::Internal(format!("writing xlsx: {e}"))
}

fn header(sheet: &mut Worksheet, extra: &[&str]) -> Result<()> {
    let bold = Format::new().set_bold();
    for (i, name) in COLUMNS
        .iter()
        .map(|(_, n)| *n)
        .chain(extra.iter().copied())
        .enumerate()
    {
        sheet
            .write_string_with_format(0, i as u16, name, &bold)
            .map_err(failed)?;
        sheet.set_column_width(i as u16, 16).map_err(failed)?;
    }
    Ok(())
}

/// The upload template: the header row, every column the upload reads.
pub fn template() -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Employees").map_err(failed)?;
    header(sheet, &[])?;
    book.save_to_buffer().map_err(failed)
}

fn flag(b: bool) -> String {
    b.to_string()
}

/// The employees as an xlsx: the template's columns (so an export can be edited and
/// uploaded again), then id, referralCode and createdAt.
pub fn employees(views: &[EmployeeView]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Employees").map_err(failed)?;
    header(sheet, &["id", "referralCode", "createdAt"])?;
    for (i, v) in views.iter().enumerate() {
        let row = i as u32 + 1;
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let cells = [
            v.staff_id.clone(),
            v.email.clone(),
            v.first_name.clone(),
            v.last_name.clone(),
            o(&v.middle_name),
            o(&v.title),
            o(&v.date_of_birth),
            o(&v.branch),
            o(&v.role),
            flag(v.is_account_officer),
            flag(v.can_refer_customer),
            flag(v.is_enabled),
            o(&v.note),
            o(&v.contact.mobile),
            o(&v.contact.address_line1),
            o(&v.contact.address_line2),
            o(&v.contact.city),
            o(&v.contact.state),
            o(&v.contact.zip_code),
            o(&v.contact.country),
            v.id.to_string(),
            o(&v.referral_code),
            v.created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ];
        for (col, text) in cells.iter().enumerate() {
            if !text.is_empty() {
                sheet
                    .write_string(row, col as u16, escape_cell(text))
                    .map_err(failed)?;
            }
        }
    }
    book.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_gets_a_leading_apostrophe() {
        for risky in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(escape_cell(risky), format!("'{risky}"));
        }
        assert_eq!(escape_cell("Jane"), "Jane");
        assert_eq!(escape_cell(""), "");
    }
}
