"""Writers of the storefront: shopper sessions, one-time sign-in codes, the session's cart, checkout.

Sign-in (docs/storefront.md, "Sessions and sign-in"): a device starts an anonymous session; the
shopper types an email or a phone; a six-digit code goes to exactly that address through the
notifier (email, else SMS or WhatsApp); the right code resolves the address to the one customer
through identity resolution and the device's cart merges into the customer's one cart.

Who a code can sign in as:
- an anonymous device: the customer holding the address (now verified), else a new customer;
- a device already signed in as B: the address joins B when nobody else holds it; an address held
  by another customer never switches or merges B into them (409, nothing moves).

Failed codes are counted by core.throttle ("one_time_code", per address): the 422 of a wrong code
rolls the request's transaction back, and the throttle keeps the count outside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from omnicanal.channels import notifier
from omnicanal.core import audit, clock, throttle
from omnicanal.core.auth import Principal
from omnicanal.core.errors import Conflict, InvalidTransition, NotFound, Unauthorized, ValidationFailed
from omnicanal.customers import queries as customers_queries
from omnicanal.customers import services as customers
from omnicanal.loyalty import presence as loyalty_presence
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders
from omnicanal.storefront import lists
from omnicanal.storefront.models import SessionChannel, ShopperSession, SignInCode
from omnicanal.storefront.queries import TOKEN_PREFIX, Shopper, hash_token

CODE_TTL = timedelta(minutes=10)
CODE_DIGITS = 6
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
SOURCE = "storefront.sign_in"
PHONE_CHANNELS = ("sms", "whatsapp")


@dataclass(frozen=True)
class Started:
    session_id: str
    token: str  # shown once: only its hash is kept


@dataclass(frozen=True)
class Address:
    kind: str  # email | phone
    value: str  # normalized (lower-case email, E.164 phone)

    @property
    def key(self) -> str:
        """A keyed digest: the table of codes names no address."""
        return hmac.new(settings.SECRET_KEY.encode(), f"{self.kind}:{self.value}".encode(), hashlib.sha256).hexdigest()


def shopper_principal(shopper: Shopper) -> Principal:
    """The shopper as an actor in other domains' histories ("shopper:<customer>"); no staff role and
    no location (a carry-out or a desk action is never theirs)."""
    return Principal(kind="shopper", id=shopper.session_id, name=shopper.customer_id or shopper.session_id,
                     role="shopper", locations=frozenset())


# --- sessions ------------------------------------------------------------------------------------


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def do_start_session(*, channel: str = SessionChannel.WEB) -> Started:
    """A new anonymous session for one device."""
    if channel not in SessionChannel.values:
        raise ValidationFailed.on("channel", _("must be web or app"))
    token, now = _new_token(), clock.now()
    row = ShopperSession.objects.create(token_hash=hash_token(token), channel=channel, created_at=now, last_seen_at=now)
    return Started(session_id=row.public_id, token=token)


def _live(session_id: str) -> ShopperSession:
    row = ShopperSession.objects.filter(public_id=session_id, revoked_at__isnull=True).first()
    if row is None:
        raise Unauthorized(detail=_("This session has ended; start a new one."))
    return row


def do_touch(*, session_id: str, last_seen_at: dt.datetime | None = None) -> None:
    """Note that the device is in use (at most once a minute: a page view costs no write). Given
    the session's last_seen_at as just read, a recent one sends no statement at all."""
    now = clock.now()
    if last_seen_at is not None and last_seen_at >= now - SEEN_EVERY:
        return
    ShopperSession.objects.filter(public_id=session_id, last_seen_at__lt=now - SEEN_EVERY).update(last_seen_at=now)


def do_sign_out(*, session_id: str) -> None:
    ShopperSession.objects.filter(public_id=session_id, revoked_at__isnull=True).update(revoked_at=clock.now())


