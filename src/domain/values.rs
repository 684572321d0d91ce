//! Small value types parsed at the edge: emails, currencies, web URLs, embed origins, promo-code
//! templates. Each `parse` names the field it was given when it refuses.
use crate::error::{AppError, Result};

/// ISO 4217 codes in current use.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP \
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ \
GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD \
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR \
RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH \
UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG";

pub fn currency(field: &str, raw: Option<&str>) -> Result<String> {
    let code = raw
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "USD".into());
    if code.len() == 3 && ISO_4217.split_whitespace().any(|c| c == code) {
        Ok(code)
    } else {
        Err(AppError::invalid(
            field,
            format!("`{code}` is not an ISO 4217 currency code"),
        ))
    }
}

/// A lower-cased email address: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters, at most 254 characters. Every surface takes emails as this type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Parses an address, saying what is wrong when it is not one.
    pub fn parse(raw: &str) -> std::result::Result<Email, String> {
        let e = raw.trim().to_lowercase();
        let valid = e.chars().count() <= Self::MAX_LEN
            && !e.contains(|c: char| c.is_whitespace() || c.is_control())
            && e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(Email(e))
        } else {
            Err(format!("`{}` is not an email address", raw.trim()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// `raw` as a lower-cased email address, naming `field` when it is not one.
pub fn email(field: &str, raw: &str) -> Result<String> {
    Email::parse(raw)
        .map(Email::into_inner)
        .map_err(|message| AppError::invalid(field, message))
}

/// An absolute http(s) URL.
pub fn web_url(field: &str, raw: &str) -> Result<String> {
    check_web_url(raw).map_err(|message| AppError::invalid(field, message))
}

/// `raw` as a normalized absolute http(s) URL, or what is wrong with it (the API edge's
/// `WebUrl` and `web_url` share this rule).
pub fn check_web_url(raw: &str) -> std::result::Result<String, String> {
    let parsed = url::Url::parse(raw.trim()).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err("must be an http or https URL".into());
    }
    Ok(parsed.to_string())
}

/// An origin for `frame-ancestors`: `https://host[:port]` (plain `http` only for `localhost` and
/// `127.0.0.1`), the host of DNS characters only (letters, digits, `-`, `.`), no user, path,
/// query or fragment. Answers it lower-case, without a default port: the value goes verbatim
/// into a Content-Security-Policy header, so nothing that header gives meaning to (`*`, `;`,
/// quotes, spaces, keywords) can pass.
pub fn origin(field: &str, raw: &str) -> Result<String> {
    let refuse = |why: &str| {
        AppError::invalid(
            field,
            format!("`{raw}` is not an origin like https://partner.example.com: {why}"),
        )
    };
    let trimmed = raw.trim();
    let lower = trimmed.to_ascii_lowercase();
    let (scheme, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        ("http", rest)
    } else {
        return Err(refuse("it must start with https://"));
    };
    // One trailing `/` (the empty path) is tolerated; any other path, a query or a fragment not.
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return Err(refuse("no path, query or fragment"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let dns_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if host.is_empty() || host.len() > 253 || !host.split('.').all(dns_label) {
        return Err(refuse(
            "the host may contain only letters, digits, - and . (no *, user, quotes or spaces)",
        ));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => Some(n),
            _ => return Err(refuse("the port must be a number from 1 to 65535")),
        },
    };
    if scheme == "http" && !matches!(host, "localhost" | "127.0.0.1") {
        return Err(refuse(
            "plain http is allowed only for localhost; use https",
        ));
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

pub const ID_PLACEHOLDER: &str = "@ID@";

/// A promo-code template: `@ID@` exactly once, around it letters, digits, `-` and `_`.
pub fn promo_template(field: &str, raw: &str) -> Result<String> {
    let t = raw.trim();
    if t.matches(ID_PLACEHOLDER).count() != 1 {
        return Err(AppError::invalid(
            field,
            "must contain @ID@ exactly once (where the member's id goes)",
        ));
    }
    let rest = t.replace(ID_PLACEHOLDER, "");
    if rest.len() > 48
        || rest
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(AppError::invalid(
            field,
            "may contain only letters, digits, - and _ around @ID@ (48 at most)",
        ));
    }
    Ok(t.to_string())
}

/// The promo code of member `member_id` under `template`.
pub fn promo_code(template: &str, member_id: i64) -> String {
    template.replace(ID_PLACEHOLDER, &member_id.to_string())
}

/// The member id a promo code carries under `template`, if it fits (letters compare case-insensitively).
pub fn promo_member_id(template: &str, code: &str) -> Option<i64> {
    let (prefix, suffix) = template.split_once(ID_PLACEHOLDER)?;
    let code = code.trim();
    if code.len() <= prefix.len() + suffix.len() {
        return None;
    }
    let (head, rest) = code.split_at_checked(prefix.len())?;
    let (digits, tail) = rest.split_at_checked(rest.len() - suffix.len())?;
    if !head.eq_ignore_ascii_case(prefix) || !tail.eq_ignore_ascii_case(suffix) {
        return None;
    }
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

/// A calendar date `YYYY-MM-DD` with a four-digit year (chrono alone would take signed years,
/// which databases refuse).
pub fn day(field: &str, raw: &str) -> Result<chrono::NaiveDate> {
    let s = raw.trim();
    let shaped = s.len() == 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[7] == b'-'
        && s[..4].chars().all(|c| c.is_ascii_digit());
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) if shaped && s[..4] != *"0000" => Ok(d),
        _ => Err(AppError::invalid(
            field,
            format!("`{s}` is not a date (YYYY-MM-DD)"),
        )),
    }
}

/// A date bound: a date (`2026-01-31`: its first moment, or its last with `end_of_day`) or an
/// RFC 3339 date-time; empty is no bound.
pub fn date_bound(
    field: &str,
    raw: Option<&str>,
    end_of_day: bool,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&chrono::Utc)));
    }
    let day = day(field, raw)?;
    let time = if end_of_day {
        day.and_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        day.and_hms_opt(0, 0, 0)
    };
    Ok(time.map(|t| t.and_utc()))
}

