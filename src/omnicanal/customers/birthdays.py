"""The customer's birthday (no database): month and day, and the year only when the customer gives it.

On the wire it is ISO 8601: `1990-05-17`, or `--05-17` without the year (ISO 8601's "month and day"
form, which vCard uses too). A 29 February without a year is fine (a leap-day birthday); with a year
it must be a leap year. A date in the future is refused. Marketing's birthday flow asks
`birthday_in(year)`: a leap-day birthday is celebrated on 28 February in a common year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from omnicanal.core.errors import ValidationFailed

FIELD = "birth_date"
FIRST_YEAR = 1900
_FORM = re.compile(r"^(?:(?P<year>\d{4})|-)-(?P<month>\d{2})-(?P<day>\d{2})$")


@dataclass(frozen=True)
class BirthDate:
    month: int
    day: int
    year: int | None = None

    def iso(self) -> str:
        if self.year:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"--{self.month:02d}-{self.day:02d}"

    def label(self) -> str:
        """As people read it, in the active language: "17 de mayo de 1990", "17 de mayo"."""
        shown = dt.date(self.year or 2000, self.month, self.day)
        return formats.date_format(shown, "DATE_FORMAT" if self.year else "MONTH_DAY_FORMAT")

    def birthday_in(self, year: int) -> dt.date:
        """The day it is celebrated in `year` (29 February → 28 February in a common year)."""
        if self.month == 2 and self.day == 29 and not calendar.isleap(year):
            return dt.date(year, 2, 28)
        return dt.date(year, self.month, self.day)


def of(month: int | None, day: int | None, year: int | None) -> BirthDate | None:
    """The stored columns as a BirthDate (None when not given)."""
    if not month or not day:
        return None
    return BirthDate(month=month, day=day, year=year or None)


def from_parts(day: str, month: str, year: str) -> str:
    """A form's day, month and optional year boxes as the wire form for `parse` ("" when all are
    empty: cleared); a 422 on `birth_date` when only one of day and month is given."""
    day, month, year = (day or "").strip(), (month or "").strip(), (year or "").strip()
    if not (day or month or year):
        return ""
    if not (day and month):
        raise ValidationFailed.on(FIELD, _("give both the day and the month (the year is optional)"))
    if not (day.isdigit() and month.isdigit() and (not year or year.isdigit())):
        raise ValidationFailed.on(FIELD, _("a date such as 1990-05-17, or --05-17 without the year"))
    return f"{year.zfill(4) if year else '-'}-{month.zfill(2)}-{day.zfill(2)}"


def parse(value: Any, *, today: dt.date) -> BirthDate | None:
    """A birth date from the wire or a form (None or "" clears it); a 422 on `birth_date` naming what
    is wrong: the form, a day the month does not have, a year before 1900, a date after `today`."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        value = value.isoformat()
    match = _FORM.match(str(value).strip())
    if match is None:
        raise ValidationFailed.on(FIELD, _("a date such as 1990-05-17, or --05-17 without the year"))
    month, day = int(match["month"]), int(match["day"])
    year = int(match["year"]) if match["year"] else None
    if not 1 <= month <= 12:
        raise ValidationFailed.on(FIELD, _("the month must be between 01 and 12"))
    if year is not None and year < FIRST_YEAR:
        raise ValidationFailed.on(FIELD, _("the year must be 1900 or later"))
    # Without a year, a leap year's calendar: 29 February is a real birthday.
    if not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        raise ValidationFailed.on(FIELD, _("that month has no such day"))
    if year is not None and dt.date(year, month, day) > today:
        raise ValidationFailed.on(FIELD, _("a birth date cannot be in the future"))
    return BirthDate(month=month, day=day, year=year)
