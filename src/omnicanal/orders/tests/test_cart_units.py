"""orders.queries.cart_units: the shop header's count of units in a cart."""

from omnicanal.orders import queries, services
from omnicanal.orders.tests.helpers import in_tx


def test_cart_units_counts_units_of_an_active_cart_only(world):
    cart = in_tx(services.do_create_cart, channel="web", device_id="dev-1")
    assert queries.cart_units(cart.public_id) == 0

    in_tx(services.do_set_cart_line, cart_id=cart.public_id, sku="SHOE-40", quantity=2)
    in_tx(services.do_set_cart_line, cart_id=cart.public_id, sku="SOCK-1", quantity=3)
    assert queries.cart_units(cart.public_id) == 5

    customer = in_tx(services.do_create_cart, channel="web", customer_id=_customer())
    in_tx(services.do_set_cart_line, cart_id=customer.public_id, sku="SOCK-1", quantity=1)
    in_tx(services.do_attach_cart, cart_id=cart.public_id, customer_id=customer.customer_id)
    assert queries.cart_units(cart.public_id) == 0  # merged away
    assert queries.cart_units(customer.public_id) == 5  # SHOE-40 ×2, SOCK-1 max(3, 1)
    assert queries.cart_units("crt_unknown") == 0


def _customer():
    from omnicanal.orders.tests.conftest import make_customer

    return make_customer()
