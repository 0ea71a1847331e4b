"""Who sees which orders, returns, pickup codes and customers' personal data in the order book: the
least-privilege rules, in one place (docs/orders.md, "Who sees what").

- **Orders.** A principal with locations (store staff) sees an order that touches one of them: a
  fulfilment leaves from it or is handed over there, it was placed at its POS or is collected
  there (`delivery_location`), or a return of it is addressed to or was received at it. Every other
  order does not exist for them: 404, never 403, on the API and in the console. Principals without
  locations (admins, managers, agents, integration keys) see every order.
- **Returns.** Store staff see a return addressed to (`location`) or received at one of their
  locations; another store's return is 404 and absent from lists.
- **Pickup codes** prove the customer at the handover: shown only to the customer (notifications,
  the signed tracking link) and to the desk of the pickup location — store staff of the
  fulfilment's handover location (else its location), managers and admins. Agents, marketers,
  integration keys and other stores' clerks get `pickup_code: null`.
- **Personal data** (the delivery address, a mail return's label link, which prints the sender):
  only principals that see PII (`Principal.sees_pii`: staff, and integration keys with the
  `customers-pii` scope); others get null.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from omnicanal.core.auth import Principal
from omnicanal.core.errors import NotFound
from omnicanal.orders import roles
from omnicanal.orders.models import Fulfillment, Order, Return, number_prefix, pk_from_number


def order_q(codes: Iterable[str]) -> Q:
    """Orders touching any of these location codes (join: use with .distinct())."""
    codes = list(codes)
    return (Q(fulfillments__location__in=codes) | Q(fulfillments__handover_location__in=codes)
            | Q(delivery_location__in=codes) | Q(returns__location__in=codes)
            | Q(returns__received_location__in=codes))


def visible_orders(qs: QuerySet[Order], principal: Principal | None) -> QuerySet[Order]:
    if principal is None or principal.locations is None:
        return qs
    return qs.filter(pk__in=Order.objects.filter(order_q(principal.locations)).values("pk"))


def may_see_order(principal: Principal | None, order: Order) -> bool:
    if principal is None or principal.locations is None:
        return True
    return Order.objects.filter(order_q(principal.locations), pk=order.pk).exists()


def order_for(principal: Principal, order: Order) -> Order:
    """The order, if the principal may see it; else NotFound (its existence is not revealed)."""
    if not may_see_order(principal, order):
        raise NotFound(detail="No such order.")
    return order


def may_see_return(principal: Principal | None, ret: Return) -> bool:
    if principal is None or principal.locations is None:
        return True
    return ret.location in principal.locations or (ret.received_location or "") in principal.locations


def return_for(principal: Principal, ret: Return) -> Return:
    if not may_see_return(principal, ret):
        raise NotFound(detail="No such return.")
    return ret


def visible_returns(qs: QuerySet[Return], principal: Principal | None) -> QuerySet[Return]:
    if principal is None or principal.locations is None:
        return qs
    codes = list(principal.locations)
    return qs.filter(Q(location__in=codes) | Q(received_location__in=codes))


def pickup_desk(f: Fulfillment) -> str:
    return f.handover_location or f.location


def may_see_pickup_code(principal: Principal | None, f: Fulfillment) -> bool:
    """None: an internal reader (the customer's own notification, export)."""
    if principal is None:
        return True
    return roles.allows(principal.role, roles.PICKUP_DESK) and principal.may_act_on(pickup_desk(f))


def sees_pii(principal: Principal | None) -> bool:
    return principal is None or principal.sees_pii


ORDER_ID = re.compile(r"\bord_[0-9a-z]{26}\b")


def _order_numbers(text: str) -> list[str]:
    """The order numbers ("AS-100123", with the business's prefix) named in a free text."""
    return re.findall(r"\b" + re.escape(number_prefix()) + r"\d+\b", text)


def hidden_order_refs(principal: Principal | None, refs: Iterable[str]) -> set[str]:
    """Of these references (free text: "ord_…", "order:ord_…", "AS-100123"…), those naming an order
    the principal may not see. Registered in customers.registry for the 360's other panels
    (loyalty's statement, the timeline), which must not import orders."""
    refs = {r for r in refs if r}
    if principal is None or principal.locations is None or not refs:
        return set()
    named = {ref: ({*ORDER_ID.findall(ref)}, {pk_from_number(n) for n in _order_numbers(ref)} - {None})
             for ref in refs}
    ids = set().union(*(i for i, _ in named.values()))
    pks = set().union(*(p for _, p in named.values()))
    if not ids and not pks:
        return set()
    mentioned = Order.objects.filter(Q(public_id__in=ids) | Q(pk__in=pks))
    seen = set(mentioned.filter(order_q(principal.locations)).values_list("pk", flat=True).distinct())
    hidden_pks = {pk for pk, _ in mentioned.values_list("pk", "public_id")} - seen
    hidden_ids = set(mentioned.filter(pk__in=hidden_pks).values_list("public_id", flat=True))
    return {ref for ref, (i, p) in named.items() if i & hidden_ids or p & hidden_pks}
