"""A trend alert is emailed to the managers and marketers who opted in on the console's feedback stream
(like the weekly summary), once each, in their language; nobody else gets it."""

import datetime as dt

from django.core import mail
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.services import do_create_staff_user
from omnicanal.feedback.models import AlertMail
from omnicanal.feedback.services import alert_mail, trends
from omnicanal.feedback.tests.test_trends_topics import _feedback


def _user(username, role, language="es"):
    user = do_create_staff_user(username=username, password="secret-pass", role=role, locations=[],
                                email=f"{username}@andessport.cl")
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_opted_in_managers_get_the_trend_alert_by_email_once(db, client, django_capture_on_commit_callbacks):
    jefa, boss, agent, quiet = (_user("jefa", "manager"), _user("boss", "marketer", "en"), _user("agente", "agent"),
                                _user("callado", "manager"))
    for user in (jefa, boss):  # they opt in on the feedback stream
        client.force_login(user)
        page = client.get("/console/feedback/stream/").content.decode()
        assert 'data-testid="alert-mail"' in page
        assert client.post("/console/feedback/alerts/email/", {"email": "on"}).status_code == 302
    from omnicanal.feedback.models import AlertSubscriber

    AlertSubscriber.objects.create(user_id=agent.pk, created_at=clock.now())  # an agent may not read alerts
    assert not alert_mail.subscribed(quiet.pk)

    now = clock.now()
    _feedback(12, negative=1, store="SCL", text="el despacho", at=now - dt.timedelta(days=10))
    _feedback(12, negative=9, store="SCL", text="el despacho", at=now - dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            raised = trends.do_check_trends(now=now)
    assert len(raised) == 2  # the store and the delivery topic
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["boss@andessport.cl", "boss@andessport.cl", "jefa@andessport.cl", "jefa@andessport.cl"]
    spanish = next(m for m in mail.outbox if m.to == ["jefa@andessport.cl"] and "SCL" in m.subject)
    assert "aumentando" in spanish.subject and "75 %" in spanish.body
    english = next(m for m in mail.outbox if m.to == ["boss@andessport.cl"] and "SCL" in m.subject)
    assert "rising" in english.subject
    # the handler running again mails nobody twice
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_mail.notify_alert(alert_id=raised[0].public_id) == 0
    assert len(mail.outbox) == 4 and AlertMail.objects.count() == 4
    # opting out stops them
    client.force_login(jefa)
    client.post("/console/feedback/alerts/email/", {"email": "off"})
    assert not alert_mail.subscribed(jefa.pk)
