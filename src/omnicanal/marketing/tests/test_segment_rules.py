"""Segments, second cut: RFM quintiles, stores visited, loyalty tier and points, abandoned carts,
fields registered by higher domains (survey answers), the export and the hashed ad audiences."""

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.models import AuditEntry
from omnicanal.marketing import registry, segments
from omnicanal.marketing.tests.conftest import START, buy, grant

DAY = dt.timedelta(days=1)


def facts(cid="c1", **kw):
    base = dict(customer_id=cid, categories=frozenset(), channels=frozenset(), orders=0, spend=Decimal(0),
                last_purchase_at=None, language="es", city="", consents=frozenset())
    return segments.Facts(**{**base, **kw})


@pytest.mark.database_free
def test_rfm_scores_are_quintiles_among_buyers_with_ties_sharing_a_score():
    stats = {f"c{i}": (START + i * DAY, i, Decimal(1000 * i)) for i in range(1, 11)}
    stats["c11"] = (START + 10 * DAY, 10, Decimal(10000))  # ties with c10
    scores = segments.rfm_scores(stats)
    assert scores["c1"] == (1, 1, 1)
    assert scores["c10"] == scores["c11"] == (5, 5, 5)
    assert scores["c5"] == (3, 3, 3)  # 5 of 11 are ≤ it: ⌈5 × 5/11⌉
    assert [scores[f"c{i}"][0] for i in range(1, 10)] == sorted(scores[f"c{i}"][0] for i in range(1, 10))
    assert segments.rfm_scores({}) == {}


@pytest.mark.database_free
def test_new_fields_parse_and_match():
    extra = {"survey.nps": "number", "survey.topics": "list"}
    rules, errors = segments.parse([
        {"field": "stores_visited", "op": "any_of", "value": ["SCL"]},
        {"field": "tier", "op": "none_of", "value": ["gold"]},
        {"field": "points", "op": "gte", "value": 100},
        {"field": "days_since_cart_abandoned", "op": "lte", "value": 3},
        {"field": "rfm_monetary", "op": "gte", "value": 4},
        {"field": "survey.nps", "op": "lte", "value": 6},
        {"field": "survey.topics", "op": "any_of", "value": ["delivery"]},
    ], extra)
    assert errors == []
    at = START + 10 * DAY
    ana = facts(stores=frozenset({"SCL"}), tier="silver", points=150, cart_abandoned_at=at - 2 * DAY, rfm=(2, 3, 5),
                extra={"survey.nps": Decimal(4), "survey.topics": frozenset({"delivery"})})
    assert segments.matches(ana, rules, at=at)
    for change in ({"tier": "gold"}, {"points": 99}, {"cart_abandoned_at": None}, {"rfm": None}, {"extra": {}},
                   {"stores": frozenset({"VAL"})}, {"cart_abandoned_at": at - 5 * DAY}):
        assert not segments.matches(segments.Facts(**{**ana.__dict__, **change}), rules, at=at), change
    _rules, errors = segments.parse([{"field": "rfm_recency", "op": "gte", "value": 6},
                                     {"field": "survey.nps", "op": "lte", "value": 6}])  # not registered
    assert errors == [("rules.0.value", "bad_value"), ("rules.1.field", "unknown_field")]


