"""Lean routes (core/lean.py): a marked view under LEAN_ROUTE_PREFIXES skips the middleware after
LeanRouteMiddleware, and keeps what every request needs: request id, metrics, HTTPS redirect, body
limit, problem+json on failure; everything else goes through the full chain as before."""

import pytest
from django.test import Client

from omnicanal.core import metrics
from omnicanal.core.tests import leanurls

pytestmark = pytest.mark.django_db

PROBE = "omnicanal.core.tests.leanurls.ProbeMiddleware"


@pytest.fixture
def lean_site(settings):
    settings.ROOT_URLCONF = "omnicanal.core.tests.leanurls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, PROBE]
    leanurls.SEEN.clear()
    return settings


def _requests(route: str, status: str) -> float:
    return metrics.REGISTRY.get_sample_value(
        "omnicanal_http_requests_total", {"method": "POST", "route": route, "status": status}) or 0.0


def test_a_lean_view_skips_the_rest_of_the_chain(lean_site):
    answer = Client().post("/webhooks/lean", b"{}", content_type="application/json", secure=True)
    assert answer.status_code == 200
    assert answer.json()["view"] == "answer"
    assert answer.json()["session"] is False and answer.json()["user"] is False  # no session, no auth
    assert leanurls.SEEN == []  # nothing listed after LeanRouteMiddleware ran
    assert "Content-Language" not in answer  # LocaleMiddleware did not run
    assert answer["Content-Length"] == str(len(answer.content))
    assert answer["X-Frame-Options"] == "DENY"  # LEAN_ROUTE_MIDDLEWARE
    assert answer["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware, before the lean router


def test_a_lean_view_keeps_request_id_and_metrics(lean_site):
    before = _requests("/webhooks/lean/<str:name>", "200")
    answer = Client().post("/webhooks/lean/x", b"{}", content_type="application/json", secure=True,
                           HTTP_X_REQUEST_ID="provider-id-12345")
    assert answer.json()["view"] == "x" and answer.json()["request_id"] == "provider-id-12345"
    assert answer["X-Request-ID"] == "provider-id-12345"
    assert _requests("/webhooks/lean/<str:name>", "200") == before + 1  # counted under its route template


def test_unmarked_views_and_other_paths_take_the_full_chain(lean_site):
    full = Client().post("/webhooks/full", b"{}", content_type="application/json", secure=True)
    elsewhere = Client().post("/elsewhere/lean", b"{}", content_type="application/json", secure=True)
    missing = Client().post("/webhooks/none", b"{}", content_type="application/json", secure=True)
    assert full.json()["session"] is True and elsewhere.json()["user"] is True
    assert missing.status_code == 404
    assert leanurls.SEEN == ["/webhooks/full", "/elsewhere/lean", "/webhooks/none"]


def test_a_lean_view_is_still_redirected_to_https_and_body_limited(lean_site):
    lean_site.SECURE_SSL_REDIRECT = True
    lean_site.WEBHOOK_MAX_BODY_BYTES = 10
    assert Client().post("/webhooks/lean", b"{}", content_type="application/json").status_code == 301
    refused = Client().post("/webhooks/lean", b'{"long": "enough"}', content_type="application/json", secure=True)
    assert refused.status_code == 413
    assert refused.json()["error"]  # RequestLimitsMiddleware refused it before any view
    assert leanurls.SEEN == []


def test_a_failing_lean_view_answers_problem_json_and_is_counted(lean_site):
    before = _requests("/webhooks/broken", "500")
    answer = Client(raise_request_exception=False).post("/webhooks/broken", b"{}", content_type="application/json",
                                                        secure=True)
    assert answer.status_code == 500
    assert answer["Content-Type"] == "application/problem+json"
    assert answer["X-Request-ID"]
    assert _requests("/webhooks/broken", "500") == before + 1


def test_nothing_is_lean_with_atomic_requests(lean_site):
    lean_site.DATABASES = {alias: {**config, "ATOMIC_REQUESTS": True} for alias, config in lean_site.DATABASES.items()}
    answer = Client().post("/webhooks/lean", b"{}", content_type="application/json", secure=True)
    assert answer.json()["session"] is True
    assert leanurls.SEEN == ["/webhooks/lean"]
