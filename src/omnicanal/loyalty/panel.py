"""The loyalty panel of the customer 360 page (registered in handlers.py), also used by the
loyalty console's own customer page."""

from __future__ import annotations

from django.template.loader import render_to_string

from omnicanal.core import console
from omnicanal.core.auth import role_allows
from omnicanal.core.money import Money
from omnicanal.customers import registry
from omnicanal.loyalty import limits, qr, queries, roles


def visible_to(principal, rows: list, reference=lambda row: row.reference) -> list:
    """Rows whose references name no order hidden from `principal` (a store clerk sees only their
    stores' orders: the orders domain's rule, asked through customers.registry)."""
    if principal is None or getattr(principal, "locations", None) is None:
        return rows
    hidden = registry.hidden_order_refs(principal, {reference(row) or "" for row in rows})
    return [row for row in rows if (reference(row) or "") not in hidden]


def panel_context(customer_id: str, limit: int = 15, compact: bool = False, principal=None) -> dict:
    """`principal`: the reader; movements and holds of orders it may not see are left out."""
    token, expires_at = qr.make_token(customer_id)
    return {
        "customer_id": customer_id,
        "compact": compact,
        "summary": queries.summary(customer_id),
        "entries": visible_to(principal, queries.entries(customer_id, limit=limit)),
        "holds": visible_to(principal, queries.open_holds(customer_id)),
        "qr_token": token,
        "qr_expires_at": expires_at,
        "qr_svg": qr.qr_svg(token),
        "agent_credit_limit": Money.of(limits.limits_for("agent").credit_per_action or 0).format(),
        # beside the goodwill form, whoever gives it but cannot approve (an agent) reads their cap
        "capped_giver": role_allows(principal, roles.GOODWILL) and not role_allows(principal, roles.APPROVE),
    }


def render_panel(request, customer_id: str) -> str:
    """The 360 page's narrow column: the figures, the QR and the latest movements."""
    context = panel_context(customer_id, limit=8, compact=True, principal=console.principal(request))
    return render_to_string("loyalty/_panel.html", context, request=request)
