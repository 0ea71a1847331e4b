"""The shopper's own product lists: the wishlist and "continue where you left off".

Wishlist: kept per owner, the customer (cus_…) once signed in, else the device's session (ssn_…), so an
anonymous shopper can keep products too; signing in moves the device's items into the customer's
list (`do_claim_device_lists`, called by services._sign_in), like the cart.

Recently viewed: a signed-in customer's list is a table, so it follows them to every device; an
anonymous device's list lives in its Django session (storefront.browsing) and joins the customer's
list the first time the device is seen signed in (`do_merge_viewed`).

Handles only: whether a product is still published (and at what price) is catalog's to say when the
list is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Max
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.storefront.models import ViewedProduct, WishlistItem

WISHLIST_MAX = 100
VIEWED_MAX = 12


# --- wishlist ------------------------------------------------------------------------------------


def wishlist_handles(owner: str, *, limit: int = WISHLIST_MAX) -> list[str]:
    """The owner's saved product handles, newest first."""
    if not owner:
        return []
    rows = WishlistItem.objects.filter(owner=owner).order_by("-added_at", "-pk").values_list("handle", flat=True)
    return list(rows[:limit])


def in_wishlist(owner: str, handle: str) -> bool:
    return bool(owner) and WishlistItem.objects.filter(owner=owner, handle=handle).exists()


def do_add_to_wishlist(*, owner: str, handle: str) -> bool:
    """Keep a product (True when it is new in the list); the oldest go beyond WISHLIST_MAX."""
    if not handle or len(handle) > 200:
        raise ValidationFailed.on("handle", _("unknown product"))
    _item, created = WishlistItem.objects.get_or_create(owner=owner, handle=handle,
                                                        defaults={"added_at": clock.now()})
    if created:
        keep = wishlist_handles(owner)
        WishlistItem.objects.filter(owner=owner).exclude(handle__in=keep).delete()
    return created


def do_remove_from_wishlist(*, owner: str, handle: str) -> bool:
    return WishlistItem.objects.filter(owner=owner, handle=handle).delete()[0] > 0


def _move_wishlist(source: str, target: str) -> int:
    """Every item of `source` joins `target` (an item both hold is kept once, the older date)."""
    held = set(WishlistItem.objects.filter(owner=target).values_list("handle", flat=True))
    WishlistItem.objects.filter(owner=source, handle__in=held).delete()
    return WishlistItem.objects.filter(owner=source).update(owner=target)


# --- recently viewed -------------------------------------------------------------------------------


def viewed_handles(customer_id: str, *, limit: int = VIEWED_MAX) -> list[str]:
    rows = ViewedProduct.objects.filter(customer_id=customer_id).order_by("-viewed_at", "-pk")
    return list(rows.values_list("handle", flat=True)[:limit])


def do_remember_viewed(*, customer_id: str, handle: str) -> None:
    """The customer just viewed the product: it goes to the front of their list (at most VIEWED_MAX)."""
    now = clock.now()
    if not ViewedProduct.objects.filter(customer_id=customer_id, handle=handle).update(viewed_at=now):
        ViewedProduct.objects.create(customer_id=customer_id, handle=handle, viewed_at=now)
        _trim(customer_id)


def do_merge_viewed(*, customer_id: str, handles: Iterable[str]) -> None:
    """A device's list (most recent first) joins the customer's: its products come first, as the
    device is where the customer is now; the rest of the customer's list follows."""
    handles = [h for h in dict.fromkeys(handles) if isinstance(h, str) and 0 < len(h) <= 200][:VIEWED_MAX]
    if not handles:
        return
    ViewedProduct.objects.filter(customer_id=customer_id, handle__in=handles).delete()
    front = _front_of(customer_id, len(handles))
    ViewedProduct.objects.bulk_create([
        ViewedProduct(customer_id=customer_id, handle=h, viewed_at=front - dt.timedelta(microseconds=i))
        for i, h in enumerate(handles)])
    _trim(customer_id)


def _front_of(customer_id: str, count: int) -> dt.datetime:
    """A time at which `count` products, a microsecond apart, all come before the customer's list:
    now, unless the list's newest view is that close to now (a view a moment ago, or a clock behind)."""
    now = clock.now()
    newest = ViewedProduct.objects.filter(customer_id=customer_id).aggregate(newest=Max("viewed_at"))["newest"]
    if newest is None:
        return now
    return max(now, newest + dt.timedelta(microseconds=count))


def _trim(customer_id: str) -> None:
    keep = viewed_handles(customer_id)
    ViewedProduct.objects.filter(customer_id=customer_id).exclude(handle__in=keep).delete()


# --- the customer's life cycle -------------------------------------------------------------------


def do_claim_device_lists(*, session_id: str, customer_id: str) -> None:
    """Sign-in: the device's wishlist becomes the customer's."""
    _move_wishlist(session_id, customer_id)


def do_merge_lists(*, survivor_id: str, merged_id: str) -> None:
    """Two customers became one: both lists are the survivor's."""
    _move_wishlist(merged_id, survivor_id)
    mine = set(ViewedProduct.objects.filter(customer_id=survivor_id).values_list("handle", flat=True))
    ViewedProduct.objects.filter(customer_id=merged_id, handle__in=mine).delete()
    ViewedProduct.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    _trim(survivor_id)


def do_forget_lists(*, customer_id: str) -> None:
    """Erasure: what the customer kept and viewed is gone."""
    WishlistItem.objects.filter(owner=customer_id).delete()
    ViewedProduct.objects.filter(customer_id=customer_id).delete()


def export_lists(customer_id: str) -> dict:
    return {"wishlist": wishlist_handles(customer_id), "recently_viewed": viewed_handles(customer_id)}
