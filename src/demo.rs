//! `vouch serve --demo`: on a database with no orgs, a demo org with an owner key, a program and
//! a member with a referral code and a portal link, so a newcomer has something to call at once.
use crate::domain::access;
use crate::domain::members::Profile;
use crate::domain::members::{self, MemberQuery, NewMember};
use crate::domain::orgs::{self, AdminCtx};
use crate::domain::programs::{self, ProgramInput};
use crate::error::Result;
use crate::store::Db;

pub struct Demo {
    pub org_id: String,
    pub owner_key: String,
    pub code: String,
    /// Path of the member's portal (`/portal/<token>`), valid for a day.
    pub portal_path: String,
}

/// Creates the demo org unless the database already has orgs (then answers `None`).
pub async fn seed(db: &Db) -> Result<Option<Demo>> {
    let admin = AdminCtx {
        actor: "demo".into(),
    };
    let existing = orgs::list(&admin, db, crate::domain::PageReq { page: 1, limit: 1 }).await?;
    if existing.total > 0 {
        return Ok(None);
    }
    let (org, key) = orgs::create(&admin, db, "Demo Org").await?;
    let ctx = orgs::system_ctx(db, &org.id, &key.view.id).await?;
    programs::create(
        &ctx,
        db,
        ProgramInput {
            name: "demo".into(),
            title: Some("Demo referral program".into()),
            promocode: "DEMO-@ID@".into(),
            url: Some("https://example.com/join".into()),
            assign_by_default: true,
            member_offer: Some("Earn $10 for every friend who joins".into()),
            referral_offer: Some("Your friend gets 10% off".into()),
            ..Default::default()
        },
    )
    .await?;
    let member = members::create(
        &ctx,
        db,
        NewMember {
            program: Some("demo".into()),
            referral_code: None,
            disabled: false,
            profile: Profile {
                first_name: Some("Jan".into()),
                last_name: Some("Verver".into()),
                email: Some("jan@example.com".into()),
                external_id: Some("usr_4491".into()),
                ..Default::default()
            },
        },
    )
    .await?;
    let query = MemberQuery {
        member_id: Some(member.member.public_id.clone()),
        ..Default::default()
    };
    let grant = access::grant(&ctx, db, &query, None).await?;
    Ok(Some(Demo {
        org_id: org.id,
        owner_key: key.key,
        code: grant.code,
        portal_path: format!("/portal/{}", grant.token),
    }))
}
