//! Partner pages (`/portal/{token}`, `/widget/{token}`) and the share-link redirect (`/r/{code}`).
//!
//! Pages are server-rendered with auto-escaping (every tenant or member string is escaped), work
//! without JavaScript except the copy button (one inline script, allowed by its hash), send a
//! Content-Security-Policy whose `frame-ancestors` lists the program's embed origins (`'none'`
//! when it lists none), and never leak the token in a Referer.
use std::sync::OnceLock;

use base64::Engine;
use minijinja::{context, Environment};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{handler, Response};
use sha2::{Digest, Sha256};

use super::links::MemberLinks;
use crate::api::State;
use crate::domain::access::{self, Opened};
use crate::domain::members::MemberDetail;
use crate::domain::values::decimal;

const COPY_SCRIPT: &str = "document.querySelectorAll('[data-copy]').forEach(function(b){b.addEventListener('click',\
function(){var i=document.getElementById(b.getAttribute('data-copy'));i.select();\
(navigator.clipboard?navigator.clipboard.writeText(i.value):Promise.resolve(document.execCommand('copy')))\
.then(function(){b.textContent='Copied';});});});";

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("layout.html", include_str!("templates/layout.html")),
            ("share.html", include_str!("templates/share.html")),
            ("portal.html", include_str!("templates/portal.html")),
            ("widget.html", include_str!("templates/widget.html")),
            ("message.html", include_str!("templates/message.html")),
            (
                "unsubscribe.html",
                include_str!("templates/unsubscribe.html"),
            ),
        ] {
            env.add_template(name, source)
                .expect("page templates compile");
        }
        env
    })
}

fn script_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(COPY_SCRIPT.as_bytes()))
    })
}

/// The Content-Security-Policy of every page.
pub fn csp(origins: &[String]) -> String {
    // Origins are checked when a program is saved; one stored before that check that no longer
    // passes it is left out rather than written into the header.
    let origins: Vec<String> = origins
        .iter()
        .filter_map(|o| crate::domain::values::origin("embed_origins", o).ok())
        .collect();
    let ancestors = if origins.is_empty() {
        "'none'".to_string()
    } else {
        origins.join(" ")
    };
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{}'; img-src 'self' data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}",
        script_hash()
    )
}

fn html(status: StatusCode, body: String, origins: &[String]) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header("content-security-policy", csp(origins))
        .header("referrer-policy", "no-referrer")
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store")
        .body(body)
}

fn message(status: StatusCode, heading: &str, text: &str) -> Response {
    let body = templates()
        .get_template("message.html")
        .and_then(|t| t.render(context! { heading, message => text, copy_script => COPY_SCRIPT }))
        .unwrap_or_else(|_| heading.to_string());
    html(status, body, &[])
}

fn failed(err: impl std::fmt::Display) -> Response {
    tracing::error!(error = %err, "page failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Please try again in a moment.",
    )
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Link not found",
        "This link does not exist. Check that it was copied completely.",
    )
}

fn render(
    template: &str,
    base: &str,
    d: &MemberDetail,
) -> Result<(String, Vec<String>), minijinja::Error> {
    let program = d.program.as_ref();
    let code = d.referral_code.clone().unwrap_or_default();
    let MemberLinks {
        share_url,
        sms_share_url,
        whatsapp_share_url,
        email_share_url,
        ..
    } = d.links(base, &code);
    let currency = program
        .map(|p| p.currency.clone())
        .unwrap_or_else(|| "USD".into());
    let s = &d.stats;
    let body = templates().get_template(template)?.render(context! {
        name => d.display_name(),
        program_title => program.map(|p| p.title.clone()).unwrap_or_default(),
        offer => program.and_then(|p| p.member_offer.clone()),
        code, share_url, sms_url => sms_share_url, whatsapp_url => whatsapp_share_url, email_url => email_share_url,
        views => d.member.views, referrals => s.referrals, pending => s.pending, qualified => s.qualified,
        approved => s.approved, rewards => s.rewards,
        reward_total => decimal(s.reward_total_minor, &currency), reward_issued => decimal(s.reward_issued_minor, &currency),
        currency, copy_script => COPY_SCRIPT,
    })?;
    Ok((
        body,
        program.map(|p| p.embed_origins.clone()).unwrap_or_default(),
    ))
}

