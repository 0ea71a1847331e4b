"""The whole demo, loaded once for this module's tests (`omnicanal demo`, about a minute quiet, many
on a busy machine; core/testing_db.py, SharedRows): each test starts from it as loaded, its own
changes rolled back after it. It was loaded three times, once per test, in three files.

- The demo loads once and a re-run is harmless (was core/tests/test_cli.py).
- The demo tells a true story (issue 22, item 8; was test_demo_story.py): every order number a ticket
  or a message names is an order of that same customer; each customer's tier is the one their last
  12 months of spend earn under the programme's tier rule; no conversation a person answered is shown
  as one the bot answers. The load runs its after-commit event handlers as a real load does (loyalty
  earns on the open orders' OrderPaid), at one frozen instant, so the 12-month window the test reads
  is the one the demo was loaded in.
- Every console page speaks words, not codes, in Spanish and English (the walker, whose reader and
  rules are test_console_labels.py's).
- The orders' demo leaves about 2,000 orders across channels with open work in the queues, and opens
  its disputes days after the order, never at the moment it loads (were orders/tests/test_demo.py's,
  which loaded the catalog's, inventory's, customers' and orders' demos again for each of them).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from omnicanal.conversations.models import BotState, Conversation, Message, Ticket
from omnicanal.core import clock, labels
from omnicanal.core.auth import authenticate_key
from omnicanal.core.models import DemoStep, User
from omnicanal.core.testing_db import SharedRows
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.models import Tier
from omnicanal.orders.models import (
    Dispute,
    Fulfillment,
    Order,
    OrderLine,
    Return,
    number_prefix,
    pk_from_number,
)
from omnicanal.web.tests.test_console_labels import clerk_pages, detail_pages, nav_pages, walk

pytestmark = pytest.mark.django_db


def _load_demo() -> dict:
    """`omnicanal demo --quiet` at one frozen instant, its commit callbacks run (no commit happens
    inside the module's transaction): {"now": that instant, "users": how many users it made}."""
    from django.test import TestCase

    now = clock.now().replace(microsecond=0)
    with clock.frozen(now), TestCase.captureOnCommitCallbacks(execute=True):
        call_command("demo", "--quiet")
    return {"now": now, "users": User.objects.count()}


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    yield from SharedRows(django_db_blocker).around(_load_demo)


@pytest.fixture
def demo(db, _demo):
    return _demo


def test_demo_loads_once_and_reruns_harmlessly(demo, capsys):
    users = User.objects.count()
    assert users == demo["users"] >= 7  # the rows as the first load left them
    call_command("demo")
    assert User.objects.count() == users
    assert set(User.objects.values_list("role", flat=True)) >= {"admin", "manager", "agent", "store_staff", "marketer"}
    assert DemoStep.objects.filter(app="core").count() == 1
    # the re-run prints the logins generated at the first load, and they work
    printed = capsys.readouterr().out
    key = next(word for line in printed.splitlines() if "API key" in line for word in line.split() if word.startswith("ok_"))
    assert authenticate_key(key) is not None


def test_the_orders_demo_loads_two_thousand_orders_with_open_work(demo):
    assert Order.objects.count() >= 1990
    assert set(Order.objects.values_list("channel", flat=True)) >= {"web", "app", "marketplace", "pos"}
    assert set(Order.objects.values_list("delivery_method", flat=True)) >= {"ship", "pickup", "carry_out"}
    assert Fulfillment.objects.filter(status__in=("pending", "picking", "packed", "ready_for_pickup")).count() >= 20


def test_the_orders_demo_opens_its_disputes_days_after_the_order_not_when_it_loads(demo):
    now = demo["now"]  # the instant the demo was loaded at
    disputes = list(Dispute.objects.select_related("order"))
    assert len(disputes) >= 3
    for dispute in disputes:
        assert dispute.order.placed_at + dt.timedelta(days=1) < dispute.created_at <= now - dt.timedelta(hours=1)
        if dispute.decided_at:
            assert dispute.created_at < dispute.decided_at < now


def _order_numbers(text: str) -> list[str]:
    return re.findall(rf"\b{re.escape(number_prefix())}\d+\b", text or "")


def _mentions() -> list[tuple[str, str, str]]:
    """(where, order number, the conversation's customer) for every order number written."""
    found = []
    for ticket in Ticket.objects.select_related("conversation"):
        for number in _order_numbers(ticket.subject) + _order_numbers(ticket.order_ref):
            found.append((f"ticket {ticket.number}", number, ticket.conversation.customer_id))
        if ticket.order_ref:
            assert _order_numbers(ticket.order_ref) == [ticket.order_ref], ticket.order_ref
    for message in Message.objects.select_related("conversation"):
        for number in _order_numbers(message.text):
            found.append((f"message {message.pk}", number, message.conversation.customer_id))
    return found


def _expected_spend(customer_id: str, now: dt.datetime) -> Decimal:
    """From the order book, not from loyalty: what the customer paid for goods in the last 365
    days, less what received returns refunded."""
    since = now - dt.timedelta(days=365)
    paid = OrderLine.objects.filter(order__customer_id=customer_id, order__paid_at__gt=since,
                                    order__paid_at__lte=now).aggregate(s=Sum("total"))["s"] or Decimal(0)
    returned = Return.objects.filter(order__customer_id=customer_id, order__paid_at__isnull=False, status="received",
                                     received_at__gt=since, received_at__lte=now).aggregate(s=Sum("refunded"))["s"]
    return max(paid - (returned or Decimal(0)), Decimal(0))


def _tier_earned(spend: Decimal, tiers: list[Tier]) -> str | None:
    reached = [t for t in tiers if t.min_spend <= spend]
    return max(reached, key=lambda t: t.min_spend).code if reached else None


def test_the_demo_tells_a_true_story(demo, client):
    """Issue 22, item 8 (the module's docstring)."""
    now = demo["now"]
    with clock.frozen(now):
        # 1. Order numbers named in tickets and messages are orders of that same customer.
        mentions = _mentions()
        assert len(mentions) >= 20, "the demo's conversations should talk about real orders"
        for where, number, customer_id in mentions:
            order = Order.objects.filter(pk=pk_from_number(number)).first()
            assert order is not None, f"{where} names {number}, which does not exist"
            assert order.customer_id == customer_id, f"{where} names {number}, another customer's order"
            assert order.placed_at <= now

        # 2. Each customer's tier is the one their spend earns under the programme's rule.
        tiers = list(Tier.objects.all())
        assert {t.code for t in tiers} >= {"base", "plata", "oro"}
        customers = set(Order.objects.exclude(customer_id="").values_list("customer_id", flat=True))
        earned_codes = set()
        for customer_id in sorted(customers):
            expected = _tier_earned(_expected_spend(customer_id, now), tiers)
            held = loyalty.current_tier(customer_id)
            assert (held.code if held else None) == expected, customer_id
            earned_codes.add(expected)
        assert {"plata", "oro"} <= earned_codes, "the demo should show customers above the entry tier"

        # 3. A conversation a person answered is never shown as answered by the bot.
        answered = Conversation.objects.filter(messages__author="agent").distinct()
        waiting = answered.exclude(status="resolved")
        assert waiting.exists() and answered.filter(status="resolved").exists()
        assert not waiting.filter(bot=BotState.ACTIVE).exists()
        client.force_login(User.objects.get(username="admin") if User.objects.filter(username="admin").exists()
                           else User.objects.filter(role="admin").first())
        shown_as_bot = BotState.ACTIVE.label
        for conversation in [*waiting.order_by("pk")[:5], *answered.filter(status="resolved").order_by("pk")[:5]]:
            page = client.get(f"/console/conversations/{conversation.public_id}/").content.decode()
            header = page.split('class="thread-head"', 1)[1].split("</header>", 1)[0]
            assert str(shown_as_bot) not in header and "Responde el bot" not in header, conversation.public_id
            assert conversation.public_id not in re.sub(r'"[^"]*"', "", header), "the header shows a raw id"


def test_every_console_page_speaks_words_not_codes_in_spanish_and_english(demo, client):
    from omnicanal.core.services import do_create_staff_user
    from omnicanal.inventory.models import Location

    store = Location.objects.filter(kind="store").order_by("code").values_list("code", flat=True).first()
    admin = do_create_staff_user(username="walker-admin", password="walker-pass-1", role="admin", locations=[],
                                 first_name="Ada")
    clerk = do_create_staff_user(username="walker-clerk", password="walker-pass-1", role="store_staff",
                                 locations=[store], first_name="Clara")
    codes = labels.codes()
    assert {"carry_out", "captured", "store_credit", "order.placed"} <= codes
    details = detail_pages(store)
    found = {}
    for user in (admin, clerk):
        pages = list(dict.fromkeys(nav_pages(user) + (details if user is admin else clerk_pages(store))))
        for language in ("es", "en"):
            for path, bad in walk(client, user, pages, language, codes).items():
                found[f"{user.role} {language} {path}"] = sorted(bad)
    assert not found, "\n".join(f"{where}: {bad}" for where, bad in sorted(found.items()))
