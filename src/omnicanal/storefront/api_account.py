"""Store API: the shopper's own account (mounted by store_api): preferences, addresses, disputes,
wishlist, recently viewed, "download my data" and "delete my account".

Handlers parse, call one storefront.account_services writer or an owner's query, answer; each write
is one transaction (ninja runs the handler outside any: `transaction.atomic` here). Customer-only
endpoints answer an anonymous session 401; another customer's address or order 404. The wishlist
also works for an anonymous session (the device's own list, merged into the customer's on sign-in).
"""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.catalog import queries as catalog
from omnicanal.core.schemas import MoneyOut, Out, Timestamp
from omnicanal.customers import queries as customers_queries
from omnicanal.customers.schemas import SavedAddressOut
from omnicanal.orders import queries as orders_queries
from omnicanal.storefront import account_services, browsing, lists
from omnicanal.storefront.auth import shopper_auth
from omnicanal.storefront.queries import Shopper
from omnicanal.storefront.services import own_order, require_customer

router = Router(tags=["store account"])


def _shopper(request: HttpRequest) -> Shopper:
    return request.shopper  # type: ignore[attr-defined]  # set by ShopperAuth


def _customer(request: HttpRequest) -> Shopper:
    return require_customer(_shopper(request))


# --- schemas -----------------------------------------------------------------------------------------


class ConsentIn(Schema):
    channel: str = Field(min_length=1, max_length=20)
    purpose: Literal["transactional", "marketing", "surveys"]
    granted: bool


class PreferencesIn(Schema):
    """Only what is sent changes; "" clears the preferred channel, the language or the birth date."""

    language: str | None = Field(default=None, max_length=8)
    preferred_channel: str | None = Field(default=None, max_length=20)
    consents: list[ConsentIn] | None = Field(default=None, max_length=60)
    birth_date: str | None = Field(default=None, max_length=10, examples=["1990-05-17", "--05-17"],
                                   description="ISO 8601: YYYY-MM-DD, or --MM-DD without the year")


class ConsentOut(Out):
    channel: str
    purpose: str
    granted: bool
    explicit: bool
    changed_at: Timestamp | None


class PreferencesOut(Out):
    language: str | None
    preferred_channel: str | None
    consents: list[ConsentOut]
    birth_date: str | None = None  # 1990-05-17, or --05-17 without the year


