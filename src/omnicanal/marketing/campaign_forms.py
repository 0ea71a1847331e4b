"""The console's campaign form and page beyond the basics: the templates per channel and language
(email subject, text and HTML; WhatsApp's approved template name and parameters; SMS text, checked to
fit 160 characters with the opt-out words; web chat), what it promotes, the coupon, and the results
as chart data (drawn by analytics' vendored Chart.js and dashboard.js; the results table is the
alternative)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from omnicanal.core.errors import NotFound
from omnicanal.marketing import campaigns
from omnicanal.marketing.models import Campaign

# (channel, field, kind of box) in the order the form shows them.
TEMPLATE_BOXES = (
    ("email", "subject", "line"), ("email", "text", "area"), ("email", "html", "area"),
    ("whatsapp", "template", "line"), ("whatsapp", "language", "line"), ("whatsapp", "params", "line"),
    ("whatsapp", "text", "area"),
    ("sms", "text", "area"), ("webchat", "text", "area"),
)


def box_name(channel: str, language: str, field: str) -> str:
    return f"tpl_{channel}_{language}_{field}"


COUPON_KINDS = ("percent", "amount", "free_shipping")


def boxes(data=None, *, prefix: str = "") -> list[dict]:
    """The form's template boxes, one group per channel and language (holding what was typed when
    the form comes back with an error, or the saved templates: `form_values`). `prefix` keeps the
    element ids unique where several forms share a page (the flows)."""
    data = data or {}
    return [{"channel": channel, "language": language, "field": field, "kind": kind,
             "name": box_name(channel, language, field), "id": prefix + box_name(channel, language, field),
             "value": data.get(box_name(channel, language, field), "")}
            for channel, field, kind in TEMPLATE_BOXES for language in campaigns.LANGUAGES]


def form_values(templates: dict, message: dict | None = None) -> dict[str, str]:
    """Saved templates (and message) as the form's values: the boxes show what is there to edit."""
    out = {f"message_{language}": text for language, text in (message or {}).items()}
    for channel, field, _kind in TEMPLATE_BOXES:
        for language in campaigns.LANGUAGES:
            value = ((templates or {}).get(channel) or {}).get(language, {}).get(field)
            if value:
                out[box_name(channel, language, field)] = ", ".join(value) if isinstance(value, list) else str(value)
    return out


def templates_from_form(data) -> dict | None:
    """{channel: {language: {...}}} from the boxes a marketer filled (None: none filled); params are
    placeholder names separated by commas. campaigns.check_templates validates it."""
    out: dict = {}
    for channel, field, _kind in TEMPLATE_BOXES:
        for language in campaigns.LANGUAGES:
            value = data.get(box_name(channel, language, field), "").strip()
            if not value:
                continue
            if field == "params":
                value = [v.strip() for v in value.split(",") if v.strip()]
            out.setdefault(channel, {}).setdefault(language, {})[field] = value
    return out or None


def coupon_from_form(data) -> dict | None:
    kind = data.get("coupon_kind", "").strip()
    if not kind:
        return None
    days = data.get("coupon_days", "").strip()
    return {"kind": kind, "value": data.get("coupon_value", "0").strip() or "0",
            "days": int(days) if days.isdigit() else 14}


def skus_from_form(data) -> list[str]:
    return [s.strip() for s in data.get("promote_skus", "").replace("\n", ",").split(",") if s.strip()]


@dataclass(frozen=True)
class Setup:
    """What the campaign page shows of a campaign's make-up."""

    message: dict
    templates: dict
    promote_skus: list[str]
    shop_channel: str
    link: str
    recommendations: int
    coupon: dict


def setup(campaign_id: str) -> Setup:
    row = Campaign.objects.filter(public_id=campaign_id).first()
    if row is None:
        raise NotFound(detail=_("No campaign %(id)s.") % {"id": campaign_id})
    return Setup(message=row.message, templates=row.templates, promote_skus=list(row.promote_skus),
                 shop_channel=row.shop_channel, link=row.link, recommendations=row.recommendations,
                 coupon=row.coupon)


def chart(results) -> dict:
    """The funnel as analytics' dashboard.js reads it ({labels, datasets}): the same figures as the
    results table."""
    return {"labels": [_("Targeted"), pgettext("campaign", "Sent"), pgettext("campaign", "Delivered"), _("Clicked"),
                       _("Converted")],
            "datasets": [{"label": results.name, "data": [results.targeted, results.sent, results.delivered,
                                                          results.clicked, results.converted]}]}
