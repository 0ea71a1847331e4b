"""Paying at checkout with the customer's own value: points, a gift card, store credit; the card
(Webpay) pays whatever is left, and an order they cover whole is paid without a card.

The shop decides none of the rules. Balances and what the points are worth come from
loyalty.queries.spendable; a gift card's balance from loyalty's own lookup (code and PIN, throttled
like every gift card lookup); the order's total, and so how much each way really pays, from orders'
placement: the shop asks for "as much as my points cover" as `up_to` payments and the card as
"the rest, if any" (orders.services.PaymentIn). A typed amount is taken as typed: more than the
balance is an error here, more than what is left of the total an error of placement's, shown next to
the field it came from. Loyalty holds the value when the order is placed; a card payment that
fails or is abandoned cancels the order, which releases the holds and the stock (orders'
do_cancel_order).

Used by the shop's checkout page (fields below) and the Store API's POST /checkout (`payments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.http import QueryDict
from django.utils.translation import gettext as _

from omnicanal.core.errors import Conflict, NotFound, Problem, TooManyRequests, ValidationFailed
from omnicanal.core.money import Money, business_currency, minor_units
from omnicanal.loyalty import queries as loyalty_queries
from omnicanal.loyalty.services import stored_value
from omnicanal.orders import services as orders

FIELDS = ("use_points", "points_amount", "use_credit", "credit_amount", "gift_card_code", "gift_card_pin",
          "gift_card_amount")


@dataclass(frozen=True)
class Wallet:
    """What the checkout page offers the signed-in customer."""
    points: int
    points_value: Money
    store_credit: Money


def wallet(customer_id: str) -> Wallet:
    found = loyalty_queries.spendable(customer_id)
    return Wallet(points=found.points, points_value=found.points_value, store_credit=found.store_credit)


@dataclass
class Plan:
    """The payments to place with, which form field each one answers to (placement's
    `payments.<i>.…` errors land there), and the errors found before placing anything."""
    payments: list[orders.PaymentIn] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 422

    def add(self, payment: orders.PaymentIn, form_field: str) -> None:
        self.payments.append(payment)
        self.fields.append(form_field)


def _amount(raw: str) -> Decimal | None:
    """A typed amount in the business currency ("10.000", "$ 10000"); None when blank. ValueError
    when it is no positive amount of the currency's smallest unit."""
    text = (raw or "").replace("$", "").replace(" ", "").replace("\xa0", "").strip()
    if not text:
        return None
    decimals = minor_units(business_currency())
    if decimals == 0:
        text = text.replace(".", "").replace(",", "")  # thousands separators (es-CL writes 10.000)
    else:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal(1).scaleb(-decimals)):
        raise ValueError
    return value


def _money_error() -> str:
    return _("Enter an amount in %(currency)s, more than zero.") % {"currency": business_currency()}


def _typed(form: QueryDict, name: str, plan: Plan) -> tuple[bool, Money | None]:
    try:
        value = _amount(form.get(name, ""))
    except ValueError:
        plan.errors[name] = _money_error()
        return False, None
    return True, Money(value, business_currency()) if value is not None else None


def gift_card_balance(code: str, pin: str) -> Money:
    """The card's spendable balance, through loyalty's lookup (404 for a wrong code or PIN, alike;
    409 blocked or expired; 429 after too many wrong PINs)."""
    return stored_value.gift_card_balance(stored_value.check_usable(stored_value.find_gift_card(code, pin)))


def _gift_card(form: QueryDict, plan: Plan) -> None:
    code, pin = form.get("gift_card_code", "").strip(), form.get("gift_card_pin", "").strip()
    if not code:
        return
    ok, asked = _typed(form, "gift_card_amount", plan)
    if not pin:
        plan.errors["gift_card_pin"] = _("Enter the gift card's PIN.")
        return
    try:
        balance = gift_card_balance(code, pin)
    except NotFound:
        plan.errors["gift_card_code"] = _("That code and PIN match no gift card.")
        return
    except TooManyRequests as problem:
        plan.errors["gift_card_code"] = str(problem.detail or problem.title)
        plan.status = 429
        return
    except Conflict as problem:
        plan.errors["gift_card_code"] = str(problem.detail or problem.title)
        return
    if balance.amount <= 0:
        plan.errors["gift_card_code"] = _("This gift card has no balance left.")
    elif asked is not None and asked.amount > balance.amount:
        plan.errors["gift_card_amount"] = _("The gift card has %(amount)s.") % {"amount": balance.format()}
    elif ok:
        plan.add(orders.PaymentIn(method="gift_card", amount=asked or balance, gift_card_code=code, pin=pin,
                                  up_to=asked is None), "gift_card_amount")


