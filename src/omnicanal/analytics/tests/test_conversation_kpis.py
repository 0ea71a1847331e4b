"""Conversation KPIs under a location filter (docs/analytics.md, "A conversation's location"), the
reopen rate and the bot's containment, on a small hand-built day."""

import datetime as dt

from omnicanal.analytics import drill, histogram, queries, raw
from omnicanal.analytics.tests.conftest import DAY
from omnicanal.analytics.totals import Filters

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
ANA, BEA = "+56987654321", "+56998761234"


def bucketed(*minutes, q=0.5):
    """What the report answers for these exact minutes: the histogram's reading (within 5 %)."""
    found = histogram.estimate(minutes, q)
    exact = raw.percentile(minutes, q)
    assert abs(found - exact) <= 0.05 * exact
    return found


def day(**kw):
    return Filters(start=DAY, end=DAY + dt.timedelta(days=1), **kw)


def at(*codes):
    return day(locations=frozenset(codes))


def test_a_conversation_belongs_to_its_stores_inbox_else_to_the_order_its_ticket_is_about(shop, ana, bea):
    # Ana writes through SCL's WhatsApp number: answered in 10 minutes.
    by_inbox = shop.write(at=DAY + 10 * H, value=ANA, store="SCL").conversation.public_id
    shop.reply(by_inbox, at=DAY + 10 * H + 10 * M)
    # Bea writes through the shop's number about her VAP pickup: a ticket names the order; answered in 30.
    order = shop.place(bea, at=DAY + 9 * H, method="pickup", location="VAP")
    by_order = shop.write(at=DAY + 11 * H, value=BEA).conversation.public_id
    shop.ticket(by_order, order, at=DAY + 11 * H + M)
    shop.reply(by_order, at=DAY + 11 * H + 30 * M)

    assert raw.conversation_locations(raw.conversations_kept(day())) == {by_inbox: "SCL", by_order: "VAP"}
    assert queries.report(at("SCL")).kpis["first_response_minutes_p50"] == bucketed(10)
    assert queries.report(at("VAP")).kpis["first_response_minutes_p50"] == bucketed(30)
    assert queries.report(at("VAP")).kpis["response_by_channel"]["whatsapp"]["conversations"] == 1
    assert queries.report(day()).kpis["first_response_minutes_p50"] == bucketed(10, 30)  # both, without a filter
    assert queries.report(at("WH")).kpis["first_response_minutes_p50"] is None  # none at the warehouse
    # The drill-down lists what the number counts.
    assert [row["conversation"] for row in drill.table("conversations", at("VAP")).rows] == [by_order]


def test_a_conversation_about_no_store_counts_only_without_a_location_filter(shop, ana):
    conv = shop.write(at=DAY + 10 * H, value=ANA).conversation.public_id
    shop.reply(conv, at=DAY + 10 * H + 5 * M)

    assert queries.report(day()).kpis["first_response_minutes_p50"] == bucketed(5)
    assert queries.report(at("SCL")).kpis["first_response_minutes_p50"] is None
    assert drill.table("conversations", at("SCL")).rows == []


def test_reopen_rate_counts_conversations_reopened_after_their_resolution(shop, ana, bea):
    reopened = shop.write(at=DAY + 9 * H, value=ANA, store="SCL").conversation.public_id
    shop.reply(reopened, at=DAY + 9 * H + M)
    shop.resolve(reopened, at=DAY + 10 * H)
    again = shop.write(at=DAY + 12 * H, value=ANA, text="No me llegó").conversation.public_id  # within the window
    closed = shop.write(at=DAY + 9 * H, value=BEA, store="VAP").conversation.public_id
    shop.resolve(closed, at=DAY + 10 * H)

    assert again == reopened
    assert queries.report(day()).kpis["reopen_rate"] == 0.5  # 1 reopened of 2 resolved once
    assert queries.report(at("SCL")).kpis["reopen_rate"] == 1.0
    assert queries.report(at("VAP")).kpis["reopen_rate"] == 0.0


def test_bot_containment_counts_what_the_bot_answered_alone(shop, ana, bea):
    alone = shop.write(at=DAY + 9 * H, value=ANA, store="SCL").conversation.public_id
    shop.bot_reply(alone, at=DAY + 9 * H + M)
    helped = shop.write(at=DAY + 9 * H, value=BEA, store="SCL").conversation.public_id
    shop.bot_reply(helped, at=DAY + 9 * H + M)
    shop.reply(helped, at=DAY + 9 * H + 5 * M)  # an agent took over

    kpis = queries.report(at("SCL")).kpis
    assert kpis["bot_containment"] == 0.5
    assert kpis["first_response_minutes_p50"] == bucketed(5)  # a person's answer is the first response, not the bot's
    assert queries.report(at("VAP")).kpis["bot_containment"] is None


def test_a_customers_merge_moves_the_emptied_conversations_count_into_the_survivors(shop, ana, bea):
    from django.db import transaction

    from omnicanal.analytics import conversation_kpis
    from omnicanal.customers.services import do_merge_customers

    kept = shop.write(at=DAY + 9 * H, value=ANA, store="SCL").conversation.public_id
    emptied = shop.write(at=DAY + 10 * H, value=BEA, channel="sms", store="VAP").conversation.public_id
    assert conversation_kpis.rollup_counts(at("VAP"), "day") == {"sms": {"conversations": 1}}

    with shop.capture(execute=True), transaction.atomic():
        do_merge_customers(survivor=ana, other=bea)

    # Bea's messages joined Ana's open conversation: hers no longer counts (no customer message left)
    assert conversation_kpis.rollup_counts(at("VAP"), "day") == {}
    assert conversation_kpis.rollup_counts(day(), "day") == conversation_kpis.fact_counts(day())
    assert [c.conversation_id for c in raw.conversations_kept(day())] == [kept] != [emptied]
