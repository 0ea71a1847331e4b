"""The tracking page (/track/<token>/): the order's facts for a genuine link, 404 for any other, and
the curbside "I'm here" form (orders' do_customer_arrived: the store's curbside queue)."""

import pytest
from django.core import signing

from omnicanal.orders import queries as orders_queries
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.orders.tests.helpers import act, pay_by_webhook, place


@pytest.fixture
def customer_id(db):
    make_world()
    return make_customer()


def _token(order_id: str) -> str:
    return orders_queries.tracking_url(order_id).rsplit("/track/", 1)[1].rstrip("/")


def _ready(api, f_id):
    for step in ("pick", "pack", "ready"):
        assert act(api, f_id, step).status_code == 200, step


def test_a_ready_pickup_shows_the_code_as_text_and_qr_place_and_timeline(client, api, customer_id):
    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    (f,) = order["fulfillments"]
    _ready(api, f["id"])
    r = client.get(f"/track/{_token(order['id'])}/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert order["number"] in html and "Tienda SCL" in html and "Zapatilla Trail" in html
    assert f'data-pickup-code>{f["pickup_code"]}<' in html
    assert "<svg" in html  # the QR code, inline
    assert "Ready for pickup" in html and "Open today" in html
    ready_at = orders_queries.tracking_view(_token(order["id"])).fulfilments[0].timeline[-1].at
    assert str(ready_at.tzinfo) == "America/Santiago" and f'datetime="{ready_at.isoformat()}"' in html
    assert 'rel="manifest"' in html and "Content-Security-Policy" in r.headers
    assert "I'm here" not in html and 'name="parking_spot"' not in html  # a desk pickup has no curb


def test_a_code_never_shows_before_it_is_ready(client, api, customer_id):
    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    (f,) = order["fulfillments"]
    html = client.get(f"/track/{_token(order['id'])}/").content.decode()
    assert f["pickup_code"] not in html and "data-pickup-code" not in html
    assert 'data-track-refresh="60"' in html and 'storefront/tracking.js' in html  # not done yet: the page follows the order
    assert 'http-equiv="refresh"' not in html  # axe: a meta refresh takes control away from the reader


def test_a_shipment_shows_carrier_and_tracking_number(client, api, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    pay_by_webhook(client, order["payments"][0]["id"])  # goods never leave unpaid (orders: payment-due)
    (f,) = order["fulfillments"]
    for step, body in (("pick", None), ("pack", None), ("ship", {"carrier": "Starken", "tracking": "ST-998877"})):
        assert act(api, f["id"], step, body).status_code == 200
    html = client.get(f"/track/{_token(order['id'])}/").content.decode()
    assert "Starken" in html and "ST-998877" in html


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # a signature changed
    lambda t: t.split(":")[0],  # no signature
    lambda t: "ord_doesnotexist:" + t.rsplit(":", 1)[1],  # another id under this signature
    lambda t: signing.Signer(salt="omnicanal.orders.return-label").sign(t.split(":")[0]),  # another purpose's
])
def test_a_bad_or_tampered_token_is_a_plain_404(client, api, customer_id, mangle):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    r = client.get(f"/track/{mangle(_token(order['id']))}/")
    assert r.status_code == 404
    html = r.content.decode()
    # nothing of the order (the page may only echo the path the reader asked for, in the language switch)
    assert order["number"] not in html and "SOCK-1" not in html and "Calcet" not in html
    post = client.post(f"/track/{mangle(_token(order['id']))}/arrived/", {"fulfillment": order["fulfillments"][0]["id"]})
    assert post.status_code == 404


def test_im_here_puts_a_ready_curbside_in_the_stores_queue_with_the_spot(client, api, customer_id):
    order = place(api, lines=[("SOCK-1", 2)], method="curbside", location="SCL", customer_id=customer_id).json()
    (f,) = order["fulfillments"]
    token = _token(order["id"])
    _ready(api, f["id"])
    page = client.get(f"/track/{token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "I'm here" in page and 'name="parking_spot"' in page and 'data-track-refresh' not in page
    r = client.post(f"/track/{token}/arrived/", {"fulfillment": f["id"], "parking_spot": "B7"},
                    HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert r.status_code == 200 and "The store knows you are here" in r.content.decode()
    queue = list(orders_queries.queue(location="SCL", handover=True, statuses=("arrived",)))
    assert [(q.public_id, q.parking_spot) for q in queue] == [(f["id"], "B7")]
    assert "Parking spot: B7" in r.content.decode()


def test_im_here_before_ready_or_for_a_desk_pickup_says_why_and_changes_nothing(client, api, customer_id):
    curbside = place(api, lines=[("SOCK-1", 1)], method="curbside", location="SCL", customer_id=customer_id).json()
    (fc,) = curbside["fulfillments"]
    r = client.post(f"/track/{_token(curbside['id'])}/arrived/", {"fulfillment": fc["id"]},
                    HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "not ready for pickup yet" in r.content.decode()
    pickup = place(api, lines=[("SOCK-1", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    (fp,) = pickup["fulfillments"]
    _ready(api, fp["id"])
    r = client.post(f"/track/{_token(pickup['id'])}/arrived/", {"fulfillment": fp["id"]},
                    HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Only a curbside pickup" in r.content.decode()
    # one order's link never moves another order's fulfilment
    _ready(api, fc["id"])
    r = client.post(f"/track/{_token(pickup['id'])}/arrived/", {"fulfillment": fc["id"]},
                    HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "not part of this order" in r.content.decode()
    assert list(orders_queries.queue(location="SCL", handover=True, statuses=("arrived",))) == []


def test_im_here_is_throttled(client, api, customer_id, settings):
    settings.THROTTLES = {**settings.THROTTLES, "track_arrived": {"max": 2, "per": 600, "lockout": 600}}
    order = place(api, lines=[("SOCK-1", 1)], method="curbside", location="SCL", customer_id=customer_id).json()
    url = f"/track/{_token(order['id'])}/arrived/"
    codes = [client.post(url, {"fulfillment": "ful_x"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_the_tracking_page_is_in_spanish_too(client, api, customer_id):
    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    _ready(api, order["fulfillments"][0]["id"])
    html = client.get(f"/track/{_token(order['id'])}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Muestra este código" in html and "Listo para retiro" in html


def test_the_place_tells_todays_holiday_and_special_hours_ahead(client, api, customer_id):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from omnicanal.core import clock
    from omnicanal.inventory import queries as inventory_queries
    from omnicanal.inventory import services as inventory

    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    _ready(api, order["fulfillments"][0]["id"])
    today = clock.now().astimezone(ZoneInfo("America/Santiago")).date()
    store = inventory_queries.get_location("SCL")
    inventory.do_set_holiday(location=store, date=today, name="Feriado de prueba")
    inventory.do_set_holiday(location=store, date=today + dt.timedelta(days=2), name="Inventario anual",
                             closed=False, opens=dt.time(10), closes=dt.time(14))
    html = client.get(f"/track/{_token(order['id'])}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Closed today" in html and "(Feriado de prueba)" in html and "open now" not in html
    assert "data-holidays" in html and "open 10:00–14:00 only (Inventario anual)" in html
