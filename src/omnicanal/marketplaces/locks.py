"""Every SELECT ... FOR UPDATE of the marketplaces domain."""

from omnicanal.marketplaces.models import MarketplaceAccount


def account(pk: int) -> MarketplaceAccount:
    """The seller's row: held while its single-use refresh token is spent, and while one of its
    orders is imported (so two notifications of one order never place it twice)."""
    return MarketplaceAccount.objects.select_for_update().get(pk=pk)
