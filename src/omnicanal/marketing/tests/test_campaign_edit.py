"""Editing a draft campaign's message and templates per channel: the API's PATCH and the campaign
page's edit form (prefilled with what is saved; a bad template comes back with the error and what was
typed); once launched it can no longer be edited."""

import pytest
from django.db import transaction
from django.urls import reverse

from omnicanal.core.auth import SYSTEM
from omnicanal.core.models import AuditEntry
from omnicanal.marketing import campaigns, services
from omnicanal.marketing.models import Campaign
from omnicanal.marketing.tests.conftest import grant, make_shop
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.orders.tests.helpers import console_login

TEMPLATES = {"email": {"es": {"subject": "Cascos para {{ name }}", "text": "Mira {{ link }}"}},
             "whatsapp": {"es": {"template": "promo_cascos", "language": "es", "params": ["name"]}}}


def draft(name="Cascos"):
    with transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        return campaigns.do_create_campaign(name=name, segment_id=segment, message={"es": "Hola {{ name }}"},
                                            channels=["email", "sms", "whatsapp"], templates=TEMPLATES,
                                            actor=SYSTEM).public_id


def test_the_api_edits_a_drafts_templates_and_refuses_a_launched_one(api, shop):
    campaign_id = draft()
    changed = api.patch(f"/campaigns/{campaign_id}", {
        "templates": {"sms": {"es": {"text": "Casco a {{ name }}"}}}, "message": {"es": "Hola {{ name }}", "en": "Hi"}})
    assert changed.status_code == 200, changed.content
    assert changed.json()["id"] == campaign_id and changed.json()["status"] == "draft"
    row = Campaign.objects.get(public_id=campaign_id)
    assert row.templates == {"sms": {"es": {"text": "Casco a {{ name }}"}}} and row.message["en"] == "Hi"
    assert AuditEntry.objects.filter(action="marketing.campaign.update", target_id=campaign_id).exists()
    # only the given fields change
    assert api.patch(f"/campaigns/{campaign_id}", {"message": {"es": "Hola"}}).status_code == 200
    assert Campaign.objects.get(public_id=campaign_id).templates == {"sms": {"es": {"text": "Casco a {{ name }}"}}}
    # a bad template names its field, nothing changes
    bad = api.patch(f"/campaigns/{campaign_id}", {"templates": {"sms": {"es": {"text": "x" * 170}}}})
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["templates.sms.es.text"]
    assert api.patch("/campaigns/cmp_nope", {"message": {"es": "Hola"}}).status_code == 404
    with transaction.atomic():
        campaigns.do_launch_campaign(campaign_id=campaign_id, actor=SYSTEM)
    late = api.patch(f"/campaigns/{campaign_id}", {"message": {"es": "Otra"}})
    assert late.status_code == 409 and late.json()["type"].endswith("invalid-transition")


def test_a_marketer_edits_a_drafts_templates_on_its_page(client, shop):
    campaign_id = draft()
    console_login(client, "marketer", (), "marketer-1")
    url = reverse("marketing:campaign", args=[campaign_id])
    page = client.get(url).content.decode()
    assert 'data-testid="edit-templates-form"' in page
    assert 'id="edit-tpl_email_es_subject" name="tpl_email_es_subject" value="Cascos para {{ name }}"' in page
    assert 'value="promo_cascos"' in page and 'id="edit-tpl_whatsapp_es_params" name="tpl_whatsapp_es_params" value="name"' in page
    edit = reverse("marketing:campaign-templates", args=[campaign_id])
    form = {"message_es": "Hola {{ name }}, nuevos cascos", "message_en": "", "tpl_email_es_subject": "Nuevos cascos",
            "tpl_email_es_text": "Mira {{ link }}", "tpl_whatsapp_es_template": "promo_cascos",
            "tpl_whatsapp_es_language": "es", "tpl_whatsapp_es_params": "name", "tpl_sms_es_text": "Cascos {{ name }}"}
    # a too long SMS comes back with the error and what was typed, nothing saved
    bad = client.post(edit, {**form, "tpl_sms_es_text": "x" * 150})
    assert bad.status_code == 422 and "160" in bad.content.decode() and "Nuevos cascos" in bad.content.decode()
    assert Campaign.objects.get(public_id=campaign_id).templates == TEMPLATES
    saved = client.post(edit, form)
    assert saved.status_code == 302 and saved["Location"] == url
    row = Campaign.objects.get(public_id=campaign_id)
    assert row.message == {"es": "Hola {{ name }}, nuevos cascos"}
    assert row.templates == {"email": {"es": {"subject": "Nuevos cascos", "text": "Mira {{ link }}"}},
                             "whatsapp": {"es": {"template": "promo_cascos", "language": "es", "params": ["name"]}},
                             "sms": {"es": {"text": "Cascos {{ name }}"}}}
    # launched: no edit form, and a post is refused
    with transaction.atomic():
        campaigns.do_launch_campaign(campaign_id=campaign_id, actor=SYSTEM)
    assert 'data-testid="edit-templates-form"' not in client.get(url).content.decode()
    assert client.post(edit, form).status_code == 409


def test_an_agent_may_not_edit_a_campaign(client, shop):
    campaign_id = draft()
    console_login(client, "agent", (), "agent-1")
    refused = client.post(reverse("marketing:campaign-templates", args=[campaign_id]), {"message_es": "Hola"})
    assert refused.status_code in (302, 403)
    assert Campaign.objects.get(public_id=campaign_id).message == {"es": "Hola {{ name }}"}


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_editing_a_drafts_templates_in_a_browser(staff, console_login, live_server, axe, viewport):  # noqa: F811
    make_shop()
    grant(make_customer(), "email")
    campaign_id = draft()
    page = console_login(staff("marketer", username="mkt"))
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/console/marketing/campaigns/{campaign_id}/")
    page.click("[data-testid=edit-templates] > summary")
    assert axe(page) == []
    page.fill("#edit-tpl_email_es_subject", "Cascos nuevos")
    page.fill("#edit-tpl_sms_es_text", "Cascos para {{ name }}")
    page.click("[data-testid=save-templates]")
    page.wait_for_selector("[data-testid=template-sms]")
    assert "Cascos nuevos" in page.locator("[data-testid=template-email]").inner_text()
    assert axe(page) == []