def _own_value(form: QueryDict, plan: Plan, mine: Wallet) -> None:
    for use, name, method, available, none_left, only in (
            ("use_credit", "credit_amount", "store_credit", mine.store_credit,
             _("You have no store credit to use."), _("You have %(amount)s of store credit.")),
            ("use_points", "points_amount", "points", mine.points_value,
             _("You have no points to use."), _("Your points cover up to %(amount)s."))):
        if not form.get(use):
            continue
        ok, asked = _typed(form, name, plan)
        if available.amount <= 0:
            plan.errors["payments"] = none_left  # (its amount field is not on the page then)
        elif asked is not None and asked.amount > available.amount:
            plan.errors[name] = only % {"amount": available.format()}
        elif ok:
            plan.add(orders.PaymentIn(method=method, amount=asked or available, up_to=asked is None), name)


def plan_from_form(form: QueryDict, customer_id: str) -> Plan:
    """The checkout form's choices as payments: the gift card, then store credit, then points, each
    as much as asked (or as it covers), and the card for whatever is left. No choice: the card pays."""
    plan = Plan()
    _gift_card(form, plan)
    if form.get("use_points") or form.get("use_credit"):
        _own_value(form, plan, wallet(customer_id))
    if not plan.payments:
        plan.payments, plan.fields = [], []
        return plan  # orders' default: the card pays it all
    plan.add(orders.PaymentIn(method="card", up_to=True), "payments")
    return plan


def form_errors(problem: Problem, plan: Plan) -> dict[str, str]:
    """Placement's answer about the payments, next to the fields they came from; {} when the
    problem is not about them."""
    errors: dict[str, str] = {}
    for error in problem.errors:
        name = str(error.field)
        if name.startswith("payments."):
            index = name.split(".")[1]
            target = plan.fields[int(index)] if index.isdigit() and int(index) < len(plan.fields) else "payments"
            errors.setdefault(target, str(error.message))
        elif name == "payments":
            errors.setdefault("payments", str(error.message))
    if not errors and plan.payments and isinstance(problem, Conflict) and problem.slug == "insufficient-balance":
        errors["payments"] = _("Your balance changed meanwhile; check the amounts and try again.")
    return errors


# --- the Store API ---------------------------------------------------------------------------------


def check_api_payments(payments: list[orders.PaymentIn], customer_id: str) -> list[orders.PaymentIn]:
    """Before placing: each typed amount of the customer's own value or a gift card within its
    balance, and the gift card known — else 422 on `payments.<i>.…` (never a bare 404 or 409 from
    the ledger for a shopper's typo). An `up_to` payment without amount becomes "at most the
    balance". What is left of the total is placement's to check."""
    checked: list[orders.PaymentIn] = []
    mine: Wallet | None = None
    for i, p in enumerate(payments):
        balance: Money | None = None
        if p.method == "gift_card":
            try:
                balance = gift_card_balance(p.gift_card_code, p.pin)
            except NotFound:
                raise ValidationFailed.on(f"payments.{i}.gift_card_code",
                                          _("That code and PIN match no gift card.")) from None
            except Conflict as problem:
                raise ValidationFailed.on(f"payments.{i}.gift_card_code", str(problem.detail or problem.title)) from None
            message = _("The gift card has %(amount)s.")
        elif p.method in ("points", "store_credit"):
            mine = mine or wallet(customer_id)
            balance = mine.points_value if p.method == "points" else mine.store_credit
            message = _("Your points cover up to %(amount)s.") if p.method == "points" else \
                _("You have %(amount)s of store credit.")
        if balance is not None and p.amount is not None and p.amount.amount > balance.amount:
            raise ValidationFailed.on(f"payments.{i}.amount", message % {"amount": balance.format()})
        if balance is not None and p.up_to and p.amount is None:
            if balance.amount <= 0:
                continue  # nothing to take from it
            checked.append(replace(p, amount=balance))
            continue
        checked.append(p)
    return checked


def api_balance_problem(problem: Problem, payments: list[orders.PaymentIn]) -> Problem:
    """A balance the ledger found short (a payment of "the rest"): 422 on that payment's amount."""
    if not (isinstance(problem, Conflict) and problem.slug == "insufficient-balance"):
        return problem
    index = next((i for i, p in enumerate(payments) if p.amount is None and p.method != "card"), None)
    where = f"payments.{index}.amount" if index is not None else "payments"
    return ValidationFailed.on(where, _("The balance does not cover this amount."))
