//! `vouch serve --demo`: on a database with no orgs, a demo org with an owner key and one
//! referral code, so a newcomer has something to call at once.
use crate::domain::orgs::{self, AdminCtx};
use crate::domain::referral_codes::{self, CreateCode};
use crate::domain::roles::Role;
use crate::domain::{Ctx, PageReq};
use crate::error::Result;
use crate::store::members::MemberNames;
use crate::store::Db;

pub struct Demo {
    pub org_id: String,
    pub owner_key: String,
    pub code: String,
}

/// Creates the demo org unless the database already has orgs (then answers `None`).
pub async fn seed(db: &Db) -> Result<Option<Demo>> {
    let admin = AdminCtx {
        actor: "demo".into(),
    };
    let existing = orgs::list(&admin, db, PageReq { page: 1, limit: 1 }).await?;
    if existing.total > 0 {
        return Ok(None);
    }
    let (org, key) = orgs::create(&admin, db, "Demo Org").await?;
    let org_row = crate::store::orgs::find_by_public_id(db.conn(), &org.id).await?;
    let org_num = org_row.map(|o| o.id).unwrap_or_default();
    let ctx = Ctx {
        org_id: org_num,
        org_public_id: org.id.clone(),
        actor: key.view.id.clone(),
        role: Role::Owner,
    };
    let record = referral_codes::create(
        &ctx,
        db,
        CreateCode {
            mentor_id: "usr_4491".into(),
            org_id: None,
            code: None,
            names: MemberNames {
                first_name: Some("Jan".into()),
                last_name: Some("Verver".into()),
                email: None,
            },
        },
    )
    .await?;
    Ok(Some(Demo {
        org_id: org.id,
        owner_key: key.key,
        code: record.code,
    }))
}
