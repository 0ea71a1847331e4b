"""Console pages of the catalog: products, the per-channel listing editor, the consistency report,
CSV import and export, channel policies; and the image files (public: the shop shows them)."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from omnicanal.catalog import consistency, csvio, queries, roles, services
from omnicanal.catalog.forms import ChannelPolicyForm, ImageForm, ImportForm, ListingForm, ProductForm
from omnicanal.catalog.models import Category, Listing, ProductImage
from omnicanal.core.auth import role_allows
from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import NotFound, Problem
from omnicanal.core.money import Money


@staff_required(*roles.READ)
def product_list(request: HttpRequest):
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    page = Paginator(queries.search_products(q=q, category=category), 50).get_page(request.GET.get("page"))
    return render(request, "catalog/list.html", {
        "title": _("Catalog"), "page": page, "q": q, "category": category,
        "categories": Category.objects.order_by("slug"),
        "can_edit": role_allows(request.user, roles.EDIT),
    })


# The product form's boxes, by the problem paths of do_create_product (core.console.show_problem).
PRODUCT_FIELDS = {"name": "name_es", "price.amount": "price", "price.currency": "price", "base_price": "price",
                  "variants.sku": "variants", "variants.gtin": "variants", "variants.attributes": "variants"}


@staff_required(*roles.EDIT)
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest):
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                product = services.do_create_product(
                    name_es=data["name_es"], name_en=data["name_en"], description_es=data["description_es"],
                    description_en=data["description_en"], category=data["category"],
                    brand=services.do_ensure_brand(name=data["brand"]), price=Money.of(data["price"]),
                    variants=data["variants"], actor=request.principal,
                )
        except Problem as problem:
            show_problem(request, problem, fields=PRODUCT_FIELDS)
        else:
            messages.success(request, _("Product created."))
            return redirect("catalog:detail", ref=product.public_id)
    return render(request, "catalog/new.html", {"title": _("New product"), "form": form})


def _detail_context(request: HttpRequest, ref: str) -> dict:
    product = queries.product_with_variants(ref)
    return {
        "title": product.name_es, "product": product, "matrix": queries.listing_matrix(product),
        "channels": queries.channels(), "path": queries.category_path(product.category),
        "drifts": consistency.consistency_report(skus=[v.sku for v in product.variants.all()]),
        "image_form": ImageForm(), "can_edit": role_allows(request.user, roles.EDIT),
    }


@staff_required(*roles.READ)
def product_detail(request: HttpRequest, ref: str):
    return render(request, "catalog/detail.html", _detail_context(request, ref))


@staff_required(*roles.EDIT)
@require_http_methods(["POST"])
def image_upload(request: HttpRequest, ref: str):
    product = queries.get_product(ref)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                services.do_add_image(product=product, filename=upload.name, content=upload.read(),
                                      actor=request.principal)
        except Problem as problem:
            show_problem(request, problem)
        else:
            messages.success(request, _("Image added."))
    return redirect("catalog:detail", ref=product.public_id)


@staff_required(*roles.EDIT)
@require_http_methods(["GET", "POST"])
def listing_edit(request: HttpRequest, channel: str, sku: str):
    """HTMX: GET the editor of one cell of the listing matrix, POST saves it and returns the cell."""
    chan = queries.get_channel(channel)
    variant = queries.get_variant(sku)
    row = Listing.objects.filter(channel=chan, variant=variant).first()
    if request.method == "POST":
        form = ListingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.do_set_listing(
                        channel=chan, variant=variant, published=data["published"],
                        price=Money.of(data["price"]) if data["price"] is not None else None,
                        title_es=data["title_es"], title_en=data["title_en"], description_es=data["description_es"],
                        description_en=data["description_en"], actor=request.principal,
                    )
            except Problem as problem:
                show_problem(request, problem)
            shown = queries.effective_listing(sku=sku, channel=channel)
            return render(request, "catalog/_listing_cell.html", {"shown": shown, "variant": variant, "saved": True})
    else:
        initial = {"published": queries.effective_listing(sku=sku, channel=channel).published}
        if row is not None:
            initial.update(price=row.price, title_es=row.title_es, title_en=row.title_en,
                           description_es=row.description_es, description_en=row.description_en)
        form = ListingForm(initial=initial)
    return render(request, "catalog/_listing_form.html", {"form": form, "channel": chan, "variant": variant})


@staff_required(*roles.READ)
def listing_cell(request: HttpRequest, channel: str, sku: str):
    shown = queries.effective_listing(sku=sku, channel=channel)
    return render(request, "catalog/_listing_cell.html", {"shown": shown, "variant": queries.get_variant(sku)})


@staff_required(*roles.CONSISTENCY)
def consistency_report(request: HttpRequest):
    channel = request.GET.get("channel", "")
    field = request.GET.get("field", "")
    report = consistency.consistency_report(channels=[channel] if channel else None, fields=[field] if field else None)
    if request.GET.get("format") == "csv":
        response = HttpResponse(consistency.as_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="consistency.csv"'
        return response
    counts: dict[str, int] = {}
    for item in report:
        counts[item.field] = counts.get(item.field, 0) + 1
    page = Paginator(report, 100).get_page(request.GET.get("page"))
    return render(request, "catalog/consistency.html", {
        "title": _("Catalog consistency"), "page": page, "total": len(report), "counts": sorted(counts.items()),
        "channels": queries.channels(), "fields": consistency.FIELDS, "channel": channel, "field": field,
    })


@staff_required(*roles.EDIT)
@require_http_methods(["GET", "POST"])
def import_export(request: HttpRequest):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data["file"].read().decode("utf-8")
            with transaction.atomic():
                result = csvio.do_import_csv(text=text, actor=request.principal)
        except UnicodeDecodeError:
            messages.error(request, _("The file must be UTF-8 CSV."))
        except Problem as problem:
            show_problem(request, problem)
        else:
            messages.success(request, _("Import done."))
    return render(request, "catalog/import.html", {"title": _("Import and export"), "form": form, "result": result})


@staff_required(*roles.EDIT)
def export_csv(request: HttpRequest):
    response = HttpResponse(csvio.export_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalog.csv"'
    return response


@staff_required(*roles.EDIT)  # the page is in the editors' toolbar; changing a policy needs CHANNEL_POLICY
@require_http_methods(["GET", "POST"])
def channel_list(request: HttpRequest):
    if request.method == "POST":
        if not role_allows(request.user, roles.CHANNEL_POLICY):
            return HttpResponse(status=403)
        try:
            channel = queries.get_channel(request.POST.get("code", ""))
        except NotFound as exc:
            raise Http404 from exc
        form = ChannelPolicyForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.do_set_channel_policy(channel=channel, changes=form.cleaned_data, actor=request.principal)
            except Problem as problem:
                show_problem(request, problem)
            else:
                messages.success(request, _("Channel policy saved."))
        else:
            messages.error(request, _("Check the values of the policy."))
        return redirect("catalog:channels")
    return render(request, "catalog/channels.html", {"title": _("Channels"), "channels": queries.channels(active_only=False),
                                                     "can_set_policy": role_allows(request.user, roles.CHANNEL_POLICY)})


def image(request: HttpRequest, image_id: str):
    """Product images, public. Uploaded SVGs may carry script: a strict CSP keeps it inert."""
    row = ProductImage.objects.filter(public_id=image_id).first()
    if row is None or not default_storage.exists(row.file.name):
        raise Http404
    response = FileResponse(default_storage.open(row.file.name, "rb"), content_type=row.content_type)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("", product_list, name="list"),
    path("new/", product_new, name="new"),
    path("p/<str:ref>/", product_detail, name="detail"),
    path("p/<str:ref>/images/", image_upload, name="image-upload"),
    path("listing/<slug:channel>/<str:sku>/edit/", listing_edit, name="listing-edit"),
    path("listing/<slug:channel>/<str:sku>/", listing_cell, name="listing-cell"),
    path("consistency/", consistency_report, name="consistency"),
    path("import/", import_export, name="import"),
    path("export.csv", export_csv, name="export"),
    path("channels/", channel_list, name="channels"),
    path("image/<str:image_id>", image, name="image"),
]
