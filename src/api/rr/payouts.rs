//! `/api/payouts` (payout methods), `/api/payouts/pending` and `/api/payouts/transactions` in
//! 003's shapes. Paying (`POST /api/payouts/transactions`) takes an `Idempotency-Key`.
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::OpenApi;

pub use super::payout_types::*;
use super::reward_types::result_info;
use super::RrError;
use crate::api::wire::{Count, IdText, Offset, PayoutId};
use crate::api::{idempotency, ApiAuth, ApiTags, State};
use crate::domain::members::{self, ItemStatus};
use crate::domain::payouts::{self, PayInput, PendingInput};

pub struct RrPayoutsApi {
    pub state: State,
}

fn text(v: Option<IdText>) -> Option<String> {
    v.map(String::from)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrPayoutsApi {
    /// List the payout methods (payout types)
    #[oai(path = "/api/payouts", method = "get", operation_id = "rrListPayouts")]
    async fn list(
        &self,
        auth: ApiAuth,
        /// 0-based index of the first payout method.
        offset: Query<Option<Offset>>,
        /// How many, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<RrPayoutList>, RrError> {
        let ctx = self.state.tenant(auth, "rrListPayouts").await?;
        let (offset, count) =
            members::parse_window(offset.0.map(Into::into), count.0.map(Into::into))?;
        let page = payouts::list(&ctx, &self.state.db, offset, count).await?;
        Ok(Json(RrPayoutList {
            offset,
            total: page.total,
            message: None,
            payouts: page.items.into_iter().map(rr_payout).collect(),
        }))
    }

    /// Get one payout method
    #[oai(
        path = "/api/payouts/:id",
        method = "get",
        operation_id = "rrGetPayout"
    )]
    async fn get(&self, auth: ApiAuth, id: Path<PayoutId>) -> Result<Json<RrPayout>, RrError> {
        let ctx = self.state.tenant(auth, "rrGetPayout").await?;
        Ok(Json(rr_payout(
            payouts::get(&ctx, &self.state.db, &id.0).await?,
        )))
    }

    /// Payouts yet to be transferred, per recipient, payout method and currency
    #[oai(
        path = "/api/payouts/pending",
        method = "get",
        operation_id = "rrPendingPayouts"
    )]
    async fn pending(
        &self,
        auth: ApiAuth,
        /// The recipient owed (`mem_…` or `ref_…`).
        #[oai(name = "recipientId")]
        recipient_id: Query<Option<IdText>>,
        /// Deprecated: the member owed (`mem_…`).
        #[oai(name = "memberId")]
        member_id: Query<Option<IdText>>,
        /// Also rewards whose eligibility date is in the future (default false).
        #[oai(name = "includeIneligible")]
        include_ineligible: Query<Option<bool>>,
    ) -> Result<Json<RrPayoutPendingSet>, RrError> {
        let ctx = self.state.tenant(auth, "rrPendingPayouts").await?;
        let groups = payouts::pending(
            &ctx,
            &self.state.db,
            PendingInput {
                recipient_id: text(recipient_id.0),
                member_id: text(member_id.0),
                include_ineligible: include_ineligible.0.unwrap_or(false),
            },
        )
        .await?;
        let rows = groups
            .into_iter()
            .map(rr_pending)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Json(RrPayoutPendingSet {
            offset: 0,
            total: rows.len() as u64,
            message: None,
            payouts_pending: rows,
        }))
    }

    /// Payout transactions made (balance is null: Vouch holds no funds)
    #[oai(
        path = "/api/payouts/transactions",
        method = "get",
        operation_id = "rrListPayoutTransactions"
    )]
    async fn transactions(
        &self,
        auth: ApiAuth,
        /// Transactions of this recipient (`mem_…` or `ref_…`).
        #[oai(name = "recipientId")]
        recipient_id: Query<Option<IdText>>,
        /// One transaction (`ptx_…`).
        #[oai(name = "transactionId")]
        transaction_id: Query<Option<IdText>>,
        /// 0-based index of the first transaction.
        offset: Query<Option<Offset>>,
        /// How many, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<RrPayoutTransactionSet>, RrError> {
        let ctx = self.state.tenant(auth, "rrListPayoutTransactions").await?;
        let (offset, count) =
            members::parse_window(offset.0.map(Into::into), count.0.map(Into::into))?;
        let page = payouts::list_transactions(
            &ctx,
            &self.state.db,
            text(recipient_id.0).as_deref(),
            text(transaction_id.0).as_deref(),
            offset,
            count,
        )
        .await?;
        Ok(Json(RrPayoutTransactionSet {
            offset,
            total: page.total,
            message: None,
            balance: None,
            payout_transactions: page.items.into_iter().map(rr_transaction).collect(),
        }))
    }

    /// Pay out pending rewards of a payout method: one transaction per recipient and currency
    #[oai(
        path = "/api/payouts/transactions",
        method = "post",
        operation_id = "rrIssuePayoutTransactions"
    )]
    async fn pay(
        &self,
        auth: ApiAuth,
        /// Also pay rewards whose eligibility date is in the future (default false).
        #[oai(name = "overrideIneligible")]
        override_ineligible: Query<Option<bool>>,
        /// Repeating a request with the same key answers the first result again (kept at
        /// least 24 hours; 1–255 printable ASCII characters).
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        body: Json<RrIssuePayoutBody>,
    ) -> Result<Json<RrIssuePayoutSet>, RrError> {
        let ctx = self.state.tenant(auth, "rrIssuePayoutTransactions").await?;
        let override_ineligible = override_ineligible.0.unwrap_or(false);
        let body_json = body.0.to_json().unwrap_or_default();
        let b = body.0;
        let input = PayInput {
            payout_id: b.payout_id.into(),
            recipient_id: text(b.recipient_id),
            member_id: text(b.member_id),
            note: b.note.map(Into::into),
            override_ineligible,
        };
        let query = format!("overrideIneligible={override_ineligible}");
        let db = &self.state.db;
        let answer = idempotency::run(
            &self.state,
            &ctx,
            idempotency_key.0,
            "rrIssuePayoutTransactions",
            body_json,
            &query,
            200,
            || async {
                let paid = payouts::pay(&ctx, db, input).await?;
                let results = paid
                    .transactions
                    .into_iter()
                    .map(|t| {
                        Ok(RrIssuePayoutResult {
                            payout_transaction: rr_transaction(t),
                            result_info: result_info(ItemStatus::Success, "paid".into())?,
                        })
                    })
                    .collect::<Result<Vec<_>, crate::error::AppError>>()?;
                Ok(RrIssuePayoutSet {
                    offset: 0,
                    total: results.len() as u64,
                    issue_payout_transaction_results: results,
                    message: Some(paid.message),
                })
            },
        )
        .await?;
        Ok(Json(answer))
    }
}
