"""The customer's signed tracking link (orders/tracking.py): the token, the page's view, the links the
notifications carry, and the customer's curbside "I'm here" (services.do_customer_arrived)."""

import pytest
from django.core import signing
from django.db import transaction

from omnicanal.core.errors import InvalidTransition, NotFound
from omnicanal.core.models import OutboxEvent
from omnicanal.orders import queries, tracking
from omnicanal.orders import services as orders
from omnicanal.orders.models import Order
from omnicanal.orders.tests.helpers import act, place

PUBLIC = "https://shop.example.cl"


@pytest.fixture
def public_url(settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "PUBLIC_URL": PUBLIC}


def _order(public_id: str) -> Order:
    return Order.objects.get(public_id=public_id)


def _ready(api, f_id, *steps):
    for step in steps or ("pick", "pack", "ready"):
        assert act(api, f_id, step).status_code == 200, step


def test_a_token_opens_its_own_order_only(api, customer_id):
    one = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    two = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    token_one, token_two = tracking.tracking_token(_order(one["id"])), tracking.tracking_token(_order(two["id"]))
    assert token_one != token_two
    assert tracking.order_for_tracking(token_one).public_id == one["id"]
    assert tracking.order_for_tracking(token_two).public_id == two["id"]


def test_a_tampered_or_foreign_token_opens_nothing(api, customer_id):
    one = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    two = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    token = tracking.tracking_token(_order(one["id"]))
    value, signature = token.rsplit(":", 1)
    # another order's id under this order's signature
    assert tracking.order_for_tracking(f"{two['id']}:{signature}") is None
    assert tracking.order_for_tracking(f"{value}:{signature[:-1]}x") is None
    assert tracking.order_for_tracking(value) is None
    assert tracking.order_for_tracking("") is None
    # a value signed for another purpose (another salt) is no tracking token
    assert tracking.order_for_tracking(signing.Signer(salt="omnicanal.orders.return-label").sign(one["id"])) is None
    assert queries.tracking_view(f"{value}:{signature[:-1]}x") is None


def test_the_link_is_absolute_from_public_url_and_opens_the_order(api, customer_id, public_url):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    url = queries.tracking_url(order["id"])
    assert url.startswith(f"{PUBLIC}/track/") and url.endswith("/")
    token = url[len(f"{PUBLIC}/track/"):-1]
    assert queries.tracking_view(token).order_id == order["id"]
    with pytest.raises(NotFound):
        queries.tracking_url("ord_nosuchorder")


def test_the_view_shows_a_ready_pickup_with_its_code_place_and_timeline(api, customer_id):
    order = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    (f,) = order["fulfillments"]
    token = tracking.tracking_token(_order(order["id"]))
    view = queries.tracking_view(token)
    assert view.number == order["number"] and view.fulfilments[0].pickup_code == ""  # not ready: no code yet
    _ready(api, f["id"])
    view = queries.tracking_view(token)
    (shown,) = view.fulfilments
    assert shown.status == "ready_for_pickup" and shown.pickup_code == f["pickup_code"]
    assert shown.place.code == "SCL" and shown.place.name == "Tienda SCL" and shown.place.hours_today
    assert [s.status for s in shown.timeline] == ["pending", "picking", "packed", "ready_for_pickup"]
    assert all(s.at.tzinfo is not None and str(s.at.tzinfo) == "America/Santiago" for s in shown.timeline)
    assert [(line.sku, line.quantity) for line in view.lines] == [("SHOE-40", 1)]
    assert shown.may_arrive is False  # a pickup at the desk has no curb


def test_a_shipment_shows_carrier_and_tracking_number_never_a_code(api, customer_id):
    order = place(api, lines=[("SOCK-1", 1)], customer_id=customer_id).json()
    assert api.post(f"/orders/{order['id']}/payments", {"method": "card"}).status_code == 201  # paid: it may ship
    (f,) = order["fulfillments"]
    _ready(api, f["id"], "pick", "pack")
    assert act(api, f["id"], "ship", {"carrier": "Starken", "tracking": "ST123"}).status_code == 200
    (shown,) = queries.tracking_view(tracking.tracking_token(_order(order["id"]))).fulfilments
    assert (shown.carrier, shown.tracking, shown.pickup_code, shown.place) == ("Starken", "ST123", "", None)


def test_notifications_carry_the_orders_signed_link(api, customer_id, public_url):
    order = place(api, lines=[("SOCK-1", 2)], method="curbside", location="SCL", customer_id=customer_id).json()
    (f,) = order["fulfillments"]
    _ready(api, f["id"])
    expected = f"{PUBLIC}/track/{tracking.tracking_token(_order(order['id']))}/"
    payloads = {e.topic: e.payload for e in OutboxEvent.objects.order_by("pk")}
    assert payloads["orders.OrderPlaced"]["tracking_url"] == expected
    assert payloads["orders.FulfillmentReady"]["tracking_url"] == expected


def test_im_here_marks_a_ready_curbside_arrived_in_the_stores_queue(api, customer_id):
    order = place(api, lines=[("SOCK-1", 2)], method="curbside", location="SCL", customer_id=customer_id).json()
    (f,) = order["fulfillments"]
    with pytest.raises(InvalidTransition):  # not ready yet
        with transaction.atomic():
            orders.do_customer_arrived(order_id=order["id"], fulfillment_id=f["id"], parking_spot="B7")
    _ready(api, f["id"])
    view = queries.tracking_view(tracking.tracking_token(_order(order["id"])))
    assert view.fulfilments[0].may_arrive is True
    with transaction.atomic():
        orders.do_customer_arrived(order_id=order["id"], fulfillment_id=f["id"], parking_spot="B7")
    queue = list(queries.queue(location="SCL", handover=True, statuses=("arrived",)))
    assert [(q.public_id, q.parking_spot) for q in queue] == [(f["id"], "B7")]
    assert queries.tracking_view(tracking.tracking_token(_order(order["id"]))).fulfilments[0].arrived is True
    # pressed again: still arrived, the spot corrected, no error
    with transaction.atomic():
        again = orders.do_customer_arrived(order_id=order["id"], fulfillment_id=f["id"], parking_spot="C2")
    assert (again.status, again.parking_spot) == ("arrived", "C2")


def test_im_here_refuses_another_orders_fulfilment_and_other_methods(api, customer_id):
    curbside = place(api, lines=[("SOCK-1", 1)], method="curbside", location="SCL", customer_id=customer_id).json()
    pickup = place(api, lines=[("SOCK-1", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    (fc,), (fp,) = curbside["fulfillments"], pickup["fulfillments"]
    _ready(api, fc["id"])
    _ready(api, fp["id"])
    with pytest.raises(NotFound):  # the pickup order's link cannot move the curbside order
        with transaction.atomic():
            orders.do_customer_arrived(order_id=pickup["id"], fulfillment_id=fc["id"])
    with pytest.raises(InvalidTransition):
        with transaction.atomic():
            orders.do_customer_arrived(order_id=pickup["id"], fulfillment_id=fp["id"])
    assert list(queries.queue(location="SCL", handover=True, statuses=("arrived",))) == []
