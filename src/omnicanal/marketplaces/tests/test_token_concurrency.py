"""Mercado Libre's refresh token is single-use: with 6 processes needing the seller's token at once,
exactly one refresh reaches the marketplace and every process gets that one new token (PostgreSQL:
the account's row lock)."""

import pytest

from omnicanal.core.testing import run_in_processes
from omnicanal.marketplaces.models import MarketplaceAccount
from omnicanal.marketplaces.tests.conftest import connect, ml_settings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_six_processes_needing_an_expired_token_make_exactly_one_refresh_call(sandbox, settings):
    # given a seller whose access token has expired
    account = connect(sandbox, expires_in=0)
    # when 6 processes each need a token at the same moment
    results = run_in_processes("omnicanal.marketplaces.tests.workers:need_token",
                               [(account.pk, sandbox.url, ml_settings(sandbox.url), settings.SECRET_KEY) for _ in range(6)])
    # then the loopback server saw one refresh, and all six use the token it issued
    assert [form["grant_type"] for form in sandbox.token_calls] == ["refresh_token"]
    assert len(set(results)) == 1 and results[0] in sandbox.live_tokens
    assert MarketplaceAccount.objects.get().refresh_count == 1
