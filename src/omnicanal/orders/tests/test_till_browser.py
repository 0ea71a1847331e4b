"""The till in the browser, on a phone (390×844) and a laptop (1,366×768): nothing wider than the screen,
the Sell button within reach, no serious accessibility violation; a split sale with points, a gift
card and cash gives change; a sale keyed with the network cut is placed once when it returns; the
camera scanner's vendored decoder reads a QR where the browser has no BarcodeDetector."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.loyalty import qr
from omnicanal.loyalty.services import program, stored_value
from omnicanal.orders.models import Order
from omnicanal.orders.tests.conftest import make_customer, make_world, stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def till(_chromium, live_server, staff):
    """till(viewport) -> a page signed in as a Santiago clerk, on the POS, at that size."""
    contexts = []

    def open_till(viewport, *, phone=True):
        context = _chromium.new_context(locale="es-CL", viewport=viewport, is_mobile=phone, has_touch=phone)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{live_server.url}/console/login/")
        page.fill("#id_username", "clerk")
        page.fill("#id_password", "secret-pass")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/console/**")
        page.goto(f"{live_server.url}/console/orders/pos/?location=SCL")
        return page

    staff("store_staff", ["SCL"], username="clerk")
    yield open_till
    for context in contexts:
        context.close()


def add(page, code):
    page.fill("[data-testid=pos-code]", code)
    page.locator("[data-testid=pos-code]").press("Enter")
    page.wait_for_selector(f"[data-testid=pos-lines] [data-sku='{code}']")


def overflow(page, viewport) -> int:
    """How far the page reaches past the screen (a phone's browser would zoom out to show it all)."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, window.innerWidth)") - viewport["width"]


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE, LAPTOP], ids=["small-phone", "phone", "laptop"])
def test_the_till_fits_the_screen_with_sell_in_reach_and_no_serious_violation(till, axe, viewport):
    make_world()
    make_customer()
    page = till(viewport, phone=viewport is not LAPTOP)
    page.fill("[data-testid=pos-who]", "ana")
    page.locator("[data-testid=pos-who]").press("Enter")
    page.wait_for_selector("[data-testid=pos-customer]")
    add(page, "SOCK-1")
    # nothing wider than the screen
    assert overflow(page, viewport) <= 0
    # the Sell button is on screen once scrolled to, within the width, and large enough for a thumb
    sell = page.locator("[data-testid=pos-sell]")
    sell.scroll_into_view_if_needed()
    box = sell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] and box["height"] >= 44
    assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]
    small = page.evaluate("""() => [...document.querySelectorAll('.pos button:not([hidden]), .pos input:not([type=hidden]), .pos select')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44).map(e => e.outerHTML.slice(0, 80))""")
    assert small == []
    assert axe(page) == []


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_no_payment_box_hides_behind_the_total_and_sell_bar(till, viewport):
    make_world()
    make_customer()
    page = till(viewport, phone=viewport is not LAPTOP)
    add(page, "SOCK-1")
    # each box of the payment form, scrolled to the bottom edge of the screen the way the browser
    # brings the next field into view, is the element under its own centre: never the bar
    covered = page.evaluate("""() => [...document.querySelectorAll('[data-pos-sell] input:not([type=hidden]), [data-pos-sell] select')]
        .filter(e => e.checkVisibility()).map(e => {
            e.scrollIntoView({block: 'end'});
            const r = e.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return hit === e ? null : `${e.name} under ${hit && hit.outerHTML.slice(0, 60)}`;
        }).filter(Boolean)""")
    assert covered == []
    last = page.locator("[data-testid=pos-cash-received]")
    last.scroll_into_view_if_needed()
    assert page.evaluate("""() => { const e = document.querySelector('[data-testid=pos-cash-received]');
        const r = e.getBoundingClientRect(); return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === e; }""")


