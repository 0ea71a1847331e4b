"""The agent's workspace in the console: the inbox list, the thread with its composer, the customer
360 beside it, tickets, canned replies. Views parse, call services or queries, and render; the list
and the open thread refresh live from the console WebSocket (consumers.py)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from omnicanal.conversations import queries, roles, services
from omnicanal.conversations.contract import CHANNELS
from omnicanal.conversations.models import Attachment, Priority, Team, TicketStatus
from omnicanal.core import clock, uploads
from omnicanal.core.auth import holders
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import NotFound, Problem
from omnicanal.customers import queries as customers
from omnicanal.customers import registry

VIEWS = [("mine", _("Mine")), ("unassigned", _("Unassigned")), ("team", _("My teams")), ("sla", _("SLA at risk")),
         ("all", pgettext_lazy("feminine", "All"))]
STATUSES = [("open", _("Open")), ("snoozed", _("Snoozed")), ("resolved", _("Resolved"))]


def _filter(request: HttpRequest) -> queries.InboxFilter:
    view = request.GET.get("view", "all")
    status = request.GET.get("status", "open")
    channel = request.GET.get("channel", "")
    return queries.InboxFilter(
        view=view if view in dict(VIEWS) else "all",
        status=status if status in dict(STATUSES) else "open",
        channel=channel if channel in CHANNELS else "",
        tag=request.GET.get("tag", "")[:40],
        q=request.GET.get("q", "").strip()[:100],
    )


def _list_context(request: HttpRequest, selected: str = "") -> dict:
    spec = _filter(request)
    rows = queries.inbox(request.user, spec)
    last = queries.last_messages(rows)
    tickets = queries.tickets_of(rows)
    names = _customer_names([c.customer_id for c in rows])
    at_risk = set(queries.at_risk_ids().values_list("conversation_id", flat=True))
    return {
        "rows": [{"c": c, "last": last.get(c.pk), "ticket": tickets.get(c.pk), "name": names.get(c.customer_id, ""),
                  "at_risk": c.pk in at_risk,
                  "channel_label": CHANNELS[c.last_channel].label if c.last_channel in CHANNELS else c.last_channel}
                 for c in rows],
        "filter": spec, "views": VIEWS, "statuses": STATUSES, "counts": queries.counts(request.user),
        "channels": [(name, s.label) for name, s in CHANNELS.items() if name != "api"], "selected": selected,
        "query": request.GET.urlencode(),
    }


def _customer_names(customer_ids: list[str]) -> dict[str, str]:
    return {asked: found.name for asked, found in customers.customer_summaries(customer_ids).items()}


@staff_required(*roles.ANSWER)
def inbox(request: HttpRequest, conversation_id: str = "") -> HttpResponse:
    with transaction.atomic():
        services.do_touch_presence(user=request.user)
    context = {"title": _("Inbox"), **_list_context(request, selected=conversation_id)}
    if conversation_id:
        context.update(_thread_context(request, _conversation_or_404(conversation_id)))
    profile = getattr(request.user, "agent_profile", None)
    context["available"] = profile.available if profile else True
    return render(request, "conversations/inbox.html", context)


@staff_required(*roles.ANSWER)
def inbox_list(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/_list.html", _list_context(request, selected=request.GET.get("selected", "")))


def _conversation_or_404(conversation_id: str):
    try:
        return queries.get_conversation(conversation_id)
    except NotFound:
        raise Http404 from None


def _canned(request: HttpRequest, conversation, customer) -> list[dict]:
    ticket = queries.current_ticket(conversation)
    variables = {
        "customer": {"name": getattr(customer, "name", "") or "", "first_name": (getattr(customer, "name", "") or "").split(" ")[0]},
        "agent": {"name": request.user.get_full_name() or request.user.username, "first_name": request.user.first_name},
        "ticket": {"number": ticket.display_number if ticket else ""},
        "business": {"name": settings.OMNICANAL["BUSINESS_NAME"]},
        "conversation": {"id": conversation.public_id},
    }
    replies = queries.canned_replies(conversation.language or request.LANGUAGE_CODE) or queries.canned_replies()
    return [{"shortcut": r.shortcut, "title": r.title, "text": services.render_canned(r.body, variables)} for r in replies]


def _panels(request: HttpRequest, customer_id: str, conversation_id: str = "") -> list[dict]:
    # Panels of other domains read this to offer actions for this thread (e.g. orders' "link to this
    # conversation", which posts to conversations:link_order by URL name: no import either way).
    request.conversation_id = conversation_id
    panels = []
    for panel in registry.panels():
        if panel.name == "conversations":
            continue
        try:
            html = panel.render(request, customer_id)
        except Exception:  # another domain's panel must not take the workspace down
            html = ""
        panels.append({"name": panel.name, "label": panel.label, "html": mark_safe(html)})  # noqa: S308 (domains escape their fragments)
    return panels


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _thread_context(request: HttpRequest, conversation) -> dict:
    try:
        customer = customers.customer_summary(conversation.customer_id)
        view = {"name": customer.name, "identities": customers.identities_of(customer.id)}
    except NotFound:
        customer, view = None, None
    messages_ = queries.thread(conversation)
    options = services.reply_options(conversation)
    return {
        "conversation": conversation,
        "thread_messages": messages_,
        "ticket": queries.current_ticket(conversation),
        "customer": customer,
        "customer_view": view,
        "panels": _panels(request, conversation.customer_id, conversation.public_id) if customer else [],
        "reply_options": options,
        "reply_default": next((o["channel"] for o in options if o["default"]), options[0]["channel"] if options else ""),
        "canned": _canned(request, conversation, customer),
        "agents": get_user_model().objects.filter(is_active=True, role__in=holders(roles.ANSWER)).order_by("first_name"),
        "teams": Team.objects.all(),
        "priorities": Priority.choices,
        "ticket_statuses": TicketStatus.choices,
        "tags": sorted(conversation.tags.values_list("name", flat=True)),
        "loyalty_installed": apps.is_installed("omnicanal.loyalty"),
        "customer_url": _url("customers:detail", conversation.customer_id),
        "call_url": _url("channels:call", conversation.public_id),
        "phone": customers.reachable_on(conversation.customer_id, "voice") if customer else None,
        "channel_labels": {name: s.label for name, s in CHANNELS.items()},
        # The header names the customer and where they last wrote, never the conversation's raw id.
        "channel_label": CHANNELS[conversation.last_channel].label if conversation.last_channel in CHANNELS
        else conversation.last_channel,
    }


@staff_required(*roles.ANSWER)
def thread(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation_or_404(conversation_id)
    return render(request, "conversations/_thread.html", _thread_context(request, conversation))


def _after_action(request: HttpRequest, conversation_id: str) -> HttpResponse:
    if request.htmx:
        return thread(request, conversation_id)
    return redirect("conversations:conversation", conversation_id)


def _act(request: HttpRequest, conversation_id: str, action) -> HttpResponse:
    conversation = _conversation_or_404(conversation_id)
    try:
        with transaction.atomic():
            action(conversation, principal(request))
    except Problem as problem:
        show_problem(request, problem)
    return _after_action(request, conversation_id)


@require_POST
@staff_required(*roles.ANSWER)
def reply(request: HttpRequest, conversation_id: str) -> HttpResponse:
    text = request.POST.get("text", "")
    files = [(f.name, f.content_type or "application/octet-stream", f.read()) for f in request.FILES.getlist("files")][:5]

    def act(conversation, actor):
        if request.POST.get("note"):
            services.do_add_note(conversation=conversation, text=text, actor=actor, user=request.user)
        else:
            services.do_reply(conversation=conversation, text=text, channel=request.POST.get("channel") or None,
                              actor=actor, user=request.user, attachments=files)

    return _act(request, conversation_id, act)


@require_POST
@staff_required(*roles.ANSWER)
def assign(request: HttpRequest, conversation_id: str) -> HttpResponse:
    value = request.POST.get("assignee", "")
    team = request.POST.get("team")

    def act(conversation, actor):
        assignee = request.user.pk if value == "me" else (int(value) if value.isdigit() else None)
        services.do_assign(conversation=conversation, actor=actor, assignee_id=assignee,
                           team_slug=team if team not in (None, "") else None)

    return _act(request, conversation_id, act)


@require_POST
@staff_required(*roles.ANSWER)
def status(request: HttpRequest, conversation_id: str) -> HttpResponse:
    action = request.POST.get("action")

    def act(conversation, actor):
        if action == "resolve":
            services.do_resolve(conversation=conversation, actor=actor)
        elif action == "reopen":
            services.do_reopen(conversation=conversation, actor=actor)
        elif action == "snooze":
            hours = int(request.POST.get("hours") or 4)
            services.do_snooze(conversation=conversation, until=clock.now() + dt.timedelta(hours=max(1, min(hours, 24 * 14))),
                               actor=actor)
        elif action == "return_to_bot":
            services.do_return_to_bot(conversation=conversation, actor=actor)
        elif action == "priority":
            services.do_set_priority(conversation=conversation, priority=request.POST.get("priority", ""), actor=actor)
        elif action == "tag":
            services.do_tag(conversation=conversation, name=request.POST.get("tag", ""), actor=actor)
        elif action == "untag":
            services.do_untag(conversation=conversation, name=request.POST.get("tag", ""), actor=actor)

    return _act(request, conversation_id, act)


@require_POST
@staff_required(*roles.ANSWER)
def open_ticket(request: HttpRequest, conversation_id: str) -> HttpResponse:
    def act(conversation, actor):
        ticket = services.do_open_ticket(conversation=conversation, category=request.POST.get("category", "").strip(),
                                         subject=request.POST.get("subject", ""), order_ref=request.POST.get("order_ref", "").strip(),
                                         return_ref=request.POST.get("return_ref", "").strip(), actor=actor)
        messages.success(request, _("Ticket %(number)s is open.") % {"number": ticket.display_number})

    return _act(request, conversation_id, act)


@require_POST
@staff_required(*roles.SERVICE_DESK)
def link_order(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """From a domain's side panel (orders): record the order or return on this conversation's ticket."""
    def act(conversation, actor):
        ticket = services.do_link_order(conversation=conversation, actor=actor,
                                        order_ref=request.POST.get("order_ref", "").strip(),
                                        return_ref=request.POST.get("return_ref", "").strip())
        messages.success(request, _("%(ref)s is linked to ticket %(number)s.") % {
            "ref": ticket.order_ref or ticket.return_ref, "number": ticket.display_number})

    return _act(request, conversation_id, act)


@require_POST
@staff_required(*roles.ANSWER)
def ticket_status(request: HttpRequest, ticket_id: str) -> HttpResponse:
    try:
        with transaction.atomic():
            ticket = services.do_set_ticket_status(ticket=ticket_id, status=request.POST.get("status", ""),
                                                   actor=principal(request))
    except Problem as problem:
        show_problem(request, problem)
        return redirect("conversations:tickets")
    if request.POST.get("next") == "thread":
        return _after_action(request, ticket.conversation.public_id)
    return redirect("conversations:tickets")


@staff_required(*roles.ANSWER)
def tickets(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("status", "unsolved")
    rows = queries.tickets(status=wanted)
    return render(request, "conversations/tickets.html", {
        "title": _("Tickets"), "rows": rows, "status": wanted, "now": clock.now(),
        "time_zone": timezone.get_current_timezone_name(),  # the reader's (core.local_time)
        "statuses": [("unsolved", _("Unsolved")), ("solved", _("Solved")), ("closed", _("Closed"))],
        "names": _customer_names([t.customer_id for t in rows]),
    })


@require_POST
@staff_required(*roles.ANSWER)
def availability(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        services.do_set_availability(user=request.user, available=request.POST.get("available") == "1")
    return redirect(request.POST.get("next") or "conversations:inbox")


@staff_required(*roles.ANSWER)
def attachment(request: HttpRequest, attachment_id: str) -> HttpResponse:
    """A stored file, to staff only. Raster images and PDF (checked by their bytes) show inline; anything
    else downloads. Every answer is sandboxed (core.uploads.serving_headers): no script of a file runs
    as the signed-in agent, even one stored before files were checked by content."""
    row = Attachment.objects.filter(public_id=attachment_id).first()
    if row is None or not row.file:
        raise Http404
    handle = row.file.open("rb")
    head = handle.read(4096)
    handle.seek(0)
    content_type, inline, headers = uploads.serving_headers(row.content_type, head)
    response = FileResponse(handle, filename=row.filename, content_type=content_type, as_attachment=not inline)
    for name, value in headers.items():
        response[name] = value
    return response


@staff_required(*roles.SERVICE_DESK)
def canned(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            with transaction.atomic():
                services.do_save_canned_reply(shortcut=request.POST.get("shortcut", "").strip(),
                                              title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                                              language=request.POST.get("language", "es"), actor=principal(request))
            messages.success(request, _("Saved."))
        except Problem as problem:
            show_problem(request, problem)
        return redirect("conversations:canned")
    return render(request, "conversations/canned.html", {"title": _("Canned replies"), "rows": queries.canned_replies()})


urlpatterns = [
    path("", inbox, name="inbox"),
    path("list/", inbox_list, name="list"),
    path("tickets/", tickets, name="tickets"),
    path("tickets/<str:ticket_id>/status/", ticket_status, name="ticket_status"),
    path("canned/", canned, name="canned"),
    path("availability/", availability, name="availability"),
    path("attachments/<str:attachment_id>", attachment, name="attachment"),
    path("<str:conversation_id>/", inbox, name="conversation"),
    path("<str:conversation_id>/thread/", thread, name="thread"),
    path("<str:conversation_id>/reply/", reply, name="reply"),
    path("<str:conversation_id>/assign/", assign, name="assign"),
    path("<str:conversation_id>/status/", status, name="status"),
    path("<str:conversation_id>/ticket/", open_ticket, name="ticket"),
    path("<str:conversation_id>/link-order/", link_order, name="link_order"),
]
