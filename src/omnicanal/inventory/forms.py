"""Console forms of the inventory. Location choices are limited to the ones the person may act on."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from omnicanal.inventory.models import Location


def _choices(codes: list[str] | None) -> list[tuple[str, str]]:
    qs = Location.objects.filter(active=True).order_by("code")
    if codes is not None:
        qs = qs.filter(code__in=codes)
    return [(loc.code, f"{loc.code} · {loc.name}") for loc in qs]


def _choose(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class LinesField(forms.CharField):
    """One line per SKU: `SKU quantity` (a space, tab, comma or semicolon between)."""

    widget = forms.Textarea(attrs={"rows": 5, "placeholder": "AS-0001-40 3\nAS-0002-M 1"})

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        lines = []
        for n, raw in enumerate(value.splitlines(), start=1):
            parts = raw.replace(",", " ").replace(";", " ").replace("\t", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise forms.ValidationError(_("Line %(n)s: write the SKU and a quantity"), params={"n": n})
            quantity = int(parts[1])
            if quantity < 0 or (quantity == 0 and not self.allow_zero):
                raise forms.ValidationError(_("Line %(n)s: the quantity must be positive"), params={"n": n})
            lines.append((parts[0], quantity))
        if not lines:
            raise forms.ValidationError(_("Write at least one line."))
        return lines


class _AtLocation(forms.Form):
    location = forms.ChoiceField(label=_("Location"))

    def __init__(self, *args, codes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "location", _choices(codes))


class ReceiptForm(_AtLocation):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("receipt", _("Receipt")), ("return", _("Return"))])
    lines = LinesField(label=_("Lines (SKU and quantity)"))
    reference = forms.CharField(label=_("Delivery note or reference"), max_length=64, required=False)


class AdjustmentForm(_AtLocation):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    delta = forms.IntegerField(label=_("Change (+ or −)"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CountForm(_AtLocation):
    lines = LinesField(label=_("Counted (SKU and quantity found)"), allow_zero=True)
    reason = forms.CharField(label=_("Note"), max_length=200, required=False)


class TransferForm(forms.Form):
    origin = forms.ChoiceField(label=_("From"))
    destination = forms.ChoiceField(label=_("To"))
    lines = LinesField(label=_("Lines (SKU and quantity)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    ship_now = forms.BooleanField(label=_("Ship now"), required=False, initial=True)

    def __init__(self, *args, codes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        every = _choices(None)
        _choose(self, "origin", every)
        _choose(self, "destination", every)

    def clean(self):
        data = super().clean()
        if data.get("origin") and data.get("origin") == data.get("destination"):
            raise forms.ValidationError(_("Origin and destination must differ."))
        return data


class HolidayForm(forms.Form):
    """A holiday or special hours of one location (the locations page; managers)."""

    location = forms.ChoiceField(label=_("Location"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=120)
    closed = forms.BooleanField(label=_("Closed all day"), required=False, initial=True)
    opens = forms.TimeField(label=_("Opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choose(self, "location", _choices(None))
