"""Public routes of the channels app, mounted at the site root (web.discovery.public_urlpatterns):
provider webhooks under /webhooks/, the web chat widget's endpoints under /webchat/, and the
widget's demo page under /shop/chat-demo/.

Every webhook is verified before its content is read into the database: a missing credential
answers 401, a wrong one 403, and nothing is stored. Only such refusals count toward the `webhook`
throttle (per client address and path): past it, that address's unauthenticated deliveries get 429
for the lockout, while a provider's correctly signed bursts (WhatsApp Cloud API posts hundreds a
second from a few addresses) are never throttled. These routes are not under /api/, so the
API's transaction middleware does not wrap them: each stores in its own transaction.atomic() and
answers at once; sending and fetching happen after commit. They are lean routes (core/lean.py):
past the request id, metrics, HTTPS, CSP and body-size middleware they skip the session, user,
locale, CSRF and page middleware, which do nothing for a signed delivery.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from omnicanal.channels import adapters, queries, webchat_views
from omnicanal.channels.base import WebhookRejected, WebhookRequest
from omnicanal.channels.metrics import WEBHOOK_VERIFICATION_FAILURES
from omnicanal.channels.models import Inbox
from omnicanal.channels.services import do_accept_webhook, do_store_webhook, only_queued
from omnicanal.channels.whatsapp import adapter as whatsapp
from omnicanal.core import throttle
from omnicanal.core.errors import Problem, TooManyRequests
from omnicanal.core.lean import lean_route
from omnicanal.core.middleware import problem_response
from omnicanal.core.request_limits import is_json

log = logging.getLogger(__name__)


def _per_address_and_path(request: HttpRequest) -> tuple[str, str]:
    return ("webhook", f"{throttle.client_address(request)} {request.path}")


def _reject(exc: WebhookRejected, request: HttpRequest, channel: str) -> HttpResponse:
    """A delivery that failed verification: 401/403, counted toward THROTTLES["webhook"] for its
    address and path; once they are locked out, 429 with Retry-After. Verified deliveries never
    come here, so the lockout never refuses them."""
    WEBHOOK_VERIFICATION_FAILURES.labels(channel=channel, status=str(exc.status)).inc()
    subject = _per_address_and_path(request)
    try:
        throttle.check(subject)
    except TooManyRequests as refused:
        return problem_response(refused, request)
    throttle.failed(subject)
    log.info("webhook refused (%s): %s", exc.status, exc.reason)
    return JsonResponse({"error": "unauthorized" if exc.status == 401 else "forbidden"}, status=exc.status)


def _authenticate(channel: str, request: WebhookRequest, inbox_id: str = "") -> Inbox:
    """The inbox whose secret verifies the request; tried over the channel's active inboxes."""
    inboxes = queries.active_inboxes(channel)
    if inbox_id:
        inboxes = [inbox for inbox in inboxes if inbox.public_id == inbox_id]
    module = adapters.adapter(channel)
    worst = None
    for inbox in inboxes:
        try:
            module.verify(request, inbox)
            return inbox
        except WebhookRejected as exc:
            worst = exc if worst is None or exc.status > worst.status else worst
    raise worst or WebhookRejected(403, "no inbox for this webhook")


# What each provider posts: JSON, Twilio's form encoding, or (email) JSON or raw MIME.
JSON_CHANNELS = {"whatsapp", "telegram", "voice", "instagram", "facebook"}
FORM_CHANNELS = {"sms"}


def _wrong_media_type(channel: str, request: WebhookRequest) -> HttpResponse | None:
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if channel in JSON_CHANNELS and not is_json(content_type):
        expected = "application/json"
    elif channel in FORM_CHANNELS and content_type != "application/x-www-form-urlencoded":
        expected = "application/x-www-form-urlencoded"
    else:
        return None
    return JsonResponse({"error": "unsupported-media-type", "detail": f"send {expected}"}, status=415)


def _store(inbox: Inbox, request: WebhookRequest) -> HttpResponse:
    if (refused := _wrong_media_type(inbox.channel, request)) is not None:
        return refused
    try:
        parsed = adapters.adapter(inbox.channel).parse(request, inbox)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("unreadable %s webhook for %s: %r", inbox.channel, inbox.public_id, exc)
        return JsonResponse({"error": "unreadable"}, status=400)
    try:
        if only_queued(parsed):  # one statement per message, each its own commit (PostgreSQL)
            received = do_accept_webhook(inbox=inbox, parsed=parsed)
        else:
            with transaction.atomic():
                received = do_store_webhook(inbox=inbox, parsed=parsed)
    except Problem as problem:  # e.g. an identity customers refuses: the provider must not retry forever
        log.warning("%s webhook for %s not stored: %s", inbox.channel, inbox.public_id, problem)
        return JsonResponse({"error": problem.slug, "detail": str(problem.detail)}, status=422)
    return JsonResponse({"received": len([r for r in received if not r.duplicate]), "duplicates":
                         len([r for r in received if r.duplicate]), "statuses": len(parsed.statuses)})


