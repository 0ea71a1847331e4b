"""The customer's address book: add, edit, delete, choose the default.

The default entry is also the customer's profile address (Customer.address_*, what
`customer_summary().address` answers and what the console edits): every change here writes the
profile too, and the profile's do_update_profile writes the default entry back (_sync_from_profile),
so the two never disagree. The first address added becomes the default; deleting the default makes
the oldest remaining one the default (or clears the profile address when none is left).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from omnicanal.customers import locks
from omnicanal.customers.models import Customer, SavedAddress
from omnicanal.customers.services.common import customer_of

MAX_ADDRESSES = 20
LIMITS = {"label": 60, "recipient": 200, "line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20}
REQUIRED = ("line1", "city")


def check_address(fields: Mapping[str, Any]) -> dict[str, str]:
    """The address's fields trimmed and checked (422, field by field): street and city required,
    country a two-letter code (the business's country when left out), nothing longer than it may be."""
    clean: dict[str, str] = {}
    errors: list[FieldError] = []
    for name, limit in LIMITS.items():
        value = fields.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > limit:
            errors.append(FieldError(name, _("at most %(n)d characters") % {"n": limit}))
        clean[name] = value
    for name in REQUIRED:
        if not clean[name]:
            errors.append(FieldError(name, _("is required")))
    raw_country = fields.get("country")
    country = (raw_country.strip() if isinstance(raw_country, str) else "") or settings.OMNICANAL.get("COUNTRY", "CL")
    country = country.upper()
    if len(country) != 2 or not country.isalpha() or not country.isascii():
        errors.append(FieldError("country", _("must be a two-letter country code such as CL")))
    clean["country"] = country
    if errors:
        raise ValidationFailed(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return clean


def _writable(customer: Customer | str | None, customer_id: str | None) -> Customer:
    target = customer_of(customer, customer_id)
    if target.erased_at:
        raise Conflict(detail=str(_("This customer was erased.")))
    return locks.lock_customers([target.pk])[target.pk]  # one writer of a book at a time


def _entry(target: Customer, address_id: str) -> SavedAddress:
    row = SavedAddress.objects.filter(customer=target, public_id=address_id).first()
    if row is None:  # another customer's address is simply not there
        raise NotFound(detail=str(_("No address %(id)s.") % {"id": address_id}))
    return row


def _write_profile(target: Customer, row: SavedAddress | None) -> None:
    values = {"address_line1": row.line1, "address_line2": row.line2, "address_city": row.city,
              "address_region": row.region, "address_postal_code": row.postal_code,
              "address_country": row.country} if row is not None else {
        "address_line1": "", "address_line2": "", "address_city": "", "address_region": "",
        "address_postal_code": "", "address_country": ""}
    Customer.objects.filter(pk=target.pk).update(**values, updated_at=clock.now())


def _make_default(target: Customer, row: SavedAddress) -> None:
    SavedAddress.objects.filter(customer=target, is_default=True).exclude(pk=row.pk).update(is_default=False)
    if not row.is_default:
        row.is_default = True
        row.save(update_fields=["is_default"])
    _write_profile(target, row)


def do_add_address(*, customer: Customer | str | None = None, customer_id: str | None = None,
                   address: Mapping[str, Any], default: bool = False, actor: Principal = SYSTEM) -> SavedAddress:
    """A new entry; the first one (or one asked to be) becomes the default."""
    clean = check_address(address)
    target = _writable(customer, customer_id)
    count = SavedAddress.objects.filter(customer=target).count()
    if count >= MAX_ADDRESSES:
        raise ValidationFailed.on("address", _("at most %(n)d addresses") % {"n": MAX_ADDRESSES})
    now = clock.now()
    row = SavedAddress.objects.create(customer=target, created_at=now, updated_at=now, **clean)
    if default or count == 0:
        _make_default(target, row)
    return row


def do_update_address(*, customer: Customer | str | None = None, customer_id: str | None = None, address_id: str,
                      address: Mapping[str, Any], default: bool = False, actor: Principal = SYSTEM) -> SavedAddress:
    """Replace an entry's fields (the customer's own entry only: anyone else's is 404)."""
    clean = check_address(address)
    target = _writable(customer, customer_id)
    row = _entry(target, address_id)
    for name, value in clean.items():
        setattr(row, name, value)
    row.updated_at = clock.now()
    row.save()
    if default or row.is_default:
        _make_default(target, row)
    return row


def do_set_default_address(*, customer: Customer | str | None = None, customer_id: str | None = None,
                           address_id: str, actor: Principal = SYSTEM) -> SavedAddress:
    target = _writable(customer, customer_id)
    row = _entry(target, address_id)
    _make_default(target, row)
    return row


def do_delete_address(*, customer: Customer | str | None = None, customer_id: str | None = None, address_id: str,
                      actor: Principal = SYSTEM) -> None:
    target = _writable(customer, customer_id)
    row = _entry(target, address_id)
    was_default = row.is_default
    row.delete()
    if was_default:
        following = SavedAddress.objects.filter(customer=target).order_by("created_at", "pk").first()
        if following is not None:
            _make_default(target, following)
        else:
            _write_profile(target, None)


def sync_from_profile(target: Customer) -> None:
    """The profile address was edited (console, API): the default entry follows it, or one is made."""
    if not target.address_line1:
        return
    values = {"line1": target.address_line1, "line2": target.address_line2, "city": target.address_city or "-",
              "region": target.address_region, "postal_code": target.address_postal_code,
              "country": target.address_country or settings.OMNICANAL.get("COUNTRY", "CL")}
    now = clock.now()
    if not SavedAddress.objects.filter(customer=target, is_default=True).update(**values, updated_at=now):
        SavedAddress.objects.create(customer=target, recipient=target.name, is_default=True, created_at=now,
                                    updated_at=now, **values)


def move_addresses(*, keep: Customer, gone: Customer) -> int:
    """A merge: the merged customer's entries join the survivor's book, which keeps its default."""
    if SavedAddress.objects.filter(customer=keep, is_default=True).exists():
        SavedAddress.objects.filter(customer=gone).update(is_default=False)
    return SavedAddress.objects.filter(customer=gone).update(customer=keep)
