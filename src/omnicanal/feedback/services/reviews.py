"""Reviews from verified buyers: written for an order line that reached the customer (orders says
which: delivered, picked up or carried out of a store), one per order line, held for moderation when
the text needs a person (feedback.moderation), published, rejected or answered by staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import (
    Conflict,
    FieldError,
    FileTooLarge,
    FileTypeRefused,
    NotFound,
    ValidationFailed,
)
from omnicanal.core.uploads import safe_filename, sniff
from omnicanal.customers import queries as customers
from omnicanal.feedback import config, moderation
from omnicanal.feedback.events import ReviewPublished, ReviewRejected, ReviewReplied, ReviewSubmitted
from omnicanal.feedback.models import Review, ReviewPhoto, ReviewStatus
from omnicanal.orders import queries as orders

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class PhotoIn:
    filename: str
    content: bytes


def _short_name(name: str) -> str:
    """"Ana Pérez" -> "Ana P.": enough to be a person, not enough to find them."""
    parts = (name or "").split()
    if not parts:
        return ""
    return f"{parts[0]} {parts[1][0]}." if len(parts) > 1 else parts[0]


def check_photos(photos: list[PhotoIn]) -> list[tuple[PhotoIn, str]]:
    if len(photos) > config.get("REVIEW_PHOTOS_MAX"):
        raise ValidationFailed.on("photos", _("At most %(n)d photos.") % {"n": config.get("REVIEW_PHOTOS_MAX")})
    limit = int(config.get("REVIEW_PHOTO_MAX_BYTES"))
    checked = []
    for index, photo in enumerate(photos):
        field = f"photos[{index}]"
        if len(photo.content) > limit:
            raise FileTooLarge.on(field, _("A photo may not be larger than %(limit)s.") % {"limit": filesizeformat(limit)},
                                  limit=limit)
        kind = sniff(photo.content)
        if kind not in PHOTO_TYPES:
            raise FileTypeRefused.on(field, _("Send a JPEG, PNG or WebP photo."), detected=kind)
        checked.append((photo, kind))
    return checked


def check_review(*, customer_id: str, order_id: str, sku: str, rating: int, text: str) -> orders.ReceivedLine:
    """The line the review is for, or why not: another customer's order is answered as missing (404),
    a line that did not reach them (yet) 422, a second review of a line 409."""
    errors = []
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        errors.append(FieldError("rating", _("Give 1 to 5 stars.")))
    if len(text) > config.get("REVIEW_TEXT_MAX"):
        errors.append(FieldError("text", _("At most %(n)d characters.") % {"n": config.get("REVIEW_TEXT_MAX")}))
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)
    if not order_id or not orders.order_belongs_to(order_id, customer_id):
        raise NotFound(detail=_("No order %(order)s.") % {"order": order_id})
    lines = orders.lines_received_by(customer_id, order_id=order_id, sku=sku)
    if not lines:
        raise ValidationFailed.on("sku", _("This product has not reached you in this order yet: you can review it "
                                          "once it is delivered or picked up."))
    line = lines[0]
    if Review.objects.filter(order_id=line.order_id, sku=line.sku).exists():
        raise Conflict(detail=_("You already reviewed this product from this order."),
                       errors=[FieldError("sku", _("You already reviewed this product from this order."))])
    return line


def do_submit_review(*, customer_id: str, order_id: str, sku: str, rating: int, text: str = "",
                     photos: list[PhotoIn] | None = None, language: str = "") -> Review:
    """A customer's review: published at once, or held for moderation (flags say why)."""
    customer_id = customers.resolve_id(customer_id)
    text = (text or "").strip()
    line = check_review(customer_id=customer_id, order_id=order_id, sku=sku, rating=rating, text=text)
    checked = check_photos(photos or [])
    verdict = moderation.check_review(text, rating)
    now = clock.now()
    status = ReviewStatus.PENDING if verdict.held else ReviewStatus.PUBLISHED
    try:
        with transaction.atomic():  # a savepoint: the unique line constraint answers a race as a conflict
            review = Review.objects.create(
                customer_id=customer_id, order_id=line.order_id, order_number=line.order_number,
                order_channel=line.channel, sku=line.sku, product_handle=catalog.get_product(line.sku).handle,
                rating=rating, text=text, language=language[:5],
                author_name=_short_name(customers.customer_summary(customer_id).name), verified_buyer=True,
                status=status, flags=list(verdict.flags), alert=verdict.alert, created_at=now,
                published_at=now if status == ReviewStatus.PUBLISHED else None,
            )
    except IntegrityError:
        raise Conflict(detail=_("You already reviewed this product from this order."),
                       errors=[FieldError("sku", _("You already reviewed this product from this order."))]) from None
    for photo, kind in checked:
        row = ReviewPhoto(review=review, content_type=kind, size=len(photo.content))
        row.save()
        row.file.save(safe_filename(photo.filename, kind), _content(photo.content), save=True)
    outbox.emit(ReviewSubmitted(review_id=review.public_id, customer_id=customer_id, order_id=review.order_id,
                                sku=review.sku, product_handle=review.product_handle, rating=rating,
                                status=status, flags=tuple(verdict.flags), alert=verdict.alert))
    if status == ReviewStatus.PUBLISHED:
        _published(review)
    return review


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def _published(review: Review) -> None:
    outbox.emit(ReviewPublished(review_id=review.public_id, customer_id=review.customer_id, sku=review.sku,
                                product_handle=review.product_handle, rating=review.rating))


