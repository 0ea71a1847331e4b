"""The customer's birth date: month and day, the year optional; checked field by field, exported,
erased, merged whole, and found on the day in the customer's own time zone."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation

from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.customers import birthdays, queries, services
from omnicanal.customers.models import Customer

TODAY = dt.date(2026, 6, 1)


def make(name="Ana Rojas", email="ana@example.cl", **fields):
    customer_id = services.do_identify(channel="web", identities=[{"kind": "email", "value": email}],
                                       traits={"name": name}).customer_id
    if fields:
        Customer.objects.filter(public_id=customer_id).update(**fields)
    return customer_id


@pytest.mark.database_free
@pytest.mark.parametrize(("value", "expected"), [
    ("1990-05-17", birthdays.BirthDate(5, 17, 1990)),
    ("--05-17", birthdays.BirthDate(5, 17)),
    ("--02-29", birthdays.BirthDate(2, 29)),
    ("2000-02-29", birthdays.BirthDate(2, 29, 2000)),
    (dt.date(1985, 12, 31), birthdays.BirthDate(12, 31, 1985)),
    ("", None),
    (None, None),
])
def test_a_birth_date_is_read_with_or_without_the_year(value, expected):
    assert birthdays.parse(value, today=TODAY) == expected


@pytest.mark.database_free
@pytest.mark.parametrize(("value", "message"), [
    ("1990-02-30", "that month has no such day"),
    ("--02-30", "that month has no such day"),
    ("2001-02-29", "that month has no such day"),
    ("--04-31", "that month has no such day"),
    ("--13-01", "the month must be between 01 and 12"),
    ("2026-06-02", "a birth date cannot be in the future"),
    ("1899-12-31", "the year must be 1900 or later"),
    ("17/05/1990", "a date such as 1990-05-17, or --05-17 without the year"),
    ("05-17", "a date such as 1990-05-17, or --05-17 without the year"),
])
def test_a_bad_birth_date_names_the_field_and_why(value, message):
    with pytest.raises(ValidationFailed) as caught:
        birthdays.parse(value, today=TODAY)
    with translation.override("en"):  # the messages are lazy: read in English
        assert [(e.field, str(e.message)) for e in caught.value.errors] == [("birth_date", message)]


@pytest.mark.database_free
def test_a_leap_day_birthday_is_kept_on_28_february_in_a_common_year():
    born = birthdays.BirthDate(2, 29)
    assert born.birthday_in(2027) == dt.date(2027, 2, 28)
    assert born.birthday_in(2028) == dt.date(2028, 2, 29)
    assert born.iso() == "--02-29" and birthdays.BirthDate(2, 29, 2000).iso() == "2000-02-29"


@pytest.mark.django_db
def test_the_api_sets_reads_and_clears_the_birth_date(api):
    customer = make()
    answer = api.put(f"/customers/{customer}/preferences", {"birth_date": "--05-17"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["birth_date"] == "--05-17"
    assert api.put(f"/customers/{customer}/preferences", {"language": "en"}).json()["birth_date"] == "--05-17"
    api.put(f"/customers/{customer}/preferences", {"birth_date": "1990-05-17"})
    assert api.get(f"/customers/{customer}").json()["preferences"]["birth_date"] == "1990-05-17"
    assert api.put(f"/customers/{customer}/preferences", {"birth_date": None}).json()["birth_date"] is None
    assert Customer.objects.filter(public_id=customer, birth_month__isnull=True, birth_year__isnull=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "language", "message"), [
    ("1990-02-30", "en", "that month has no such day"),
    ("1990-02-30", "es", "ese mes no tiene ese día"),
    ("2999-01-01", "es", "una fecha de nacimiento no puede estar en el futuro"),
    ("17-05-1990", "en", "a date such as 1990-05-17, or --05-17 without the year"),
])
def test_a_bad_birth_date_is_a_422_on_the_field_in_the_readers_language(api, value, language, message):
    customer = make()
    answer = api.put(f"/customers/{customer}/preferences", {"birth_date": value},
                     headers={"Accept-Language": language})
    assert answer.status_code == 422 and answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["errors"] == [{"field": "birth_date", "message": message}]
    assert Customer.objects.get(public_id=customer).birth_month is None


@pytest.mark.django_db
def test_the_birth_date_is_exported_and_erased(api):
    customer = make()
    services.do_update_preferences(customer_id=customer, birth_date="1990-05-17")
    exported = api.get(f"/customers/{customer}/export").json()
    assert exported["customer"]["preferences"]["birth_date"] == "1990-05-17"
    assert api.post(f"/customers/{customer}/erase", {"reason": "asked"}).status_code == 200
    row = Customer.objects.get(public_id=customer)
    assert (row.birth_month, row.birth_day, row.birth_year) == (None, None, None)


@pytest.mark.django_db
def test_a_merge_keeps_the_survivors_birth_date_or_takes_the_others_whole():
    keep = make()
    gone = make(name="Ana R.", email="ana.r@example.cl", birth_month=3, birth_day=9, birth_year=1991)
    services.do_merge_customers(survivor=keep, other=gone, reason="test")
    assert queries.preferences_dict(queries.get_customer(keep))["birth_date"] == "1991-03-09"
    third = make(name="Ana Rojas S.", email="ana.s@example.cl", birth_month=12, birth_day=1)
    services.do_merge_customers(survivor=keep, other=third, reason="test")
    assert queries.preferences_dict(queries.get_customer(keep))["birth_date"] == "1991-03-09"


@pytest.mark.django_db
def test_birthdays_are_found_on_the_customers_own_day():
    santiago = make(email="scl@example.cl", birth_month=6, birth_day=2, time_zone="America/Santiago")
    tokyo = make(email="tyo@example.cl", birth_month=6, birth_day=2, time_zone="Asia/Tokyo")
    leap = make(email="leap@example.cl", birth_month=2, birth_day=29, time_zone="America/Santiago")
    erased = make(email="gone@example.cl", birth_month=6, birth_day=2, time_zone="Asia/Tokyo")
    services.do_erase_customer(customer=erased)
    # 2026-06-01 20:00 UTC: 2 June already in Tokyo (05:00), still 1 June in Santiago (16:00).
    found = queries.birthdays_at(dt.datetime(2026, 6, 1, 20, tzinfo=dt.UTC))
    assert [(b.customer_id, b.on) for b in found] == [(tokyo, dt.date(2026, 6, 2))]
    later = {b.customer_id for b in queries.birthdays_at(dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC))}
    assert later == {santiago, tokyo}
    assert [b.customer_id for b in queries.birthdays_at(dt.datetime(2027, 2, 28, 15, tzinfo=dt.UTC))] == [leap]


@pytest.mark.django_db
def test_a_future_birth_date_is_judged_by_the_customers_calendar():
    customer = make(time_zone="Asia/Tokyo")
    with clock.frozen(dt.datetime(2026, 6, 1, 20, tzinfo=dt.UTC)):  # already 2 June in Tokyo
        services.do_update_preferences(customer_id=customer, birth_date="2026-06-02")
    assert queries.preferences_dict(queries.get_customer(customer))["birth_date"] == "2026-06-02"


@pytest.mark.database_free
def test_the_forms_day_month_and_year_boxes_make_the_wire_form():
    assert birthdays.from_parts("7", "5", "") == "--05-07"
    assert birthdays.from_parts("17", "05", "1990") == "1990-05-17"
    assert birthdays.from_parts("", "", "") == ""
    for parts in (("7", "", ""), ("", "5", "1990"), ("", "", "1990")):
        with pytest.raises(ValidationFailed) as caught:
            birthdays.from_parts(*parts)
        assert caught.value.errors[0].field == "birth_date"


@pytest.mark.django_db
def test_staff_set_and_clear_the_birth_date_on_the_360(client):
    from omnicanal.core.services import do_create_staff_user

    customer = make()
    client.force_login(do_create_staff_user(username="agent-1", password="secret-pass", role="agent"))
    url = f"/console/customers/{customer}/"
    form = {"name": "Ana Rojas", "language": "es", "time_zone": "", "contact_from": "", "contact_to": ""}
    client.post(f"{url}preferences/", {**form, "birth_day": "17", "birth_month": "5", "birth_year": ""})
    page = client.get(url).content.decode()
    assert queries.preferences_dict(queries.get_customer(customer))["birth_date"] == "--05-17"
    assert 'id="birth_day" name="birth_day" type="number" inputmode="numeric" min="1" max="31" value="17"' in page
    assert '<option value="5" selected>' in page
    # 30 February: refused beside the day box, in the reader's language; the saved date stays
    bad = client.post(f"{url}preferences/", {**form, "birth_day": "30", "birth_month": "2", "birth_year": "1990"},
                      follow=True, HTTP_ACCEPT_LANGUAGE="es")
    assert "ese mes no tiene ese día" in bad.content.decode()
    assert queries.preferences_dict(queries.get_customer(customer))["birth_date"] == "--05-17"
    client.post(f"{url}preferences/", {**form, "birth_day": "", "birth_month": "", "birth_year": ""})
    assert queries.preferences_dict(queries.get_customer(customer))["birth_date"] is None
    # a form without the boxes (an older page) keeps it
    services.do_update_preferences(customer_id=customer, birth_date="1990-05-17")
    client.post(f"{url}preferences/", form)
    assert queries.preferences_dict(queries.get_customer(customer))["birth_date"] == "1990-05-17"


@pytest.mark.django_db
def test_a_reader_without_write_sees_the_birth_date_in_words(client):
    from omnicanal.core.services import do_create_staff_user

    customer = make()
    services.do_update_preferences(customer_id=customer, birth_date="1990-05-17")
    client.force_login(do_create_staff_user(username="mkt-1", password="secret-pass", role="marketer"))
    page = client.get(f"/console/customers/{customer}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<dd data-testid="birth-date">17 de mayo de 1990</dd>' in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_the_birth_date_on_the_360_in_a_browser(staff, console_login, live_server, axe, viewport):
    with transaction.atomic():
        customer = make()
    page = console_login(staff("agent"))
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/console/customers/{customer}/")
    assert axe(page) == []
    page.fill("#birth_day", "29")
    page.select_option("#birth_month", "2")
    page.locator("[data-testid=birth-date]").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    page.wait_for_selector("#birth_day[value='29']")
    assert queries.preferences_dict(queries.get_customer(customer))["birth_date"] == "--02-29"
    assert axe(page) == []
