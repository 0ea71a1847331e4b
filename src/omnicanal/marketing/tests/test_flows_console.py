"""The console's Flows page: a marketer enables a flow, sets its delay, channels, text, templates per
channel, attribution window and (tier change) whether a downgrade starts it, and reads each flow's
results; a bad text is shown beside its box; an agent may not."""

import pytest
from django.urls import reverse

from omnicanal.marketing.models import Flow, FlowKind
from omnicanal.orders.tests.helpers import console_login


def test_a_marketer_enables_and_edits_a_flow_and_reads_its_results(client, db):
    console_login(client, "marketer", (), "marketer-1")
    page = client.get(reverse("marketing:flows")).content.decode()
    assert "Carro abandonado" in page and "Recordatorio de reposición" in page  # the kinds in words
    saved = client.post(reverse("marketing:flows"), {
        "kind": "abandoned_cart", "enabled": "on", "delay_minutes": "45", "channels": ["whatsapp", "email"],
        "message_es": "Hola {{ name }}, tu carro te espera: {{ link }}", "message_en": ""})
    assert saved.status_code == 302
    row = Flow.objects.get(kind=FlowKind.ABANDONED_CART)
    assert (row.enabled, row.delay_minutes, row.channels) == (True, 45, ["whatsapp", "email"])
    assert row.message == {"es": "Hola {{ name }}, tu carro te espera: {{ link }}"}
    bad = client.post(reverse("marketing:flows"), {"kind": "win_back", "delay_minutes": "10",
                                                   "channels": ["email"], "message_es": "Hola {{ nombre }}"},
                      follow=True)
    assert "marcador desconocido" in bad.content.decode().lower() or "placeholder" in bad.content.decode().lower()
    assert Flow.objects.get(kind=FlowKind.WIN_BACK).message == {}
    page = client.get(reverse("marketing:flows")).content.decode()
    assert 'data-testid="flow-results"' in page and "tu carro te espera" in page
    console_login(client, "agent", (), "agent-1")
    assert client.get(reverse("marketing:flows")).status_code in (302, 403)


def test_per_channel_templates_attribution_and_the_tier_choice_on_the_flow_page(client, db):
    console_login(client, "marketer", (), "marketer-1")
    saved = client.post(reverse("marketing:flows"), {
        "kind": "tier_change", "enabled": "on", "delay_minutes": "0", "channels": ["whatsapp", "email"],
        "message_es": "", "tpl_whatsapp_es_template": "nuevo_nivel", "tpl_whatsapp_es_language": "es",
        "tpl_whatsapp_es_params": "name, tier", "tpl_email_es_subject": "Subiste a {{ tier }}",
        "tpl_email_es_text": "Hola {{ name }}, ahora eres {{ tier }}", "attribution_days": "14", "tier_changes": "any"})
    assert saved.status_code == 302
    row = Flow.objects.get(kind=FlowKind.TIER_CHANGE)
    assert row.templates == {"whatsapp": {"es": {"template": "nuevo_nivel", "language": "es", "params": ["name", "tier"]}},
                             "email": {"es": {"subject": "Subiste a {{ tier }}",
                                              "text": "Hola {{ name }}, ahora eres {{ tier }}"}}}
    assert (row.attribution_days, row.tier_changes) == (14, "any")
    # the page shows them to edit again, each flow's boxes with ids of its own
    page = client.get(reverse("marketing:flows")).content.decode()
    assert 'id="tier_change-tpl_whatsapp_es_template" name="tpl_whatsapp_es_template" value="nuevo_nivel"' in page
    assert 'id="win_back-tpl_whatsapp_es_template"' in page
    assert '<option value="any" selected>' in page and 'id="attribution-tier_change"' in page
    # a template with a placeholder the flow does not know, or a window out of range: refused, nothing changes
    for bad in ({"tpl_sms_es_text": "Hola {{ nombre }}"}, {"attribution_days": "120"}, {"attribution_days": "dos"}):
        client.post(reverse("marketing:flows"), {"kind": "tier_change", "channels": ["email"], "delay_minutes": "0",
                                                 "attribution_days": "14", **bad})
        assert Flow.objects.get(kind=FlowKind.TIER_CHANGE).templates == row.templates
        assert Flow.objects.get(kind=FlowKind.TIER_CHANGE).attribution_days == 14


def test_the_birthday_flows_coupon_on_the_flow_page(client, db):
    from omnicanal.marketing import flows

    console_login(client, "marketer", (), "marketer-1")
    page = client.get(reverse("marketing:flows")).content.decode()
    assert 'id="coupon-kind-birthday"' in page and 'id="coupon-kind-win_back"' not in page  # the birthday's only
    assert "el código {{ coupon }}" in page  # the default text says the code
    base = {"kind": "birthday", "enabled": "on", "delay_minutes": "0", "channels": ["email"],
            "message_es": flows.default_message("birthday", "es", coupon=True),
            "message_en": flows.default_message("birthday", "en", coupon=True)}
    assert client.post(reverse("marketing:flows"), {**base, "coupon_kind": "amount", "coupon_value": "3000",
                                                    "coupon_days": "10"}).status_code == 302
    row = Flow.objects.get(kind=FlowKind.BIRTHDAY)
    assert row.coupon == {"kind": "amount", "value": "3000", "days": 10}
    assert row.message == {}  # the default text posted back stays the default, following the coupon
    # no coupon: the default greeting without a code
    assert client.post(reverse("marketing:flows"), {**base, "coupon_kind": ""}).status_code == 302
    assert Flow.objects.get(kind=FlowKind.BIRTHDAY).coupon == {}
    assert "el código {{ coupon }}" not in client.get(reverse("marketing:flows")).content.decode()
    # a bad value is refused beside nothing changed
    client.post(reverse("marketing:flows"), {**base, "coupon_kind": "percent", "coupon_value": "150"})
    assert Flow.objects.get(kind=FlowKind.BIRTHDAY).coupon == {}


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_the_flow_page_in_a_browser(staff, console_login, live_server, axe, viewport):  # noqa: F811
    page = console_login(staff("marketer", username="mkt"))
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/console/marketing/flows/")
    page.click("[data-testid=flow-templates-birthday] > summary")
    assert axe(page) == []
    form = page.locator("#flow-birthday form")
    form.locator("input[name=enabled]").check()
    form.locator("#birthday-tpl_email_es_subject").fill("Feliz cumpleaños, {{ name }}")
    form.locator("#birthday-tpl_email_es_text").fill("Un regalo te espera en {{ business }}")
    form.locator("#attribution-birthday").fill("10")
    form.locator("#coupon-days-birthday").fill("20")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flow-templates-birthday][open]")
    row = Flow.objects.get(kind=FlowKind.BIRTHDAY)
    assert row.enabled and row.attribution_days == 10 and row.coupon == {"kind": "percent", "value": "10", "days": 20}
    assert row.templates["email"]["es"]["subject"] == "Feliz cumpleaños, {{ name }}"
    assert axe(page) == []