def do_sign_out_everywhere(*, session_id: str) -> int:
    """Every session of the session's customer ends (this one too); returns how many."""
    row = _live(session_id)
    if not row.customer_id:
        raise Unauthorized(detail=_("Sign in first."))
    return ShopperSession.objects.filter(customer_id=row.customer_id, revoked_at__isnull=True).update(
        revoked_at=clock.now())


def do_rotate_token(*, session_id: str) -> str:
    """A new token for a live session (the old one stops working): the web shop's cookie changes on
    sign-in, so a token planted in a browser before it never becomes a signed-in one."""
    token = _new_token()
    if not ShopperSession.objects.filter(public_id=session_id, revoked_at__isnull=True).update(
            token_hash=hash_token(token)):
        raise Unauthorized(detail=_("This session has ended; start a new one."))
    return token


def do_repoint_sessions(*, survivor_id: str, merged_id: str) -> int:
    """A merge: the merged customer's devices stay signed in, as the survivor."""
    return ShopperSession.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)


def do_forget_customer(*, customer_id: str) -> int:
    """Erasure: every session of the customer ends and forgets whose it was."""
    return ShopperSession.objects.filter(customer_id=customer_id).update(
        customer_id="", revoked_at=clock.now())


def _sign_in(row: ShopperSession, customer_id: str) -> None:
    """The session becomes the customer's; its anonymous cart merges into the customer's one cart."""
    if row.cart_id:
        try:
            orders.do_attach_cart(cart_id=row.cart_id, customer_id=customer_id)
        except (NotFound, Conflict):
            pass  # the device's cart was ordered or merged meanwhile: nothing to bring along
    lists.do_claim_device_lists(session_id=row.public_id, customer_id=customer_id)
    now = clock.now()
    row.customer_id, row.cart_id, row.signed_in_at, row.last_seen_at = customer_id, "", now, now
    row.save(update_fields=["customer_id", "cart_id", "signed_in_at", "last_seen_at"])


def do_sign_in_as(*, customer_id: str, token: str = "", channel: str = SessionChannel.APP,
                  actor: Principal) -> Started:
    """Staff side (an app or partner front-end with its own sign-in): that session, or a new one,
    signed in as the customer exactly as a verified code does (the cart merges); audited."""
    customer_id = customers_queries.resolve_id(customer_id)
    if token:
        row = ShopperSession.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True).first()
        if row is None:
            raise ValidationFailed.on("token", _("no live session has this token"))
        if row.customer_id and row.customer_id != customer_id:
            raise Conflict(detail=_("This session is signed in as another customer; sign it out first."))
        started = Started(session_id=row.public_id, token=token)
    else:
        started = do_start_session(channel=channel)
        row = ShopperSession.objects.get(public_id=started.session_id)
    _sign_in(row, customer_id)
    audit.record(actor=actor, action="storefront.sign_in_as", target_type="customer", target_id=customer_id,
                 after={"session": row.public_id, "channel": row.channel, "new": not token}, subject=customer_id)
    return started


# --- one-time codes -----------------------------------------------------------------------------


def check_address(*, email: str = "", phone: str = "") -> Address:
    """Exactly one of an email or a phone, normalized by customers' own rules (422 otherwise)."""
    email, phone = (email or "").strip(), (phone or "").strip()
    if bool(email) == bool(phone):
        raise ValidationFailed.on("email", _("give an email or a phone number"))
    kind, value = ("email", email) if email else ("phone", phone)
    try:
        claim = customers.check_identities([{"kind": kind, "value": value}], channel="web")[0]
    except ValidationFailed as problem:
        raise ValidationFailed.on(kind, problem.errors[0].message if problem.errors else _("invalid")) from None
    return Address(kind=claim.kind, value=claim.value)


