//! The kinds of script (condition, amount, fraud) and the check of what a run of each returns.
//!
//! Invariant: a run's value reaches the caller only as the JSON `Kind::check` answers.
use rhai::Dynamic;

/// What a script of each kind must return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `true` or `false`: does the condition hold?
    Condition,
    /// A whole number of minor units ≥ 0: the reward amount.
    Amount,
    /// `"allow"`, `"review"` or `"deny"`.
    Fraud,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "condition" => Some(Kind::Condition),
            "amount" => Some(Kind::Amount),
            "fraud" => Some(Kind::Fraud),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Condition => "condition",
            Kind::Amount => "amount",
            Kind::Fraud => "fraud",
        }
    }

    /// Checks a returned value against the kind; answers it as JSON.
    pub fn check(&self, value: &Dynamic) -> Result<serde_json::Value, String> {
        match self {
            Kind::Condition => value
                .as_bool()
                .map(serde_json::Value::Bool)
                .map_err(|t| format!("a condition script must return true or false, not {t}")),
            Kind::Amount => match value.as_int() {
                Ok(n) if n >= 0 => Ok(serde_json::json!(n)),
                Ok(n) => Err(format!(
                    "an amount script must not return a negative amount ({n})"
                )),
                Err(t) => Err(format!(
                    "an amount script must return whole minor units, not {t}"
                )),
            },
            Kind::Fraud => match value.clone().into_string() {
                Ok(s) if matches!(s.as_str(), "allow" | "review" | "deny") => {
                    Ok(serde_json::Value::String(s))
                }
                Ok(s) => Err(format!(
                    "a fraud script must return \"allow\", \"review\" or \"deny\", not \"{s}\""
                )),
                Err(t) => Err(format!("a fraud script must return a string, not {t}")),
            },
        }
    }
}
