//! Dynamic filters `{field, operator, value}` (seeds 000/001): a closed set of property paths,
//! matched case-insensitively, and eleven operators. Unlike the source system, an unknown path
//! or operator is refused (400 naming the allowed ones), never silently ignored.
//!
//! Invariant: a filter becomes a typed `Filter` here and a query condition in the store (bound
//! values, never SQL text), so a value that looks like SQL is only ever compared as data.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::values;
use crate::error::{AppError, Result};

/// What a filter list applies to: employees, or employees' referrals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterTarget {
    Employees,
    Referrals,
}

/// A filterable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Id,
    StaffId,
    FirstName,
    LastName,
    MiddleName,
    Title,
    Branch,
    Role,
    Email,
    Mobile,
    IsEnabled,
    IsAccountOfficer,
    CanReferCustomer,
    CreatedAt,
    /// Referrals only: the customer's account number.
    CustomerAccountNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Bool,
    Time,
}

impl FilterField {
    fn kind(self) -> Kind {
        use FilterField::*;
        match self {
            Id => Kind::Int,
            IsEnabled | IsAccountOfficer | CanReferCustomer => Kind::Bool,
            CreatedAt => Kind::Time,
            _ => Kind::Text,
        }
    }
}

/// The paths each target accepts, as documented (matched ignoring case).
const EMPLOYEE_PATHS: &[(&str, FilterField)] = &[
    ("Id", FilterField::Id),
    ("StaffId", FilterField::StaffId),
    ("FirstName", FilterField::FirstName),
    ("LastName", FilterField::LastName),
    ("MiddleName", FilterField::MiddleName),
    ("Title", FilterField::Title),
    ("Branch", FilterField::Branch),
    ("Role", FilterField::Role),
    ("EmployeeContact.Email", FilterField::Email),
    ("EmployeeContact.Mobile", FilterField::Mobile),
    ("IsEnabled", FilterField::IsEnabled),
    ("IsAccountOfficer", FilterField::IsAccountOfficer),
    ("CanReferCustomer", FilterField::CanReferCustomer),
    ("CreatedAt", FilterField::CreatedAt),
];

const REFERRAL_PATHS: &[(&str, FilterField)] = &[
    ("Employee.StaffId", FilterField::StaffId),
    ("Employee.EmployeeContact.Email", FilterField::Email),
    ("Employee.FirstName", FilterField::FirstName),
    ("Employee.LastName", FilterField::LastName),
    ("Employee.Branch", FilterField::Branch),
    ("CustomerAccountNumber", FilterField::CustomerAccountNumber),
];

/// An operator, by its documented name (matched ignoring case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Equals,
    NotEquals,
    Contains,
    StartsWith,
    EndsWith,
    In,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    IsNull,
}

const OPERATORS: &[(&str, FilterOp)] = &[
    ("equals", FilterOp::Equals),
    ("notequals", FilterOp::NotEquals),
    ("contains", FilterOp::Contains),
    ("startswith", FilterOp::StartsWith),
    ("endswith", FilterOp::EndsWith),
    ("in", FilterOp::In),
    ("greaterthan", FilterOp::GreaterThan),
    ("greaterthanorequal", FilterOp::GreaterThanOrEqual),
    ("lessthan", FilterOp::LessThan),
    ("lessthanorequal", FilterOp::LessThanOrEqual),
    ("isnull", FilterOp::IsNull),
];

/// The operator names, for the spec and messages.
pub fn operator_names() -> Vec<&'static str> {
    OPERATORS.iter().map(|(n, _)| *n).collect()
}

/// The path names of a target, for the spec and messages.
pub fn path_names(target: FilterTarget) -> Vec<&'static str> {
    paths(target).iter().map(|(n, _)| *n).collect()
}

fn paths(target: FilterTarget) -> &'static [(&'static str, FilterField)] {
    match target {
        FilterTarget::Employees => EMPLOYEE_PATHS,
        FilterTarget::Referrals => REFERRAL_PATHS,
    }
}

/// A filter's value, typed by its field and operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterValue {
    /// Text, compared ignoring case: the database lowers both sides, so the same folding
    /// applies to both (ASCII letters on SQLite, all letters on PostgreSQL).
    Text(String),
    Texts(Vec<String>),
    Int(i64),
    Ints(Vec<i64>),
    Bool(bool),
    Time(DateTime<Utc>),
    /// A bare date given to `equals` / `notequals` on a time: its first and last moments.
    Day(DateTime<Utc>, DateTime<Utc>),
    /// `isnull`: true matches absent values, false present ones.
    Null(bool),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub field: FilterField,
    pub op: FilterOp,
    pub value: FilterValue,
}

