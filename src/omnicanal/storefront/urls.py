"""The shop's public pages and the Store API at the site root (web.discovery mounts `urlpatterns`
after the console and the staff API, so /api/v1 and /console/ keep their paths)."""

from django.urls import path

from omnicanal.storefront import (
    account_more,
    account_pages,
    account_profile,
    cart_links,
    checkout_pages,
    pages,
    pwa,
    tracking_pages,
)
from omnicanal.storefront.store_api import store_api

urlpatterns = [
    path("api/store/v1/", store_api.urls),
    path("", pages.home, name="shop-home"),
    path("account/", account_pages.account, name="shop-account"),
    path("account/sign-in/", account_pages.sign_in, name="shop-sign-in"),
    path("account/sign-in/verify/", account_pages.verify, name="shop-verify"),
    path("account/sign-out/", account_pages.sign_out, name="shop-sign-out"),
    path("account/sign-out-everywhere/", account_pages.sign_out_everywhere, name="shop-sign-out-everywhere"),
    path("cart/", account_pages.cart, name="shop-cart"),
    path("cart/lines/", account_pages.cart_line, name="shop-cart-line"),
    # a chat answer's signed "the shop with your cart filled" (storefront/cart_links.py)
    path("cart/link/<str:token>/", cart_links.open_cart_link, name="shop-cart-link"),
    path("checkout/", checkout_pages.checkout, name="shop-checkout"),
    path("c/", pages.categories, name="shop-categories"),
    path("c/<slug:slug>/", pages.category, name="shop-category"),
    path("search/", pages.search, name="shop-search"),
    path("p/<slug:handle>/", pages.product, name="shop-product"),
    # order tracking without signing in (the link orders.tracking signs) and the PWA
    path("track/<str:token>/", tracking_pages.track, name="shop-track"),
    path("track/<str:token>/arrived/", tracking_pages.arrived, name="shop-track-arrived"),
    path("manifest.webmanifest", pwa.manifest, name="shop-manifest"),
    path("sw.js", pwa.service_worker, name="shop-sw"),
    path("offline/", pwa.offline, name="shop-offline"),
    # the account's order page (returns) and rewards (storefront/account_more.py)
    path("account/orders/<str:order_id>/", account_more.order, name="shop-account-order"),
    path("account/loyalty/", account_more.loyalty, name="shop-account-loyalty"),
    # preferences, addresses, disputes, wishlist, my data (storefront/account_profile.py)
    path("account/preferences/", account_profile.preferences, name="shop-account-preferences"),
    path("account/addresses/", account_profile.addresses, name="shop-account-addresses"),
    path("account/addresses/<str:address_id>/", account_profile.address, name="shop-account-address"),
    path("account/addresses/<str:address_id>/action/", account_profile.address_action,
         name="shop-account-address-action"),
    path("account/orders/<str:order_id>/dispute/", account_profile.dispute, name="shop-account-dispute"),
    path("wishlist/", account_profile.wishlist, name="shop-wishlist"),
    path("account/data/", account_profile.my_data, name="shop-account-data"),
    path("account/data/download/", account_profile.download_data, name="shop-account-data-download"),
    path("account/delete/", account_profile.delete_account, name="shop-account-delete"),
]
