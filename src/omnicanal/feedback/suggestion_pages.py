"""The shop's suggestions box (/suggestions/): everyone reads the board, most voted first; a signed-in
customer proposes a product or a feature and votes (one vote each, taken back with the same button).
Plain forms, POST then redirect: works without JavaScript."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from omnicanal.core.errors import Problem
from omnicanal.feedback import queries
from omnicanal.feedback.models import SuggestionKind, SuggestionSource, SuggestionStatus
from omnicanal.feedback.services import suggestions
from omnicanal.storefront import auth
from omnicanal.storefront.shell import render_shop

# The statuses a shopper may filter by (merged ones live on in the one they joined).
SHOWN = (SuggestionStatus.OPEN, SuggestionStatus.UNDER_REVIEW, SuggestionStatus.PLANNED, SuggestionStatus.DONE,
         SuggestionStatus.DECLINED)


def _back(request: HttpRequest, **params) -> HttpResponseRedirect:
    keep = {k: request.POST.get(k, "") for k in ("status", "order") if request.POST.get(k)}
    keep.update({k: v for k, v in params.items() if v})
    query = f"?{urlencode(keep)}" if keep else ""
    anchor = f"#{params['anchor']}" if params.get("anchor") else ""
    return HttpResponseRedirect(f"{reverse('shop-suggestions')}{query}{anchor}")


def _act(request: HttpRequest, customer_id: str) -> tuple[HttpResponse | None, dict]:
    """A POSTed action: a redirect when done, else the form's errors by field."""
    action = request.POST.get("action", "")
    try:
        with transaction.atomic():
            if action == "propose":
                source = request.POST.get("source", "")
                row = suggestions.do_propose(
                    customer_id=customer_id, title=request.POST.get("title", ""), text=request.POST.get("text", ""),
                    kind=request.POST.get("kind", SuggestionKind.PRODUCT),
                    source=source if source in SuggestionSource.values else SuggestionSource.SHOP,
                    language=request.LANGUAGE_CODE[:2])
                return HttpResponseRedirect(f"{reverse('shop-suggestions')}?{urlencode({'sent': '1', 'order': 'new'})}"
                                            f"#s-{row.public_id}"), {}
            suggestion_id = request.POST.get("suggestion", "")
            if action == "vote":
                suggestions.do_vote(suggestion_id=suggestion_id, customer_id=customer_id)
            elif action == "unvote":
                suggestions.do_unvote(suggestion_id=suggestion_id, customer_id=customer_id)
            else:
                return _back(request), {}
            return _back(request, anchor=f"s-{suggestion_id}"), {}
    except Problem as problem:
        errors = {e.field: str(e.message) for e in problem.errors} or {"": str(problem.detail)}
        return None, errors


@require_http_methods(["GET", "POST"])
def board(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    customer_id = shopper.customer_id if shopper is not None and shopper.signed_in else ""
    errors: dict = {}
    if request.method == "POST":
        if not customer_id:
            return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': reverse('shop-suggestions')})}")
        done, errors = _act(request, customer_id)
        if done is not None:
            return done
    status = request.GET.get("status", "")
    status = status if status in SHOWN else ""
    order = "new" if request.GET.get("order") == "new" else "votes"
    items = queries.suggestions(status=status, order=order, for_customer=customer_id, limit=100)
    return render_shop(request, "feedback/shop_suggestions.html", {
        "title": _("Suggestions"), "items": items, "status": status, "order": order, "signed_in": bool(customer_id),
        "statuses": [(s, SuggestionStatus(s).label) for s in SHOWN], "kinds": SuggestionKind.choices,
        "errors": errors, "general_error": errors.get("", ""), "posted": request.POST if errors else {}, "sent": request.GET.get("sent") == "1",
        "source": SuggestionSource.ACCOUNT if request.GET.get("from") == "account" else SuggestionSource.SHOP,
        "sign_in": f"{reverse('shop-sign-in')}?{urlencode({'next': request.get_full_path()})}",
    }, status=422 if errors else 200)
