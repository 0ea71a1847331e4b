"""The console's manager dashboard: KPI cards beside the previous period, charts (Chart.js, vendored
under static/analytics/vendor/) each with its table, drill-down pages behind the numbers, and CSV /
XLSX exports of every table. Filters: period (whole UTC days, so the daily rollups answer), channel
and location; store staff see their own stores only (api.scoped_locations, the API's own rule)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from omnicanal.analytics import dashboard, drill, exports, queries, roles
from omnicanal.analytics.api import MAX_SPAN, checked_channel, scoped_locations
from omnicanal.analytics.dashboard import COUNT, FRACTION, MINUTES, MONEY, Card, Table
from omnicanal.analytics.totals import Filters
from omnicanal.catalog import queries as catalog
from omnicanal.core import clock, labels
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import Forbidden, Problem, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.inventory import queries as inventory

DEFAULT_DAYS = 30
PRESETS = (7, 30, 90, 365)
DRILL_ROWS = 500  # shown on the page; the exports hold every row


# --- filters ------------------------------------------------------------------------------------

def _date(request: HttpRequest, name: str) -> dt.date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.on(name, _("give a date as YYYY-MM-DD")) from None


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """[first, last] days, both included (UTC): the last 30 days up to today by default."""
    today = clock.now().astimezone(dt.UTC).date()
    last = _date(request, "to") or today
    days = request.GET.get("days", "")
    if _date(request, "from") is not None:
        first = _date(request, "from")
    else:
        span = int(days) if days.isdigit() and int(days) in PRESETS else DEFAULT_DAYS
        first = last - dt.timedelta(days=span - 1)
    assert first is not None
    if first > last:
        raise ValidationFailed.on("to", _("must not be before from"))
    if (last - first) + dt.timedelta(days=1) > MAX_SPAN:
        raise ValidationFailed.on("to", _("a period spans at most 366 days"))
    return first, last


def _filters(request: HttpRequest) -> tuple[Filters, dict[str, str]]:
    """The filters asked for, and the query string that repeats them (drill-down and export links)."""
    first, last = _period(request)
    channel = request.GET.get("channel", "").strip()[:30] or None
    location = request.GET.get("location", "").strip().upper()[:32] or None
    try:
        locations = scoped_locations(principal(request), location)
    except Forbidden as exc:
        raise PermissionDenied from exc
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    params = {"from": first.isoformat(), "to": last.isoformat()}
    params.update({k: v for k, v in (("channel", channel), ("location", location)) if v})
    return Filters(start=start, end=end, channel=checked_channel(channel), locations=locations), params


def _filters_or_default(request: HttpRequest) -> tuple[Filters, dict[str, str]]:
    """A bad filter is said on the page and the default period answers (never a 500)."""
    try:
        return _filters(request)
    except ValidationFailed as problem:
        show_problem(request, problem)
        today = clock.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        end = today + dt.timedelta(days=1)
        scoped = scoped_locations(principal(request), None)
        start = end - dt.timedelta(days=DEFAULT_DAYS)
        return Filters(start=start, end=end, locations=scoped), {
            "from": start.date().isoformat(), "to": today.date().isoformat()}


# --- formatting ---------------------------------------------------------------------------------

def show(value: Any, unit: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")  # UTC, like the period and the exports
    if unit == MONEY:
        return Money.of(value["amount"] if isinstance(value, dict) else value).format()
    if unit == FRACTION:
        return f"{float(value) * 100:.1f} %"
    if unit == MINUTES:
        return f"{float(value):.1f}"
    if unit == COUNT:
        return str(int(value))
    return str(value)


def _change(card: Card) -> str:
    change = card.change
    if change is None:
        return ""
    if card.unit == FRACTION:
        return _("%(sign)s%(n).1f pts") % {"sign": "+" if change >= 0 else "−", "n": abs(change) * 100}
    sign = "+" if change >= 0 else "−"
    return f"{sign}{abs(change) * 100:.1f} %"


def _url(name: str, args: list[str], params: dict[str, str], **narrow: str) -> str:
    return f"{reverse(name, args=args)}?{urlencode({**params, **{k: v for k, v in narrow.items() if v}})}"


def _row_link(link: tuple[str, str] | None) -> str:
    if link is None:
        return ""
    kind, ref = link
    return reverse("orders:detail", args=[ref]) if kind == "order" else reverse("conversations:conversation", args=[ref])


def _shown_table(table: Table, params: dict[str, str], limit: int | None = None) -> dict:
    rows = []
    for row in table.rows[:limit]:
        units = row.get("_units", {})
        cells = []
        for i, col in enumerate(table.columns):
            value = row.get(col.key)
            text = labels.label(col.words, value) if col.words else show(value, units.get(col.key, col.unit))
            cell = {"text": text, "numeric": col.unit != "text", "href": ""}
            if col.key in table.drills and value:
                cell["href"] = _url("analytics:drill", [table.drills[col.key]], params,
                                    channel=row.get("channel", ""), location=row.get("location", ""))
            elif i == 0 and "_link" in row:
                cell["href"] = _row_link(row["_link"])
            cells.append(cell)
        rows.append(cells)
    return {"name": table.name, "title": table.title, "columns": table.columns, "rows": rows,
            "total": len(table.rows), "chart": _chart(table),
            "csv": _url("analytics:export", [table.name, exports.CSV], params),
            "xlsx": _url("analytics:export", [table.name, exports.XLSX], params)}


def _chart(table: Table) -> dict | None:
    """Chart.js' data for the table's chart (fractions as percentages); None without rows."""
    if table.chart is None or not table.rows:
        return None
    labels = {col.key: str(col.label) for col in table.columns}
    units = {col.key: col.unit for col in table.columns}

    def number(value: Any, unit: str) -> float | None:
        if value is None:
            return None
        return round(float(value) * 100, 1) if unit == FRACTION else float(Decimal(str(value)))

    return {"labels": [str(row[table.chart.label]) for row in table.rows],
            "datasets": [{"label": labels[key], "data": [number(row.get(key), units[key]) for row in table.rows]}
                         for key in table.chart.series],
            "percent": any(units[key] == FRACTION for key in table.chart.series)}


# --- pages --------------------------------------------------------------------------------------

def _choices(request: HttpRequest) -> dict:
    me = principal(request)
    locations = inventory.location_infos()
    visible = sorted(code for code in locations if me.may_act_on(code))
    return {"channels": sorted(catalog.channel_codes()),
            "locations": [(code, locations[code].name) for code in visible], "presets": PRESETS}


@staff_required(*roles.KPIS)
def home(request: HttpRequest):
    filters, params = _filters_or_default(request)
    now, before = queries.report(filters), queries.report(filters.previous())
    cards = [{"card": card, "value": show(card.value, card.unit), "previous": show(card.previous, card.unit),
              "change": _change(card),
              "href": _url("analytics:drill", [card.drill], params) if card.drill else ""}
             for card in dashboard.cards(now, before)]
    tables = [_shown_table(t, params) for t in dashboard.tables(now, before)]
    return render(request, "analytics/dashboard.html", {
        "title": _("Dashboard"), "cards": cards, "tables": tables[1:], "kpi_table": tables[0],
        "params": params, "source": now.source, "store_scoped": filters.locations is not None,
        "scope": sorted(filters.locations or ()), **_choices(request)})


@staff_required(*roles.KPIS)
def drill_down(request: HttpRequest, kind: str):
    if kind not in drill.KINDS:
        raise Http404
    filters, params = _filters_or_default(request)
    table = drill.table(kind, filters)
    return render(request, "analytics/drill.html", {
        "title": table.title, "table": _shown_table(table, params, DRILL_ROWS), "params": params,
        "kind": kind, "limit": DRILL_ROWS, "back": f"{reverse('analytics:home')}?{urlencode(params)}"})


def _table(name: str, filters: Filters) -> Table:
    if name.startswith("drill_") and name.removeprefix("drill_") in drill.KINDS:
        return drill.table(name.removeprefix("drill_"), filters)
    if name not in dashboard.TABLE_NAMES:
        raise Http404
    found = dashboard.tables(queries.report(filters), queries.report(filters.previous()))
    return next(t for t in found if t.name == name)


@staff_required(*roles.KPIS)
def export(request: HttpRequest, name: str, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    try:
        filters, params = _filters(request)
    except Problem as problem:
        return HttpResponse(str(problem.detail or problem.title), status=problem.status,
                            content_type="text/plain; charset=utf-8")
    table = _table(name, filters)
    response = HttpResponse(exports.export(table, fmt), content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}_{params["from"]}_{params["to"]}.{fmt}"'
    return response


app_name = "analytics"
urlpatterns = [
    path("", home, name="home"),
    path("drill/<str:kind>/", drill_down, name="drill"),
    path("export/<str:name>.<str:fmt>", export, name="export"),
]
