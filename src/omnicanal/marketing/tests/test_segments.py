"""Segments: rules over the one customer (what they bought on any channel, where, how much, how
recently, their language, city and marketing consent), counted live and saved."""

import datetime as dt

from omnicanal.core import clock
from omnicanal.marketing.tests.conftest import START, buy, grant

DAY = dt.timedelta(days=1)


def test_a_segment_counts_the_customers_all_rules_hold_for(api, issue_key, ana, bea):
    # given Ana, who bought a bicycle at the POS and gels twice, and Bea, who bought gels once;
    # only Bea accepts marketing by email
    buy(ana, "BIKE-M", at=START)
    buy(ana, "GEL-1", at=START + DAY)
    buy(ana, "GEL-1", at=START + 30 * DAY)
    buy(bea, "GEL-1", at=START + 2 * DAY)
    grant(bea, "email")
    marketer = api.as_(issue_key("marketer"))

    def count(rules):
        with clock.frozen(START + 40 * DAY):
            response = marketer.post("/segments/count", {"rules": rules})
        assert response.status_code == 200, response.content
        return response.json()["size"]

    gels = {"field": "categories_bought", "op": "any_of", "value": ["geles"]}
    assert count([gels]) == 2
    assert count([gels, {"field": "categories_bought", "op": "none_of", "value": ["bicicletas"]}]) == 1
    assert count([gels, {"field": "orders", "op": "gte", "value": 3}]) == 1
    assert count([{"field": "spend", "op": "gte", "value": "500000"}]) == 1
    assert count([{"field": "days_since_last_purchase", "op": "lte", "value": 15}]) == 1  # Ana, 10 days ago
    assert count([{"field": "channels_used", "op": "any_of", "value": ["pos"]}]) == 2
    assert count([{"field": "consent", "op": "any_of", "value": ["email"]}]) == 1
    assert count([{"field": "language", "op": "any_of", "value": ["en"]}]) == 0
    # when a marketer saves it, the answer is its id and size; reading it counts again
    with clock.frozen(START + 40 * DAY):
        saved = marketer.post("/segments", {"name": "Geleros sin bici", "rules": [
            gels, {"field": "categories_bought", "op": "none_of", "value": ["bicicletas"]}]})
    assert saved.status_code == 201, saved.content
    assert saved.json()["size"] == 1 and saved.json()["id"].startswith("seg_")
    buy(ana, "GEL-2", at=START + 41 * DAY)  # Ana still owns a bicycle: still 1
    again = marketer.get(f"/segments/{saved.json()['id']}")
    assert again.status_code == 200 and again.json()["size"] == 1 and again.json()["name"] == "Geleros sin bici"


def test_saving_a_segment_through_the_api_is_audited_and_a_refused_one_is_not(api, issue_key, shop):
    from omnicanal.core.models import AuditEntry

    key = issue_key("marketer")
    marketer = api.as_(key)
    saved = marketer.post("/segments", {"name": "Todos", "rules": [{"field": "orders", "op": "gte", "value": 0}]})
    assert saved.status_code == 201, saved.content
    entry = AuditEntry.objects.get(action="segment.save")
    assert (entry.target_type, entry.target_id, entry.actor_role) == ("segment", saved.json()["id"], "marketer")
    assert entry.actor_kind == "apikey" and entry.actor_name
    assert entry.after == {"name": "Todos", "rules": 1, "size": 0, "via": "api"}
    assert marketer.post("/segments", {"name": "Mala", "rules": [{"field": "x", "op": "gte", "value": 1}]}).status_code == 422
    assert AuditEntry.objects.filter(action="segment.save").count() == 1


def test_bad_rules_are_refused_field_by_field(api, issue_key, shop):
    marketer = api.as_(issue_key("marketer"))
    response = marketer.post("/segments", {"name": "Mala", "rules": [
        {"field": "shoe_size", "op": "any_of", "value": ["42"]},
        {"field": "orders", "op": "any_of", "value": [1]},
        {"field": "spend", "op": "gte", "value": "NaN"}]})
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["rules.0.field", "rules.1.op", "rules.2.value"]
    assert response.json()["errors"][0]["message"] == "campo desconocido"
    assert marketer.post("/segments", {"name": "", "rules": []}).status_code == 422


def test_segments_are_for_marketers_and_managers(api, issue_key, shop):
    body = {"name": "Todos", "rules": []}
    assert api.as_(issue_key("agent")).post("/segments", body).status_code == 403
    assert api.as_(issue_key("store_staff", ["SCL"])).post("/segments/count", {"rules": []}).status_code == 403
    assert api.as_(issue_key("manager")).post("/segments", body).status_code == 201
    assert api.as_(issue_key("marketer")).get("/segments/seg_nothing").status_code == 404
