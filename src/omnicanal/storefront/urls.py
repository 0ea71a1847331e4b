"""The shop's public pages and the Store API at the site root (web.discovery mounts `urlpatterns`
after the console and the staff API, so /api/v1 and /console/ keep their paths)."""

from django.urls import path

from omnicanal.storefront import pages, pwa, tracking_pages
from omnicanal.storefront.store_api import store_api

urlpatterns = [
    path("api/store/v1/", store_api.urls),
    path("", pages.home, name="shop-home"),
    # order tracking without signing in (the link orders.tracking signs) and the PWA
    path("track/<str:token>/", tracking_pages.track, name="shop-track"),
    path("track/<str:token>/arrived/", tracking_pages.arrived, name="shop-track-arrived"),
    path("manifest.webmanifest", pwa.manifest, name="shop-manifest"),
    path("sw.js", pwa.service_worker, name="shop-sw"),
    path("offline/", pwa.offline, name="shop-offline"),
]
