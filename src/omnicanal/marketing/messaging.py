"""What campaigns and flows share to compose and send one governed marketing message: the message
and templates' shape and checks (`{es, en}` and `{channel: {language: {...}}}`), the placeholders'
values, the rendering per channel (email subject/HTML, WhatsApp template, SMS in one segment with
the STOP words), the channels a customer may get marketing on (consent, bounces, preference) and the
weekly frequency cap counted under the customer's gate lock.

Both a `Campaign` and a `Flow` row are "specs" here: anything with `name`, `message`, `templates`,
`channels`, `recommendations`, `shop_channel` and `link` (duck-typed on purpose: neither model has
to know the other)."""

from __future__ import annotations

import datetime as dt
import html as html_lib
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from omnicanal.core.errors import FieldError, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import coupons
from omnicanal.marketing import governance, locks, queries
from omnicanal.marketing.models import Bounce, Touch

LANGUAGES = ("es", "en")


def check_coupon(raw) -> dict:
    """A unique coupon per message (a campaign's, the birthday flow's): `{kind, value, days}` checked
    as loyalty checks a coupon's terms; empty: none."""
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed.on("coupon", _("must be an object {kind, value, days}"))
    days = raw.get("days", governance.setting("COUPON_DAYS"))
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise ValidationFailed.on("coupon.days", _("between 1 and 365"))
    terms = coupons.check_terms(coupons.Terms(kind=str(raw.get("kind", "")), value=Decimal(str(raw.get("value", 0)))))
    return {"kind": terms.kind, "value": str(terms.value), "days": days}


def coupon_terms(coupon: dict, at: dt.datetime) -> coupons.Terms:
    """The terms of the coupons a checked `{kind, value, days}` makes at `at`: valid `days` from then,
    on every channel (the shop, the app, the POS: loyalty's rules)."""
    return coupons.Terms(kind=coupon["kind"], value=Decimal(coupon["value"]),
                         ends_at=at + dt.timedelta(days=int(coupon["days"])))


def check_message(message, allowed=governance.PLACEHOLDERS) -> dict[str, str]:
    if not isinstance(message, dict) or not any(isinstance(message.get(k), str) and message[k].strip() for k in LANGUAGES):
        raise ValidationFailed.on("message", _("give the text in Spanish (es) or English (en)"))
    out = {k: message[k].strip() for k in LANGUAGES if isinstance(message.get(k), str) and message[k].strip()}
    errors = [FieldError(f"message.{k}", _("unknown placeholder")) for k, text in out.items()
              if governance.placeholders_in(text) - set(allowed)]
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)
    return out


# What each channel's template takes: {field: required}.
TEMPLATE_FIELDS = {"email": {"subject": True, "text": True, "html": False}, "sms": {"text": True},
                   "webchat": {"text": True}, "whatsapp": {"template": True, "language": False, "params": False,
                                                           "text": False}}


def check_templates(raw, allowed=governance.PLACEHOLDERS) -> dict:
    """{channel: {language: {...}}}; a 422 names every bad part (templates.<channel>.<lang>.<field>)."""
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed.on("templates", _("must be an object of channels"))
    errors: list[FieldError] = []
    for channel, per_language in raw.items():
        if channel not in TEMPLATE_FIELDS or not isinstance(per_language, dict):
            errors.append(FieldError(f"templates.{channel}", _("unknown channel")))
            continue
        for language, spec in per_language.items():
            path = f"templates.{channel}.{language}"
            if language not in LANGUAGES or not isinstance(spec, dict):
                errors.append(FieldError(path, _("unknown language")))
                continue
            for name, required in TEMPLATE_FIELDS[channel].items():
                value = spec.get(name)
                if required and not value:
                    errors.append(FieldError(f"{path}.{name}", _("is required")))
                elif name == "params":
                    if value is not None and (not isinstance(value, list)
                                              or any(v not in allowed for v in value)):
                        errors.append(FieldError(f"{path}.{name}", _("a list of placeholders")))
                elif value is not None and (not isinstance(value, str) or len(value) > 100_000):
                    errors.append(FieldError(f"{path}.{name}", _("must be text")))
                elif isinstance(value, str) and governance.placeholders_in(value) - set(allowed):
                    errors.append(FieldError(f"{path}.{name}", _("unknown placeholder")))
            if channel == "sms" and isinstance(spec.get("text"), str):
                fixed = governance.render(spec["text"], {})
                if len(fixed) + 1 + len(stop_words(language)) > governance.SMS_LIMIT:
                    errors.append(FieldError(f"{path}.text", _("an SMS must fit 160 characters with the opt-out words")))
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)
    return raw


def stop_words(language: str) -> str:
    with translation.override(language):
        return _("Reply STOP to opt out.")


def ways(campaign, summary: customers.CustomerSummary) -> tuple[list[tuple[str, str]], str]:
    """The (channel, address) pairs this customer may get marketing on, preferred first; or the
    reason there are none."""
    reach = customers.reach_many([summary.id], "marketing", campaign.channels).get(summary.id)
    return ways_of(campaign, summary, reach, bounced_of([summary.id]).get(summary.id, set()))


