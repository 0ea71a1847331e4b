"""The storefront's own tables: shopper sessions and one-time codes (the shop owns no customer data).

Secrets are never stored: a session token is kept as its SHA-256 (it carries 256 random bits, so a
fast hash is enough), a one-time code as an HMAC keyed by SECRET_KEY (six digits would fall to a
plain hash at once), and an address only as a keyed digest.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omnicanal.core.ids import PublicIdField


class SessionChannel(models.TextChoices):
    WEB = "web", _("Web shop")
    APP = "app", _("App")


class ShopperSession(models.Model):
    """One device's session: anonymous (its own cart) until the shopper signs in as a customer."""

    public_id = PublicIdField(prefix="ssn")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=SessionChannel.choices, default=SessionChannel.WEB)
    customer_id = models.CharField(max_length=32, blank=True, default="", db_index=True)
    cart_id = models.CharField(max_length=32, blank=True, default="")  # the device's anonymous cart
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    signed_in_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shopper session")
        indexes = [models.Index(fields=["customer_id"], condition=Q(revoked_at__isnull=True),
                                name="storefront_live_sessions")]


class SignInCode(models.Model):
    """The one live code of an address (a new request replaces it); gone once used."""

    address_key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=8)  # email | phone
    code_hash = models.CharField(max_length=64)
    session = models.ForeignKey(ShopperSession, on_delete=models.CASCADE, related_name="codes")
    sent_on = models.CharField(max_length=20, blank=True, default="")  # the channel it went out on
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sign-in code")


class WishlistItem(models.Model):
    """A product the shopper keeps for later: the customer's (`owner` = cus_…) once signed in, the
    device's (`owner` = its session, ssn_…) before; signing in moves the device's into the customer's."""

    owner = models.CharField(max_length=32)
    handle = models.CharField(max_length=200)
    added_at = models.DateTimeField()

    class Meta:
        verbose_name = _("wishlist item")
        constraints = [models.UniqueConstraint(fields=["owner", "handle"], name="wishlist_once_per_product")]
        indexes = [models.Index(fields=["owner", "added_at"], name="wishlist_newest")]


class ViewedProduct(models.Model):
    """"Continue where you left off" of a signed-in customer, on every device (an anonymous device's
    list stays in its Django session until it signs in)."""

    customer_id = models.CharField(max_length=32)
    handle = models.CharField(max_length=200)
    viewed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("viewed product")
        constraints = [models.UniqueConstraint(fields=["customer_id", "handle"], name="viewed_once_per_product")]
        indexes = [models.Index(fields=["customer_id", "viewed_at"], name="viewed_newest")]
