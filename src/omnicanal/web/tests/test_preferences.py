"""My preferences (web.views.preferences): a staff member picks their own time zone and console
language from the user menu; the zone changes the times shown, the language the console's words;
an unknown zone is a field error beside its box (core.console.show_problem)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from omnicanal.core import clock
from omnicanal.core.services import do_create_staff_user

pytestmark = pytest.mark.django_db

URL = "/console/preferences/"
INSTANT = dt.datetime(2026, 1, 15, 12, 30, tzinfo=dt.UTC)  # 09:30 in Santiago (summer), 21:30 in Tokyo


@pytest.fixture
def ana(client):
    user = do_create_staff_user(username="ana-prefs", password="secret-pass", role="agent")
    client.force_login(user)
    return user


def test_the_user_menu_leads_to_my_preferences_with_america_first(client, ana):
    home = client.get("/console/").content.decode()
    assert f'href="{URL}" data-testid="my-preferences">Mis preferencias</a>' in home
    page = client.get(URL).content.decode()
    assert "<h1>Mis preferencias</h1>" in page
    regions = [chunk.split('"', 1)[0] for chunk in page.split('<optgroup label="')[1:]]
    assert regions[0] == "America" and "Europe" in regions and "Asia" in regions
    assert '<option value="America/Santiago"' in page and '<option value="Asia/Tokyo"' in page


def test_choosing_a_zone_changes_the_times_shown(client, ana):
    with clock.frozen(INSTANT):
        assert "15-01-2026 09:30" in client.get(URL).content.decode()  # the business's zone
        answer = client.post(URL, {"time_zone": "Asia/Tokyo", "language": ""})
        assert answer.status_code == 302
        page = client.get(URL).content.decode()
    assert get_user_model().objects.get(pk=ana.pk).time_zone == "Asia/Tokyo"
    assert "15-01-2026 21:30" in page and "15-01-2026 09:30" not in page
    assert "Tus preferencias quedaron guardadas." in page


def test_choosing_english_changes_the_console_language_even_in_a_new_session(client, ana):
    assert "Mis preferencias" in client.get("/console/").content.decode()
    client.post(URL, {"time_zone": "", "language": "en"})
    page = client.get(URL).content.decode()
    assert "Your preferences are saved." in page
    assert "<h1>My preferences</h1>" in page and "Mis preferencias" not in page
    client.logout()
    client.cookies.clear()
    client.force_login(get_user_model().objects.get(pk=ana.pk))  # no cookie: User.language speaks
    assert "My preferences" in client.get("/console/").content.decode()


def test_an_unknown_zone_is_an_error_beside_its_box_and_nothing_changes(client, ana):
    answer = client.post(URL, {"time_zone": "Mars/Olympus", "language": "fr"}, follow=True)
    page = answer.content.decode()
    assert answer.status_code == 200
    assert f'<span class="field-error" data-field="time_zone" data-form="{URL}">Zona horaria:' in page
    assert "Mars/Olympus" in page
    assert f'<span class="field-error" data-field="language" data-form="{URL}">Idioma:' in page
    user = get_user_model().objects.get(pk=ana.pk)
    assert (user.time_zone, user.language) == ("", "")


# --- the weekly summary by email (analytics.weekly): offered to those who read the KPIs, off by default

@pytest.mark.parametrize("role,locations", [("manager", None), ("admin", None), ("store_staff", ["SCL"])])
def test_kpi_readers_opt_in_to_the_weekly_summary(client, role, locations):
    user = do_create_staff_user(username=f"{role}-weekly", password="secret-pass", role=role, locations=locations,
                                email=f"{role}@andessport.cl")
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert 'data-testid="weekly-summary"' in page and "Resumen semanal por correo" in page
    assert "enviados a " + f"{role}@andessport.cl" in page
    assert not user.weekly_summary  # off until asked for
    client.post(URL, {"time_zone": "", "language": "", "weekly_summary": "on"})
    user.refresh_from_db()
    assert user.weekly_summary
    assert "checked" in client.get(URL).content.decode().split('data-testid="weekly-summary"')[0].rsplit("<input", 1)[1]
    client.post(URL, {"time_zone": "", "language": ""})  # the box unticked
    user.refresh_from_db()
    assert not user.weekly_summary


def test_an_agent_is_not_offered_the_weekly_summary(client, ana):
    assert 'data-testid="weekly-summary"' not in client.get(URL).content.decode()
    client.post(URL, {"time_zone": "", "language": "", "weekly_summary": "on"})
    ana.refresh_from_db()
    assert not ana.weekly_summary


def test_the_service_refuses_the_summary_to_a_role_without_kpis(ana):
    from omnicanal.core.errors import ValidationFailed
    from omnicanal.core.services import do_set_staff_preferences

    with pytest.raises(ValidationFailed) as raised:
        do_set_staff_preferences(user=ana, time_zone="", language="", weekly_summary=True)
    assert [e.field for e in raised.value.errors] == ["weekly_summary"]
    ana.refresh_from_db()
    assert not ana.weekly_summary
