"""The console's Flows page: a marketer enables a flow, sets its delay, channels and text, and reads
each flow's results; a bad text is shown beside its box; an agent may not."""

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
