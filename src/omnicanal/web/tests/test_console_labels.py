"""Human words on every console page: no raw code, and no English left on a Spanish page.

The walker (test_loaded_demo.py, on the whole demo loaded once for that module) signs in as an admin
and as a store clerk of its own, and reads, in Spanish and in English, every page the navigation
offers plus one detail page of each kind (order, customer 360, conversation thread, dispute, stock
transfer, return, loyalty account, coupon). It reads the visible text only: tags,
scripts, styles and attributes (URLs, values, data-*) are left out.

It fails on
- any code a domain's vocabulary names (core/labels.py, every `<app>/wording.py`) shown as text:
  codes with `_` or `.` (`carry_out`, `order.placed`) in either language, and, on Spanish pages,
  the one-word ones too (`captured`, `points`), which would be English there;
- on Spanish pages, common English words staff would otherwise read untranslated ("Save",
  "Pending", "points"…).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.urls import reverse

from omnicanal.core import labels

# English words that must not be read on a Spanish page (as whole words, case-sensitive where
# the case is how they would show: a button "Save", a badge "pending").
ENGLISH_WORDS = {
    "points", "Points", "Save", "Cancel", "Status", "Pending", "pending", "Search", "Submit", "Delete",
    "Edit", "Close", "Open", "Resolved", "Captured", "captured", "Paid", "Completed", "Cancelled",
    "cancelled", "Picked", "Shipped", "shipped", "Delivered", "delivered", "Ready", "Earned", "Redeemed",
    "Expired", "expired", "Customer", "Order", "Orders", "Payment", "Payments", "Refund", "Returns",
    "Received", "received", "Requested", "requested", "None", "Yes", "Quantity", "Reason",
    "Store", "Warehouse", "Transfer", "Back", "Next", "Previous", "Loading", "required", "invalid",
}
# Codes that are also words of Spanish, names or units that read the same in both languages.
SAME_IN_BOTH = {"CLP", "api", "app", "chat", "web", "pos", "mpos", "sms", "email", "whatsapp", "telegram",
                "instagram", "facebook", "webchat", "marketplace", "voice", "nps", "csat", "ces", "no", "original", "stock",
                "bot",
                "es", "en"}  # language codes, and Spanish words ("está en tienda", "es")
# Phrases Spanish-speaking retail staff use as they are (the es catalogue translates to them).
SAME_PHRASES = ("Gift card", "gift card", "dark store", "Dark store")

SKIP_TAGS = {"script", "style", "template", "noscript", "svg", "textarea"}  # a textarea holds a value


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []  # the open elements whose text is not read
        self._depth = 0  # nesting of the innermost skipped element's own tag inside it

    def handle_starttag(self, tag, attrs):
        if self._skip:
            self._depth += tag == self._skip[-1]
        elif tag in SKIP_TAGS or ("translate", "no") in attrs:  # translate="no": an identifier, on purpose
            self._skip.append(tag)
            self._depth = 0

    def handle_endtag(self, tag):
        if self._skip and tag == self._skip[-1]:
            if self._depth:
                self._depth -= 1
            else:
                self._skip.pop()

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _reads_translate_no():
    text = visible_text('<label>Servidor SMTP <code translate="no">smtp_host</code></label><p>a<b>b</b></p>')
    assert text == "Servidor SMTP a b"


_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9]|[A-Za-z]")


def offences(text: str, *, spanish: bool, codes: set[str]) -> set[str]:
    """The raw codes and English words this visible text shows."""
    found = set()
    if spanish:
        for phrase in SAME_PHRASES:
            text = text.replace(phrase, " ")
    for token in _TOKEN.findall(text):
        if "@" in token:
            continue
        pieces = {token, *token.split(".")} if "." in token else {token}
        for piece in pieces:
            if piece in codes and ("_" in piece or "." in piece):
                found.add(piece)
            elif spanish and piece in codes and piece.islower() and piece not in SAME_IN_BOTH:
                found.add(piece)
            elif spanish and piece in ENGLISH_WORDS:
                found.add(piece)
    return found


def detail_pages(store: str) -> list[str]:
    """One page of each kind, picked from the demo's rows (what the console links to)."""
    from omnicanal.conversations.models import Conversation
    from omnicanal.inventory.models import Transfer
    from omnicanal.loyalty.models import Coupon
    from omnicanal.orders.models import Dispute, Order, Return

    pages = []
    order = Order.objects.filter(fulfillments__location=store).order_by("pk").first() or Order.objects.first()
    if order:
        pages.append(reverse("orders:detail", args=[order.public_id]))
        if order.customer_id:
            pages.append(reverse("customers:detail", args=[order.customer_id]))
            pages.append(reverse("loyalty:customer", args=[order.customer_id]))
    dispute = Dispute.objects.order_by("pk").first()
    if dispute:
        pages.append(reverse("orders:dispute", args=[dispute.public_id]))
    ret = Return.objects.order_by("pk").first()
    if ret:
        pages.append(reverse("orders:detail", args=[ret.order.public_id]))
        pages.append(f"{reverse('orders:returns_desk')}?order={ret.order.number}&location={ret.location}")
    conversation = Conversation.objects.order_by("pk").first()
    if conversation:
        pages.append(reverse("conversations:conversation", args=[conversation.public_id]))
    transfer = Transfer.objects.order_by("pk").first()
    if transfer:
        pages.append(reverse("inventory:transfers") + f"?q={transfer.public_id}")
    coupon = Coupon.objects.order_by("pk").first()
    if coupon:
        pages.append(reverse("loyalty:coupon", args=[coupon.code]))
    pages.append(reverse("orders:pickups") + f"?location={store}")
    pages.append(reverse("bot:try") + "?text=hola")
    pages.append(reverse("inventory:reservations") + "?status=")
    return pages


