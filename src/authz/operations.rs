//! Every operation in the spec mapped to what it needs. A test walks the served spec and fails
//! on an operation id that is missing here, so a new endpoint cannot ship unguarded.

/// What an operation requires of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health checks).
    Public,
    /// The platform admin key only.
    Admin,
    /// A tenant key whose role grants `action` on `resource` in its own org.
    Tenant {
        resource: &'static str,
        action: &'static str,
    },
}

const fn tenant(resource: &'static str, action: &'static str) -> Access {
    Access::Tenant { resource, action }
}

pub const READ: &str = "read";
pub const WRITE: &str = "write";

pub const OPERATIONS: &[(&str, Access)] = &[
    ("healthz", Access::Public),
    ("readyz", Access::Public),
    ("createOrg", Access::Admin),
    ("listOrgs", Access::Admin),
    ("getOrg", Access::Admin),
    ("disableOrg", Access::Admin),
    ("enableOrg", Access::Admin),
    ("createApiKey", tenant("api_keys", WRITE)),
    ("listApiKeys", tenant("api_keys", READ)),
    ("revokeApiKey", tenant("api_keys", WRITE)),
    ("listEvents", tenant("events", READ)),
    ("listReferralCodeRecords", tenant("referral_codes", READ)),
    ("getReferralCodeRecord", tenant("referral_codes", READ)),
    ("createReferralCodeRecord", tenant("referral_codes", WRITE)),
    ("updateReferralCodeRecord", tenant("referral_codes", WRITE)),
    ("deleteReferralCodeRecord", tenant("referral_codes", WRITE)),
    (
        "getActiveReferralCodeRecord",
        tenant("referral_codes", READ),
    ),
    ("lookupReferralCodeRecord", tenant("referral_codes", READ)),
    ("createProgram", tenant("programs", WRITE)),
    ("listPrograms", tenant("programs", READ)),
    ("getProgram", tenant("programs", READ)),
    ("updateProgram", tenant("programs", WRITE)),
    ("deleteProgram", tenant("programs", WRITE)),
    ("revokeMemberAccessTokens", tenant("members", WRITE)),
    ("revokeAccessToken", tenant("members", WRITE)),
    ("resolvePromoCode", tenant("members", READ)),
    ("rrListPrograms", tenant("programs", READ)),
    ("rrGetProgram", tenant("programs", READ)),
    ("rrListMembers", tenant("members", READ)),
    ("rrCreateMember", tenant("members", WRITE)),
    ("rrUpdateMembers", tenant("members", WRITE)),
    // Referrals (003).
    ("rrCreateReferral", tenant("referrals", WRITE)),
    ("rrListReferrals", tenant("referrals", READ)),
    ("rrGetReferral", tenant("referrals", READ)),
    ("rrGetReferralAlias", tenant("referrals", READ)),
    ("rrUpdateReferrals", tenant("referrals", WRITE)),
    ("rrSetReferralStatus", tenant("referrals", WRITE)),
    ("rrRemoveReferrals", tenant("referrals", WRITE)),
    ("rrRemoveReferralsDelete", tenant("referrals", WRITE)),
    ("listHeldReferrals", tenant("referrals", READ)),
    ("getReferral", tenant("referrals", READ)),
    ("releaseReferral", tenant("referrals", WRITE)),
    ("denyReferral", tenant("referrals", WRITE)),
    ("rrRemoveMembers", tenant("members", WRITE)),
    ("rrRemoveMembersDelete", tenant("members", WRITE)),
    ("rrMemberAccessUrls", tenant("members", WRITE)),
    ("rrMemberAccess", tenant("members", WRITE)),
    ("rrGetMemberStats", tenant("members", READ)),
    // The unsubscribe list is about people's addresses: support staff handle such requests.
    ("rrUnsubscribeEmail", tenant("members", WRITE)),
    ("rrRemoveUnsubscribe", tenant("members", WRITE)),
    ("rrRemoveUnsubscribeDelete", tenant("members", WRITE)),
    ("rrGetUnsubscribed", tenant("members", READ)),
    // Webhooks (003 routes and native).
    ("rrSubscribeWebhook", tenant("webhooks", WRITE)),
    ("rrUnsubscribeWebhook", tenant("webhooks", WRITE)),
    ("rrWebhookHistory", tenant("webhooks", READ)),
    ("listWebhooks", tenant("webhooks", READ)),
    ("rotateWebhookSecret", tenant("webhooks", WRITE)),
    ("retryWebhookDelivery", tenant("webhooks", WRITE)),
    // Invite feeds (003) and the native list: on behalf of members.
    ("rrInviteFeeds", tenant("members", WRITE)),
    ("rrInviteFeed", tenant("members", WRITE)),
    ("listInvites", tenant("members", READ)),
    ("createRule", tenant("rules", WRITE)),
    ("listRules", tenant("rules", READ)),
    ("getRule", tenant("rules", READ)),
    ("updateRule", tenant("rules", WRITE)),
    ("deleteRule", tenant("rules", WRITE)),
    ("createCondition", tenant("rules", WRITE)),
    ("listConditions", tenant("rules", READ)),
    ("updateCondition", tenant("rules", WRITE)),
    ("deleteCondition", tenant("rules", WRITE)),
    ("evaluateRule", tenant("rules", READ)),
    ("createScript", tenant("scripts", WRITE)),
    ("listScripts", tenant("scripts", READ)),
    ("getScript", tenant("scripts", READ)),
    ("listScriptVersions", tenant("scripts", READ)),
    ("addScriptVersion", tenant("scripts", WRITE)),
    ("deleteScript", tenant("scripts", WRITE)),
    // Running a script on sample facts writes nothing; reading scripts is enough.
    ("testScript", tenant("scripts", READ)),
    // rewards engine: recording a purchase is a referral change (it may reward, as status
    // changes do); explaining is a read.
    ("rrCreateReferralAction", tenant("referrals", WRITE)),
    ("explainReward", tenant("rewards", READ)),
    // Simulating writes nothing; reading rules is enough (as for dry runs).
    ("simulateProgram", tenant("rules", READ)),
    // end rewards engine
    // The func surface names its function in `func`; each function is authorized again inside
    // (see api::func::access_of), so the operation itself needs only a read right.
    ("billmgrGet", tenant("programs", READ)),
    ("billmgrPost", tenant("programs", READ)),
    // payouts: payout methods, rewards and payouts (003).
    ("createPayout", tenant("payouts", WRITE)),
    ("listPayouts", tenant("payouts", READ)),
    ("getPayout", tenant("payouts", READ)),
    ("updatePayout", tenant("payouts", WRITE)),
    ("deletePayout", tenant("payouts", WRITE)),
    ("rrListPayouts", tenant("payouts", READ)),
    ("rrGetPayout", tenant("payouts", READ)),
    ("rrPendingPayouts", tenant("payouts", READ)),
    ("rrListPayoutTransactions", tenant("payouts", READ)),
    ("rrIssuePayoutTransactions", tenant("payouts", WRITE)),
    ("rrListRewards", tenant("rewards", READ)),
    ("rrCreateRewards", tenant("rewards", WRITE)),
    ("rrUpdateRewards", tenant("rewards", WRITE)),
    ("rrIssueReward", tenant("rewards", WRITE)),
    ("rrRemoveRewards", tenant("rewards", WRITE)),
    ("rrRemoveRewardsDelete", tenant("rewards", WRITE)),
    ("rrListRewardRules", tenant("rules", READ)),
    // The BPM surface names its command in `$type`; each command is authorized again inside
    // (employees read or write, referrals write), so the operation itself needs a read right.
    ("bpmCommand", tenant("employees", READ)),
    ("uploadEmployees", tenant("employees", WRITE)),
    ("employeesTemplate", tenant("employees", READ)),
];

pub fn access_for(operation_id: &str) -> Option<Access> {
    OPERATIONS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, access)| *access)
}
