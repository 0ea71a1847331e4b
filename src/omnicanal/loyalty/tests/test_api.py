from datetime import timedelta

import pytest

from omnicanal.core import audit, clock
from omnicanal.core.models import AuditEntry
from omnicanal.core.money import Money
from omnicanal.loyalty.models import Coupon
from omnicanal.loyalty.services import program
from omnicanal.loyalty.services.common import Line, customers_installed

pytestmark = pytest.mark.django_db


def earn(customer_id, amount, ref="o1"):
    program.do_earn_for_order(customer_id=customer_id, order_ref=ref, lines=[Line(sku="ZAP", amount=Money.of(amount))],
                              channel="web")


def test_get_loyalty_answers_points_stored_value_tier_and_entries(api, make_customer):
    ana = make_customer()
    earn(ana, 25_000)
    response = api.get(f"/customers/{ana}/loyalty")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["points"] == 250
    assert body["stored_value"] == {"amount": "0", "currency": "CLP"}
    assert "tier" in body and body["entries"][0]["amount"] == "250" and body["entries"][0]["kind"] == "earn"


def test_an_unknown_customer_is_404(api):
    response = api.get("/customers/nope/loyalty")
    assert response.status_code == 404
    assert response.json()["type"].endswith("not-found")


def test_post_coupons_creates_a_coupon_per_the_contract(api, issue_key):
    marketer = api.as_(issue_key("marketer"))
    body = {"code": "BIENVENIDA10", "kind": "percent", "value": 10, "max_uses": 100, "max_uses_per_customer": 1,
            "channels": ["web", "pos"]}
    response = marketer.post("/coupons", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["code"], out["kind"], out["value"], out["max_uses"], out["channels"]) == ("BIENVENIDA10", "percent", 10, 100, ["pos", "web"])
    again = marketer.post("/coupons", body)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "code"


def test_bad_coupon_input_is_a_field_error(api):
    response = api.post("/coupons", {"code": "X1X", "kind": "percentage", "value": "diez"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"kind", "value"} <= fields


def test_a_store_clerk_cannot_create_coupons(api, issue_key):
    response = api.as_(issue_key("store_staff", ["SCL-CENTRO"])).post("/coupons", {"code": "NOPE", "kind": "amount", "value": 1000})
    assert response.status_code == 403


def test_validate_then_redeem_then_exhausted_then_release(api, issue_key):
    api.post("/coupons", {"code": "UNO", "kind": "amount", "value": 3000, "max_uses": 1})
    pos = api.as_(issue_key("store_staff", ["SCL-CENTRO"]))
    order = {"code": "uno", "channel": "pos", "lines": [{"sku": "ZAP", "quantity": 1, "amount": {"amount": "45990", "currency": "CLP"}}]}
    valid = pos.post("/coupons/validate", order)
    assert valid.status_code == 200 and valid.json()["discount"] == {"amount": "3000", "currency": "CLP"}
    assert pos.post("/coupons/redeem", {**order, "order_ref": "ord-a"}).status_code == 201
    exhausted = pos.post("/coupons/redeem", {**order, "order_ref": "ord-b", "channel": "web"})
    assert exhausted.status_code == 409 and exhausted.json()["type"].endswith("coupon-exhausted")
    assert pos.post("/coupons/release", {"order_ref": "ord-a"}).json()["released"] == ["UNO"]
    assert Coupon.objects.get(code="UNO").uses == 0


def test_coupon_batches(api):
    response = api.post("/coupon-batches", {"name": "Cyber", "prefix": "cyber", "count": 5, "kind": "percent", "value": 20})
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["codes"]) == 5 and all(code.startswith("CYBER-") for code in body["codes"])
    assert api.get(f"/coupon-batches/{body['id']}").json()["codes"] == body["codes"]


def test_gift_cards_issue_and_balance_with_pin(api, issue_key):
    # a manager issues without a payment (a clerk needs one: test_security_value.py)
    clerk = api.as_(issue_key("store_staff", ["VAP-PLAZA"]))
    issued = api.as_(issue_key("manager")).post("/gift-cards", {"amount": {"amount": "20000", "currency": "CLP"}})
    assert issued.status_code == 201, issued.content
    card = issued.json()
    balance = clerk.post("/gift-cards/balance", {"code": card["code"], "pin": card["pin"]})
    assert balance.json()["balance"] == {"amount": "20000", "currency": "CLP"}
    wrong = clerk.post("/gift-cards/balance", {"code": card["code"], "pin": "9" * 6 if card["pin"] != "9" * 6 else "1" * 6})
    assert wrong.status_code == 404
    spent = clerk.post("/gift-cards/spend", {"code": card["code"], "pin": card["pin"], "reference": "boleta-1",
                                             "amount": {"amount": "25000", "currency": "CLP"}})
    assert spent.status_code == 409 and spent.json()["type"].endswith("insufficient-balance")


