"""The console's campaign form and page: templates per channel and language (the SMS checked to fit
160 characters), what it promotes and the coupon, scheduling a draft, a preview per channel with
the email's HTML, and the results as a chart (analytics' vendored Chart.js) beside the table."""

import datetime as dt
import json
import re

import pytest
from django.db import transaction
from django.urls import reverse

from omnicanal.core import clock
from omnicanal.marketing import services
from omnicanal.marketing.models import Campaign
from omnicanal.marketing.tests.conftest import grant, make_shop
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.orders.tests.helpers import console_login

FORM = {
    "name": "Cascos", "message_es": "Hola {{ name }}", "message_en": "", "channels": ["email", "sms"],
    "control_percent": "0", "tpl_email_es_subject": "Cascos para {{ name }}", "tpl_email_es_text": "Mira {{ link }}",
    "tpl_email_es_html": "<p>Hola <b>{{ name }}</b></p>", "tpl_sms_es_text": "Casco con {{ coupon }}",
    "tpl_whatsapp_es_template": "promo_cascos", "tpl_whatsapp_es_params": "name, coupon",
    "promote_skus": "HELMET-1", "shop_channel": "web", "link": "/p/casco-ruta/", "recommendations": "0",
    "coupon_kind": "percent", "coupon_value": "10", "coupon_days": "7",
}


def segment():
    with transaction.atomic():
        return services.do_create_segment(name="Todos", rules=[]).public_id


def test_compose_with_templates_promotion_and_coupon_then_schedule_and_preview(client, ana):
    grant(ana, "email")
    console_login(client, "marketer", (), "marketer-1")
    form = {**FORM, "segment_id": segment()}
    too_long = client.post(reverse("marketing:campaigns"), {**form, "tpl_sms_es_text": "x" * 150}, follow=True)
    assert not Campaign.objects.exists() and "160" in too_long.content.decode()
    assert 'value="HELMET-1"' in too_long.content.decode()  # what was typed comes back
    created = client.post(reverse("marketing:campaigns"), form)
    assert created.status_code == 302, created.content.decode()[:2000]
    row = Campaign.objects.get()
    assert row.templates["email"]["es"]["html"] == "<p>Hola <b>{{ name }}</b></p>"
    assert row.templates["whatsapp"]["es"] == {"template": "promo_cascos", "params": ["name", "coupon"]}
    assert row.promote_skus == ["HELMET-1"] and row.coupon == {"kind": "percent", "value": "10", "days": 7}
    page = client.get(created["Location"], {"customer": ana}).content.decode()
    assert 'data-testid="template-sms"' in page and "promo_cascos" in page
    assert "HELMET-1" in page and "7 días" in page
    assert 'data-testid="preview-html"' in page and "&lt;b&gt;Ana&lt;/b&gt;" in page
    chart = json.loads(re.search(r'<script id="campaign-chart" type="application/json">(.*?)</script>', page).group(1))
    assert chart["labels"][0] == "Destinatarios" and chart["datasets"][0]["data"] == [0, 0, 0, 0, 0]
    assert "analytics/vendor/chart.umd.min.js" in page
    # scheduling the draft
    at = (clock.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(reverse("marketing:campaign-schedule", args=[row.public_id]), {"scheduled_at": at}).status_code == 302
    row.refresh_from_db()
    assert row.status == "scheduled" and row.scheduled_at is not None
    past = client.post(reverse("marketing:campaign-schedule", args=[row.public_id]), {"scheduled_at": "2020-01-01T10:00"},
                       follow=True)
    assert "futuro" in past.content.decode()


@pytest.mark.browser
def test_the_campaign_page_in_a_browser_draws_the_chart(staff, console_login, live_server, axe):  # noqa: F811
    make_shop()
    ana = make_customer()
    grant(ana, "email")
    page = console_login(staff("marketer", username="mkt"))
    page.goto(f"{live_server.url}/console/marketing/campaigns/")
    assert axe(page) == []
    with transaction.atomic():
        seg = services.do_create_segment(name="Todos", rules=[]).public_id
    page.fill("#name", "Cascos")
    page.fill("#segment_id", seg)
    page.fill("#message_es", "Hola {{ name }}")
    page.click("[data-testid=templates-per-channel] > summary")
    page.fill("#tpl_email_es_subject", "Cascos")
    page.fill("#tpl_email_es_text", "Mira {{ link }}")
    page.fill("#promote_skus", "HELMET-1")
    page.click("form button[type=submit]:text('Guardar')")
    page.wait_for_selector("[data-testid=setup]")
    page.wait_for_function("() => window.Chart && window.Chart.getChart(document.querySelector('canvas[data-chart]'))")
    assert "HELMET-1" in page.locator("[data-testid=setup]").inner_text()
    assert axe(page) == []
