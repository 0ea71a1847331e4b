"""The authentication backend: Django's, behind the sign-in throttles (core.throttle).

A locked account or address is refused even with the right password, wherever a password is
checked (the console's sign-in, the admin's); each wrong password counts for both, and a right
one clears the account's count (never the address's: one good account must not reset an
address that guesses others).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from omnicanal.core import throttle
from omnicanal.core.errors import TooManyRequests


def login_pairs(request, username: str | None) -> tuple[tuple[str, object], ...]:
    address = throttle.client_address(request) if request is not None else None
    return (("login_account", (username or "").strip().lower()), ("login_address", address))


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            from django.contrib.auth import get_user_model

            username = kwargs.get(get_user_model().USERNAME_FIELD)
        pairs = login_pairs(request, username)
        try:
            throttle.check(*pairs)
        except TooManyRequests:
            raise PermissionDenied from None  # stops every backend: authenticate() answers None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.failed(*pairs)
        else:
            throttle.reset(pairs[0])
        return user
