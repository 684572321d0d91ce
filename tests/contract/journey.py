"""A client journey through Vouch, driven only through the client generated from openapi/openapi.json.

    python journey.py BASE_URL OWNER_KEY
    (or VOUCH_CONTRACT_BASE_URL / VOUCH_CONTRACT_OWNER_KEY in the environment)

Every step calls one generated operation, checks the status code, checks that the body parsed
into the generated model the spec promises for that status, and prints one line. The first failure
stops the journey with a message and exit status 1. Needs the generated package `vouch_client`
(scripts/dev/contract.sh generates and installs it) and nothing else beyond the standard library.
"""

import base64
import datetime as dt
import importlib
import io
import os
import pkgutil
import secrets
import sys

import vouch_client.api
from vouch_client import AuthenticatedClient, models
from vouch_client.types import File

STEPS = 0


class JourneyFailed(Exception):
    pass


def operation(operation_id: str):
    """The generated module of one operationId, wherever the generator filed it (by tag)."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in operation_id).lstrip("_")
    for info in pkgutil.walk_packages(vouch_client.api.__path__, "vouch_client.api."):
        if info.name.rsplit(".", 1)[-1] == snake:
            return importlib.import_module(info.name)
    raise JourneyFailed(
        f"the generated client has no function for operationId {operation_id} "
        "(the generator dropped it; see its warnings)"
    )


class Journey:
    def __init__(self, base_url: str, owner_key: str):
        self.last_response = None
        self.client = AuthenticatedClient(
            base_url=base_url,
            token=owner_key,
            raise_on_unexpected_status=True,  # a status the spec does not list is a failure too
            timeout=30.0,
            httpx_args={"event_hooks": {"response": [self._remember]}},
        )

    def _remember(self, response):
        response.read()
        self.last_response = response

    def _raw(self) -> str:
        r = self.last_response
        if r is None:
            return "no response"
        return f"HTTP {r.status_code} {r.text[:400]!r}"

    def call(self, step: str, operation_id: str, status: int, model: type, **kwargs):
        """Run one operation; expect `status` and a body parsed as `model`. Returns the model."""
        self.last_response = None
        try:
            response = operation(operation_id).sync_detailed(client=self.client, **kwargs)
        except JourneyFailed:
            raise
        except Exception as e:  # the generated client could not build, send or parse it
            raise JourneyFailed(
                f"{step}: {operation_id} raised {type(e).__name__}: {e} (server said: {self._raw()})"
            ) from e
        if response.status_code != status:
            raise JourneyFailed(f"{step}: expected HTTP {status}, got {self._raw()}")
        if not isinstance(response.parsed, model):
            raise JourneyFailed(
                f"{step}: expected a {model.__name__}, the client parsed "
                f"{type(response.parsed).__name__} from {self._raw()}"
            )
        return response.parsed


def check(condition: bool, message: str) -> None:
    if not condition:
        raise JourneyFailed(message)


def done(message: str) -> None:
    global STEPS
    STEPS += 1
    print(f"ok  {message}", flush=True)


def value(x):
    """An enum member's value (or the value itself for literal enums)."""
    return getattr(x, "value", x)


class SeedTime(dt.datetime):
    """A UTC time the generated client sends in seed 004's form, `2026-11-21T10:00:00Z`."""

    def isoformat(self, *args, **kwargs) -> str:
        return self.strftime("%Y-%m-%dT%H:%M:%SZ")


