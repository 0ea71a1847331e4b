"""One owner for a channel's price and publication: the catalog decides (catalog.queries.channel_prices),
and orders refuses on a channel exactly what the catalog does not publish there."""

import pytest
from django.db import transaction

from omnicanal.catalog import queries as catalog_queries
from omnicanal.catalog import services as catalog
from omnicanal.orders import pricing
from omnicanal.orders.tests.helpers import console_login, place
from omnicanal.orders.views import POS_SESSION

pytestmark = pytest.mark.django_db


def _set_default(code, publish_by_default):
    with transaction.atomic():
        catalog.do_set_channel_policy(channel=catalog_queries.get_channel(code),
                                      changes={"publish_by_default": publish_by_default})


def _list(code, sku, *, published, price=None):
    with transaction.atomic():
        catalog.do_set_listing(channel=catalog_queries.get_channel(code), variant=catalog_queries.get_variant(sku),
                               published=published, price=price)


def _line_error(response):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["type"].endswith("/validation")
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.mark.parametrize("by_default", [True, False])
def test_a_sku_the_channel_does_not_publish_cannot_be_ordered_there(api, customer_id, by_default):
    # given the web publishes by default (or not), and SOCK-1 is explicitly withdrawn from the web
    _set_default("web", by_default)
    _list("web", "SOCK-1", published=False)
    if not by_default:
        _list("web", "SHOE-40", published=True)
    # when an order on the web asks for it as its second line
    r = place(api, lines=[("SHOE-40", 1), ("SOCK-1", 1)], channel="web", customer_id=customer_id)
    # then 422 names the line, and nothing is sold
    errors = _line_error(r)
    assert "lines.1.sku" in errors and "SOCK-1" in errors["lines.1.sku"]


@pytest.mark.parametrize("by_default", [True, False])
def test_a_sku_without_a_listing_follows_the_channels_default(api, customer_id, by_default):
    # given no listing of SOCK-1 on the web, whose default is on or off
    _set_default("web", by_default)
    _list("web", "SHOE-40", published=True)
    # when the catalog is asked, and an order is placed
    shown = catalog_queries.channel_prices(["SOCK-1"], "web")["SOCK-1"]
    r = place(api, lines=[("SHOE-40", 1), ("SOCK-1", 1)], channel="web", customer_id=customer_id)
    # then orders does what the catalog says: sells it when published, refuses the line when not
    assert shown.published is by_default
    if by_default:
        assert r.status_code == 201, r.content
        assert [line["unit_price"]["amount"] for line in r.json()["lines"]] == ["50000", "5000"]
    else:
        assert "lines.1.sku" in _line_error(r)


@pytest.mark.parametrize("by_default", [True, False])
def test_a_cart_line_takes_only_what_its_channel_publishes(api, customer_id, by_default):
    # given a web cart, and SOCK-1 hidden from the web (by its listing, or by the default)
    _set_default("web", by_default)
    if by_default:
        _list("web", "SOCK-1", published=False)
    cart = api.post("/carts", {"channel": "web", "customer_id": customer_id}).json()
    # when the SKU is put in the cart
    r = api.put(f"/carts/{cart['id']}/lines", {"sku": "SOCK-1", "quantity": 1})
    # then 422 on the line's SKU (the field as orders has always named it for a cart line)
    assert "sku.0.sku" in _line_error(r)


def test_the_catalog_and_orders_agree_on_price_and_policy(world):
    # given a listing price on the marketplace, a variant's own price and a product price
    _list("marketplace", "SOCK-1", published=True, price="5400")
    # when each is asked
    market = catalog_queries.channel_prices(["SOCK-1", "SHOE-40", "NOPE"], "marketplace")
    web = catalog_queries.channel_prices(["SOCK-1"], "web")["SOCK-1"]
    # then the catalog says which rule priced it, and orders charges the same
    assert "NOPE" not in market
    sock = market["SOCK-1"]
    assert (str(sock.price.amount), sock.policy, sock.published, str(sock.base_price.amount)) == \
        ("5400", catalog_queries.PricePolicy.LISTING, True, "5000")
    assert str(sock.listing_price.amount) == "5400"
    _set_default("chat", False)
    assert catalog_queries.channel_prices(["SHOE-40"], "chat")["SHOE-40"].published is False  # no listing there
    assert (str(web.price.amount), web.policy, web.listing_price) == ("5000", catalog_queries.PricePolicy.PRODUCT, None)
    assert pricing.price_skus(["SOCK-1"], "marketplace")["SOCK-1"].unit_price == sock.price


def test_an_unknown_channel_is_refused_by_the_one_channel_check(api, customer_id):
    # when an order names a channel the catalog does not have
    r = place(api, lines=[("SOCK-1", 1)], channel="fax", customer_id=customer_id)
    # then 422 on the channel
    assert "channel" in _line_error(r)


def test_the_till_refuses_to_ring_up_what_the_pos_does_not_sell(client, world):
    # given SOCK-1 withdrawn from the POS
    _list("pos", "SOCK-1", published=False)
    console_login(client, "store_staff", locations=["SCL"])
    # when the clerk scans it
    r = client.post("/console/orders/pos/", {"op": "add", "code": "SOCK-1", "location": "SCL"}, follow=True)
    # then the till says so, and the basket stays empty (no server error)
    assert r.status_code == 200
    assert "SOCK-1" in r.content.decode()
    assert client.session.get(POS_SESSION, {}).get("lines", {}) == {}


def test_an_inactive_channel_takes_no_new_order_but_its_open_orders_still_reserve(api, customer_id):
    # given the chat channel closed by the catalog
    with transaction.atomic():
        catalog.do_set_channel_policy(channel=catalog_queries.get_channel("chat"), changes={"active": False})
    # when an order is placed on it, then the one channel check refuses it
    assert "channel" in _line_error(place(api, lines=[("SOCK-1", 1)], channel="chat", customer_id=customer_id))
    # and inventory, which only needs the channel to exist, still reserves for it (an open order's re-reserve)
    from omnicanal.inventory import services as inventory
    from omnicanal.inventory.services import ReserveLine

    with transaction.atomic():
        held = inventory.do_reserve(reference="OPEN-CHAT-ORDER", channel="chat", lines=[ReserveLine("SOCK-1", 1)],
                                    expires_in=None)
    assert held.id.startswith("rsv_")
    assert catalog_queries.channel_exists("chat") and not catalog_queries.channel_exists("fax")
