"""Marketplace fixtures: the loopback Mercado Libre (marketplaces/sandbox.py) wired into settings,
the orders' small chain, and a connected seller whose item MLC1122334455 sells SHOE-40."""

import pytest
from django.db import transaction

from omnicanal.marketplaces import services
from omnicanal.marketplaces.sandbox import Sandbox, fixture

SELLER = 468424240
CLIENT_ID = "5503910054141466"


def ml_settings(url: str) -> dict:
    return {"API_URL": url, "AUTH_URL": "https://auth.mercadolibre.cl/authorization", "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": "sandbox-secret", "DEBOUNCE_SECONDS": 10.0,
            "RETRY_DELAYS": [0.01, 0.02], "TIMEOUT_SECONDS": 5.0}


@pytest.fixture
def sandbox(settings):
    box = Sandbox(client_id=CLIENT_ID)
    url = box.start()
    settings.OMNICANAL = {**settings.OMNICANAL, "MERCADOLIBRE": ml_settings(url)}
    box.url = url
    yield box
    box.stop()


def connect(box: Sandbox, expires_in: int = 21600):
    tokens = box.issue_tokens(SELLER)
    with transaction.atomic():
        return services.do_connect_account(seller_id=str(SELLER), access_token=tokens["access_token"],
                                           refresh_token=tokens["refresh_token"], expires_in=expires_in,
                                           nickname="TIENDA-DEPORTES")


@pytest.fixture
def seller(sandbox):
    from omnicanal.orders.tests.conftest import make_world

    make_world()
    account = connect(sandbox)
    sandbox.put_item(fixture("item"))
    with transaction.atomic():
        services.do_link_listing(account=account, sku="SHOE-40", item_id="MLC1122334455")
    return account
