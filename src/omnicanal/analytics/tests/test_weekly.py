"""The weekly summary by email (analytics.weekly, docs/analytics.md "The weekly summary"): on Monday
from 08:00 in the business's zone (America/Santiago), each staff member who opted in gets one
multipart email over real SMTP (aiosmtpd) with last week's KPIs beside the week before, in their
language; store staff see their own stores only; a second run that week sends nothing."""

import datetime as dt
import email
import email.policy

import pytest
from django.utils import translation

from omnicanal.analytics import dashboard, histogram
from omnicanal.analytics.tests.conftest import DAY, H
from omnicanal.analytics.tests.shared_week import _week, shared_ana, shared_bea, shared_scenario, shared_world  # noqa: F401 (once a file)
from omnicanal.analytics.weekly import do_send_weekly_summaries, due_week
from omnicanal.channels.tests.plugin import SmtpSink, free_port, smtp_server  # noqa: F401  (fixtures)
from omnicanal.core.services import do_create_staff_user

# The scenario's week: Monday 2 March 2026 00:00 in Santiago (UTC−3 in summer) to Monday 9 March.
SEND_AT = dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC)  # 08:00 in Santiago


@pytest.fixture
def mail(settings, smtp_server):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = smtp_server.host, smtp_server.port, False
    settings.DEFAULT_FROM_EMAIL = "omnicanal@andessport.cl"
    settings.OMNICANAL = {**settings.OMNICANAL, "PUBLIC_URL": "https://consola.andessport.cl",
                          "TIME_ZONE": "America/Santiago"}
    return smtp_server


def staff(username, role, *, opted=True, language="es", locations=None, email_address=None):
    user = do_create_staff_user(username=username, password="secret-pass", role=role, locations=locations,
                                email=f"{username}@andessport.cl" if email_address is None else email_address)
    user.weekly_summary, user.language = opted, language
    user.save(update_fields=["weekly_summary", "language"])
    return user


def revenue_label(language):
    # The dashboard card's own label: marketing's catalogue translates "Revenue" too and wins at run
    # time today (web/tests/test_i18n.py says so); the summary shows whatever the dashboard shows.
    with translation.override(language):
        return str(dict((name, label) for name, label, *_ in dashboard.CARDS)["revenue"])


def send(capture, at=SEND_AT):
    with capture(execute=True):
        return do_send_weekly_summaries(at)


def parts(envelope):
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return message, text, html


def by_recipient(sink):
    return {envelope.rcpt_tos[0]: parts(envelope) for envelope in sink.messages}


def test_an_opted_in_manager_gets_one_email_with_the_weeks_numbers(
        scenario, shop, mail, django_capture_on_commit_callbacks):
    shop.return_(scenario["orders"]["pos_scl"], at=DAY + 30 * H)  # the till's sale comes back on Tuesday
    staff("gerente", "manager")
    staff("otro", "manager", opted=False)
    staff("sin-correo", "manager", email_address="")
    # 3 kept orders this week (2 SOCK-1 pickups at $5.000 and a $5.000 sale at the till, returned), 1 the
    # week before; Ana wrote on WhatsApp before buying at the till (cross-channel), answered in 60 minutes
    assert send(django_capture_on_commit_callbacks) == 1
    assert [m.rcpt_tos for m in mail.messages] == [["gerente@andessport.cl"]]
    message, text, html = parts(mail.messages[0])
    assert message["Subject"] == "Andes Sport: tu resumen semanal, 02-03-2026 a 08-03-2026"
    assert message["From"] == "omnicanal@andessport.cl"
    for line in ("Pedidos: 3 (antes: 1; +200.0 %)",
                 f"{revenue_label('es')}: $15.000 (antes: $5.000; +200.0 %)",
                 "Valor medio del pedido: $5.000 (antes: $5.000; +0.0 %)",
                 "Retirados en tienda o en auto: 66.7 % (antes: 100.0 %; −33.3 pts)",
                 "Pedidos entre canales: 1 (antes: 0; —)",
                 "Tasa de devolución: 33.3 % (antes: 0.0 %; +33.3 pts)",
                 # 60 minutes as the histogram reads them (within 5 %: docs/analytics.md)
                 f"Primera respuesta (mediana, min): {histogram.estimate([60], 0.5):.1f} (antes: —; —)"):
        assert line in text, line
    link = "https://consola.andessport.cl/console/analytics/?from=2026-03-02&amp;to=2026-03-08"
    assert f'<a href="{link}">' in html and "<td style=\"text-align: right; padding: 4px 8px\">$15.000</td>" in html
    assert "/console/analytics/?from=2026-03-02&to=2026-03-08" in text


def test_a_store_clerk_reads_only_their_store(scenario, mail, django_capture_on_commit_callbacks):
    staff("vendedor-vap", "store_staff", locations=["VAP"])
    assert send(django_capture_on_commit_callbacks) == 1
    _, text, _ = parts(mail.messages[0])
    assert "Tus tiendas: VAP" in text
    assert "Pedidos: 1 (antes: 0; —)" in text  # only web_vap; SCL's orders and last week's are not theirs
    assert f"{revenue_label('es')}: $5.000 (antes: $0; —)" in text
    assert "Primera respuesta (mediana, min): — (antes: —; —)" in text  # the conversation is about no store of theirs


def test_english_readers_get_it_in_english(scenario, mail, django_capture_on_commit_callbacks):
    staff("manager-en", "manager", language="en")
    staff("gerente-es", "manager", language="es")
    send(django_capture_on_commit_callbacks)
    mails = by_recipient(mail)
    message, text, _ = mails["manager-en@andessport.cl"]
    assert message["Subject"] == "Andes Sport: your weekly summary, 02-03-2026 to 08-03-2026"
    assert "Orders: 3 (before: 1; +200.0 %)" in text and "Revenue: $15.000 (before: $5.000; +200.0 %)" in text  # money as the console shows it (en_CL)
    message, text, _ = mails["gerente-es@andessport.cl"]
    assert "tu resumen semanal" in message["Subject"] and "Pedidos: 3" in text


def test_running_twice_in_the_week_sends_once(scenario, mail, django_capture_on_commit_callbacks):
    staff("gerente", "manager")
    assert send(django_capture_on_commit_callbacks) == 1
    assert send(django_capture_on_commit_callbacks, SEND_AT + dt.timedelta(minutes=15)) == 0
    assert len(mail.messages) == 1


def test_only_on_monday_from_eight_in_the_business_zone(db, mail, django_capture_on_commit_callbacks):
    staff("gerente", "manager")
    assert due_week(SEND_AT - dt.timedelta(minutes=1)) is None  # 07:59 in Santiago
    assert due_week(SEND_AT + dt.timedelta(days=1)) is None  # Tuesday
    week = due_week(SEND_AT)
    assert week.monday == dt.date(2026, 3, 9)
    assert (week.filters.start, week.filters.end) == (DAY + dt.timedelta(hours=3), SEND_AT - dt.timedelta(hours=8))
    assert send(django_capture_on_commit_callbacks, SEND_AT - dt.timedelta(minutes=1)) == 0
    assert mail.messages == []
