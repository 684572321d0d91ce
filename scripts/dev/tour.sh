#!/usr/bin/env bash
# The README's five-minute tour, runnable: ADMIN=<admin key> scripts/dev/tour.sh [base-url]
# Needs curl; prints each request and its answer.
set -euo pipefail
BASE=${1:-http://127.0.0.1:8080}
: "${ADMIN:?set ADMIN to the platform admin key printed by the first start}"
show() { echo "\$ $*"; "$@"; echo; echo; }
json() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

echo "# 1. The operator creates an org; the answer carries its owner key (shown once)."
ORG_JSON=$(curl -s -X POST "$BASE/api/v1/orgs" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"name":"Acme"}')
echo "$ORG_JSON"; echo
OWNER=$(echo "$ORG_JSON" | json owner_key)
ORG=$(echo "$ORG_JSON" | json id)

echo "# 2. The owner creates a developer key for the integration."
KEY_JSON=$(curl -s -X POST "$BASE/api/v1/api-keys" -H "Authorization: Bearer $OWNER" -H 'content-type: application/json' -d '{"name":"backend","role":"developer"}')
echo "$KEY_JSON"; echo
KEY=$(echo "$KEY_JSON" | json key)

echo "# 3. The developer gives mentor usr_4491 a referral code (seed 004)."
show curl -s -X POST "$BASE/api/v1/referral-code-records" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
  -d "{\"mentor_id\":\"usr_4491\",\"org_id\":\"$ORG\",\"code\":\"JAN-VERV-8F3A\"}"

echo "# 4. A second active code for the same mentor is refused."
show curl -s -X POST "$BASE/api/v1/referral-code-records" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"mentor_id":"usr_4491"}'

echo "# 5. Look the code up (any letter case) and read the mentor's active code."
show curl -s "$BASE/api/v1/referral-code-records/lookup?code=jan-verv-8f3a" -H "Authorization: Bearer $KEY"
show curl -s "$BASE/api/v1/referral-code-records/active?mentor_id=usr_4491&org_id=$ORG" -H "Authorization: Bearer $KEY"

echo "# 6. Deactivate it; list; read the event log."
ID=$(curl -s "$BASE/api/v1/referral-code-records/lookup?code=JAN-VERV-8F3A" -H "Authorization: Bearer $KEY" | json id)
show curl -s -X PUT "$BASE/api/v1/referral-code-records/$ID" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"status":"inactive"}'
show curl -s "$BASE/api/v1/referral-code-records?page=1&limit=20" -H "Authorization: Bearer $KEY"
show curl -s "$BASE/api/v1/events?type=ReferralCodeUpdate" -H "Authorization: Bearer $KEY"

echo "# 7. A program, then a member in it (003 shape, HTTP Basic with key id and key)."
KEY_ID=$(echo "$KEY_JSON" | json id)
show curl -s -X POST "$BASE/api/v1/programs" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
  -d '{"name":"spring","title":"Spring promo","promocode":"SPRING-@ID@","url":"https://shop.example.com/join","embed_origins":["https://partner.example.com"],"member_offer":"Earn $10 per friend"}'
show curl -s -X POST "$BASE/api/members" -u "$KEY_ID:$KEY" -H 'content-type: application/json' \
  -d '{"programId":"spring","firstName":"Jane","lastName":"Doe","email":"jane@example.com","externalIdentifier":"crm-42"}'

echo "# 8. The member's share links and portal / widget URLs."
URLS=$(curl -s -X POST "$BASE/api/memberaccessurls" -u "$KEY_ID:$KEY" -H 'content-type: application/json' -d '{"memberQuery":{"externalId":"crm-42"},"expireInMinutes":60}')
echo "$URLS"; echo
PORTAL=$(echo "$URLS" | json portalUrl)
SHARE=$(echo "$URLS" | json shareUrl)

echo "# 9. Open the portal and follow the share link."
echo "\$ curl -s -i $PORTAL"
curl -s -i "$PORTAL" | sed -n '1,6p;/<h1>/p;/class="code"/p'
echo
echo "\$ curl -s -i $SHARE"
curl -s -i "$SHARE" | head -3
