"""Analytics fixtures: the orders tests' small chain (warehouse WH, stores SCL and VAP, a dark store,
a supplier, the locker LOCK) with more stock, customers, and a `shop` driving the order book and the
inbox through their services at chosen times, with the outbox's handlers run after each commit (as
in production), so the rollups follow."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.money import Money
from omnicanal.orders.tests.conftest import make_customer, make_world

DAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # a Monday, UTC midnight
H = dt.timedelta(hours=1)
ADDRESS = {"line1": "Av. Italia 1", "city": "Santiago", "country": "CL"}
_ext = itertools.count(1)


def make_stocked_world():
    from omnicanal.inventory import services as inventory

    locations = make_world()
    with transaction.atomic():
        for code in ("WH", "SCL", "VAP"):
            inventory.do_receive_stock(location=code, lines=[("SOCK-1", 500), ("SHOE-40", 200)])
    return locations


class Shop:
    """Drives the order book and the inbox, each step at a given time, its events handled."""

    def __init__(self, capture):
        self.capture = capture

    def _run(self, at, fn):
        with clock.frozen(at), self.capture(execute=True):
            with transaction.atomic():
                return fn()

    def place(self, customer_id="", *, at, method="pickup", location="SCL", channel="web", quantity=1,
              sku="SOCK-1", pay="card", amount=None):
        from omnicanal.orders import services as orders

        delivery = {"method": "ship", "address": ADDRESS} if method == "ship" else {"method": method,
                                                                                  "location": location}
        payments = [orders.PaymentIn(method=pay, amount=Money.of(amount) if amount else None)] if pay else None
        order = self._run(at, lambda: orders.do_place_order(
            channel=channel, delivery=delivery, customer_id=customer_id,
            lines=[orders.LineIn(sku=sku, quantity=quantity)], payments=payments))
        return order.public_id

    def step(self, order_id, action, *, at, data=None):
        """One fulfilment step (pick, pack, ship, ready, handover, deliver) of the order's first fulfilment."""
        from omnicanal.orders import queries, services

        fact = queries.order_fact(order_id)
        f = fact.fulfillments[0]
        if action == "handover":
            data = {"code": queries.get_fulfillment(f.fulfillment_id).pickup_code}
        return self._run(at, lambda: services.do_transition(fulfillment_id=f.fulfillment_id, action=action,
                                                            data=data or {}))

    def ready(self, order_id, *, at):
        """Pick, pack and mark the first fulfilment ready for pickup, all at `at`."""
        for action in ("pick", "pack", "ready"):
            self.step(order_id, action, at=at)

    def collect(self, order_id, *, at, method="cash"):
        from omnicanal.orders import queries, services

        return self._run(at, lambda: services.do_collect_payment(order=queries.get_order(order_id), method=method))

    def cancel(self, order_id, *, at, reason="customer", cause=""):
        from omnicanal.orders import queries, services

        return self._run(at, lambda: services.do_cancel_order(order=queries.get_order(order_id), reason=reason,
                                                              cause=cause))

    def return_(self, order_id, *, at, location="SCL", quantity=1, reason="size", by_mail=False, sku="SOCK-1"):
        """Request and receive a return at `location` (by mail: received at its destination)."""
        from omnicanal.orders import queries, services

        ret = self._run(at, lambda: services.do_request_return(
            order=queries.get_order(order_id), location=location, by_mail=by_mail,
            lines=[{"sku": sku, "quantity": quantity, "reason": reason}]))
        self._run(at, lambda: services.do_receive_return(
            return_id=ret.public_id, lines=[{"sku": sku, "quantity": quantity, "condition": "resellable"}]))
        return ret.public_id

    def write(self, *, at, channel="whatsapp", value="+56987654321", text="¿Tienen calcetines?", store=""):
        """The customer writes on a messaging channel (resolved to the customer holding that phone);
        `store`: through that store's inbox."""
        from omnicanal.conversations.contract import IdentityRef, InboundMessage
        from omnicanal.conversations.services import do_receive_message

        kind = {"sms": "phone", "voice": "phone"}.get(channel, channel)
        inbound = InboundMessage(channel=channel, identities=(IdentityRef(kind, value),), text=text,
                                 external_id=f"an-{next(_ext)}", address=value, store=store)
        return self._run(at, lambda: do_receive_message(inbound=inbound))

    def reply(self, conversation_id, *, at, text="Sí, en SCL"):
        from omnicanal.conversations.services import do_reply
        from omnicanal.core.auth import SYSTEM

        return self._run(at, lambda: do_reply(conversation=conversation_id, text=text, actor=SYSTEM))

    def bot_reply(self, conversation_id, *, at, text="Hola, soy el asistente"):
        from omnicanal.conversations.models import Author
        from omnicanal.conversations.services import do_send
        from omnicanal.core.auth import SYSTEM

        return self._run(at, lambda: do_send(conversation=conversation_id, text=text, author=Author.BOT, actor=SYSTEM))

    def ticket(self, conversation_id, order_ref, *, at):
        from omnicanal.conversations.services import do_open_ticket
        from omnicanal.core.auth import SYSTEM

        return self._run(at, lambda: do_open_ticket(conversation=conversation_id, category="order", actor=SYSTEM,
                                                    order_ref=order_ref))

    def resolve(self, conversation_id, *, at):
        from omnicanal.conversations.services import do_resolve
        from omnicanal.core.auth import SYSTEM

        return self._run(at, lambda: do_resolve(conversation=conversation_id, actor=SYSTEM))

    def reopen(self, conversation_id, *, at):
        from omnicanal.conversations.services import do_reopen
        from omnicanal.core.auth import SYSTEM

        return self._run(at, lambda: do_reopen(conversation=conversation_id, actor=SYSTEM))

    def link(self, conversation_id, order_ref, *, at):
        """Name an order on the conversation's open ticket (opening one when there is none)."""
        from omnicanal.conversations.services import do_link_order
        from omnicanal.core.auth import SYSTEM

        return self._run(at, lambda: do_link_order(conversation=conversation_id, actor=SYSTEM, order_ref=order_ref))

    def route(self, conversation_id, *, at, store="", team=None):
        """Staff set the store the conversation is about (routing), or hand it to a team."""
        from omnicanal.conversations.services import do_assign, do_set_routing
        from omnicanal.core.auth import SYSTEM

        if team is not None:
            return self._run(at, lambda: do_assign(conversation=conversation_id, actor=SYSTEM, team_slug=team))
        return self._run(at, lambda: do_set_routing(conversation=conversation_id, actor=SYSTEM, store=store))