def _code_hash(address: Address, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{address.key}:{code}".encode(), hashlib.sha256).hexdigest()


def _recipient(row: ShopperSession, address: Address) -> str | None:
    """The customer whose thread carries the code, or None: a signed-in device asking for another
    customer's address gets nothing sent (the answer stays the same)."""
    owner = customers_queries.summary_by_identity(address.kind, address.value)
    if row.customer_id:
        mine = customers_queries.resolve_id(row.customer_id)
        return mine if owner is None or owner.id == mine else None
    if owner is not None:
        return owner.id
    # A new address: its own (not yet verified) profile, which the right code verifies.
    return customers.do_identify(channel=row.channel, identities=[{"kind": address.kind, "value": address.value}]
                                 ).customer_id


def _channels_for(customer_id: str, address: Address) -> tuple[str, ...]:
    if address.kind == "email":
        return ("email",)
    preferred = customers_queries.customer_summary(customer_id).preferred_channel
    if preferred in PHONE_CHANNELS:
        return (preferred, *[c for c in PHONE_CHANNELS if c != preferred])
    if customers_queries.reachable_on(customer_id, "whatsapp") == address.value:
        return ("whatsapp", "sms")  # they have written to us on WhatsApp from this number
    return ("sms", "whatsapp")


def do_request_code(*, session_id: str, email: str = "", phone: str = "", client_address: str = "") -> None:
    """Send a fresh code to the address (replacing any earlier one). The same answer whether or not
    anyone holds the address; rate-limited per address and per client address (429)."""
    address = check_address(email=email, phone=phone)
    throttle.attempt("one_time_code_send", address.key)
    throttle.attempt("one_time_code_send_address", client_address)
    row = _live(session_id)
    customer_id = _recipient(row, address)
    if customer_id is None:
        return
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    now = clock.now()
    SignInCode.objects.update_or_create(address_key=address.key, defaults={
        "kind": address.kind, "code_hash": _code_hash(address, code), "session": row, "created_at": now,
        "expires_at": now + CODE_TTL, "sent_on": ""})
    sent_on = notifier.do_send_code(customer_id=customer_id, address=address.value,
                                    channels=_channels_for(customer_id, address), code=code,
                                    minutes=int(CODE_TTL.total_seconds() // 60))
    SignInCode.objects.filter(address_key=address.key).update(sent_on=sent_on or "")


def _customer_for(row: ShopperSession, address: Address) -> str:
    """Who the verified address signs the device in as (see the module's docstring)."""
    verified = [{"kind": address.kind, "value": address.value, "verified": True}]
    if not row.customer_id:
        return customers.do_identify(channel=row.channel, identities=verified).customer_id
    mine = customers_queries.resolve_id(row.customer_id)
    owner = customers_queries.summary_by_identity(address.kind, address.value)
    if owner is not None and owner.id != mine:
        raise Conflict(detail=_("This address belongs to another account. Sign out to sign in with it."))
    if owner is None:
        customers.do_attach_identity(customer_id=mine, value=address.value, kind=address.kind, channel=row.channel,
                                     source=SOURCE, field_name=address.kind)
    customers.do_identify(channel=row.channel, identities=verified)  # now theirs alone: marks it verified
    return mine


def do_verify_code(*, session_id: str, code: str, email: str = "", phone: str = "") -> str:
    """The right, fresh code signs this device in (the customer's id); a wrong one is 422 and the
    fifth wrong one for an address locks it (429) until the lockout is over."""
    address = check_address(email=email, phone=phone)
    failures = ("one_time_code", address.key)
    throttle.check(failures)
    row = _live(session_id)
    pending = SignInCode.objects.filter(address_key=address.key, session=row, expires_at__gt=clock.now()).first()
    code = (code or "").strip()
    if pending is None or not hmac.compare_digest(pending.code_hash, _code_hash(address, code)):
        throttle.failed(failures)
        raise ValidationFailed.on("code", _("this code is wrong or has expired"))
    customer_id = _customer_for(row, address)
    pending.delete()  # a code works once
    throttle.reset(failures)
    _sign_in(row, customer_id)
    return customer_id


# --- cart and checkout ---------------------------------------------------------------------------


def require_customer(shopper: Shopper | None) -> Shopper:
    if shopper is None or not shopper.customer_id:
        raise Unauthorized(detail=_("Sign in to do this."))
    return shopper


def _cart_for_writing(shopper: Shopper) -> str:
    """The cart to change: the customer's one cart (made if need be), else the device's own."""
    if shopper.customer_id:
        return orders.do_create_cart(channel=shopper.channel, customer_id=shopper.customer_id).public_id
    # The session's row lock: two first lines sent at once make one cart, not two.
    row = ShopperSession.objects.select_for_update().filter(public_id=shopper.session_id,
                                                            revoked_at__isnull=True).first()
    if row is None:
        raise Unauthorized(detail=_("This session has ended; start a new one."))
    if row.cart_id and _active(row.cart_id):
        return row.cart_id
    cart = orders.do_create_cart(channel=row.channel, device_id=row.public_id)
    ShopperSession.objects.filter(pk=row.pk).update(cart_id=cart.public_id)
    return cart.public_id


def _active(cart_id: str) -> bool:
    try:
        return orders_queries.get_cart(cart_id).status in ("active", "abandoned")
    except NotFound:
        return False


def do_set_cart_line(*, shopper: Shopper, sku: str, quantity: int) -> str:
    """Set one line of the shopper's cart (0 removes it); returns the cart's id."""
    cart_id = _cart_for_writing(shopper)
    orders.do_set_cart_line(cart_id=cart_id, sku=sku, quantity=quantity, channel=shopper.channel)
    return cart_id


def do_checkout(*, shopper: Shopper, delivery: dict, coupon: str = "",
                payments: list[orders.PaymentIn] | None = None):
    """Place the shopper's cart as an order on the session's channel (orders' placement: pricing,
    sourcing, reservation); paying with their own points or store credit is allowed: it is their
    own signed-in session (loyalty.presence.session)."""
    shopper = require_customer(shopper)
    if not shopper.cart_id:
        raise ValidationFailed.on("cart", _("the cart is empty"))
    return orders.do_place_order(
        channel=shopper.channel, customer_id=shopper.customer_id, cart_id=shopper.cart_id, delivery=delivery,
        coupon=coupon, payments=payments, actor=shopper_principal(shopper),
        presence=loyalty_presence.session(shopper.customer_id),
    )


def do_arrived(*, shopper: Shopper, order_id: str, spot: str = ""):
    """Curbside "I'm here" for the shopper's own order: orders' do_customer_arrived moves its curbside
    fulfilment, ready for pickup, to arrived (the store's queue); 409 for another method or state."""
    order = own_order(shopper, order_id)
    curbside = [f for f in order.fulfillments.all() if f.method == "curbside"]
    if not curbside:
        raise InvalidTransition(detail=_("This order is not picked up at the curb."))
    return orders.do_customer_arrived(order_id=order.public_id, fulfillment_id=curbside[0].public_id,
                                      parking_spot=spot)


def own_order(shopper: Shopper | None, order_id: str):
    """The order, only when it is the signed-in customer's: anyone else's (or none) is 404."""
    if shopper is None or not shopper.customer_id:
        raise NotFound(detail=_("No order %(id)s.") % {"id": order_id})
    try:
        order = orders_queries.get_order(order_id)
    except NotFound:
        order = None
    if order is None or not order.customer_id or \
            customers_queries.resolve_id(order.customer_id) != customers_queries.resolve_id(shopper.customer_id):
        raise NotFound(detail=_("No order %(id)s.") % {"id": order_id})
    return order


def do_request_return(*, shopper: Shopper, order_id: str, lines: list[dict], method: str, location: str = "",
                      refund_to: str = "original"):
    """A return of the shopper's own order: at a store (any returns-capable one) or by mail (a label),
    refunded to the original payment or as store credit when it is received."""
    order = own_order(shopper, order_id)
    by_mail = method == "mail"
    if not by_mail and not location:
        raise ValidationFailed.on("location", _("choose the store you will bring it to"))
    return orders.do_request_return(order=order, location=location or orders.MAIL, lines=lines, by_mail=by_mail,
                                    refund_to=refund_to, actor=shopper_principal(shopper))