async fn member_page(state: &State, token: &str, template: &str) -> Response {
    match access::open(&state.db, token).await {
        Ok(Opened::Page { member, .. }) => match render(template, &state.public_base, &member) {
            Ok((body, origins)) => html(StatusCode::OK, body, &origins),
            Err(err) => failed(err),
        },
        Ok(Opened::Expired) => message(
            StatusCode::GONE,
            "This link has expired",
            "Links to this page expire for your security. Ask for a new link where you found this one.",
        ),
        Ok(Opened::NotFound) => not_found(),
        Err(err) => failed(err),
    }
}

#[handler]
pub async fn portal(Path(token): Path<String>, state: Data<&State>) -> Response {
    member_page(&state, &token, "portal.html").await
}

#[handler]
pub async fn widget(Path(token): Path<String>, state: Data<&State>) -> Response {
    member_page(&state, &token, "widget.html").await
}

/// `/r/{code}`: counts a view and redirects to the member's destination with `ref=<code>`.
#[handler]
pub async fn share_link(Path(code): Path<String>, state: Data<&State>) -> Response {
    match access::follow_share_link(&state.db, &code).await {
        Ok(Some(target)) => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", target)
            .header("referrer-policy", "no-referrer")
            .header("cache-control", "no-store")
            .finish(),
        Ok(None) => not_found(),
        Err(err) => failed(err),
    }
}

/// `GET /unsubscribe/{token}`: a page with one button, so a mail scanner that follows links
/// unsubscribes nobody; the button posts to the same URL.
#[handler]
pub async fn unsubscribe_page(Path(token): Path<String>, state: Data<&State>) -> Response {
    match crate::domain::unsubscribes::token_exists(&state.db, &token).await {
        Ok(true) => {
            let body = templates()
                .get_template("unsubscribe.html")
                .and_then(|t| t.render(context! { copy_script => COPY_SCRIPT }))
                .unwrap_or_else(|_| "Unsubscribe".to_string());
            let mut resp = html(StatusCode::OK, body, &[]);
            // This page alone posts a form, to itself.
            let policy = csp(&[]).replace("form-action 'none'", "form-action 'self'");
            if let Ok(value) = poem::http::HeaderValue::from_str(&policy) {
                resp.headers_mut().insert("content-security-policy", value);
            }
            resp
        }
        Ok(false) => not_found(),
        Err(err) => failed(err),
    }
}

/// `POST /unsubscribe/{token}`: the page's button, and RFC 8058 one-click unsubscribe from the
/// mail client (`List-Unsubscribe-Post`). Adds the address to the org's list.
#[handler]
pub async fn unsubscribe(Path(token): Path<String>, state: Data<&State>) -> Response {
    match crate::domain::unsubscribes::follow_link(&state.db, &token).await {
        Ok(Some(_)) => message(
            StatusCode::OK,
            "You are unsubscribed",
            "You will not receive these emails any more.",
        ),
        Ok(None) => not_found(),
        Err(err) => failed(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_frames_only_listed_origins_and_allows_only_the_copy_script() {
        let none = csp(&[]);
        assert!(none.contains("frame-ancestors 'none'"), "{none}");
        let some = csp(&["https://a.example".into(), "https://b.example".into()]);
        assert!(
            some.ends_with("frame-ancestors https://a.example https://b.example"),
            "{some}"
        );
        assert!(some.contains(&format!("script-src 'sha256-{}'", script_hash())));
        let stored = csp(&["https://a.example;sandbox".into(), "https://*".into()]);
        assert!(stored.ends_with("frame-ancestors 'none'"), "{stored}");
    }

    #[test]
    fn templates_escape_member_supplied_text() {
        let out = templates()
            .get_template("message.html")
            .unwrap()
            .render(context! { heading => "<script>alert(1)</script>", message => "x", copy_script => COPY_SCRIPT })
            .unwrap();
        assert!(!out.contains("<script>alert(1)"), "{out}");
        assert!(out.contains("&lt;script&gt;alert(1)&lt;"), "{out}");
    }
}