@pytest.fixture
def world(db):
    return make_stocked_world()


@pytest.fixture
def ana(world):
    return make_customer()


@pytest.fixture
def bea(world):
    return make_bea()


def make_bea():
    return make_customer(phone="+56998761234", name="Bea Soto", email="bea@example.cl")


def make_week() -> dict:
    """The `world`, `ana`, `bea` and `scenario` fixtures' rows in one go, for a module that shares
    them (core/testing_db.py, SharedRows): {"world", "ana", "bea", "scenario"}."""
    from django.test import TestCase

    world = make_stocked_world()
    ana, bea = make_customer(), make_bea()
    return {"world": world, "ana": ana, "bea": bea,
            "scenario": make_scenario(Shop(TestCase.captureOnCommitCallbacks), ana, bea)}


@pytest.fixture
def shop(world, django_capture_on_commit_callbacks):
    return Shop(django_capture_on_commit_callbacks)


@pytest.fixture
def scenario(shop, ana, bea):
    return make_scenario(shop, ana, bea)


def make_scenario(shop, ana, bea):
    """A week at SCL and VAP: Ana asks on WhatsApp then buys at the SCL till; web pickups at SCL and
    VAP; one web order cancelled; the week before, one web order at SCL."""
    conv = shop.write(at=DAY + 8 * H).conversation
    shop.reply(conv.public_id, at=DAY + 9 * H)
    orders = {
        "pos_scl": shop.place(ana, at=DAY + 10 * H, method="carry_out", location="SCL", channel="pos", pay="cash"),
        "web_scl": shop.place(bea, at=DAY + 11 * H, method="pickup", location="SCL", channel="web"),
        "web_vap": shop.place(bea, at=DAY + 12 * H, method="pickup", location="VAP", channel="web"),
        "cancelled": shop.place(bea, at=DAY + 13 * H, method="pickup", location="SCL", channel="web"),
        "before": shop.place(bea, at=DAY - 2 * 24 * H, method="pickup", location="SCL", channel="web"),
    }
    shop.cancel(orders["cancelled"], at=DAY + 14 * H, cause="customer_request")
    return {"orders": orders, "conversation": conv.public_id}
