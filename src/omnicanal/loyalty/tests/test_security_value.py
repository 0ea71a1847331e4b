"""Issue 13, item 3: value is issued only by roles allowed to, within limits, and spent only with the
customer's presence. Each test failed on main before: agents, clerks and integration keys granted
store credit of 999.999.999.999, clerks issued gift cards with no payment, wallets were topped up
from any reference, points were spent without the customer, and EUR or XXX value was accepted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.auth import Principal
from omnicanal.core.errors import Forbidden
from omnicanal.core.models import AuditEntry
from omnicanal.core.services import do_create_staff_user
from omnicanal.loyalty import presence, queries
from omnicanal.loyalty.models import Coupon, GiftCard, ValueGrant
from omnicanal.loyalty.services import approvals, goodwill, payments, program

pytestmark = pytest.mark.django_db

AGENT = Principal(kind="user", id="71", name="agent-a", role="agent", locations=None)
AGENT_2 = Principal(kind="user", id="72", name="agent-b", role="agent", locations=None)
MANAGER = Principal(kind="user", id="81", name="manager-a", role="manager", locations=None)
HUGE = {"amount": {"amount": "999999999999", "currency": "CLP"}, "reason": "service_recovery"}


def credit(customer_id):
    with transaction.atomic():
        return queries.summary(customer_id).store_credit.amount


@pytest.mark.parametrize("role", ["agent", "store_staff", "integration"])
def test_a_low_role_cannot_create_a_fortune_of_store_credit(api, issue_key, make_customer, role):
    # given a customer and a credential of a low role
    ana = make_customer()
    key = api.as_(issue_key(role, ["SCL-CENTRO"] if role == "store_staff" else ()))
    # when it grants 999.999.999.999 of store credit
    response = key.post(f"/customers/{ana}/store-credit", HUGE)
    # then nothing is issued: the grant waits for a manager (202), and the request is audited
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending" and response.json()["amount"]["amount"] == "999999999999"
    assert credit(ana) == 0
    assert AuditEntry.objects.filter(action="loyalty.value.request", target_id=response.json()["id"]).exists()


def test_an_agent_within_the_cap_gets_201_and_a_manager_approves_above_it(api, issue_key, make_customer):
    # given an agent key and a manager key
    ana = make_customer()
    agent, manager = api.as_(issue_key("agent")), api.as_(issue_key("manager"))
    # when the agent grants 20.000 (the cap per action) and then 30.000
    assert agent.post(f"/customers/{ana}/store-credit", {**HUGE, "amount": {"amount": "20000"}}).status_code == 201
    waiting = agent.post(f"/customers/{ana}/store-credit", {**HUGE, "amount": {"amount": "30000"}, "reference": "cnv_9"})
    assert waiting.status_code == 202
    grant_id = waiting.json()["id"]
    # then only 20.000 is issued; the agent may not approve; the manager sees and approves the rest
    assert credit(ana) == Decimal(20000)
    assert agent.post(f"/loyalty/approvals/{grant_id}/approve").status_code == 403
    assert [g["id"] for g in manager.get("/loyalty/approvals").json()] == [grant_id]
    approved = manager.post(f"/loyalty/approvals/{grant_id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert credit(ana) == Decimal(50000)
    # and a decision is taken once
    assert manager.post(f"/loyalty/approvals/{grant_id}/approve").status_code == 409
    assert credit(ana) == Decimal(50000) and manager.get("/loyalty/approvals").json() == []
    entry = AuditEntry.objects.get(action="loyalty.value.approve")
    assert entry.actor_role == "manager" and entry.target_id == grant_id and entry.after["customer"] == ana


def test_the_daily_cap_counts_every_grant_of_one_person(make_customer, clp):
    # given an agent's day: 20.000 + 20.000 (50.000 a day)
    ana, ben = make_customer(), make_customer("Benjamín Soto")
    with transaction.atomic():
        first = goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(20000), note="late", actor=AGENT)
        second = goodwill.do_grant_goodwill_credit(customer_id=ben, amount=clp(20000), note="late", actor=AGENT)
    # when the same agent grants 20.000 more, to anyone, the same day
    with transaction.atomic():
        third = goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(20000), note="late", actor=AGENT)
        other_agent = goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(20000), note="late", actor=AGENT_2)
    # then the third waits for a manager; another agent has their own allowance
    assert not first.pending and not second.pending and third.pending and not other_agent.pending
    assert credit(ana) == Decimal(40000)
    # and the next day the agent may give again
    with clock.frozen(clock.now() + timedelta(days=1)), transaction.atomic():
        assert not goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(20000), note="late", actor=AGENT).pending


def test_a_manager_approves_others_requests_within_their_own_cap(make_customer, clp):
    ana = make_customer()
    with transaction.atomic():
        small = goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(25000), note="late", actor=AGENT)
        big = goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(300000), note="lost", actor=AGENT)
        own = goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(250000), note="lost", actor=MANAGER)
    assert small.pending and big.pending and own.pending  # a manager's cap is 200.000 per action
    with pytest.raises(Forbidden):  # never their own request
        approvals.do_decide(grant_id=own.grant.public_id, approve=True, actor=MANAGER)
    with pytest.raises(Forbidden):  # above the approver's own cap: an admin decides
        approvals.do_decide(grant_id=big.grant.public_id, approve=True, actor=MANAGER)
    with transaction.atomic():
        approvals.do_decide(grant_id=small.grant.public_id, approve=True, actor=MANAGER)
        approvals.do_decide(grant_id=big.grant.public_id, approve=False, actor=MANAGER)
    assert credit(ana) == Decimal(25000)
    assert dict(ValueGrant.objects.values_list("public_id", "status")) == {
        small.grant.public_id: "approved", big.grant.public_id: "rejected", own.grant.public_id: "pending"}


def test_coupons_for_one_customer_are_capped_too_and_approved_by_a_manager(make_customer):
    ana = make_customer()
    with transaction.atomic():
        big = goodwill.do_issue_customer_coupon(customer_id=ana, kind="amount", value=Decimal(25000), note="x", actor=AGENT)
        steep = goodwill.do_issue_customer_coupon(customer_id=ana, kind="percent", value=Decimal(40), note="", actor=AGENT)
    assert big.pending and steep.pending and not Coupon.objects.exists()
    with transaction.atomic():
        issued = approvals.do_decide(grant_id=steep.grant.public_id, approve=True, actor=MANAGER)
    assert issued.coupon.kind == "percent" and issued.coupon.value == 40 and issued.coupon.owner_id == ana


def test_the_audit_log_keeps_ids_not_the_staff_note(make_customer, clp):
    ana = make_customer()
    with transaction.atomic():
        goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(5000), note="Camila Reyes llamó furiosa",
                                          reference="cnv_1", actor=AGENT)
        goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(90000), note="Camila Reyes otra vez", actor=AGENT)
    dump = repr(list(AuditEntry.objects.filter(action__startswith="loyalty.").values("after", "before", "reason")))
    assert "Camila" not in dump and AuditEntry.objects.filter(action__startswith="loyalty.value.").count() == 2


def test_a_clerk_cannot_issue_a_gift_card_without_a_payment(api, issue_key):
    clerk = api.as_(issue_key("store_staff", ["SCL-CENTRO"]))
    refused = clerk.post("/gift-cards", {"amount": {"amount": "500000", "currency": "CLP"}})
    assert refused.status_code == 403 and "pay_" in refused.json()["detail"]
    invented = clerk.post("/gift-cards", {"amount": {"amount": "500000"}, "reference": "pay_01m8yqecgtzg9wqr447cf8kq7y"})
    assert invented.status_code == 422 and invented.json()["errors"][0]["field"] == "reference"
    assert api.as_(issue_key("integration")).post("/gift-cards", {"amount": {"amount": "1000"}}).status_code == 403
    # a manager may, within the cap per action; an admin without one
    manager = api.as_(issue_key("manager"))
    assert manager.post("/gift-cards", {"amount": {"amount": "50000"}}).status_code == 201
    assert manager.post("/gift-cards", {"amount": {"amount": "999999999"}}).status_code == 403
    assert GiftCard.objects.count() == 1


def test_a_wallet_top_up_needs_a_captured_payment(api, issue_key, make_customer):
    ana = make_customer()
    for role in ("store_staff", "integration", "manager"):
        key = api.as_(issue_key(role, ["SCL-CENTRO"] if role == "store_staff" else ()))
        made_up = key.post(f"/customers/{ana}/wallet/top-ups", {"amount": {"amount": "10000"}, "reference": "webpay-7"})
        assert made_up.status_code == 422 and made_up.json()["errors"][0]["field"] == "reference"
    assert api.as_(issue_key("agent")).post(f"/customers/{ana}/wallet/top-ups",
                                            {"amount": {"amount": "1"}, "reference": "x"}).status_code == 403
    with transaction.atomic():
        assert queries.summary(ana).wallet.amount == 0


@pytest.mark.parametrize("currency", ["EUR", "XXX"])
def test_value_only_in_the_business_currency(api, issue_key, make_customer, currency):
    ana = make_customer()
    manager = api.as_(issue_key("manager"))
    money = {"amount": "5000", "currency": currency}
    for path, body in ((f"/customers/{ana}/store-credit", {"amount": money, "reason": "service_recovery"}),
                       ("/gift-cards", {"amount": money}),
                       (f"/customers/{ana}/wallet/top-ups", {"amount": money, "reference": "pay_x"})):
        response = manager.post(path, body)
        assert response.status_code == 422, (path, response.content)
        assert response.json()["errors"][0]["field"].startswith("amount"), response.json()
    assert not GiftCard.objects.exists() and credit(ana) == 0


def test_spending_a_customer_s_points_needs_their_presence(make_customer, clp):
    # given a customer with points
    ana, ben = make_customer(), make_customer("Benjamín Soto")
    with transaction.atomic():
        program.do_adjust(customer_id=ana, kind="points", amount=5000, reason="welcome", actor=MANAGER)
    hold = {"method": "points", "amount": clp(1000), "order_ref": "ord-x", "customer_id": ana}
    # when a staff flow spends them without proof, or with another customer's QR
    with pytest.raises(Forbidden):
        payments.do_hold_payment(payment="p-1", **hold)
    with pytest.raises(Forbidden):
        payments.do_hold_payment(payment="p-2", **hold, presence=presence.from_qr(_qr(ben)))
    # then nothing is held; with the customer's own QR (or their session) it is
    with transaction.atomic():
        payments.do_hold_payment(payment="p-3", **hold, presence=presence.from_qr(_qr(ana)))
        assert queries.summary(ana).points_held == 1000


def _qr(customer_id):
    from omnicanal.loyalty import qr

    return qr.make_token(customer_id)[0]


def test_the_manager_approves_in_the_console(client, make_customer, clp):
    # given an agent's request above the cap
    ana = make_customer()
    with transaction.atomic():
        waiting = goodwill.do_grant_goodwill_credit(customer_id=ana, amount=clp(30000), note="lost parcel", actor=AGENT)
        user = do_create_staff_user(username="jefa-approvals", password="secret-pass", role="manager")
    client.force_login(user)
    # when the manager opens the approvals page and approves
    page = client.get("/console/loyalty/approvals/")
    assert waiting.grant.public_id in page.content.decode() and "lost parcel" in page.content.decode()
    client.post("/console/loyalty/approvals/", {"grant": waiting.grant.public_id, "decision": "approve"})
    # then the credit is issued
    assert credit(ana) == Decimal(30000)
    assert ValueGrant.objects.get().status == "approved"