class BookAddressIn(Schema):
    label: str = Field(default="", max_length=60)
    recipient: str = Field(default="", max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", pattern="^([A-Za-z]{2})?$")
    default: bool = False


class BookAddressOut(SavedAddressOut):
    """An entry of the shopper's address book: the customers API's entry, with the id to edit it by."""

    id: str


class AddressBookOut(Out):
    items: list[BookAddressOut]


class DisputeIn(Schema):
    kind: Literal["not_received", "defective"]
    note: str = Field(default="", max_length=2000)


class ShopperDisputeOut(Out):
    """A dispute as its customer sees it (no staff names)."""

    id: str
    order_id: str
    kind: str
    status: str
    decision: str | None
    amount: MoneyOut
    created_at: Timestamp
    decided_at: Timestamp | None


class DisputesOut(Out):
    items: list[ShopperDisputeOut]
    openable: list[str]  # the kinds the order may be disputed for now


class ListItemOut(Out):
    handle: str
    name: str
    price: MoneyOut
    url: str
    image_url: str | None


class ProductListOut(Out):
    items: list[ListItemOut]


class EraseIn(Schema):
    confirm: str = Field(min_length=1, max_length=60)


class ErasedOut(Out):
    customer_id: str
    erased: bool


# --- preferences ---------------------------------------------------------------------------------------


def _preferences(customer_id: str) -> dict:
    summary = customers_queries.customer_summary(customer_id)
    born = customers_queries.birth_date_of(customer_id)
    return {"language": summary.language or None, "preferred_channel": summary.preferred_channel,
            "birth_date": born.iso() if born else None,
            "consents": [{"channel": c.channel, "purpose": c.purpose, "granted": c.granted, "explicit": c.explicit,
                          "changed_at": c.changed_at.isoformat() if c.changed_at else None}
                         for c in customers_queries.consent_states(customer_id)]}


@router.get("/preferences", response=PreferencesOut, auth=shopper_auth,
            summary="Consent per channel and purpose, the preferred channel, the language and the birth date")
def get_preferences(request: HttpRequest):
    """The customer's consent per channel and purpose, preferred channel, language and birth date."""
    return _preferences(_customer(request).customer_id)


@router.put("/preferences", response=PreferencesOut, auth=shopper_auth,
            summary="Change consents (each one sent), the preferred channel, the language or the birth date")
def put_preferences(request: HttpRequest, body: PreferencesIn):
    """Changes the customer's consents (each one sent), preferred channel, language or birth date
    (`1990-05-17`, or `--05-17` without the year; null or "" clears it; 422 on `birth_date` for a
    day the month does not have or a date to come)."""
    shopper = _customer(request)
    birth_date = (body.birth_date or "") if "birth_date" in body.model_fields_set else None
    with transaction.atomic():
        account_services.do_save_preferences(
            shopper=shopper, preferred_channel=body.preferred_channel, language=body.language,
            consents={(c.channel, c.purpose): c.granted for c in body.consents or []}, birth_date=birth_date)
    return _preferences(shopper.customer_id)


# --- address book ------------------------------------------------------------------------------------


def _address_out(found) -> dict:
    return {"id": found.id, "label": found.label, "recipient": found.recipient, **found.as_delivery(),
            "is_default": found.is_default}


def _address_fields(body: BookAddressIn) -> dict:
    return body.dict(exclude={"default"})


@router.get("/addresses", response=AddressBookOut, auth=shopper_auth, summary="The address book, the default first")
def list_addresses(request: HttpRequest):
    """The signed-in customer's address book, the default first."""
    return {"items": [_address_out(a) for a in customers_queries.address_book(_customer(request).customer_id)]}


@router.post("/addresses", response={201: BookAddressOut}, auth=shopper_auth, summary="Add an address")
def add_address(request: HttpRequest, body: BookAddressIn):
    """Adds an address to the signed-in customer's address book."""
    shopper = _customer(request)
    with transaction.atomic():
        row = account_services.do_add_address(shopper=shopper, address=_address_fields(body), default=body.default)
    return Status(201, _address_out(customers_queries.book_address(shopper.customer_id, row.public_id)))


@router.get("/addresses/{address_id}", response=BookAddressOut, auth=shopper_auth,
            summary="One of the shopper's addresses (anyone else's: 404)")
def get_address(request: HttpRequest, address_id: str):
    """One of the signed-in customer's addresses (anyone else's: 404)."""
    return _address_out(customers_queries.book_address(_customer(request).customer_id, address_id))


@router.put("/addresses/{address_id}", response=BookAddressOut, auth=shopper_auth, summary="Replace an address")
def put_address(request: HttpRequest, address_id: str, body: BookAddressIn):
    """Replaces one of the customer's addresses."""
    shopper = _customer(request)
    with transaction.atomic():
        account_services.do_update_address(shopper=shopper, address_id=address_id, address=_address_fields(body),
                                           default=body.default)
    return _address_out(customers_queries.book_address(shopper.customer_id, address_id))


@router.post("/addresses/{address_id}/default", response=BookAddressOut, auth=shopper_auth,
             summary="Make it the default address")
def default_address(request: HttpRequest, address_id: str):
    """Makes one of the customer's addresses the default for delivery."""
    shopper = _customer(request)
    with transaction.atomic():
        account_services.do_set_default_address(shopper=shopper, address_id=address_id)
    return _address_out(customers_queries.book_address(shopper.customer_id, address_id))


@router.delete("/addresses/{address_id}", response={204: None}, auth=shopper_auth, summary="Delete an address")
def delete_address(request: HttpRequest, address_id: str):
    """Deletes one of the customer's addresses (anyone else's: 404)."""
    with transaction.atomic():
        account_services.do_delete_address(shopper=_customer(request), address_id=address_id)
    return Status(204, None)


# --- disputes ------------------------------------------------------------------------------------------


def _dispute_out(d) -> dict:
    full = orders_queries.dispute_dict(d)
    return {name: full[name] for name in ("id", "order_id", "kind", "status", "decision", "amount", "created_at",
                                          "decided_at")}


@router.get("/orders/{order_id}/disputes", response=DisputesOut, auth=shopper_auth,
            summary="The order's disputes and the kinds it may be disputed for now")
def list_disputes(request: HttpRequest, order_id: str):
    """The disputes on one of the customer's orders, and the kinds it may be disputed for now."""
    order = own_order(_shopper(request), order_id)
    return {"items": [_dispute_out(d) for d in order.disputes.all()],
            "openable": list(orders_queries.openable_dispute_kinds(order))}


@router.post("/orders/{order_id}/disputes", response={201: ShopperDisputeOut}, auth=shopper_auth,
             summary="Open a dispute on the shopper's order: not received (late) or defective (delivered)")
def open_dispute(request: HttpRequest, order_id: str, body: DisputeIn):
    """Opens a dispute on the customer's own order: not received (when it is late) or defective (once
    delivered)."""
    with transaction.atomic():
        found = account_services.do_open_dispute(shopper=_shopper(request), order_id=order_id, kind=body.kind,
                                                 note=body.note)
    return Status(201, _dispute_out(orders_queries.get_dispute(found.public_id)))


# --- wishlist and recently viewed ----------------------------------------------------------------------


def _products(request: HttpRequest, handles: list[str], channel: str) -> dict:
    if not handles:
        return {"items": []}
    found = {card.handle: card for card in catalog.search_catalog(
        channel=channel, handles=handles, per_page=len(handles), language=browsing.language()).items}
    return {"items": [{"handle": h, "name": found[h].name, "price": found[h].price.as_dict(),
                       "url": request.build_absolute_uri(reverse("shop-product", args=[h])),
                       "image_url": request.build_absolute_uri(found[h].image_url) if found[h].image_url else None}
                      for h in handles if h in found]}


@router.get("/wishlist", response=ProductListOut, auth=shopper_auth,
            summary="Saved products still sold on the session's channel, newest first")
def get_wishlist(request: HttpRequest):
    """The customer's saved products that are still sold on the session's channel, newest first."""
    shopper = _shopper(request)
    return _products(request, lists.wishlist_handles(account_services.wishlist_owner(shopper)), shopper.channel)


@router.put("/wishlist/{handle}", response=ProductListOut, auth=shopper_auth, summary="Save a product")
def put_wishlist(request: HttpRequest, handle: str):
    """Saves a product to the customer's wishlist."""
    shopper = _shopper(request)
    with transaction.atomic():
        account_services.do_add_to_wishlist(shopper=shopper, handle=handle)
    return _products(request, lists.wishlist_handles(account_services.wishlist_owner(shopper)), shopper.channel)


@router.delete("/wishlist/{handle}", response={204: None}, auth=shopper_auth, summary="Remove a saved product")
def delete_wishlist(request: HttpRequest, handle: str):
    """Removes a product from the customer's saved products."""
    with transaction.atomic():
        account_services.do_remove_from_wishlist(shopper=_shopper(request), handle=handle)
    return Status(204, None)


@router.get("/recently-viewed", response=ProductListOut, auth=shopper_auth,
            summary="Continue where you left off: the customer's recently viewed products, on every device")
def recently_viewed(request: HttpRequest):
    """The customer's recently viewed products, on every device they signed in on, newest first."""
    shopper = _customer(request)
    return _products(request, lists.viewed_handles(shopper.customer_id), shopper.channel)


# --- my data, my account ---------------------------------------------------------------------------------


@router.get("/account/export", auth=shopper_auth, summary="Download my data: everything held about me (JSON)")
def export(request: HttpRequest):
    """Everything held about the signed-in customer, as JSON."""
    with transaction.atomic():
        return account_services.do_export_my_data(shopper=_customer(request))


@router.post("/account/erase", response=ErasedOut, auth=shopper_auth,
             summary='Delete my account: erased once `confirm` is the phrase ("DELETE MY ACCOUNT"); every session ends')
def erase(request: HttpRequest, body: EraseIn):
    """Deletes the signed-in customer's account: their personal data is erased once `confirm` is the phrase
    "DELETE MY ACCOUNT", and every session of theirs ends."""
    with transaction.atomic():
        customer_id = account_services.do_delete_my_account(shopper=_customer(request), confirm=body.confirm)
    return {"customer_id": customer_id, "erased": True}