def test_stores_rfm_carts_and_registered_fields_count_through_the_api(api, issue_key, ana, bea):
    # Ana bought three times at the SCL store; Bea once online... here also at the POS, but long ago
    buy(ana, "GEL-1", at=START)
    buy(ana, "GEL-1", at=START + 5 * DAY)
    buy(ana, "BIKE-M", at=START + 9 * DAY)
    buy(bea, "GEL-2", at=START + DAY)
    from omnicanal.orders.services import carts

    with clock.frozen(START + 10 * DAY), transaction.atomic():
        cart = carts.do_create_cart(channel="web", customer_id=bea)
        carts.do_set_cart_line(cart_id=cart.public_id, sku="HELMET-1", quantity=1)
    with clock.frozen(START + 12 * DAY), transaction.atomic():
        assert carts.do_mark_abandoned() == 1
    registry.register_rule(registry.RuleSource(field="survey.nps", kind="number", label="NPS",
                                               values=lambda ids: {bea: Decimal(9)} if bea in ids else {}))
    marketer = api.as_(issue_key("marketer"))

    def count(*rules):
        with clock.frozen(START + 14 * DAY):
            response = marketer.post("/segments/count", {"rules": list(rules)})
        assert response.status_code == 200, response.content
        return response.json()["size"]

    try:
        assert count({"field": "stores_visited", "op": "any_of", "value": ["SCL"]}) == 2
        assert count({"field": "stores_visited", "op": "none_of", "value": ["SCL"]}) == 0
        assert count({"field": "rfm_monetary", "op": "gte", "value": 5}) == 1  # Ana spent most
        assert count({"field": "rfm_frequency", "op": "lte", "value": 3}) == 1  # Bea: one order
        assert count({"field": "rfm_recency", "op": "gte", "value": 1}) == 2
        assert count({"field": "days_since_cart_abandoned", "op": "lte", "value": 2}) == 1  # Bea's helmet
        assert count({"field": "points", "op": "lte", "value": 0}) == 2  # no loyalty program here
        assert count({"field": "tier", "op": "any_of", "value": ["gold"]}) == 0
        assert count({"field": "survey.nps", "op": "gte", "value": 9}) == 1
    finally:
        registry.unregister_rule("survey.nps")
    response = marketer.post("/segments/count", {"rules": [{"field": "survey.nps", "op": "gte", "value": 9}]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "rules.0.field"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def test_export_and_ad_audiences_are_hashed_consented_and_audited(api, issue_key, ana, bea):
    buy(ana, "GEL-1", at=START)
    buy(bea, "GEL-1", at=START)
    grant(ana, "email")
    grant(bea, "whatsapp")
    marketer = api.as_(issue_key("marketer"))
    saved = marketer.post("/segments", {"name": "Geles", "rules": [
        {"field": "categories_bought", "op": "any_of", "value": ["geles"]}]}).json()

    export = marketer.get(f"/segments/{saved['id']}/export")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {r["email"] for r in rows} == {"ana@example.cl", "bea@example.cl"}
    assert {r["marketing_consent"] for r in rows} == {"email", "whatsapp"}

    google = marketer.get(f"/segments/{saved['id']}/audience?platform=google")
    assert google.status_code == 200
    lines = google.content.decode().splitlines()
    # Ana: email only (no grant on SMS/WhatsApp); Bea: phone only (no grant on email)
    assert lines[0] == "Email,Phone"
    assert sorted(lines[1:]) == sorted([f"{sha('ana@example.cl')},", f",{sha('+56998761234')}"])
    meta = marketer.get(f"/segments/{saved['id']}/audience?platform=meta").content.decode().splitlines()
    assert meta[0] == "EMAIL,PHONE" and f",{sha('56998761234')}" in meta
    assert "ana@example.cl" not in google.content.decode()

    entries = list(AuditEntry.objects.filter(target_id=saved["id"]).order_by("pk"))
    assert [e.action for e in entries] == ["segment.save", "segment.export", "segment.audience", "segment.audience"]
    assert entries[1].after == {"rows": 2}
    assert entries[2].after == {"platform": "google", "rows": 2, "members": 2, "emails": 1, "phones": 1}
    assert entries[2].actor_role == "marketer"

    assert marketer.get(f"/segments/{saved['id']}/audience?platform=tiktok").status_code == 422
    assert api.as_(issue_key("agent")).get(f"/segments/{saved['id']}/export").status_code == 403
    assert marketer.get("/segments/seg_nothing/audience?platform=meta").status_code == 404
