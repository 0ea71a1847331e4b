"""Every customers endpoint, with good and bad input (problem+json 4xx)."""

import pytest

from omnicanal.core.models import AuditEntry
from omnicanal.customers import registry
from omnicanal.customers.models import MergeSuggestion

pytestmark = pytest.mark.django_db


def identify(api, *identities, channel="web", **traits):
    body = {"channel": channel, "identities": [dict(zip(("kind", "value", "verified"), i, strict=False)) for i in identities]}
    if traits:
        body["traits"] = traits
    response = api.post("/customers/identify", body)
    assert response.status_code == 200, response.content
    return response.json()


def problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(slug)
    return response.json()


def test_identify_creates_then_finds_the_same_customer(api):
    first = identify(api, ("phone", "9 8765 4321"), name="Ana Rojas")
    again = identify(api, ("whatsapp", "56987654321"), channel="whatsapp")
    assert first["created"] is True and first["merged_ids"] == []
    assert again == {"customer_id": first["customer_id"], "created": False, "merged_ids": [], "suggestion_ids": []}


def test_identify_answers_the_merged_ids(api):
    visitor = identify(api, ("webchat", "wc-9"), channel="webchat")["customer_id"]
    known = identify(api, ("email", "ana@example.cl", True), name="Ana")["customer_id"]
    joined = identify(api, ("webchat", "wc-9"), ("email", "ana@example.cl", True), channel="webchat")
    assert joined["customer_id"] == known and joined["merged_ids"] == [visitor]


@pytest.mark.parametrize(("body", "field"), [
    ({"channel": "web", "identities": [{"kind": "phone", "value": "12345"}]}, "identities.0.value"),
    ({"channel": "web", "identities": [{"kind": "email", "value": "not-an-email"}]}, "identities.0.value"),
    ({"channel": "web", "identities": [{"kind": "fax", "value": "1"}]}, "identities.0.kind"),
    ({"channel": "web", "identities": []}, "identities"),
    ({"channel": "Web Shop", "identities": [{"kind": "email", "value": "a@example.cl"}]}, "channel"),
    ({"identities": [{"kind": "email", "value": "a@example.cl"}]}, "channel"),
])
def test_identify_rejects_bad_input_with_field_errors(api, body, field):
    body_json = problem(api.post("/customers/identify", body), 422, "validation")
    assert field in {e["field"] for e in body_json["errors"]}


def test_identify_needs_a_role_that_may(api, issue_key):
    body = {"channel": "web", "identities": [{"kind": "email", "value": "a@example.cl"}]}
    problem(api.as_(issue_key("marketer")).post("/customers/identify", body), 403, "forbidden")
    assert api.as_(issue_key("integration")).post("/customers/identify", body).status_code == 200
    problem(api.as_({}).post("/customers/identify", body), 401, "unauthorized")


def test_single_view_has_every_section_and_an_alias_answers_the_survivor(api):
    a = identify(api, ("email", "a@example.cl", True), name="A")["customer_id"]
    b = identify(api, ("phone", "+56976543210"), name="B")["customer_id"]
    api.post(f"/customers/{a}/merge", {"other_id": b})
    view = api.get(f"/customers/{b}").json()
    assert view["id"] == a
    assert {"id", "name", "identities", "consents", "loyalty", "cart", "recent_orders", "open_conversation"} <= set(view)
    assert view["loyalty"]["points"] == 0  # zeros until points are earned (or until loyalty lands)
    assert view["loyalty"]["stored_value"] in ({"amount": "0", "currency": "CLP"}, None)
    assert view["cart"] is None and view["recent_orders"] == [] and view["open_conversation"] is None
    assert {i["kind"] for i in view["identities"]} == {"email", "phone"}


def test_single_view_sections_come_from_providers(api):
    customer = identify(api, ("email", "a@example.cl"))["customer_id"]
    previous = registry._summaries.get("loyalty_summary")
    registry.register_summary(section="loyalty_summary", provider=lambda cid: {"points": 120, "stored_value": None})
    try:
        assert api.get(f"/customers/{customer}").json()["loyalty"]["points"] == 120
    finally:
        registry._summaries.pop("loyalty_summary")
        if previous is not None:
            registry.register_summary(section="loyalty_summary", provider=previous)


