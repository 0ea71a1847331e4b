import pytest

from omnicanal.core.models import AuditEntry
from omnicanal.core.money import Money
from omnicanal.core.services import do_create_staff_user
from omnicanal.loyalty.models import Coupon, CouponBatch, EarnRule, GiftCard
from omnicanal.loyalty.services import program
from omnicanal.loyalty.services.common import Line

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def as_role(role, locations=()):
        user = do_create_staff_user(username=f"{role}-console", password="secret-pass", role=role, locations=list(locations))
        client.force_login(user)
        return client

    return as_role


def test_the_overview_and_a_customers_loyalty_render(login, make_customer):
    ana = make_customer()
    program.do_earn_for_order(customer_id=ana, order_ref="o", lines=[Line(sku="Z", amount=Money.of(12_000))], channel="pos")
    client = login("agent")
    assert client.get("/console/loyalty/").status_code == 200
    page = client.get(f"/console/loyalty/customers/{ana}/")
    assert page.status_code == 200 and b'data-testid="points">120<' in page.content
    assert client.get(f"/console/loyalty/?customer={ana}").status_code == 302


def test_marketers_edit_the_program_and_create_coupons_and_batches(login):
    client = login("marketer")
    assert client.get("/console/loyalty/program/").status_code == 200
    response = client.post("/console/loyalty/program/", {"action": "rule", "kind": "category", "name": "Running x2",
                                                          "category": "running", "multiplier": "2"})
    assert response.status_code == 302 and EarnRule.objects.filter(category="running").exists()
    client.post("/console/loyalty/coupons/", {"action": "coupon", "code": "verano", "kind": "percent", "value": "15", "max_uses": "100"})
    assert Coupon.objects.get(code="VERANO").max_uses == 100
    client.post("/console/loyalty/coupons/", {"action": "batch", "name": "Cyber", "prefix": "CY", "count": "12", "kind": "amount",
                                              "value": "5.000"})
    batch = CouponBatch.objects.get()
    assert batch.coupons.count() == 12 and batch.coupons.first().value == 5000
    csv = client.get(f"/console/loyalty/batches/{batch.public_id}/codes.csv")
    assert csv.status_code == 200 and len(csv.content.decode().strip().splitlines()) == 13
    assert client.get("/console/loyalty/coupons/VERANO/").status_code == 200
    assert client.get(f"/console/loyalty/batches/{batch.public_id}/").status_code == 200
    assert client.get("/console/loyalty/adjustments/").status_code == 403


def test_managers_adjust_with_a_reason_in_the_audit_log(login, make_customer):
    ana = make_customer()
    client = login("manager")
    client.post("/console/loyalty/adjustments/", {"customer_id": ana, "kind": "points", "amount": "300", "reason": "Reclamo 123"})
    assert AuditEntry.objects.filter(action="loyalty.adjust", note__text="Reclamo 123").exists()
    page = client.get("/console/loyalty/adjustments/")
    assert "Reclamo 123" in page.content.decode()


def test_managers_issue_gift_cards_and_see_the_pin_once(login):
    # (store staff need the captured payment that paid for it: orders/tests/test_security_value.py)
    client = login("manager")
    page = client.post("/console/loyalty/gift-cards/", {"amount": "25.000"})
    card = GiftCard.objects.get()
    assert card.initial_amount == 25_000 and card.code in page.content.decode()
    assert card.code not in client.get("/console/loyalty/gift-cards/").content.decode()
