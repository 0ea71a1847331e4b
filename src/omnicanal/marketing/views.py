"""The console's marketing page: a customer's recommendations and purchase cycles previewed (as the
shop and the reminders see them), the recommender's last training and a button to retrain."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.catalog import queries as catalog
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.marketing import queries, roles, services


@staff_required(*roles.READ)
def home(request: HttpRequest):
    customer_id = request.GET.get("customer", "").strip()[:40]
    channel = request.GET.get("channel", "web")
    channels = catalog.channel_codes()
    channel = channel if channel in channels else "web"
    language = "en" if (getattr(request, "LANGUAGE_CODE", "") or "es").startswith("en") else "es"
    cycles, found, error = [], [], ""
    if customer_id:
        try:
            cycles = queries.purchase_cycles(customer_id, language=language)
            found = queries.recommend(customer_id=customer_id, channel=channel, limit=10, language=language)
        except Problem as problem:
            error = str(problem.detail)
    return render(request, "marketing/home.html", {
        "title": _("Marketing"), "customer_id": customer_id, "channel": channel, "channels": channels,
        "cycles": cycles, "recommendations": found, "error": error, "training": queries.last_training(),
    })


@require_POST
@staff_required(*roles.OPERATE)
def retrain(request: HttpRequest):
    try:
        with transaction.atomic():
            row = services.do_train_recommender()
        messages.success(request, _("Recommender retrained on %(n)s bought lines.") % {"n": row.purchases})
    except Problem as problem:
        show_problem(request, problem)
    return redirect("marketing:home")


urlpatterns = [
    path("", home, name="home"),
    path("retrain/", retrain, name="retrain"),
]
