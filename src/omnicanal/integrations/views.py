"""The console's webhook endpoints: each with its delivery log, redelivery, enable and disable, edit,
delete (after a confirmation dialog) and signing-secret rotation (the new secret shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.catalog import queries as catalog
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.integrations import catalogue, feeds, queries, roles, services, tasks


@staff_required(*roles.READ)
def webhooks(request: HttpRequest):
    endpoints = queries.endpoints()
    return render(request, "integrations/webhooks.html", {
        "title": _("Webhooks"),
        "endpoints": [(endpoint, queries.deliveries(endpoint.id, limit=20)) for endpoint in endpoints],
        "event_names": list(catalogue.EVENTS),
        "feeds": [(code, feeds.feed_path(code, "xml"), feeds.feed_path(code, "csv")) for code in catalog.channel_codes()],
    })


@require_POST
@staff_required(*roles.MANAGE)
def endpoint_action(request: HttpRequest, endpoint_id: str, action: str):
    try:
        with transaction.atomic():
            if action == "enable":
                pk = services.do_set_active(actor=request.principal, endpoint_id=endpoint_id, active=True)
                transaction.on_commit(lambda: tasks.deliver_endpoint(pk))
                messages.success(request, _("Endpoint enabled."))
            elif action == "disable":
                services.do_set_active(actor=request.principal, endpoint_id=endpoint_id, active=False)
                messages.success(request, _("Endpoint disabled."))
            elif action == "redeliver":
                pk = services.do_redeliver(actor=request.principal, endpoint_id=endpoint_id,
                                           delivery_id=request.POST.get("delivery", ""))
                transaction.on_commit(lambda: tasks.deliver_endpoint(pk))
                messages.success(request, _("Delivery queued again."))
            elif action == "edit":
                services.do_update_endpoint(
                    actor=request.principal, endpoint_id=endpoint_id, url=request.POST.get("url", "").strip(),
                    events=request.POST.getlist("events"), scopes=request.POST.getlist("scopes"),
                    description=request.POST.get("description", "").strip())
                messages.success(request, _("Endpoint saved."))
            elif action == "delete":
                services.do_delete_endpoint(actor=request.principal, endpoint_id=endpoint_id)
                messages.success(request, _("Endpoint deleted."))
            elif action == "rotate":
                secret, until = services.do_rotate_secret(actor=request.principal, endpoint_id=endpoint_id)
                # Shown on this answer only (never stored in a message or the session).
                return render(request, "integrations/secret.html", {
                    "title": _("New signing secret"), "endpoint": queries.endpoint(endpoint_id),
                    "secret": secret, "until": until})
            else:
                raise Http404
    except Problem as problem:
        show_problem(request, problem)
    return redirect(reverse("integrations:webhooks"))


urlpatterns = [
    path("webhooks/", webhooks, name="webhooks"),
    path("webhooks/<str:endpoint_id>/<str:action>", endpoint_action, name="endpoint_action"),
]
