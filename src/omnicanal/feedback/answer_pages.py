"""The survey's public page, from the customer's signed link: one question a screen, plain forms
(works without JavaScript), mobile first; answers are kept as they are given, so a customer who
stops half-way finds their answers when they come back."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from omnicanal.core.errors import Conflict, Problem
from omnicanal.core.money import Money
from omnicanal.feedback.models import RewardKind, SendStatus
from omnicanal.feedback.services import surveys


def _question_index(send, wanted: str | None) -> int:
    questions = send.survey.questions
    if wanted is not None and wanted.isdigit() and int(wanted) < len(questions):
        return int(wanted)
    return next((i for i, q in enumerate(questions) if q["id"] not in send.answers), len(questions) - 1)


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    send = surveys.send_for_token(token)
    if send is None:
        raise Http404
    with translation.override(send.language):
        return _answer(request, token, send)


def _answer(request: HttpRequest, token: str, send) -> HttpResponse:
    here = reverse("feedback-survey", args=[token])
    if send.status == SendStatus.COMPLETED:
        return _thanks(request, send)
    questions = send.survey.questions
    index = _question_index(send, request.POST.get("q") if request.method == "POST" else request.GET.get("q"))
    question = questions[index]
    error = ""
    if request.method == "POST":
        raw = request.POST.getlist("answer") if question["kind"] == "multiple" else request.POST.get("answer", "")
        try:
            with transaction.atomic():
                send = surveys.do_answer(send_id=send.public_id, answers={question["id"]: raw})
        except Conflict:
            return redirect(here)
        except Problem as problem:
            error = problem.detail
        else:
            if send.status == SendStatus.COMPLETED:
                return redirect(here)
            following = next((i for i, q in enumerate(questions) if q["id"] not in send.answers and i > index), None)
            return redirect(f"{here}?q={following}" if following is not None else here)
    language = send.language
    options = [{"value": str(v), "label": str(v)} for v in range(question["min"], question["max"] + 1)] \
        if question["kind"] == "scale" else [{"value": o["value"], "label": o[language]} for o in question.get("options", [])]
    current = send.answers.get(question["id"])
    chosen = {str(v) for v in current} if isinstance(current, list) else ({str(current)} if current is not None else set())
    return render(request, "feedback/survey.html", {
        "send": send, "question": question, "text": question["text"][language], "options": options, "chosen": chosen,
        "current": current if isinstance(current, str) else "", "index": index, "number": index + 1,
        "total": len(questions), "previous": index - 1 if index > 0 else None, "error": error,
        "business": settings.OMNICANAL.get("BUSINESS_NAME", ""),
    }, status=422 if error else 200)


def _thanks(request: HttpRequest, send) -> HttpResponse:
    return render(request, "feedback/survey_thanks.html", {
        "send": send, "reward_kind": send.survey.reward_kind, "reward_ref": send.reward_ref,
        "points": int(send.survey.reward_value), "coupon": send.survey.reward_kind == RewardKind.COUPON,
        "credit": Money.of(send.survey.reward_value).format() if send.survey.reward_kind == RewardKind.STORE_CREDIT else "",
        "business": settings.OMNICANAL.get("BUSINESS_NAME", ""),
    })