def _locked(review_id: str) -> Review:
    review = Review.objects.select_for_update().filter(public_id=review_id).first()
    if review is None:
        raise NotFound(detail=_("No review %(id)s.") % {"id": review_id})
    return review


def do_approve_review(*, review_id: str, actor: Principal) -> Review:
    review = _locked(review_id)
    if review.status == ReviewStatus.PUBLISHED:
        return review
    now = clock.now()
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.PUBLISHED, published_at=now, moderated_at=now,
                                               moderated_by=actor.name[:100])
    review.refresh_from_db()
    audit.record(actor=actor, action="feedback.review.approve", target_type="review", target_id=review.public_id,
                 after={"status": review.status})
    _published(review)
    return review


def do_reject_review(*, review_id: str, reason: str, actor: Principal) -> Review:
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationFailed.on("reason", _("Say why (the customer will not see it)."))
    review = _locked(review_id)
    if review.status == ReviewStatus.REJECTED:
        return review
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.REJECTED, published_at=None, reject_reason=reason,
                                               moderated_at=clock.now(), moderated_by=actor.name[:100])
    review.refresh_from_db()
    audit.record(actor=actor, action="feedback.review.reject", target_type="review", target_id=review.public_id,
                 after={"status": review.status, "reason": reason})
    outbox.emit(ReviewRejected(review_id=review.public_id, customer_id=review.customer_id, reason=reason))
    return review


def do_reply_review(*, review_id: str, text: str, actor: Principal) -> Review:
    """The business's public answer under the review (one; a new one replaces it)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed.on("text", _("Write the reply."))
    if len(text) > 2000:
        raise ValidationFailed.on("text", _("At most %(n)d characters.") % {"n": 2000})
    review = _locked(review_id)
    Review.objects.filter(pk=review.pk).update(reply=text, replied_at=clock.now(), replied_by=actor.name[:100])
    review.refresh_from_db()
    outbox.emit(ReviewReplied(review_id=review.public_id, customer_id=review.customer_id))
    return review


# --- the customers registry: merge, export, erasure ---------------------------------------------


def do_move_reviews(*, survivor_id: str, merged_id: str) -> int:
    return Review.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)


def do_erase_reviews(*, customer_id: str) -> None:
    """An erased person's reviews go (text and photos are theirs); the product's rating loses them."""
    for photo in ReviewPhoto.objects.filter(review__customer_id=customer_id):
        photo.file.delete(save=False)
    Review.objects.filter(customer_id=customer_id).delete()
