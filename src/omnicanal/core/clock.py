"""The one clock. Services ask it the time so that tests can move it."""

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_frozen: list[dt.datetime] = []


def now() -> dt.datetime:
    return _frozen[-1] if _frozen else timezone.now()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze `now()` at an aware datetime for the duration of the block (tests)."""
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    _frozen.append(at)
    try:
        yield
    finally:
        _frozen.pop()
