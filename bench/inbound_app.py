"""The ASGI application bench/bench_inbound.py runs under uvicorn: the product's own application
plus one bench-only route, the inbound ceiling (never in the product's URLs).

POST /bench/bare-inbound takes the same signed WhatsApp Cloud API delivery as /webhooks/whatsapp,
checks its X-Hub-Signature-256, reads the message and inserts one row (deduplicated on the provider's
id) into a table the bench creates: the least any inbound path must do, through the same uvicorn
workers, Django handler and middleware, measured in the same run as the real webhook. Like the product's webhooks it is a lean route
(core/lean.py, web/handler.py: one thread hop, no session, user, locale or CSRF middleware), so the
ceiling and the webhook pay the same framework costs.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from omnicanal.channels.base import WebhookRejected, check_hub_signature  # noqa: E402
from omnicanal.core.lean import lean_route  # noqa: E402

BARE_PATH = "bench/bare-inbound"
TABLE = "bench_bare_inbound"
SECRET = os.environ.get("BENCH_APP_SECRET", "bench-app-secret")


@lean_route
@csrf_exempt
def bare_inbound(request: HttpRequest) -> HttpResponse:
    body = request.body
    try:
        check_hub_signature(request.headers.get("X-Hub-Signature-256"), body, SECRET)
    except WebhookRejected as exc:
        return JsonResponse({"error": exc.reason}, status=exc.status)
    value = json.loads(body)["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    with connection.cursor() as cursor:  # autocommit: one statement, one commit
        cursor.execute(f"INSERT INTO {TABLE} (external_id, sender, text, received_at) VALUES (%s, %s, %s, now()) "
                       "ON CONFLICT (external_id) DO NOTHING", [message["id"], message["from"], message["text"]["body"]])
        stored = cursor.rowcount
    return JsonResponse({"received": stored, "duplicates": 1 - stored})


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, external_id text UNIQUE NOT NULL, "
                       "sender text NOT NULL, text text NOT NULL, received_at timestamptz NOT NULL)")


from omnicanal.web import urls as _product_urls  # noqa: E402

# Registered in this process only (the bench's uvicorn workers), before the first request resolves,
# and a lean path like the webhooks' (read when the handler below is built).
_product_urls.urlpatterns.insert(0, path(BARE_PATH, bare_inbound, name="bench-bare-inbound"))
settings.LEAN_ROUTE_PREFIXES = (*settings.LEAN_ROUTE_PREFIXES, "/bench/")

from omnicanal.web.asgi import application  # noqa: E402, F401
