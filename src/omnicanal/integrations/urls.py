"""The public side of integrations: product feeds at signed URLs (integrations.feeds)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from omnicanal.catalog import queries as catalog
from omnicanal.integrations import feeds


def feed(request: HttpRequest, channel: str, fmt: str):
    if fmt not in feeds.FORMATS or not feeds.signature_ok(channel, fmt, request.GET.get("token", "")):
        raise Http404
    if not catalog.channel_exists(channel):
        raise Http404
    if fmt == "xml":
        response = HttpResponse(feeds.as_xml(channel), content_type="application/xml; charset=utf-8")
    else:
        response = HttpResponse(feeds.as_csv(channel), content_type="text/csv; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("feeds/<str:channel>.<str:fmt>", feed, name="integration-feed"),
]