def run(base_url: str, owner_key: str) -> None:
    j = Journey(base_url, owner_key)
    tag = secrets.token_hex(4).upper()  # unique per run, so the journey can repeat on one server
    code = f"CT-{tag}"
    mentor = f"usr_contract_{tag.lower()}"

    # 1. Create a code record for a new mentor.
    rec = j.call(
        "create code record", "createReferralCodeRecord", 201, models.ReferralCodeRecord,
        body=models.CreateReferralCodeRecord(mentor_id=mentor, code=code),
    )
    check(rec.code == code, f"create: code {rec.code!r}, expected {code!r}")
    check(rec.mentor_id == mentor, f"create: mentor_id {rec.mentor_id!r}, expected {mentor!r}")
    check(value(rec.status) == "active", f"create: status {rec.status!r}, expected active")
    check(not rec.deactivated_at, f"create: deactivated_at {rec.deactivated_at!r} on an active code")
    done(f"create code record: {rec.id} {rec.code} for {mentor}")

    # 2. Look it up by code, in another letter case.
    found = j.call(
        "lookup by code", "lookupReferralCodeRecord", 200, models.ReferralCodeRecord,
        code=code.lower(),
    )
    check(found.id == rec.id, f"lookup: got {found.id}, expected {rec.id}")
    done(f"lookup by code {code.lower()!r}: {found.id}")

    # 3. Deactivate it at the current second, written as the seed writes times.
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    at = SeedTime(*now.timetuple()[:6], tzinfo=dt.timezone.utc)
    upd = j.call(
        "deactivate", "updateReferralCodeRecord", 200, models.ReferralCodeRecord,
        id=rec.id,
        body=models.UpdateReferralCodeRecord(status=models.CodeStatus("inactive"), deactivated_at=at),
    )
    check(value(upd.status) == "inactive", f"deactivate: status {upd.status!r}, expected inactive")
    # A time up to 5 minutes before created_at (second precision, skew) is stored as created_at.
    expected = max(now, rec.created_at)
    check(
        upd.deactivated_at == expected,
        f"deactivate: deactivated_at {upd.deactivated_at!r}, sent {at.isoformat()}, created {rec.created_at!r}",
    )
    check(upd.deactivated_at.tzinfo is not None, "deactivate: a time without a zone")
    done(f"deactivate at {at.isoformat()}")

    # 4. The mentor now has no active code: a 404 in the error model.
    err = j.call(
        "active code after deactivation", "getActiveReferralCodeRecord", 404, models.ErrorBody,
        mentor_id=mentor,
    )
    check(err.error.code == "not_found", f"active: error code {err.error.code!r}, expected not_found")
    done(f"active code for {mentor}: 404 {err.error.code}")

    # 5. List the mentor's records, one page.
    page = j.call(
        "list", "listReferralCodeRecords", 200, models.ReferralCodeRecordList,
        page=1, limit=10, mentor_id=mentor,
    )
    check([r.id for r in page.data] == [rec.id], f"list: ids {[r.id for r in page.data]}, expected [{rec.id}]")
    p = page.pagination
    check((p.page, p.limit, p.total) == (1, 10, 1), f"list: pagination {p!r}, expected page 1, limit 10, total 1")
    done(f"list page 1 limit 10: {len(page.data)} record, total {p.total}")

    # 6. A program for the 003 members.
    program = j.call(
        "create program", "createProgram", 201, models.Program,
        body=models.ProgramBody(
            name=f"contract-{tag.lower()}",
            title="Contract program",
            promocode="CT-@ID@",
            url="https://shop.example.com/join",
            embed_origins=["https://partner.example.com"],
            member_offer="Earn $10 per friend",
        ),
    )
    check(program.name == f"contract-{tag.lower()}", f"program: name {program.name!r}")
    done(f"create program {program.id} ({program.name})")

    # 7. A member in it, on the Referral Rock style surface.
    external_id = f"crm-{tag.lower()}"
    created = j.call(
        "create 003 member", "rrCreateMember", 201, models.RrCreatedMember,
        body=models.RrNewMember(
            program_id=program.id,
            first_name="Jane",
            last_name="Contract",
            email=f"jane.{tag.lower()}@example.com",
            external_identifier=external_id,
        ),
    )
    member = created.member
    check(isinstance(member, models.RrMember), f"member: parsed as {type(member).__name__}, expected RrMember")
    check(bool(member.referral_code), "member: no referralCode")
    check(member.external_identifier == external_id, f"member: externalIdentifier {member.external_identifier!r}")
    done(f"create 003 member {member.id} with code {member.referral_code}")

    # 8. The member's share links and portal URLs, found by external id.
    urls = j.call(
        "member access urls", "rrMemberAccessUrls", 200, models.RrAccessUrls,
        body=models.RrAccessRequest(
            member_query=models.RrAccessMemberQuery(external_id=external_id),
            expire_in_minutes=60,
        ),
    )
    check(urls.referral_code == member.referral_code, f"access urls: code {urls.referral_code!r}")
    check(urls.share_url.endswith(f"/r/{member.referral_code}"), f"access urls: shareUrl {urls.share_url!r}")
    check("/portal/" in urls.portal_url, f"access urls: portalUrl {urls.portal_url!r}")
    done(f"member access urls: {urls.share_url}, portal until {urls.expires_at.isoformat()}")

    # 9. The same code again (for another mentor): taken, a 409 in the error model.
    err = j.call(
        "duplicate code", "createReferralCodeRecord", 409, models.ErrorBody,
        body=models.CreateReferralCodeRecord(mentor_id=f"{mentor}_2", code=code),
    )
    check(err.error.code == "conflict", f"duplicate: error code {err.error.code!r}, expected conflict")
    done(f"duplicate code {code}: 409 {err.error.code}")

    # 10. An out-of-range page size: a 400 in the error model, naming the parameter.
    err = j.call(
        "limit out of range", "listReferralCodeRecords", 400, models.ErrorBody,
        page=1, limit=1000,
    )
    check(err.error.code == "invalid_input", f"limit=1000: error code {err.error.code!r}, expected invalid_input")
    field = err.error.details.field if err.error.details else None
    check(field == "limit" or "limit" in err.error.message, f"limit=1000: error does not name limit: {err.error!r}")
    done(f"list limit=1000: 400 {err.error.code}: {err.error.message}")

    # 11. A payout method to pay rewards with.
    payout = j.call(
        "create payout method", "createPayout", 201, models.Payout,
        body=models.NewPayoutBody(description="PayPal payments", payout_type="PayPal"),
    )
    check(payout.id.startswith("pay_"), f"payout: id {payout.id!r}")
    done(f"create payout method {payout.id}")

    # 12. A condition script, and a rule on purchases with two OR groups, one holding the script:
    #     (referrals brought >= 1 or the script) and (sales >= 1 or no condition).
    script = j.call(
        "upload condition script", "createScript", 201, models.Script,
        body=models.UploadScript(
            name=f"contract-{tag.lower()}", kind=models.ScriptKind("condition"),
            source='event.amount > 0 && referral.email_domain == "example.com"',
        ),
    )
    rule = j.call(
        "create rule", "createRule", 201, models.Rule,
        id=program.id,
        body=models.RuleBody(
            name="10% of purchases", trigger=models.Trigger("purchase"),
            reward_kind=models.RewardKind("percent"), amount="10", payout_id=payout.id,
        ),
    )
    for body in [
        models.ConditionBody(ctype=3, comparison=models.ConditionBodyComparisonType1("ge"), referral_count=1,
                             group=models.ConditionBodyGroupType1("new"), groupname="who"),
        models.ConditionBody(ctype=5, script_id=script.id, group=models.ConditionBodyGroupType1("new"), groupname="who"),
        models.ConditionBody(ctype=1, comparison=models.ConditionBodyComparisonType1("ge"), amount_ctype_1="1",
                             group=models.ConditionBodyGroupType1("new"), groupname="what"),
        models.ConditionBody(ctype=0, group=models.ConditionBodyGroupType1("new"), groupname="what"),
    ]:
        j.call("add condition", "createCondition", 201, models.RuleCondition, id=rule.id, body=body)
    done(f"rule {rule.id} with groups who (ctype 3 or script {script.id}) and what (ctype 1 or 0)")

    # 13. A referral by the member's code, on the 003 surface.
    customer = f"ann.{tag.lower()}@example.com"
    created = j.call(
        "create referral", "rrCreateReferral", 201, models.RrCreatedReferral,
        body=models.RrNewReferral(referral_code=member.referral_code, first_name="Ann", email=customer),
    )
    referral = created.referral
    check(created.message == "Referral Added", f"referral: message {created.message!r}")
    check(value(referral.status) == "Pending", f"referral: status {referral.status!r}")
    check(referral.referring_member_id == member.id, f"referral: member {referral.referring_member_id!r}")
    done(f"create referral {referral.id} for {customer}")

    # 14. A purchase of 80.00: the rule pays 10% = 8.00.
    action = j.call(
        "record purchase", "rrCreateReferralAction", 200, models.RrReferralActionResult,
        body=models.RrReferralActionBody(amount="80.00", referral_query=referral.id,
                                         external_identifier=f"order-{tag.lower()}"),
    )
    check(len(action.rewards) == 1, f"purchase: rewards {action.rewards!r}, expected one")
    reward_id = action.rewards[0].id
    check(abs(action.rewards[0].amount - 8.0) < 1e-9, f"purchase: reward amount {action.rewards[0].amount!r}")
    done(f"purchase {action.referral_action.id} of 80.00 earned reward {reward_id} of 8.00")

    # 15. The reward in the 003 list.
    rewards = j.call(
        "list rewards", "rrListRewards", 200, models.RrRewardList, referral_id=referral.id,
    )
    check([r.id for r in rewards.rewards] == [reward_id], f"rewards: {[r.id for r in rewards.rewards]}")
    check(value(rewards.rewards[0].status) == "Pending", f"rewards: status {rewards.rewards[0].status!r}")
    done(f"list rewards of {referral.id}: {reward_id} Pending")

    # 16. Pending payouts of the member.
    pending = j.call(
        "pending payouts", "rrPendingPayouts", 200, models.RrPayoutPendingSet, recipient_id=member.id,
    )
    check(len(pending.payouts_pending) == 1, f"pending: {pending.payouts_pending!r}")
    check(abs(pending.payouts_pending[0].amount - 8.0) < 1e-9, f"pending: amount {pending.payouts_pending[0].amount!r}")
    done(f"pending payouts of {member.id}: 8.00 with {payout.id}")

    # 17. Pay them, with an Idempotency-Key; the same call again answers the same transaction.
    key = f"pay-{tag.lower()}"
    paid = j.call(
        "pay out", "rrIssuePayoutTransactions", 200, models.RrIssuePayoutSet,
        body=models.RrIssuePayoutBody(payout_id=payout.id, recipient_id=member.id),
        idempotency_key=key,
    )
    check(len(paid.issue_payout_transaction_results) == 1, f"pay: {paid!r}")
    tx = paid.issue_payout_transaction_results[0].payout_transaction
    again = j.call(
        "pay out again", "rrIssuePayoutTransactions", 200, models.RrIssuePayoutSet,
        body=models.RrIssuePayoutBody(payout_id=payout.id, recipient_id=member.id),
        idempotency_key=key,
    )
    check(again.issue_payout_transaction_results[0].payout_transaction.id == tx.id, "pay again: another transaction")
    done(f"payout transaction {tx.id} of {tx.amount}, replayed by its Idempotency-Key")

    # 18. The transactions of the member.
    txs = j.call(
        "list transactions", "rrListPayoutTransactions", 200, models.RrPayoutTransactionSet,
        recipient_id=member.id,
    )
    check([t.id for t in txs.payout_transactions] == [tx.id], f"transactions: {[t.id for t in txs.payout_transactions]}")
    done(f"transactions of {member.id}: {tx.id}")

    # 19. Why was the reward paid?
    why = j.call("explain reward", "explainReward", 200, models.RewardExplanation, id=reward_id)
    check(why.rule is not None and why.rule.id == rule.id, f"explain: rule {why.rule!r}")
    done(f"explain {reward_id}: rule {rule.id} version {why.rule.version}")

    employees(j, tag)


