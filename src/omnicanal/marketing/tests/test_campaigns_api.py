"""The campaigns' API (shared/API.md, Marketing): marketers and managers compose, launch and read the
results; agents may not; bad input is a 422 naming the field; every change is audited."""

import datetime as dt

from omnicanal.core import clock
from omnicanal.core.models import AuditEntry
from omnicanal.marketing.tests.conftest import START, grant

EVENING = START.replace(hour=22)


def test_a_marketer_composes_launches_and_reads_a_campaign(api, issue_key, ana, bea):
    grant(ana, "email")
    marketer = api.as_(issue_key("marketer"))
    with clock.frozen(EVENING):
        segment = marketer.post("/segments", {"name": "Todos", "rules": []}).json()["id"]
        created = marketer.post("/campaigns", {"name": "Otoño", "segment_id": segment,
                                              "message": {"es": "Hola {{ name }}", "en": "Hi {{ name }}"},
                                              "channels": ["email", "sms"], "control_percent": 0})
        assert created.status_code == 201, created.content
        campaign_id = created.json()["id"]
        preview = marketer.get(f"/campaigns/{campaign_id}/preview?customer_id={ana}").json()
        assert [(p["channel"], p["text"]) for p in preview][0] == ("email", "Hola Ana")
        assert preview[1]["text"].endswith("STOP para no recibir más mensajes.")
        launched = marketer.post(f"/campaigns/{campaign_id}/launch")
    assert launched.status_code == 200, launched.content
    body = launched.json()
    assert (body["targeted"], body["sent"], body["held_out"]) == (2, 1, 0)
    assert body["suppressed"]["no_consent"] == 1
    read = marketer.get(f"/campaigns/{campaign_id}").json()
    assert (read["sent"], read["converted"], read["revenue"]) == (1, 0, {"amount": "0", "currency": "CLP"})
    assert {"marketing.campaign.create", "marketing.campaign.launch"} <= set(
        AuditEntry.objects.filter(target_id=campaign_id).values_list("action", flat=True))


def test_an_agent_may_not_touch_campaigns_and_bad_input_names_the_field(api, issue_key, ana):
    agent = api.as_(issue_key("agent"))
    assert agent.post("/campaigns", {"name": "x", "segment_id": "seg_x", "message": {"es": "x"}}).status_code == 403
    manager = api.as_(issue_key("manager"))
    segment = manager.post("/segments", {"name": "Todos", "rules": []}).json()["id"]
    bad = manager.post("/campaigns", {"name": "x", "segment_id": segment, "message": {"es": "Hola {{ nombre }}"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "message.es"
    bad = manager.post("/campaigns", {"name": "x", "segment_id": segment, "message": {"es": "x"},
                                      "templates": {"whatsapp": {"es": {"params": ["name"]}}}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "templates.whatsapp.es.template"
    assert manager.get("/campaigns/cmp_nope").status_code == 404


def test_a_scheduled_campaign_is_launched_by_the_worker_at_its_time(api, issue_key, ana):
    from omnicanal.marketing import campaigns

    grant(ana, "email")
    marketer = api.as_(issue_key("marketer"))
    at = EVENING + dt.timedelta(hours=1)
    with clock.frozen(EVENING):
        segment = marketer.post("/segments", {"name": "Todos", "rules": []}).json()["id"]
        created = marketer.post("/campaigns", {"name": "Luego", "segment_id": segment, "message": {"es": "Hola"},
                                              "scheduled_at": at.isoformat()}).json()
    assert created["status"] == "scheduled"
    with clock.frozen(at - dt.timedelta(minutes=1)):
        assert campaigns.do_run_due() == 0
    with clock.frozen(at):
        assert campaigns.do_run_due() == 1
    assert marketer.get(f"/campaigns/{created['id']}").json()["status"] == "done"
