"""Trend alerts by email to the managers and marketers who asked for them (opt-in on the console's
feedback stream, like analytics' weekly summary): through channels.staff_mail, after the commit, once
per alert and person."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from omnicanal.channels.staff_mail import send_staff_email
from omnicanal.core import audit, clock
from omnicanal.core import queries as core
from omnicanal.core.auth import Principal
from omnicanal.feedback import roles, topics
from omnicanal.feedback.models import AlertMail, AlertSubscriber, TrendAlert, TrendDimension


def subscribed(user_id) -> bool:
    return AlertSubscriber.objects.filter(user_id=int(user_id)).exists()


def do_subscribe(*, actor: Principal, on: bool) -> None:
    user_id = int(actor.id)
    if on:
        AlertSubscriber.objects.get_or_create(user_id=user_id, defaults={"created_at": clock.now()})
    else:
        AlertSubscriber.objects.filter(user_id=user_id).delete()
    audit.record(actor=actor, action="feedback.alerts.subscription", target_type="user", target_id=str(user_id),
                 after={"email": on})


def render(alert: TrendAlert, language: str) -> tuple[str, str, str]:
    with translation.override(language or settings.LANGUAGE_CODE):
        what = str(TrendDimension(alert.dimension).label)
        key = str(topics.LABELS.get(alert.key, alert.key)) if alert.dimension == TrendDimension.TOPIC else alert.key
        context = {"what": what, "key": key, "now": round(100 * alert.share), "before": round(100 * alert.previous_share),
                   "count": alert.count, "previous": alert.previous_count,
                   "business": settings.OMNICANAL["BUSINESS_NAME"]}
        subject = _("%(business)s: negative feedback is rising (%(what)s %(key)s)") % context
        text = _("The negative share of %(what)s %(key)s went from %(before)s %% (of %(previous)s items) to "
                 "%(now)s %% (of %(count)s items) in the last period.") % context
        link = f"{settings.OMNICANAL.get('PUBLIC_URL', '').rstrip('/')}{reverse('feedback:stream')}"
        text = f"{text}\n\n{_('See the feedback stream:')} {link}"
        html = format_html("<p>{}</p><p><a href=\"{}\">{}</a></p>", text.split("\n")[0], link,
                           _("See the feedback stream:"))
    return subject, text, html


def notify_alert(*, alert_id: str) -> int:
    """Email the alert to every subscriber who may read alerts; how many mails were queued."""
    alert = TrendAlert.objects.filter(public_id=alert_id).first()
    if alert is None:
        return 0
    ids = AlertSubscriber.objects.values_list("user_id", flat=True)
    sent = 0
    for reader in core.staff_mail_readers(ids, roles.ALERTS):
        try:
            with transaction.atomic():
                AlertMail.objects.create(alert=alert, user_id=reader.user_id, sent_at=clock.now())
                subject, text, html = render(alert, reader.language)
                send_staff_email(to=reader.email, subject=subject, text=text, html=html)
        except IntegrityError:
            continue  # mailed already (the relay ran the handler again)
        sent += 1
    return sent
