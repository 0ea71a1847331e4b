"""A console problem's field errors travel in its message as spans naming their boxes, each said once."""

import re

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import MessageDecoder, MessageEncoder
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory
from django.utils import translation
from django.utils.safestring import SafeData

from omnicanal.core.console import problem_message, show_problem
from omnicanal.core.errors import FieldError, NotFound, ValidationFailed

PHONE = "no es un número de teléfono válido"


def spans(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="field-error" data-field="([^"]*)" data-form="[^"]*">([^<]*)</span>', html)


def test_each_field_error_is_a_span_naming_its_input_and_said_once():
    with translation.override("es"):
        problem = ValidationFailed(detail=f"identities.0.value: {PHONE}; quantity: debe ser positiva",
                                   errors=[FieldError("identities.0.value", PHONE), FieldError("quantity", "debe ser positiva")])
        html = problem_message(problem, fields={"identities.0.value": "phone"})
    assert spans(html) == [("phone", f"Identidad 1: {PHONE}"), ("quantity", "Cantidad: debe ser positiva")]
    assert html.count(PHONE) == 1 and "identities" not in html  # the API's summary is not repeated
    assert html.startswith('<span class="problem-title">')


def test_an_indexless_mapping_names_every_line_and_an_empty_one_keeps_the_error_in_the_message():
    problem = ValidationFailed(detail="x", errors=[FieldError("lines.0.sku", "unknown"), FieldError("lines.3.sku", "unknown"),
                                                   FieldError("channel", "unknown channel")])
    html = problem_message(problem, fields={"lines.sku": "lines", "channel": ""})
    assert [name for name, _ in spans(html)] == ["lines", "lines"]
    assert '<span class="field-error">' in html and html.count("data-field") == 2


def test_what_a_person_typed_is_escaped():
    html = problem_message(ValidationFailed.on("name", '<img src=x onerror="alert(1)">'), fields={"name": '"><b>'})
    assert "<img" not in html and "<b>" not in html and "&lt;img" in html


def test_a_problem_without_field_errors_reads_title_and_detail():
    html = problem_message(NotFound(detail="No such order"))
    assert "No such order" in html and "field-error" not in html


def test_show_problem_flashes_a_safe_message_that_survives_the_cookie_and_names_the_posted_form():
    request = RequestFactory().post("/console/customers/cus_1/preferences")
    request.session = SessionStore()
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    show_problem(request, ValidationFailed.on("time_zone", "unknown time zone"))
    [message] = list(get_messages(request))
    assert isinstance(message.message, SafeData)
    assert 'data-form="/console/customers/cus_1/preferences"' in message.message
    stored = MessageDecoder().decode(MessageEncoder().encode([message]))[0]
    assert isinstance(stored.message, SafeData)  # rendered as markup on the next page, not as text


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_field_words_follow_the_reader_language(language):
    with translation.override(language):
        html = problem_message(ValidationFailed.on("identities.0.value", "x"))
    assert spans(html)[0][1] == ("Identidad 1: x" if language == "es" else "Identity 1: x")
