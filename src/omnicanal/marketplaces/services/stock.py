"""Available quantity to the marketplace, from availability (never on-hand).

A stock event (a sale on the POS, a receipt, a reservation, its release) marks the listings of its
SKUs dirty; once a listing has been dirty for the debounce window (MERCADOLIBRE.DEBOUNCE_SECONDS)
the push computes what the `marketplace` channel may promise now (inventory's availability: on hand
less reservations and the channel's safety stock, only at the locations that serve it), for every
dirty SKU in one query, and queues PUT /items/{id} {"available_quantity": n} where the figure changed.
A burst of changes inside the window is one call per item with the last figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from omnicanal.core import clock
from omnicanal.inventory import queries as inventory
from omnicanal.marketplaces import client
from omnicanal.marketplaces.models import ListingState, MarketplaceListing
from omnicanal.marketplaces.services import calls
from omnicanal.marketplaces.services.orders import CHANNEL

BATCH = 200  # SKUs per availability query (inventory's bulk limit is larger)


def debounce() -> dt.timedelta:
    return dt.timedelta(seconds=float(client.config()["DEBOUNCE_SECONDS"]))


def do_mark_dirty(skus: Iterable[str]) -> int:
    """The stock of these SKUs changed; answers how many listings now wait for a push."""
    wanted = sorted(set(skus))
    if not wanted:
        return 0
    now = clock.now()
    listed = MarketplaceListing.objects.filter(sku__in=wanted).exclude(item_id="")
    listed.filter(stock_dirty_since__isnull=True).update(stock_dirty_since=now)
    # Always stamped: a change committed while a push reads availability keeps its listing dirty.
    listed.update(stock_changed_at=now)
    return MarketplaceListing.objects.filter(sku__in=wanted, stock_dirty_since__isnull=False).count()


def do_push_stock(*, now: dt.datetime | None = None, force: bool = False) -> list[int]:
    """Queue the quantity of every listing dirty for longer than the window; answers the accounts
    with calls queued."""
    now = now or clock.now()
    due = MarketplaceListing.objects.filter(stock_dirty_since__isnull=False).exclude(item_id="")
    if not force:
        due = due.filter(stock_dirty_since__lte=now - debounce())
    listings = list(due.order_by("pk"))
    read_at = clock.now()
    accounts: set[int] = set()
    for start in range(0, len(listings), BATCH):
        chunk = listings[start:start + BATCH]
        available = inventory.availability_many(skus=[row.sku for row in chunk], channel=CHANNEL)
        for row in chunk:
            figure = available[row.sku].available if row.sku in available else 0
            if row.state == ListingState.ACTIVE and figure != row.pushed_quantity:
                calls.do_enqueue(account_pk=row.account_id, key=f"quantity:{row.item_id}", method="PUT",
                                 path=f"/items/{row.item_id}", body={"available_quantity": figure})
                accounts.add(row.account_id)
                row.pushed_quantity = figure
            MarketplaceListing.objects.filter(pk=row.pk).update(pushed_quantity=row.pushed_quantity, updated_at=now)
            MarketplaceListing.objects.filter(pk=row.pk, stock_changed_at__lte=read_at).update(stock_dirty_since=None)
    return sorted(accounts)


def dirty_window_left(now: dt.datetime | None = None) -> float | None:
    """Seconds until the oldest dirty listing is due (None: nothing waits): when to run the push."""
    oldest = MarketplaceListing.objects.filter(stock_dirty_since__isnull=False).order_by("stock_dirty_since").first()
    if oldest is None or oldest.stock_dirty_since is None:
        return None
    left = (oldest.stock_dirty_since + debounce() - (now or clock.now())).total_seconds()
    return max(0.0, left)