/// Trimmed optional text, at most `max` characters; empty becomes `None`.
pub fn opt_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

/// Required trimmed text, 1 to `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String> {
    opt_text(field, Some(value), max)?
        .ok_or_else(|| AppError::missing(field, "is required and must not be empty"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promo_codes_round_trip_through_their_template() {
        let t = promo_template("promocode", "SPRING-@ID@-X").unwrap();
        let code = promo_code(&t, 42);
        assert_eq!(code, "SPRING-42-X");
        assert_eq!(promo_member_id(&t, "spring-42-x"), Some(42));
        assert_eq!(promo_member_id(&t, "SPRING--X"), None);
        assert_eq!(promo_member_id(&t, "SPRING-042-X"), None);
        assert_eq!(promo_member_id(&t, "AUTUMN-42-X"), None);
        assert_eq!(promo_member_id("@ID@", "7"), Some(7));
    }

    #[test]
    fn days_have_four_digit_years() {
        assert!(day("d", "2026-01-31").is_ok());
        for bad in [
            "-5000-01-01",
            "99999-01-01",
            "0000-01-01",
            "2026-1-1",
            "2026-02-30",
            "soon",
        ] {
            assert!(day("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn promo_templates_need_the_placeholder_once() {
        assert!(promo_template("promocode", "SPRING").is_err());
        assert!(promo_template("promocode", "@ID@@ID@").is_err());
        assert!(promo_template("promocode", "A B@ID@").is_err());
    }

    #[test]
    fn emails_currencies_urls_and_origins_are_checked() {
        assert_eq!(
            email("email", " Jane@Example.COM ").unwrap(),
            "jane@example.com"
        );
        for bad in [
            "jane",
            "jane@",
            "@x.com",
            "a b@x.com",
            "a@b@c.com",
            "a@localhost",
            "a@x.",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert_eq!(currency("currency", None).unwrap(), "USD");
        assert_eq!(currency("currency", Some("eur")).unwrap(), "EUR");
        assert!(currency("currency", Some("EURO")).is_err());
        assert!(currency("currency", Some("XYZ")).is_err());
        assert!(web_url("url", "https://shop.example.com/join").is_ok());
        assert!(web_url("url", "javascript:alert(1)").is_err());
        assert_eq!(
            origin("embed_origins", "https://partner.example.com").unwrap(),
            "https://partner.example.com"
        );
        for (raw, want) in [
            (
                "https://Shop.Example.com:8443",
                "https://shop.example.com:8443",
            ),
            ("https://shop.example.com:443/", "https://shop.example.com"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            (
                "https://xn--bcher-kva.example",
                "https://xn--bcher-kva.example",
            ),
        ] {
            assert_eq!(origin("o", raw).unwrap(), want, "{raw}");
        }
        for bad in [
            "*",
            "https://*",
            "https://*.example.com",
            "https://a.example;sandbox",
            "https://x'unsafe-inline'",
            "https://a.example https://b.example",
            "https://'self'",
            "http://shop.example",
            "https://partner.example.com/path",
            "https://a.example?x=1",
            "https://a.example#f",
            "https://user@a.example",
            "https://a.example:0",
            "https://a.example:99999",
            "https://a.example:",
            "https://",
            "https://a..example",
            "https://-a.example",
            "https://[::1]",
            "ftp://a.example",
            "a.example",
            "data:",
        ] {
            assert!(origin("o", bad).is_err(), "{bad}");
        }
    }
}

/// Minor units per major unit: 0 or 3 decimals for the currencies that use them, else 2.
pub fn currency_exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Integer minor units shown as a decimal string, e.g. 1234 USD → "12.34", 500 JPY → "500".
pub fn decimal(minor: i64, currency: &str) -> String {
    let exp = currency_exponent(currency);
    if exp == 0 {
        return minor.to_string();
    }
    let unit = 10i64.pow(exp);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / unit as u64,
        abs % unit as u64,
        width = exp as usize
    )
}

#[cfg(test)]
mod money_tests {
    use super::*;

    #[test]
    fn minor_units_show_as_decimals_per_currency() {
        assert_eq!(decimal(1234, "USD"), "12.34");
        assert_eq!(decimal(5, "EUR"), "0.05");
        assert_eq!(decimal(-150, "USD"), "-1.50");
        assert_eq!(decimal(500, "JPY"), "500");
        assert_eq!(decimal(1234, "KWD"), "1.234");
    }
}

/// Parses a decimal amount in major units (`12.5`, `12.50`) into minor units of `currency`;
/// more decimals than the currency has, signs or other characters are refused.
pub fn parse_money(field: &str, raw: &str, currency: &str) -> Result<i64> {
    parse_scaled(field, raw, currency_exponent(currency) as usize)
}

/// Parses a non-negative decimal with at most `exp` decimals into an integer scaled by 10^exp.
pub fn parse_scaled(field: &str, raw: &str, exp: usize) -> Result<i64> {
    let raw = raw.trim();
    let bad = || {
        AppError::invalid(
            field,
            format!("`{raw}` is not an amount with at most {exp} decimals"),
        )
    };
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    // 12 whole digits keep every scaled value (up to 4 decimals) far inside i64.
    if whole.is_empty() || whole.len() > 12 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > exp
        || !frac.chars().all(|c| c.is_ascii_digit())
        || (raw.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<exp$}").parse().map_err(|_| bad())?
    };
    whole
        .checked_mul(10i64.pow(exp as u32))
        .and_then(|w| w.checked_add(frac_value))
        .ok_or_else(bad)
}

/// The canonical text of an amount: `12.5` USD → `12.50`.
pub fn normalize_money(field: &str, raw: &str, currency: &str) -> Result<String> {
    Ok(decimal(parse_money(field, raw, currency)?, currency))
}

#[cfg(test)]
mod parse_money_tests {
    use super::*;

    #[test]
    fn amounts_parse_into_minor_units() {
        assert_eq!(parse_money("a", "12.5", "USD").unwrap(), 1250);
        assert_eq!(parse_money("a", "12", "USD").unwrap(), 1200);
        assert_eq!(parse_money("a", "0.07", "USD").unwrap(), 7);
        assert_eq!(parse_money("a", "500", "JPY").unwrap(), 500);
        assert!(parse_money("a", "5.5", "JPY").is_err());
        assert!(parse_money("a", "1.234", "USD").is_err());
        assert!(parse_money("a", "-1", "USD").is_err());
        assert!(parse_money("a", "1.", "USD").is_err());
        assert!(parse_money("a", "abc", "USD").is_err());
        assert_eq!(normalize_money("a", "12.5", "USD").unwrap(), "12.50");
        assert!(
            parse_money("a", "999999999999999", "USD").is_err(),
            "too many digits, not an overflow"
        );
        assert!(parse_scaled("a", "999999999999", 4).is_ok());
    }
}
