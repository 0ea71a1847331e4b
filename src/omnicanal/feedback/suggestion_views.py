"""The console's suggestions board (Console → Voice of the customer → Suggestions): filter by status,
set a status with a reply (the author and voters are told), reply, merge a duplicate, and file a
suggestion for a customer who proposed it in a chat; and the customer's side panel (customers.registry, shown
in the inbox's thread and the customer page) with "File a suggestion" linked to the open conversation.
Mounted by views.py's urlpatterns."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core.auth import role_allows
from omnicanal.core.console import problem_message, show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.feedback import queries, roles
from omnicanal.feedback.models import SuggestionKind, SuggestionStatus
from omnicanal.feedback.services import suggestions

SETTABLE = suggestions.SETTABLE


@staff_required(*roles.READ)
def board(request: HttpRequest):
    status = request.GET.get("status", "")
    status = status if status in SuggestionStatus.values else ""
    query = request.GET.get("q", "").strip()[:80]
    items = queries.suggestions(status=status, query=query, limit=200)
    counts = queries.suggestion_counts()
    return render(request, "feedback/suggestions.html", {
        "title": _("Suggestions"), "items": items, "status": status, "q": query,
        "tabs": [(s, SuggestionStatus(s).label, counts.get(s, 0)) for s in SuggestionStatus.values],
        "settable": [(s, SuggestionStatus(s).label) for s in SETTABLE], "kinds": SuggestionKind.choices,
        "merge_targets": [s for s in queries.suggestions(limit=300) if s.status != SuggestionStatus.MERGED],
        "may_triage": role_allows(request.principal, roles.SUGGESTIONS),
        "customer_id": request.GET.get("customer", ""), "conversation_id": request.GET.get("conversation", ""),
    })


@require_POST
@staff_required(*roles.SUGGESTIONS)
def action(request: HttpRequest, suggestion_id: str, what: str):
    try:
        with transaction.atomic():
            if what == "status":
                suggestions.do_set_status(suggestion_id=suggestion_id, status=request.POST.get("status", ""),
                                          reply=request.POST.get("reply", ""), actor=request.principal)
                messages.success(request, _("Status saved: the author and the voters will be told."))
            elif what == "reply":
                suggestions.do_reply(suggestion_id=suggestion_id, text=request.POST.get("text", ""),
                                     actor=request.principal)
                messages.success(request, _("Reply saved."))
            elif what == "merge":
                suggestions.do_merge(suggestion_id=suggestion_id, into_id=request.POST.get("into", ""),
                                     actor=request.principal)
                messages.success(request, _("Merged: the votes moved to the other suggestion."))
            else:
                raise Http404
    except Problem as problem:
        show_problem(request, problem)
    back = request.POST.get("back", "")
    query = f"?{urlencode({'status': back})}" if back in SuggestionStatus.values else ""
    return redirect(f"{reverse('feedback:suggestions')}{query}#s-{suggestion_id}")


@require_POST
@staff_required(*roles.SUGGESTIONS)
def file_for_customer(request: HttpRequest):
    """An agent files what a customer proposed in a chat (their vote included)."""
    try:
        with transaction.atomic():
            row = suggestions.do_propose(customer_id=request.POST.get("customer_id", "").strip(),
                                         title=request.POST.get("title", ""), text=request.POST.get("text", ""),
                                         kind=request.POST.get("kind", SuggestionKind.PRODUCT), source="chat",
                                         conversation_id=request.POST.get("conversation_id", "").strip()[:32])
        messages.success(request, _("Suggestion filed for the customer."))
        return redirect(f"{reverse('feedback:suggestions')}#s-{row.public_id}")
    except Problem as problem:
        show_problem(request, problem, fields={"customer_id": "customer_id"})
    return redirect(reverse("feedback:suggestions"))


# --- the customer's side panel (the inbox's thread, the customer page) ----------------------------

PANEL_ITEMS = 5


def panel_html(request: HttpRequest, customer_id: str, *, notice: str = "", error: str = "",
               form: dict | None = None) -> str:
    """Registered in hooks.py; request.conversation_id is the thread's (conversations' views set it)."""
    principal = getattr(request, "principal", None) or request.user
    return render_to_string("feedback/_suggestion_panel.html", {
        "customer_id": customer_id, "conversation_id": getattr(request, "conversation_id", "") or "",
        "items": queries.suggestions_of_customer(customer_id)[:PANEL_ITEMS], "kinds": SuggestionKind.choices,
        "may_file": role_allows(principal, roles.SUGGESTIONS), "notice": notice, "error": error,
        "form": form or {},
    }, request=request)


@require_POST
@staff_required(*roles.SUGGESTIONS)
def panel_file(request: HttpRequest, customer_id: str):
    """"File a suggestion" from the thread: in the customer's name with their vote, linked to the conversation
    (source chat). htmx swaps the panel in place; without JavaScript, back to the thread."""
    conversation_id = request.POST.get("conversation_id", "").strip()[:32]
    request.conversation_id = conversation_id  # type: ignore[attr-defined]
    form = {"title": request.POST.get("title", ""), "text": request.POST.get("text", ""),
            "kind": request.POST.get("kind", SuggestionKind.PRODUCT)}
    notice, error, problem = "", "", None
    try:
        with transaction.atomic():
            suggestions.do_propose(customer_id=customer_id, title=form["title"], text=form["text"], kind=form["kind"],
                                   source="chat", conversation_id=conversation_id)
        notice, form = str(_("Suggestion filed for the customer.")), {}
    except Problem as refused:
        problem, error = refused, problem_message(refused)  # field by field, escaped
    if request.headers.get("HX-Request"):
        return HttpResponse(panel_html(request, customer_id, notice=notice, error=error, form=form))
    if problem is not None:
        show_problem(request, problem)
    else:
        messages.success(request, notice)
    back = reverse("conversations:conversation", args=[conversation_id]) if conversation_id else reverse(
        "customers:detail", args=[customer_id])
    return redirect(back)


urlpatterns = [
    path("suggestions/", board, name="suggestions"),
    path("suggestions/panel/<str:customer_id>/", panel_file, name="suggestion_panel_file"),
    path("suggestions/file/", file_for_customer, name="suggestion_file"),
    path("suggestions/<str:suggestion_id>/<str:what>/", action, name="suggestion_action"),
]
