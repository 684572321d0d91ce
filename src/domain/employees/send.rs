//! Mailing an employee their referral code and share link (SendEmployeeReferralCodeCommand).
//! The address is checked against the org's unsubscribe list first (unsubscribed: 422, nothing
//! sent); the mail carries its own unsubscribe link; `EmployeeReferralCodeSent` is recorded
//! only once the mail server (or the outbox) has taken the message.
//! A mail server that refuses or does not answer (15 s) is a 502; nothing is retried for the
//! caller, who may send again.
use serde_json::json;

use super::get;
use crate::domain::{links, unsubscribes, Ctx};
use crate::error::{AppError, Result};
use crate::mail::{escape_html, Mailer, Outgoing};
use crate::store::{events, Db};

/// What was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCode {
    pub employee_id: i64,
    pub email: String,
    pub referral_code: String,
    pub share_url: String,
}

/// Mails employee `id` their code. `base` is the server's public URL.
pub async fn send_code(
    ctx: &Ctx,
    db: &Db,
    mailer: &Mailer,
    base: &str,
    id: i64,
) -> Result<SentCode> {
    let employee = get(ctx, db, id).await?;
    if !employee.is_enabled {
        return Err(AppError::unprocessable(
            "employeeId",
            "the employee is disabled; enable them before sending their code",
        ));
    }
    let code = employee.referral_code.clone().ok_or_else(|| {
        AppError::unprocessable("employeeId", "the employee has no active referral code")
    })?;
    unsubscribes::refuse_unsubscribed(ctx, db, "email", &employee.email).await?;
    let share_url = links::member_links(base, &code, None, None).share_url;
    // No transaction is held while the mail server talks (on SQLite that would stop every
    // writer): the link's token is committed first, the event after the send.
    let txn = db.write(ctx).await?;
    let token = unsubscribes::new_link_token(ctx, &txn, &employee.email).await?;
    txn.commit().await?;
    let unsubscribe_url = format!("{base}/unsubscribe/{token}");
    let name = employee.first_name.clone();
    let text = format!(
        "Hello {name},\n\nYour referral code is {code}.\n\nShare this link: {share_url}\n\n\
         Customers who register with your code are credited to you.\n\n\
         To stop receiving these emails: {unsubscribe_url}\n"
    );
    let html = format!(
        "<p>Hello {n},</p><p>Your referral code is <strong>{c}</strong>.</p>\
         <p>Share this link: <a href=\"{s}\">{s}</a></p>\
         <p>Customers who register with your code are credited to you.</p>\
         <p style=\"font-size:small\"><a href=\"{u}\">Unsubscribe</a></p>",
        n = escape_html(&name),
        c = escape_html(&code),
        s = escape_html(&share_url),
        u = escape_html(&unsubscribe_url),
    );
    mailer
        .send(&Outgoing {
            to: employee.email.clone(),
            subject: "Your referral code".into(),
            text,
            html,
            unsubscribe_url,
        })
        .await?;
    let txn = db.write(ctx).await?;
    events::record(
        ctx,
        &txn,
        "EmployeeReferralCodeSent",
        &employee.id.to_string(),
        json!({"id": employee.id, "email": employee.email, "referralCode": code}),
    )
    .await?;
    txn.commit().await?;
    Ok(SentCode {
        employee_id: employee.id,
        email: employee.email,
        referral_code: code,
        share_url,
    })
}
