"""The demo tells a true story (issue 22, item 8): every order number a ticket or a message names is
an order of that same customer; each customer's tier is the one their last 12 months of spend earn
under the programme's tier rule; no conversation a person answered is shown as one the bot answers.

The whole demo is loaded once (about a minute), with its after-commit event handlers run as they
are in a real load (loyalty earns on the open orders' OrderPaid), at one frozen instant, so the
12-month window the test reads is the one the demo was loaded in."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from omnicanal.conversations.models import BotState, Conversation, Message, Ticket
from omnicanal.core import clock
from omnicanal.core.models import User
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.models import Tier
from omnicanal.orders.models import Order, OrderLine, Return, number_prefix, pk_from_number

pytestmark = pytest.mark.django_db


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


def test_the_demo_tells_a_true_story(django_capture_on_commit_callbacks, client):
    now = clock.now().replace(microsecond=0)
    with clock.frozen(now):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("demo", "--quiet")

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