def bounced_of(customer_ids) -> dict[str, set[tuple[str, str]]]:
    """{customer id: the (channel, address) pairs that failed for good} in one query."""
    out: dict[str, set[tuple[str, str]]] = {}
    for customer_id, channel, address in Bounce.objects.filter(customer_id__in=list(customer_ids)).values_list(
            "customer_id", "channel", "address"):
        out.setdefault(customer_id, set()).add((channel, address))
    return out


def ways_of(campaign, summary: customers.CustomerSummary, reach: customers.Reach | None,
            bounced: set[tuple[str, str]]) -> tuple[list[tuple[str, str]], str]:
    """`ways` from facts read in bulk (customers.reach_many: the marketing grants, which are
    `may_contact`'s rule for marketing without hours, and the addresses; the bounces)."""
    preferred = summary.preferred_for("marketing")
    order = [c for c in dict.fromkeys([*([preferred] if preferred else []), *campaign.channels]) if c in campaign.channels]
    ways: list[tuple[str, str]] = []
    reason = "no_consent"
    if reach is None or summary.erased:
        return ways, reason
    for channel in order:
        if channel not in reach.granted:
            continue
        address = reach.addresses.get(channel)
        if address is None:
            reason = "no_channel" if reason == "no_consent" else reason
            continue
        if (channel, address) in bounced:
            reason = "bounced"
            continue
        ways.append((channel, address))
    return ways, reason


def quiet_until(customer_id: str, at: dt.datetime) -> dt.datetime | None:
    """When the customer's contact window next opens (customers own the quiet and contact hours);
    None while it is open. A message in quiet hours is held until then, never dropped (campaigns
    and flows alike)."""
    return customers.quiet_until(customer_id, at)


def quiet_until_in(window: customers.ContactWindow, at: dt.datetime) -> dt.datetime | None:
    """quiet_until for a window read in bulk (customers.reach_many)."""
    return customers.opens_at(window, at)


def touches_within_cap(customer_ids, at: dt.datetime) -> dict[str, int]:
    """Under the customers' gate locks (taken here, in the caller's transaction, in id order so two
    batch senders never deadlock): {customer id: marketing messages in the week up to `at`}."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    locks.lock_gates(ids)
    out = dict.fromkeys(ids, 0)
    rows = (Touch.objects.filter(customer_id__in=ids, at__gt=at - governance.CAP_WINDOW, at__lte=at)
            .values_list("customer_id").annotate(n=Count("pk")))
    out.update(dict(rows))
    return out


def over_cap(customer_id: str, at: dt.datetime) -> bool:
    """Under the customer's gate lock (the caller's transaction): has the week's cap been reached?"""
    locks.lock_gate(customer_id)
    sent = Touch.objects.filter(customer_id=customer_id, at__gt=at - governance.CAP_WINDOW, at__lte=at).count()
    return sent >= int(governance.setting("FREQUENCY_CAP_PER_WEEK"))


@dataclass(frozen=True)
class Content:
    text: str
    subject: str = ""
    html: str = ""
    template: dict | None = None


def context_of(campaign, summary: customers.CustomerSummary, language: str, coupon_code: str,
               extra: dict[str, str] | None = None) -> dict[str, str]:
    from django.conf import settings

    with translation.override(language):
        name = summary.first_name or _("there")
    used = placeholders_used(campaign)
    products = []
    if campaign.recommendations and "products" in used:
        found = queries.recommend(customer_id=summary.id, channel=campaign.shop_channel,
                                  limit=campaign.recommendations, language=language)
        products = [r.name for r in found]
    points = str(loyalty.summary(summary.id).points) if "points" in used else ""
    return {"name": name, "points": points, "coupon": coupon_code,
            "link": f"{settings.OMNICANAL.get('PUBLIC_URL') or ''}{campaign.link or '/'}", "products": ", ".join(products),
            "business": settings.OMNICANAL["BUSINESS_NAME"], **(extra or {})}


def placeholders_used(campaign) -> set[str]:
    """What the campaign's texts ask for: points and recommendations cost queries, asked only then."""
    texts = list(campaign.message.values())
    for per_language in campaign.templates.values():
        for spec in per_language.values():
            texts += [v for v in spec.values() if isinstance(v, str)]
    return set().union(*(governance.placeholders_in(t) for t in texts)) | {
        p for per_language in campaign.templates.values() for spec in per_language.values()
        for p in spec.get("params") or []}


def content_for(campaign, channel: str, language: str, context: dict[str, str]) -> Content:
    """The message of one channel and language: its template, else the campaign's text."""
    spec = (campaign.templates.get(channel) or {}).get(language) or {}
    base = campaign.message.get(language) or next(iter(campaign.message.values()), "")
    text = governance.render(spec.get("text") or base, context)
    if channel == "email":
        escaped = {k: html_lib.escape(v) for k, v in context.items()}
        return Content(text=text, subject=governance.render(spec.get("subject") or campaign.name, context),
                       html=governance.render(spec.get("html", ""), escaped))
    if channel == "sms":
        return Content(text=governance.fit_sms(text, stop_words(language)))
    if channel == "whatsapp":
        template = None
        if spec.get("template"):
            template = {"name": spec["template"], "language": spec.get("language") or language,
                        "parameters": [context.get(p) or "-" for p in spec.get("params") or []]}
        return Content(text=f"{text} {stop_words(language)}", template=template)
    return Content(text=text)
