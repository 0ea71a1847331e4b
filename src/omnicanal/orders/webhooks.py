"""The orders' routes at the site root, outside the console: the test card provider's webhook
(POST /webhooks/payments/testpay, HMAC-SHA256 signed) and the customer's signed return-label link
(GET /returns/label/<token>/, no sign-in)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from omnicanal.core import throttle
from omnicanal.core.errors import Problem
from omnicanal.core.ids import external_key
from omnicanal.core.middleware import problem_response
from omnicanal.core.request_limits import is_json, loads
from omnicanal.orders import providers, services, views


@csrf_exempt
@require_POST
@throttle.rate_limited("webhook", lambda request: f"{throttle.client_address(request)} {request.path}")
def testpay(request: HttpRequest) -> HttpResponse:
    if not providers.verify(request.body, request.headers.get("X-Testpay-Signature", "")):
        return JsonResponse({"detail": "bad signature"}, status=401)
    if not is_json(request.content_type):
        return JsonResponse({"detail": "send application/json"}, status=415)
    try:
        event = loads(request.body)
        status = str(event["type"]).removeprefix("payment.")
        with transaction.atomic():
            payment = services.do_payment_event(provider="testpay", event_id=external_key(str(event["id"]), 100),
                                                payment_id=str(event["payment"]), status=status)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "malformed"}, status=400)
    except Problem as problem:
        return problem_response(problem, request)
    return JsonResponse({"ok": True, "status": payment.status if payment else "replayed"})


urlpatterns = [
    path("webhooks/payments/testpay", testpay, name="orders-testpay"),
    path("returns/label/<str:token>/", views.return_label_public, name="orders-return-label"),
]
