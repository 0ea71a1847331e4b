"""A survey's results (the console's results page): response rate, and the survey's score — CSAT (share
of 4–5 on 1–5), NPS (promoters 9–10 minus detractors 0–6, in points) or CES (average on 1–7) — overall
and by channel, store, agent and period (ISO week), with the comments (text answers). Pure functions
over `Response` records; `responses()` reads them from the sends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from omnicanal.feedback.models import SendStatus, SurveyKind, SurveySend

DIMENSIONS = ("channel", "store", "agent", "period")
# The standard question of each kind (services.surveys.STANDARD) carries the score.
SCORE_QUESTION = {SurveyKind.CSAT: "csat", SurveyKind.NPS: "nps", SurveyKind.CES: "ces"}
PROMOTER_MIN, DETRACTOR_MAX = 9, 6  # NPS: 9–10 promoters, 0–6 detractors (segment_rules reads them too)


@dataclass(frozen=True)
class Response:
    status: str  # sent | partial | completed
    sent_at: dt.datetime
    score: int | None  # the standard question's answer
    channel: str = ""
    store: str = ""
    agent: str = ""
    comments: tuple[str, ...] = ()
    completed_at: dt.datetime | None = None

    @property
    def period(self) -> str:
        year, week, _day = self.sent_at.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Row:
    key: str
    sent: int
    completed: int
    rate: float | None  # completed / sent, in %
    score: float | None  # CSAT %, NPS points or CES average; None without answers
    answers: int


def score(kind: str, values: list[int]) -> float | None:
    if not values:
        return None
    n = len(values)
    if kind == SurveyKind.CSAT:
        return round(100 * sum(1 for v in values if v >= 4) / n, 1)
    if kind == SurveyKind.NPS:
        return round(100 * (sum(1 for v in values if v >= PROMOTER_MIN) - sum(1 for v in values if v <= DETRACTOR_MAX))
                     / n, 1)
    if kind == SurveyKind.CES:
        return round(sum(values) / n, 2)
    return None


def summarise(key: str, kind: str, items: list[Response]) -> Row:
    sent = len(items)
    completed = sum(1 for r in items if r.status == SendStatus.COMPLETED)
    values = [r.score for r in items if r.score is not None]
    return Row(key=key, sent=sent, completed=completed, rate=round(100 * completed / sent, 1) if sent else None,
               score=score(kind, values), answers=len(values))


def breakdown(kind: str, items: list[Response], dimension: str) -> list[Row]:
    """One row per value of the dimension ("" reads as unknown), periods in order, others by volume."""
    groups: dict[str, list[Response]] = {}
    for item in items:
        groups.setdefault(getattr(item, dimension) or "", []).append(item)
    rows = [summarise(key, kind, group) for key, group in groups.items()]
    if dimension == "period":
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (-r.sent, r.key))


def comments(items: list[Response], *, limit: int = 100) -> list[tuple[dt.datetime, str, Response]]:
    found = [(r.completed_at or r.sent_at, text, r) for r in items for text in r.comments]
    return sorted(found, key=lambda c: c[0], reverse=True)[:limit]


def _agents(conversation_ids: set[str]) -> dict[str, str]:
    """The agent who had each conversation (a send triggered by a conversation is that agent's)."""
    from omnicanal.conversations import queries as conversations
    from omnicanal.core.errors import NotFound

    out = {}
    for conversation_id in conversation_ids:
        try:
            assignee = conversations.get_conversation(conversation_id).assignee
        except NotFound:
            continue
        if assignee is not None:
            out[conversation_id] = assignee.get_full_name() or assignee.get_username()
    return out


def responses(survey, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[Response]:
    """The survey's sends in [since, until) as Response records. Channel, store and conversation come from
    the send's delivery facts where it has them (SurveySend.channel and .context, set by delivery)."""
    sends = SurveySend.objects.filter(survey=survey)
    if since is not None:
        sends = sends.filter(sent_at__gte=since)
    if until is not None:
        sends = sends.filter(sent_at__lt=until)
    sends = list(sends.order_by("sent_at", "pk")[:20_000])
    text_ids = [q["id"] for q in survey.questions or [] if q.get("kind") == "text"]
    score_id = SCORE_QUESTION.get(survey.kind, "")
    contexts = {send.pk: (getattr(send, "context", None) or {}) for send in sends}
    agents = _agents({c["conversation_id"] for c in contexts.values() if c.get("conversation_id")})
    out = []
    for send in sends:
        context = contexts[send.pk]
        raw = (send.answers or {}).get(score_id)
        out.append(Response(
            status=send.status, sent_at=send.sent_at, completed_at=send.completed_at,
            score=raw if isinstance(raw, int) and not isinstance(raw, bool) else None,
            channel=context.get("channel") or getattr(send, "channel", "") or "",
            store=context.get("store") or "", agent=context.get("agent") or agents.get(context.get("conversation_id"), ""),
            comments=tuple(str(send.answers[q]).strip() for q in text_ids
                           if str((send.answers or {}).get(q) or "").strip())))
    return out
