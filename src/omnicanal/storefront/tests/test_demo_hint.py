"""`make run` prints the shop's demo shopper beside the staff logins (storefront.demo.login_hints)."""

from omnicanal.core.management.commands.demo import Command
from omnicanal.storefront.demo import DEMO_SHOPPER


def test_the_demo_command_prints_the_shops_demo_shopper_among_the_logins():
    hints = list(Command()._login_hints())

    assert any(DEMO_SHOPPER in hint and "/account/sign-in/" in hint for hint in hints)
