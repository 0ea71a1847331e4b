"""Accessibility: axe-core (vendored under vendor/axe-core, never served) finds no serious or
critical violation on the pages anyone reaches first, on a phone and on a desktop."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("path", ["/", "/console/login/"])
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_first_pages_have_no_serious_accessibility_violations(page, live_server, axe, path, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}{path}")

    assert axe(page) == []


def test_axe_reports_what_it_finds(page, live_server, axe):
    """The check can fail: a page with an unlabeled field and an image without text is caught."""
    page.goto(f"{live_server.url}/console/login/")
    page.evaluate("""() => {
        const img = document.createElement('img'); img.src = '/static/none.png'; document.body.append(img);
        const field = document.createElement('input'); document.body.append(field);
        const el = document.createElement('span'); el.textContent = 'low contrast';
        el.style.color = '#eee'; el.style.background = '#fff'; document.body.append(el);
    }""")

    found = {v["id"] for v in axe(page)}

    assert "image-alt" in found
    assert "label" in found or "color-contrast" in found
