"""Writers of the shopper's own account: preferences, the address book, disputes, the wishlist, their
data and the account itself. Each one acts for the signed-in customer only, through the owner's
services (customers: consent, preferences, addresses, export, erasure; orders: disputes), with the
shopper as the actor; the shop pages and the Store API both call these, inside their transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import FieldError, NotFound, ValidationFailed
from omnicanal.customers import queries as customers_queries
from omnicanal.customers import services as customers
from omnicanal.orders import services as orders
from omnicanal.storefront import lists
from omnicanal.storefront.queries import Shopper
from omnicanal.storefront.services import own_order, require_customer, shopper_principal

SOURCE = "storefront"
# The channels a shopper manages consent for in the shop (the ones the shop and its app write on).
CONSENT_CHANNELS = ("email", "sms", "whatsapp", "push")
# Typed to confirm an account's deletion, in the reader's language (either language is accepted).
DELETE_PHRASE = gettext_lazy("DELETE MY ACCOUNT")


def shop_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


# --- preferences -----------------------------------------------------------------------------------


def do_save_preferences(*, shopper: Shopper, consents: Mapping[tuple[str, str], bool] | None = None,
                        preferred_channel: str | None = None, language: str | None = None,
                        birth_date: Mapping[str, str] | str | None = None) -> None:
    """Consent per channel and purpose (only the cells that change are recorded, each a consent
    change of customers' with its source), the preferred channel (for every purpose: the channel
    the customer wants to hear from us on; "" clears it), the shop's language and the birth date
    (customers checks it: the form's `{day, month, year}` or ISO 8601). None: unchanged."""
    shopper = require_customer(shopper)
    actor = shopper_principal(shopper)
    customer_id = shopper.customer_id
    errors = []
    if language is not None and language not in ("", *shop_languages()):
        errors.append(FieldError("language", _("must be one of: %(codes)s") % {"codes": ", ".join(shop_languages())}))
    channels = dict(customers_queries.contact_channels())
    if preferred_channel and preferred_channel not in channels:
        errors.append(FieldError("preferred_channel", _("unknown contact channel")))
    if errors:
        raise ValidationFailed(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    if consents:
        current = {(c.channel, c.purpose): c.granted for c in customers_queries.consent_states(customer_id)}
        for (channel, purpose), granted in consents.items():
            if (channel, purpose) not in current:
                raise ValidationFailed.on(f"consents.{channel}.{purpose}", _("unknown channel or purpose"))
            if current[(channel, purpose)] != granted:
                customers.do_set_consent(customer_id=customer_id, channel=channel, purpose=purpose, granted=granted,
                                         source=SOURCE, proof=_("Changed by the customer in the shop's account"),
                                         actor=actor)
    changes: dict[str, Any] = {}
    if preferred_channel is not None:
        purposes = ("transactional", "marketing", "surveys")
        changes["preferred_channels"] = {p: preferred_channel for p in purposes} if preferred_channel else {}
    if language is not None:
        changes["language"] = language
    if birth_date is not None:
        changes["birth_date"] = birth_date
    if changes:
        customers.do_update_preferences(customer_id=customer_id, actor=actor, **changes)


# --- address book ----------------------------------------------------------------------------------


def do_add_address(*, shopper: Shopper, address: Mapping[str, Any], default: bool = False):
    shopper = require_customer(shopper)
    return customers.do_add_address(customer_id=shopper.customer_id, address=address, default=default,
                                    actor=shopper_principal(shopper))


def do_update_address(*, shopper: Shopper, address_id: str, address: Mapping[str, Any], default: bool = False):
    shopper = require_customer(shopper)
    return customers.do_update_address(customer_id=shopper.customer_id, address_id=address_id, address=address,
                                       default=default, actor=shopper_principal(shopper))


def do_set_default_address(*, shopper: Shopper, address_id: str):
    shopper = require_customer(shopper)
    return customers.do_set_default_address(customer_id=shopper.customer_id, address_id=address_id,
                                            actor=shopper_principal(shopper))


def do_delete_address(*, shopper: Shopper, address_id: str) -> None:
    shopper = require_customer(shopper)
    customers.do_delete_address(customer_id=shopper.customer_id, address_id=address_id,
                                actor=shopper_principal(shopper))


# --- disputes ---------------------------------------------------------------------------------------


def do_open_dispute(*, shopper: Shopper, order_id: str, kind: str, note: str = ""):
    """A dispute on the shopper's own order (anyone else's: 404), as orders' rule allows it."""
    order = own_order(shopper, order_id)
    return orders.do_open_dispute(order=order, kind=kind, note=(note or "").strip(), actor=shopper_principal(shopper))


# --- wishlist ---------------------------------------------------------------------------------------


def wishlist_owner(shopper: Shopper) -> str:
    """Whose list the shopper keeps: the customer's once signed in, else the device's own."""
    return shopper.customer_id or shopper.session_id


def do_add_to_wishlist(*, shopper: Shopper, handle: str) -> bool:
    """Keep a product published on the shopper's channel (anything else: 404)."""
    if catalog.shop_product(handle, channel=shopper.channel) is None:
        raise NotFound(detail=_("No product %(handle)s.") % {"handle": handle})
    return lists.do_add_to_wishlist(owner=wishlist_owner(shopper), handle=handle)


def do_remove_from_wishlist(*, shopper: Shopper, handle: str) -> bool:
    return lists.do_remove_from_wishlist(owner=wishlist_owner(shopper), handle=handle)


# --- the customer's data and the account -----------------------------------------------------------


def do_export_my_data(*, shopper: Shopper) -> dict[str, Any]:
    """Everything held about the signed-in customer (customers' export, audited as theirs)."""
    shopper = require_customer(shopper)
    return customers.do_export_customer(customer=shopper.customer_id, actor=shopper_principal(shopper))


def delete_phrases() -> set[str]:
    phrases = set()
    for code in shop_languages():
        with translation.override(code):
            phrases.add(str(DELETE_PHRASE).casefold())
    return phrases


def do_delete_my_account(*, shopper: Shopper, confirm: str) -> str:
    """Erase the signed-in customer (customers' erasure: personal data gone everywhere, order totals
    kept) once they typed the phrase; every session of theirs ends (the erasure's storefront hook).
    Returns the erased customer's id."""
    shopper = require_customer(shopper)
    if " ".join((confirm or "").split()).casefold() not in delete_phrases():
        raise ValidationFailed.on("confirm", _('type "%(phrase)s" to confirm') % {"phrase": DELETE_PHRASE})
    customer_id = customers_queries.resolve_id(shopper.customer_id)
    customers.do_erase_customer(customer=customer_id, actor=shopper_principal(shopper),
                                reason="requested by the customer in the shop")
    return customer_id
