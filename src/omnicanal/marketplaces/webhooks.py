"""Mercado Libre's notification callback, mounted at the site root (web.discovery): POST
/webhooks/mercadolibre. Mercado Libre does not sign notifications, so a notification is taken only
for a seller connected here and, when MERCADOLIBRE.CLIENT_ID is set, for our application id;
anything else is refused (403) and stores nothing. It only stores the notification and answers 200
at once (the marketplace stops sending to a slow callback); the worker fetches the resource."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from omnicanal.core.errors import Forbidden, Problem, ValidationFailed
from omnicanal.core.middleware import problem_response
from omnicanal.marketplaces import client, tasks
from omnicanal.marketplaces.services import notifications


@csrf_exempt
@require_POST
def mercadolibre(request: HttpRequest) -> HttpResponse:
    try:
        try:
            body = notifications.check_notification(json.loads(request.body or b"null"))
        except ValueError:
            raise ValidationFailed.on("body", _("Send a JSON object.")) from None
        app_id = str(client.config().get("CLIENT_ID") or "")
        if app_id and str(body.get("application_id") or "") != app_id:
            raise Forbidden(detail=_("Not a notification for this application."))
        account = notifications.account_for(body["user_id"])
        if account is None:
            raise Forbidden(detail=_("No connected seller with this user id."))
        with transaction.atomic():
            row, new = notifications.do_receive_notification(account=account, body=body)
            if new and row.status == "pending":
                transaction.on_commit(lambda: tasks.process_notification(row.pk))
    except Problem as problem:
        return problem_response(problem, request)
    return HttpResponse(status=200)


urlpatterns = [
    path("webhooks/mercadolibre", mercadolibre, name="mercadolibre-notifications"),
]
