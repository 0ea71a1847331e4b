"""Making amends from the loyalty panel (beside a conversation or on the customer 360): store credit
as service recovery (each role within its caps, above them a manager's approval: see
test_security_value.py) and a single-use coupon for the customer, audited with ids only (the
agent's note stays on the grant)."""

from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core.auth import Principal
from omnicanal.core.errors import Forbidden, ValidationFailed
from omnicanal.core.models import AuditEntry
from omnicanal.core.services import do_create_staff_user
from omnicanal.loyalty import queries
from omnicanal.loyalty.models import Coupon, ValueGrant
from omnicanal.loyalty.services import goodwill

pytestmark = pytest.mark.django_db

AGENT = Principal(kind="user", id="7", name="agent-ana", role="agent", locations=None)
MANAGER = Principal(kind="user", id="8", name="jefa", role="manager", locations=None)
MARKETER = Principal(kind="user", id="9", name="mkt", role="marketer", locations=None)


def login(client, role="agent"):
    with transaction.atomic():
        user = do_create_staff_user(username=f"{role}-amends", password="secret-pass", role=role)
    client.force_login(user)
    return user


def credit(customer_id):
    return queries.summary(customer_id).store_credit.amount


def test_an_agent_grants_store_credit_up_to_the_limit_and_a_manager_beyond(make_customer, clp):
    # given a customer
    customer_id = make_customer()
    # when an agent grants 20.000 (the limit), then 20.001, and a manager 50.000
    with transaction.atomic():
        goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=clp(20000), note="late delivery",
                                          reference="cnv_1", actor=AGENT)
    with transaction.atomic():
        waiting = goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=clp(20001), note="more", actor=AGENT)
    with transaction.atomic():
        goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=clp(50000), note="lost parcel", actor=MANAGER)
    # then 70.000 of credit (the 20.001 waits for a manager), each grant audited twice (the ledger's
    # grant and the grant with who asked), ids only; the notes stay on the grants
    assert waiting.pending and credit(customer_id) == Decimal(70000)
    grants = list(AuditEntry.objects.filter(action="loyalty.value.grant").order_by("pk").values_list("actor_role", "reason"))
    assert grants == [("agent", ""), ("manager", "")]
    assert AuditEntry.objects.filter(action="loyalty.store_credit.grant").count() == 2
    assert sorted(ValueGrant.objects.values_list("note", flat=True)) == ["late delivery", "lost parcel", "more"]


def test_store_credit_needs_a_role_a_reason_and_a_positive_amount(make_customer, clp):
    customer_id = make_customer()
    with pytest.raises(Forbidden):
        goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=clp(1000), note="x", actor=MARKETER)
    with pytest.raises(ValidationFailed):
        goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=clp(1000), note=" ", actor=AGENT)
    with pytest.raises(ValidationFailed):
        goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=clp(0), note="x", actor=AGENT)
    assert credit(customer_id) == 0


def test_a_single_use_coupon_for_the_customer(make_customer):
    customer_id = make_customer()
    with transaction.atomic():
        coupon = goodwill.do_issue_customer_coupon(customer_id=customer_id, kind="percent", value=Decimal(15),
                                                   note="sorry", actor=AGENT).coupon
    assert coupon.code.startswith("CX-") and coupon.max_uses == 1 and coupon.max_uses_per_customer == 1
    assert coupon.name == customer_id and coupon.ends_at is not None
    entry = AuditEntry.objects.get(action="loyalty.value.grant")
    assert entry.after["customer"] == customer_id and entry.after["result"] == coupon.public_id and entry.reason == ""
    with transaction.atomic():  # an agent gives at most 20 %: more waits for a manager
        assert goodwill.do_issue_customer_coupon(customer_id=customer_id, kind="percent", value=Decimal(30), note="",
                                                 actor=AGENT).pending
    with transaction.atomic():
        goodwill.do_issue_customer_coupon(customer_id=customer_id, kind="percent", value=Decimal(30), note="", actor=MANAGER)


def test_a_customer_s_coupon_is_refused_to_anyone_else(make_customer):
    from omnicanal.core.money import Money
    from omnicanal.loyalty.services import coupons
    from omnicanal.loyalty.services.common import Line

    owner, other = make_customer("Camila Reyes"), make_customer("Tomás Vidal")
    with transaction.atomic():
        coupon = goodwill.do_issue_customer_coupon(customer_id=owner, kind="amount", value=Decimal(5000),
                                                   note="late delivery", actor=AGENT).coupon
    lines = [Line(sku="SKU-1", amount=Money.of(20000))]
    with pytest.raises(ValidationFailed) as refused:
        coupons.check_coupon(coupon=coupon, channel="web", lines=lines, customer_id=other)
    assert refused.value.errors[0].field == "coupon"
    assert coupons.check_coupon(coupon=coupon, channel="web", lines=lines, customer_id=owner).amount == Money.of(5000)


def test_console_grant_credit_from_the_panel(client, make_customer):
    customer_id = make_customer()
    login(client)
    ok = client.post(f"/console/loyalty/customers/{customer_id}/credit/",
                     {"amount": "5.000", "note": "late delivery", "conversation_id": "cnv_1"}, HTTP_HX_REQUEST="true")
    too_much = client.post(f"/console/loyalty/customers/{customer_id}/credit/", {"amount": "25000", "note": "x"})
    assert ok.status_code == 200 and 'data-testid="loyalty-panel-notice"' in ok.content.decode()
    pending = ValueGrant.objects.get(status="pending")
    assert pending.public_id in too_much.content.decode()  # sent to a manager for approval
    assert credit(customer_id) == Decimal(5000)
    assert AuditEntry.objects.get(action="loyalty.value.grant").after["reference"] == "cnv_1"


def test_console_issue_coupon_from_the_panel(client, make_customer):
    customer_id = make_customer()
    login(client, "manager")
    page = client.post(f"/console/loyalty/customers/{customer_id}/coupon/", {"kind": "amount", "value": "10000",
                                                                            "note": "sorry"})
    coupon = Coupon.objects.get()
    assert coupon.code in page.content.decode() and coupon.kind == "amount" and coupon.value == Decimal(10000)


def test_a_clerk_or_marketer_cannot_make_amends_from_the_panel(client, make_customer):
    customer_id = make_customer()
    login(client, "marketer")
    assert client.post(f"/console/loyalty/customers/{customer_id}/credit/", {"amount": "1000", "note": "x"}).status_code == 403
    assert client.post(f"/console/loyalty/customers/{customer_id}/coupon/", {"kind": "amount", "value": "1"}).status_code == 403
    assert credit(customer_id) == 0 and not Coupon.objects.exists()
