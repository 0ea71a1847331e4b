"""The console's marketing page: a customer's recommendations and purchase cycles previewed (as the
shop and the reminders see them), the recommender's last training and a button to retrain."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.catalog import queries as catalog
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import NotFound, Problem
from omnicanal.marketing import campaign_forms, campaigns, queries, roles, services


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


# --- campaigns: compose, preview per channel, schedule or launch, results ----------------------------


def _local_time(text: str):
    """A datetime-local field's value, in the reader's time zone (core/local_time.py; None when empty)."""
    at = parse_datetime(text.strip()) if text.strip() else None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=timezone.get_current_timezone())
    return at


@staff_required(*roles.CAMPAIGNS)
def campaign_list(request: HttpRequest):
    if request.method == "POST":
        try:
            with transaction.atomic():
                at = _local_time(request.POST.get("scheduled_at", ""))
                row = campaigns.do_create_campaign(
                    name=request.POST.get("name", ""), segment_id=request.POST.get("segment_id", "").strip(),
                    message={k: request.POST.get(f"message_{k}", "") for k in campaigns.LANGUAGES},
                    channels=request.POST.getlist("channels") or None,
                    control_percent=int(request.POST.get("control_percent") or 0), scheduled_at=at,
                    templates=campaign_forms.templates_from_form(request.POST),
                    promote_skus=campaign_forms.skus_from_form(request.POST),
                    shop_channel=request.POST.get("shop_channel", "web") or "web",
                    link=request.POST.get("link", "").strip(),
                    recommendations=int(request.POST.get("recommendations") or 0),
                    coupon=campaign_forms.coupon_from_form(request.POST), actor=principal(request))
            return redirect("marketing:campaign", campaign_id=row.public_id)
        except (Problem, ValueError) as problem:
            if isinstance(problem, Problem):
                show_problem(request, problem)
            else:
                messages.error(request, _("Check the numbers."))
    return render(request, "marketing/campaigns.html", {
        "title": _("Campaigns"), "campaigns": queries.campaigns(), "channels": campaigns.CHANNELS,
        "boxes": campaign_forms.boxes(request.POST), "shop_channels": catalog.channel_codes(), "form": request.POST,
        "coupon_kinds": campaign_forms.COUPON_KINDS})


@staff_required(*roles.CAMPAIGNS)
def campaign(request: HttpRequest, campaign_id: str):
    return _campaign_page(request, campaign_id)


def _campaign_page(request: HttpRequest, campaign_id: str, edited=None, status: int = 200):
    """The campaign's page; `edited` is what the marketer typed in the edit form when it came back
    with an error (shown again, open), else the saved message and templates fill it."""
    try:
        results = queries.campaign_results(campaign_id)
    except NotFound as exc:
        raise Http404 from exc
    customer_id = request.GET.get("customer", "").strip()[:40]
    previews, error = [], ""
    if customer_id:
        try:
            previews = campaigns.preview(campaign_id=campaign_id, customer_id=customer_id)
        except Problem as problem:
            error = str(problem.detail)
    setup = campaign_forms.setup(campaign_id)
    editable = results.status in ("draft", "scheduled")
    form = edited if edited is not None else campaign_forms.form_values(setup.templates, setup.message)
    return render(request, "marketing/campaign.html", {
        "title": results.name, "c": results, "customer_id": customer_id, "previews": previews, "error": error,
        "setup": setup, "chart": campaign_forms.chart(results),
        "edit_boxes": campaign_forms.boxes(form, prefix="edit-") if editable else None, "edit_form": form,
        "edit_open": edited is not None}, status=status)


@require_POST
@staff_required(*roles.CAMPAIGNS)
def campaign_templates(request: HttpRequest, campaign_id: str):
    """Edit a draft's (or scheduled one's) message and templates per channel; a bad one comes back
    with the error and what was typed."""
    try:
        with transaction.atomic():
            campaigns.do_update_campaign(
                campaign_id=campaign_id, actor=principal(request),
                message={k: request.POST.get(f"message_{k}", "") for k in campaigns.LANGUAGES},
                templates=campaign_forms.templates_from_form(request.POST) or {})
    except NotFound as exc:
        raise Http404 from exc
    except Problem as problem:
        show_problem(request, problem)
        return _campaign_page(request, campaign_id, edited=request.POST, status=problem.status)
    messages.success(request, _("Campaign saved."))
    return redirect("marketing:campaign", campaign_id=campaign_id)


@require_POST
@staff_required(*roles.CAMPAIGNS)
def campaign_schedule(request: HttpRequest, campaign_id: str):
    """Schedule (or move) a draft: the worker launches it then."""
    at = _local_time(request.POST.get("scheduled_at", ""))
    if at is None:
        messages.error(request, _("Give a date and time."))
        return redirect("marketing:campaign", campaign_id=campaign_id)
    try:
        with transaction.atomic():
            campaigns.do_schedule_campaign(campaign_id=campaign_id, at=at, actor=principal(request))
        messages.success(request, _("Campaign scheduled."))
    except Problem as problem:
        show_problem(request, problem, fields={"at": "scheduled_at"})
    return redirect("marketing:campaign", campaign_id=campaign_id)


@require_POST
@staff_required(*roles.CAMPAIGNS)
def campaign_launch(request: HttpRequest, campaign_id: str):
    try:
        with transaction.atomic():
            campaigns.do_launch_campaign(campaign_id=campaign_id, actor=principal(request))
        messages.success(request, _("Campaign launched."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect("marketing:campaign", campaign_id=campaign_id)


urlpatterns = [
    path("", home, name="home"),
    path("retrain/", retrain, name="retrain"),
    path("campaigns/", campaign_list, name="campaigns"),
    path("campaigns/<str:campaign_id>/", campaign, name="campaign"),
    path("campaigns/<str:campaign_id>/launch/", campaign_launch, name="campaign-launch"),
    path("campaigns/<str:campaign_id>/schedule/", campaign_schedule, name="campaign-schedule"),
    path("campaigns/<str:campaign_id>/templates/", campaign_templates, name="campaign-templates"),
]

# Flows (automated journeys): marketing.flow_views.
from omnicanal.marketing import flow_views  # noqa: E402

urlpatterns += [path("flows/", flow_views.flow_list, name="flows")]


# Subscriptions' console page lives in its own module (subscription_views.py).
from omnicanal.marketing import subscription_views  # noqa: E402

urlpatterns += [
    path("subscriptions/", subscription_views.subscription_list, name="subscriptions"),
    path("subscriptions/<str:subscription_id>/<str:action>/", subscription_views.subscription_action,
         name="subscription-action"),
]

# The segment builder (segment_views.py): its own module, mounted here.
from omnicanal.marketing import segment_views  # noqa: E402

urlpatterns += segment_views.urlpatterns
