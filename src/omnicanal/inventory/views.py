"""Console pages of the inventory: the stock grid, movement history, receipt, adjustment, count and
transfer forms, transfers, count variance reports, locations and reservations.

A store clerk sees the whole grid (to tell a customer which store has the size) but changes stock
only at their own locations: the forms offer only those, and the services' callers check again.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from omnicanal.core.auth import require_location
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import NotFound, Problem
from omnicanal.inventory import queries, roles, services
from omnicanal.inventory.forms import AdjustmentForm, CountForm, HolidayForm, ReceiptForm, TransferForm
from omnicanal.inventory.models import MovementKind, TransferStatus

LOW_STOCK = 2


def _codes(request: HttpRequest) -> list[str] | None:
    locations = request.principal.locations
    return sorted(locations) if locations is not None else None


@staff_required(*roles.READ)
def grid(request: HttpRequest):
    sku = request.GET.get("sku", "").strip()
    location = request.GET.get("location", "")
    low = LOW_STOCK if request.GET.get("low") else None
    page_number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    per_page = 40
    columns, rows, total = queries.stock_grid(sku=sku, location=location, low=low, limit=per_page,
                                              offset=(page_number - 1) * per_page)
    pages = max(1, (total + per_page - 1) // per_page)
    return render(request, "inventory/grid.html", {
        "title": _("Stock"), "columns": columns, "rows": rows, "total": total, "sku": sku, "location": location,
        "low": bool(low), "low_stock": LOW_STOCK, "locations": queries.locations(), "page_number": page_number,
        "pages": pages,
        "in_transit": queries.in_transit(),
    })


@staff_required(*roles.STOCK_WRITE)  # the ledger, as GET /movements
def movement_history(request: HttpRequest):
    filters = {k: request.GET.get(k, "").strip() for k in ("location", "sku", "kind", "reference")}
    # a clerk's ledger is their stores' (transfer references between other stores stay out of sight)
    page = Paginator(queries.movements(**filters, location_codes=_codes(request)), 50).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return render(request, "inventory/movements.html", {
        "title": _("Stock movements"), "page": page, "filters": filters, "query": query,
        "kinds": MovementKind.choices, "locations": queries.locations(),
    })


# Problems name each line ("lines.2.sku"); the forms hold every line in one "lines" box.
LINES = {"lines.sku": "lines", "lines.quantity": "lines", "lines.counted": "lines"}


def _stock_form(request: HttpRequest, form_class, template_title, handle):
    form = form_class(request.POST or None, codes=_codes(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                require_location(request.principal, data["location"])
                message = handle(data, queries.get_location(data["location"]))
        except Problem as problem:
            show_problem(request, problem, fields=LINES)
        else:
            messages.success(request, message)
            return redirect(request.path)
    return render(request, "inventory/form.html", {"title": template_title, "form": form})


@staff_required(*roles.STOCK_WRITE)
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest):
    def handle(data, location):
        services.do_receive_stock(location=location, lines=data["lines"], kind=data["kind"],
                                  reference=data["reference"], actor=request.principal)
        return _("Received %(n)s units at %(code)s.") % {"n": sum(q for _, q in data["lines"]), "code": location.code}

    return _stock_form(request, ReceiptForm, _("Receive stock"), handle)


@staff_required(*roles.STOCK_WRITE)
@require_http_methods(["GET", "POST"])
def adjustment(request: HttpRequest):
    def handle(data, location):
        services.do_adjust_stock(location=location, sku=data["sku"], delta=data["delta"], reason=data["reason"],
                                 actor=request.principal)
        return _("Stock of %(sku)s adjusted at %(code)s.") % {"sku": data["sku"], "code": location.code}

    return _stock_form(request, AdjustmentForm, _("Adjust stock"), handle)


@staff_required(*roles.STOCK_WRITE)
@require_http_methods(["GET", "POST"])
def count(request: HttpRequest):
    form = CountForm(request.POST or None, codes=_codes(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                require_location(request.principal, data["location"])
                counted = services.do_count(location=queries.get_location(data["location"]), lines=data["lines"],
                                            reason=data["reason"], actor=request.principal)
        except Problem as problem:
            show_problem(request, problem, fields=LINES)
        else:
            messages.success(request, _("Count recorded."))
            return redirect("inventory:count-report", count_id=counted.public_id)
    return render(request, "inventory/form.html", {"title": _("Cycle count"), "form": form})


@staff_required(*roles.STOCK_WRITE)
def count_report(request: HttpRequest, count_id: str):
    counted = queries.get_count(count_id)
    if not request.principal.may_act_on(counted.location.code):
        raise Http404  # another store's count: as another store's order (the console's permissions matrix)
    return render(request, "inventory/count.html", {"title": _("Count variance"),
                                                    "report": queries.variance_report(counted)})


@staff_required(*roles.STOCK_WRITE)
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest):
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        principal = request.principal
        try:
            with transaction.atomic():
                if not principal.may_act_on(data["destination"]):
                    require_location(principal, data["origin"])
                moved = services.do_request_transfer(
                    origin=queries.get_location(data["origin"]), destination=queries.get_location(data["destination"]),
                    lines=data["lines"], note=data["note"], actor=principal)
                if data["ship_now"]:
                    require_location(principal, data["origin"])
                    services.do_ship_transfer(transfer_id=moved.id, actor=principal)
        except Problem as problem:
            show_problem(request, problem, fields=LINES)
        else:
            messages.success(request, _("Transfer %(id)s created.") % {"id": moved.id})
            return redirect("inventory:transfers")
    return render(request, "inventory/form.html", {"title": _("New transfer"), "form": form})


@staff_required(*roles.STOCK_WRITE)
def transfer_list(request: HttpRequest):
    status = request.GET.get("status", "")
    page = Paginator(queries.transfers(status=status, location_codes=_codes(request)), 30).get_page(request.GET.get("page"))
    rows = [(t, queries.transfer_lines(t)) for t in page]
    return render(request, "inventory/transfers.html", {
        "title": _("Transfers"), "page": page, "rows": rows, "status": status, "statuses": TransferStatus.choices,
        "query": f"status={status}",
    })


@staff_required(*roles.STOCK_WRITE)
@require_POST
def transfer_action(request: HttpRequest, transfer_id: str, action: str):
    try:
        moved = queries.get_transfer(transfer_id)
    except NotFound as exc:
        raise Http404 from exc
    principal = request.principal
    if not (principal.may_act_on(moved.origin.code) or principal.may_act_on(moved.destination.code)):
        raise Http404  # a transfer between other stores does not exist for this clerk
    try:
        with transaction.atomic():
            if action == "ship":
                require_location(principal, moved.origin.code)
                services.do_ship_transfer(transfer_id=transfer_id, actor=principal)
            elif action == "receive":
                require_location(principal, moved.destination.code)
                services.do_receive_transfer(transfer_id=transfer_id, actor=principal)
            elif action == "cancel":
                if not principal.may_act_on(moved.destination.code):
                    require_location(principal, moved.origin.code)
                services.do_cancel_transfer(transfer_id=transfer_id, actor=principal)
    except Problem as problem:
        show_problem(request, problem)
    else:
        messages.success(request, _("Transfer %(id)s updated.") % {"id": transfer_id})
    return redirect("inventory:transfers")


@staff_required(*roles.READ)
def location_list(request: HttpRequest, form: HolidayForm | None = None):
    return render(request, "inventory/locations.html", {
        "title": _("Locations"), "locations": queries.locations(), "holidays": queries.upcoming_holidays(),
        "holiday_form": form or HolidayForm()})


@staff_required(*roles.LOCATIONS)
@require_POST
def location_holiday(request: HttpRequest):
    """Set (or, with `remove`, delete) a location's holiday or special hours on one date."""
    form = HolidayForm(request.POST)
    if request.POST.get("remove"):
        form.fields["name"].required = False
    if not form.is_valid():
        return location_list(request, form=form)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            location = queries.get_location(data["location"])
            if request.POST.get("remove"):
                services.do_remove_holiday(location=location, date=data["date"], actor=request.principal)
            else:
                services.do_set_holiday(location=location, date=data["date"], name=data["name"], closed=data["closed"],
                                        opens=data["opens"], closes=data["closes"], actor=request.principal)
    except Problem as problem:
        show_problem(request, problem)
        return location_list(request, form=form)
    messages.success(request, _("Hours of %(code)s on %(date)s saved.") % {"code": data["location"], "date": data["date"]})
    return redirect("inventory:locations")


@staff_required(*roles.RESERVE)
def reservation_list(request: HttpRequest):
    status = request.GET.get("status", "active")
    page = Paginator(queries.reservations(status=status), 50).get_page(request.GET.get("page"))
    rows = [(r, queries.reservation_lines(r)) for r in page]
    return render(request, "inventory/reservations.html", {"title": _("Reservations"), "page": page, "rows": rows,
                                                           "status": status, "query": f"status={status}"})


urlpatterns = [
    path("", grid, name="grid"),
    path("movements/", movement_history, name="movements"),
    path("receipt/", receipt, name="receipt"),
    path("adjustment/", adjustment, name="adjustment"),
    path("count/", count, name="count"),
    path("counts/<str:count_id>/", count_report, name="count-report"),
    path("transfers/", transfer_list, name="transfers"),
    path("transfers/new/", transfer_new, name="transfer-new"),
    path("transfers/<str:transfer_id>/<slug:action>/", transfer_action, name="transfer-action"),
    path("locations/", location_list, name="locations"),
    path("locations/holidays/", location_holiday, name="location-holiday"),
    path("reservations/", reservation_list, name="reservations"),
]
