"""The console's Flows page (marketer and manager): every automated journey with its enable toggle,
delay, channels, texts, templates per channel and language (the campaigns' boxes), attribution window
and, for the tier change, whether a downgrade starts it, for the birthday its coupon (kind, value,
days valid; "no coupon" gives none); and its results (waiting, sent, converted,
stopped, suppressed by reason). Each flow is its own small form; saving one changes only it (audited
marketing.flow.update)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import Problem, ValidationFailed
from omnicanal.marketing import campaign_forms, flows, roles
from omnicanal.marketing.models import FlowKind, TierChanges


def _whole(post, name: str, default: int, message) -> int:
    try:
        return int(post.get(name) or default)
    except ValueError:
        raise ValidationFailed.on(name, message) from None


def _changes(post) -> dict:
    delay = _whole(post, "delay_minutes", 0, _("a whole number of minutes"))
    message = {lang: post.get(f"message_{lang}", "").strip() for lang in ("es", "en")}
    # The default text the page filled in is not the marketer's own: left out, it keeps following the
    # kind's default (the birthday's with or without its coupon).
    kind = post.get("kind", "")
    if kind in FlowKind.values:
        message = {lang: text for lang, text in message.items()
                   if text not in (flows.default_message(kind, lang), flows.default_message(kind, lang, coupon=True))}
    changes = {"enabled": post.get("enabled") == "on", "delay_minutes": delay,
               "channels": post.getlist("channels"), "message": {k: v for k, v in message.items() if v},
               "templates": campaign_forms.templates_from_form(post) or {}}
    if "attribution_days" in post:
        changes["attribution_days"] = _whole(post, "attribution_days", 7, _("a whole number of days"))
    if post.get("tier_changes"):
        changes["tier_changes"] = post["tier_changes"]
    if "coupon_kind" in post:  # the birthday's gift; "no coupon" gives none
        changes["coupon"] = campaign_forms.coupon_from_form(post) or {}
    return changes


@staff_required(*roles.CAMPAIGNS)
def flow_list(request: HttpRequest):
    if request.method == "POST":
        try:
            with transaction.atomic():
                row = flows.do_update_flow(kind=request.POST.get("kind", ""), actor=principal(request),
                                           **_changes(request.POST))
            messages.success(request, _("Flow saved."))
            return redirect(f"{request.path}#flow-{row.kind}")
        except Problem as problem:
            show_problem(request, problem, fields={"message.es": "message_es", "message.en": "message_en"})
            return redirect(f"{request.path}#flow-{request.POST.get('kind', '')}")
    results = flows.flow_results()
    rows = []
    for flow in flows.all_flows():
        gift = bool(flow.coupon)
        rows.append({"flow": flow, "results": results[flow.kind],
                     "suppressed": sorted(results[flow.kind]["suppressed"].items()),
                     "message_es": flow.message.get("es") or flows.default_message(flow.kind, "es", coupon=gift),
                     "message_en": flow.message.get("en") or flows.default_message(flow.kind, "en", coupon=gift),
                     "boxes": campaign_forms.boxes(campaign_forms.form_values(flow.templates), prefix=f"{flow.kind}-"),
                     "tier_choice": flow.kind == FlowKind.TIER_CHANGE, "gift": flow.kind == FlowKind.BIRTHDAY})
    return render(request, "marketing/flows.html", {"title": _("Flows"), "rows": rows, "channels": flows.CHANNELS,
                                                    "tier_changes": TierChanges.choices,
                                                    "coupon_kinds": campaign_forms.COUPON_KINDS})
