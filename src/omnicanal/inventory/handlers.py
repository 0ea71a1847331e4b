"""Inventory's hooks into lower domains (autodiscovered at start-up with the outbox handlers)."""

from omnicanal.catalog import registry
from omnicanal.inventory.queries import available_by_channel

# The catalog's consistency audit asks this for "published while out of stock" (catalog may not
# import inventory, so inventory offers itself).
registry.stock_provider(available_by_channel)
