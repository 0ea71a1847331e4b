"""The customer's preferred store: the shop sets it when a signed-in shopper chooses a store
(storefront checks the code is a pickup store of its channel); marketing reads it from
CustomerSummary.preferred_store to check a promotion's stock there."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.customers.models import Customer
from omnicanal.customers.services.common import customer_of

STORE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def do_set_preferred_store(*, customer_id: str, store: str) -> bool:
    """Remember the store (a location code; "" forgets it); whether it changed."""
    store = (store or "").strip()
    if store and not STORE_CODE.match(store):
        raise ValidationFailed.on("store", _("not a store code"))
    target = customer_of(None, customer_id)
    if target.preferred_store == store:
        return False
    Customer.objects.filter(pk=target.pk).update(preferred_store=store, updated_at=clock.now())
    return True
