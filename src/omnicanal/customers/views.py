"""Console pages: search, the customer 360, the duplicate review queue, export and erasure."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core import audit
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import NotFound, Problem
from omnicanal.customers import birthdays, queries, registry, roles, services
from omnicanal.customers.models import ContactChannel, IdentityKind, Purpose


def _can(request: HttpRequest, allowed: tuple[str, ...]) -> bool:
    return roles.allows(request.user.role, allowed)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@staff_required(*roles.READ)
def customer_list(request: HttpRequest):
    q = request.GET.get("q", "").strip()[:200]
    found = queries.search(q, limit=50) if q else []
    identities = queries.identities_by_customer([c.pk for c in found])
    if len(found) > roles.BULK_READ:
        audit.record(actor=principal(request), action="customer.search", target_type="customer", target_id="*",
                     after={"ids": [c.public_id for c in found]})
    context = {
        "title": _("Customers"), "q": q, "rows": [(c, identities[c.pk]) for c in found],
        "open_suggestions": queries.count_open_suggestions() if _can(request, roles.MERGE) else None,
    }
    template = "customers/_results.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


def _customer_or_404(customer_id: str):
    try:
        return queries.get_customer(customer_id)
    except NotFound:
        from django.http import Http404

        raise Http404 from None


@staff_required(*roles.READ)
def customer_detail(request: HttpRequest, customer_id: str):
    customer = _customer_or_404(customer_id)
    if customer.public_id != customer_id:
        messages.info(request, _("%(old)s was merged into this customer.") % {"old": customer_id})
        return redirect("customers:detail", customer_id=customer.public_id)
    identities = queries.identities_by_customer([customer.pk])[customer.pk]
    panels = []
    for panel in registry.panels():
        panels.append({"name": panel.name, "label": panel.label, "html": mark_safe(panel.render(request, customer.public_id))})  # noqa: S308 (domains render their own escaped fragments)
    context = {
        "title": customer.name or _("Anonymous visitor"),
        "customer": customer,
        "identities": identities,
        "consents": queries.consent_matrix(customer),
        "preferences": queries.preferences_dict(customer),
        "birth": birthdays.of(customer.birth_month, customer.birth_day, customer.birth_year),
        "months": list(MONTHS.items()),
        "address": queries.address_dict(customer),
        "sections": queries.sections(customer.public_id, principal(request)),
        "panels": panels,
        "suggestions": [(s, queries.suggestion_reason_labels(s)) for s in queries.open_suggestions(customer=customer)],
        "merges": queries.merge_history(customer),
        "timeline": queries.timeline(customer.public_id, limit=100, principal=principal(request)),
        "facets": queries.timeline_facets(customer),
        "purposes": Purpose.choices,
        "channels": ContactChannel.choices,
        "languages": settings.LANGUAGES,
        "can_write": _can(request, roles.WRITE),
        "can_merge": _can(request, roles.MERGE),
        "can_privacy": _can(request, roles.PRIVACY),
        "kinds": dict(IdentityKind.choices),
    }
    return render(request, "customers/detail.html", context)


@staff_required(*roles.READ)
def customer_timeline(request: HttpRequest, customer_id: str):
    customer = _customer_or_404(customer_id)
    channel = request.GET.get("channel") or None
    kind = request.GET.get("type") or None
    items = queries.timeline(customer.public_id, channel=channel, type=kind, limit=200, principal=principal(request))
    return render(request, "customers/_timeline.html", {"timeline": items, "customer": customer})


@require_POST
@staff_required(*roles.WRITE)
def set_consent(request: HttpRequest, customer_id: str):
    customer = _customer_or_404(customer_id)
    try:
        with transaction.atomic():
            services.do_set_consent(
                customer=customer, channel=request.POST.get("channel", ""), purpose=request.POST.get("purpose", ""),
                granted=request.POST.get("granted") == "1", source="console",
                proof=_("Changed in the console by %(user)s") % {"user": request.user.get_username()},
                actor=principal(request),
            )
        messages.success(request, _("Consent updated."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect("customers:detail", customer_id=customer.public_id)


def _birth_date(post) -> dict:
    """The form's day, month and year boxes (absent from an older form: the birth date is kept)."""
    if "birth_day" not in post:
        return {}
    return {"birth_date": {part: post.get(f"birth_{part}", "") for part in ("day", "month", "year")}}


@require_POST
@staff_required(*roles.WRITE)
def set_preferences(request: HttpRequest, customer_id: str):
    customer = _customer_or_404(customer_id)
    preferred = {p: request.POST.get(f"preferred_{p}", "") for p in Purpose.values}
    try:
        with transaction.atomic():
            services.do_update_preferences(
                customer=customer, language=request.POST.get("language", ""),
                time_zone=request.POST.get("time_zone", ""), contact_from=request.POST.get("contact_from", ""),
                contact_to=request.POST.get("contact_to", ""), preferred_channels=preferred, actor=principal(request),
                **_birth_date(request.POST),
            )
            if "name" in request.POST:
                services.do_update_profile(customer=customer, name=request.POST["name"], actor=principal(request))
        messages.success(request, _("Preferences saved."))
    except Problem as problem:
        show_problem(request, problem, fields={"birth_date": "birth_day"})
    return redirect("customers:detail", customer_id=customer.public_id)


