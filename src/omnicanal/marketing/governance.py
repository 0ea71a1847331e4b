"""The rules every marketing send obeys that need no database: the settings (frequency cap,
attribution window), the control group draw and the templates' placeholders. Pure functions over
plain values; campaigns.py applies them. The quiet and contact hours are customers' rule (every
non-transactional sender obeys them: `customers.queries.quiet_until`, docs/customers.md).

Settings (`OMNICANAL["MARKETING"]`, each optional):

| key | default | meaning |
|---|---|---|
| FREQUENCY_CAP_PER_WEEK | 3 | marketing messages a customer gets in any 7 days, all campaigns, reminders and flows together |
| ATTRIBUTION_DAYS | 7 | an order this many days after the message (any channel) converts it, unless the campaign sets its own |
| COUPON_DAYS | 14 | how long a campaign's unique coupon is valid |
| SEGMENT_COUNT_SECONDS | 60 | how old the population a live segment count filters may be (marketing/population.py) |
| SEGMENT_COUNT_AUDIT_BELOW | 10 | a live count smaller than this is always audited (it may single people out); larger ones once a minute per staff member |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.conf import settings

DEFAULTS = {"FREQUENCY_CAP_PER_WEEK": 3, "ATTRIBUTION_DAYS": 7, "COUPON_DAYS": 14, "SEGMENT_COUNT_SECONDS": 60,
            "SEGMENT_COUNT_AUDIT_BELOW": 10}
CAP_WINDOW = dt.timedelta(days=7)
PLACEHOLDERS = ("name", "points", "coupon", "link", "products", "business")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
SMS_LIMIT = 160  # one GSM-7 segment


def setting(name: str):
    return (settings.OMNICANAL.get("MARKETING") or {}).get(name, DEFAULTS[name])


def in_control(campaign_id: str, customer_id: str, percent: int) -> bool:
    """The random hold-out, drawn from a hash so that every process launching the campaign draws the
    same customers (and a relaunch does not reshuffle them)."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{campaign_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < percent * 100


def placeholders_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


def render(text: str, context: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: str(context.get(m.group(1), "")), text or "")


def fit_sms(body: str, stop: str) -> str:
    """One segment with the opt-out words at the end: the body is cut (…) to make room."""
    body = " ".join(body.split())
    if len(body) + 1 + len(stop) > SMS_LIMIT:
        body = body[: SMS_LIMIT - len(stop) - 2].rstrip() + "…"
    return f"{body} {stop}"
