"""The web chat widget's HTTP side: session, polling, sending, upload, leaving an email; the demo page.

The widget (static/channels/webchat.js, one script tag) prefers the WebSocket (consumers.py) and
falls back to these endpoints when the socket cannot open (another origin, a proxy). A visitor is
identified by a token we sign; requests carry it in the body or the query, never in cookies, so
they may come from the shop's own origin. Tokens expire and rotate (webchat/sessions.py). An
address the visitor types is an unproven claim: it becomes the conversation's reply address and
nothing else (no identity, no sign-in, no history).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from omnicanal.channels.base import Parsed
from omnicanal.channels.models import Inbox
from omnicanal.channels.services import do_store_webhook, webchat_wire
from omnicanal.channels.webchat import adapter as webchat
from omnicanal.channels.webchat import sessions
from omnicanal.conversations import queries as conversations_queries
from omnicanal.conversations import services as conversations
from omnicanal.conversations.contract import InboundAttachment
from omnicanal.core import throttle, uploads
from omnicanal.core.errors import FileTooLarge, FileTypeRefused, Problem
from omnicanal.core.request_limits import loads
from omnicanal.customers.normalize import try_normalize

MAX_TEXT = 4000


def _cors(response: HttpResponse, request: HttpRequest, inbox: Inbox | None) -> HttpResponse:
    origin = request.headers.get("Origin")
    allowed = (inbox.config.get("allowed_origins") if inbox else None) or []
    if origin and (not allowed or origin in allowed):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return response


def _inbox(inbox_id: str) -> Inbox | None:
    return Inbox.objects.filter(public_id=inbox_id, channel="webchat", active=True).first()


def _body(request: HttpRequest) -> dict:
    """The widget's JSON (or form) body; UnreadableJson (a ValueError) when it is not JSON we read."""
    if request.content_type == "application/json":
        body = loads(request.body or b"{}")
        return body if isinstance(body, dict) else {}
    return request.POST.dict()


def _visitor(inbox: Inbox, token: str) -> webchat.Visitor | None:
    return sessions.check_visitor(inbox.public_id, token)


def widget_endpoint(view):
    """Find the inbox, answer CORS preflights, and refuse a missing or foreign visitor token."""

    @csrf_exempt
    def wrapper(request: HttpRequest, inbox_id: str) -> HttpResponse:
        inbox = _inbox(inbox_id)
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204), request, inbox)
        if inbox is None:
            return JsonResponse({"error": "not-found"}, status=404)
        try:
            body = _body(request) if request.method == "POST" else request.GET.dict()
        except ValueError:
            return _cors(JsonResponse({"error": "unreadable"}, status=400), request, inbox)
        response = view(request, inbox, body)
        return _cors(response, request, inbox)

    wrapper.__name__ = view.__name__
    return wrapper


def _by_address(request: HttpRequest, inbox: Inbox, body: dict) -> str:
    return throttle.client_address(request)


def device_subject(visitor: webchat.Visitor) -> str:
    return f"device:{visitor.device_id}"


def _by_token(request: HttpRequest, inbox: Inbox, body: dict) -> str:
    """The visitor's device (its token's; the address when there is no valid token): 429
    problem+json with Retry-After past the limit; widget_endpoint adds the CORS headers."""
    visitor = _visitor(inbox, str(body.get("token") or ""))
    return device_subject(visitor) if visitor is not None else f"address:{throttle.client_address(request)}"


def _needs_visitor(inbox: Inbox, body: dict) -> webchat.Visitor | JsonResponse:
    token = body.get("token") or ""
    visitor = _visitor(inbox, token)
    if visitor is None:
        return JsonResponse({"error": "unauthorized"}, status=401 if not token else 403)
    return visitor


def _state(inbox: Inbox, visitor: webchat.Visitor, after: str = "") -> dict:
    conversation, messages = conversations_queries.webchat_thread(visitor.device_id, after=after)
    return {
        "messages": [webchat_wire(m) for m in messages],
        "agents_online": conversations_queries.agents_online(),
        "reply_by_email": bool(conversation and conversation.reply_channel == "email"),
    }


@widget_endpoint
@throttle.rate_limited("webchat_session", _by_address)
def session(request: HttpRequest, inbox: Inbox, body: dict) -> HttpResponse:
    """Start or resume: a signed device token; a signed-in shopper's email (or phone, for one known by
    phone only) only when the shop vouches for it (user_hash). An address without a hash is ignored:
    typing an address signs nobody in."""
    claimed_email, claimed_phone = str(body.get("email") or ""), str(body.get("phone") or "")
    user_hash = str(body.get("user_hash") or "")
    email = webchat.verified_email(inbox, claimed_email, user_hash) if claimed_email else None
    phone = webchat.verified_phone(inbox, claimed_phone, user_hash) if claimed_phone and not claimed_email else None
    if (claimed_email or claimed_phone) and user_hash and not (email or phone):
        return JsonResponse({"error": "forbidden"}, status=403)
    opened = sessions.do_open_session(inbox_id=inbox.public_id, token=str(body.get("token") or ""),
                                      email=email or "", phone=phone or "")
    visitor = opened.visitor
    language = str(body.get("lang") or "")[:2]
    with translation.override(language if language in dict(settings.LANGUAGES) else None):
        texts = _texts(inbox)
    return JsonResponse({
        "token": opened.token,
        "device_id": visitor.device_id,
        "expires_at": opened.expires_at.isoformat(),
        "ws_path": f"/ws/webchat/{inbox.public_id}/",
        "texts": texts,
        **_state(inbox, visitor),
    })