def bpm(j: "Journey", step: str, status: int, body):
    """One BPM command; expects `success` as the status implies, and answers `data`."""
    answer = j.call(step, "bpmCommand", status, models.BpmResponse, body=body)
    check(answer.success is (status < 400), f"{step}: success {answer.success!r}: {answer.message}")
    return answer.data


def employees(j: "Journey", tag: str) -> None:
    """Seeds 000/001 through the BPM command surface, and Excel out and back in."""
    # 20. Create an employee: a REF- code.
    staff = f"EMP-{tag}"
    e = bpm(j, "create employee", 201, models.BpmCommandCreateEmployeeCommand(
        type_=models.BpmCommandCreateEmployeeCommandType.CREATEEMPLOYEECOMMAND,
        staff_id=staff, email=f"{tag.lower()}@bank.example", first_name="Ada", last_name="Obi",
        branch="Lagos", contact_details=models.BpmContactDetails(mobile="+2348000000")))
    check(isinstance(e, models.BpmEmployee), f"create employee: data {type(e).__name__}")
    check(e.referral_code.startswith("REF-"), f"create employee: code {e.referral_code!r}")
    done(f"employee {e.id} {staff} with code {e.referral_code}")

    # 21. Update: the code stays.
    u = bpm(j, "update employee", 200, models.BpmCommandUpdateEmployeeCommand(
        type_=models.BpmCommandUpdateEmployeeCommandType.UPDATEEMPLOYEECOMMAND, id=e.id, branch="Abuja"))
    check(u.branch == "Abuja" and u.referral_code == e.referral_code, f"update employee: {u!r}")
    done(f"employee {e.id} moved to Abuja, code unchanged")

    # 22. Upload two more (a JSON list), one bad row reported.
    up = bpm(j, "upload employees", 200, models.BpmCommandUploadEmployeesCommand(
        type_=models.BpmCommandUploadEmployeesCommandType.UPLOADEMPLOYEESCOMMAND,
        employees=[
            models.UploadEmployee(staff_id=f"{staff}-2", email=f"{tag.lower()}2@bank.example", first_name="Bola", last_name="Ade"),
            models.UploadEmployee(staff_id=f"{staff}-3", email="not-an-email", first_name="Chi", last_name="Eze"),
        ]))
    check((up.created, up.updated, up.error_count) == (1, 0, 1), f"upload: {up!r}")
    check((up.errors[0].row, up.errors[0].column) == (2, "email"), f"upload: errors {up.errors!r}")
    done(f"upload: created {up.created}, errors {up.error_count} (row 2, email)")

    # 23. List with a filter, then by id.
    page = bpm(j, "list employees", 200, models.BpmCommandRetrieveEmployeesListQuery(
        type_=models.BpmCommandRetrieveEmployeesListQueryType.RETRIEVEEMPLOYEESLISTQUERY,
        filters=[models.BpmFilter(field="StaffId", operator="startswith", value=staff)]))
    check(isinstance(page, models.BpmEmployeePage) and page.total_count == 2, f"list employees: {page!r}")
    one = bpm(j, "employee by id", 200, models.BpmCommandRetrieveEmployeeByIdQuery(
        type_=models.BpmCommandRetrieveEmployeeByIdQueryType.RETRIEVEEMPLOYEEBYIDQUERY, id=e.id))
    check(one.staff_id == staff, f"employee by id: {one!r}")
    done(f"list employees {staff}*: {page.total_count}; by id: {one.staff_id}")

    # 24. A customer registers with the code; the employee's referrals list it.
    r = bpm(j, "credit referral", 201, models.BpmCommandCreateEmployeeReferralCommand(
        type_=models.BpmCommandCreateEmployeeReferralCommandType.CREATEEMPLOYEEREFERRALCOMMAND,
        referral_code=e.referral_code, customer_name="Jane Smith", customer_account_number=f"acct-{tag}"))
    check(isinstance(r, models.BpmEmployeeReferral) and r.employee_id == e.id, f"credit referral: {r!r}")
    refs = bpm(j, "employee referrals", 200, models.BpmCommandRetrieveEmployeeReferralsQuery(
        type_=models.BpmCommandRetrieveEmployeeReferralsQueryType.RETRIEVEEMPLOYEEREFERRALSQUERY,
        employee_id=e.id))
    check(isinstance(refs, models.BpmEmployeeReferralPage) and [x.referral_id for x in refs.items] == [r.referral_id],
          f"employee referrals: {refs!r}")
    done(f"referral {r.referral_id} credited to employee {e.id}")

    # 25. Mail the code (the server's outbox in the contract run).
    sent = bpm(j, "send code", 200, models.BpmCommandSendEmployeeReferralCodeCommand(
        type_=models.BpmCommandSendEmployeeReferralCodeCommandType.SENDEMPLOYEEREFERRALCODECOMMAND,
        employee_id=e.id))
    check(isinstance(sent, models.BpmSentCode) and sent.referral_code == e.referral_code, f"send code: {sent!r}")
    done(f"code {sent.referral_code} mailed to {sent.email}")

    # 26. Export the two as xlsx, and upload the file back (multipart): both updated.
    export = bpm(j, "export employees", 200, models.BpmCommandRetrieveEmployeesListQuery(
        type_=models.BpmCommandRetrieveEmployeesListQueryType.RETRIEVEEMPLOYEESLISTQUERY, is_export=True,
        filters=[models.BpmFilter(field="StaffId", operator="startswith", value=staff)]))
    check(isinstance(export, models.BpmExportFile) and export.row_count == 2, f"export: {export!r}")
    xlsx = base64.b64decode(export.content)
    back = j.call("upload xlsx", "uploadEmployees", 200, models.EmployeeUploadResult,
                  body=models.UploadEmployeesBody(file=File(payload=io.BytesIO(xlsx), file_name=export.file_name)))
    check((back.created, back.updated, back.error_count) == (0, 2, 0), f"upload xlsx: {back!r}")
    done(f"export of {export.row_count} uploaded back: updated {back.updated}")

    # 27. The template.
    template = j.call("template", "employeesTemplate", 200, File)
    check(template.payload.read(2) == b"PK", "template: not a zip (xlsx)")
    done("template.xlsx downloaded")


def main() -> int:
    args = sys.argv[1:]
    base_url = args[0] if len(args) > 0 else os.environ.get("VOUCH_CONTRACT_BASE_URL")
    owner_key = args[1] if len(args) > 1 else os.environ.get("VOUCH_CONTRACT_OWNER_KEY")
    if not base_url or not owner_key:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        run(base_url.rstrip("/"), owner_key)
    except JourneyFailed as e:
        print(f"FAIL {e}")
        print(f"journey: FAILED at step {STEPS + 1} ({STEPS} steps ok)")
        return 1
    print(f"journey: ok ({STEPS} steps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
