"""Available quantity to the marketplace, from availability (never on-hand).

A stock event (a sale on the POS, a receipt, a reservation, its release) marks the listings of its
SKUs dirty; once a listing has been dirty for the debounce window (MERCADOLIBRE.DEBOUNCE_SECONDS)
the push computes what the `marketplace` channel may promise now (inventory's availability: on hand
less reservations and the channel's safety stock, only at the locations that serve it), for every
dirty SKU in one query, and queues PUT /items/{id} {"available_quantity": n} where the figure changed.
A burst of changes inside the window is one call per item with the last figure.

A multi-warehouse seller (MarketplaceAccount.multi_warehouse) gets the figure per warehouse instead:
each of our locations mapped to one of its Mercado Libre warehouses (WarehouseMapping) sends what
the channel may promise at that location, in one PUT /user-products/{id}/stock/type/seller_warehouse
{"locations": [{"store_id", "quantity"}…]} per user product, when any warehouse's figure changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.inventory import queries as inventory
from omnicanal.marketplaces import client
from omnicanal.marketplaces.models import (
    ListingState,
    MarketplaceAccount,
    MarketplaceListing,
    WarehouseMapping,
)
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
    warehouses = _warehouses({row.account_id for row in listings})
    for start in range(0, len(listings), BATCH):
        chunk = listings[start:start + BATCH]
        available = inventory.availability_many(skus=[row.sku for row in chunk], channel=CHANNEL)
        for row in chunk:
            figure = available[row.sku].available if row.sku in available else 0
            if row.account_id in warehouses:
                if _push_per_warehouse(row, available.get(row.sku), warehouses[row.account_id]):
                    accounts.add(row.account_id)
            elif row.state == ListingState.ACTIVE and figure != row.pushed_quantity:
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


def _warehouses(account_pks: set[int]) -> dict[int, dict[str, str]]:
    """{account: {location code: store id}} of the multi-warehouse accounts among these (one query each)."""
    multi = set(MarketplaceAccount.objects.filter(pk__in=account_pks, multi_warehouse=True).values_list("pk", flat=True))
    out: dict[int, dict[str, str]] = {pk: {} for pk in multi}
    for account_pk, location, store_id in WarehouseMapping.objects.filter(account_id__in=multi).values_list(
            "account_id", "location", "store_id"):
        out[account_pk][location] = store_id
    return out


def _push_per_warehouse(row: MarketplaceListing, available, mapping: dict[str, str]) -> bool:
    """Queue the per-warehouse quantities of one listing when any changed; True when queued. A
    mapped location with nothing to promise sends 0 (its warehouse must not sell what we lack)."""
    per_location = {place.code: place.available for place in available.locations} if available else {}
    figures = {store_id: per_location.get(location, 0) for location, store_id in sorted(mapping.items())}
    if row.state != ListingState.ACTIVE or not row.user_product_id or not figures or figures == row.pushed_locations:
        return False
    calls.do_enqueue(account_pk=row.account_id, key=f"stock:{row.user_product_id}", method="PUT",
                     path=f"/user-products/{row.user_product_id}/stock/type/seller_warehouse",
                     body={"locations": [{"store_id": store, "quantity": n} for store, n in figures.items()]})
    row.pushed_quantity = sum(figures.values())
    MarketplaceListing.objects.filter(pk=row.pk).update(pushed_locations=figures)
    return True


def do_set_warehouses(*, account: MarketplaceAccount, multi_warehouse: bool,
                      warehouses: list[tuple[str, str]]) -> list[WarehouseMapping]:
    """The seller's warehouses at Mercado Libre and which of our locations each one is: the mapping
    replaces the previous one, and every listing of the account is pushed again after the window."""
    known = set(inventory.location_infos(active_only=False))
    seen_locations: set[str] = set()
    seen_stores: set[str] = set()
    for index, (location, store_id) in enumerate(warehouses):
        if location not in known:
            raise ValidationFailed.on(f"warehouses.{index}.location", _("No location %(code)s.") % {"code": location})
        if not store_id.strip():
            raise ValidationFailed.on(f"warehouses.{index}.store_id", _("Give the marketplace's warehouse id."))
        if location in seen_locations or store_id in seen_stores:
            raise ValidationFailed.on(f"warehouses.{index}", _("Each location and each warehouse only once."))
        seen_locations.add(location)
        seen_stores.add(store_id.strip())
    if multi_warehouse and not warehouses:
        raise ValidationFailed.on("warehouses", _("A multi-warehouse seller needs at least one warehouse mapped."))
    MarketplaceAccount.objects.filter(pk=account.pk).update(multi_warehouse=multi_warehouse)
    account.multi_warehouse = multi_warehouse
    WarehouseMapping.objects.filter(account=account).delete()
    rows = WarehouseMapping.objects.bulk_create(
        [WarehouseMapping(account=account, location=location, store_id=store_id.strip())
         for location, store_id in warehouses])
    now = clock.now()
    listed = MarketplaceListing.objects.filter(account=account).exclude(item_id="")
    listed.update(pushed_locations={}, stock_changed_at=now)
    listed.filter(stock_dirty_since__isnull=True).update(stock_dirty_since=now)
    return rows


def _stock_landed(call, answer, error: str = "") -> None:
    up = call.key.partition(":")[2]
    now = clock.now()
    rows = MarketplaceListing.objects.filter(account_id=call.account_id, user_product_id=up)
    if error:
        # Refused for good: forget what we believe was pushed, so the next change sends it all again.
        rows.update(last_error=error, pushed_locations={}, updated_at=now)
    else:
        rows.update(last_error="", pushed_at=now, updated_at=now)


calls.on_outcome("stock", _stock_landed)
