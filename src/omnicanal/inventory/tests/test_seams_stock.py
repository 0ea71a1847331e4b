"""The seam inventory offers sourcing: stock candidates and locations as typed values, read by name."""

import dataclasses

import pytest

from omnicanal.inventory import queries
from omnicanal.inventory.queries import LocationInfo, StockCandidate

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
