//! Which error statuses each operation can answer beyond the ones every operation of its kind
//! can (see `spec::derived_errors`), each described for that operation. `tests/api/openapi.rs`
//! fails when an operation is missing here, and schemathesis (`scripts/dev/contract.sh`) fails
//! when the server answers a status the spec does not list.

/// `(operation id, [(status, what it means for this operation)])`.
pub const OPERATION_ERRORS: &[(&str, &[(u16, &str)])] = &[
    ("healthz", &[]),
    ("readyz", &[]),
    ("createOrg", &[]),
    ("listOrgs", &[]),
    ("getOrg", &[(404, "No org has this id.")]),
    ("disableOrg", &[(404, "No org has this id.")]),
    ("enableOrg", &[(404, "No org has this id.")]),
    ("createApiKey", &[]),
    ("listApiKeys", &[]),
    (
        "revokeApiKey",
        &[
            (404, "The key's org has no key with this id."),
            (409, "The key is the org's last live owner key."),
        ],
    ),
    ("listEvents", &[]),
    ("listReferralCodeRecords", &[]),
    (
        "getReferralCodeRecord",
        &[(404, "The key's org has no referral code record with this id.")],
    ),
    (
        "createReferralCodeRecord",
        &[
            (404, "`mentor_id` is a member id (`mem_…`) the key's org does not have."),
            (
                409,
                "The code is taken, or the mentor already has an active code (the message names it).",
            ),
        ],
    ),
    (
        "updateReferralCodeRecord",
        &[
            (404, "The key's org has no referral code record with this id."),
            (409, "Reactivating while another code of the mentor is active."),
        ],
    ),
    (
        "deleteReferralCodeRecord",
        &[
            (404, "The key's org has no referral code record with this id."),
            (409, "Referrals are attributed to the code: deactivate it instead."),
        ],
    ),
    (
        "getActiveReferralCodeRecord",
        &[(404, "The mentor is unknown or has no active code.")],
    ),
    (
        "lookupReferralCodeRecord",
        &[(404, "No code of the key's org matches (in any letter case).")],
    ),
    (
        "createProgram",
        &[
            (404, "`fraud_script_id` names no script of the key's org."),
            (409, "The name is taken, or the project already has a default program."),
            (422, "`fraud_script_id` names a script that is not of kind fraud."),
        ],
    ),
    ("listPrograms", &[]),
    ("getProgram", &[(404, "The key's org has no program with this id.")]),
    (
        "updateProgram",
        &[
            (404, "The key's org has no program with this id, or `fraud_script_id` no script of it."),
            (409, "The name is taken, or the project already has a default program."),
            (422, "`fraud_script_id` names a script that is not of kind fraud."),
        ],
    ),
    (
        "deleteProgram",
        &[
            (404, "The key's org has no program with this id."),
            (409, "The program has members: set `is_active` to false instead."),
        ],
    ),
    (
        "revokeMemberAccessTokens",
        &[(404, "The key's org has no member with this id.")],
    ),
    (
        "revokeAccessToken",
        &[(404, "The key's org has no access token with this id.")],
    ),
    (
        "resolvePromoCode",
        &[(404, "No member of the key's org has this promo code.")],
    ),
    ("rrListPrograms", &[]),
    (
        "rrGetProgram",
        &[(404, "No program of the key's org has this name or title.")],
    ),
    ("rrListMembers", &[]),
    (
        "rrGetMemberStats",
        &[
            (404, "No live member of the key's org matches `query` (or `memberId`)."),
            (409, "Several members match the text; query by member id instead."),
        ],
    ),
    (
        "rrCreateMember",
        &[(
            409,
            "The email is taken in the program, the externalIdentifier by another member, or the referralCode by anyone.",
        )],
    ),
    ("rrUpdateMembers", &[]),
    // Referrals (003 and native fraud review).
    ("rrListReferrals", &[]),
    (
        "rrGetReferral",
        &[
            (404, "No live referral of the key's org matches."),
            (409, "Several referrals match (e.g. one email in several programs); query by referralId."),
        ],
    ),
    (
        "rrGetReferralAlias",
        &[
            (404, "No live referral of the key's org matches."),
            (409, "Several referrals match (e.g. one email in several programs); query by referralId."),
        ],
    ),
    ("rrUpdateReferrals", &[]),
    (
        "rrSetReferralStatus",
        &[
            (404, "Body was one object: no live referral of the key's org has this id (in this program)."),
            (409, "Body was one object: the move is not allowed from the current status (the message names it)."),
            (422, "Body was one object: the referral could not take the change."),
        ],
    ),
    ("rrRemoveReferrals", &[]),
    ("rrRemoveReferralsDelete", &[]),
    ("listHeldReferrals", &[]),
    ("getReferral", &[(404, "The key's org has no live referral with this id.")]),
    (
        "releaseReferral",
        &[
            (404, "The key's org has no live referral with this id."),
            (409, "The referral is not held."),
        ],
    ),
    (
        "denyReferral",
        &[
            (404, "The key's org has no live referral with this id."),
            (409, "The referral is not held, or it is approved (approved is final)."),
        ],
    ),
    (
        "rrCreateReferral",
        &[
            (404, "No member of the key's org has this referral or promo code (or the member was removed)."),
            (409, "The customer (email mailbox or externalIdentifier) already is a live referral of the program (the message names it), or a request with the same `Idempotency-Key` is still in progress."),
            (
                422,
                "The code is no longer active, its member is disabled or has no program, the member would refer themself, the program's fraud check denied the referral, or the `Idempotency-Key` was used with a different request.",
            ),
        ],
    ),
    ("rrRemoveMembers", &[]),
    ("rrUnsubscribeEmail", &[]),
    ("rrRemoveUnsubscribe", &[]),
    ("rrRemoveUnsubscribeDelete", &[]),
    ("rrGetUnsubscribed", &[]),
    (
        "rrSubscribeWebhook",
        &[(409, "The org already has 100 live subscriptions.")],
    ),
    (
        "rrUnsubscribeWebhook",
        &[(404, "The key's org has no live subscription with this id.")],
    ),
    ("rrWebhookHistory", &[]),
    ("listWebhooks", &[]),
    (
        "rotateWebhookSecret",
        &[(404, "The key's org has no live subscription with this id.")],
    ),
    (
        "rrInviteFeeds",
        &[
            (404, "No live member of the key's org matches the query."),
            (409, "The query matches several members, or the member is disabled or has no active code."),
        ],
    ),
    (
        "rrInviteFeed",
        &[
            (404, "No live member of the key's org matches the query."),
            (409, "The query matches several members, or the member is disabled or has no active code."),
        ],
    ),
    (
        "listInvites",
        &[(404, "`memberId` names no live member of the key's org.")],
    ),
    (
        "retryWebhookDelivery",
        &[
            (404, "The key's org has no delivery with this id."),
            (
                409,
                "The delivery is pending or succeeded, or its subscription was unsubscribed.",
            ),
        ],
    ),
    ("rrRemoveMembersDelete", &[]),
    (
        "rrMemberAccessUrls",
        &[
            (404, "No live member of the key's org matches the memberQuery."),
            (409, "The query matches several members, or the member is disabled or has no active code."),
        ],
    ),
    (
        "rrMemberAccess",
        &[
            (404, "No live member of the key's org matches the memberQuery."),
            (409, "The query matches several members, or the member is disabled or has no active code."),
        ],
    ),
    (
        "createRule",
        &[(404, "The key's org has no program with this id.")],
    ),
    ("listRules", &[(404, "The key's org has no program with this id.")]),
    ("getRule", &[(404, "The key's org has no rule with this id.")]),
    (
        "updateRule",
        &[
            (404, "The key's org has no rule with this id."),
            (409, "The rule changed concurrently; read it again and retry."),
        ],
    ),
    ("deleteRule", &[(404, "The key's org has no rule with this id.")]),
    (
        "createCondition",
        &[
            (404, "The key's org has no rule with this id."),
            (409, "The rule already has the most conditions a rule may have (50)."),
        ],
    ),
    (
        "listConditions",
        &[(404, "The key's org has no rule with this id.")],
    ),
    (
        "updateCondition",
        &[(404, "The key's org has no condition with this id.")],
    ),
    (
        "deleteCondition",
        &[(404, "The key's org has no condition with this id.")],
    ),
    (
        "evaluateRule",
        &[
            (404, "The key's org has no rule with this id."),
            (429, "The org is over its request rate, or too many script runs of the org (or of the server) are in progress; retry after `Retry-After` seconds."),
        ],
    ),
    (
        "createScript",
        &[
            (409, "The org already has a script with this name."),
            (422, "The source does not compile: `details` gives line and column."),
        ],
    ),
    ("listScripts", &[]),
    ("getScript", &[(404, "The key's org has no script with this id.")]),
    (
        "listScriptVersions",
        &[(404, "The key's org has no script with this id.")],
    ),
    (
        "addScriptVersion",
        &[
            (404, "The key's org has no script with this id."),
            (409, "Another version was added at the same moment; retry."),
            (422, "The source does not compile: `details` gives line and column."),
        ],
    ),
    (
        "deleteScript",
        &[
            (404, "The key's org has no script with this id."),
            (409, "A rule or condition uses the script."),
        ],
    ),
    (
        "testScript",
        &[
            (404, "The key's org has no script with this id."),
            (429, "The org is over its request rate, or too many script runs of the org (or of the server) are in progress; retry after `Retry-After` seconds."),
        ],
    ),
    // rewards engine
    (
        "rrCreateReferralAction",
        &[
            (404, "No live referral of the key's org matches referralQuery, or no program matches programQuery."),
            (429, "The org is over its request rate; retry after `Retry-After` seconds."),
        ],
    ),
    (
        "explainReward",
        &[(404, "The key's org has no reward with this id.")],
    ),
    (
        "simulateProgram",
        &[
            (404, "The key's org has no program with this id."),
            (422, "An inline script source does not compile: `details` gives line and column."),
            (429, "The org is over its request rate, or too many script runs of the org (or of the server) are in progress; retry after `Retry-After` seconds."),
        ],
    ),
    // end rewards engine
    ("billmgrGet", &[]),
    ("billmgrPost", &[]),
    // payouts: payout methods, rewards and payouts (003).
    ("createPayout", &[]),
    ("listPayouts", &[]),
    ("getPayout", &[(404, "The key's org has no live payout method with this id.")]),
    ("updatePayout", &[(404, "The key's org has no live payout method with this id.")]),
    (
        "deletePayout",
        &[
            (404, "The key's org has no live payout method with this id."),
            (409, "Unpaid rewards (Pending, Processing or Held) still use the payout method."),
        ],
    ),
    ("rrListPayouts", &[]),
    ("rrGetPayout", &[(404, "The key's org has no live payout method with this id.")]),
    (
        "rrPendingPayouts",
        &[(404, "`recipientId` or `memberId` names no member or referral of the key's org.")],
    ),
    (
        "rrListPayoutTransactions",
        &[(404, "`recipientId` names no member or referral of the key's org.")],
    ),
    (
        "rrIssuePayoutTransactions",
        &[
            (404, "`payoutId` names no live payout method, or `recipientId`/`memberId` no member or referral, of the key's org."),
            (409, "A request with the same `Idempotency-Key` is still in progress, or the rewards kept changing while they were being paid; retry."),
            (422, "The `Idempotency-Key` was used with a different request."),
        ],
    ),
    ("rrListRewards", &[]),
    (
        "rrCreateRewards",
        &[
            (409, "A request with the same `Idempotency-Key` is still in progress; retry."),
            (422, "The `Idempotency-Key` was used with a different request."),
        ],
    ),
    ("rrUpdateRewards", &[]),
    ("rrIssueReward", &[(404, "The key's org has no live reward with this id.")]),
    ("rrRemoveRewards", &[]),
    ("rrRemoveRewardsDelete", &[]),
    (
        "rrListRewardRules",
        &[(404, "`programId` names no program of the key's org.")],
    ),
    (
        "uploadEmployees",
        &[
            (
                400,
                "A form field is missing or malformed; the file is not an xlsx, exceeds the size, \
                 entry, inflation or sheet limits (a zip bomb), or lacks the required headers.",
            ),
            (
                409,
                "A row's staffId or email is already another employee's (an update), or the \
                 upload raced another that changed the same employees; nothing was applied.",
            ),
            (
                429,
                "Too many requests from the key's org (`Retry-After`), or another upload or \
                 export of the org is in progress, or every spreadsheet reader is busy.",
            ),
        ],
    ),
    ("employeesTemplate", &[]),
    (
        "bpmCommand",
        &[
            (
                403,
                "The key's role may not do what the command does: read employees (queries), \
                 write employees (create, update, upload, send a code) or write referrals \
                 (credit a referral); or the key is the platform admin key.",
            ),
            (
                400,
                "Bad input, naming the field (a filter's unknown field or operator lists the \
                 allowed ones), or an unknown `$type` (the answer lists the supported ones); a \
                 file that is not an xlsx, exceeds the size, entry, inflation or sheet limits \
                 (a zip bomb), or lacks the required headers.",
            ),
            (
                404,
                "The org has no employee with this id (\"Employee not found\"), or the referral \
                 code is unknown (\"Invalid referral code\") or not an employee's (\"No \
                 employee found with the specified referral code\").",
            ),
            (
                409,
                "The staffId or email is already another employee's; the customer (account \
                 number) already is a referral of the employee program; or an upload raced \
                 another that changed the same employees (nothing was applied).",
            ),
            (
                422,
                "The referral code is no longer active, or its employee is disabled or may not \
                 refer customers; the address is on the org's unsubscribe list (nothing was \
                 sent); the employee to mail is disabled; an export would exceed 25,000 rows.",
            ),
            (
                429,
                "Too many requests from the key's org (`Retry-After`), or another upload or \
                 export of the org is in progress, or every spreadsheet reader is busy.",
            ),
            (
                502,
                "The mail server refused the message or did not answer (nothing was recorded as \
                 sent).",
            ),
        ],
    ),
];

pub fn errors_of(operation_id: &str) -> Option<&'static [(u16, &'static str)]> {
    OPERATION_ERRORS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, errors)| *errors)
}
