"""The live count reads a population kept a short while (marketing/population.py): a count is at most
SEGMENT_COUNT_SECONDS (60) old, a merge or an erasure forgets it at once, whoever acts on the members
(exports, campaigns) reads them fresh, and a kept count equals a fresh computation. Each count is
audited `segment.count`: small ones always, others once a minute per staff member."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.models import AuditEntry
from omnicanal.marketing import population, queries
from omnicanal.marketing.tests.conftest import START, buy, grant
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.orders.tests.helpers import console_login

SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)
GELS = [{"field": "categories_bought", "op": "any_of", "value": ["geles"]}]
# START is a whole minute: the windows of 60 s (counted from the epoch) start there.
assert START.timestamp() % 60 == 0


@pytest.fixture(autouse=True)
def _no_audit_minutes_left():
    """The once-a-minute audit marks live in Django's cache (locmem in tests): none from another test."""
    cache.clear()
    yield
    cache.clear()


def counted(marketer, rules, at):
    with clock.frozen(at):
        response = marketer.post("/segments/count", {"rules": rules})
    assert response.status_code == 200, response.content
    return response.json()["size"]


def test_a_new_order_shows_in_the_count_after_the_window_and_at_once_where_members_are_acted_on(
        api, issue_key, ana, bea):
    marketer = api.as_(issue_key("marketer"))
    # given Ana bought gels, and a count at the start of a minute
    buy(ana, "GEL-1", at=START - DAY)
    assert counted(marketer, GELS, START) == 1
    # when Bea buys gels ten seconds later
    buy(bea, "GEL-1", at=START + 10 * SECOND)
    # then the count within the window is the kept one (at most 60 s old: documented staleness)...
    assert counted(marketer, GELS, START + 59 * SECOND) == 1
    # ...while whoever acts on the members (an export, a campaign's enrolment) reads them now
    with clock.frozen(START + 59 * SECOND):
        assert set(queries.segment_members(queries.parse_rules(GELS)[0])) == {ana, bea}
    # and the next window's count sees her
    assert counted(marketer, GELS, START + 60 * SECOND) == 2
    # and only that window's population stays in the process's memory
    assert {key[2] for key in population.KEPT._values} == {int((START + 60 * SECOND).timestamp() // 60)}


def test_a_shorter_window_is_a_setting(api, issue_key, ana, bea, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "MARKETING": {**settings.OMNICANAL.get("MARKETING", {}),
                                                              "SEGMENT_COUNT_SECONDS": 10}}
    marketer = api.as_(issue_key("marketer"))
    assert counted(marketer, GELS, START) == 0
    buy(ana, "GEL-1", at=START + SECOND)
    assert counted(marketer, GELS, START + 9 * SECOND) == 0
    assert counted(marketer, GELS, START + 10 * SECOND) == 1


def test_a_merge_or_an_erasure_is_counted_at_once(api, issue_key, ana, bea):
    from omnicanal.customers import services as customers

    marketer = api.as_(issue_key("marketer"))
    other = make_customer(phone="+56998760001", name="Ana P.", email="ana.p@example.cl")
    for who in (ana, bea, other):
        buy(who, "GEL-1", at=START - DAY)
    assert counted(marketer, GELS, START) == 3
    # when Ana's duplicate is merged into her, within the window
    with clock.frozen(START + SECOND), transaction.atomic():
        customers.do_merge_customers(survivor=ana, other=other, reason="test")
    # then the count is the survivor's alone (her orders moved to her)
    assert counted(marketer, GELS, START + 2 * SECOND) == 2
    # and an erased customer is counted no more, in the same window
    with clock.frozen(START + 3 * SECOND), transaction.atomic():
        customers.do_erase_customer(customer=bea)
    assert counted(marketer, GELS, START + 4 * SECOND) == 1


def test_a_kept_count_equals_a_fresh_computation(api, issue_key, shop):
    from omnicanal.customers import services as customers

    marketer = api.as_(issue_key("marketer"))
    # given a varied population: buyers of different things, often or not, consents, a language
    people = [make_customer(phone=f"+5699877{i:04d}", name=f"Cliente {i}", email=f"c{i}@example.cl")
              for i in range(12)]
    skus = ["GEL-1", "GEL-2", "HELMET-1", "PUMP-1", "BIKE-M"]
    for i, who in enumerate(people):
        for n in range(i % 4):
            buy(who, skus[(i + n) % len(skus)], at=START - (i * 7 + n * 3) * DAY)
        if i % 3 == 0:
            grant(who, "email")
        with transaction.atomic():
            if i % 5 == 0:
                customers.do_update_preferences(customer_id=who, language="en")
            if i % 4 == 1:
                customers.do_update_profile(customer_id=who, address={"line1": "Av. Brasil 1200", "city": "Valparaíso"})
    cases = [
        [],
        GELS,
        [{"field": "categories_bought", "op": "none_of", "value": ["bicicletas"]}],
        [{"field": "orders", "op": "gte", "value": 2}, {"field": "spend", "op": "lte", "value": "40000"}],
        [{"field": "days_since_last_purchase", "op": "lte", "value": 30}],
        [{"field": "rfm_recency", "op": "gte", "value": 4}],
        [{"field": "rfm_monetary", "op": "lte", "value": 2}, {"field": "rfm_frequency", "op": "gte", "value": 2}],
        [{"field": "consent", "op": "any_of", "value": ["email"]}],
        [{"field": "language", "op": "none_of", "value": ["en"]}],
        [{"field": "stores_visited", "op": "any_of", "value": ["SCL"]}],
        [{"field": "city", "op": "any_of", "value": ["valparaiso"]}, {"field": "orders", "op": "gte", "value": 1}],
        [{"field": "survey.nps", "op": "gte", "value": 0}],
    ]
    at = START + 30 * SECOND
    sizes = set()
    for rules in cases:
        kept = counted(marketer, rules, at)
        with clock.frozen(at):
            fresh = len(queries.segment_members(queries.parse_rules(rules)[0], at=at))
        assert kept == fresh, rules
        sizes.add(kept)
    assert len(sizes) > 4  # the cases tell customers apart: not all empty, not all everyone


def test_live_counts_are_audited_once_a_minute_per_staff_member_and_small_ones_always(api, issue_key, ana, bea,
                                                                                   settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "MARKETING": {**settings.OMNICANAL.get("MARKETING", {}),
                                                              "SEGMENT_COUNT_AUDIT_BELOW": 2}}
    buy(ana, "GEL-1", at=START - DAY)
    buy(bea, "HELMET-1", at=START - DAY)
    first, second = api.as_(issue_key("marketer", name="m1")), api.as_(issue_key("marketer", name="m2"))
    everyone = [{"field": "orders", "op": "gte", "value": 1}]
    # when a marketer's builder asks five counts of everyone within a minute, another marketer one
    for i in range(5):
        assert counted(first, everyone, START + i * SECOND) == 2
    assert counted(second, everyone, START + 5 * SECOND) == 2
    # then each of them has one entry for that minute, naming the rules and the size
    def entries():
        return AuditEntry.objects.filter(action="segment.count")

    assert entries().count() == 2 and len({e.actor_id for e in entries()}) == 2
    entry = entries().filter(actor_id=entries().first().actor_id).get()
    assert entry.after == {"rules": [{"field": "orders", "op": "gte", "value": "1"}], "size": 2, "via": "api"}
    # and the next minute's first count is audited again
    counted(first, everyone, START + 61 * SECOND)
    assert entries().count() == 3
    # and a small count (below SEGMENT_COUNT_AUDIT_BELOW: it may single someone out) every time
    for i in range(3):
        assert counted(first, GELS, START + (62 + i) * SECOND) == 1
    assert entries().filter(after__size=1).count() == 3
    # a bad rule counts nothing and audits nothing
    with clock.frozen(START + 70 * SECOND):
        bad = first.post("/segments/count", {"rules": [{"field": "shoe_size", "op": "any_of", "value": ["42"]}]})
    assert bad.status_code == 422 and entries().count() == 6


def test_the_builders_live_count_is_audited_as_the_consoles(client, ana):
    buy(ana, "GEL-1", at=START - DAY)
    console_login(client, "marketer", (), "marketer-1")
    with clock.frozen(START):
        page = client.post("/console/marketing/segments/count/",
                           {"field_0": "categories_bought", "op_0": "any_of", "value_0": "geles"})
    assert page.status_code == 200 and "1" in page.content.decode()
    entry = AuditEntry.objects.get(action="segment.count")
    assert entry.after["via"] == "console" and entry.after["size"] == 1 and entry.actor_role == "marketer"


def test_the_population_holds_the_facts_the_owners_per_customer_reads_give(shop):
    """build() reads whole tables (purchases summed by orders); customer_facts reads the owners per
    batch of ids: the same facts, merged-away and erased customers left out the same way."""
    from omnicanal.customers import queries as customer_queries
    from omnicanal.customers import services as customers
    from omnicanal.orders.services import carts

    people = [make_customer(phone=f"+5699878{i:04d}", name=f"Cliente {i}", email=f"d{i}@example.cl")
              for i in range(8)]
    skus = ["GEL-1", "GEL-2", "HELMET-1", "PUMP-1", "BIKE-M"]
    for i, who in enumerate(people):
        for n in range(i % 4):
            buy(who, skus[(i + n) % len(skus)], at=START - (i * 5 + n * 2) * DAY, quantity=1 + n % 2)
        if i % 2 == 0:
            grant(who, "email")
        if i % 3 == 0:
            grant(who, "sms")
        with transaction.atomic():
            if i % 4 == 1:
                customers.do_update_profile(customer_id=who, address={"line1": "Av. Brasil 1200", "city": "Valparaíso"})
            if i == 6:
                customers.do_update_profile(customer_id=who, address={"line1": "", "city": "Ñuñoa"})
    with clock.frozen(START - 3 * DAY), transaction.atomic():
        cart = carts.do_create_cart(channel="web", customer_id=people[2])
        carts.do_set_cart_line(cart_id=cart.public_id, sku="HELMET-1", quantity=1)
    with clock.frozen(START - DAY), transaction.atomic():
        assert carts.do_mark_abandoned() == 1
    with clock.frozen(START), transaction.atomic():
        customers.do_merge_customers(survivor=people[1], other=people[3], reason="test")
        customers.do_erase_customer(customer=people[5])
    with clock.frozen(START):
        built = population.build()
        per_customer = queries.customer_facts(customer_queries.customer_ids(limit=1000), wanted_fields=set())
    assert list(built) == per_customer
    assert {people[3], people[5]}.isdisjoint(f.customer_id for f in built)
    assert sum(1 for f in built if f.orders) >= 4 and any(f.cart_abandoned_at for f in built)