def test_unknown_customer_is_404_everywhere(api):
    missing = "cus_0000000000000000000000000z"
    problem(api.get(f"/customers/{missing}"), 404, "not-found")
    problem(api.get(f"/customers/{missing}/timeline"), 404, "not-found")
    problem(api.post(f"/customers/{missing}/merge", {"other_id": missing}), 404, "not-found")
    problem(api.put(f"/customers/{missing}/consents", {"channel": "email", "purpose": "marketing", "granted": True}),
            404, "not-found")
    problem(api.get(f"/customers/{missing}/export"), 404, "not-found")
    problem(api.post(f"/customers/{missing}/erase", {}), 404, "not-found")


def test_timeline_newest_first_with_filters(api):
    from omnicanal.customers.services import do_append_timeline

    customer = identify(api, ("email", "a@example.cl"))["customer_id"]
    consent = {"channel": "whatsapp", "purpose": "marketing", "granted": True}
    assert api.put(f"/customers/{customer}/consents", consent).status_code == 200
    do_append_timeline(customer_id=customer, type="order.placed", channel="pos", summary="Pedido 1001", ref="1001")
    items = api.get(f"/customers/{customer}/timeline").json()["items"]
    assert [i["type"] for i in items] == ["order.placed", "consent.granted", "customer.created"]
    assert set(items[0]) == {"at", "type", "channel", "summary", "ref"}
    assert [i["type"] for i in api.get(f"/customers/{customer}/timeline?channel=pos").json()["items"]] == ["order.placed"]
    assert [i["ref"] for i in api.get(f"/customers/{customer}/timeline?type=order").json()["items"]] == ["1001"]
    problem(api.get(f"/customers/{customer}/timeline?limit=0"), 422, "validation")


def test_merge_answers_the_survivor_and_is_idempotent(api):
    a = identify(api, ("email", "a@example.cl"), name="A")["customer_id"]
    b = identify(api, ("email", "b@example.cl"), name="B")["customer_id"]
    first = api.post(f"/customers/{a}/merge", {"other_id": b})
    assert first.status_code == 200 and first.json()["id"] == a
    again = api.post(f"/customers/{b}/merge", {"other_id": a})
    assert again.json()["id"] == a
    assert api.post(f"/customers/{a}/merge", {"other_id": a}).json()["id"] == a
    problem(api.post(f"/customers/{a}/merge", {}), 422, "validation")


def test_merge_roles(api, issue_key):
    a = identify(api, ("email", "a@example.cl"))["customer_id"]
    b = identify(api, ("email", "b@example.cl"))["customer_id"]
    problem(api.as_(issue_key("store_staff", ["SCL-CENTRO"])).post(f"/customers/{a}/merge", {"other_id": b}), 403, "forbidden")
    assert api.as_(issue_key("agent")).post(f"/customers/{a}/merge", {"other_id": b}).status_code == 200


def test_consents_put_validates_channel_and_purpose(api):
    customer = identify(api, ("email", "a@example.cl"))["customer_id"]
    answer = api.put(f"/customers/{customer}/consents", {"channel": "sms", "purpose": "marketing", "granted": False})
    assert answer.status_code == 200 and answer.json()["granted"] is False and answer.json()["source"] == "api"
    problem(api.put(f"/customers/{customer}/consents", {"channel": "pigeon", "purpose": "marketing", "granted": True}),
            422, "validation")
    problem(api.put(f"/customers/{customer}/consents", {"channel": "sms", "purpose": "spam", "granted": True}),
            422, "validation")
    view = api.get(f"/customers/{customer}").json()
    assert view["consents"][0]["channel"] == "sms" and view["consents"][0]["granted"] is False


