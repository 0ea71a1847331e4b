"""Issue 16 item 5: the console: settings per inbox, the knowledge base editor (and the FAQ answer it
gives), the test console (nothing written) and the unrecognised report's "add as example"."""

import pytest
from django.urls import reverse

from omnicanal.bot import nlu, queries
from omnicanal.bot.models import Article, Example, Unrecognised
from omnicanal.core import clock
from omnicanal.orders.tests.helpers import console_login

pytestmark = pytest.mark.django_db


def test_a_manager_turns_the_bot_on_for_an_inbox_with_its_rules(client, wa_inbox):
    console_login(client, "manager")
    page = client.get(reverse("bot:settings"))
    assert page.status_code == 200 and wa_inbox.name in page.content.decode()
    answer = client.post(reverse("bot:save_settings", args=[wa_inbox.public_id]), {
        "enabled": "on", "greeting_es": "¡Hola! Soy Andy.", "intents": ["order_status", "store_hours"],
        "handoff_keywords": "reclamo\nabogado", "min_confidence": "0,6", "negative_sentiment": "-0.4"})
    assert answer.status_code == 302
    saved = queries.settings_for(wa_inbox.public_id)
    assert saved.enabled and saved.greeting_es == "¡Hola! Soy Andy." and saved.intents == ("order_status", "store_hours")
    assert saved.handoff_keywords == ("reclamo", "abogado") and saved.min_confidence == 0.6


def test_an_agent_may_read_the_settings_but_not_change_them(client, wa_inbox):
    console_login(client, "agent")
    assert client.get(reverse("bot:settings")).status_code == 200
    assert client.post(reverse("bot:save_settings", args=[wa_inbox.public_id]), {"enabled": ""}).status_code == 403
    assert queries.settings_for(wa_inbox.public_id).enabled


def test_an_article_written_in_the_console_answers_a_similar_question(client, whatsapp, world):
    console_login(client, "agent")
    answer = client.post(reverse("bot:save_article"), {
        "language": "es", "question": "¿Hacen envíos a regiones?", "phrasings": "despachan a regiones\nenvían a todo Chile",
        "answer": "Sí, despachamos a todo Chile en 2 a 5 días hábiles.", "active": "on"})
    assert answer.status_code == 302 and Article.objects.count() == 1
    assert whatsapp("hacen envios a regiones?") == ["Sí, despachamos a todo Chile en 2 a 5 días hábiles."]


def test_an_article_without_an_answer_is_refused_field_by_field(client):
    console_login(client, "manager")
    client.post(reverse("bot:save_article"), {"language": "es", "question": "¿Qué?", "answer": ""})
    assert not Article.objects.exists()


def test_the_test_console_shows_intent_entities_and_answer_and_writes_nothing(client, world):
    console_login(client, "agent")
    page = client.get(reverse("bot:try"), {"text": "¿tienen las Pegasus talla 42 en Providencia?"})
    html = page.content.decode()
    assert page.status_code == 200 and "store_stock" in html and "size=42" in html and "location=" in html
    assert "Tienda Providencia" in html
    assert not Unrecognised.objects.exists()


def test_add_as_example_stores_it_and_retrains(client, django_capture_on_commit_callbacks):
    text = "qué pasó con lo del abuelo"  # the shipped examples do not make this an order question
    row = Unrecognised.objects.create(text=text, language="es", intent="other", confidence=0.2, created_at=clock.now())
    assert nlu.parse(text).intent != "order_status"
    console_login(client, "manager")
    assert text in client.get(reverse("bot:unrecognised")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bot:add_example", args=[row.pk]), {"intent": "order_status"})
    assert Example.objects.get().intent == "order_status"
    assert nlu.parse(text).intent == "order_status"  # retrained with it
    row.refresh_from_db()
    assert row.resolved and text not in client.get(reverse("bot:unrecognised")).content.decode()
    nlu.retrain([])
