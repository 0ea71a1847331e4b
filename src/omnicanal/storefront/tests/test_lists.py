"""The wishlist and recently viewed lists through the customer's life: a merge moves them to the
survivor, the export lists them, erasure deletes them; the lists stay bounded."""

from django.db import transaction

from omnicanal.core import clock
from omnicanal.customers import services as customers
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront import lists
from omnicanal.storefront.models import ViewedProduct, WishlistItem


def keep(owner, *handles):
    with transaction.atomic():
        for handle in handles:
            lists.do_add_to_wishlist(owner=owner, handle=handle)


def view(customer_id, *handles):
    with transaction.atomic():
        for handle in handles:
            lists.do_remember_viewed(customer_id=customer_id, handle=handle)


def test_a_merge_moves_both_lists_to_the_survivor_without_duplicates(ana):
    other = make_customer(phone="+56987654000", name="Ana R.", email="ana.r@example.cl")
    keep(ana, "zapatilla", "carpa")
    keep(other, "carpa", "calcetin")
    view(ana, "zapatilla")
    view(other, "carpa", "zapatilla")

    with transaction.atomic():
        customers.do_merge_customers(survivor=ana, other=other)

    assert sorted(lists.wishlist_handles(ana)) == ["calcetin", "carpa", "zapatilla"]
    assert sorted(lists.viewed_handles(ana)) == ["carpa", "zapatilla"]
    assert not WishlistItem.objects.filter(owner=other).exists()
    assert not ViewedProduct.objects.filter(customer_id=other).exists()


def test_the_export_lists_them_and_erasure_deletes_them(ana):
    keep(ana, "zapatilla")
    view(ana, "carpa")

    with transaction.atomic():
        exported = customers.do_export_customer(customer=ana)
    assert exported["domains"]["shop_lists"] == {"wishlist": ["zapatilla"], "recently_viewed": ["carpa"]}

    with transaction.atomic():
        customers.do_erase_customer(customer=ana)
    assert not WishlistItem.objects.exists() and not ViewedProduct.objects.exists()


def test_recently_viewed_keeps_the_last_twelve_newest_first_and_a_device_list_goes_in_front(ana):
    view(ana, *[f"p{i}" for i in range(15)])
    assert lists.viewed_handles(ana) == [f"p{i}" for i in range(14, 2, -1)]

    with transaction.atomic():
        lists.do_merge_viewed(customer_id=ana, handles=["new", "p5"])

    assert lists.viewed_handles(ana)[:3] == ["new", "p5", "p14"] and len(lists.viewed_handles(ana)) == 12


def test_a_device_list_goes_in_front_of_a_view_made_the_same_instant(ana):
    with clock.frozen(clock.now()):  # a fast machine: the last view and the sign-in share a clock tick
        view(ana, "p0", "p1", "p2")
        with transaction.atomic():
            lists.do_merge_viewed(customer_id=ana, handles=["new", "p1"])

        assert lists.viewed_handles(ana) == ["new", "p1", "p2", "p0"]
