"""Subscriptions paid by a saved card (Webpay Oneclick Mall, through the sandbox): the shop's account
page saves a card (Transbank's page and back), a subscription is set to it, each cycle's order is
charged to it after the order committed; a declined card cancels that order, is retried, then pauses
the subscription and the customer is told; the Store API chooses the card and lists the cards; nobody pays with another
customer's card."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction

from omnicanal.core import clock
from omnicanal.marketing import subscriptions as subs
from omnicanal.marketing.tests.conftest import START
from omnicanal.marketing.tests.test_subscription_api import GELS, STORE, shopper
from omnicanal.marketing.tests.test_subscription_page import PAGE, browser_for
from omnicanal.marketing.tests.test_subscriptions import FIRST, at_noon, get, held, notices, run
from omnicanal.orders import queries as order_queries
from omnicanal.orders.webpay_config import REJECTED_TEST_CARD, TEST_CARD

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def sandbox(settings):
    cache.clear()
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBPAY": {"BASE_URL": "sandbox", "RETURN_URL": ""}, "ONECLICK": {}}


def save_card_in_the_shop(customer_id, number=TEST_CARD):
    """The account page's "Save a card": off to Transbank's page (the sandbox's), typed, and back."""
    browser = browser_for(customer_id)
    page = browser.post(PAGE, {"action": "save_card"})
    assert page.status_code == 200, page.content
    html = page.content.decode()
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    token = re.search(r'name="TBK_TOKEN" value="([0-9a-f]{64})"', html).group(1)
    assert browser.post(action, {"TBK_TOKEN": token}).status_code == 200
    back = browser.post("/payments/sandbox/oneclick/decide", {"TBK_TOKEN": token, "choice": "save", "card_number": number})
    landed = browser.get(back["Location"])
    assert landed.status_code == 302 and urlsplit(landed["Location"]).path == PAGE
    shown = browser.get(landed["Location"]).content.decode()
    assert number[-4:] in shown and number not in shown
    [card] = order_queries.stored_cards(customer_id)
    return card.id


def subscribe_with_card(customer_id, card_id):
    with clock.frozen(START), transaction.atomic():
        return subs.do_subscribe(customer_id=customer_id, lines=[subs.LineSpec("GEL-1", 4)], interval_days=30,
                                 delivery_method="pickup", location="SCL", next_date=FIRST, payment_source="card",
                                 card_id=card_id).public_id


def test_a_cycle_charges_the_saved_card_and_the_order_is_paid(ana):
    from omnicanal.marketing.models import Subscription
    from omnicanal.orders.models import Order

    card = save_card_in_the_shop(ana)
    sub = subscribe_with_card(ana, card)
    assert run(sub, at_noon(FIRST - 3 * DAY)) == ["reserved"]
    assert run(sub, at_noon(FIRST - 2 * DAY)) == ["reminded"]
    assert "tarjeta guardada" in notices(ana, "reminder").get().text
    assert run(sub, at_noon(FIRST)) == ["ordered"]
    row = Subscription.objects.get(public_id=sub)
    order = Order.objects.get(public_id=row.last_order_id)
    assert order.status == "paid" and order.total == 8000
    assert [(p.method, p.provider, p.status) for p in order.payments.all()] == [("card", "oneclick", "captured")]
    assert row.failures == 0 and row.next_date == FIRST + 30 * DAY


def test_a_declined_card_is_retried_then_the_subscription_pauses_and_the_customer_is_told(ana):
    from omnicanal.orders.models import Order

    # given Ana saved the card Transbank declines and pays her subscription with it
    sub = subscribe_with_card(ana, save_card_in_the_shop(ana, REJECTED_TEST_CARD))
    assert run(sub, at_noon(FIRST - 3 * DAY)) == ["reserved"]
    when = at_noon(FIRST)
    # the order was placed and committed before the charge; declined, it is cancelled and its units released
    assert run(sub, when) == ["failed"]
    row = get(sub)
    assert row.failures == 1 and row.last_error.startswith("payment-declined") and row.retry_at is not None
    assert row.charging_order_id == "" and row.orders_placed == 0 and row.next_date == FIRST
    [order] = Order.objects.all()
    assert order.status == "cancelled" and order.cancel_cause == "payment_failed" and not held(sub, FIRST)
    assert [(p.provider, p.status) for p in order.payments.all()] == [("oneclick", "failed")]
    assert run(sub, when + dt.timedelta(hours=11)) == []
    assert run(sub, when + dt.timedelta(hours=12)) == ["failed"]
    assert run(sub, when + dt.timedelta(hours=36)) == ["failed"]
    assert notices(ana, "paused").count() == 0
    assert run(sub, when + dt.timedelta(hours=84)) == ["failed"]
    row = get(sub)
    assert row.state == "paused" and row.pause_reason == "payment_failed"
    assert list(Order.objects.values_list("status", flat=True)) == ["cancelled"] * 4  # one per attempt
    assert "tarjeta fue rechazada" in notices(ana, "paused").get().text


def test_the_account_page_switches_a_subscription_to_the_card_and_removes_the_card(ana, bea):
    from omnicanal.marketing.tests.test_subscriptions import subscribe

    card = save_card_in_the_shop(ana)
    sub = subscribe(ana)
    browser = browser_for(ana)
    row = get(sub)
    form = {"subscription_id": sub, "action": "change", "lines.0.quantity": "4", "interval_days": "30",
            "place": "pickup:SCL", "next_date": row.next_date.isoformat(), "pay": f"card:{card}"}
    assert browser.post(PAGE, form).status_code == 302
    assert (get(sub).payment_source, get(sub).card_id) == ("card", card)
    # Bea's card is not Ana's to choose: 422 beside the field
    bea_card = save_card_in_the_shop(bea)
    refused = browser.post(PAGE, {**form, "pay": f"card:{bea_card}"})
    assert refused.status_code == 422 and get(sub).card_id == card
    # removing it pauses the subscription (card_removed: test_subscription_card_removed.py), the page says so
    assert browser.post(PAGE, {"action": "remove_card", "card_id": card}).status_code == 302
    assert order_queries.stored_cards(ana) == []
    assert "ya no está guardada" in browser.get(PAGE).content.decode()


def test_the_store_api_lists_the_cards_and_subscribes_with_one(api, client, ana, bea):
    card = save_card_in_the_shop(ana)
    me = shopper(api, client, ana)
    listed = me.get(f"{STORE}/cards").json()["items"]
    assert [(c["id"], c["card_type"], c["last4"]) for c in listed] == [(card, "Visa", "6623")]
    made = me.post(f"{STORE}/subscriptions", {**GELS, "payment_source": "card", "card_id": card})
    assert made.status_code == 201, made.content
    assert (made.json()["payment_source"], made.json()["card_id"]) == ("card", card)
    # back to the balance, then a card that is not hers: 422 on card_id
    sub = made.json()["id"]
    assert me.patch(f"{STORE}/subscriptions/{sub}", {"payment_source": "stored_value"}).json()["card_id"] == ""
    other = shopper(api, client, bea)
    assert other.get(f"{STORE}/cards").json()["items"] == []
    refused = other.post(f"{STORE}/subscriptions", {**GELS, "payment_source": "card", "card_id": card})
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["card_id"]
    assert me.post(f"{STORE}/subscriptions", {**GELS, "payment_source": "cheque"}).status_code == 422

