"""The loyalty QR a customer shows at the POS: a signed, short-lived token naming the customer.

django.core.signing's TimestampSigner signs "<customer id>:<timestamp>"; the time comes from
core.clock so that tests can age a token. A token older than the program's qr_ttl_seconds (five
minutes by default) is refused: a screenshot from yesterday does not work.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core import signing
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.loyalty.queries import qr_ttl_seconds

SALT = "omnicanal.loyalty.qr"


class ClockSigner(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(clock.now().timestamp()))

    def unsign_at(self, value: str, max_age: int) -> tuple[str, int]:
        result = signing.Signer.unsign(self, value)
        payload, stamp = result.rsplit(self.sep, 1)
        issued = signing.b62_decode(stamp)
        age = clock.now().timestamp() - issued
        if age > max_age or age < -60:  # a little skew between servers, no tokens from the future
            raise signing.SignatureExpired(f"token age {age:.0f}s")
        return payload, issued


def _signer() -> ClockSigner:
    return ClockSigner(salt=SALT)


def make_token(customer_id: str) -> tuple[str, dt.datetime]:
    """A fresh token and when it stops working."""
    token = _signer().sign(customer_id)
    return token, clock.now() + dt.timedelta(seconds=qr_ttl_seconds())


def read_token(token: str) -> str:
    """The customer id in a token that is genuine and fresh; ValidationFailed otherwise."""
    try:
        customer_id, _issued = _signer().unsign_at(token.strip(), max_age=qr_ttl_seconds())
    except signing.SignatureExpired:
        raise ValidationFailed.on("token", _("this QR code has expired; ask the customer to refresh it")) from None
    except (signing.BadSignature, ValueError):
        raise ValidationFailed.on("token", _("this is not a valid loyalty QR code")) from None
    return customer_id


def qr_svg(token: str) -> str | None:
    """The token as an inline SVG QR code when the optional `segno` package is installed, else None
    (the console then shows the token as text)."""
    try:
        import segno  # optional: pure Python, no dependencies
    except ImportError:
        return None
    # svg_inline() leaves out the SVG namespace: fine inside HTML, but a browser shows no image for
    # it on its own (the Store API's /loyalty/card as an <img>); with the namespace it works in both.
    out = io.BytesIO()
    segno.make(token, error="m").save(out, kind="svg", xmldecl=False, nl=False, scale=4, dark="#1d2433")
    return out.getvalue().decode()