/// Most filters in one request.
pub const MAX_FILTERS: usize = 20;
/// Most values of one `in`.
pub const MAX_IN_VALUES: usize = 100;
/// Longest text value.
const MAX_TEXT: usize = 200;

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `end_of_day`: a bare date stands for its last moment (for `lessthanorequal` and `greaterthan`).
fn one_value(field_name: &str, kind: Kind, v: &Value, end_of_day: bool) -> Result<FilterValue> {
    let bad = |what: &str| AppError::invalid(field_name, format!("value must be {what}"));
    match kind {
        Kind::Text => {
            let s = scalar_text(v).ok_or_else(|| bad("a string"))?;
            if s.chars().count() > MAX_TEXT {
                return Err(bad(&format!("at most {MAX_TEXT} characters")));
            }
            if s.chars().any(char::is_control) {
                return Err(bad("text without control characters"));
            }
            Ok(FilterValue::Text(s))
        }
        Kind::Int => match v {
            Value::Number(n) => n
                .as_i64()
                .map(FilterValue::Int)
                .ok_or_else(|| bad("an integer")),
            Value::String(s) => s
                .trim()
                .parse()
                .map(FilterValue::Int)
                .map_err(|_| bad("an integer")),
            _ => Err(bad("an integer")),
        },
        Kind::Bool => match v {
            Value::Bool(b) => Ok(FilterValue::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(FilterValue::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(FilterValue::Bool(false)),
            _ => Err(bad("true or false")),
        },
        Kind::Time => {
            let s = scalar_text(v).ok_or_else(|| bad("a date or an RFC 3339 date-time"))?;
            match values::date_bound(field_name, Some(&s), end_of_day) {
                Ok(Some(t)) => Ok(FilterValue::Time(t)),
                _ => Err(bad("a date (YYYY-MM-DD) or an RFC 3339 date-time")),
            }
        }
    }
}

fn allowed_ops(kind: Kind) -> &'static [FilterOp] {
    use FilterOp::*;
    match kind {
        Kind::Text => &[
            Equals,
            NotEquals,
            Contains,
            StartsWith,
            EndsWith,
            In,
            GreaterThan,
            GreaterThanOrEqual,
            LessThan,
            LessThanOrEqual,
            IsNull,
        ],
        Kind::Int => &[
            Equals,
            NotEquals,
            In,
            GreaterThan,
            GreaterThanOrEqual,
            LessThan,
            LessThanOrEqual,
            IsNull,
        ],
        Kind::Time => &[
            Equals,
            NotEquals,
            GreaterThan,
            GreaterThanOrEqual,
            LessThan,
            LessThanOrEqual,
            IsNull,
        ],
        Kind::Bool => &[Equals, NotEquals, IsNull],
    }
}

/// One raw filter as a surface received it.
#[derive(Debug, Clone, Default)]
pub struct RawFilter {
    pub field: String,
    pub operator: String,
    pub value: Value,
}

/// Parses a request's filters for `target`; `name` is the request field (`filters`).
pub fn parse_filters(name: &str, target: FilterTarget, raw: Vec<RawFilter>) -> Result<Vec<Filter>> {
    if raw.len() > MAX_FILTERS {
        return Err(AppError::invalid(
            name,
            format!("at most {MAX_FILTERS} filters, found {}", raw.len()),
        ));
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, f)| parse_one(&format!("{name}[{i}]"), target, f))
        .collect()
}