def _handle(channel: str, request: HttpRequest, inbox_id: str = "") -> HttpResponse:
    webhook = WebhookRequest.from_django(request)
    try:
        inbox = _authenticate(channel, webhook, inbox_id)
    except WebhookRejected as exc:
        return _reject(exc, request, channel)
    return _store(inbox, webhook)


def _meta_handshake(channels: tuple[str, ...], request: HttpRequest) -> HttpResponse:
    worst = WebhookRejected(403, "no inbox")
    for inbox in Inbox.objects.filter(channel__in=channels, active=True):
        try:
            challenge = whatsapp.handshake(request.GET.dict(), inbox.config.get("verify_token", ""))
            return HttpResponse(challenge, content_type="text/plain")
        except WebhookRejected as exc:
            worst = exc if exc.status < worst.status else worst
    return _reject(worst, request, channels[0])


def _whatsapp_inbox(webhook: WebhookRequest) -> Inbox:
    """Several numbers may share one app (one secret): the verified inbox of the delivery's number."""
    inbox = _authenticate("whatsapp", webhook)
    try:
        numbers = whatsapp.phone_number_ids(webhook)
    except ValueError:
        return inbox
    if numbers and inbox.config.get("phone_number_id") not in numbers:
        for other in [i for i in queries.active_inboxes("whatsapp") if i.pk != inbox.pk]:
            if other.config.get("phone_number_id") in numbers and other.config.get("app_secret") == inbox.config.get("app_secret"):
                return other
    return inbox


@lean_route
@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _meta_handshake(("whatsapp",), request)
    webhook = WebhookRequest.from_django(request)
    try:
        inbox = _whatsapp_inbox(webhook)
    except WebhookRejected as exc:
        return _reject(exc, request, "whatsapp")
    return _store(inbox, webhook)


def _social(channel: str):
    @lean_route
    @csrf_exempt
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            return _meta_handshake((channel,), request)
        webhook = WebhookRequest.from_django(request)
        try:
            inbox = _authenticate(channel, webhook)
        except WebhookRejected as exc:
            return _reject(exc, request, channel)
        return _store(inbox, webhook)

    view.__name__ = f"{channel}_webhook"
    return view


def _simple(channel: str):
    @lean_route
    @csrf_exempt
    @require_http_methods(["POST"])
    def view(request: HttpRequest, inbox_id: str = "") -> HttpResponse:
        return _handle(channel, request, inbox_id)

    view.__name__ = f"{channel}_webhook"
    return view


@lean_route
@csrf_exempt
@require_http_methods(["POST"])
def sms_webhook(request: HttpRequest, inbox_id: str = "") -> HttpResponse:
    response = _handle("sms", request, inbox_id)
    if response.status_code == 200:  # Twilio expects TwiML; an empty Response sends nothing back
        return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")
    return response


telegram_webhook = _simple("telegram")
email_webhook = _simple("email")
voice_webhook = _simple("voice")
instagram_webhook = _social("instagram")
messenger_webhook = _social("facebook")


def webhook_paths(inbox: Inbox) -> list[str]:
    """Where a provider must call for this inbox (shown on the inbox's console page)."""
    by_channel = {
        "whatsapp": ["/webhooks/whatsapp"],
        "telegram": [f"/webhooks/telegram/{inbox.public_id}"],
        "sms": [f"/webhooks/sms/{inbox.public_id}", "/webhooks/sms"],
        "email": [f"/webhooks/email/{inbox.public_id}", "/webhooks/email"],
        "voice": [f"/webhooks/voice/{inbox.public_id}"],
        "instagram": ["/webhooks/instagram"],
        "facebook": ["/webhooks/messenger"],
        "webchat": [f"/webchat/{inbox.public_id}/"],
    }
    return by_channel.get(inbox.channel, [])


urlpatterns = [
    path("webhooks/whatsapp", whatsapp_webhook, name="webhook-whatsapp"),
    path("webhooks/telegram/<str:inbox_id>", telegram_webhook, name="webhook-telegram"),
    path("webhooks/sms", sms_webhook, name="webhook-sms"),
    path("webhooks/sms/<str:inbox_id>", sms_webhook, name="webhook-sms-inbox"),
    path("webhooks/email", email_webhook, name="webhook-email"),
    path("webhooks/email/<str:inbox_id>", email_webhook, name="webhook-email-inbox"),
    path("webhooks/voice", voice_webhook, name="webhook-voice"),
    path("webhooks/voice/<str:inbox_id>", voice_webhook, name="webhook-voice-inbox"),
    path("webhooks/instagram", instagram_webhook, name="webhook-instagram"),
    path("webhooks/messenger", messenger_webhook, name="webhook-messenger"),
    *webchat_views.urlpatterns,
]
