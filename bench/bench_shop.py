"""The shop's browse pages on PostgreSQL with 20,000 variants x 7 locations of stock.

    .venv/bin/python bench/bench_shop.py             # 20k variants, 8 uvicorn workers
    .venv/bin/python bench/bench_shop.py --small     # 2k variants, 2 workers (a quick check)
    .venv/bin/python bench/bench_shop.py --keep      # keep the database afterwards
    .venv/bin/python bench/bench_shop.py --profile   # server times, then cProfile of each page (no uvicorn)
    .venv/bin/python bench/bench_shop.py --help      # this text

Prints, in one table:
- server time p50/p99 of the product page, the category page (every category, roots included, page 1
  and a filtered one) and search, measured in process with Django's test Client (the whole
  middleware stack, no network), with the queries each page costs. Goal: p99 <= 50 ms.
- shop pages per second through uvicorn with 8 workers, driven by httpx (asyncio, 32 shoppers, each
  with its own connection and cookies) over a mix of home, category and product pages; beside it the ceiling measured in
  the same run: /manifest.webmanifest (the same server, middleware and client; a small view that
  reads no database) under the same load.
- the transferred size of each page's first load (HTML + CSS + JS + fonts it links, before images),
  as served (with `Accept-Encoding: gzip, br`; static files collected first, as deployed: hashed
  names, gzip copies). Goal: <= 100 KB.

Data: recreates `omnicanal_bench_shop` (or BENCH_SHOP_DB) on DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432).
The catalog is the demo's shape scaled up (catalog.demo's categories, brands, product lines and
variant axes; 3-4 variants a product) written with bulk inserts of the catalog's models, as the
catalog's own demo loader does (its services write one product at a time: minutes for 20k variants);
the search index fills through its triggers as for any insert. Locations are the demo's seven, made
through inventory's services (do_create_location, do_link_channel); stock levels (one row per variant
and location, 140k rows) are written with COPY, without a ledger: the pages read stock levels only.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DB_NAME = os.environ.get("BENCH_SHOP_DB", "omnicanal_bench_shop")  # its own name: two runs never drop each other's
ROOT = Path(__file__).resolve().parent.parent
GOAL_P99_MS = 50
GOAL_KB = 100
FILTERED = "category, filtered/paged"  # even requests filtered (colour, sizes, pickup store), odd ones page 2


def _urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _env(url: str, media: str) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "omnicanal.web.settings", "LOG_LEVEL": "WARNING",
                "MEDIA_ROOT": media, "STATIC_ROOT": f"{media}-static", "STATIC_HASHED": "1", "OMNICANAL_ENV": "development", "DEBUG": "0"})
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    return env


def _setup_django(admin_url: str, url: str, media: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(_env(url, media))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop(admin_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


# --- data ------------------------------------------------------------------------------------------


def _catalog(n_variants: int, rng: random.Random) -> list[str]:
    """The demo's catalog shape, scaled to n_variants; returns the product handles."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from omnicanal.catalog import demo
    from omnicanal.catalog.models import Brand, Category, Product, ProductImage, Variant
    from omnicanal.catalog.placeholders import svg_card
    from omnicanal.catalog.services import do_ensure_default_channels
    from omnicanal.core import clock
    from omnicanal.core.ids import new_id

    do_ensure_default_channels()
    now = clock.now()
    cats: dict[str, Category] = {}
    for slug, parent, es, en, cycle, days in demo.CATEGORIES:
        cats[slug] = Category.objects.create(slug=slug, parent=cats.get(parent), name_es=es, name_en=en,
                                             purchase_cycle=cycle, replenish_days=days)
    brands = {name: Brand.objects.create(slug=f"b{i}", name=name) for i, name in enumerate(demo.BRANDS)}
    images = {family: f"catalog/bench/{family}.svg" for _c, family, *_r in demo.LINES}
    for i, (family, name) in enumerate(images.items()):
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(svg_card(title=family, subtitle="bench", family=family, seed=i)))
    products, variants, pictures, n = [], [], [], 0
    while len(variants) < n_variants:
        category, family, kinds, models, (low, high), axis = demo.LINES[n % len(demo.LINES)]
        kind_es, kind_en = kinds[(n // len(demo.LINES)) % len(kinds)]
        model, brand = rng.choice(models), rng.choice(demo.BRANDS)
        n += 1
        desc_es, desc_en = demo._description(kind_es, model, brand, family)
        handle = f"{kind_es}-{model}-{n}".lower().replace(" ", "-").translate(str.maketrans("áéíóúñ", "aeioun"))
        product = Product(public_id=new_id("prd"), handle=handle, name_es=f"{kind_es} {brand} {model} {n}",
                          name_en=f"{brand} {model} {n} {kind_en.lower()}", description_es=desc_es,
                          description_en=desc_en, category=cats[category], brand=brands[brand],
                          base_price=Decimal(rng.randint(low // 1000, high // 1000) * 1000 - 10), currency="CLP",
                          created_at=now, updated_at=now)
        products.append(product)
        name, values, count = demo.AXES[axis]
        start = rng.randint(0, len(values) - count)
        for pos, value in enumerate(values[start:start + count]):
            attrs = {name: value}
            if axis in ("size_apparel", "size_shoe"):
                attrs["color"] = rng.choice(list(demo.COLOR_EN))
            variants.append(Variant(public_id=new_id("var"), product=product, sku=f"BS-{n:05d}-{pos}",
                                    attributes=attrs, position=pos))
        pictures.append(ProductImage(public_id=new_id("img"), product=product, file=images[family],
                                     content_type="image/svg+xml", alt_es=product.name_es, alt_en=product.name_en))
    Product.objects.bulk_create(products, batch_size=1000)
    Variant.objects.bulk_create(variants[:n_variants], batch_size=2000)
    ProductImage.objects.bulk_create(pictures, batch_size=1000)
    return [p.handle for p in products]


def _stock(rng: random.Random) -> None:
    from django.db import connection

    from omnicanal.catalog import queries as catalog_queries
    from omnicanal.core import clock
    from omnicanal.core.demo import BUSINESS, LOCATIONS
    from omnicanal.inventory import demo as inventory_demo
    from omnicanal.inventory import services

    locations = {}
    for loc in LOCATIONS:
        locations[loc.code] = services.do_create_location(
            code=loc.code, name=loc.name, kind=loc.kind, capabilities=loc.capabilities,
            address={"line1": loc.line1, "city": loc.city, "region": loc.region, "country": BUSINESS["country"]},
            lat=loc.lat, lon=loc.lon, timezone=BUSINESS["time_zone"], opening_hours=loc.hours, channels=[])
    for channel in ("web", "app"):
        for code, ships, pickup, safety, priority in inventory_demo.LINKS[channel]:
            services.do_link_channel(location=locations[code], channel=channel, ships=ships, pickup=pickup,
                                     safety_stock=safety, priority=priority)
    now = clock.now()
    variants = catalog_queries.variant_summaries()  # before COPY: the connection serves one statement at a time
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY inventory_stocklevel (location_id, variant_id, on_hand, reserved, updated_at) "
                                "FROM STDIN") as copy:
            for variant in variants:
                for code, location in locations.items():
                    on_hand = inventory_demo._quantities(rng, variant.category, code) or rng.choice((0, 0, 1))
                    copy.write_row((location.pk, variant.id, on_hand, min(on_hand, rng.choice((0, 0, 0, 1))), now))
        cursor.execute("ANALYZE")


# --- in-process server time ------------------------------------------------------------------------


def _loadavg() -> str:
    """This machine's load average beside every figure: the times mean little without it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _count_queries(client, path: str) -> int:
    from django.db import connection

    seen = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(path).status_code == 200, path
    return len(seen)


def _time(client, paths: list[str]) -> tuple[list[float], int]:
    for path in paths[:20]:  # warm: templates, translations, the connection
        client.get(path)
    queries = max(_count_queries(client, path) for path in paths[:5])
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings, queries


def _paths(handles: list[str], rng: random.Random, n: int) -> dict[str, list[str]]:
    from omnicanal.catalog import queries as catalog

    slugs = []
    stack = list(catalog.shop_categories())
    while stack:
        node = stack.pop()
        slugs.append(node.slug)
        stack.extend(node.children)
    words = ["zapatilla", "casco negro", "proteina", "chaqeta", "ruta", "polera tecnica", "mochila"]
    return {
        "product page": [f"/p/{rng.choice(handles)}/" for _ in range(n)],
        "category page": [f"/c/{rng.choice(slugs)}/" for _ in range(n)],
        FILTERED: [f"/c/{rng.choice(slugs)}/?page=2&sort=price_asc" if i % 2 else
                                     f"/c/{rng.choice(slugs)}/?color=negro&size=M&size=42&pickup=SCL-CENTRO"
                                     for i in range(n // 2)],
        "search": [f"/search/?q={rng.choice(words).replace(' ', '+')}" for _ in range(n // 2)],
        "home": ["/"] * (n // 2),
        # the floor under this machine's load: the whole middleware stack, a view reading no database
        "floor: manifest": ["/manifest.webmanifest"] * (n // 2),
    }


def _server_times(handles: list[str], rng: random.Random, n: int):
    """(page, timings, queries) per kind of page, one kind at a time (printed as they come)."""
    from django.test import Client

    client = Client()
    for label, paths in _paths(handles, rng, n).items():
        yield (label, *_time(client, paths))


def _profile(handles: list[str], rng: random.Random) -> None:
    """--profile: where each page's time goes (cProfile, 30 requests a page, top functions by own time)."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client()
    for label, paths in _paths(handles, rng, 60).items():
        for path in paths[:5]:
            client.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for path in paths[:30]:
            client.get(path)
        profiler.disable()
        print(f"\n--- profile: {label} (30 requests) ---")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


# --- through uvicorn -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, media: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    uvicorn = Path(sys.executable).with_name("uvicorn")
    server = subprocess.Popen(
        [str(uvicorn), "omnicanal.web.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--workers",
         str(workers), "--log-level", "warning", "--no-access-log"], env=_env(url, media), cwd=ROOT)
    import httpx

    end = time.monotonic() + 300  # 8 workers importing Django on a loaded machine: minutes, not seconds
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code in (200, 503):
                return server, port
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("uvicorn did not start")


async def _load(base: str, paths: list[str], seconds: float, concurrency: int) -> tuple[int, int, float]:
    """`concurrency` shoppers, each its own client (its own cookies: its own session, its own
    "recently viewed"), each asking for the next page as soon as the last one arrives."""
    import httpx

    done = failed = 0
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(concurrency)]
    try:
        await asyncio.gather(*(c.get(paths[i % len(paths)]) for i, c in enumerate(clients)))  # warm every worker
        stop = time.perf_counter() + seconds

        async def shopper(i: int) -> None:
            nonlocal done, failed
            k = i
            while time.perf_counter() < stop:
                response = await clients[i].get(paths[k % len(paths)])
                k += concurrency
                if response.status_code == 200:
                    done += 1
                else:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(shopper(i) for i in range(concurrency)))
        return done, failed, time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def _throughput(port: int, handles: list[str], rng: random.Random, seconds: float) -> list[tuple[str, float, int]]:
    from omnicanal.catalog import queries as catalog

    base = f"http://127.0.0.1:{port}"
    roots = [node.slug for node in catalog.shop_categories()]
    kids = [child.slug for node in catalog.shop_categories() for child in node.children]
    mix = []
    for i in range(600):  # a browsing session's shape: mostly products, some lists, a few homes
        mix.append("/" if i % 10 == 0 else f"/c/{rng.choice(kids if i % 3 else roots)}/" if i % 4 == 0
                   else f"/p/{rng.choice(handles)}/")
    out = []
    for label, paths in (("shop pages", mix), ("ceiling: manifest", ["/manifest.webmanifest"])):
        done, failed, elapsed = asyncio.run(_load(base, paths, seconds, 32))
        out.append((label, done / elapsed, failed))
    return out


_ASSET = re.compile(r'<(?:link[^>]+rel="(?:stylesheet|preload|modulepreload)"[^>]*href|script[^>]+src)="([^"]+)"')
_FONT = re.compile(r'url\(["\']?([^)"\']+\.(?:woff2?|ttf|otf))')


def _sizes(port: int, pages: list[tuple[str, str]]) -> list[tuple[str, int, int, int, list[str]]]:
    """(page, html bytes, asset bytes, total, what lacked compression) as transferred: bodies as
    sent plus response headers."""
    import httpx

    out = []
    headers = {"Accept-Encoding": "gzip, br", "Accept-Language": "es"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
        for label, path in pages:
            html = client.get(path)
            assert html.status_code == 200, (path, html.status_code)

            def wire(response) -> int:
                return response.num_bytes_downloaded + sum(len(k) + len(v) + 4 for k, v in response.headers.raw)

            plain = [] if html.headers.get("content-encoding") else ["html"]
            assets, seen = 0, set()
            todo = _ASSET.findall(html.text)
            while todo:
                url = todo.pop()
                if url in seen or url.startswith(("data:", "http")):
                    continue
                seen.add(url)
                response = client.get(url)
                assets += wire(response)
                if not response.headers.get("content-encoding") and len(response.content) > 1024:
                    plain.append(url.rsplit("/", 1)[-1])
                if url.endswith(".css"):
                    todo += [u for u in _FONT.findall(response.text)]
            out.append((label, wire(html), assets, wire(html) + assets, plain))
    return out


# --- the table -------------------------------------------------------------------------------------


def _print_times(label: str, timings: list[float], queries: int | None) -> None:
    print(f"  {label:<26} {statistics.median(timings):>8.1f} {_percentile(timings, 99):>8.1f} "
          f"{max(timings):>8.1f} {'' if queries is None else queries:>8}", flush=True)


def main(argv: list[str]) -> None:
    if "--help" in argv or "-h" in argv:  # before anything: the bench drops and recreates its database
        print(__doc__)
        return
    # This checkout's code, in process as in the uvicorn workers (_env), whatever the venv has installed.
    sys.path.insert(0, str(ROOT / "src"))
    small = "--small" in argv
    n_variants, workers, samples, seconds = (2000, 2, 100, 5) if small else (20000, 8, 300, 15)
    admin_url, url = _urls()
    media = tempfile.mkdtemp(prefix="omnicanal-bench-shop-")
    _setup_django(admin_url, url, media)
    rng = random.Random(15)
    try:
        started = time.perf_counter()
        handles = _catalog(n_variants, rng)
        _stock(rng)
        print(f"data: {len(handles)} products, {n_variants} variants x 7 locations "
              f"({n_variants * 7} stock rows), loaded in {time.perf_counter() - started:.1f} s", flush=True)
        print(f"\nserver time, in process (Django test Client), {samples} requests each; goal p99 <= {GOAL_P99_MS} ms"
              f"  [{_loadavg()}]")
        print(f"  {'page':<26} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'queries':>8}")
        for label, timings, queries in _server_times(handles, rng, samples):
            _print_times(label, timings, queries)
            if label == FILTERED:  # its two halves apart: which one is the tail
                _print_times("  of which pickup filter", timings[0::2], None)
                _print_times("  of which page 2 by price", timings[1::2], None)
        if "--profile" in argv:
            _profile(handles, rng)
            return
        from django.db import connections

        connections.close_all()
        # As deployed (docs/operations.md): collected static files, hashed and gzipped (web/staticfiles.py).
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        server, port = _serve(url, os.environ["MEDIA_ROOT"], workers)
        try:
            print(f"\nthrough uvicorn, {workers} workers, httpx asyncio, 32 shoppers (own cookies each), {seconds} s each"
                  f"  [{_loadavg()}]")
            for label, rate, failed in _throughput(port, handles, rng, seconds):
                print(f"  {label:<26} {rate:>8.0f} pages/s" + (f"   ({failed} not 200)" if failed else ""), flush=True)
            from django.contrib.sessions.models import Session

            print(f"  session rows written by the anonymous shoppers: {Session.objects.count()}", flush=True)
            connections.close_all()
            print(f"\nfirst load as served (HTML + CSS + JS + fonts, before images; headers included); goal <= {GOAL_KB} KB")
            print(f"  {'page':<26} {'HTML KB':>8} {'assets KB':>9} {'total KB':>9}  not compressed")
            pages = [("home", "/"), ("category", f"/c/{rng.choice(['running', 'ciclismo', 'outdoor'])}/"),
                     ("product", f"/p/{handles[0]}/"), ("search", "/search/?q=zapatilla"), ("cart", "/cart/")]
            for label, html, assets, total, plain in _sizes(port, pages):
                print(f"  {label:<26} {html / 1024:>8.1f} {assets / 1024:>9.1f} {total / 1024:>9.1f}  "
                      f"{', '.join(plain) or '-'}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if "--keep" not in argv:
            _drop(admin_url)
            shutil.rmtree(media, ignore_errors=True)
            shutil.rmtree(f"{media}-static", ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
