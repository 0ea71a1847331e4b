"""POST /api/v1/bot/parse (shared/API.md, Bot): the console's test box and integrations."""

import pytest

from omnicanal.bot import roles

pytestmark = pytest.mark.django_db


def test_parse_answers_language_intent_confidence_and_entities(api, shop):
    response = api.post("/bot/parse", {"text": "hola, tienen las zapatillas Pampa talla 42 en Concepción?"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["language"] == "es" and body["intent"] == "store_stock"
    assert 0.5 <= body["confidence"] <= 1
    assert {"kind": "product", "value": "zapatilla-pampa"} in body["entities"]
    assert {"kind": "location", "value": "CCP-MALL"} in body["entities"]
    assert {"kind": "size", "value": "42"} in body["entities"]


def test_the_language_hint_wins_and_english_is_understood(api, db):
    body = api.post("/bot/parse", {"text": "where is my order AS-100200?"}).json()
    assert body["language"] == "en" and body["intent"] == "order_status"
    assert body["entities"] == [{"kind": "order_number", "value": "AS-100200"}]
    assert api.post("/bot/parse", {"text": "ok", "language": "en"}).json()["language"] == "en"


def test_junk_is_other_with_a_low_confidence(api, db):
    body = api.post("/bot/parse", {"text": "asdkjh qwe zzz"}).json()
    assert body["intent"] == "other" and body["entities"] == []


@pytest.mark.parametrize("payload, field", [
    ({}, "text"), ({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "x" * 1001}, "text"),
    ({"text": 42}, "text"), ({"text": "hola", "language": "fr"}, "language"),
])
def test_bad_input_is_422_problem_json_field_by_field(api, db, payload, field):
    response = api.post("/bot/parse", payload)
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in {error["field"].split(".")[-1] for error in response.json()["errors"]}


def test_the_reader_gets_the_message_in_their_language(api, db):
    spanish = api.post("/bot/parse", {"text": "   "}, headers={"Accept-Language": "es"}).json()
    english = api.post("/bot/parse", {"text": "   "}, headers={"Accept-Language": "en"}).json()
    assert spanish["errors"][0]["message"] != english["errors"][0]["message"]


@pytest.mark.parametrize("role", ["manager", "agent", "store_staff", "marketer", "integration"])
def test_who_may_parse(api, issue_key, db, role):
    locations = ["SCL-CENTRO"] if role == "store_staff" else []
    response = api.as_(issue_key(role, locations=locations)).post("/bot/parse", {"text": "hola"})
    assert response.status_code == (200 if role in roles.PARSE else 403)


def test_anonymous_callers_are_refused(client, db):
    response = client.post("/api/v1/bot/parse", '{"text": "hola"}', content_type="application/json")
    assert response.status_code == 401
