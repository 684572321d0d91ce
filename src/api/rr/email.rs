//! The email unsubscribe list on the 003 surface: `POST /api/email/unsubscribe`,
//! `POST|DELETE /api/email/removeunsubscribe` (each with the address as a bare JSON string
//! body, as 003's clients send it) and `GET /api/email/getunsubscribed`. Addresses are
//! compared by mailbox identity (case, `+tag` and gmail dots folded), as mail sending checks
//! them; unsubscribing records `EmailUnsubscribed` once.
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::RrError;
use crate::api::wire::{Count, Line, Offset};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::members::parse_window;
use crate::domain::unsubscribes;

/// An email address as text (checked as an address by the operation).
type EmailText = Line<254>;

pub struct RrEmailApi {
    pub state: State,
}

#[derive(Object, Debug)]
pub struct RrUnsubscribed {
    /// The address, as it is kept (lower-case).
    pub email: String,
    /// `true` when this call added it; `false` when it was on the list already.
    pub added: bool,
}

#[derive(Object, Debug)]
pub struct RrUnsubscribeRemoved {
    /// The address, as given (lower-case).
    pub email: String,
    /// `true` when it was on the list and is now off it.
    pub removed: bool,
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrEmailApi {
    /// Add an email address to the unsubscribe list
    ///
    /// Nothing is mailed to the address afterwards (invites, referral codes). The body is the
    /// address as a bare JSON string, e.g. `"jane@example.com"`.
    #[oai(
        path = "/api/email/unsubscribe",
        method = "post",
        operation_id = "rrUnsubscribeEmail"
    )]
    async fn unsubscribe(
        &self,
        auth: ApiAuth,
        body: Json<EmailText>,
    ) -> Result<Json<RrUnsubscribed>, RrError> {
        let ctx = self.state.tenant(auth, "rrUnsubscribeEmail").await?;
        let (email, added) = unsubscribes::unsubscribe(&ctx, &self.state.db, &body.0).await?;
        Ok(Json(RrUnsubscribed { email, added }))
    }

    /// Remove an email address from the unsubscribe list
    ///
    /// The body is the address as a bare JSON string.
    #[oai(
        path = "/api/email/removeunsubscribe",
        method = "post",
        operation_id = "rrRemoveUnsubscribe"
    )]
    async fn remove(
        &self,
        auth: ApiAuth,
        body: Json<EmailText>,
    ) -> Result<Json<RrUnsubscribeRemoved>, RrError> {
        self.removing(auth, "rrRemoveUnsubscribe", body.0).await
    }

    /// Remove an email address from the unsubscribe list (DELETE with a body)
    ///
    /// The same as the POST form, for clients that send a DELETE; the body is the address as a
    /// bare JSON string.
    #[oai(
        path = "/api/email/removeunsubscribe",
        method = "delete",
        operation_id = "rrRemoveUnsubscribeDelete"
    )]
    async fn remove_delete(
        &self,
        auth: ApiAuth,
        body: Json<EmailText>,
    ) -> Result<Json<RrUnsubscribeRemoved>, RrError> {
        self.removing(auth, "rrRemoveUnsubscribeDelete", body.0)
            .await
    }

    /// List the unsubscribed email addresses
    ///
    /// Oldest first; with `email`, only that address (an empty list when it is not listed).
    #[oai(
        path = "/api/email/getunsubscribed",
        method = "get",
        operation_id = "rrGetUnsubscribed"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Only this address (matched as mail sending matches it).
        email: Query<Option<EmailText>>,
        /// 0-based index of the first address.
        offset: Query<Option<Offset>>,
        /// How many addresses, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<Vec<String>>, RrError> {
        let ctx = self.state.tenant(auth, "rrGetUnsubscribed").await?;
        let (offset, count) = parse_window(offset.0.map(Into::into), count.0.map(Into::into))?;
        let page =
            unsubscribes::list(&ctx, &self.state.db, email.0.as_deref(), offset, count).await?;
        Ok(Json(page.items))
    }
}

impl RrEmailApi {
    async fn removing(
        &self,
        auth: ApiAuth,
        operation: &str,
        email: EmailText,
    ) -> Result<Json<RrUnsubscribeRemoved>, RrError> {
        let ctx = self.state.tenant(auth, operation).await?;
        let (email, removed) = unsubscribes::remove(&ctx, &self.state.db, &email).await?;
        Ok(Json(RrUnsubscribeRemoved { email, removed }))
    }
}