@require_POST
@staff_required(*roles.MERGE)
def merge(request: HttpRequest, customer_id: str):
    """Merging cannot be undone: the console asks first (a <dialog> with JavaScript; without it, this
    view answers a confirmation page naming both customers), and merges only a `confirmed` post."""
    customer = _customer_or_404(customer_id)
    other_id = request.POST.get("other_id", "").strip()[:40]
    if request.POST.get("confirmed") != "1":
        try:
            other = queries.get_customer(other_id)
        except NotFound:
            messages.error(request, _("No customer %(id)s.") % {"id": other_id or "—"})
            return redirect("customers:detail", customer_id=customer.public_id)
        return render(request, "customers/merge_confirm.html",
                      {"title": _("Merge customers"), "customer": customer, "other": other})
    try:
        with transaction.atomic():
            survivor = services.do_merge_customers(survivor=customer, other=other_id, actor=principal(request),
                                                   reason="console")
        messages.success(request, _("Customers merged."))
        return redirect("customers:detail", customer_id=survivor.public_id)
    except Problem as problem:
        show_problem(request, problem)
    return redirect("customers:detail", customer_id=customer.public_id)


@staff_required(*roles.PRIVACY)
def export(request: HttpRequest, customer_id: str):
    customer = _customer_or_404(customer_id)
    with transaction.atomic():
        data = services.do_export_customer(customer=customer, actor=principal(request))
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{customer.public_id}.json"'
    return response


@staff_required(*roles.PRIVACY)
def erase(request: HttpRequest, customer_id: str):
    customer = _customer_or_404(customer_id)
    if request.method == "POST":
        if request.POST.get("confirm") != customer.public_id:
            messages.error(request, _("Type the customer id to confirm the erasure."))
        else:
            try:
                with transaction.atomic():
                    services.do_erase_customer(customer=customer, actor=principal(request),
                                               reason=request.POST.get("reason", "")[:500])
                messages.success(request, _("The customer's personal data was erased."))
                return redirect("customers:detail", customer_id=customer.public_id)
            except Problem as problem:
                show_problem(request, problem)
    return render(request, "customers/erase.html", {"title": _("Erase customer"), "customer": customer})


@staff_required(*roles.MERGE)
def duplicates(request: HttpRequest):
    rows = queries.open_suggestions(limit=100)
    people = queries.identities_by_customer([pk for s in rows for pk in (s.customer_a_id, s.customer_b_id)])
    if rows:
        audit.record(actor=principal(request), action="customer.suggestions", target_type="customer", target_id="*",
                     after={"suggestions": [s.public_id for s in rows]})
    items = [
        {"suggestion": s, "reasons": queries.suggestion_reason_labels(s),
         "a": (s.customer_a, people[s.customer_a_id]), "b": (s.customer_b, people[s.customer_b_id])}
        for s in rows
    ]
    return render(request, "customers/duplicates.html", {"title": _("Duplicates"), "items": items})


@require_POST
@staff_required(*roles.MERGE)
def find_duplicates(request: HttpRequest):
    with transaction.atomic():
        found = services.do_find_duplicates(actor=principal(request))
    messages.success(request, _("%(count)d new suggestions.") % {"count": len(found)})
    return redirect("customers:duplicates")


@require_POST
@staff_required(*roles.MERGE)
def decide(request: HttpRequest, suggestion_id: str, decision: str):
    try:
        with transaction.atomic():
            if decision == "accept":
                survivor = services.do_accept_suggestion(suggestion_id=suggestion_id, actor=principal(request))
                messages.success(request, format_html(
                    '{} <a href="{}">{}</a>', _("Merged into"),
                    reverse("customers:detail", args=[survivor.public_id]), survivor.name or survivor.public_id))
                if request.POST.get("next") == "survivor":
                    return redirect("customers:detail", customer_id=survivor.public_id)
            else:
                services.do_reject_suggestion(suggestion_id=suggestion_id, actor=principal(request))
                messages.success(request, _("Suggestion rejected; this pair will not be suggested again."))
    except Problem as problem:
        show_problem(request, problem)
    return _back(request, reverse("customers:duplicates"))


urlpatterns = [
    path("", customer_list, name="list"),
    path("duplicates/", duplicates, name="duplicates"),
    path("duplicates/find/", find_duplicates, name="find_duplicates"),
    path("duplicates/<str:suggestion_id>/accept/", decide, {"decision": "accept"}, name="accept"),
    path("duplicates/<str:suggestion_id>/reject/", decide, {"decision": "reject"}, name="reject"),
    path("<str:customer_id>/", customer_detail, name="detail"),
    path("<str:customer_id>/timeline/", customer_timeline, name="timeline"),
    path("<str:customer_id>/consents/", set_consent, name="consent"),
    path("<str:customer_id>/preferences/", set_preferences, name="preferences"),
    path("<str:customer_id>/merge/", merge, name="merge"),
    path("<str:customer_id>/export/", export, name="export"),
    path("<str:customer_id>/erase/", erase, name="erase"),
]
