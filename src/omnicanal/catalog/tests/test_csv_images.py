import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from omnicanal.catalog import csvio
from omnicanal.catalog.models import Product, ProductImage, Variant
from omnicanal.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

CSV = """handle,name_es,name_en,description_es,description_en,category,brand,base_price,sku,gtin,variant_price,attr_size,attr_color
polera-andes,Polera Andes,Andes tee,Polera técnica,Technical tee,poleras,Huemul,19990,POL-S,,,S,azul
polera-andes,Polera Andes,Andes tee,Polera técnica,Technical tee,poleras,Huemul,19990,POL-M,,21990,M,azul
gel-volcan,Gel Volcán,Volcán gel,Gel energético,Energy gel,geles,Volcán,1490,GEL-1,7801234567894,,,
"""


def test_csv_import_creates_products_and_variants_and_export_reads_back(api):
    response = api.post("/products/import", raw=CSV.encode(), headers={"Content-Type": "text/csv"})
    # the ApiClient sends JSON content-type by default; the endpoint reads the raw body either way
    assert response.status_code == 200, response.content
    assert response.json() == {"products_created": 2, "products_updated": 0, "variants_created": 3,
                               "variants_updated": 0}
    assert Variant.objects.get(sku="POL-M").attributes == {"size": "M", "color": "azul"}
    exported = api.get("/products/export").content.decode()
    assert "polera-andes,Polera Andes" in exported and "POL-M" in exported
    # importing the export again changes nothing but counts updates
    again = csvio.do_import_csv(text=exported)
    assert (again.products_created, again.variants_created, again.variants_updated) == (0, 0, 3)


def test_csv_import_is_all_or_nothing_with_row_errors():
    bad = CSV.replace("POL-M,,21990", "POL-M,123,21990").replace("1490,GEL-1", "gratis,GEL-1")
    with pytest.raises(ValidationFailed) as caught:
        csvio.do_import_csv(text=bad)
    fields = [e.field for e in caught.value.errors]
    assert fields == ["row 3.gtin", "row 4.base_price"]
    assert not Product.objects.exists()


def test_csv_import_updates_prices_by_handle():
    csvio.do_import_csv(text=CSV)
    csvio.do_import_csv(text=CSV.replace(",19990,", ",17990,"))
    assert str(Product.objects.get(handle="polera-andes").base_price) == "17990.00"


def test_an_uploaded_image_is_stored_locally_and_served(api, product, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    response = api.client.post(f"/api/v1/products/{product.public_id}/images",
                               {"file": SimpleUploadedFile("x.svg", svg, content_type="image/svg+xml")}, **api.auth)
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    served = api.client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content) == svg
    assert ProductImage.objects.get().file.name.startswith("catalog/")


def test_a_file_that_is_not_an_image_is_refused(api, product, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = api.client.post(f"/api/v1/products/{product.public_id}/images",
                               {"file": SimpleUploadedFile("x.png", b"#!/bin/sh\necho hi", content_type="image/png")},
                               **api.auth)
    assert response.status_code == 422
    assert not ProductImage.objects.exists()
