"""The shop's "your reviews" page (a feedback page in the shop's layout: storefront.shell): the
signed-in customer's products that reached them, each with a short form (stars, text, photos), and
the reviews they wrote with their state. Plain forms; works without JavaScript. A review request's
link (`?order=&sku=#to-review`) puts its line first, marked "the product we asked you about"."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from omnicanal.core.errors import Problem
from omnicanal.feedback import queries
from omnicanal.feedback.services import reviews
from omnicanal.orders import queries as orders
from omnicanal.storefront import auth
from omnicanal.storefront.shell import render_shop

MAX_LINES = 30


def _photos(request: HttpRequest) -> list[reviews.PhotoIn]:
    return [reviews.PhotoIn(filename=f.name, content=f.read()) for f in request.FILES.getlist("photos") if f.size]


@require_http_methods(["GET", "POST"])
def my_reviews(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    if shopper is None or not shopper.signed_in:
        return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': request.get_full_path()})}")
    errors: dict[tuple[str, str], str] = {}
    posted = None
    if request.method == "POST":
        posted = (request.POST.get("order_id", ""), request.POST.get("sku", ""))
        try:
            rating = int(request.POST.get("rating") or 0)
        except ValueError:
            rating = 0
        try:
            with transaction.atomic():
                review = reviews.do_submit_review(customer_id=shopper.customer_id, order_id=posted[0], sku=posted[1],
                                                  rating=rating, text=request.POST.get("text", ""),
                                                  photos=_photos(request), language=request.LANGUAGE_CODE[:2])
        except Problem as problem:
            errors[posted] = "; ".join(str(e.message) for e in problem.errors) or problem.detail
        else:
            return HttpResponseRedirect(f"{reverse('shop-reviews')}?{urlencode({'sent': review.status})}")
    done = queries.reviewed_lines(shopper.customer_id)
    lines = [line for line in orders.lines_received_by(shopper.customer_id) if (line.order_id, line.sku) not in done]
    # The review request's link (?order=&sku=) preselects its line: first, marked, whatever its place.
    wanted = (request.GET.get("order", ""), request.GET.get("sku", ""))
    lines.sort(key=lambda line: (line.order_id, line.sku) != wanted)
    return render_shop(request, "feedback/shop_reviews.html", {
        "title": _("Your reviews"), "lines": [(line, errors.get((line.order_id, line.sku), "")) for line in lines[:MAX_LINES]],
        "written": queries.reviews_of_customer(shopper.customer_id), "sent": request.GET.get("sent", ""),
        "posted": request.POST if posted else {}, "stars": (5, 4, 3, 2, 1),
        "selected": wanted if wanted in {(line.order_id, line.sku) for line in lines} else None,
        "already_reviewed": wanted in done,
    }, status=422 if errors else 200)
