"""The shop's public pages and the Store API at the site root (web.discovery mounts `urlpatterns`
after the console and the staff API, so /api/v1 and /console/ keep their paths)."""

from django.urls import path

from omnicanal.storefront import pages
from omnicanal.storefront.store_api import store_api

urlpatterns = [
    path("api/store/v1/", store_api.urls),
    path("", pages.home, name="shop-home"),
    path("c/", pages.categories, name="shop-categories"),
    path("c/<slug:slug>/", pages.category, name="shop-category"),
    path("search/", pages.search, name="shop-search"),
    path("p/<slug:handle>/", pages.product, name="shop-product"),
]
