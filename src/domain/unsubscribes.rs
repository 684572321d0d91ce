//! The email unsubscribe list: addresses an org must not mail. Mail carries a link with a
//! random token (stored hashed) that adds its address; a sender asks `refuse_unsubscribed`
//! before anything goes out. Entries are keyed by mailbox identity (case, `+tag` and gmail dots
//! folded), so `Jane+x@Example.com` unsubscribed is `jane@example.com` unsubscribed.
use serde_json::json;

use super::referrals::identity;
use super::values::Email;
use super::Ctx;
use crate::auth::secrets;
use crate::error::{AppError, Result};
use crate::store::{events, orgs, unsubscribes as store, Db, WriteTxn};

/// Refuses (422) an address the org's list holds: nothing may be sent to it.
pub async fn refuse_unsubscribed(ctx: &Ctx, db: &Db, field: &str, email: &str) -> Result<()> {
    let email = Email::parse(email).map_err(|m| AppError::invalid(field, m))?;
    if store::contains(ctx, db.conn(), &identity::mailbox(&email)).await? {
        return Err(AppError::unprocessable(
            field,
            format!(
                "`{}` is on this org's unsubscribe list; nothing was sent",
                email.as_str()
            ),
        ));
    }
    Ok(())
}

/// A new unsubscribe link token for `email`, recorded (hashed) in `txn`: the URL path segment.
pub async fn new_link_token(ctx: &Ctx, txn: &WriteTxn, email: &str) -> Result<String> {
    let secret = secrets::generate(secrets::SecretKind::UnsubscribeToken);
    store::insert_token(ctx, txn, &secret.hash, email).await?;
    Ok(secret.plaintext)
}

/// Adds an address to the org's list and records `EmailUnsubscribed` (once: adding it again
/// changes nothing and records nothing).
pub async fn add(ctx: &Ctx, txn: &WriteTxn, email: &str, source: &str) -> Result<bool> {
    let parsed = email_field(email)?;
    let key = identity::mailbox(&parsed);
    let added = store::add(ctx, txn, parsed.as_str(), &key, source).await?;
    if added {
        events::record(
            ctx,
            txn,
            "EmailUnsubscribed",
            parsed.as_str(),
            json!({"email": parsed.as_str(), "source": source}),
        )
        .await?;
    }
    Ok(added)
}

/// Adds an address through the API (`source` `api`), in a transaction of its own.
pub async fn unsubscribe(ctx: &Ctx, db: &Db, email: &str) -> Result<(String, bool)> {
    let email = email_field(email)?.as_str().to_string();
    let txn = db.write(ctx).await?;
    let added = add(ctx, &txn, &email, "api").await?;
    txn.commit().await?;
    Ok((email, added))
}

/// Takes an address off the org's list (matched by mailbox identity, as it was added);
/// `false` when it was not on it. Mail to it may go out again.
pub async fn remove(ctx: &Ctx, db: &Db, email: &str) -> Result<(String, bool)> {
    let parsed = email_field(email)?;
    let txn = db.write(ctx).await?;
    let removed = store::remove(ctx, &txn, &identity::mailbox(&parsed)).await?;
    txn.commit().await?;
    Ok((parsed.as_str().to_string(), removed))
}

/// The org's listed addresses, oldest first (`email`: only that address, if listed).
pub async fn list(
    ctx: &Ctx,
    db: &Db,
    email: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<crate::store::Page<String>> {
    let key = match email {
        Some(e) => Some(identity::mailbox(&email_field(e)?)),
        None => None,
    };
    store::list(ctx, db.conn(), key.as_deref(), offset, limit).await
}

/// An address given in the `email` field (or body), or a 400 naming it.
fn email_field(email: &str) -> Result<Email> {
    Email::parse(email).map_err(|m| AppError::invalid("email", m))
}

fn plausible_token(token: &str) -> bool {
    token.len() <= 100 && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Does this unsubscribe link token exist (in any org)?
pub async fn token_exists(db: &Db, token: &str) -> Result<bool> {
    if !plausible_token(token) {
        return Ok(false);
    }
    Ok(store::find_token_any_org(db.conn(), &secrets::hash(token))
        .await?
        .is_some())
}

/// Follows an unsubscribe link: the token names the org and the address. `None` for an
/// unknown token; otherwise the address, now on the list.
pub async fn follow_link(db: &Db, token: &str) -> Result<Option<String>> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let Some((org_id, email)) = store::find_token_any_org(db.conn(), &secrets::hash(token)).await?
    else {
        return Ok(None);
    };
    let Some(org) = orgs::find_by_id(db.conn(), org_id).await? else {
        return Ok(None);
    };
    let ctx = Ctx::system(org.id, org.public_id, "unsubscribe-link".into());
    let txn = db.write(&ctx).await?;
    add(&ctx, &txn, &email, "link").await?;
    txn.commit().await?;
    Ok(Some(email))
}