def clerk_pages(store: str) -> list[str]:
    """A clerk's own store: an order of it and its desks."""
    from omnicanal.orders.models import Order

    order = Order.objects.filter(fulfillments__location=store).order_by("-pk").first()
    pages = [reverse("orders:pickups") + f"?location={store}", reverse("orders:pos") + f"?location={store}"]
    return pages + ([reverse("orders:detail", args=[order.public_id])] if order else [])


def nav_pages(user) -> list[str]:
    from omnicanal.core.auth import role_allows
    from omnicanal.web.discovery import console_nav

    return [reverse("web:home")] + [reverse(item.url_name) for item in console_nav()
                                     if not item.roles or role_allows(user, item.roles)]


def walk(client, user, pages: list[str], language: str, codes: set[str]) -> dict[str, set[str]]:
    client.force_login(user)
    client.cookies["django_language"] = language
    found = {}
    for path in pages:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (path, response.status_code)
        if "html" not in response.get("Content-Type", ""):
            continue
        bad = offences(visible_text(response.content.decode()), spanish=language == "es", codes=codes)
        if bad:
            found[path] = bad
    return found


def test_the_text_reader_keeps_visible_words_and_drops_markup():
    html = ('<p title="captured">Pago <b>captured</b></p><script>var s="carry_out"</script>'
            '<a href="/x?status=pending">Pendiente</a> <input value="Save">')
    text = visible_text(html)
    assert text == "Pago captured Pendiente"
    _reads_translate_no()
    codes = {"captured", "carry_out", "pending"}
    assert offences(text, spanish=True, codes=codes) == {"captured"}
    assert offences("Retiro carry_out", spanish=False, codes=codes) == {"carry_out"}
    assert offences("Ganó 10180 points", spanish=True, codes=set()) == {"points"}
    assert offences("Earned 120 points · order.placed", spanish=False, codes={"order.placed"}) == {"order.placed"}


def test_every_registered_vocabulary_has_its_codes_in_both_languages():
    from django.utils import translation

    assert {"orders.payment_method", "orders.fulfillment_method", "loyalty.unit",
            "customers.timeline_type", "conversations.channel"} <= set(labels.names())
    for name in labels.names():
        for code in labels.vocabulary(name):
            with translation.override("es"):
                spanish = labels.label(name, code)
            assert spanish and spanish != code or code in SAME_IN_BOTH or code.upper() == code, (name, code)


def test_a_timeline_sentence_names_the_unit_in_words():
    from django.utils import translation

    from omnicanal.customers import timeline_texts

    # "Ganó 10180 points" was seen on the 360: loyalty names its units in core.labels
    with translation.override("es"):
        text = timeline_texts.render("loyalty.earned", {"amount": 10180, "unit": "points"}, "x")
    assert text == "Ganó 10180 puntos"
