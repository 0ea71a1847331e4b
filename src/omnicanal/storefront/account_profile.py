"""The shopper's own profile pages: preferences, the address book, disputes on an order, the
wishlist, "download my data" and "delete my account".

Server-rendered forms that POST and redirect (no JavaScript needed); bad input shows next to its
field with a 422. Every write goes through storefront.account_services (the owners decide: customers
for consent, preferences, addresses, export and erasure; orders for disputes), one transaction each.
Only the signed-in customer's own data is ever shown (anyone else's address or order: 404); the
wishlist also works for an anonymous device (its own list, merged into the customer's on sign-in).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import NotFound, Problem
from omnicanal.customers import queries as customers_queries
from omnicanal.storefront import account_services, auth, browsing, lists
from omnicanal.storefront.account_more import _signed_in, _to_sign_in
from omnicanal.storefront.account_pages import _ensure_shopper, _redirect, _safe_next
from omnicanal.storefront.shell import render_shop

ADDRESS_FIELDS = ("label", "recipient", "line1", "line2", "city", "region", "postal_code", "country")
PURPOSES = ("transactional", "marketing", "surveys")
BIRTH_PARTS = ("day", "month", "year")


def _field_errors(problem: Problem) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in problem.errors:
        name = str(error.field)
        errors.setdefault("consents" if name.startswith("consents.") else name.rsplit(".", 1)[-1], str(error.message))
    if not errors:
        errors["form"] = str(problem.detail or problem.title)
    return errors


# --- preferences -----------------------------------------------------------------------------------


def _consent_rows(customer_id: str) -> list[dict]:
    """One row per channel the shop manages, one cell per purpose (checked: we may write)."""
    states = customers_queries.consent_states(customer_id, account_services.CONSENT_CHANNELS)
    rows: dict[str, dict] = {}
    for state in states:
        row = rows.setdefault(state.channel, {"channel": state.channel, "label": state.channel_label, "cells": []})
        row["cells"].append(state)
    return list(rows.values())


def _posted_birth_date(post) -> dict[str, str] | None:
    """The day, month and optional year boxes (None when the form has none: left as it is)."""
    if "birth_day" not in post:
        return None
    return {part: post.get(f"birth_{part}", "") for part in BIRTH_PARTS}


def _posted_consents(post) -> dict[tuple[str, str], bool]:
    """Every cell the form shows: a ticked box grants, an unticked one withdraws."""
    return {(channel, purpose): post.get(f"consent_{channel}_{purpose}") == "on"
            for channel in account_services.CONSENT_CHANNELS for purpose in PURPOSES}


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Consent per channel and purpose, the preferred channel and the language."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        language = request.POST.get("language", "")
        try:
            with transaction.atomic():
                account_services.do_save_preferences(
                    shopper=shopper, consents=_posted_consents(request.POST),
                    preferred_channel=request.POST.get("preferred_channel", ""), language=language,
                    birth_date=_posted_birth_date(request.POST))
        except Problem as problem:
            errors = _field_errors(problem)
        else:
            if language:
                translation.activate(language)  # the confirmation reads in the language just chosen
            messages.success(request, _("Your preferences were saved."))
            response = HttpResponseRedirect(reverse("shop-account-preferences"))
            if language:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax",
                                    max_age=365 * 24 * 3600)
            return response
    summary = customers_queries.customer_summary(shopper.customer_id)
    born = customers_queries.birth_date_of(shopper.customer_id)
    if errors:  # what was typed comes back
        birth = {part: request.POST.get(f"birth_{part}", "") for part in BIRTH_PARTS}
    else:
        birth = {"day": str(born.day), "month": str(born.month), "year": str(born.year or "")} if born else {}
    return render_shop(request, "storefront/account/preferences.html", {
        "title": _("Your preferences"), "rows": _consent_rows(shopper.customer_id),
        "purposes": [(cell.purpose, cell.purpose_label) for cell in
                     customers_queries.consent_states(shopper.customer_id, ["email"])],
        "channels": [(code, label) for code, label in customers_queries.contact_channels()
                     if code in account_services.CONSENT_CHANNELS],
        "preferred": request.POST.get("preferred_channel") if errors else (summary.preferred_channel or ""),
        "language": summary.language, "languages": settings.LANGUAGES, "errors": errors,
        "birth": birth, "months": list(MONTHS.items()),
    }, status=422 if errors else 200)


# --- address book ------------------------------------------------------------------------------------


def _address_rows(values: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    labels = {"label": (_("Name for this address (e.g. Home)"), "off"), "recipient": (_("Recipient"), "name"),
              "line1": (_("Street and number"), "address-line1"),
              "line2": (_("Apartment, floor (optional)"), "address-line2"),
              "city": (_("City / commune"), "address-level2"), "region": (_("Region"), "address-level1"),
              "postal_code": (_("Postal code (optional)"), "postal-code"), "country": (_("Country code"), "country")}
    return [{"name": name, "label": labels[name][0], "autocomplete": labels[name][1],
             "value": values.get(name, "") or ("CL" if name == "country" else ""), "error": errors.get(name, ""),
             "required": name in ("line1", "city")} for name in ADDRESS_FIELDS]


def _posted_address(post) -> dict[str, str]:
    return {name: post.get(name, "") for name in ADDRESS_FIELDS}


@require_http_methods(["GET", "HEAD", "POST"])
def addresses(request: HttpRequest) -> HttpResponse:
    """The address book and a form to add one (POST adds)."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _posted_address(request.POST)
        try:
            with transaction.atomic():
                account_services.do_add_address(shopper=shopper, address=values,
                                                default=request.POST.get("default") == "on")
        except Problem as problem:
            errors = _field_errors(problem)
        else:
            messages.success(request, _("The address was saved."))
            return HttpResponseRedirect(_safe_next(request, reverse("shop-account-addresses")))
    return render_shop(request, "storefront/account/addresses.html", {
        "title": _("Your addresses"), "book": customers_queries.address_book(shopper.customer_id),
        "rows": _address_rows(values, errors), "errors": errors, "next": _safe_next(request, ""),
    }, status=422 if errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
def address(request: HttpRequest, address_id: str) -> HttpResponse:
    """Edit one of the customer's own addresses (anyone else's: 404)."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    try:
        found = customers_queries.book_address(shopper.customer_id, address_id)
    except NotFound:
        raise Http404(_("No such address.")) from None
    values = {name: getattr(found, name) for name in ADDRESS_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _posted_address(request.POST)
        try:
            with transaction.atomic():
                account_services.do_update_address(shopper=shopper, address_id=found.id, address=values,
                                                   default=request.POST.get("default") == "on")
        except Problem as problem:
            errors = _field_errors(problem)
        else:
            messages.success(request, _("The address was saved."))
            return HttpResponseRedirect(reverse("shop-account-addresses"))
    return render_shop(request, "storefront/account/address.html", {
        "title": _("Edit address"), "address": found, "rows": _address_rows(values, errors), "errors": errors,
    }, status=422 if errors else 200)


@require_POST
def address_action(request: HttpRequest, address_id: str) -> HttpResponse:
    """Delete an address, or make it the default (`action` = delete | default)."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    action = request.POST.get("action", "")
    try:
        with transaction.atomic():
            if action == "delete":
                account_services.do_delete_address(shopper=shopper, address_id=address_id)
                messages.success(request, _("The address was deleted."))
            elif action == "default":
                account_services.do_set_default_address(shopper=shopper, address_id=address_id)
                messages.success(request, _("This is now your default address."))
            else:
                return HttpResponse(status=400)
    except NotFound:
        raise Http404(_("No such address.")) from None
    return HttpResponseRedirect(reverse("shop-account-addresses"))


# --- disputes ------------------------------------------------------------------------------------------


@require_POST
def dispute(request: HttpRequest, order_id: str) -> HttpResponse:
    """Open a dispute on one of the customer's orders (the order page's form)."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    try:
        with transaction.atomic():
            opened = account_services.do_open_dispute(shopper=shopper, order_id=order_id,
                                                      kind=request.POST.get("kind", ""),
                                                      note=request.POST.get("note", "")[:2000])
    except NotFound:
        raise Http404(_("No such order.")) from None
    except Problem as problem:
        messages.error(request, "; ".join(str(e.message) for e in problem.errors) or str(problem.detail or problem.title))
        return HttpResponseRedirect(reverse("shop-account-order", args=[order_id]) + "#disputes-title")
    messages.success(request, _("Your claim was registered. We will answer within a few days."))
    return HttpResponseRedirect(reverse("shop-account-order", args=[opened.order.public_id]) + "#disputes-title")


# --- wishlist ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def wishlist(request: HttpRequest) -> HttpResponse:
    """The shopper's kept products (the device's own before signing in); POST adds or removes one
    (`handle`, `action` = add | remove, `next`)."""
    if request.method == "POST":
        return _wishlist_change(request)
    shopper = auth.shopper_from_cookie(request)
    handles = lists.wishlist_handles(account_services.wishlist_owner(shopper)) if shopper is not None else []
    found = {card.handle: card for card in catalog.search_catalog(
        channel=shopper.channel if shopper else "web", handles=handles, per_page=max(len(handles), 1),
        language=browsing.language()).items} if handles else {}
    return render_shop(request, "storefront/account/wishlist.html", {
        "title": _("Your wishlist"), "items": [found[h] for h in handles if h in found],
        "gone": len([h for h in handles if h not in found]),
    })


def _wishlist_change(request: HttpRequest) -> HttpResponse:
    handle = request.POST.get("handle", "").strip()
    next_url = _safe_next(request, reverse("shop-wishlist"))
    shopper, token = _ensure_shopper(request)
    try:
        with transaction.atomic():
            if request.POST.get("action") == "remove":
                account_services.do_remove_from_wishlist(shopper=shopper, handle=handle)
                messages.success(request, _("Removed from your wishlist."))
            else:
                account_services.do_add_to_wishlist(shopper=shopper, handle=handle)
                messages.success(request, _("Saved to your wishlist."))
    except Problem as problem:
        messages.error(request, str(problem.detail or problem.title))
    return _redirect(next_url, token)


# --- my data and my account ----------------------------------------------------------------------------


@require_safe
def my_data(request: HttpRequest) -> HttpResponse:
    """Download my data, and delete my account."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    return render_shop(request, "storefront/account/data.html", {
        "title": _("Your data"), "phrase": account_services.DELETE_PHRASE, "error": "",
    })


@require_safe
def download_data(request: HttpRequest) -> HttpResponse:
    """Everything held about the customer, as a JSON file (customers' export; audited)."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    with transaction.atomic():
        data = account_services.do_export_my_data(shopper=shopper)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    """Erase the account once the phrase is typed; every device is signed out."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    try:
        with transaction.atomic():
            account_services.do_delete_my_account(shopper=shopper, confirm=request.POST.get("confirm", ""))
    except Problem as problem:
        return render_shop(request, "storefront/account/data.html", {
            "title": _("Your data"), "phrase": account_services.DELETE_PHRASE,
            "error": "; ".join(str(e.message) for e in problem.errors) or str(problem.detail or problem.title),
        }, status=problem.status)
    request.session.flush()  # this device's recently viewed and chosen store go too
    request.shopper = None  # type: ignore[attr-defined]
    messages.success(request, _("Your account was deleted. We are sorry to see you go."))
    response = HttpResponseRedirect(reverse("shop-home"))
    auth.clear_cookie(response)
    response.delete_cookie(browsing.RECENT_COOKIE, samesite="Lax")
    return response
