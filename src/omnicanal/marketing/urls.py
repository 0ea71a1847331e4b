"""Marketing's public route (web.discovery mounts it at the site root): a campaign's tracked link."""

from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_GET

from omnicanal.marketing import campaigns


@require_GET
def click(request, token: str):
    """Count the click of a signed link and redirect to the shop's page it names; a forged one is a 404."""
    with transaction.atomic():
        target = campaigns.do_record_click(token=token)
    if target is None:
        raise Http404
    return HttpResponseRedirect(target)


urlpatterns = [path("m/<str:token>/", click, name="marketing-click")]

# Flows: the product page's "tell me when it is back at my store" form (marketing.flow_shop).
from omnicanal.marketing import flow_shop  # noqa: E402

urlpatterns += [path("alerts/back-in-stock/", flow_shop.subscribe_page, name="shop-back-in-stock")]

# The shop's "your subscriptions" page (subscription_pages.py).
from omnicanal.marketing import subscription_pages  # noqa: E402

urlpatterns.append(path("account/subscriptions/", subscription_pages.my_subscriptions, name="shop-subscriptions"))

# The product page's "subscribe and get it every N days" form (subscription_shop.py).
from omnicanal.marketing import subscription_shop  # noqa: E402

urlpatterns.append(path("subscriptions/new/", subscription_shop.subscribe_page, name="shop-subscribe"))