def test_preferences_put(api):
    customer = identify(api, ("email", "a@example.cl"))["customer_id"]
    answer = api.put(f"/customers/{customer}/preferences", {
        "language": "en", "preferred_channels": {"transactional": "whatsapp"}, "contact_from": "09:00",
        "contact_to": "20:00", "time_zone": "America/Santiago"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["contact_hours"] == {"from": "09:00", "to": "20:00"}
    problem(api.put(f"/customers/{customer}/preferences", {"time_zone": "Mars/Olympus"}), 422, "validation")
    problem(api.put(f"/customers/{customer}/preferences", {"preferred_channels": {"marketing": "pigeon"}}), 422,
            "validation")


def test_export_and_erase_only_for_admin_or_manager_and_audited(api, issue_key):
    customer = identify(api, ("email", "a@example.cl"), ("phone", "+56976543210"), name="Ana")["customer_id"]
    for role in ("agent", "marketer", "store_staff", "integration"):
        locations = ["SCL-CENTRO"] if role == "store_staff" else []
        problem(api.as_(issue_key(role, locations)).get(f"/customers/{customer}/export"), 403, "forbidden")
        problem(api.as_(issue_key(role, locations)).post(f"/customers/{customer}/erase", {}), 403, "forbidden")
    manager = api.as_(issue_key("manager"))
    exported = manager.get(f"/customers/{customer}/export").json()
    assert exported["customer"]["name"] == "Ana" and len(exported["identities"]) == 2
    assert AuditEntry.objects.filter(action="customer.export", target_id=customer).exists()
    erased = manager.post(f"/customers/{customer}/erase", {"reason": "request by email"})
    assert erased.status_code == 200 and erased.json()["erased"] is True
    view = api.get(f"/customers/{customer}").json()
    assert view["name"] == "" and view["identities"] == [] and view["erased"] is True
    assert AuditEntry.objects.filter(action="customer.erase", target_id=customer).exists()
    problem(manager.post(f"/customers/{customer}/erase", {}), 409, "conflict")


def test_search_finds_by_any_identity_in_any_format_or_part_of_the_name(api):
    ana = identify(api, ("phone", "+56987654321"), ("email", "ana.rojas@example.cl"), name="Ana María Rojas Núñez")
    identify(api, ("email", "otro@example.cl"), name="Pedro Soto")
    for q in ["9 8765 4321", "56 9 8765-4321", "+56987654321", "ANA.ROJAS@example.cl", "rojas nunez", "Núñez",
              ana["customer_id"]]:
        items = api.get(f"/customers?q={q}").json()["items"]
        assert [i["id"] for i in items] == [ana["customer_id"]], q
    problem(api.get("/customers?limit=1000"), 422, "validation")


def test_a_bulk_search_is_audited_with_ids_only(api):
    identify(api, ("email", "a@example.cl"), name="Ana Rojas")
    identify(api, ("email", "b@example.cl"), name="Juan Rojas")
    assert len(api.get("/customers?q=rojas").json()["items"]) == 2
    entry = AuditEntry.objects.get(action="customer.search")
    assert len(entry.after["ids"]) == 2 and "rojas" not in str(entry.after)


def test_suggestion_queue_accept_and_reject(api):
    identify(api, ("email", "a@example.cl"), name="A")
    identify(api, ("phone", "+56976543210"), name="B")
    identify(api, ("email", "c@example.cl"), name="C")
    identify(api, ("phone", "+56961234567"), name="D")
    identify(api, ("email", "a@example.cl"), ("phone", "+56976543210"))
    identify(api, ("email", "c@example.cl"), ("phone", "+56961234567"))
    items = api.get("/merge-suggestions").json()["items"]
    assert len(items) == 2
    accepted = api.post(f"/merge-suggestions/{items[0]['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["id"] == items[0]["customer_a"]
    rejected = api.post(f"/merge-suggestions/{items[1]['id']}/reject")
    assert rejected.json()["status"] == "rejected"
    problem(api.post(f"/merge-suggestions/{items[1]['id']}/accept"), 409, "invalid-transition")
    problem(api.post("/merge-suggestions/dup_nope/reject"), 404, "not-found")
    # a rejected pair is never suggested again
    identify(api, ("email", "c@example.cl"), ("phone", "+56961234567"))
    assert MergeSuggestion.objects.count() == 2 and api.get("/merge-suggestions").json()["items"] == []
