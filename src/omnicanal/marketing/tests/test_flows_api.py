"""The flows' API: marketers and managers list the journeys with their results, enable and edit
them (422 naming the field, audited) and read a customer's entries; agents may not."""

from omnicanal.core.models import AuditEntry
from omnicanal.marketing import flows
from omnicanal.marketing.models import FlowKind
from omnicanal.marketing.tests.conftest import START


def test_a_marketer_enables_a_flow_and_reads_a_customers_entries(api, issue_key, ana):
    marketer = api.as_(issue_key("marketer"))
    listed = marketer.get("/flows")
    assert listed.status_code == 200, listed.content
    assert [f["kind"] for f in listed.json()["items"]] == FlowKind.values
    changed = marketer.patch("/flows/abandoned_cart", {"enabled": True, "delay_minutes": 30,
                                                       "channels": ["whatsapp", "email"]})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["enabled"], changed.json()["delay_minutes"]) == (True, 30)
    assert AuditEntry.objects.filter(action="marketing.flow.update", target_id="abandoned_cart").exists()
    flows.on_cart_abandoned(cart_id="crt_x", customer_id=ana, channel="app", at=START)
    entries = marketer.get(f"/customers/{ana}/flow-entries").json()["items"]
    assert [(e["flow"], e["status"]) for e in entries] == [("abandoned_cart", "waiting")]
    assert marketer.get("/flows").json()["items"][0]["waiting"] == 1


def test_an_agent_may_not_and_bad_input_names_the_field(api, issue_key, db):
    assert api.as_(issue_key("agent")).get("/flows").status_code == 403
    manager = api.as_(issue_key("manager"))
    bad = manager.patch("/flows/win_back", {"message": {"es": "Hola {{ nombre }}"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "message.es"
    assert manager.patch("/flows/nope", {"enabled": True}).status_code == 404


def test_the_attribution_window_and_the_tier_choice_through_the_api(api, issue_key, db):
    marketer = api.as_(issue_key("marketer"))
    tier = next(f for f in marketer.get("/flows").json()["items"] if f["kind"] == "tier_change")
    assert (tier["attribution_days"], tier["tier_changes"]) == (7, "upgrade")
    changed = marketer.patch("/flows/tier_change", {"attribution_days": 21, "tier_changes": "any"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["attribution_days"], changed.json()["tier_changes"]) == (21, "any")
    audit = AuditEntry.objects.filter(action="marketing.flow.update", target_id="tier_change").latest("pk")
    assert audit.after["attribution_days"] == 21 and audit.after["tier_changes"] == "any"
    for body, field in (({"attribution_days": 0}, "attribution_days"), ({"attribution_days": 91}, "attribution_days"),
                        ({"tier_changes": "down"}, "tier_changes")):
        bad = marketer.patch("/flows/tier_change", body)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith(field), bad.content
