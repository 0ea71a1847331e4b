"""The console's segment builder: rule rows, the live count (HTMX), saving (audited), the downloads;
marketer and manager only. And in a browser: a marketer builds, counts live and saves (axe clean)."""

import pytest
from django.urls import reverse

from omnicanal.core import clock
from omnicanal.core.models import AuditEntry
from omnicanal.marketing.models import Segment
from omnicanal.marketing.tests.conftest import START, buy, grant, make_shop
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.orders.tests.helpers import console_login


def test_a_marketer_counts_live_saves_and_downloads(client, ana, bea):
    buy(ana, "GEL-1", at=START)
    buy(bea, "BIKE-M", at=START)
    grant(ana, "email")
    console_login(client, "marketer", (), "marketer-1")
    page = client.get(reverse("marketing:segments")).content.decode()
    assert page.count('data-testid="rule-row"') == 3 and "Categorías compradas" in page
    rows = {"field_0": "categories_bought", "op_0": "any_of", "value_0": "geles, bicicletas",
            "field_1": "rfm_recency", "op_1": "gte", "value_1": "1", "field_2": ""}
    with clock.frozen(START):
        counted = client.post(reverse("marketing:segment-count"), rows, HTTP_HX_REQUEST="true")
    assert 'data-testid="segment-size">2<' in counted.content.decode()
    bad = client.post(reverse("marketing:segment-count"), {**rows, "op_1": "any_of"}).content.decode()
    assert "Regla 2 (condición)" in bad
    more = client.post(reverse("marketing:segments"), {**rows, "rows": "3", "add": "1"}).content.decode()
    assert more.count('data-testid="rule-row"') == 4 and 'value="geles, bicicletas"' in more
    saved = client.post(reverse("marketing:segments"), {**rows, "name": "Compradores", "save": "1"})
    assert saved.status_code == 302
    segment = Segment.objects.get(name="Compradores")
    assert segment.size == 2 and segment.rules[0]["value"] == ["geles", "bicicletas"]
    entry = AuditEntry.objects.get(action="segment.save")
    assert entry.target_id == segment.public_id
    assert entry.after == {"name": "Compradores", "rules": 2, "size": 2, "via": "console"}
    listing = client.get(reverse("marketing:segments")).content.decode()
    assert segment.public_id in listing and "Google Ads" in listing
    export = client.get(reverse("marketing:segment-export", args=[segment.public_id]))
    assert export.status_code == 200 and b"ana@example.cl" in export.content
    audience = client.get(reverse("marketing:segment-audience", args=[segment.public_id, "meta"]))
    assert audience.status_code == 200 and audience.content.decode().splitlines()[0] == "EMAIL,PHONE"
    assert len(audience.content.decode().splitlines()) == 2  # only Ana consented
    assert AuditEntry.objects.filter(target_id=segment.public_id).count() == 3
    console_login(client, "agent", (), "agent-1")
    assert client.get(reverse("marketing:segments")).status_code in (302, 403)
    assert client.get(reverse("marketing:segment-export", args=[segment.public_id])).status_code in (302, 403)


@pytest.mark.browser
def test_the_builder_in_a_browser_counts_live_and_saves(staff, console_login, live_server, axe):  # noqa: F811
    make_shop()
    ana = make_customer()
    buy(ana, "GEL-1", at=START)
    page = console_login(staff("marketer", username="mkt"))
    page.goto(f"{live_server.url}/console/marketing/segments/")
    assert axe(page) == []
    page.select_option("[data-testid=field-0]", "categories_bought")
    page.select_option("[data-testid=op-0]", "any_of")
    page.fill("[data-testid=value-0]", "geles")
    page.locator("[data-testid=value-0]").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('[data-testid=segment-size]')?.textContent === '1'")
    page.fill("[data-testid=value-0]", "bicicletas")
    page.locator("[data-testid=value-0]").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('[data-testid=segment-size]')?.textContent === '0'")
    page.fill("[data-testid=value-0]", "geles")
    page.fill("[data-testid=segment-name]", "Geleros")
    page.click("[data-testid=save-segment]")
    page.wait_for_selector("[data-testid=segments]")
    assert "Geleros" in page.locator("[data-testid=segments]").inner_text()
    assert axe(page) == []
