"""Andes Sport's catalog: about 200 products (running shoes and apparel, bicycles as durable goods,
energy gels and protein as replenishable, outdoor and accessories), 3–4 variants each, in Spanish
and English, a placeholder image each, and listings with a few deliberate drifts for the audit.

Deterministic from `rng`; bulk inserts only, so it loads in about a second.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.core.files.storage import default_storage

from omnicanal.catalog.models import Brand, Category, Channel, Listing, Product, ProductImage, Variant
from omnicanal.catalog.placeholders import svg_card
from omnicanal.catalog.rules import gtin_check_digit
from omnicanal.catalog.search import FACET_COUNTS
from omnicanal.catalog.services import do_ensure_default_channels
from omnicanal.core import clock
from omnicanal.core.ids import new_id

# slug, parent, es, en, cycle, replenish days
CATEGORIES = [
    ("running", None, "Running", "Running", "one_off", None),
    ("zapatillas-running", "running", "Zapatillas de running", "Running shoes", "replenishable", 240),
    ("ropa-running", "running", "Ropa de running", "Running apparel", "one_off", None),
    ("ciclismo", None, "Ciclismo", "Cycling", "durable", None),
    ("bicicletas", "ciclismo", "Bicicletas", "Bicycles", "durable", None),
    ("accesorios-ciclismo", "ciclismo", "Accesorios de ciclismo", "Cycling accessories", "one_off", None),
    ("nutricion", None, "Nutrición deportiva", "Sports nutrition", "replenishable", 30),
    ("geles-energeticos", "nutricion", "Geles energéticos", "Energy gels", "replenishable", 30),
    ("proteinas", "nutricion", "Proteínas", "Protein", "replenishable", 45),
    ("outdoor", None, "Outdoor", "Outdoor", "one_off", None),
    ("accesorios", None, "Accesorios", "Accessories", "one_off", None),
]

# The demo business's return windows in days (0: not returnable); other categories take the
# default, settings.OMNICANAL["RETURN_WINDOW_DAYS"] (30).
RETURN_WINDOWS = {"nutricion": 0}

BRANDS = ["Cóndor", "Huemul", "Volcán", "Austral", "Pehuén", "Licán", "Cumbre", "Atacama"]

# category, family, kinds [(es, en)], models, price range, variant axis
LINES = [
    ("zapatillas-running", "running", [("Zapatilla de running", "Running shoe"), ("Zapatilla de trail", "Trail shoe"),
                                       ("Zapatilla de competición", "Racing shoe")],
     ["Ruta", "Cerro", "Viento", "Pampa", "Costa", "Andes", "Sur", "Nevado", "Quebrada", "Mirador", "Salar", "Bosque"],
     (59990, 139990), "size_shoe"),
    ("ropa-running", "running", [("Polera técnica", "Technical tee"), ("Short de running", "Running shorts"),
                                 ("Calza larga", "Running tights"), ("Cortavientos", "Windbreaker")],
     ["Liviana", "Pro", "Nocturna", "Clásica", "Térmica", "Aero", "Respira", "Trote", "Fondo", "Brisa"], (14990, 49990), "size_apparel"),
    ("bicicletas", "ciclismo", [("Bicicleta de ruta", "Road bike"), ("Bicicleta de montaña", "Mountain bike"),
                                ("Bicicleta urbana", "City bike")],
     ["Cordillera", "Rápida", "Valle", "Puerto", "Sendero", "Cóndor", "Torres"], (399990, 1499990), "size_bike"),
    ("accesorios-ciclismo", "ciclismo", [("Casco", "Helmet"), ("Luz trasera", "Rear light"), ("Bombín", "Hand pump"),
                                         ("Guantes de ciclismo", "Cycling gloves")],
     ["Urbano", "Pro", "Ruta", "Noche", "Sendero", "Costa", "Alto"], (6990, 69990), "color"),
    ("geles-energeticos", "nutricion", [("Gel energético", "Energy gel"), ("Gel con cafeína", "Caffeine gel"),
                                        ("Caja de geles x24", "Box of 24 gels")],
     ["Maratón", "Ultra", "Sprint", "Montaña", "Clásico", "Desierto"], (1490, 39990), "flavor"),
    ("proteinas", "nutricion", [("Proteína whey", "Whey protein"), ("Proteína vegetal", "Plant protein"),
                                ("Barra de proteína x12", "Protein bar x12")],
     ["Recupera", "Fuerza", "Natural", "Max"], (9990, 59990), "flavor_size"),
    ("outdoor", "outdoor", [("Chaqueta impermeable", "Rain jacket"), ("Mochila de trekking", "Trekking backpack"),
                            ("Polar", "Fleece")],
     ["Patagonia Sur", "Altiplano", "Glaciar", "Araucaria", "Lenga", "Coihue", "Fiordo"], (29990, 149990), "size_apparel"),
    ("accesorios", "accesorios", [("Calcetines técnicos", "Technical socks"), ("Botella térmica", "Insulated bottle"),
                                  ("Jockey", "Cap"), ("Reloj GPS", "GPS watch")],
     ["Trote", "Cumbre", "Diario", "Pro", "Ruta", "Valle"], (4990, 249990), "color"),
]

AXES = {
    "size_shoe": ("size", ["38", "39", "40", "41", "42", "43", "44"], 4),
    "size_apparel": ("size", ["S", "M", "L", "XL"], 4),
    "size_bike": ("size", ["S", "M", "L"], 3),
    "color": ("color", ["negro", "azul", "rojo", "blanco"], 3),
    "flavor": ("flavor", ["naranja", "limón", "frambuesa", "café"], 4),
    "flavor_size": ("flavor", ["vainilla", "chocolate", "frutilla"], 3),
}
COLOR_EN = {"negro": "black", "azul": "blue", "rojo": "red", "blanco": "white"}


def _price(rng: random.Random, low: int, high: int, kind: str) -> Decimal:
    if "x24" in kind or "x12" in kind:
        low = max(low, 19990)
    elif "Gel" in kind:
        high = min(high, 2490)
    raw = rng.randint(low // 1000, high // 1000) * 1000 - 10
    return Decimal(max(raw, 990))


def _description(kind_es: str, model: str, brand: str, family: str) -> tuple[str, str]:
    texts = {
        "running": ("pensada para entrenar y competir, liviana y transpirable",
                    "made for training and racing, light and breathable"),
        "ciclismo": ("resistente y confiable para el día a día y las salidas largas",
                     "tough and reliable for daily rides and long days out"),
        "nutricion": ("energía y recuperación para tus entrenamientos más exigentes",
                      "energy and recovery for your hardest sessions"),
        "outdoor": ("protección para la montaña y el clima del sur de Chile",
                    "protection for the mountains and the weather of southern Chile"),
        "accesorios": ("el complemento justo para tu deporte", "the right companion for your sport"),
    }
    es, en = texts[family]
    return f"{kind_es} {model} de {brand}, {es}.", f"{model} by {brand}, {en}."


def load(*, seed: int, rng: random.Random, out) -> None:
    do_ensure_default_channels()
    now = clock.now()
    cats: dict[str, Category] = {}
    for slug, parent, es, en, cycle, days in CATEGORIES:
        cats[slug] = Category.objects.create(slug=slug, parent=cats.get(parent), name_es=es, name_en=en,
                                             purchase_cycle=cycle, replenish_days=days,
                                             return_window_days=RETURN_WINDOWS.get(slug))
    brands = {name: Brand.objects.create(slug=name.lower().replace("ó", "o").replace("é", "e").replace("á", "a"),
                                         name=name) for name in BRANDS}
    products: list[Product] = []
    specs: list[tuple[Product, str, str]] = []  # product, family, axis
    n = 0
    for category, family, kinds, models, (low, high), axis in LINES:
        for kind_es, kind_en in kinds:
            for model in models:
                brand = rng.choice(BRANDS)
                n += 1
                desc_es, desc_en = _description(kind_es, model, brand, family)
                product = Product(
                    public_id=new_id("prd"), handle=f"{kind_es}-{model}-{n}".lower().replace(" ", "-")
                    .translate(str.maketrans("áéíóúñ", "aeioun")),
                    name_es=f"{kind_es} {brand} {model}", name_en=f"{brand} {model} {kind_en.lower()}",
                    description_es=desc_es, description_en=desc_en, category=cats[category], brand=brands[brand],
                    base_price=_price(rng, low, high, kind_es), currency="CLP", created_at=now, updated_at=now,
                )
                products.append(product)
                specs.append((product, family, axis))
    # Two products are still waiting for their English description (the audit flags them).
    for product in (products[7], products[121]):
        product.description_en = ""
    Product.objects.bulk_create(products, batch_size=500)

    variants: list[Variant] = []
    gtin_serial = 100000000 + rng.randint(0, 1000)
    for i, (product, _family, axis) in enumerate(specs):
        name, values, count = AXES[axis]
        start = rng.randint(0, len(values) - count)
        for pos, value in enumerate(values[start:start + count]):
            gtin_serial += 1
            body = f"780{gtin_serial:09d}"
            attrs = {name: value}
            if axis in ("size_apparel", "size_shoe"):
                attrs["color"] = rng.choice(list(COLOR_EN))
            code = value.upper().translate(str.maketrans("ÁÉÍÓÚÑ ", "AEIOUN-"))[:4]
            variants.append(Variant(
                public_id=new_id("var"), product=product, sku=f"AS-{i + 1:04d}-{code}", gtin=body + gtin_check_digit(body),
                attributes=attrs, position=pos,
                price=product.base_price + 2000 if axis == "size_bike" and value == "L" else None,
            ))
    Variant.objects.bulk_create(variants, batch_size=1000)

    images = []
    for i, (product, family, _axis) in enumerate(specs):
        name = f"catalog/demo/{product.handle}.svg"
        if not default_storage.exists(name):
            default_storage.save(name, _content(svg_card(title=product.name_es, subtitle=product.brand.name,
                                                         family=family, seed=i)))
        images.append(ProductImage(public_id=new_id("img"), product=product, file=name, content_type="image/svg+xml",
                                   alt_es=product.name_es, alt_en=product.name_en))
    ProductImage.objects.bulk_create(images, batch_size=500)

    listings = _listings(rng, variants, now)
    Listing.objects.bulk_create(listings, batch_size=1000)
    FACET_COUNTS.forget()  # bulk writes send no signal
    out.write(f"  {len(products)} products, {len(variants)} variants, {len(listings)} channel listings\n")


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def _listings(rng: random.Random, variants: list[Variant], now) -> list[Listing]:
    """The marketplace carries about half the range (up to 5% above the web, within its 8% policy),
    and a handful of drifts are left on purpose for the consistency audit to find."""
    channels = {c.code: c for c in Channel.objects.all()}
    by_product: dict[int, list[Variant]] = {}
    for v in variants:
        by_product.setdefault(v.product_id, []).append(v)
    product_ids = sorted(by_product)
    on_marketplace = set(rng.sample(product_ids, len(product_ids) // 2))
    rows: dict[tuple[int, str], Listing] = {}

    def put(v: Variant, channel: str, **fields) -> None:
        rows[(v.pk, channel)] = Listing(channel=channels[channel], variant=v, updated_at=now,
                                        **{"published": True, **fields})

    for pid in product_ids:
        if pid in on_marketplace:
            uplift = Decimal(rng.choice([0, 0, 3, 5])) / 100
            for v in by_product[pid]:
                base = v.price if v.price is not None else v.product.base_price
                price = (base * (1 + uplift)).quantize(Decimal(1)) if uplift else None
                put(v, "marketplace", price=price)
    marketplace = sorted(pid for pid in on_marketplace)
    # Deliberate drifts (DEMO_DRIFTS in docs/catalog-inventory.md):
    for pid in marketplace[:3]:  # 15% above the web on the marketplace: outside its 8% policy
        v = by_product[pid][0]
        put(v, "marketplace", price=((v.price or v.product.base_price) * Decimal("1.15")).quantize(Decimal(1)))
    for pid in marketplace[3:5]:  # the marketplace writes its own title (in Spanish only)
        v = by_product[pid][1]
        put(v, "marketplace", title_es=f"OFERTA {v.product.name_es.upper()}")
    v = by_product[product_ids[10]][0]
    put(v, "app", published=False)  # hidden in the app while the web sells it
    v = by_product[product_ids[30]][2]
    put(v, "pos", price=(v.product.base_price * Decimal("0.85")).quantize(Decimal(1)))  # a forgotten store sale
    v = by_product[marketplace[6]][0]
    put(v, "web", published=False)  # withdrawn from the web, still on the marketplace
    v = by_product[product_ids[60]][1]
    put(v, "marketplace", description_es="Descripción antigua del proveedor, sin actualizar.")
    return list(rows.values())
