"""The shop's browser tests: a phone (390x844, touch, Spanish) driving Debian's chromium."""

import pytest

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(_chromium):
    context = _chromium.new_context(locale="es-CL", viewport=PHONE, is_mobile=True, has_touch=True,
                                    device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
