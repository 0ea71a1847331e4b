"""Console pages of the bot: settings per inbox, the knowledge base, a test console (a sentence in,
the intent, entities and answer out, nothing written), and the report of unrecognised messages
whose "add as example" stores a labelled example and retrains the model (docs/bot.md, Console)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.bot import dialogue, nlu, queries, roles, services, skills
from omnicanal.channels import queries as channels
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import Problem, ValidationFailed

TABS = (("bot:settings", _("Settings")), ("bot:knowledge", _("Knowledge base")), ("bot:try", _("Test console")),
        ("bot:unrecognised", _("Unrecognised")))


def _page(request: HttpRequest, template: str, title, **context) -> HttpResponse:
    return render(request, template, {"title": title, "tabs": TABS, "intents": nlu.INTENTS, **context})


def _float(raw: str | None, field: str, default: float) -> float:
    try:
        return float((raw or "").replace(",", ".")) if (raw or "").strip() else default
    except ValueError:
        raise ValidationFailed.on(field, _("must be a number")) from None


@staff_required(*roles.READ)
def settings_page(request: HttpRequest) -> HttpResponse:
    rows = [(inbox, queries.settings_for(inbox.inbox_id)) for inbox in channels.inboxes()
            if inbox.channel in queries.CHANNELS]
    return _page(request, "bot/settings.html", _("Bot settings"), rows=rows)


@require_POST
@staff_required(*roles.SETTINGS)
def save_settings(request: HttpRequest, inbox_id: str) -> HttpResponse:
    data = request.POST
    try:
        with transaction.atomic():
            services.do_save_settings(
                inbox_id=inbox_id, enabled=data.get("enabled") == "on", greeting_es=data.get("greeting_es", ""),
                greeting_en=data.get("greeting_en", ""), intents=data.getlist("intents"),
                handoff_keywords=data.get("handoff_keywords", ""),
                min_confidence=_float(data.get("min_confidence"), "min_confidence", 0.5),
                negative_sentiment=_float(data.get("negative_sentiment"), "negative_sentiment", -0.5),
                actor=principal(request))
        messages.success(request, _("Saved."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect("bot:settings")


@staff_required(*roles.READ)
def knowledge(request: HttpRequest) -> HttpResponse:
    editing = queries.article(request.GET.get("id", "")) if request.GET.get("id") else None
    return _page(request, "bot/knowledge.html", _("Knowledge base"), articles=queries.articles(), editing=editing)


@require_POST
@staff_required(*roles.KNOWLEDGE)
def save_article(request: HttpRequest) -> HttpResponse:
    data = request.POST
    try:
        with transaction.atomic():
            if data.get("delete"):
                services.do_delete_article(article_id=data["delete"], actor=principal(request))
            else:
                services.do_save_article(article_id=data.get("id", ""), language=data.get("language", ""),
                                         question=data.get("question", ""), phrasings=data.get("phrasings", ""),
                                         answer=data.get("answer", ""), active=data.get("active") == "on",
                                         actor=principal(request))
        messages.success(request, _("Saved."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect("bot:knowledge")


@staff_required(*roles.READ)
def try_page(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("text") or "").strip()[:500]
    result = None
    if text:
        understood = nlu.parse(text)
        turn = skills.Turn(conversation_id="", customer_id="", channel="webchat", text=text,
                           language=understood.language, parse=understood)
        # a dry run: whatever a skill might write is rolled back
        with transaction.atomic():
            answer, _context = dialogue.decide(turn=turn, settings=queries.Settings(inbox_id="", enabled=True),
                                               context=queries.Context(conversation_id=""))
            transaction.set_rollback(True)
        result = {"parse": understood, "answer": answer}
    return _page(request, "bot/try.html", _("Test console"), text=text, result=result)


@staff_required(*roles.READ)
def unrecognised(request: HttpRequest) -> HttpResponse:
    return _page(request, "bot/unrecognised.html", _("Unrecognised messages"), rows=queries.unrecognised())


@require_POST
@staff_required(*roles.TRAIN)
def add_example(request: HttpRequest, row_id: int) -> HttpResponse:
    try:
        with transaction.atomic():
            if request.POST.get("dismiss"):
                services.do_dismiss_unrecognised(unrecognised_id=row_id, actor=principal(request))
            else:
                services.do_add_example(unrecognised_id=row_id, intent=request.POST.get("intent", ""),
                                        actor=principal(request))
                messages.success(request, _("Added as an example; the model was retrained."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect("bot:unrecognised")


urlpatterns = [
    path("", settings_page, name="settings"),
    path("inboxes/<str:inbox_id>/", save_settings, name="save_settings"),
    path("knowledge/", knowledge, name="knowledge"),
    path("knowledge/save/", save_article, name="save_article"),
    path("try/", try_page, name="try"),
    path("unrecognised/", unrecognised, name="unrecognised"),
    path("unrecognised/<int:row_id>/", add_example, name="add_example"),
]
