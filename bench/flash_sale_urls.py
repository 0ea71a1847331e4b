"""The product's URLs plus `POST /bench/bare`, the flash sale's bare HTTP ceiling (bench only: see
bench/flash_sale_site.py). The same uvicorn workers answer it with one conditional UPDATE and one
INSERT in one statement (autocommit) on two scratch tables the bench creates (`bench_flash_stock`,
`bench_flash_sold`): 201 when a unit was taken, 409 when none is left.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

BARE_SQL = ("WITH taken AS (UPDATE bench_flash_stock SET units = units - 1 WHERE id = 1 AND units > 0 RETURNING id) "
            "INSERT INTO bench_flash_sold (buyer) SELECT %s FROM taken RETURNING id")


@csrf_exempt
def bare(request):
    with connection.cursor() as cursor:
        cursor.execute(BARE_SQL, [request.headers.get("Idempotency-Key", "")])
        sold = cursor.fetchone()
    return HttpResponse(b'{"sold": true}' if sold else b'{"sold": false}', status=201 if sold else 409,
                        content_type="application/json")


urlpatterns = [path("bench/bare", bare), path("", include("omnicanal.web.urls"))]
