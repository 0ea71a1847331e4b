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