def test_a_clerk_on_a_phone_sells_with_points_a_gift_card_and_cash_and_sees_the_change(till, axe):
    # given a customer with 10,000 points (a point pays a peso) and a 20,000 gift card
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        program.do_configure_program(name="Club Andes", earn_per=100, earn_points=1, point_value=1,
                                     points_expire_months=12, expiry_notice_days=30)
        program.do_adjust(customer_id=customer_id, kind="points", amount=10000, reason="welcome", actor=SYSTEM)
        card = stored_value.do_issue_gift_card(amount=Money.of(20000))
        token = qr.make_token(customer_id)[0]
    page = till(PHONE)
    # the customer shows their loyalty QR; the clerk rings up a 50,000 shoe
    page.fill("[data-testid=pos-who]", token)
    page.locator("[data-testid=pos-who]").press("Enter")
    page.wait_for_selector("[data-testid=pos-present]")
    assert page.locator("[data-testid=pos-points]").inner_text() == "10000"
    add(page, "SHOE-40")
    # when 10,000 go in points, 20,000 on the gift card and the customer hands over 30,000 in cash
    page.fill("[data-testid=pos-pay-points]", "10.000")
    page.fill("[data-testid=pos-gift-code]", card.code)
    page.fill("[data-testid=pos-gift-pin]", card.pin)
    page.fill("[data-testid=pos-pay-gift]", "20.000")
    page.fill("[data-testid=pos-cash-received]", "30.000")
    assert page.locator("[data-testid=pos-change]").inner_text().replace(".", "") == "10000"
    page.click("[data-testid=pos-sell]")
    # then the receipt shows 10,000 back, and the order took each tender once
    page.wait_for_selector("[data-testid=receipt]")
    assert page.locator("[data-testid=pos-change-due]").inner_text() == "$10.000"
    order = Order.objects.get()
    assert order.status == "completed" and order.customer_id == customer_id
    assert sorted((p.method, int(p.amount)) for p in order.payments.all()) == [
        ("cash", 20000), ("gift_card", 20000), ("points", 10000)]
    assert stock("SCL", "SHOE-40")["on_hand"] == 2
    # the receipt fits the phone too
    assert overflow(page, PHONE) <= 0 and axe(page) == []


def test_a_sale_keyed_with_the_network_cut_is_placed_once_when_it_returns(till):
    make_world()
    page = till(PHONE)
    add(page, "SOCK-1")
    # when the network drops and the clerk sells anyway
    page.context.set_offline(True)
    page.fill("[data-testid=pos-cash-received]", "5000")
    page.click("[data-testid=pos-sell]")
    # then the sale waits on the device, said so, and Sell cannot key it twice
    page.wait_for_selector("[data-testid=pos-queue]:not([hidden])")
    assert "1" in page.locator("[data-testid=pos-queue]").inner_text()
    assert page.locator("[data-testid=pos-sell]").is_disabled()
    assert not Order.objects.exists()
    # and when the network returns it is placed, once, and its receipt shows
    page.context.set_offline(False)
    page.wait_for_selector("[data-testid=receipt]", timeout=20000)
    page.wait_for_timeout(1500)  # a late retry, had there been one, would have landed by now
    assert Order.objects.count() == 1
    assert page.locator("[data-testid=pos-queue]").is_hidden()
    assert stock("SCL", "SOCK-1")["on_hand"] == 4


def test_the_vendored_decoder_reads_a_qr_where_the_browser_has_no_barcode_detector(till):
    import base64
    import io

    import segno

    make_world()
    page = till(PHONE)
    buffer = io.BytesIO()
    segno.make("cus_demo:123:abc", error="m").save(buffer, kind="png", scale=8, border=4)
    data_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    text = page.evaluate("""async (src) => {
        delete window.BarcodeDetector;
        const img = new Image(); img.src = src; await img.decode();
        const hit = await window.OmnicanalScanner.decode(img);
        return hit && hit.text;
    }""", data_url)
    assert text == "cus_demo:123:abc"


def test_a_sale_the_api_refuses_leaves_the_device_queue_and_says_why(till):
    # given a gift card, and a clerk who types the wrong PIN
    make_world()
    with transaction.atomic():
        card = stored_value.do_issue_gift_card(amount=Money.of(20000))
    page = till(PHONE)
    add(page, "SOCK-1")
    page.select_option("[data-testid=pos-payment]", "gift_card")
    page.fill("[data-testid=pos-gift-code]", card.code)
    page.fill("[data-testid=pos-gift-pin]", "000000" if card.pin != "000000" else "111111")
    page.click("[data-testid=pos-sell]")
    # then the problem shows, nothing is placed, nothing waits, and the sale can be keyed again
    page.wait_for_selector("[data-testid=pos-error]:not([hidden])")
    assert not Order.objects.exists()
    assert page.locator("[data-testid=pos-queue]").is_hidden()
    assert page.locator("[data-testid=pos-sell]").is_enabled()


def test_the_till_opens_without_a_network_and_its_sale_waits_on_the_device(till, live_server):
    make_world()
    page = till(PHONE)
    add(page, "SOCK-1")
    # once the till's service worker controls the page (scoped to the till)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/console/orders/pos/"
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # this visit's page is the one kept
    page.wait_for_selector("[data-testid=pos-lines] [data-sku='SOCK-1']")
    # when the network is gone and the clerk opens the till again
    page.context.set_offline(True)
    page.reload()
    # then the till shows, with its sale, and a sale keyed now waits on the device
    page.wait_for_selector("[data-testid=pos-lines] [data-sku='SOCK-1']")
    page.click("[data-testid=pos-sell]")
    page.wait_for_selector("[data-testid=pos-queue]:not([hidden])")
    page.context.set_offline(False)
    page.wait_for_selector("[data-testid=receipt]", timeout=20000)
    assert Order.objects.count() == 1
