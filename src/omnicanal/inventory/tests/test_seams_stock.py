"""The seam inventory offers sourcing: stock candidates and locations as typed values, read by name."""

import dataclasses

import pytest
from django.db import models, transaction

from omnicanal.core.errors import NotFound
from omnicanal.inventory import queries, services
from omnicanal.inventory.models import Location
from omnicanal.inventory.queries import (
    ChannelTerms,
    LocationInfo,
    ReservationInfo,
    StockCandidate,
    TransferInfo,
)
from omnicanal.inventory.services import ReserveLine

from .conftest import receive, reserve


def _candidates_are_typed(chain):
    # given 5 shoes at the warehouse, 3 at the Santiago store (web keeps 1 there for walk-ins, priority 50)
    receive(chain["WH"], **{"SHOE-40": 5})
    receive(chain["SCL"], **{"SHOE-40": 3})
    reserve("ord_1", ("SHOE-40", 1, "SCL"))
    # when sourcing asks for the web's candidates
    rows = {row.location: row for row in queries.reserve_candidates(skus=["SHOE-40"], channel="web")}
    # then each row is a StockCandidate whose fields say what they are
    assert all(type(row) is StockCandidate for row in rows.values())
    scl = rows["SCL"]
    assert (scl.sku, scl.on_hand, scl.reserved, scl.safety_stock, scl.priority, scl.ships) == ("SHOE-40", 3, 1, 1, 50, True)
    assert scl.free == 1 and isinstance(scl.pk, int) and scl.ships is True
    assert rows["WH"].free == 5 and rows["WH"].ships is True


@pytest.mark.django_db
def test_reserve_candidates_are_typed_rows_read_by_name(chain):
    _candidates_are_typed(chain)


@pytest.mark.postgres
@pytest.mark.django_db
def test_reserve_candidates_are_typed_rows_on_postgresql_too(chain):
    # the PostgreSQL read is another path (a prepared statement through libpq): same type, same values
    _candidates_are_typed(chain)


def test_locations_are_frozen_location_infos(chain):
    # given the chain (the locker LOCK has no coordinates)
    # when another domain asks for the active locations
    info = queries.location_infos()
    # then it gets frozen LocationInfo values by code, with the capabilities by name and a point
    scl = info["SCL"]
    assert isinstance(scl, LocationInfo)
    assert (scl.kind, scl.ships, scl.pickup, scl.curbside, scl.returns) == ("store", True, True, False, True)
    assert scl.point == (-33.4429, -70.6539) and info["LOCK"].point is None and scl.timezone
    with pytest.raises(dataclasses.FrozenInstanceError):
        scl.name = "x"  # type: ignore[misc]
    assert queries.location_info("SCL") == scl and queries.location_info("NOPE") is None


def test_location_infos_carry_the_address_capabilities_and_state(chain):
    # given a returns desk with an address, then closed
    services.do_create_location(code="RET", name="Mesón de devoluciones", kind="store", capabilities=["returns", "pickup"],
                                address={"line1": "Av. Brasil 1200", "line2": "Local 4", "city": "Valparaíso",
                                         "region": "Valparaíso", "postal_code": "2340000", "country": "CL"})
    Location.objects.filter(code="RET").update(active=False)
    # then the full list has it with what a label prints and the capabilities as the API names them
    ret = queries.location_infos(active_only=False)["RET"]
    assert (ret.line1, ret.line2, ret.city, ret.region, ret.postal_code, ret.country) == (
        "Av. Brasil 1200", "Local 4", "Valparaíso", "Valparaíso", "2340000", "CL")
    assert ret.capabilities == ["pickup", "returns"] and ret.active is False
    # and the active list leaves it out
    assert "RET" not in queries.location_infos()
    assert queries.location_info("SCL").capabilities == ["ship", "pickup", "returns"]


def test_channel_terms_say_how_each_location_serves_a_channel(chain):
    # given the stores serve the web (one unit kept back, priority 50) and the POS (pickup only); the
    # warehouse, made without links, serves every channel as its capabilities say
    web = queries.channel_terms("web")
    pos = queries.channel_terms("pos")
    # then each answer is a frozen ChannelTerms by location code
    assert isinstance(web["SCL"], ChannelTerms)
    assert (web["SCL"].ships, web["SCL"].pickup, web["SCL"].safety_stock, web["SCL"].priority) == (True, True, 1, 50)
    assert (pos["VAP"].ships, pos["VAP"].pickup) == (False, True)
    assert (pos["WH"].ships, pos["WH"].pickup, pos["WH"].priority) == (True, False, 100)  # linked by default
    # and a closed location's links are left out unless asked
    Location.objects.filter(code="SCL").update(active=False)
    assert "SCL" not in queries.channel_terms("web") and "SCL" in queries.channel_terms("web", active_only=False)


def test_has_active_reservation_follows_the_hold(chain):
    # given a cart holding a shoe
    receive(chain["WH"], **{"SHOE-40": 2})
    reserve("cart_1", ("SHOE-40", 1))
    assert queries.has_active_reservation("cart_1") and not queries.has_active_reservation("cart_2")
    # when it is released, nothing is held any more
    services.do_release(reference="cart_1")
    assert not queries.has_active_reservation("cart_1")


def test_services_take_locations_by_code(chain):
    # given other domains hold location codes, never inventory's rows
    receive("WH", **{"SHOE-41": 4})
    transfer = services.do_request_transfer(origin="WH", destination="SCL", lines=[("SHOE-41", 1)])
    # then receipts and transfers accept the codes
    assert queries.stock_level(location="WH", sku="SHOE-41")["on_hand"] == 4
    assert (transfer.origin, transfer.destination) == ("WH", "SCL")


def test_stock_level_refuses_an_unknown_sku(chain):
    with pytest.raises(NotFound):
        queries.stock_level(location="WH", sku="NOPE")


def test_reserving_and_asking_for_a_transfer_hand_out_frozen_infos_never_rows(chain):
    # given shoes at the warehouse
    receive(chain["WH"], **{"SHOE-40": 5})
    # when orders (another domain) holds two for an order and asks for one to move to a store
    with transaction.atomic():
        held = services.do_reserve(reference="ord_9", channel="web", lines=[ReserveLine("SHOE-40", 2)], expires_in=None)
        moved = services.do_request_transfer(origin="WH", destination="SCL", lines=[("SHOE-40", 1)], reference="ord_9")
    # then it gets frozen ReservationInfo and TransferInfo values holding no model row, read by name
    assert type(held) is ReservationInfo and type(moved) is TransferInfo
    for value in (held, moved):
        assert not any(isinstance(getattr(value, f.name), models.Model) for f in dataclasses.fields(value))
    assert (held.reference, held.channel, held.status, held.expires_at) == ("ord_9", "web", "active", None)
    assert queries.get_reservation(held.id).reference == "ord_9" and queries.has_active_reservation("ord_9")
    assert (moved.origin, moved.destination, moved.status, moved.reference) == ("WH", "SCL", "requested", "ord_9")
    assert queries.get_transfer(moved.id).status == "requested"
    with pytest.raises(dataclasses.FrozenInstanceError):
        held.status = "released"  # type: ignore[misc]
