"""What the bot can do, one function per intent: each reads other domains through their queries
and services only, fills its slots across turns and answers in the customer's language.

A skill gets the turn (who writes, what was understood) and the slots gathered so far, and returns
an `Answer`: the text, the slots still wanted (`pending`), or a hand-off. The customer's own data
only: an order is told to the customer it belongs to, or to a sender who proved it with the email
or phone on it (orders.queries.order_status_verified); nothing says whether another order exists.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from omnicanal.bot import links
from omnicanal.bot.nlu import Parse
from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import Problem
from omnicanal.core.hours import DAYS
from omnicanal.inventory import queries as inventory
from omnicanal.loyalty import queries as loyalty
from omnicanal.orders import queries as orders
from omnicanal.orders import services as order_services


@dataclass(frozen=True)
class Turn:
    conversation_id: str
    customer_id: str
    channel: str
    text: str
    language: str
    parse: Parse
    verified_orders: tuple[str, ...] = ()
    verified_proofs: dict = field(default_factory=dict)  # {order id: the email or phone that proved it}


@dataclass(frozen=True)
class Answer:
    text: str
    slots: dict = field(default_factory=dict)
    pending: bool = False  # waiting for more slots: the intent stays in the context
    handoff: str = ""  # a reason: a person takes over
    verified_order: str = ""  # an order id an unknown sender just proved
    verified_proof: str = ""  # with what (orders checks it again when a return is started)
    unrecognised: bool = False  # the bot could not place the message (the console's report)


def stock_channel() -> str:
    """The sales channel whose stock and pickup the bot tells (the shop's)."""
    return str(settings.OMNICANAL.get("BOT_STOCK_CHANNEL") or "web")


# --- order status -----------------------------------------------------------------------------

def _stage_text(view: orders.OrderStatusView) -> str:
    n = view.number
    if view.status == "cancelled":
        return _("Your order %(n)s was cancelled.") % {"n": n}
    if view.status == "pending_payment":
        return _("Your order %(n)s is waiting for its payment.") % {"n": n}
    store = _store_name(view.location)
    texts = {
        "shipped": _("Your order %(n)s is on its way with %(carrier)s (tracking %(tracking)s)."),
        "delivered": _("Your order %(n)s was delivered."),
        "ready_for_pickup": _("Your order %(n)s is ready for pickup at %(store)s."),
        "arrived": _("Your order %(n)s is being brought out to you at %(store)s."),
        "picked_up": _("Your order %(n)s was picked up."),
    }
    text = texts.get(view.stage, _("Your order %(n)s is being prepared."))
    return text % {"n": n, "carrier": view.carrier or "-", "tracking": view.tracking or "-", "store": store}


def _status_answer(view: orders.OrderStatusView) -> str:
    return _("%(status)s Follow it here: %(link)s") % {"status": _stage_text(view), "link": view.tracking_url}


def _same_number(ours: str, typed: str) -> bool:
    return re.sub(r"\D", "", ours) == re.sub(r"\D", "", typed)


def _proof(slots: dict) -> str:
    return slots.get("email") or slots.get("phone") or ""


def order_status(turn: Turn, slots: dict) -> Answer:
    number = slots.get("order_number", "")
    own = orders.order_statuses(turn.customer_id, number=number, limit=3)
    if own:
        if number or len(own) == 1:
            return Answer(_status_answer(own[0]))
        return Answer("\n".join(_status_answer(v) for v in own))
    for order_id in turn.verified_orders:  # proved earlier in this conversation
        view = orders.order_status(order_id)
        if view is not None and (not number or _same_number(view.number, number)):
            return Answer(_status_answer(view))
    if not number and not _proof(slots):
        return Answer(_("I can look it up: tell me the order number and the email or phone you used to buy."),
                      slots=slots, pending=True)
    checked = _verify(number, slots)
    if isinstance(checked, Answer):
        return checked
    return Answer(_status_answer(checked), verified_order=checked.order_id, verified_proof=_proof(slots))


def _verify(number: str, slots: dict) -> orders.OrderStatusView | Answer:
    """An unknown sender proving an order (its number, and the email or phone on it): the order,
    or the question still to ask; three failures hand off. Never says whether the number exists."""
    if not number:
        return Answer(_("What is the order number?"), slots=slots, pending=True)
    if not _proof(slots):
        return Answer(_("To protect your data, tell me the email or phone you used for order %(n)s.") % {"n": number},
                      slots=slots, pending=True)
    view = orders.order_status_verified(number, _proof(slots))
    if view is None:
        tries = int(slots.get("tries", 0)) + 1
        if tries >= 3:
            return Answer(_("I could not verify that order."), handoff="verification_failed")
        return Answer(_("I could not verify that order with those details. Check the order number and the email "
                        "or phone used to buy."), slots={**slots, "email": "", "phone": "", "tries": tries},
                      pending=True)
    return view


# --- stores: stock, hours ---------------------------------------------------------------------

def _store_name(code: str) -> str:
    info = inventory.location_info(code) if code else None
    return info.name if info else code


def _size_of(text: str) -> str:
    """A size in an answer to "which size?": "42", "talla 9.5", "M"."""
    match = re.search(r"(?<![\w.,])([0-9]{1,2}(?:[.,]5)?|xs|s|m|l|xl|xxl)(?![\w.,])", text, re.IGNORECASE)
    return match.group(1).upper().replace(",", ".") if match else ""


def location_code(value: str) -> str:
    """A store named by its code, name or city (the parser may give any of them) -> its code."""
    if not value:
        return ""
    infos = inventory.location_infos()
    if value.upper() in infos:
        return value.upper()
    wanted = value.strip().lower()
    for info in infos.values():
        if wanted in (info.name.lower(), info.city.lower()) or wanted in info.name.lower():
            return info.code
    return ""


def product_handle(value: str) -> str:
    """A product named by its handle or its name (either language) -> its handle."""
    if not value:
        return ""
    names = catalog.product_names()
    wanted = value.strip().lower()
    for p in names:
        if wanted in (p.handle, p.name_es.lower(), p.name_en.lower()):
            return p.handle
    return next((p.handle for p in names if wanted in p.name_es.lower() or (p.name_en and wanted in p.name_en.lower())),
                "")


def _normalised(slots: dict) -> dict:
    out = dict(slots)
    if out.get("location"):
        out["location"] = location_code(out["location"])
    if out.get("product"):
        out["product"] = product_handle(out["product"])
    if out.get("size"):
        out["size"] = _size_of(out["size"]) or out["size"]
    return {k: v for k, v in out.items() if v not in ("", None)}


def store_stock(turn: Turn, slots: dict) -> Answer:
    slots = _normalised(slots)
    if not slots.get("product") and slots.get("sku"):
        hit = catalog.variant_hit(slots["sku"], language=turn.language)
        if hit is not None:
            slots = {**slots, "product": hit.handle, "size": slots.get("size") or hit.size}
    if not slots.get("size") and slots.get("asked") == "size":
        slots = {**slots, "size": _size_of(turn.text)} if _size_of(turn.text) else slots
    if not slots.get("product"):
        return Answer(_("Which product are you looking for?"), slots={**slots, "asked": "product"}, pending=True)
    variants = catalog.variants_of(slots["product"], language=turn.language)
    if not variants:
        return Answer(_("I could not find that product in our catalogue."), slots={}, pending=False)
    name = variants[0].name
    sized = any(v.size for v in variants)
    size, store = slots.get("size", ""), slots.get("location", "")
    if sized and not size and not store:
        return Answer(_("In which size, and at which store?"), slots={**slots, "asked": "size"}, pending=True)
    if sized and not size:
        return Answer(_("In which size?"), slots={**slots, "asked": "size"}, pending=True)
    if not store:
        return Answer(_("At which store?"), slots={**slots, "asked": "location"}, pending=True)
    variant = next((v for v in variants if not sized or v.size.upper() == size.upper()), None)
    if variant is None:
        return Answer(_("%(name)s does not come in size %(size)s.") % {"name": name, "size": size},
                      slots={**slots, "size": "", "asked": "size"}, pending=True)
    label = _("%(name)s size %(size)s") % {"name": name, "size": variant.size} if variant.size else name
    today = inventory.pickup_today(channel=stock_channel(), location=store)
    if today is None:
        return Answer(_("%(store)s does not hand over shop orders.") % {"store": _store_name(store)})
    if variant.sku in today.skus:
        return Answer(_("Yes: %(item)s is available at %(store)s, pickup today. Reserve it for pickup or carry "
                        "on in the shop with it in your cart: %(link)s")
                      % {"item": label, "store": today.name, "link": links.cart(variant.sku)})
    if not today.open_today:
        return Answer(_("%(store)s is closed for the rest of the day; %(item)s can be ordered in the shop: %(link)s")
                      % {"store": today.name, "item": label, "link": links.cart(variant.sku)})
    return Answer(_("%(item)s is not available for pickup today at %(store)s. You can order it in the shop: %(link)s")
                  % {"item": label, "store": today.name, "link": links.cart(variant.sku)})


def _hours_text(schedule: dict) -> str:
    names = {"mon": _("Mon"), "tue": _("Tue"), "wed": _("Wed"), "thu": _("Thu"), "fri": _("Fri"), "sat": _("Sat"),
             "sun": _("Sun")}
    closed = _("closed")
    parts = []
    for key, value in schedule.items():
        days = "-".join(names.get(d, d) for d in str(key).split("-"))
        spans = value if isinstance(value, str) else ", ".join("-".join(pair) for pair in value)
        parts.append(f"{days} {closed if spans == 'closed' else spans}")
    order = {d: i for i, d in enumerate(DAYS)}
    return "; ".join(sorted(parts, key=lambda p: order.get(p[:3].lower(), 9)))


def _exception_text(store: inventory.StoreHours, day: inventory.HoursException) -> str:
    """"mañana 25 de diciembre cerrado (Navidad)": a holiday or special hours in the next days."""
    ahead = (day.date - store.today).days if store.today else -1
    if ahead == 0:
        when = pgettext("a day", "today")
    elif ahead == 1:
        when = pgettext("a day", "tomorrow")
    else:
        when = formats.date_format(day.date, "l")
    values = {"when": when, "date": formats.date_format(day.date, "MONTH_DAY_FORMAT"), "name": day.name,
              "hours": day.hours}
    if day.closed:
        return _("%(when)s %(date)s closed (%(name)s)") % values
    return _("%(when)s %(date)s open %(hours)s only (%(name)s)") % values


def store_hours(turn: Turn, slots: dict) -> Answer:
    slots = _normalised(slots)
    stores = inventory.store_hours()
    chosen = [s for s in stores if s.code == slots.get("location")]
    if not chosen:
        if len(stores) > 4:
            return Answer(_("Which store? We have %(names)s.") % {"names": ", ".join(s.name for s in stores)},
                          slots={**slots, "asked": "location"}, pending=True)
        chosen = stores
    lines = []
    for s in chosen:
        state = pgettext("a store", "open now") if s.open_now else pgettext("a store", "closed now")
        line = _("%(name)s (%(address)s): %(hours)s, %(state)s.") % {
            "name": s.name, "address": s.address, "hours": _hours_text(s.opening_hours), "state": state}
        if s.exceptions:
            line += " " + _("Holidays: %(days)s.") % {"days": "; ".join(_exception_text(s, d) for d in s.exceptions)}
        lines.append(line)
    if not lines:
        return Answer(_("We have no stores open to the public right now."))
    return Answer("\n".join(lines))


# --- returns ----------------------------------------------------------------------------------

def _mode(text: str) -> str:
    lowered = text.lower()
    if re.search(r"correo|mail|env[ií]o|courier|despacho|post", lowered):
        return "mail"
    if re.search(r"tienda|store|local|sucursal", lowered):
        return "store"
    return ""


def _verified_views(turn: Turn, number: str) -> list[orders.OrderStatusView]:
    """The orders this sender proved earlier in the conversation (the one numbered `number`)."""
    views = [orders.order_status(order_id) for order_id in turn.verified_orders]
    return [v for v in views if v is not None and (not number or _same_number(v.number, number))]


def start_return(turn: Turn, slots: dict) -> Answer:
    """A return of the customer's own order, or of one an unknown sender proved (order number and the
    email or phone on it); orders checks the same proof again when it starts the return."""
    number = slots.get("order_number", "")
    own = orders.order_statuses(turn.customer_id, number=number, limit=5)
    proofs: dict[str, str] = {}
    if not own:
        own = _verified_views(turn, number)
        proofs = {v.order_id: turn.verified_proofs.get(v.order_id, "") for v in own}
    if own:
        return _return_of(turn, slots, own, proofs)
    if not number and not _proof(slots):
        return Answer(_("I can start a return of your order: tell me the order number and the email or phone you "
                        "used to buy (or sign in to the shop)."), slots=slots, pending=True)
    checked = _verify(number, slots)
    if isinstance(checked, Answer):
        return checked
    proof = _proof(slots)
    answer = _return_of(turn, {k: v for k, v in slots.items() if k not in ("email", "phone", "tries")}, [checked],
                        {checked.order_id: proof})
    return dataclasses.replace(answer, verified_order=checked.order_id, verified_proof=proof)


def _return_of(turn: Turn, slots: dict, own: list[orders.OrderStatusView], proofs: dict[str, str]) -> Answer:
    candidates = [(view, orders.returnable_items(view.order_id)) for view in own]
    candidates = [(view, items) for view, items in candidates if items]
    if not candidates:
        return Answer(_("None of the items of your recent orders can be returned any more."))
    view, items = candidates[0]
    chosen = slots.get("items")
    if chosen is None and len(items) > 1:
        pick = turn.text.strip().lower()
        if slots.get("asked") == "items" and (pick.isdigit() and 0 < int(pick) <= len(items)):
            chosen = [items[int(pick) - 1].sku]
        elif slots.get("asked") == "items" and pick in ("todos", "todo", "all", "both", "ambos"):
            chosen = [i.sku for i in items]
        else:
            listing = "\n".join(f"{n}. {i.title} ({i.sku})" for n, i in enumerate(items, 1))
            return Answer(_("Which item of order %(n)s do you want to return? Answer with its number or \"all\":\n%(list)s")
                          % {"n": view.number, "list": listing}, slots={**slots, "asked": "items"}, pending=True)
    chosen = chosen or [items[0].sku]
    mode = slots.get("mode") or _mode(turn.text)
    if not mode:
        titles = ", ".join(i.title for i in items if i.sku in chosen)
        return Answer(_("Return %(items)s from order %(n)s: in a store or by mail?") % {"items": titles, "n": view.number},
                      slots={**slots, "items": chosen, "asked": "mode"}, pending=True)
    slots = _normalised(slots)
    if mode == "store" and not slots.get("location"):
        return Answer(_("At which store will you bring it?"), slots={**slots, "items": chosen, "mode": mode,
                                                                      "asked": "location"}, pending=True)
    lines = [{"sku": i.sku, "quantity": i.quantity} for i in items if i.sku in chosen]
    try:
        ret = order_services.do_start_return(order_id=view.order_id, customer_id=turn.customer_id, lines=lines,
                                             by_mail=mode == "mail", location=slots.get("location", ""),
                                             proof=proofs.get(view.order_id, ""))
    except Problem as problem:
        return Answer(_("I could not start that return: %(why)s") % {"why": problem.detail}, handoff="return_refused")
    started = orders.return_view(ret.public_id)
    if started.by_mail:
        return Answer(_("Return %(id)s started. Print your prepaid label here: %(link)s and hand the parcel to "
                        "%(carrier)s.") % {"id": started.return_id, "link": started.label_url, "carrier": started.carrier})
    return Answer(_("Return %(id)s started. Bring the items to %(store)s with this number.")
                  % {"id": started.return_id, "store": started.location_name})


# --- loyalty ----------------------------------------------------------------------------------

def loyalty_balance(turn: Turn, slots: dict) -> Answer:
    summary = loyalty.summary(turn.customer_id)
    text = _("You have %(points)s points.") % {"points": formats.number_format(summary.points, force_grouping=True)}
    if summary.stored_value.amount:
        text += " " + _("Store credit: %(amount)s.") % {"amount": summary.stored_value}
    for card in loyalty.customer_gift_cards(turn.customer_id, limit=5):
        if not card.blocked:
            text += " " + _("Gift card %(code)s: %(amount)s.") % {"code": card.masked_code, "amount": card.balance}
    return Answer(text + " " + _("See the details in your account: %(link)s") % {"link": links.account_loyalty()})


SKILLS = {
    "order_status": order_status,
    "store_stock": store_stock,
    "store_hours": store_hours,
    "start_return": start_return,
    "loyalty_balance": loyalty_balance,
}
