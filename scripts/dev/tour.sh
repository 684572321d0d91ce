#!/usr/bin/env bash
# The README's tour, runnable and repeatable:
#
#   ADMIN=<platform admin key> scripts/dev/tour.sh [base-url]      (default http://127.0.0.1:8080)
#
# Runs the README's steps 1–14 (org, keys, referral code records, events, program, member, share
# links, portal, share redirect, payout method and rule, referral, purchase, payout, explain), printing each request and a short answer. Every run uses fresh
# names (org, mentor id, code, program, member email and external id carry a suffix), so it can run
# again and again against one server. Each answer's HTTP status and fields are checked; the first
# step that fails ends the run with exit status 1 and a message naming the step.
# Needs curl and jq (Debian: apt-get install jq).
set -euo pipefail

command -v curl >/dev/null || { echo "tour: needs curl" >&2; exit 2; }
command -v jq >/dev/null || { echo "tour: needs jq (Debian: apt-get install jq)" >&2; exit 2; }
BASE=${1:-${BASE:-http://127.0.0.1:8080}}
BASE=${BASE%/}
[[ -n ${ADMIN:-} ]] || { echo "tour: set ADMIN to the platform admin key printed by the first start" >&2; exit 2; }

# A suffix that differs between runs: seconds since 1970 and a random number, in hex.
RUN=$(printf '%X%04X' "$(date +%s)" "$RANDOM")
ORG_NAME="Acme $RUN"
MENTOR="usr_4491_$RUN"
CODE="JAN-VERV-$RUN"
PROGRAM="spring-$RUN"
EMAIL="jane.$RUN@example.com"
EXTERNAL="crm-42-$RUN"

STEP=""
step() {
  STEP=$1
  echo
  echo "# $1. $2"
}
fail() {
  echo "tour: step $STEP failed: $*" >&2
  exit 1
}

# call WANT METHOD PATH BODY [curl args…]: sends BODY (none when empty) as JSON, prints the request
# and the answer (shortened), keeps the answer in $ANSWER and fails unless the status is WANT.
ANSWER=""
call() {
  local want=$1 method=$2 path=$3 body=$4 out status
  shift 4
  local args=(-sS -X "$method" -w '\n%{http_code}' "$@")
  [[ -n $body ]] && args+=(-H 'content-type: application/json' --data-binary "$body")
  echo "> $method $path${body:+ $body}"
  out=$(curl "${args[@]}" "$BASE$path") || fail "$method $path: curl could not reach $BASE"
  status=${out##*$'\n'}
  ANSWER=${out%$'\n'*}
  local shown=${ANSWER//$'\n'/ }
  ((${#shown} > 300)) && shown="${shown:0:300}…"
  echo "< $status $shown"
  [[ $status == "$want" ]] || fail "$method $path answered HTTP $status, expected $want"
}

# check JQ-FILTER [jq args…]: the answer must satisfy the filter.
check() {
  local filter=$1
  shift
  jq -e "$@" "$filter" <<<"$ANSWER" >/dev/null 2>&1 || fail "the answer does not satisfy: $filter"
}

# field JQ-PATH: prints one string field of the answer; fails when it is missing or empty.
field() {
  local v
  v=$(jq -er "$1 | strings | select(length > 0)" <<<"$ANSWER" 2>/dev/null) || fail "the answer has no $1"
  echo "$v"
}

step 1 "The operator creates an org; the answer carries its first owner key, shown once."
call 201 POST /api/v1/orgs "$(jq -nc --arg n "$ORG_NAME" '{name: $n}')" -H "Authorization: Bearer $ADMIN"
ORG=$(field .id)
OWNER=$(field .owner_key)
check '.name == $n and (.id | startswith("org_")) and (.owner_key_id | startswith("key_"))' --arg n "$ORG_NAME"

step 2 "The owner creates a key for the backend, with the developer role."
call 201 POST /api/v1/api-keys '{"name":"backend","role":"developer"}' -H "Authorization: Bearer $OWNER"
KEY=$(field .key)
KEY_ID=$(field .id)
check '.role == "developer" and (.id | startswith("key_")) and (.key | startswith("vk_"))'
DEV=(-H "Authorization: Bearer $KEY")
BASIC=(-u "$KEY_ID:$KEY")

step 3 "Give mentor $MENTOR the referral code $CODE; a second active code is a 409."
call 201 POST /api/v1/referral-code-records \
  "$(jq -nc --arg m "$MENTOR" --arg c "$CODE" '{mentor_id: $m, code: $c}')" "${DEV[@]}"
CODE_ID=$(field .id)
check '.code == $c and .status == "active" and .deactivated_at == null and .org_id == $o' \
  --arg c "$CODE" --arg o "$ORG"
call 409 POST /api/v1/referral-code-records "$(jq -nc --arg m "$MENTOR" '{mentor_id: $m}')" "${DEV[@]}"
check '.error.message | contains($c)' --arg c "$CODE"

step 4 "Look it up by code (any letter case), and as the mentor's active code."
call 200 GET "/api/v1/referral-code-records/lookup?code=$(tr 'A-Z' 'a-z' <<<"$CODE")" "" "${DEV[@]}"
check '.id == $i' --arg i "$CODE_ID"
call 200 GET "/api/v1/referral-code-records/active?mentor_id=$MENTOR&org_id=$ORG" "" "${DEV[@]}"
check '.id == $i' --arg i "$CODE_ID"

step 5 "Deactivate it, list, and read the audit log."
call 200 PUT "/api/v1/referral-code-records/$CODE_ID" '{"status":"inactive"}' "${DEV[@]}"
check '.status == "inactive" and (.deactivated_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]{1,6})?Z$"))'
call 200 GET "/api/v1/referral-code-records?page=1&limit=20" "" "${DEV[@]}"
check 'any(.data[]; .id == $i and .status == "inactive")' --arg i "$CODE_ID"
call 200 GET "/api/v1/events?type=ReferralCodeUpdate" "" "${DEV[@]}"
check 'any(.data[]; .object_id == $i and .actor == $k)' --arg i "$CODE_ID" --arg k "$KEY_ID"

step 6 "A program: members' links lead to its url; its pages may be framed by the embed origins."
call 201 POST /api/v1/programs "$(jq -nc --arg n "$PROGRAM" '{name: $n, title: "Spring promo",
  promocode: "SPRING-@ID@", url: "https://shop.example.com/join",
  embed_origins: ["https://partner.example.com"], member_offer: "Earn $10 per friend"}')" "${DEV[@]}"
PROGRAM_ID=$(field .id)
check '.name == $n' --arg n "$PROGRAM"

step 7 "A member (003 shape, HTTP Basic: the key's id and the key); it gets a code and a promo code."
call 201 POST /api/members "$(jq -nc --arg p "$PROGRAM" --arg e "$EMAIL" --arg x "$EXTERNAL" \
  '{programId: $p, firstName: "Jane", lastName: "Doe", email: $e, externalIdentifier: $x}')" "${BASIC[@]}"
MEMBER_ID=$(field .member.id)
MEMBER_CODE=$(field .member.referralCode)
check '.member as $m | $m.programId == $p and ($m.promoCode | startswith("SPRING-"))
       and ($m.referralUrl | endswith("/r/" + $m.referralCode))' --arg p "$PROGRAM_ID"

step 8 "The member's share links and time-limited portal / widget URLs."
call 200 POST /api/memberaccessurls \
  "$(jq -nc --arg x "$EXTERNAL" '{memberQuery: {externalId: $x}, expireInMinutes: 60}')" "${BASIC[@]}"
PORTAL=$(field .portalUrl)
SHARE=$(field .shareUrl)
check '.referralCode == $c and (.shareEmbedUrl | contains("/widget/")) and (.portalUrl | contains("/portal/"))' \
  --arg c "$MEMBER_CODE"

step 9 "Open the portal (HTML), and follow the share link (a view, then 302 to the program url)."
echo "> GET $PORTAL"
out=$(curl -sS -w '\n%{http_code}' "$PORTAL") || fail "GET $PORTAL: curl failed"
status=${out##*$'\n'}
html=${out%$'\n'*}
grep -E '<h1>|class="code"' <<<"$html" | sed 's/^/< /' || true
[[ $status == 200 ]] || fail "GET $PORTAL answered HTTP $status, expected 200"
grep -q "$MEMBER_CODE" <<<"$html" || fail "the portal does not show the member's code $MEMBER_CODE"
echo "> GET $SHARE"
out=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "$SHARE") || fail "GET $SHARE: curl failed"
echo "< $out"
[[ $out == "302 https://shop.example.com/join?ref=$MEMBER_CODE" ]] ||
  fail "GET $SHARE answered \"$out\", expected a 302 to https://shop.example.com/join?ref=$MEMBER_CODE"

step 10 "A payout method, and a rule: 10% of every purchase, paid with it."
call 201 POST /api/v1/payouts '{"description":"PayPal payments","payoutType":"PayPal"}' "${DEV[@]}"
PAYOUT_ID=$(field .id)
call 201 POST "/api/v1/programs/$PROGRAM_ID/rules" "$(jq -nc --arg p "$PAYOUT_ID" '{name: "10% of purchases",
  trigger: "purchase", reward_kind: "percent", amount: "10", payout_id: $p}')" "${DEV[@]}"
RULE_ID=$(field .id)

step 11 "A customer arrives with the member's code (with an Idempotency-Key: a retry is answered once)."
SIGNUP=$(jq -nc --arg c "$MEMBER_CODE" --arg e "ann.$RUN@example.com" '{referralCode: $c, firstName: "Ann", email: $e}')
call 201 POST /api/referrals "$SIGNUP" "${BASIC[@]}" -H "Idempotency-Key: signup-$RUN"
REFERRAL_ID=$(field .referral.id)
check '.message == "Referral Added" and .referral.status == "Pending" and .referral.referringMemberId == $m' \
  --arg m "$MEMBER_ID"
call 201 POST /api/referrals "$SIGNUP" "${BASIC[@]}" -H "Idempotency-Key: signup-$RUN"
check '.referral.id == $r' --arg r "$REFERRAL_ID"

step 12 "The customer buys for 80.00: the rule pays the member 8.00; a replay pays nothing more."
ORDER=$(jq -nc --arg r "$REFERRAL_ID" --arg o "order-$RUN" '{amount: 80, referralQuery: $r, externalIdentifier: $o}')
call 200 POST /api/referralaction "$ORDER" "${BASIC[@]}"
REWARD_ID=$(field '.rewards[0].id')
check '(.rewards | length) == 1 and .rewards[0].amount == 8 and .rewards[0].ruleId == $r' --arg r "$RULE_ID"
call 200 POST /api/referralaction "$ORDER" "${BASIC[@]}"
check '.message == "Referral Action Already Recorded" and .rewards[0].id == $w' --arg w "$REWARD_ID"

step 13 "What is owed, then pay it: one transaction, the reward Issued with its id."
call 200 GET "/api/payouts/pending?recipientId=$MEMBER_ID" "" "${BASIC[@]}"
check '.payoutsPending[0].payoutId == $p and .payoutsPending[0].amount == 8' --arg p "$PAYOUT_ID"
call 200 POST /api/payouts/transactions "$(jq -nc --arg p "$PAYOUT_ID" --arg m "$MEMBER_ID" \
  '{payoutId: $p, recipientId: $m}')" "${BASIC[@]}" -H "Idempotency-Key: payrun-$RUN"
TX_ID=$(field '.issuePayoutTransactionResults[0].payoutTransaction.id')
call 200 GET "/api/rewards?referralId=$REFERRAL_ID" "" "${BASIC[@]}"
check '.rewards[0].status == "Issued" and .rewards[0].transactionID == $t' --arg t "$TX_ID"

step 14 "Why was it paid? The rule and its version, the facts, each condition, the amount."
call 200 GET "/api/v1/rewards/$REWARD_ID/explain" "" "${DEV[@]}"
check '.rule.id == $r and .trigger == "purchase"' --arg r "$RULE_ID"

echo
echo "tour: all 14 steps passed (org $ORG, member $MEMBER_ID, code $MEMBER_CODE, reward $REWARD_ID)"
