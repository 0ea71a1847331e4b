"""The console's survey triggers and due sends (Console → Voice of the customer → Surveys → Triggers, Due
sends): the triggers with their event, delay and targeting — create, edit, pause and resume — and the
sends waiting for their time (customer, survey or review request, due time in the reader's zone, the
channel), each cancellable while it waits. Rights as the API's: reading roles.READ, acting roles.SURVEYS.
Mounted by views.py's urlpatterns."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.feedback import queries, roles
from omnicanal.feedback.models import DueStatus, TriggerEvent
from omnicanal.feedback.services import triggers
from omnicanal.inventory import queries as inventory

# Where an error of the service lands on the form (show_problem's `fields`): the same names.
FORM_FIELDS = {"event": "event", "delay_hours": "delay_hours", "channel": "channel", "store": "store"}


def _choices() -> dict:
    """What the targeting boxes offer: sale channels and messaging channels, and the stores."""
    channels = triggers.targeting_channels()
    stores = sorted((info.code, info.name) for info in inventory.location_infos().values())
    return {"events": TriggerEvent.choices, "channels": channels, "stores": stores}


def _posted(request: HttpRequest) -> dict:
    raw = request.POST.get("delay_hours", "0").strip() or "0"
    try:
        delay: int | str = int(raw)
    except ValueError:
        delay = raw  # refused by the service, on its field
    return {"event": request.POST.get("event", ""), "delay_hours": delay,
            "channel": request.POST.get("channel", "").strip(), "store": request.POST.get("store", "").strip(),
            "curbside": request.POST.get("curbside") == "1", "bot": request.POST.get("bot") == "1"}


@staff_required(*roles.SURVEYS)
def trigger_list(request: HttpRequest):
    """GET: the triggers (of one survey with ?survey=); POST: a new trigger."""
    survey_id = request.GET.get("survey", "") or request.POST.get("survey_id", "")
    if request.method == "POST":
        try:
            with transaction.atomic():
                triggers.do_create_trigger(survey_id=survey_id, actor=request.principal, **_posted(request))
            messages.success(request, _("Trigger saved."))
            return redirect(f"{reverse('feedback:survey_triggers')}?{urlencode({'survey': survey_id})}")
        except Problem as problem:
            show_problem(request, problem, fields=FORM_FIELDS)
    return render(request, "feedback/survey_triggers.html", {
        "title": _("Survey triggers"), "triggers": queries.survey_triggers(survey_id=survey_id),
        "surveys": queries.survey_names(), "survey_id": survey_id, "form": _posted(request) if request.POST else {},
        **_choices(),
    })


@staff_required(*roles.SURVEYS)
def trigger_edit(request: HttpRequest, trigger_id: str):
    trigger = queries.survey_trigger(trigger_id)
    if trigger is None:
        raise Http404
    form = {"event": trigger.event, "delay_hours": trigger.delay_hours, "channel": trigger.channel,
            "store": trigger.store, "curbside": trigger.curbside, "bot": trigger.bot}
    if request.method == "POST":
        form = _posted(request)
        try:
            with transaction.atomic():
                triggers.do_update_trigger(trigger_id=trigger_id, actor=request.principal, **form)
            messages.success(request, _("Trigger saved."))
            return redirect(f"{reverse('feedback:survey_triggers')}?{urlencode({'survey': trigger.survey_id})}")
        except Problem as problem:
            show_problem(request, problem, fields=FORM_FIELDS)
    return render(request, "feedback/survey_trigger_edit.html", {
        "title": _("Edit trigger"), "trigger": trigger, "form": form, **_choices()})


@require_POST
@staff_required(*roles.SURVEYS)
def trigger_active(request: HttpRequest, trigger_id: str):
    """Pause (active=0) or resume (active=1) a trigger."""
    on = request.POST.get("active") == "1"
    try:
        with transaction.atomic():
            trigger = triggers.do_update_trigger(trigger_id=trigger_id, actor=request.principal, active=on)
        messages.success(request, _("Trigger resumed.") if on else _("Trigger paused: it schedules nothing new."))
        query = urlencode({"survey": trigger.survey.public_id})
    except Problem as problem:
        show_problem(request, problem)
        query = ""
    return redirect(f"{reverse('feedback:survey_triggers')}?{query}#t-{trigger_id}")


# --- due sends ----------------------------------------------------------------------------------------


@staff_required(*roles.SURVEYS)
def due_list(request: HttpRequest):
    status = request.GET.get("status", DueStatus.PENDING)
    status = status if status in DueStatus.values else DueStatus.PENDING
    rows = queries.due_sends(status=status, survey_id=request.GET.get("survey", ""), limit=200)
    return render(request, "feedback/due_sends.html", {
        "title": _("Due sends"), "rows": rows, "status": status, "statuses": DueStatus.choices,
        "counts": queries.due_counts(),
    })


@require_POST
@staff_required(*roles.SURVEYS)
def due_cancel(request: HttpRequest, due_id: int):
    try:
        with transaction.atomic():
            triggers.do_cancel_due(due_id=due_id, actor=request.principal)
        messages.success(request, _("Cancelled: it will not be sent."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect(reverse("feedback:due_sends"))


urlpatterns = [
    path("survey-triggers/", trigger_list, name="survey_triggers"),
    path("survey-triggers/<str:trigger_id>/", trigger_edit, name="survey_trigger_edit"),
    path("survey-triggers/<str:trigger_id>/active/", trigger_active, name="survey_trigger_active"),
    path("due-sends/", due_list, name="due_sends"),
    path("due-sends/<int:due_id>/cancel/", due_cancel, name="due_send_cancel"),
]
