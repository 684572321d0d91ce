//! `Idempotency-Key`: a request repeated with the same key gets the first answer again instead
//! of doing the work twice.
//!
//! Protocol (per org; the same key in two orgs is two keys):
//! - `claim` inserts the key `in_flight` with the request's hash (operation, canonical body and
//!   query) by an insert that does nothing on conflict, in its own short transaction; exactly
//!   one of many concurrent first requests wins it.
//! - The winner does the work, then `complete` stores the answer (`done`), or `release` deletes
//!   the key when the work failed (any error: the client may retry with the same key).
//! - A later request with the key: same hash and `done` → the stored answer (`Claim::Replay`);
//!   another hash → 422; still `in_flight` → 409, unless the claim is older than
//!   `STALE_AFTER` (its request died with its process), which a new request takes over.
//! - Keys are kept at least 24 hours; older ones are purged lazily by later claims.
use chrono::Duration;
use sha2::{Digest, Sha256};

use super::{clock, Ctx};
use crate::error::{AppError, Result};
use crate::store::{idempotency as store, Db};

/// The header's name, for messages and the spec.
pub const HEADER: &str = "Idempotency-Key";
/// An in-flight claim older than this is taken to be abandoned.
pub const STALE_AFTER_SECONDS: i64 = 300;
/// Records are kept at least this long.
pub const KEEP_HOURS: i64 = 24;

/// A key as sent: 1–255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<IdempotencyKey> {
        let ok = (1..=255).contains(&raw.len()) && raw.bytes().all(|b| (0x20..0x7f).contains(&b));
        if ok {
            Ok(IdempotencyKey(raw.to_string()))
        } else {
            Err(AppError::invalid(
                HEADER,
                "must be 1 to 255 printable ASCII characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of claiming a key.
#[derive(Debug)]
pub enum Claim {
    /// This request owns the key: do the work, then `complete` or `release`.
    Fresh(IdempotencyKey),
    /// The key's first request finished with this answer; send it again.
    Replay { status: u16, body: String },
}

/// The hash that says whether two requests are "the same": operation, body and query, with
/// object keys sorted so that key order does not matter.
pub fn request_hash(operation: &str, body: &serde_json::Value, query: &str) -> String {
    fn canonical(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for k in keys {
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    canonical(&map[k], out);
                    out.push(',');
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for i in items {
                    canonical(i, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut text = String::new();
    canonical(body, &mut text);
    let mut h = Sha256::new();
    for part in [operation, "\n", query, "\n", &text] {
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Claims `key` for this request (see the module docs for the outcomes).
pub async fn claim(
    ctx: &Ctx,
    db: &Db,
    key: IdempotencyKey,
    operation: &str,
    hash: &str,
) -> Result<Claim> {
    let now = clock::now();
    let txn = db.write(ctx).await?;
    store::purge(ctx, &txn, now - Duration::hours(KEEP_HOURS)).await?;
    let won = store::try_claim(ctx, &txn, key.as_str(), operation, hash, now).await?;
    let outcome = if won {
        Ok(Claim::Fresh(key.clone()))
    } else {
        let row = store::find(ctx, &txn, key.as_str())
            .await?
            .ok_or_else(|| AppError::Internal("idempotency key vanished".into()))?;
        if row.state == "in_flight" {
            let stale_before = now - Duration::seconds(STALE_AFTER_SECONDS);
            if store::take_over(ctx, &txn, row.id, operation, hash, stale_before, now).await? {
                Ok(Claim::Fresh(key.clone()))
            } else {
                Err(AppError::conflict(format!(
                    "{HEADER}: a request with this key is still in progress; retry later"
                )))
            }
        } else if row.request_hash != hash || row.operation != operation {
            Err(AppError::unprocessable(
                HEADER,
                "was used with a different request; use a new key for a new request",
            ))
        } else {
            Ok(Claim::Replay {
                status: row.response_status.unwrap_or(200) as u16,
                body: row.response_body.unwrap_or_default(),
            })
        }
    };
    txn.commit().await?;
    outcome
}

/// Stores the answer of the request that owns `key`.
pub async fn complete(
    ctx: &Ctx,
    db: &Db,
    key: &IdempotencyKey,
    status: u16,
    body: String,
) -> Result<()> {
    let txn = db.write(ctx).await?;
    store::complete(ctx, &txn, key.as_str(), status, body, clock::now()).await?;
    txn.commit().await
}

/// Forgets `key` after its request failed, so that a retry with it runs again.
pub async fn release(ctx: &Ctx, db: &Db, key: &IdempotencyKey) -> Result<()> {
    let txn = db.write(ctx).await?;
    store::release(ctx, &txn, key.as_str()).await?;
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_printable_ascii_characters() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        for bad in ["", "tab\there", "é", &"k".repeat(256)] {
            let err = IdempotencyKey::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("Idempotency-Key:"), "{err}");
        }
    }

    #[test]
    fn the_hash_ignores_key_order_but_not_values_operation_or_query() {
        let a = serde_json::json!({"x": 1, "y": [1, {"b": 2, "a": 1}]});
        let b = serde_json::json!({"y": [1, {"a": 1, "b": 2}], "x": 1});
        let c = serde_json::json!({"x": 2, "y": [1, {"a": 1, "b": 2}]});
        assert_eq!(request_hash("op", &a, ""), request_hash("op", &b, ""));
        assert_ne!(request_hash("op", &a, ""), request_hash("op", &c, ""));
        assert_ne!(request_hash("op", &a, ""), request_hash("other", &a, ""));
        assert_ne!(request_hash("op", &a, ""), request_hash("op", &a, "q=1"));
    }
}
