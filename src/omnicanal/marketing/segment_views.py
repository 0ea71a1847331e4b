"""The console's segment builder: saved segments (with their export and ad-audience downloads) and a
form of rule rows (field, operator, value) whose live count HTMX asks on every change (counted over
the population kept a minute, marketing/population.py; audited as services.do_count_segment says);
saving it is audited (services.do_create_segment). Marketer and manager only (roles.SEGMENTS)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.marketing import audiences, registry, roles, segments, services
from omnicanal.marketing.models import Segment

ROWS = 3  # empty rows a new builder shows; "Add a rule" adds one more
OPS = ("any_of", "none_of", "gte", "lte")


def rules_from_form(data) -> list[dict]:
    """The builder's rows (field_<i>, op_<i>, value_<i>) as API rules; a row without a field is
    skipped, a list field's value is split on commas."""
    extra = {name: source.kind for name, source in registry.rule_sources().items()}
    list_fields = segments.LIST_FIELDS | {f for f, kind in extra.items() if kind == "list"}
    rules = []
    for i in range(segments.MAX_RULES + 1):
        field = data.get(f"field_{i}", "").strip()
        if not field:
            continue
        raw = data.get(f"value_{i}", "").strip()
        value = [v.strip() for v in raw.split(",") if v.strip()] if field in list_fields else raw
        rules.append({"field": field, "op": data.get(f"op_{i}", "").strip(), "value": value})
    return rules


def _field_choices() -> list[str]:
    return sorted(segments.FIELDS) + sorted(registry.rule_sources())


def _rows(data, count: int) -> list[dict]:
    return [{"i": i, "field": data.get(f"field_{i}", ""), "op": data.get(f"op_{i}", ""),
             "value": data.get(f"value_{i}", "")} for i in range(count)]


def _count_context(request: HttpRequest, data) -> dict:
    """The live count of the rows (audited as services.do_count_segment says), or what is wrong."""
    try:
        with transaction.atomic():
            size = services.do_count_segment(rules=rules_from_form(data), actor=principal(request), via="console")
        return {"size": size, "problem": None, "row_errors": []}
    except Problem as problem:
        return {"size": None, "problem": problem, "row_errors": [_row_error(e.field, e.message) for e in problem.errors]}


def _row_error(field: str, message) -> str:
    """"rules.2.value" → "Rule 3 (value): …" (the rows are numbered from 1 on the page)."""
    parts = field.split(".")
    if len(parts) == 3 and parts[1].isdigit():
        part = {"field": _("field"), "op": _("condition"), "value": _("value")}.get(parts[2], parts[2])
        return _("Rule %(n)s (%(part)s): %(message)s") % {"n": int(parts[1]) + 1, "part": part, "message": message}
    return str(message)


@staff_required(*roles.SEGMENTS)
def segment_list(request: HttpRequest):
    data = request.POST if request.method == "POST" else request.GET
    count = min(max(int(data.get("rows") or ROWS) if str(data.get("rows", "")).isdigit() else ROWS, 1),
                segments.MAX_RULES)
    if request.method == "POST" and "add" in request.POST:
        count = min(count + 1, segments.MAX_RULES)
    elif request.method == "POST":
        try:
            with transaction.atomic():
                row = services.do_create_segment(name=request.POST.get("name", ""),
                                                 rules=rules_from_form(request.POST), actor=principal(request))
            messages.success(request, _("Segment saved: %(n)s customers.") % {"n": row.size})
            return redirect("marketing:segments")
        except Problem as problem:
            show_problem(request, problem, fields={"name": "name"})
    return render(request, "marketing/segments.html", {
        "title": _("Segments"), "segments": Segment.objects.order_by("-created_at", "-pk")[:100],
        "rows": _rows(data, count), "row_count": count, "fields": _field_choices(), "ops": OPS,
        "name": data.get("name", ""), "platforms": sorted(audiences.PLATFORMS), **_count_context(request, data)})


@require_POST
@staff_required(*roles.SEGMENTS)
def segment_count(request: HttpRequest):
    """The live count (HTMX): the number of customers the rows select now, or what is wrong with them."""
    return render(request, "marketing/_segment_count.html", _count_context(request, request.POST))


def _file(found: audiences.Download) -> HttpResponse:
    response = HttpResponse(found.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


@staff_required(*roles.SEGMENTS)
def segment_export(request: HttpRequest, segment_id: str):
    try:
        return _file(audiences.do_export_segment(segment_id=segment_id, actor=principal(request)))
    except Problem as problem:
        show_problem(request, problem)
        return redirect("marketing:segments")


@staff_required(*roles.SEGMENTS)
def segment_audience(request: HttpRequest, segment_id: str, platform: str):
    try:
        return _file(audiences.do_export_audience(segment_id=segment_id, platform=platform, actor=principal(request)))
    except Problem as problem:
        show_problem(request, problem)
        return redirect("marketing:segments")


urlpatterns = [
    path("segments/", segment_list, name="segments"),
    path("segments/count/", segment_count, name="segment-count"),
    path("segments/<str:segment_id>/export/", segment_export, name="segment-export"),
    path("segments/<str:segment_id>/audience/<str:platform>/", segment_audience, name="segment-audience"),
]
