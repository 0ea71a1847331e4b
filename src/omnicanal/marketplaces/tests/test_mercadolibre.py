"""Mercado Libre round trips against the loopback server (marketplaces/sandbox.py), with the
recorded payloads of tests/fixtures/mercadolibre: notifications in, orders into the book, stock and
prices out, questions and answers, tokens, and the marketplace's 429 and 5xx."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.catalog import consistency
from omnicanal.catalog import queries as catalog_queries
from omnicanal.catalog import services as catalog
from omnicanal.conversations import queries as conversations_queries
from omnicanal.conversations import services as conversations
from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.customers import queries as customers
from omnicanal.inventory import queries as inventory_queries
from omnicanal.inventory import services as inventory
from omnicanal.marketplaces import tasks
from omnicanal.marketplaces.models import (
    ApiCall,
    ListingState,
    MarketplaceListing,
    MarketplaceOrder,
    Notification,
)
from omnicanal.marketplaces.sandbox import fixture
from omnicanal.marketplaces.services import calls, tokens
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders

pytestmark = pytest.mark.django_db

URL = "/webhooks/mercadolibre"


def notify(client, body: dict, capture):
    with capture(execute=True):
        return client.post(URL, json.dumps(body), content_type="application/json")


def available(sku: str = "SHOE-40") -> int:
    return inventory_queries.availability(sku=sku, channel="marketplace").available


def push_after_window(seconds: float = 11) -> None:
    with clock.frozen(clock.now() + dt.timedelta(seconds=seconds)):
        tasks.push_stock.call_local()


def quantities(box) -> list[int]:
    return [body["available_quantity"] for _item, body in box.item_updates if "available_quantity" in body]


def test_an_order_notification_makes_one_order_and_a_replay_changes_nothing(client, sandbox, seller,
                                                                            django_capture_on_commit_callbacks):
    # given the marketplace sold one SHOE-40 (its order and shipment as the API answers them)
    sandbox.put_order(fixture("order"))
    sandbox.put_shipment(fixture("shipment"))
    push_after_window()  # the listing's first figure went out when it was linked
    before = available()
    # when its orders_v2 notification arrives, then again (a replay), then a second one for the same order
    first = notify(client, fixture("notification_order"), django_capture_on_commit_callbacks)
    replay = notify(client, fixture("notification_order"), django_capture_on_commit_callbacks)
    later = notify(client, {**fixture("notification_order"), "_id": "another", "attempts": 1},
                   django_capture_on_commit_callbacks)
    # then each was acknowledged, stored once per notification, and the book holds one order
    assert [first.status_code, replay.status_code, later.status_code] == [200, 200, 200]
    assert Notification.objects.count() == 2
    assert Notification.objects.filter(status="done").count() == 2
    link = MarketplaceOrder.objects.get()
    order = orders_queries.get_order(link.order_id)
    assert list(orders_queries.search_orders(channel="marketplace")) == [order]
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("SHOE-40", 1)]
    # the buyer is a customer known by their marketplace identity; fees and shipment recorded
    assert customers.summary_by_identity("marketplace", "MLC-88231001").id == order.customer_id
    assert link.fees == Decimal("6480") and link.logistic_type == "cross_docking"
    assert order.contact["marketplace"]["fees"] == {"amount": "6480", "currency": "CLP"}
    assert order.address["city"] == "Providencia"
    assert [(p.provider, p.status) for p in order.payments.all()] == [("marketplace", "captured")]
    # and the unit is reserved, and the marketplace's quantity follows after the debounce window
    assert available() == before - 1
    push_after_window()
    assert quantities(sandbox)[-1] == before - 1


def test_a_cancellation_on_the_marketplace_cancels_ours_and_frees_the_stock(client, sandbox, seller,
                                                                           django_capture_on_commit_callbacks):
    # given an imported order
    sandbox.put_order(fixture("order"))
    sandbox.put_shipment(fixture("shipment"))
    notify(client, fixture("notification_order"), django_capture_on_commit_callbacks)
    before = available()
    # when the buyer cancels on Mercado Libre and its notification arrives
    sandbox.put_order({**fixture("order"), "status": "cancelled", "cancel_detail": {"group": "buyer"}})
    notify(client, {**fixture("notification_order"), "_id": "cancel-1"}, django_capture_on_commit_callbacks)
    # then our order is cancelled and its unit is back on offer
    link = MarketplaceOrder.objects.get()
    assert link.status == "cancelled"
    assert orders_queries.get_order(link.order_id).status == "cancelled"
    assert orders_queries.order_fact(link.order_id).cancel_cause == "marketplace"  # what reports count
    assert available() == before + 1


def test_a_notification_for_an_unknown_seller_or_application_stores_nothing(client, sandbox, seller,
                                                                           django_capture_on_commit_callbacks):
    stranger = notify(client, {**fixture("notification_order"), "user_id": 1}, django_capture_on_commit_callbacks)
    other_app = notify(client, {**fixture("notification_order"), "application_id": 42},
                       django_capture_on_commit_callbacks)
    broken = notify(client, {"topic": "orders_v2"}, django_capture_on_commit_callbacks)
    assert [stranger.status_code, other_app.status_code, broken.status_code] == [403, 403, 422]
    assert broken["Content-Type"] == "application/problem+json"
    assert not Notification.objects.exists() and not MarketplaceOrder.objects.exists()
    assert ("GET", "/orders/2000008452331") not in sandbox.requests


def test_a_pos_sale_updates_the_marketplace_once_after_the_debounce_window(sandbox, seller,
                                                                          django_capture_on_commit_callbacks):
    push_after_window()
    sent_before = len(quantities(sandbox))
    before = available()
    # when a store's POS sells one SHOE-40 and the warehouse receives 2, within the window
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        sale = orders.do_place_order(channel="pos", delivery={"method": "carry_out", "location": "SCL"},
                                     lines=[orders.LineIn(sku="SHOE-40", quantity=1)],
                                     payments=[orders.PaymentIn(method="cash")])
    assert sale.status != "cancelled" and available() == before - 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        inventory.do_receive_stock(location=inventory_queries.get_location("WH"), lines=[("SHOE-40", 2)])
    # then nothing is sent inside the window
    tasks.push_stock.call_local()
    assert len(quantities(sandbox)) == sent_before
    # and one call with the latest promisable figure (never on-hand) after it
    push_after_window()
    assert len(quantities(sandbox)) == sent_before + 1
    assert quantities(sandbox)[-1] == available() == before + 1
    assert sandbox.items["MLC1122334455"]["available_quantity"] == before + 1

def test_a_price_out_of_the_channel_policy_is_not_pushed_and_shows_in_the_audit(sandbox, seller,
                                                                                django_capture_on_commit_callbacks):
    marketplace = catalog_queries.get_channel("marketplace")
    variant = catalog_queries.get_variant("SHOE-40")
    # when the marketplace's price is set 5% above the web (within its 8% policy)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        catalog.do_set_listing(channel=marketplace, variant=variant, published=True, price=Decimal("52500"))
    assert sandbox.items["MLC1122334455"]["price"] == 52500
    # and then 20% above it
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        catalog.do_set_listing(channel=marketplace, variant=variant, published=True, price=Decimal("60000"))
    # then that price never reaches the marketplace, the listing is held, and the audit shows it
    assert sandbox.items["MLC1122334455"]["price"] == 52500
    assert all(body.get("price") != 60000 for _item, body in sandbox.item_updates)
    listing = MarketplaceListing.objects.get(sku="SHOE-40")
    assert listing.state == ListingState.HELD and "60000" in listing.held_reason
    drifts = consistency.consistency_report(stock=False, skus=["SHOE-40"], channels=["marketplace"],
                                            fields=["price"])
    assert [(d.channel, d.field, d.value) for d in drifts] == [("marketplace", "price", "60000")]


def test_a_buyers_question_lands_in_the_inbox_and_the_agents_answer_reaches_the_marketplace(
        client, sandbox, seller, django_capture_on_commit_callbacks):
    sandbox.put_question(fixture("question"))
    notify(client, fixture("notification_question"), django_capture_on_commit_callbacks)
    notify(client, fixture("notification_question"), django_capture_on_commit_callbacks)  # a replay
    customer_id = customers.summary_by_identity("marketplace", "MLC-88231001").id
    conversation = conversations_queries.open_conversation_of(customer_id)
    assert conversation.message_count == 1
    # when an agent answers in the inbox
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        conversations.do_reply(conversation=conversation, text="¡Hola! Sí, viene en negro.", actor=SYSTEM)
    # then the answer reached the marketplace, for that question
    assert sandbox.answers == [{"question_id": 5036111111, "text": "¡Hola! Sí, viene en negro."}]
    assert sandbox.questions["5036111111"]["status"] == "ANSWERED"


def test_an_expired_token_is_refreshed_once_and_the_call_retried(sandbox, seller):
    account_pk = seller.pk
    # given the marketplace no longer accepts the stored access token (it expired there)
    sandbox.expire_tokens()
    # when a call is made
    answer = tokens.call(account_pk, "GET", "/items/MLC1122334455")
    # then one refresh (spending the single-use refresh token) and the call went through
    assert answer["id"] == "MLC1122334455"
    assert [form["grant_type"] for form in sandbox.token_calls] == ["refresh_token"]
    # and a token past its expiry here is refreshed before the call, once
    seller.refresh_from_db()
    with clock.frozen(seller.token_expires_at + dt.timedelta(minutes=1)):
        tokens.call(account_pk, "GET", "/items/MLC1122334455")
        tokens.call(account_pk, "GET", "/items/MLC1122334455")
    assert len(sandbox.token_calls) == 2
    seller.refresh_from_db()
    assert seller.refresh_count == 2 and seller.tokens["refresh_token"] in sandbox.refresh_tokens


def test_429_and_5xx_are_retried_with_backoff_and_nothing_is_lost(sandbox, seller):
    # a short burst of 429s: retried in place
    sandbox.fail_next(2, 429)
    assert tokens.call(seller.pk, "GET", "/items/MLC1122334455")["id"] == "MLC1122334455"
    # a longer outage: the write waits in the queue and lands on a later sweep
    with transaction.atomic():
        calls.do_enqueue(account_pk=seller.pk, key="listing:MLC1122334455", method="PUT",
                         path="/items/MLC1122334455", body={"price": 51990})
    sandbox.fail_next(3, 503)
    assert calls.do_send_due() == 0
    call = ApiCall.objects.get(key="listing:MLC1122334455", status="pending")
    assert call.attempts == 1 and call.last_status_code == 503
    assert calls.do_send_due() == 0  # not yet due: backoff
    with clock.frozen(clock.now() + dt.timedelta(minutes=1)):
        tasks.sweep.call_local()
    call.refresh_from_db()
    assert call.status == "done"
    assert sandbox.items["MLC1122334455"]["price"] == 51990


def test_a_notification_fetch_that_meets_an_outage_is_processed_later(client, sandbox, seller,
                                                                      django_capture_on_commit_callbacks):
    sandbox.put_order(fixture("order"))
    sandbox.put_shipment(fixture("shipment"))
    sandbox.fail_next(3, 500)
    notify(client, fixture("notification_order"), django_capture_on_commit_callbacks)
    assert Notification.objects.get().status == "pending" and not MarketplaceOrder.objects.exists()
    with clock.frozen(clock.now() + dt.timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        tasks.sweep.call_local()
    assert Notification.objects.get().status == "done"
    assert MarketplaceOrder.objects.get().order_id


def test_only_a_marketplace_order_may_be_paid_to_the_marketplace(sandbox, seller):
    # an order of another channel claiming the marketplace collected its money is paid as any card order
    with transaction.atomic():
        web = orders.do_place_order(channel="web", delivery={"method": "ship", "address": {"line1": "Av. 1"}},
                                    lines=[orders.LineIn(sku="SOCK-1", quantity=1)],
                                    payments=[orders.PaymentIn(method="card", provider="marketplace")])
    assert [(p.provider, p.status) for p in web.payments.all()] == [("testpay", "pending")]
