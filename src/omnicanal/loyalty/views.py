"""Console pages of the loyalty domain: overview, a customer's loyalty, the program (marketer),
coupons and batches (create, CSV export, usage), gift cards, manual adjustments (manager)."""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core import audit
from omnicanal.core.console import problem_text, show_problem, staff_required
from omnicanal.core.errors import Forbidden, Problem, ValidationFailed
from omnicanal.core.money import Money, business_currency
from omnicanal.loyalty import panel, queries, roles
from omnicanal.loyalty.models import (
    Activity,
    Coupon,
    CouponBatch,
    CouponKind,
    EarnRule,
    GrantStatus,
    Transfer,
    TransferKind,
)
from omnicanal.loyalty.services import approvals, coupons, program, stored_value
from omnicanal.loyalty.services.common import check_customer
from omnicanal.loyalty.services.goodwill import (
    CUSTOMER_COUPON_DAYS,
    do_grant_goodwill_credit,
    do_issue_customer_coupon,
)

_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def _decimal(value: str | None, field: str) -> Decimal:
    """A number typed the Chilean way ("12.990", "1.234,5") or the plain way ("12990", "-3.5")."""
    text = (value or "").strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        text = text.replace(".", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationFailed.on(field, _("must be a number")) from None


def _int_or_none(value: str | None, field: str) -> int | None:
    if not (value or "").strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed.on(field, _("must be a whole number")) from None


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").replace("\n", ",").split(",") if item.strip())


def _when(value: str | None):
    return parse_datetime(value) if value else None


def _render(request: HttpRequest, template: str, context: dict):
    """Console pages (times read in the viewer's zone: core.local_time's middleware)."""
    return render(request, template, context)


@staff_required(*roles.READ)
def overview(request: HttpRequest):
    q = request.GET.get("customer", "").strip()
    if q:
        try:
            return redirect("loyalty:customer", customer_id=check_customer(q))
        except Problem as problem:
            show_problem(request, problem)
    p = program.get_program()
    return _render(request, "loyalty/overview.html", {
        "title": _("Loyalty"), "program": p, "tiers": list(p.tiers.all()), "outstanding": queries.outstanding(),
        "system": queries.system_balances(), "recent": panel.visible_to(request.principal, list(
            Transfer.objects.select_related("debit", "credit").order_by("-pk")[:15])),
    })


@staff_required(*roles.READ)
def customer(request: HttpRequest, customer_id: str):
    try:
        customer_id = check_customer(customer_id)
    except Problem as problem:
        show_problem(request, problem)
        return redirect("loyalty:list")
    context = panel.panel_context(customer_id, limit=50, principal=request.principal)
    context.update({"title": _("Loyalty of %(id)s") % {"id": customer_id}, "kinds": _adjustable()})
    return _render(request, "loyalty/customer.html", context)


def _adjustable():
    return [("points", _("Points")), ("coins", _("Coins")), ("store_credit", _("Store credit")), ("wallet", _("Wallet"))]


@staff_required(*roles.ADJUST)
def adjustments(request: HttpRequest):
    if request.method == "POST":
        try:
            customer_id = check_customer(request.POST.get("customer_id", "").strip())
            with transaction.atomic():
                program.do_adjust(customer_id=customer_id, kind=request.POST.get("kind", "points"),
                                  amount=_decimal(request.POST.get("amount"), "amount"), reason=request.POST.get("reason", ""),
                                  actor=request.principal)
            messages.success(request, _("Adjustment recorded."))
            if request.POST.get("next") == "customer":
                return redirect("loyalty:customer", customer_id=customer_id)
            return redirect("loyalty:adjustments")
        except Problem as problem:
            show_problem(request, problem)
    recent = Transfer.objects.filter(kind=TransferKind.ADJUST).select_related("debit", "credit").order_by("-pk")[:50]
    return _render(request, "loyalty/adjustments.html", {"title": _("Manual adjustments"), "recent": recent, "kinds": _adjustable(),
                                                        "form": request.POST})


@staff_required(*roles.MARKETING)
def program_page(request: HttpRequest):
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            with transaction.atomic():
                _program_action(request, action)
            messages.success(request, _("Saved."))
            return redirect("loyalty:program")
        except Problem as problem:
            show_problem(request, problem)
    p = program.get_program()
    return _render(request, "loyalty/program.html", {
        "title": _("Program and rules"), "program": p, "tiers": list(p.tiers.all()), "rules": list(p.rules.order_by("kind", "pk")),
        "activities": Activity.choices,
    })


def _program_action(request: HttpRequest, action: str | None) -> None:
    post, actor = request.POST, request.principal
    if action == "terms":
        program.do_configure_program(
            name=post.get("name", ""), earn_per=_decimal(post.get("earn_per"), "earn_per"),
            earn_points=_int_or_none(post.get("earn_points"), "earn_points") or 0,
            point_value=_decimal(post.get("point_value"), "point_value"),
            points_expire_months=_int_or_none(post.get("points_expire_months"), "points_expire_months") or 0,
            expiry_notice_days=_int_or_none(post.get("expiry_notice_days"), "expiry_notice_days") or 0,
            qr_ttl_seconds=_int_or_none(post.get("qr_ttl_seconds"), "qr_ttl_seconds") or 300, actor=actor,
        )
    elif action == "tier":
        program.do_set_tier(code=post.get("code", "").strip().lower(), name=post.get("name", "").strip(),
                            min_spend=_decimal(post.get("min_spend"), "min_spend"),
                            earn_multiplier=_decimal(post.get("earn_multiplier") or "1", "earn_multiplier"),
                            benefits=[b.strip() for b in post.get("benefits", "").splitlines() if b.strip()], actor=actor)
    elif action == "rule":
        program.do_add_rule(
            kind=post.get("kind", ""), name=post.get("name", ""), category=post.get("category", ""),
            multiplier=_decimal(post.get("multiplier") or "1", "multiplier"), activity=post.get("activity", ""),
            reward=_int_or_none(post.get("reward"), "reward") or 0, unit=post.get("unit", "PTS"),
            max_per_customer=_int_or_none(post.get("max_per_customer"), "max_per_customer"),
            channels=list(_list(post.get("channels"))), actor=actor,
        )
    elif action == "toggle":
        rule = get_object_or_404(EarnRule, public_id=post.get("rule"))
        program.do_set_rule_active(rule_id=rule.public_id, active=not rule.active, actor=actor)
    else:
        raise ValidationFailed.on("action", _("unknown action"))


def _terms(post) -> coupons.Terms:
    return coupons.Terms(
        kind=post.get("kind", ""), value=_decimal(post.get("value") or "0", "value"), currency=business_currency(),
        buy_quantity=_int_or_none(post.get("buy_quantity"), "buy_quantity") or 0,
        get_quantity=_int_or_none(post.get("get_quantity"), "get_quantity") or 0,
        min_spend=_decimal(post.get("min_spend") or "0", "min_spend"), skus=_list(post.get("skus")),
        categories=_list(post.get("categories")), channels=_list(post.get("channels")),
        max_uses_per_customer=_int_or_none(post.get("max_uses_per_customer"), "max_uses_per_customer"),
        starts_at=_when(post.get("starts_at")), ends_at=_when(post.get("ends_at")),
    )


@staff_required(*roles.MARKETING)
def coupon_list(request: HttpRequest):
    if request.method == "POST":
        try:
            with transaction.atomic():
                if request.POST.get("action") == "batch":
                    batch = coupons.do_create_batch(
                        name=request.POST.get("name", ""), prefix=request.POST.get("prefix", ""),
                        count=_int_or_none(request.POST.get("count"), "count") or 0, terms=_terms(request.POST),
                        actor=request.principal,
                    )
                    messages.success(request, _("Batch created: %(count)d codes.") % {"count": batch.count})
                    return redirect("loyalty:batch", batch_id=batch.public_id)
                coupon = coupons.do_create_coupon(
                    code=request.POST.get("code", ""), terms=_terms(request.POST), name=request.POST.get("name", ""),
                    max_uses=_int_or_none(request.POST.get("max_uses"), "max_uses"), actor=request.principal,
                )
            messages.success(request, _("Coupon %(code)s created.") % {"code": coupon.code})
            return redirect("loyalty:coupon", code=coupon.code)
        except Problem as problem:
            show_problem(request, problem)
    return _render(request, "loyalty/coupons.html", {
        "title": _("Coupons"), "coupons": queries.coupons(search=request.GET.get("q", "")), "batches": queries.batches(),
        "kinds": CouponKind.choices, "q": request.GET.get("q", ""), "form": request.POST,
    })


@staff_required(*roles.MARKETING)
def coupon_detail(request: HttpRequest, code: str):
    coupon = get_object_or_404(Coupon, code=coupons.normalize_code(code))
    if request.method == "POST":
        with transaction.atomic():
            coupons.do_set_coupon_active(coupon_id=coupon.public_id, active=not coupon.active, actor=request.principal)
        return redirect("loyalty:coupon", code=coupon.code)
    return _render(request, "loyalty/coupon.html", {
        "title": coupon.code, "coupon": coupon, "uses": queries.coupon_usage(coupon),
        "by_channel": queries.usage_by_channel({"coupon": coupon}), "min_spend": Money(coupon.min_spend, coupon.currency),
    })


@staff_required(*roles.MARKETING)
def batch_detail(request: HttpRequest, batch_id: str):
    batch = get_object_or_404(CouponBatch, public_id=batch_id)
    codes = queries.batch_coupons(batch_id)
    return _render(request, "loyalty/batch.html", {
        "title": batch.name, "batch": batch, "codes": codes[:200], "used": sum(c.uses for c in codes),
        "by_channel": queries.usage_by_channel({"coupon__batch": batch}), "terms": codes.first(),
    })


@staff_required(*roles.MARKETING)
def batch_csv(request: HttpRequest, batch_id: str):
    batch = get_object_or_404(CouponBatch, public_id=batch_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.prefix}-{batch.public_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(["code", "kind", "value", "currency", "max_uses", "uses", "ends_at"])
    for c in queries.batch_coupons(batch_id):
        writer.writerow([c.code, c.kind, c.value, c.currency, c.max_uses, c.uses, c.ends_at.isoformat() if c.ends_at else ""])
    with transaction.atomic():
        audit.record(actor=request.principal, action="loyalty.coupon_batch.export", target_type="coupon_batch", target_id=batch_id)
    return response


@staff_required(*roles.GIFT_CARDS)
def gift_cards(request: HttpRequest):
    issued = None
    if request.method == "POST":
        try:
            amount = Money.of(_decimal(request.POST.get("amount"), "amount"), business_currency())
            with transaction.atomic():
                issued = stored_value.do_issue_gift_card(amount=amount, expires_at=_when(request.POST.get("expires_at")),
                                                         reference=request.POST.get("reference", ""), actor=request.principal)
        except Problem as problem:
            show_problem(request, problem)
    cards = [(card, Money(card.account.balance, card.currency), Money(card.initial_amount, card.currency)) for card in queries.gift_cards()]
    return _render(request, "loyalty/gift_cards.html", {"title": _("Gift cards"), "cards": cards, "issued": issued})


# --- actions from the loyalty panel (customer 360 and beside a conversation) -------------------------------
# The rules (who may give what, up to which limit) live in services/goodwill.py.

def _panel_after(request: HttpRequest, customer_id: str, *, notice: str = "", error: str = "") -> HttpResponse:
    request.conversation_id = request.POST.get("conversation_id", "")[:40]
    request.loyalty_notice, request.loyalty_error = notice, error
    return HttpResponse(panel.render_panel(request, customer_id))


def _pending_text(grant) -> str:
    return str(_("Above your limit: sent to a manager for approval (%(id)s).") % {"id": grant.public_id})


@staff_required(*roles.GOODWILL)
@require_POST
def panel_credit(request: HttpRequest, customer_id: str):
    reference = request.POST.get("conversation_id", "") or "console"
    try:
        amount = Money(_decimal(request.POST.get("amount"), "amount"), business_currency())
        with transaction.atomic():
            outcome = do_grant_goodwill_credit(customer_id=customer_id, amount=amount, note=request.POST.get("note", ""),
                                               reference=reference, actor=request.principal)
        if outcome.pending:
            return _panel_after(request, customer_id, notice=_pending_text(outcome.grant))
        return _panel_after(request, customer_id, notice=_("Store credit of %(amount)s granted.") % {"amount": amount.format()})
    except (Problem, Forbidden) as problem:
        return _panel_after(request, customer_id, error=problem_text(problem))


@staff_required(*roles.GOODWILL)
@require_POST
def panel_coupon(request: HttpRequest, customer_id: str):
    reference = request.POST.get("conversation_id", "") or "console"
    try:
        kind = request.POST.get("kind", "amount")
        value = _decimal(request.POST.get("value") or "0", "value")
        with transaction.atomic():
            outcome = do_issue_customer_coupon(customer_id=customer_id, kind=kind, value=value,
                                               note=request.POST.get("note", ""), reference=reference,
                                               actor=request.principal)
        if outcome.pending:
            return _panel_after(request, customer_id, notice=_pending_text(outcome.grant))
        return _panel_after(request, customer_id, notice=_("Coupon %(code)s issued: single use, valid %(days)d days.")
                            % {"code": outcome.coupon.code, "days": CUSTOMER_COUPON_DAYS})
    except (Problem, Forbidden) as problem:
        return _panel_after(request, customer_id, error=problem_text(problem))


@staff_required(*roles.APPROVE)
def approvals_page(request: HttpRequest):
    """Managers approve or reject value given above a person's limits (services/approvals.py)."""
    if request.method == "POST":
        try:
            with transaction.atomic():
                outcome = approvals.do_decide(grant_id=request.POST.get("grant", ""),
                                              approve=request.POST.get("decision") == "approve", actor=request.principal)
            if outcome.grant.status == GrantStatus.APPROVED:
                messages.success(request, _("Approved and issued: %(id)s.") % {"id": outcome.grant.public_id})
            else:
                messages.success(request, _("Rejected: %(id)s.") % {"id": outcome.grant.public_id})
            return redirect("loyalty:approvals")
        except Problem as problem:
            show_problem(request, problem)
    grants = [(g, Money(g.amount, g.currency)) for g in approvals.pending_grants()]
    return _render(request, "loyalty/approvals.html", {"title": _("Approvals"), "grants": grants})


urlpatterns = [
    path("", overview, name="list"),
    path("customers/<str:customer_id>/", customer, name="customer"),
    path("adjustments/", adjustments, name="adjustments"),
    path("program/", program_page, name="program"),
    path("coupons/", coupon_list, name="coupons"),
    path("coupons/<str:code>/", coupon_detail, name="coupon"),
    path("batches/<str:batch_id>/", batch_detail, name="batch"),
    path("batches/<str:batch_id>/codes.csv", batch_csv, name="batch_csv"),
    path("gift-cards/", gift_cards, name="gift_cards"),
    path("approvals/", approvals_page, name="approvals"),
    path("customers/<str:customer_id>/credit/", panel_credit, name="panel_credit"),
    path("customers/<str:customer_id>/coupon/", panel_coupon, name="panel_coupon"),
]
