"""The loyalty panel of the customer 360 page (registered in handlers.py), also used by the
loyalty console's own customer page."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from omnicanal.core.money import Money
from omnicanal.loyalty import limits, qr, queries


def panel_context(customer_id: str, limit: int = 15, compact: bool = False) -> dict:
    token, expires_at = qr.make_token(customer_id)
    return {
        "customer_id": customer_id,
        "compact": compact,
        "business_tz": settings.OMNICANAL["TIME_ZONE"],
        "summary": queries.summary(customer_id),
        "entries": queries.entries(customer_id, limit=limit),
        "holds": queries.open_holds(customer_id),
        "qr_token": token,
        "qr_expires_at": expires_at,
        "qr_svg": qr.qr_svg(token),
        "agent_credit_limit": Money.of(limits.limits_for("agent").credit_per_action or 0).format(),
    }


def render_panel(request, customer_id: str) -> str:
    """The 360 page's narrow column: the figures, the QR and the latest movements."""
    return render_to_string("loyalty/_panel.html", panel_context(customer_id, limit=8, compact=True), request=request)
