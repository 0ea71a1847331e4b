"""URLs used only by the lean-route tests (core/lean.py, web/handler.py): a marked view, an unmarked
one under the same prefix, a marked one outside it, a marked one that fails and one that streams."""

import threading

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from omnicanal.core.lean import lean_route

SEEN: list[str] = []  # the paths the probe middleware (ProbeMiddleware) saw


class ProbeMiddleware:
    """Listed last in MIDDLEWARE by the tests: which requests went through the full chain."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        SEEN.append(request.path)
        return self.get_response(request)


def _answer(request: HttpRequest, name: str = "") -> JsonResponse:
    return JsonResponse({"view": name or "answer", "session": hasattr(request, "session"),
                         "user": hasattr(request, "user"), "request_id": getattr(request, "request_id", ""),
                         "thread": threading.get_ident()})


@lean_route
@csrf_exempt
def lean(request: HttpRequest, name: str = "") -> JsonResponse:
    return _answer(request, name)


@csrf_exempt
def full(request: HttpRequest) -> JsonResponse:
    return _answer(request, "full")


@lean_route
@csrf_exempt
def broken(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("a lean view that fails")


@lean_route
@csrf_exempt
def stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(iter([b"one,", b"two"]), content_type="text/plain")


MEETING = threading.Barrier(2, timeout=5)


@lean_route
@csrf_exempt
def meet(request: HttpRequest) -> JsonResponse:
    """Answers once two requests are in it at the same time (each in a thread of its own)."""
    MEETING.wait()
    return _answer(request, "met")


urlpatterns = [
    path("webhooks/meet", meet),
    path("elsewhere/meet", meet),
    path("webhooks/stream", stream),
    path("webhooks/lean", lean),
    path("webhooks/lean/<str:name>", lean),
    path("webhooks/full", full),
    path("webhooks/broken", broken),
    path("elsewhere/lean", lean),
]

handler500 = "omnicanal.web.views.server_error"
