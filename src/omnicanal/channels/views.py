"""Console pages of the channels app (/console/channels/): the inboxes with their webhook URLs and
settings (secrets masked), and click-to-call from a conversation."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.channels import roles
from omnicanal.channels.models import ChannelKind, Inbox
from omnicanal.channels.services import SECRET_KEYS, do_click_to_call, do_create_inbox, do_update_inbox
from omnicanal.channels.webhooks import webhook_paths
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import Problem, ValidationFailed

# What each channel's settings hold (docs/channels.md explains each).
CONFIG_KEYS = {
    "whatsapp": ["base_url", "api_version", "phone_number_id", "access_token", "app_secret", "verify_token", "templates"],
    "telegram": ["base_url", "bot_token", "secret_token"],
    "sms": ["base_url", "account_sid", "auth_token", "from_number", "messaging_service_sid", "webhook_url", "status_callback_url"],
    "email": ["from_address", "from_name", "smtp_host", "smtp_port", "smtp_username", "smtp_password", "smtp_starttls",
              "smtp_ssl", "webhook_secret", "imap_host", "imap_port", "imap_username", "imap_password", "imap_ssl", "imap_folder"],
    "webchat": ["identity_secret", "greeting", "offline_message", "allowed_origins"],
    "voice": ["base_url", "api_key", "from_number", "webhook_secret"],
    "instagram": ["base_url", "api_version", "account_id", "access_token", "app_secret", "verify_token"],
    "facebook": ["base_url", "api_version", "account_id", "access_token", "app_secret", "verify_token"],
}


def _masked(config: dict) -> list[tuple[str, str]]:
    return [(k, "••••••" if k in SECRET_KEYS and v else json.dumps(v) if not isinstance(v, str) else v) for k, v in sorted(config.items())]


@staff_required(*roles.CONFIGURE)
def inboxes(request: HttpRequest) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    rows = [{"inbox": i, "urls": [base + p for p in webhook_paths(i)], "config": _masked(i.config)} for i in Inbox.objects.all()]
    return render(request, "channels/inboxes.html", {
        "title": _("Channels"), "rows": rows, "kinds": ChannelKind.choices, "config_keys": CONFIG_KEYS,
        "embed": request.build_absolute_uri("/static/channels/webchat.js"), "base": base,
    })


def _config_from(request: HttpRequest, channel: str) -> dict:
    config = {}
    for key in CONFIG_KEYS.get(channel, []):
        raw = request.POST.get(f"config_{key}", "").strip()
        if raw == "":
            continue
        if key in {"templates", "allowed_origins"}:
            try:
                config[key] = json.loads(raw)
            except ValueError as exc:
                raise ValidationFailed.on(key, _("must be JSON")) from exc
        elif key in {"smtp_port", "imap_port"}:
            config[key] = int(raw) if raw.isdigit() else raw
        elif key in {"smtp_starttls", "smtp_ssl", "imap_ssl"}:
            config[key] = raw.lower() in {"1", "true", "yes", "on"}
        else:
            config[key] = raw
    return config


@require_POST
@staff_required(*roles.CONFIGURE)
def create_inbox(request: HttpRequest) -> HttpResponse:
    channel = request.POST.get("channel", "")
    try:
        with transaction.atomic():
            do_create_inbox(channel=channel, name=request.POST.get("name", ""), config=_config_from(request, channel),
                            team=request.POST.get("team", "").strip(), actor=principal(request))
    except Problem as problem:
        show_problem(request, problem)
    return redirect("channels:inboxes")


@require_POST
@staff_required(*roles.CONFIGURE)
def update_inbox(request: HttpRequest, inbox_id: str) -> HttpResponse:
    inbox = get_object_or_404(Inbox, public_id=inbox_id)
    try:
        with transaction.atomic():
            do_update_inbox(inbox=inbox, config=_config_from(request, inbox.channel), actor=principal(request),
                            active=request.POST.get("active") == "1" if "active" in request.POST else None,
                            team=request.POST.get("team") if "team" in request.POST else None)
    except Problem as problem:
        show_problem(request, problem)
    return redirect("channels:inboxes")


@require_POST
@staff_required(*roles.CALL)
def call(request: HttpRequest, conversation_id: str) -> HttpResponse:
    profile = getattr(request.user, "agent_profile", None)
    try:
        call_id = do_click_to_call(conversation_id=conversation_id, agent_phone=getattr(profile, "phone", ""),
                                   actor=principal(request))
    except Problem as problem:
        return HttpResponse(escape(str(problem.detail or problem.title)), status=200)
    except Exception:  # the provider is down: say so in the page, not as a 500
        return HttpResponse(escape(str(_("The phone system did not answer."))), status=200)
    return HttpResponse(escape(str(_("Calling… (%(id)s)") % {"id": call_id})))


urlpatterns = [
    path("", inboxes, name="inboxes"),
    path("new/", create_inbox, name="create"),
    path("<str:inbox_id>/", update_inbox, name="update"),
    path("call/<str:conversation_id>/", call, name="call"),
]
