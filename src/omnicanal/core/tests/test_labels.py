"""Codes read as words (core/labels.py), problems in the reader's language, said once."""

import pytest
from django.template import Context, Template
from django.utils import translation

from omnicanal.core import labels
from omnicanal.core.console import problem_text
from omnicanal.core.errors import FieldError, ValidationFailed


def test_a_code_reads_in_the_active_language_and_an_unknown_one_humanised():
    with translation.override("es"):
        assert labels.label("orders.fulfillment_method", "carry_out") == "Llevar ahora"
        assert labels.label("orders.payment_status", "captured") == "Capturado"
        assert labels.label("loyalty.unit", "points") == "puntos"
    with translation.override("en"):
        assert labels.label("orders.payment_status", "captured") == "Captured"
        assert labels.label("orders.fulfillment_status", "brand_new_state") == "Brand new state"
    assert labels.label("orders.payment_status", "") == ""


def test_a_free_text_vocabulary_shows_what_a_person_typed_as_it_is():
    with translation.override("es"):
        assert labels.label("orders.refund_reason", "return") == "Devolución"
        assert labels.label("orders.refund_reason", "cliente molesto_x") == "cliente molesto_x"


def test_several_vocabularies_answer_in_order_and_an_unknown_name_is_an_error():
    with translation.override("es"):
        assert labels.label(labels.ANY_CHANNEL, "pos") == "Punto de venta"
        assert labels.label(labels.ANY_CHANNEL, "whatsapp") == "WhatsApp"
    with pytest.raises(LookupError):
        labels.label("orders.no_such_thing", "x")


def test_the_template_filter_and_the_actor_filter():
    template = Template('{% load labels %}{{ m|label:"orders.payment_method" }} · {{ who|actor }} · {{ sys|actor }}')
    with translation.override("es"):
        text = template.render(Context({"m": "store_credit", "who": "user:ana", "sys": "system:system"}))
    assert text == "Saldo a favor · ana · Sistema"


def test_a_field_path_reads_as_words_with_its_position():
    with translation.override("es"):
        assert labels.field("identities.0.value") == "Identidad 1"
        assert labels.field("lines.2.quantity") == "Cantidad 3"
        assert labels.field("some_new_field") == "Some new field"


def test_a_console_problem_says_each_field_error_once_in_words():
    with translation.override("es"):
        message = "no es un número de teléfono válido"
        problem = ValidationFailed(detail=f"identities.0.value: {message}",
                                   errors=[FieldError("identities.0.value", message)])
        text = problem_text(problem)
        assert text == f"Identidad 1: {message}"
        assert text.count(message) == 1 and "identities" not in text
        single = ValidationFailed.on("quantity", "debe ser positiva")
        assert problem_text(single) == "Cantidad: debe ser positiva"


@pytest.mark.django_db
@pytest.mark.urls("omnicanal.core.tests.testapi")
@pytest.mark.parametrize(("language", "title", "missing", "too_small"), [
    ("es", "La solicitud tiene campos inválidos", "es obligatorio", "debe ser mayor que 0"),
    ("en", "The request has invalid fields", "is required", "must be greater than 0"),
])
def test_api_problems_and_pydantic_field_errors_speak_the_readers_language(api, language, title, missing,
                                                                            too_small):
    headers = {"Accept-Language": language}
    body = api.post("/v1/things", {"name": "a", "quantity": 0}, headers=headers).json()
    assert body["type"] == "/problems/validation" and body["title"] == title
    assert body["errors"] == [{"field": "quantity", "message": too_small}]
    assert body["detail"] == f"quantity: {too_small}"
    body = api.post("/v1/things", {"name": "a"}, headers=headers).json()
    assert body["errors"] == [{"field": "quantity", "message": missing}]


@pytest.mark.django_db
@pytest.mark.urls("omnicanal.core.tests.testapi")
def test_an_unauthenticated_problem_speaks_spanish_when_asked(client):
    body = client.get("/api/v1/things/x", HTTP_ACCEPT_LANGUAGE="es").json()
    assert body["type"] == "/problems/unauthorized"
    assert body["title"] == "Se requiere autenticación"
    assert body["detail"] == "Envía 'Authorization: Bearer <clave de API>'."