def _texts(inbox: Inbox) -> dict[str, str]:
    """Everything the widget shows, in the visitor's language (the widget has no strings of its own)."""
    config = inbox.config
    return {
        "title": config.get("title") or _("Chat with us"),
        "greeting": config.get("greeting") or _("Hi! How can we help you?"),
        "offline": config.get("offline_message") or _("Nobody is online right now. Leave your email and we will answer you there."),
        "placeholder": _("Write a message…"),
        "send": _("Send"),
        "attach": _("Attach a file"),
        "email_placeholder": _("Your email"),
        "email_send": _("Answer me by email"),
        "email_thanks": _("Thanks! We will answer you by email."),
        "open": _("Chat"),
        "close": _("Close"),
        "you": _("You"),
        "agent": config.get("agent_label") or settings.OMNICANAL["BUSINESS_NAME"],
        "error": _("The message could not be sent. Try again."),
    }


@widget_endpoint
@throttle.rate_limited("webchat_message", _by_token)
def messages(request: HttpRequest, inbox: Inbox, body: dict) -> HttpResponse:
    visitor = _needs_visitor(inbox, body)
    if isinstance(visitor, JsonResponse):
        return visitor
    if request.method == "GET":
        return JsonResponse(_state(inbox, visitor, after=body.get("after") or ""))
    if request.method != "POST":
        return JsonResponse({"error": "method-not-allowed"}, status=405)
    text = str(body.get("text") or "").strip()
    if not text or len(text) > MAX_TEXT:
        return JsonResponse({"error": "validation", "field": "text"}, status=422)
    return _receive(inbox, visitor, text=text, client_id=str(body.get("client_id") or secrets.token_hex(8)))


def receive_visitor_message(inbox: Inbox, visitor: webchat.Visitor, *, text: str, client_id: str,
                            attachments: tuple[InboundAttachment, ...] = ()) -> dict:
    """Store one message from the widget (HTTP or WebSocket); the same path as every webhook."""
    inbound = webchat.inbound(inbox, device_id=visitor.device_id, text=text, client_id=client_id[:64],
                              email=visitor.email, phone=visitor.phone, attachments=attachments)
    with transaction.atomic():
        received = do_store_webhook(inbox=inbox, parsed=Parsed(messages=[inbound]))[0]
    return {"id": received.message.public_id, "client_id": client_id, "message": webchat_wire(received.message)}


def _receive(inbox: Inbox, visitor: webchat.Visitor, **kwargs) -> HttpResponse:
    try:
        return JsonResponse(receive_visitor_message(inbox, visitor, **kwargs), status=202)
    except Problem as problem:
        return JsonResponse({"error": problem.slug, "detail": str(problem.detail)}, status=problem.status)


@widget_endpoint
@throttle.rate_limited("webchat_upload", _by_token)
def upload(request: HttpRequest, inbox: Inbox, body: dict) -> HttpResponse:
    visitor = _needs_visitor(inbox, body)
    if isinstance(visitor, JsonResponse):
        return visitor
    file = request.FILES.get("file")
    if file is None:
        return JsonResponse({"error": "validation", "field": "file"}, status=422)
    try:  # the size before reading it, then the type by its bytes (core.uploads; the receive path checks again)
        uploads.check_size(file.size, channel="webchat")
        checked = uploads.check_file(filename=file.name or "", content=file.read(), channel="webchat")
    except (FileTooLarge, FileTypeRefused) as problem:
        return JsonResponse({"error": problem.slug, "field": "file", "detail": str(problem.detail)}, status=problem.status)
    file.seek(0)
    attachment = InboundAttachment(checked.filename, checked.content_type, file.read())
    return _receive(inbox, visitor, text=str(body.get("text") or ""), attachments=(attachment,),
                    client_id=str(body.get("client_id") or secrets.token_hex(8)))


@widget_endpoint
@throttle.rate_limited("webchat_email", _by_token)
def leave_email(request: HttpRequest, inbox: Inbox, body: dict) -> HttpResponse:
    """"Answer me by email": the typed address becomes the reply address of this device's conversation.
    It is unproven, so it attaches nothing to anyone and shows no history (docs/channels.md)."""
    visitor = _needs_visitor(inbox, body)
    if isinstance(visitor, JsonResponse):
        return visitor
    email = try_normalize("email", str(body.get("email") or ""))
    if email is None:
        return JsonResponse({"error": "validation", "field": "email"}, status=422)
    conversation, _messages = conversations_queries.webchat_thread(visitor.device_id)
    if conversation is None:
        return JsonResponse({"error": "no-conversation"}, status=409)
    try:
        with transaction.atomic():
            conversations.do_leave_email(conversation=conversation.public_id, email=email)
    except Problem as problem:
        return JsonResponse({"error": problem.slug, "detail": str(problem.detail)}, status=problem.status)
    return JsonResponse({"reply_by_email": True})


def demo_page(request: HttpRequest) -> HttpResponse:
    """A shop page with the widget embedded by one script tag (for demos and the browser test)."""
    inbox = Inbox.objects.filter(channel="webchat", active=True).order_by("pk").first()
    return render(request, "channels/chat_demo.html", {"inbox": inbox})


urlpatterns = [
    path("webchat/<str:inbox_id>/session", session, name="webchat-session"),
    path("webchat/<str:inbox_id>/messages", messages, name="webchat-messages"),
    path("webchat/<str:inbox_id>/upload", upload, name="webchat-upload"),
    path("webchat/<str:inbox_id>/email", leave_email, name="webchat-email"),
    path("shop/chat-demo/", demo_page, name="webchat-demo"),
]
