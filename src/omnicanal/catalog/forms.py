"""Console forms of the catalog (parse and validate what staff type; services decide)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from omnicanal.catalog.models import Category
from omnicanal.catalog.services import VariantSpec


class ListingForm(forms.Form):
    published = forms.BooleanField(label=_("Published"), required=False)
    price = forms.DecimalField(label=_("Price override"), required=False, min_value=Decimal(0), max_digits=14,
                               decimal_places=2)
    title_es = forms.CharField(label=_("Title (Spanish)"), required=False, max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), required=False, max_length=200)
    description_es = forms.CharField(label=_("Description (Spanish)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    description_en = forms.CharField(label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ProductForm(forms.Form):
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    description_es = forms.CharField(label=_("Description (Spanish)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    description_en = forms.CharField(label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), to_field_name="slug")
    brand = forms.CharField(label=_("Brand"), max_length=120, required=False)
    price = forms.DecimalField(label=_("Base price"), min_value=Decimal(0), max_digits=14, decimal_places=2)
    variants = forms.CharField(
        label=_("Variants"), widget=forms.Textarea(attrs={"rows": 4, "placeholder": "RUN-001-42; size=42; color=negro"}),
        help_text=_("One per line: SKU; name=value; … (optional gtin=…, price=…)"),
    )

    def clean_variants(self) -> list[VariantSpec]:
        specs = []
        for n, line in enumerate(self.cleaned_data["variants"].splitlines(), start=1):
            parts = [p.strip() for p in line.split(";") if p.strip()]
            if not parts:
                continue
            attrs, gtin, price = {}, None, None
            for part in parts[1:]:
                if "=" not in part:
                    raise forms.ValidationError(_("Line %(n)s: write name=value"), params={"n": n})
                key, value = (s.strip() for s in part.split("=", 1))
                if key == "gtin":
                    gtin = value
                elif key == "price":
                    price = value
                else:
                    attrs[key] = value
            specs.append(VariantSpec(sku=parts[0], attributes=attrs, gtin=gtin, price=price))
        if not specs:
            raise forms.ValidationError(_("At least one variant is required."))
        return specs


class ImageForm(forms.Form):
    file = forms.FileField(label=_("Image"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class ChannelPolicyForm(forms.Form):
    price_above_pct = forms.DecimalField(label=_("Max % above"), min_value=Decimal(0), max_digits=5, decimal_places=2)
    price_below_pct = forms.DecimalField(label=_("Max % below"), min_value=Decimal(0), max_value=Decimal(100),
                                         max_digits=5, decimal_places=2)
    publish_by_default = forms.BooleanField(label=_("Published by default"), required=False)
    allow_title_override = forms.BooleanField(label=_("Own titles allowed"), required=False)
    allow_description_override = forms.BooleanField(label=_("Own descriptions allowed"), required=False)
    mirror_reference = forms.BooleanField(label=_("Mirrors its reference"), required=False)