fn parse_one(name: &str, target: FilterTarget, f: RawFilter) -> Result<Filter> {
    let field = paths(target)
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(f.field.trim()))
        .map(|(_, field)| *field)
        .ok_or_else(|| {
            AppError::invalid(
                format!("{name}.field"),
                format!(
                    "unknown field `{}`; allowed: {}",
                    f.field,
                    path_names(target).join(", ")
                ),
            )
        })?;
    let op = OPERATORS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(f.operator.trim()))
        .map(|(_, op)| *op)
        .ok_or_else(|| {
            AppError::invalid(
                format!("{name}.operator"),
                format!(
                    "unknown operator `{}`; allowed: {}",
                    f.operator,
                    operator_names().join(", ")
                ),
            )
        })?;
    let kind = field.kind();
    if !allowed_ops(kind).contains(&op) {
        return Err(AppError::invalid(
            format!("{name}.operator"),
            format!("`{}` does not apply to `{}`", f.operator, f.field),
        ));
    }
    let value_name = format!("{name}.value");
    let value = match op {
        FilterOp::IsNull => match &f.value {
            Value::Null => FilterValue::Null(true),
            v => match one_value(&value_name, Kind::Bool, v, false)? {
                FilterValue::Bool(b) => FilterValue::Null(b),
                _ => unreachable!("a Bool kind parses to a Bool"),
            },
        },
        FilterOp::In => {
            let items: Vec<Value> = match &f.value {
                Value::Array(items) => items.clone(),
                // "a,b,c" is how many clients send a list in one string.
                Value::String(s) => s
                    .split(',')
                    .map(|p| Value::String(p.trim().into()))
                    .collect(),
                other => vec![other.clone()],
            };
            if items.is_empty() || items.len() > MAX_IN_VALUES {
                return Err(AppError::invalid(
                    value_name,
                    format!("`in` takes 1 to {MAX_IN_VALUES} values"),
                ));
            }
            let parsed = items
                .iter()
                .map(|v| one_value(&value_name, kind, v, false))
                .collect::<Result<Vec<_>>>()?;
            match kind {
                Kind::Int => FilterValue::Ints(
                    parsed
                        .into_iter()
                        .filter_map(|v| match v {
                            FilterValue::Int(i) => Some(i),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => FilterValue::Texts(
                    parsed
                        .into_iter()
                        .filter_map(|v| match v {
                            FilterValue::Text(t) => Some(t),
                            _ => None,
                        })
                        .collect(),
                ),
            }
        }
        _ => {
            if f.value.is_null() {
                return Err(AppError::missing(
                    value_name,
                    "is required for this operator",
                ));
            }
            let end_of_day = matches!(op, FilterOp::LessThanOrEqual | FilterOp::GreaterThan);
            let bare_date = f.value.as_str().is_some_and(|d| d.trim().len() == 10);
            if kind == Kind::Time
                && bare_date
                && matches!(op, FilterOp::Equals | FilterOp::NotEquals)
            {
                match (
                    one_value(&value_name, kind, &f.value, false)?,
                    one_value(&value_name, kind, &f.value, true)?,
                ) {
                    (FilterValue::Time(start), FilterValue::Time(end)) => {
                        FilterValue::Day(start, end)
                    }
                    _ => unreachable!("a Time kind parses to a Time"),
                }
            } else {
                one_value(&value_name, kind, &f.value, end_of_day)?
            }
        }
    };
    Ok(Filter { field, op, value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(field: &str, operator: &str, value: Value) -> RawFilter {
        RawFilter {
            field: field.into(),
            operator: operator.into(),
            value,
        }
    }

    #[test]
    fn paths_and_operators_match_ignoring_case() {
        let f = parse_filters(
            "filters",
            FilterTarget::Referrals,
            vec![raw(
                "employee.employeecontact.EMAIL",
                "EQUALS",
                json!("Jane@X.example"),
            )],
        )
        .unwrap();
        assert_eq!(f[0].field, FilterField::Email);
        assert_eq!(f[0].op, FilterOp::Equals);
        assert_eq!(f[0].value, FilterValue::Text("Jane@X.example".into()));
    }

    #[test]
    fn a_path_of_the_other_target_is_unknown() {
        let err = parse_filters(
            "filters",
            FilterTarget::Employees,
            vec![raw("Employee.StaffId", "equals", json!("x"))],
        )
        .unwrap_err();
        assert!(err.to_string().contains("filters[0].field"), "{err}");
    }

    #[test]
    fn in_takes_arrays_or_comma_text_and_isnull_a_flag() {
        let f = parse_filters(
            "filters",
            FilterTarget::Employees,
            vec![
                raw("Id", "in", json!("1, 2")),
                raw("Title", "isnull", Value::Null),
                raw("Title", "isnull", json!(false)),
            ],
        )
        .unwrap();
        assert_eq!(f[0].value, FilterValue::Ints(vec![1, 2]));
        assert_eq!(f[1].value, FilterValue::Null(true));
        assert_eq!(f[2].value, FilterValue::Null(false));
    }
}
