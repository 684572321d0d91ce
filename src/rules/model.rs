//! The condition model: ctypes, comparisons, thresholds, and the rules for which fields each
//! ctype takes ("the fields a ctype needs are required for it and refused for the others").
use crate::domain::values;
use crate::error::{AppError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CType {
    /// 0 — no condition.
    None = 0,
    /// 1 — the referral's sales volume in the rule's period (`amount_ctype_1`).
    ReferralSales = 1,
    /// 2 — services the referral bought over the program's life (`item_count`).
    ItemsBought = 2,
    /// 3 — referrals the referrer has brought so far (`referral_count`).
    ReferralCount = 3,
    /// 4 — sales volume of all the referrer's referrals in the rule's period (`amount_ctype_4`).
    TotalSales = 4,
    /// 5 — a tenant condition script returns true (`script_id`).
    Script = 5,
}

impl CType {
    pub fn from_i64(field: &str, n: i64) -> Result<CType> {
        Ok(match n {
            0 => CType::None,
            1 => CType::ReferralSales,
            2 => CType::ItemsBought,
            3 => CType::ReferralCount,
            4 => CType::TotalSales,
            5 => CType::Script,
            other => {
                return Err(AppError::invalid(
                    field,
                    format!("must be 0-5, got {other}"),
                ))
            }
        })
    }

    /// The value field this ctype compares against, if any.
    pub fn value_field(&self) -> Option<&'static str> {
        match self {
            CType::ReferralSales => Some("amount_ctype_1"),
            CType::ItemsBought => Some("item_count"),
            CType::ReferralCount => Some("referral_count"),
            CType::TotalSales => Some("amount_ctype_4"),
            CType::None | CType::Script => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Comparison {
    pub const ALL: [Comparison; 6] = [
        Comparison::Gt,
        Comparison::Ge,
        Comparison::Lt,
        Comparison::Le,
        Comparison::Eq,
        Comparison::Ne,
    ];

    pub fn parse(field: &str, raw: &str) -> Result<Comparison> {
        Ok(match raw.trim().to_ascii_lowercase().as_str() {
            "gt" | ">" => Comparison::Gt,
            "ge" | ">=" => Comparison::Ge,
            "lt" | "<" => Comparison::Lt,
            "le" | "<=" => Comparison::Le,
            "eq" | "=" | "==" => Comparison::Eq,
            "ne" | "!=" | "<>" => Comparison::Ne,
            other => {
                return Err(AppError::invalid(
                    field,
                    format!(
                        "`{other}` is not one of gt, ge, lt, le, eq, ne (or >, >=, <, <=, =, !=)"
                    ),
                ))
            }
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Comparison::Gt => "gt",
            Comparison::Ge => "ge",
            Comparison::Lt => "lt",
            Comparison::Le => "le",
            Comparison::Eq => "eq",
            Comparison::Ne => "ne",
        }
    }

    pub fn holds(&self, observed: i64, threshold: i64) -> bool {
        match self {
            Comparison::Gt => observed > threshold,
            Comparison::Ge => observed >= threshold,
            Comparison::Lt => observed < threshold,
            Comparison::Le => observed <= threshold,
            Comparison::Eq => observed == threshold,
            Comparison::Ne => observed != threshold,
        }
    }
}

/// What a condition compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    None,
    /// Money in minor units of the rule's currency.
    Money(i64),
    Count(i64),
}

impl Threshold {
    pub fn value(&self) -> Option<i64> {
        match self {
            Threshold::None => None,
            Threshold::Money(v) | Threshold::Count(v) => Some(*v),
        }
    }
}

/// A condition ready for the evaluator.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub id: String,
    pub ctype: CType,
    pub comparison: Option<Comparison>,
    /// Months back from now that count (`None`: the whole rule period).
    pub orderperiods: Option<u32>,
    pub threshold: Threshold,
    /// The 002 group this condition belongs to (`None`: its own AND term).
    pub group: Option<String>,
    pub script_id: Option<String>,
}

/// Condition fields as any surface receives them (all text, parsed here once).
#[derive(Debug, Clone, Default)]
pub struct ConditionInput {
    pub ctype: Option<String>,
    pub orderperiods: Option<String>,
    pub comparison: Option<String>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<String>,
    pub referral_count: Option<String>,
    pub group: Option<String>,
    pub groupname: Option<String>,
    pub script_id: Option<String>,
}

/// A validated condition as stored (money kept as the normalized decimal the tenant wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionSpec {
    pub ctype: CType,
    pub orderperiods: Option<u32>,
    pub comparison: Option<Comparison>,
    pub amount_ctype_1: Option<String>,
    pub amount_ctype_4: Option<String>,
    pub item_count: Option<i64>,
    pub referral_count: Option<i64>,
    pub group: Option<String>,
    /// The script's public id (the caller checks it exists in the org and is a condition script).
    pub script_id: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn count(field: &str, raw: &str) -> Result<i64> {
    match raw.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(AppError::invalid(
            field,
            format!("must be a whole number 0 or more, got `{raw}`"),
        )),
    }
}

/// Checks the fields against the ctype and normalizes them. `currency` scales money thresholds.
pub fn parse_condition(input: &ConditionInput, currency: &str) -> Result<ConditionSpec> {
    let raw_ctype =
        given(&input.ctype).ok_or_else(|| AppError::missing("ctype", "is required (0-5)"))?;
    let n = raw_ctype
        .parse::<i64>()
        .map_err(|_| AppError::invalid("ctype", format!("must be 0-5, got `{raw_ctype}`")))?;
    let ctype = CType::from_i64("ctype", n)?;
    refuse_foreign_fields(input, ctype, n)?;
    let mut spec = ConditionSpec {
        ctype,
        orderperiods: None,
        comparison: None,
        amount_ctype_1: None,
        amount_ctype_4: None,
        item_count: None,
        referral_count: None,
        group: parse_group(input)?,
        script_id: None,
    };
    parse_threshold(input, currency, n, &mut spec)?;
    if matches!(ctype, CType::ReferralSales | CType::TotalSales) {
        spec.orderperiods = parse_period(given(&input.orderperiods))?;
    }
    if ctype == CType::Script {
        spec.script_id = Some(
            given(&input.script_id)
                .ok_or_else(|| AppError::missing("script_id", "is required for ctype 5"))?
                .to_string(),
        );
    }
    Ok(spec)
}

fn value_fields(input: &ConditionInput) -> [(&'static str, &Option<String>); 4] {
    [
        ("amount_ctype_1", &input.amount_ctype_1),
        ("item_count", &input.item_count),
        ("referral_count", &input.referral_count),
        ("amount_ctype_4", &input.amount_ctype_4),
    ]
}

/// Refuses the fields this ctype does not take, naming them all.
fn refuse_foreign_fields(input: &ConditionInput, ctype: CType, n: i64) -> Result<()> {
    let mut refused: Vec<&str> = value_fields(input)
        .iter()
        .filter(|(name, v)| given(v).is_some() && ctype.value_field() != Some(*name))
        .map(|(name, _)| *name)
        .collect();
    if ctype.value_field().is_none() && given(&input.comparison).is_some() {
        refused.push("comparison");
    }
    let takes_period = matches!(ctype, CType::ReferralSales | CType::TotalSales);
    if !takes_period && given(&input.orderperiods).is_some() {
        refused.push("orderperiods");
    }
    if ctype != CType::Script && given(&input.script_id).is_some() {
        refused.push("script_id");
    }
    match refused.first() {
        Some(first) => Err(AppError::invalid(
            *first,
            format!("ctype {n} does not take {}", refused.join(", ")),
        )),
        None => Ok(()),
    }
}

/// The comparison and threshold of a comparing ctype (1-4), both required.
fn parse_threshold(
    input: &ConditionInput,
    currency: &str,
    n: i64,
    spec: &mut ConditionSpec,
) -> Result<()> {
    let Some(field) = spec.ctype.value_field() else {
        return Ok(());
    };
    let raw = value_fields(input)
        .iter()
        .find(|(name, _)| *name == field)
        .and_then(|(_, v)| given(v))
        .ok_or_else(|| AppError::missing(field, format!("is required for ctype {n}")))?;
    let cmp = given(&input.comparison)
        .ok_or_else(|| AppError::missing("comparison", format!("is required for ctype {n}")))?;
    spec.comparison = Some(Comparison::parse("comparison", cmp)?);
    match spec.ctype {
        CType::ReferralSales => {
            spec.amount_ctype_1 = Some(values::normalize_money(field, raw, currency)?)
        }
        CType::TotalSales => {
            spec.amount_ctype_4 = Some(values::normalize_money(field, raw, currency)?)
        }
        CType::ItemsBought => spec.item_count = Some(count(field, raw)?),
        CType::ReferralCount => spec.referral_count = Some(count(field, raw)?),
        CType::None | CType::Script => {}
    }
    Ok(())
}

/// `orderperiods`: `all` (or absent, or 0) or the last 1-120 months.
fn parse_period(raw: Option<&str>) -> Result<Option<u32>> {
    match raw {
        None | Some("all") | Some("0") => Ok(None),
        Some(raw) => match raw.parse::<u32>() {
            Ok(m) if (1..=120).contains(&m) => Ok(Some(m)),
            _ => Err(AppError::invalid(
                "orderperiods",
                format!("must be `all` or 1-120 months, got `{raw}`"),
            )),
        },
    }
}

/// `group`: `none` (an AND term of its own) or `new` with a `groupname`.
fn parse_group(input: &ConditionInput) -> Result<Option<String>> {
    match given(&input.group).unwrap_or("none") {
        "none" if given(&input.groupname).is_some() => Err(AppError::invalid(
            "groupname",
            "is only taken with group `new`",
        )),
        "none" => Ok(None),
        "new" => Ok(Some(values::text(
            "groupname",
            given(&input.groupname).unwrap_or(""),
            64,
        )?)),
        other => Err(AppError::invalid(
            "group",
            format!("must be `none` or `new`, got `{other}`"),
        )),
    }
}

impl ConditionSpec {
    /// The evaluator's view of this condition (`id` and `script_id` as the caller names them).
    pub fn to_condition(&self, id: String, currency: &str) -> Condition {
        let money = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| values::parse_money("amount", s, currency).ok())
        };
        let threshold = match self.ctype {
            CType::ReferralSales => {
                money(&self.amount_ctype_1).map_or(Threshold::None, Threshold::Money)
            }
            CType::TotalSales => {
                money(&self.amount_ctype_4).map_or(Threshold::None, Threshold::Money)
            }
            CType::ItemsBought => self.item_count.map_or(Threshold::None, Threshold::Count),
            CType::ReferralCount => self
                .referral_count
                .map_or(Threshold::None, Threshold::Count),
            CType::None | CType::Script => Threshold::None,
        };
        Condition {
            id,
            ctype: self.ctype,
            comparison: self.comparison,
            orderperiods: self.orderperiods,
            threshold,
            group: self.group.clone(),
            script_id: self.script_id.clone(),
        }
    }
}
