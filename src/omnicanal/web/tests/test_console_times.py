"""The time-zone walker (issue 22 item 4): storage in UTC, every console page in local time.

Data is made with the clock frozen at a known UTC instant; every page that shows a time is rendered
and read: the moment shows as the business's (or the location's) clock reads it and never as UTC.
Expected values come from zoneinfo, never from hard-coded offsets. Two instants: a southern summer
afternoon (18:11 UTC) and a winter evening whose local date is the day before the UTC date (the
shape of the "date moves by a day after a panel action" bug).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from omnicanal.core import clock
from omnicanal.core.services import do_create_staff_user
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.orders.tests.helpers import act, pay_by_webhook, place

pytestmark = pytest.mark.django_db

SUMMER = dt.datetime(2026, 12, 6, 18, 11, tzinfo=dt.UTC)
WINTER = dt.datetime(2026, 7, 15, 1, 11, tzinfo=dt.UTC)  # 14 July, evening, in Santiago
ISLAND = "Pacific/Easter"  # a store whose clock is not the business's: its times are named
FULL = "%d-%m-%Y %H:%M"


def business() -> ZoneInfo:
    return ZoneInfo(settings.OMNICANAL["TIME_ZONE"])


def shows(html: str, at: dt.datetime, zone: ZoneInfo, fmt: str = FULL) -> None:
    """`at` reads as `zone`'s clock on the page, and never as UTC's (but for the machine-readable
    `datetime` attribute of <time>, which is UTC by design)."""
    html = re.sub(r'datetime="[^"]*"', "", html)
    local, utc = at.astimezone(zone).strftime(fmt), at.astimezone(dt.UTC).strftime(fmt)
    assert local != utc  # the instants are chosen so that the two readings differ
    assert local in html, f"{local} ({zone.key}) not on the page"
    assert utc not in html, f"{utc} (UTC) on the page"


def offset_name(at: dt.datetime, zone: ZoneInfo) -> str:
    hours = int(at.astimezone(zone).utcoffset().total_seconds() // 3600)
    return f"UTC{'+' if hours >= 0 else '−'}{abs(hours)}"


def login(client, role="admin", locations=(), name="", time_zone=""):
    with transaction.atomic():
        user = do_create_staff_user(username=name or f"{role}-tz", password="secret-pass", role=role,
                                    locations=list(locations))
        if time_zone:
            user.time_zone = time_zone
            user.save(update_fields=["time_zone"])
    client.force_login(user)
    return user


def make_shop(api, client, at: dt.datetime) -> dict:
    """At `at`: the chain, a customer, a paid pickup order made ready at SCL, a paid shipped order
    disputed ten days later, a transfer SCL → the island store, and a WhatsApp message."""
    from omnicanal.conversations.contract import IdentityRef, InboundMessage
    from omnicanal.conversations.services import do_receive_message
    from omnicanal.inventory import services as inventory

    with clock.frozen(at):
        make_world()
        with transaction.atomic():
            inventory.do_create_location(code="IPC", name="Tienda Rapa Nui", kind="store", timezone=ISLAND,
                                         capabilities=["pickup", "returns"], opening_hours={"mon-sun": "00:00-23:59"})
        customer_id = make_customer()
        pickup = place(api, lines=[("SOCK-1", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
        pay_by_webhook(client, pickup["payments"][0]["id"])
        for step in ("pick", "pack", "ready"):
            assert act(api, pickup["fulfillments"][0]["id"], step).status_code == 200
        incoming = place(api, lines=[("SOCK-1", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
        shipped = place(api, lines=[("SHOE-40", 1)], customer_id=customer_id).json()
        pay_by_webhook(client, shipped["payments"][0]["id"])
        with transaction.atomic():
            moved = inventory.do_request_transfer(origin="SCL", destination="IPC", lines=[("SHOE-40", 1)])
            inventory.do_ship_transfer(transfer_id=moved.id)
            inventory.do_receive_transfer(transfer_id=moved.id)
        with transaction.atomic():
            received = do_receive_message(inbound=InboundMessage(
                channel="whatsapp", identities=(IdentityRef("phone", "+56987654321"),), text="¿Dónde está mi pedido?",
                external_id="wa-tz-1", address="+56987654321"))
    with clock.frozen(at + dt.timedelta(days=10)):
        dispute = api.post(f"/orders/{shipped['id']}/disputes", {"kind": "not_received", "note": "no llegó"})
        assert dispute.status_code == 201, dispute.json()
    return {"customer_id": customer_id, "pickup": pickup, "incoming": incoming, "shipped": shipped, "dispute": dispute.json(),
            "conversation": received.conversation.public_id}


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("at", [SUMMER, WINTER], ids=["summer", "winter"])
def test_every_console_page_reads_the_local_clock(api, client, at, language):
    shop = make_shop(api, client, at)
    login(client)
    client.cookies["omnicanal_language"] = language  # the console's own choice (core/console_language.py)
    zone, later = business(), at + dt.timedelta(days=10)
    pickup, dispute = shop["pickup"], shop["dispute"]

    # the order book: the list, the order's timeline, the disputes queue and a dispute
    shows(client.get(reverse("orders:list")).content.decode(), at, zone)
    shows(client.get(reverse("orders:detail", args=[pickup["id"]])).content.decode(), at, zone)
    shows(client.get(reverse("orders:disputes")).content.decode(), later, zone)
    shows(client.get(reverse("orders:dispute", args=[dispute["id"]])).content.decode(), later, zone)
    # the customer 360 (its timeline and panels) and the inbox thread
    page = client.get(reverse("customers:detail", args=[shop["customer_id"]])).content.decode()
    shows(page, at, zone, "%H:%M")
    if at.astimezone(zone).date() != at.date():
        shows(page, at, zone, "%d-%m-%Y")  # the orders panel's dates: the local day, not UTC's
    thread = client.get(reverse("conversations:thread", args=[shop["conversation"]]), HTTP_HX_REQUEST="true")
    # the thread prints the language's own time format (English: "3:11 p.m."): the local hour either way
    shows(thread.content.decode(), at, zone, "%H:%M" if language == "es" else "%-I:%M")
    # store pages, in the store's own zone: pickup desk (promised time), returns desk, transfers
    from omnicanal.orders.models import Fulfillment

    promised = Fulfillment.objects.get(public_id=shop["incoming"]["fulfillments"][0]["id"]).promised_at
    desk = client.get(reverse("orders:pickups") + "?location=SCL").content.decode()
    shows(desk, promised, zone, "%d-%m %H:%M")  # on its way: when it was promised
    shows(desk, at, zone, "%H:%M")  # ready: since when it waits
    returns = client.get(reverse("orders:returns_desk") + f"?location=SCL&order={pickup['number']}").content.decode()
    shows(returns, at, zone)
    transfers = client.get(reverse("inventory:transfers")).content.decode()
    shows(transfers, at, zone)  # created and shipped at SCL
    island = ZoneInfo(ISLAND)
    received = at.astimezone(island).strftime(FULL)
    assert f"{received} {offset_name(at, island)}</time>" in transfers  # the island's clock, named
    # the API keeps speaking UTC
    assert api.get(f"/orders/{pickup['id']}").json()["placed_at"].endswith("+00:00")


@pytest.mark.parametrize("at", [SUMMER, WINTER], ids=["summer", "winter"])
def test_the_till_s_receipt_reads_the_store_s_clock_and_names_it_away_from_home(client, at):
    with clock.frozen(at):
        make_world()
        from omnicanal.inventory import services as inventory

        with transaction.atomic():
            island = inventory.do_create_location(code="IPC", name="Tienda Rapa Nui", kind="store", timezone=ISLAND,
                                                  capabilities=["pickup"], opening_hours={"mon-sun": "00:00-23:59"})
            inventory.do_receive_stock(location=island, lines=[("SOCK-1", 5)])
        login(client, "store_staff", ["SCL", "IPC"])
        receipts = {}
        for code in ("SCL", "IPC"):
            client.post(reverse("orders:pos"), {"op": "add", "code": "SOCK-1", "location": code})
            page = client.post(reverse("orders:pos"), {"op": "sell", "location": code, "payment": "cash",
                                                       "cash_received": "5000"}).content.decode()
            receipts[code] = re.search(r'data-testid="receipt-time">(.*?)</p>', page, re.S).group(1)
    shows(receipts["SCL"], at, business())
    assert "UTC" not in re.sub(r'datetime="[^"]*"', "", receipts["SCL"])  # at home: no zone to name
    shows(receipts["IPC"], at, ZoneInfo(ISLAND))
    assert f" {offset_name(at, ZoneInfo(ISLAND))}</time>" in receipts["IPC"]


def test_the_date_stays_put_after_a_panel_action(api, client):
    # given an order placed on a winter evening in Santiago: 14 July there, already 15 July in UTC
    shop = make_shop(api, client, WINTER)
    login(client)
    local_day = WINTER.astimezone(business()).strftime("%d-%m-%Y")
    utc_day = WINTER.strftime("%d-%m-%Y")
    page = client.get(reverse("customers:detail", args=[shop["customer_id"]])).content.decode()
    assert local_day in page and utc_day not in page
    # when the orders panel is searched and an action posts back to it (HTMX fragments of another view)
    searched = client.get(reverse("orders:panel", args=[shop["customer_id"]]) + "?q=SOCK-1", HTTP_HX_REQUEST="true")
    acted = client.post(reverse("orders:panel_return", args=[shop["pickup"]["id"]]),
                        {"qty_SOCK-1": "0", "location": "SCL"}, HTTP_HX_REQUEST="true")
    # then the fragments still read the local date
    for fragment in (searched, acted):
        html = fragment.content.decode()
        assert local_day in html and utc_day not in html
    # and so does the inbox thread after an action on it
    after = client.post(reverse("conversations:status", args=[shop["conversation"]]), {"status": "snoozed"},
                        HTTP_HX_REQUEST="true").content.decode()
    shows(after, WINTER, business(), "%H:%M")


def test_a_staff_member_s_own_zone_wins_over_the_business_s_but_not_over_a_store_s(api, client):
    shop = make_shop(api, client, SUMMER)
    login(client, time_zone="Europe/Madrid")
    # the order book in the reader's own zone
    shows(client.get(reverse("orders:list")).content.decode(), SUMMER, ZoneInfo("Europe/Madrid"))
    # a store page in the store's: and since that is not the reader's own clock, the zone is named
    returns = client.get(reverse("orders:returns_desk") + f"?location=SCL&order={shop['pickup']['number']}")
    html = returns.content.decode()
    shows(html, SUMMER, business())
    assert f"{SUMMER.astimezone(business()).strftime(FULL)} {offset_name(SUMMER, business())}</time>" in html


def test_an_unknown_zone_is_refused_on_the_staff_member():
    from django.core.exceptions import ValidationError

    from omnicanal.core.models import User

    with pytest.raises(ValidationError):
        User(username="x", time_zone="Mars/Olympus").full_clean(exclude=["password"])
