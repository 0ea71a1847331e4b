"""The shop's product page shows a product's average, distribution and published reviews with the
verified-buyer badge (through storefront.registry: the storefront never imports feedback)."""

from django.db import transaction
from django.urls import reverse

from omnicanal.core.auth import SYSTEM
from omnicanal.feedback.services import reviews
from omnicanal.feedback.tests.conftest import place


def review(customer_id, rating, text):
    with transaction.atomic():
        return reviews.do_submit_review(customer_id=customer_id, order_id=place(customer_id), sku="SOCK-1",
                                        rating=rating, text=text)


def test_the_product_page_shows_published_reviews_with_their_average_and_distribution(ana, bea, client):
    review(ana, 5, "Perfectos para el trekking")
    review(bea, 4, "Buenos, algo gruesos")
    held = review(bea, 2, "Llámenme al +56 9 8765 4321")
    page = client.get(reverse("shop-product", args=["calcetin"])).content.decode()
    assert "Perfectos para el trekking" in page and "Buenos, algo gruesos" in page
    assert "4,5" in page or "4.5" in page
    assert page.count("Comprador verificado") == 2
    assert "8765" not in page  # held for moderation
    # once a moderator publishes it, it shows
    with transaction.atomic():
        reviews.do_approve_review(review_id=held.public_id, actor=SYSTEM)
    page = client.get(reverse("shop-product", args=["calcetin"])).content.decode()
    assert page.count("Comprador verificado") == 3


def test_a_product_without_reviews_says_so(world, client):
    page = client.get(reverse("shop-product", args=["carpa-4p"])).content.decode()
    assert "Todavía no hay opiniones" in page


def signed_in_client(shopper, customer_id):
    from django.test import Client

    device = shopper(customer_id)
    browser = Client()
    browser.cookies["shop_session"] = device.token
    return browser


def test_your_reviews_offers_only_what_reached_her_and_takes_a_review_with_a_photo(ana, shopper):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from omnicanal.feedback.tests.test_reviews_api import PNG

    received = place(ana)
    place(ana, sku="SHOE-40", method="ship")  # on its way: not offered
    browser = signed_in_client(shopper, ana)
    page = browser.get(reverse("shop-reviews")).content.decode()
    assert received in page and "SHOE-40" not in page and "Zapatilla" not in page
    response = browser.post(reverse("shop-reviews"), {
        "order_id": received, "sku": "SOCK-1", "rating": "5", "text": "Excelentes",
        "photos": SimpleUploadedFile("pie.png", PNG, content_type="image/png")})
    assert response.status_code == 302 and "sent=published" in response["Location"]
    page = browser.get(reverse("shop-product", args=["calcetin"])).content.decode()
    assert "Excelentes" in page and "/reviews/photos/rph_" in page
    # the line is no longer offered, and a second review of it is refused with a clear error
    assert received not in browser.get(reverse("shop-reviews")).content.decode()
    again = browser.post(reverse("shop-reviews"), {"order_id": received, "sku": "SOCK-1", "rating": "1"})
    assert again.status_code == 302 or again.status_code == 422


def test_your_reviews_needs_a_signed_in_shopper(world, client):
    response = client.get(reverse("shop-reviews"))
    assert response.status_code == 302 and reverse("shop-sign-in") in response["Location"]


def test_the_console_queue_publishes_a_held_review(ana, client):
    from omnicanal.core.services import do_create_staff_user

    held = review(ana, 1, "Pésimo, escríbanme a ana@example.cl")
    client.force_login(do_create_staff_user(username="mod", password="secret-pass", role="marketer", locations=[]))
    queue = client.get("/console/feedback/reviews/").content.decode()
    assert held.public_id in queue and "Datos personales" in queue
    response = client.post(f"/console/feedback/reviews/{held.public_id}/approve/", {"back": "pending"})
    assert response.status_code == 302
    page = client.get(reverse("shop-product", args=["calcetin"])).content.decode()
    assert "Pésimo" in page


def test_the_account_links_to_your_reviews_through_the_shops_registry(ana, shopper):
    browser = signed_in_client(shopper, ana)
    page = browser.get(reverse("shop-account")).content.decode()
    assert f'href="{reverse("shop-reviews")}"' in page and "Tus opiniones" in page
