"""Subscriptions' place in the lower domains' registries (imported by MarketingConfig.ready()):
the answer to a reminder, SKIP or PAUSE, read by the bot's reply claimers (bot.registry); the
shopper's subscription routes in the Store API and the product page's "subscribe" panel
(storefront.registry); the customer 360's panel of their subscriptions (customers.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from omnicanal.bot import registry as bot_registry
from omnicanal.customers import registry as customers_registry
from omnicanal.marketing import subscription_api, subscription_shop, subscription_views, subscriptions
from omnicanal.storefront import registry as storefront_registry

bot_registry.reply_claimer(subscriptions.answer_reminder)

storefront_registry.register_store_router(subscription_api.store_router)
storefront_registry.register_account_link(url_name="shop-subscriptions", label=_("Your subscriptions"), order=35)
storefront_registry.register_product_panel(name="subscribe", render=subscription_shop.render_panel, order=30)
customers_registry.register_panel(name="subscriptions", label=_("Subscriptions"), render=subscription_views.render_360,
                                  order=62)
