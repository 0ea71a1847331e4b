"""The inventory's only writers, by topic. Keyword arguments; they run inside the caller's transaction.

The service API that orders (and ship-to-store, POS, returns) call:

    do_reserve(reference=, channel=, lines=[ReserveLine(sku, quantity, location=None)],
               locations=None, expires_in=DEFAULT_HOLD)      -> ReservationInfo (all or nothing)  reservations
    do_release(reference=, location=None, reason="released")     -> Reservation | None
    do_commit(reference=, location=None)                          -> Reservation   (fulfilment: sold)
    do_receive_stock(location=, lines=[(sku, qty)], kind="receipt"|"return", reference=)           stock
    do_adjust_stock(location=, sku=, delta=, reason=)
    do_count(location=, lines=[(sku, counted)])                   -> StockCount (variance report)
    do_request_transfer(origin=, destination=, lines=[(sku, qty)]) -> TransferInfo                  transfers
    do_ship_transfer / do_receive_transfer / do_cancel_transfer
    do_create_location / do_link_channel                                                          locations

What other domains get back is a frozen dataclass of queries.py (ReservationInfo, TransferInfo), never
a row; the Reservation rows do_release and do_commit return are for inventory's own API and console.

Every change of on_hand writes a StockMovement in the same statement batch, so on_hand always equals
the sum of movements. Locks are taken only through locks.py, in its fixed order. Helpers shared by
the topics live in common.py.
"""

from omnicanal.core.auth import SYSTEM
from omnicanal.inventory.services.common import MAX_LINES, get_location
from omnicanal.inventory.services.locations import (
    do_create_location,
    do_link_channel,
    do_remove_holiday,
    do_set_holiday,
)
from omnicanal.inventory.services.reservations import (
    DEFAULT_HOLD,
    ReserveLine,
    do_commit,
    do_expire_reservations,
    do_release,
    do_reserve,
)
from omnicanal.inventory.services.stock import do_adjust_stock, do_count, do_receive_stock
from omnicanal.inventory.services.transfers import (
    do_cancel_transfer,
    do_receive_transfer,
    do_request_transfer,
    do_ship_transfer,
)

__all__ = [
    "DEFAULT_HOLD", "MAX_LINES", "SYSTEM", "ReserveLine", "do_adjust_stock", "do_cancel_transfer", "do_commit",
    "do_count", "do_create_location", "do_expire_reservations", "do_link_channel", "do_remove_holiday", "do_set_holiday", "do_receive_stock",
    "do_receive_transfer", "do_release", "do_request_transfer", "do_reserve", "do_ship_transfer", "get_location",
]
