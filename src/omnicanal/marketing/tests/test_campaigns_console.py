"""The console's campaigns page: a marketer composes, previews per channel, launches and reads the
results; an agent may not."""

from django.urls import reverse

from omnicanal.core import clock
from omnicanal.marketing import services
from omnicanal.marketing.tests.conftest import START, grant
from omnicanal.orders.tests.helpers import console_login


def test_a_marketer_composes_previews_launches_and_reads_results(client, ana, settings):
    grant(ana, "email")
    with clock.frozen(START.replace(hour=22)):
        from django.db import transaction

        with transaction.atomic():
            segment = services.do_create_segment(name="Todos", rules=[]).public_id
        console_login(client, "marketer", (), "marketer-1")
        created = client.post(reverse("marketing:campaigns"), {
            "name": "Otoño", "segment_id": segment, "message_es": "Hola {{ name }}", "message_en": "",
            "channels": ["email", "sms"], "control_percent": "0"})
        assert created.status_code == 302
        detail = created["Location"]
        page = client.get(detail, {"customer": ana}).content.decode()
        assert 'data-testid="preview-email"' in page and "Hola Ana" in page
        assert "Responde STOP" in page  # the SMS preview
        assert client.post(detail + "launch/").status_code == 302
        page = client.get(detail).content.decode()
    assert 'data-testid="status">Terminada<' in page  # the status in words (marketing/wording.py)
    listing = client.get(reverse("marketing:campaigns")).content.decode()
    assert "Otoño" in listing
    console_login(client, "agent", (), "agent-1")
    assert client.get(reverse("marketing:campaigns")).status_code in (302, 403)
