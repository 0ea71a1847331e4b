"""Issue 17 item 6: topics by keywords per category (es and en lists in wordlists/), and the trend
alert when the negative share of a store's or a topic's feedback jumps against the previous period."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.feedback import topics
from omnicanal.feedback.models import Feedback, TrendAlert
from omnicanal.feedback.services import trends
from omnicanal.feedback.services.trends import Window


@pytest.mark.parametrize(("text", "expected"), [
    ("el despacho se demoró una semana", ("delivery",)),
    ("no había stock de mi talla", ("stock",)),
    ("muy caro para lo que es", ("price",)),
    ("la vendedora fue muy amable", ("staff",)),
    ("se descosió al primer uso, mala calidad", ("product_quality",)),
    ("quiero la devolución de mi plata", ("price", "returns")),
    ("the courier lost my parcel", ("delivery",)),
    ("sold out in every store", ("stock",)),
    ("the cashier was rude", ("staff",)),
    ("i want a refund", ("returns",)),
    ("hola, buenas tardes", ()),
])
def test_topics_by_keywords_in_both_languages(text, expected):
    assert topics.topics_of(text) == expected


def test_a_topics_file_with_an_unknown_category_or_a_keyword_outside_one_is_refused():
    with pytest.raises(ValueError, match="Unknown topic"):
        topics.parse("[shipping]\nenvio\n")
    with pytest.raises(ValueError, match="before any"):
        topics.parse("envio\n[delivery]\n")
    parsed = topics.parse("[delivery]\ndespacho*\nno llega\ncourier\n")["delivery"]
    assert parsed.stems == ("despacho",) and parsed.phrases == (("no", "llega"),) and "courier" in parsed.words


def test_the_jump_rule():
    # 10 % negative before, 40 % now: a jump (+30 points, 4 times)
    assert trends.jumped(Window(20, 8), Window(20, 2))
    # too few items in either window: no trend
    assert not trends.jumped(Window(5, 5), Window(20, 2))
    assert not trends.jumped(Window(20, 8), Window(4, 0))
    # +10 points only, or +16 points that is not 1.5 times the old share (50 % -> 66 %): no alert
    assert not trends.jumped(Window(20, 4), Window(20, 2))
    assert not trends.jumped(Window(30, 20), Window(20, 10))
    # a falling share never alerts
    assert not trends.jumped(Window(20, 1), Window(20, 10))


def _feedback(n, *, negative, store, text, at):
    for i in range(n):
        Feedback.objects.create(source="social", text=text, store=store, language="es", at=at + dt.timedelta(minutes=i),
                                sentiment="negative" if i < negative else "positive", score=-0.5 if i < negative else 0.5,
                                topics=list(topics.topics_of(text)), created_at=at)


def test_a_store_whose_negative_share_jumps_raises_one_alert_a_day(db, api):
    # 23:30 UTC, 20:30 in Santiago: the next hourly check is another UTC day, the same business day
    now = clock.now().replace(hour=23, minute=30, second=0, microsecond=0)
    last_week, this_week = now - dt.timedelta(days=10), now - dt.timedelta(days=3)
    # given SCL went from 1 in 12 negative to 9 in 12 about delivery; VAP stayed the same
    _feedback(12, negative=1, store="SCL", text="el despacho", at=last_week)
    _feedback(12, negative=9, store="SCL", text="el despacho", at=this_week)
    _feedback(12, negative=3, store="VAP", text="la atención", at=last_week)
    _feedback(12, negative=3, store="VAP", text="la atención", at=this_week)
    # when the hourly check runs (twice)
    with transaction.atomic():
        raised = trends.do_check_trends(now=now)
    with transaction.atomic():
        again = trends.do_check_trends(now=now + dt.timedelta(hours=1))
    # then SCL and the delivery topic alert, once; VAP and staff do not
    assert sorted((a.dimension, a.key) for a in raised) == [("store", "SCL"), ("topic", "delivery")]
    assert again == [] and TrendAlert.objects.count() == 2
    store_alert = TrendAlert.objects.get(dimension="store")
    assert store_alert.share == pytest.approx(0.75) and store_alert.previous_share == pytest.approx(1 / 12, abs=1e-3)
    # and the API lists them until acknowledged
    listed = api.get("/feedback/alerts").json()
    assert {a["key"] for a in listed} == {"SCL", "delivery"}
    done = api.post(f"/feedback/alerts/{store_alert.public_id}/acknowledge")
    assert done.status_code == 200 and done.json()["acknowledged_by"]
    assert [a["key"] for a in api.get("/feedback/alerts").json()] == ["delivery"]


def test_the_console_stream_filters_and_shows_the_alert_banner(db, client):
    from omnicanal.core.services import do_create_staff_user

    now = clock.now()
    _feedback(12, negative=1, store="SCL", text="el despacho", at=now - dt.timedelta(days=10))
    _feedback(12, negative=9, store="SCL", text="el despacho", at=now - dt.timedelta(days=2))
    Feedback.objects.create(source="app_store", text="la cajera fue amable", language="es", at=now, sentiment="positive",
                            score=0.6, topics=["staff"], created_at=now)
    with transaction.atomic():
        alert = trends.do_check_trends(now=now)[0]
    client.force_login(do_create_staff_user(username="jefa", password="secret-pass", role="manager", locations=[]))
    page = client.get("/console/feedback/stream/?sentiment=positive&topic=staff").content.decode()
    # the filter keeps only the positive item; the banner shows the open alert (Spanish: the demo's language)
    assert "la cajera fue amable" in page and "el despacho" not in page and "Personal" in page
    assert f'data-alert="{alert.public_id}"' in page and "Tienda de aplicaciones" in page
    response = client.post(f"/console/feedback/alerts/{alert.public_id}/acknowledge/")
    assert response.status_code == 302
    assert f'data-alert="{alert.public_id}"' not in client.get("/console/feedback/stream/").content.decode()
