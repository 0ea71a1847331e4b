"""The console's moderation queue (reviews: approve, reject, reply), its photo view, and the feedback
stream (unsolicited feedback with sentiment, topics, source and customer; trend alerts as a banner)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core import uploads
from omnicanal.core.auth import role_allows
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.feedback import queries, roles, topics
from omnicanal.feedback.models import FeedbackSource, ReviewStatus, SentimentLabel, TrendDimension
from omnicanal.feedback.services import alert_mail, reviews, trends

TOPIC_LABELS = topics.LABELS

STATUSES = (ReviewStatus.PENDING, ReviewStatus.PUBLISHED, ReviewStatus.REJECTED)


@staff_required(*roles.MODERATE)
def review_queue(request: HttpRequest):
    status = request.GET.get("status", ReviewStatus.PENDING)
    if status not in STATUSES:
        status = ReviewStatus.PENDING
    return render(request, "feedback/reviews.html", {
        "title": _("Reviews"), "status": status, "statuses": [(s, ReviewStatus(s).label) for s in STATUSES],
        "reviews": queries.moderation_queue(status=status),
    })


@require_POST
@staff_required(*roles.MODERATE)
def review_action(request: HttpRequest, review_id: str, action: str):
    try:
        with transaction.atomic():
            if action == "approve":
                reviews.do_approve_review(review_id=review_id, actor=request.principal)
                messages.success(request, _("Review published."))
            elif action == "reject":
                reviews.do_reject_review(review_id=review_id, reason=request.POST.get("reason", ""),
                                         actor=request.principal)
                messages.success(request, _("Review rejected."))
            elif action == "reply":
                reviews.do_reply_review(review_id=review_id, text=request.POST.get("text", ""), actor=request.principal)
                messages.success(request, _("Reply saved."))
            else:
                raise Http404
    except Problem as problem:
        show_problem(request, problem)
    back = request.POST.get("back", "")
    return redirect(f"{reverse('feedback:reviews')}?status={back if back in STATUSES else ReviewStatus.PENDING}")


def serve_photo(photo_id: str, *, published_only: bool):
    row = queries.photo_file(photo_id)
    if row is None or (published_only and row.review.status != ReviewStatus.PUBLISHED):
        raise Http404
    handle = row.file.open("rb")
    head = handle.read(64)
    handle.seek(0)
    content_type, _inline, headers = uploads.serving_headers(row.content_type, head)
    response = FileResponse(handle, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    if published_only:
        response["Cache-Control"] = "public, max-age=3600"
    return response


@staff_required(*roles.MODERATE)
def console_photo(request: HttpRequest, photo_id: str):
    return serve_photo(photo_id, published_only=False)


def _choice(value: str, allowed) -> str:
    return value if value in allowed else ""


@staff_required(*roles.READ)
def feedback_stream(request: HttpRequest):
    spec = queries.StreamFilter(
        source=_choice(request.GET.get("source", ""), FeedbackSource.values),
        sentiment=_choice(request.GET.get("sentiment", ""), SentimentLabel.values),
        topic=_choice(request.GET.get("topic", ""), topics.TOPICS),
        store=_choice(request.GET.get("store", ""), queries.feedback_stores()))
    items = [(item, [TOPIC_LABELS[t] for t in item.topics if t in TOPIC_LABELS],
              FeedbackSource(item.source).label, SentimentLabel(item.sentiment).label)
             for item in queries.feedback_stream(spec, limit=200)]
    alerts = [(alert, TrendDimension(alert.dimension).label, TOPIC_LABELS.get(alert.key, alert.key))
              for alert in queries.trend_alerts()]
    return render(request, "feedback/stream.html", {
        "title": _("Feedback stream"), "spec": spec, "items": items, "alerts": alerts,
        "sources": FeedbackSource.choices, "sentiments": SentimentLabel.choices,
        "topics": list(TOPIC_LABELS.items()), "stores": queries.feedback_stores(),
        "may_acknowledge": role_allows(request.principal, roles.ALERTS),
        "alert_mail": alert_mail.subscribed(request.principal.id) if request.principal.kind == "user" else None,
    })


@require_POST
@staff_required(*roles.ALERTS)
def acknowledge_alert(request: HttpRequest, alert_id: str):
    try:
        with transaction.atomic():
            trends.do_acknowledge(alert_id=alert_id, actor=request.principal)
        messages.success(request, _("Alert acknowledged."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect(reverse("feedback:stream"))


urlpatterns = [
    path("stream/", feedback_stream, name="stream"),
    path("alerts/<str:alert_id>/acknowledge/", acknowledge_alert, name="acknowledge_alert"),
    path("reviews/", review_queue, name="reviews"),
    path("reviews/<str:review_id>/<str:action>/", review_action, name="review_action"),
    path("photos/<str:photo_id>", console_photo, name="photo"),
]

from omnicanal.feedback import suggestion_views  # noqa: E402  (the suggestions board)

urlpatterns += suggestion_views.urlpatterns

from omnicanal.feedback import survey_views  # noqa: E402  (surveys: list, builder, results)

urlpatterns += survey_views.urlpatterns

from omnicanal.feedback import trigger_views  # noqa: E402  (survey triggers and due sends)

urlpatterns += trigger_views.urlpatterns


@require_POST
@require_POST
@staff_required(*roles.ALERTS)
def alert_mail_subscription(request: HttpRequest):
    """Opt in or out of trend alerts by email (services.alert_mail)."""
    with transaction.atomic():
        alert_mail.do_subscribe(actor=request.principal, on=request.POST.get("email") == "on")
    messages.success(request, _("Saved."))
    return redirect(reverse("feedback:stream"))


urlpatterns += [path("alerts/email/", alert_mail_subscription, name="alert_mail")]