def test_manual_adjustment_is_for_managers_and_audited(api, issue_key, make_customer):
    ana = make_customer()
    body = {"kind": "points", "amount": "500", "reason": "Compensación por demora"}
    assert api.as_(issue_key("agent")).post(f"/customers/{ana}/loyalty/adjustments", body).status_code == 403
    response = api.as_(issue_key("manager")).post(f"/customers/{ana}/loyalty/adjustments", body)
    assert response.status_code == 201, response.content
    assert response.json()["balance"] == "500"
    overdraw = api.as_(issue_key("manager")).post(f"/customers/{ana}/loyalty/adjustments", {**body, "amount": "-501"})
    assert overdraw.status_code == 409 and overdraw.json()["type"].endswith("insufficient-balance")
    entry = AuditEntry.objects.get(action="loyalty.adjust")
    assert audit.reason_of(entry) == "Compensación por demora" and entry.actor_role == "manager"


def test_a_loyalty_qr_works_now_and_not_tomorrow(api, issue_key, make_customer):
    ana = make_customer()
    earn(ana, 10_000)
    token = api.post(f"/customers/{ana}/loyalty/qr").json()["token"]
    pos = api.as_(issue_key("store_staff", ["SCL-CENTRO"]))
    scanned = pos.post("/loyalty/qr/resolve", {"token": token})
    assert scanned.status_code == 200 and scanned.json()["points"] == 100
    with clock.frozen(clock.now() + timedelta(days=1)):
        stale = pos.post("/loyalty/qr/resolve", {"token": token})
    assert stale.status_code == 422 and stale.json()["errors"][0]["field"] == "token"
    forged = pos.post("/loyalty/qr/resolve", {"token": token.replace(ana, "cus_0000000000000000000000000z")})
    assert forged.status_code == 422


def test_activities_store_credit_and_wallet(api, make_customer):
    ana = make_customer()
    program.do_add_rule(kind="activity", name="Reseña", activity="review", reward=50)
    assert api.post(f"/customers/{ana}/loyalty/activities", {"activity": "review", "reference": "rev-9"}).status_code == 201
    assert api.post(f"/customers/{ana}/store-credit", {"amount": {"amount": "5000"}, "reason": "service_recovery"}).status_code == 201
    # a top-up needs a captured payment of the order book (orders/tests/test_security_value.py)
    topped = api.post(f"/customers/{ana}/wallet/top-ups", {"amount": {"amount": "10000"}, "reference": "webpay-7"})
    assert topped.status_code == 422 and topped.json()["errors"][0]["field"] == "reference"
    body = api.get(f"/customers/{ana}/loyalty").json()
    assert (body["points"], body["stored_value"]["amount"]) == (50, "5000")


def test_program_is_readable(api):
    body = api.get("/loyalty/program").json()
    assert body["currency"] == "CLP" and "tiers" in body


@pytest.mark.skipif(not customers_installed(), reason="needs the customers app")
def test_merging_customers_moves_their_points(api, make_customer):
    ana, dup = make_customer("Ana"), make_customer("Ana Dup")
    earn(ana, 10_000, ref="a")
    earn(dup, 5_000, ref="b")
    response = api.post(f"/customers/{ana}/merge", {"other_id": dup})
    assert response.status_code == 200, response.content
    assert api.get(f"/customers/{ana}/loyalty").json()["points"] == 150
    assert api.get(f"/customers/{dup}/loyalty").json()["customer_id"] == ana  # the alias answers the survivor


@pytest.mark.skipif(not customers_installed(), reason="needs the customers app")
def test_the_single_customer_view_and_export_carry_loyalty(api, make_customer):
    ana = make_customer()
    earn(ana, 10_000)
    view = api.get(f"/customers/{ana}").json()
    assert view["loyalty"]["points"] == 100
    export = api.get(f"/customers/{ana}/export").json()
    assert "loyalty" in str(export)


@pytest.mark.skipif(not customers_installed(), reason="needs the customers app")
def test_erasure_keeps_the_books_balanced(api, make_customer):
    from omnicanal.loyalty import queries

    ana = make_customer()
    earn(ana, 10_000)
    response = api.post(f"/customers/{ana}/erase", {"reason": "pedido de la persona"})
    assert response.status_code == 200, response.content
    assert queries.summary(ana).points == 0
    assert queries.books_problems() == []
