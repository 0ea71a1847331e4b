"""Brute force on gift cards and coupons: locked after a few wrong guesses (429 problem+json with
Retry-After), and an unknown code answers exactly like a wrong PIN."""

import datetime as dt
from decimal import Decimal

import pytest

from omnicanal.core import clock
from omnicanal.loyalty.services import coupons

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)


def _card(clerk):
    issued = clerk.post("/gift-cards", {"amount": {"amount": "20000", "currency": "CLP"}})
    assert issued.status_code == 201, issued.content
    return issued.json()


def _wrong(pin: str) -> str:
    return "111111" if pin != "111111" else "222222"


def _balance(clerk, code, pin, address="10.0.0.1"):
    return clerk.client.post("/api/v1/gift-cards/balance", {"code": code, "pin": pin}, content_type="application/json",
                             REMOTE_ADDR=address, **clerk.auth)


def test_a_gift_card_locks_after_5_wrong_pins_even_for_the_right_one_until_it_expires(api, issue_key):
    clerk = api.as_(issue_key("manager"))
    with clock.frozen(T0):
        # given a card and five wrong PINs, each from another address
        card = _card(clerk)
        for i in range(5):
            assert _balance(clerk, card["code"], _wrong(card["pin"]), address=f"10.0.1.{i}").status_code == 404
        # when the right PIN comes
        locked = _balance(clerk, card["code"], card["pin"], address="10.0.2.1")
    # then 429 problem+json with Retry-After, nothing about the card
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert locked.json()["type"] == "/problems/too-many-requests"
    assert 0 < int(locked["Retry-After"]) <= 3600
    assert "balance" not in locked.json()
    # and still refused just before the lockout ends, accepted after
    with clock.frozen(T0 + dt.timedelta(minutes=59)):
        assert _balance(clerk, card["code"], card["pin"], address="10.0.2.1").status_code == 429
    with clock.frozen(T0 + dt.timedelta(minutes=61)):
        assert _balance(clerk, card["code"], card["pin"], address="10.0.2.1").status_code == 200


def test_spending_by_the_pos_is_behind_the_same_lock(api, issue_key):
    clerk = api.as_(issue_key("store_staff", ["SCL-CENTRO"]))
    card = _card(api.as_(issue_key("manager")))
    body = {"code": card["code"], "reference": "boleta-9", "amount": {"amount": "1000", "currency": "CLP"}}
    for _ in range(5):
        assert clerk.post("/gift-cards/spend", {**body, "pin": _wrong(card["pin"])}).status_code == 404
    response = clerk.post("/gift-cards/spend", {**body, "pin": card["pin"]})
    assert response.status_code == 429 and "Retry-After" in response


def test_one_address_guessing_across_cards_is_locked(api, issue_key):
    # given twenty wrong guesses from one address on twenty made-up codes
    clerk = api.as_(issue_key("manager"))
    card = _card(clerk)
    for i in range(20):
        _balance(clerk, f"NOSUCHCARD{i:04d}", "123456", address="10.7.7.7")
    # then that address is refused even for a real card and its PIN; another address is served
    assert _balance(clerk, card["code"], card["pin"], address="10.7.7.7").status_code == 429
    assert _balance(clerk, card["code"], card["pin"], address="10.7.7.8").status_code == 200


def test_an_unknown_code_answers_exactly_like_a_wrong_pin(api, issue_key):
    clerk = api.as_(issue_key("manager"))
    card = _card(clerk)
    wrong_pin = _balance(clerk, card["code"], _wrong(card["pin"]))
    unknown = _balance(clerk, "ZZZZZZZZZZZZZZZZ", _wrong(card["pin"]))
    assert wrong_pin.status_code == unknown.status_code == 404
    assert wrong_pin.json() == unknown.json()
    assert wrong_pin["Content-Type"] == unknown["Content-Type"]


def test_an_unknown_code_runs_the_pin_hash_too(api, issue_key, monkeypatch):
    # given a counter on the password hasher's check
    from django.contrib.auth import hashers

    calls = []
    real = hashers.check_password
    monkeypatch.setattr("omnicanal.loyalty.services.stored_value.check_password",
                        lambda pin, encoded: calls.append(encoded) or real(pin, encoded))
    clerk = api.as_(issue_key("manager"))
    # when an unknown code is checked
    assert _balance(clerk, "ZZZZZZZZZZZZZZZZ", "123456").status_code == 404
    # then a PIN hash was checked all the same (same work, same time as a wrong PIN)
    assert len(calls) == 1 and calls[0]


# --- coupons -----------------------------------------------------------------------------------------


ORDER = {"channel": "web", "subtotal": {"amount": "50000", "currency": "CLP"}}


def test_guessing_coupon_codes_is_locked_per_credential_and_address(api, issue_key):
    coupons.do_create_coupon(code="VERANO10", terms=coupons.Terms(kind="percent", value=Decimal(10)))
    agent = api.as_(issue_key("agent"))
    # given thirty unknown codes validated by one credential
    for i in range(30):
        response = agent.post("/coupons/validate", {**ORDER, "code": f"GUESS{i:03d}"})
        assert response.status_code == 404
    # when a real code comes from the same credential
    response = agent.post("/coupons/validate", {**ORDER, "code": "VERANO10"})
    # then 429 problem+json with Retry-After
    assert response.status_code == 429
    assert response.json()["type"] == "/problems/too-many-requests"
    assert int(response["Retry-After"]) > 0
    # and the GET lookup is behind the same lock
    assert agent.get("/coupons/VERANO10").status_code == 429


def test_a_shopper_cannot_tell_an_unknown_coupon_from_a_used_up_one():
    from omnicanal.core.errors import ValidationFailed
    from omnicanal.loyalty.services.common import Line

    coupons.do_create_coupon(code="UNAVEZ", terms=coupons.Terms(kind="percent", value=Decimal(10)), max_uses=1)
    from omnicanal.core.money import Money

    lines = [Line(sku="SKU-1", amount=Money.of(20000, "CLP"))]
    coupons.do_use_coupon(code="UNAVEZ", order_ref="o1", channel="web", lines=lines)
    answers = []
    for code in ("UNAVEZ", "NOEXISTE"):
        with pytest.raises(ValidationFailed) as caught:
            coupons.check_coupon_quietly(code=code, channel="web", lines=lines)
        answers.append((caught.value.status, caught.value.detail, [(e.field, str(e.message)) for e in caught.value.errors]))
    assert answers[0] == answers[1]
