import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[4] / "docs" / "screenshots"


def test_a_manager_signs_in_and_switches_the_console_to_english(page, live_server, staff, console_login):
    # given a manager of Andes Sport
    manager = staff("manager", username="gerente")
    # when they sign in (the console speaks Spanish by default)
    console_login(manager)
    assert page.locator("h1").inner_text().startswith("Hola")
    assert page.get_by_text("Estado del sistema").is_visible()
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "console-home.png"), full_page=True)
    # and pick English in the language switcher
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    # then the console speaks English, and keeps doing so on the next page
    assert page.locator("h1").inner_text().startswith("Hello")
    page.goto(f"{live_server.url}/console/")
    assert page.get_by_text("System status").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_wrong_password_keeps_the_door_shut(page, live_server, staff):
    staff("agent", username="agente")
    page.goto(f"{live_server.url}/console/login/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "Usuario o contraseña incorrectos."
    assert page.url.endswith("/console/login/")
