"""The console's moderation queue (reviews: approve, reject, reply) and its photo view."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core import uploads
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.feedback import queries, roles
from omnicanal.feedback.models import ReviewStatus
from omnicanal.feedback.services import reviews

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


urlpatterns = [
    path("reviews/", review_queue, name="reviews"),
    path("reviews/<str:review_id>/<str:action>/", review_action, name="review_action"),
    path("photos/<str:photo_id>", console_photo, name="photo"),
]
