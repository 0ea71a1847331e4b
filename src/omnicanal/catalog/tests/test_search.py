"""The shop's catalog search (catalog/search.py): typos and accents forgiven, only what the channel
publishes, facets, sorts and pages; the index follows the catalog's writes (triggers)."""

from decimal import Decimal

import pytest

from omnicanal.catalog import queries, services
from omnicanal.catalog.models import Channel, Product, Variant
from omnicanal.catalog.services import VariantSpec
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money


@pytest.fixture
def shelf(db):
    """Four products: two shoes (one for children), a tee and a jacket, two brands, sizes and colours."""
    running = services.do_create_category(slug="running", name_es="Running", name_en="Running")
    shoes = services.do_create_category(slug="zapatillas-running", name_es="Zapatillas de running",
                                        name_en="Running shoes", parent=running)
    tees = services.do_create_category(slug="poleras", name_es="Poleras", name_en="Tees", parent=running)
    outdoor = services.do_create_category(slug="outdoor", name_es="Outdoor", name_en="Outdoor")
    condor = services.do_ensure_brand(name="Cóndor")
    huemul = services.do_ensure_brand(name="Huemul")

    def make(handle, name_es, name_en, category, brand, price, variants):
        return services.do_create_product(
            name_es=name_es, name_en=name_en, description_es=f"{name_es}, liviana.", category=category,
            brand=brand, price=Money.of(price), handle=handle,
            variants=[VariantSpec(sku=sku, attributes=attrs, price=vprice) for sku, attrs, vprice in variants])

    make("zapatilla-rayo", "Zapatilla de running Rayo", "Rayo running shoe", shoes, condor, "69990",
         [("RAY-40", {"size": "40", "color": "negro"}, None), ("RAY-42", {"size": "42", "color": "azul"}, "74990")])
    make("zapatilla-nino-chispa", "Zapatilla Niño Chispa", "Chispa kids shoe", shoes, huemul, "39990",
         [("CHI-32", {"size": "32", "color": "rojo"}, None), ("CHI-34", {"size": "34", "color": "azul"}, None)])
    make("polera-brisa", "Polera técnica Brisa", "Brisa technical tee", tees, condor, "19990",
         [("BRI-S", {"size": "S", "color": "blanco"}, None), ("BRI-M", {"size": "M", "color": "negro"}, None)])
    make("chaqueta-glaciar", "Chaqueta impermeable Glaciar", "Glaciar rain jacket", outdoor, huemul, "99990",
         [("GLA-M", {"size": "M", "color": "azul"}, None)])


def handles(result):
    return [item.handle for item in result.items]


def test_a_typo_still_finds_the_product(shelf):
    assert "zapatilla-rayo" in handles(queries.search_catalog(channel="web", q="zapatila rayo"))
    assert set(handles(queries.search_catalog(channel="web", q="zapatila"))) == {
        "zapatilla-rayo", "zapatilla-nino-chispa"}


def test_accents_are_forgiven_both_ways(shelf):
    assert handles(queries.search_catalog(channel="web", q="nino")) == ["zapatilla-nino-chispa"]
    assert handles(queries.search_catalog(channel="web", q="NIÑO")) == ["zapatilla-nino-chispa"]
    assert handles(queries.search_catalog(channel="web", q="tecnica")) == ["polera-brisa"]
    assert set(handles(queries.search_catalog(channel="web", q="condor"))) == {"polera-brisa", "zapatilla-rayo"}


def test_every_word_must_match_and_nonsense_finds_nothing(shelf):
    assert handles(queries.search_catalog(channel="web", q="zapatilla glaciar")) == []
    assert queries.search_catalog(channel="web", q="xylofono").total == 0
    assert queries.search_catalog(channel="web", q="  ").total == 4  # no words: the whole range


def test_a_word_prefix_matches_and_english_names_too(shelf):
    assert handles(queries.search_catalog(channel="web", q="chaq")) == ["chaqueta-glaciar"]
    assert handles(queries.search_catalog(channel="web", q="rain jacket")) == ["chaqueta-glaciar"]


def test_names_rank_above_descriptions(shelf):
    services.do_create_product(
        name_es="Calcetín Trote", category=services.do_ensure_category(ref="outdoor"), price=Money.of("4990"),
        description_es="Para usar con tu zapatilla favorita.", handle="calcetin-trote",
        variants=[VariantSpec(sku="CAL-1")])
    found = handles(queries.search_catalog(channel="web", q="zapatilla"))
    assert found[-1] == "calcetin-trote" and len(found) == 3


def test_what_the_channel_does_not_publish_is_never_returned(shelf):
    web = Channel.objects.get(pk="web")
    for variant in Variant.objects.filter(product__handle="chaqueta-glaciar"):
        services.do_set_listing(channel=web, variant=variant, published=False)
    assert "chaqueta-glaciar" not in handles(queries.search_catalog(channel="web", q="chaqueta"))
    assert "chaqueta-glaciar" not in handles(queries.search_catalog(channel="web"))
    assert queries.shop_product("chaqueta-glaciar", channel="web") is None
    # The app mirrors the web but has its own listing rows: with none it publishes by default.
    assert handles(queries.search_catalog(channel="app", q="chaqueta")) == ["chaqueta-glaciar"]
    # The marketplace publishes nothing by default.
    assert queries.search_catalog(channel="marketplace").total == 0


def test_one_unpublished_variant_leaves_the_others(shelf):
    web = Channel.objects.get(pk="web")
    services.do_set_listing(channel=web, variant=Variant.objects.get(sku="RAY-40"), published=False)
    result = queries.search_catalog(channel="web", q="rayo")
    assert result.items[0].skus == ("RAY-42",)
    assert result.items[0].price == Money.of("74990")
    product = queries.shop_product("zapatilla-rayo", channel="web")
    assert [v.sku for v in product.variants] == ["RAY-42"]


def test_an_inactive_product_is_sold_nowhere(shelf):
    services.do_update_product(product=queries.get_product("polera-brisa"), changes={"active": False})
    assert "polera-brisa" not in handles(queries.search_catalog(channel="web"))


def test_the_channel_price_is_the_listing_override(shelf):
    web = Channel.objects.get(pk="web")
    services.do_set_listing(channel=web, variant=Variant.objects.get(sku="GLA-M"), published=True, price="89990")
    item = queries.search_catalog(channel="web", q="glaciar").items[0]
    assert item.price == Money.of("89990") and not item.price_varies
    assert queries.shop_product("chaqueta-glaciar", channel="web").variants[0].price == Money.of("89990")


def test_facets_count_products_and_filters_narrow(shelf):
    result = queries.search_catalog(channel="web")
    sizes = {f.value: f.count for f in result.facets.sizes}
    assert sizes == {"32": 1, "34": 1, "40": 1, "42": 1, "S": 1, "M": 2}
    assert [f.value for f in result.facets.sizes] == ["32", "34", "40", "42", "S", "M"]
    colors = {f.value: f.count for f in result.facets.colors}
    assert colors == {"azul": 3, "negro": 2, "rojo": 1, "blanco": 1}
    assert {(f.value, f.label, f.count) for f in result.facets.brands} == {("condor", "Cóndor", 2), ("huemul", "Huemul", 2)}
    assert result.facets.price.low == Money.of("19990") and result.facets.price.high == Money.of("99990")

    assert handles(queries.search_catalog(channel="web", sizes=["M"], sort="price_asc")) == [
        "polera-brisa", "chaqueta-glaciar"]
    blue = queries.search_catalog(channel="web", colors=["azul"], sort="price_asc")
    assert handles(blue) == ["zapatilla-nino-chispa", "zapatilla-rayo", "chaqueta-glaciar"]
    assert blue.items[1].price == Money.of("74990")  # the blue one, not the cheaper black one
    assert [f.selected for f in blue.facets.colors if f.value == "azul"] == [True]
    assert handles(queries.search_catalog(channel="web", brands=["huemul"], sort="price_asc")) == [
        "zapatilla-nino-chispa", "chaqueta-glaciar"]
    assert handles(queries.search_catalog(channel="web", price_min=Decimal(30000), price_max=Decimal(70000),
                                          sort="price_asc")) == ["zapatilla-nino-chispa", "zapatilla-rayo"]
    assert handles(queries.search_catalog(channel="web", only_skus=["BRI-M", "GLA-M"], sort="price_desc")) == [
        "chaqueta-glaciar", "polera-brisa"]


def test_facet_counts_are_read_once_per_listing_and_follow_the_catalogs_writes(shelf, monkeypatch):
    from omnicanal.catalog import facet_counts

    counted = []
    real = facet_counts.count
    monkeypatch.setattr(facet_counts, "count", lambda rows: counted.append(1) or real(rows))
    first = queries.search_catalog(channel="web", category="running")
    second = queries.search_catalog(channel="web", category="running", sizes=["M"], sort="price_desc", page=2)
    assert len(counted) == 1  # another page, sort and facet choice of the same listing: the counts are held
    assert [f.value for f in second.facets.sizes if f.selected] == ["M"]  # the choice is still marked
    assert {f.value: f.count for f in first.facets.sizes} == {"32": 1, "34": 1, "40": 1, "42": 1, "S": 1, "M": 1}
    queries.search_catalog(channel="web", category="outdoor")
    assert len(counted) == 2  # another listing counts its own

    product = Product.objects.get(handle="polera-brisa")
    services.do_add_variants(product=product, variants=[VariantSpec(sku="BRI-L", attributes={"size": "L",
                                                                                              "color": "gris"})])
    again = queries.search_catalog(channel="web", category="running")
    assert len(counted) == 3  # a bulk write forgets the counts too
    assert {f.value: f.count for f in again.facets.sizes}.get("L") == 1
    assert "gris" in {f.value for f in again.facets.colors}


def test_a_category_includes_its_children(shelf):
    assert set(handles(queries.search_catalog(channel="web", category="running"))) == {
        "zapatilla-rayo", "zapatilla-nino-chispa", "polera-brisa"}
    assert handles(queries.search_catalog(channel="web", category="poleras")) == ["polera-brisa"]
    assert queries.search_catalog(channel="web", category="no-such").total == 0


def test_sorts_and_pages(shelf):
    asc = queries.search_catalog(channel="web", sort="price_asc", per_page=3)
    assert handles(asc) == ["polera-brisa", "zapatilla-nino-chispa", "zapatilla-rayo"]
    assert (asc.total, asc.pages, asc.page) == (4, 2, 1)
    assert asc.items[2].price_varies  # 69 990 and 74 990
    second = queries.search_catalog(channel="web", sort="price_asc", per_page=3, page=2)
    assert handles(second) == ["chaqueta-glaciar"]
    assert handles(queries.search_catalog(channel="web", sort="price_desc"))[0] == "chaqueta-glaciar"
    assert handles(queries.search_catalog(channel="web", sort="newest"))[0] == "chaqueta-glaciar"
    assert queries.search_catalog(channel="web", page=99, per_page=3).page == 2
    with pytest.raises(ValidationFailed):
        queries.search_catalog(channel="web", sort="cheapest")


def test_english_names_for_english_readers(shelf):
    result = queries.search_catalog(channel="web", q="glaciar", language="en")
    assert result.items[0].name == "Glaciar rain jacket"
    assert queries.shop_product("chaqueta-glaciar", channel="web", language="en").name == "Glaciar rain jacket"


def test_the_index_follows_renames_of_products_and_brands(shelf):
    services.do_update_product(product=queries.get_product("polera-brisa"), changes={
        "name_es": "Polera Huracán", "name_en": "Hurricane tee", "description_es": "Nueva."})
    assert handles(queries.search_catalog(channel="web", q="huracan")) == ["polera-brisa"]
    assert handles(queries.search_catalog(channel="web", q="brisa")) == []
    brand = services.do_ensure_brand(name="Huemul")
    brand.name = "Pudú"
    brand.save()
    assert set(handles(queries.search_catalog(channel="web", q="pudu"))) == {
        "zapatilla-nino-chispa", "chaqueta-glaciar"}


def test_the_staff_search_forgives_typos_and_still_finds_pieces_and_codes(shelf):
    assert [p.handle for p in queries.search_products(q="chaqeta")] == ["chaqueta-glaciar"]
    assert [p.handle for p in queries.search_products(q="aquet")] == ["chaqueta-glaciar"]
    assert [p.handle for p in queries.search_products(q="RAY-42")] == ["zapatilla-rayo"]


def test_the_category_tree_for_the_menu(shelf):
    tree = queries.shop_categories()
    assert [c.slug for c in tree] == ["outdoor", "running"]
    running = tree[1]
    assert [c.slug for c in running.children] == ["poleras", "zapatillas-running"]
    shoes = queries.shop_category("zapatillas-running", language="en")
    assert shoes.name == "Running shoes" and shoes.path == (("running", "Running"), ("zapatillas-running", "Running shoes"))
    assert queries.shop_category("nope") is None


def test_the_set_based_rule_agrees_with_channel_prices(shelf):
    """The search prices in SQL (queries.priced_variants); channel_prices decides in Python: every
    case of the rule (listing price, variant price, product price; listing published or not; the
    channel's default; an inactive product) must come out the same from both."""
    web, app, marketplace = (Channel.objects.get(pk=code) for code in ("web", "app", "marketplace"))
    services.do_set_listing(channel=web, variant=Variant.objects.get(sku="GLA-M"), published=True, price="89990")
    services.do_set_listing(channel=web, variant=Variant.objects.get(sku="RAY-40"), published=False)
    services.do_set_listing(channel=app, variant=Variant.objects.get(sku="RAY-42"), published=True)  # no price
    services.do_set_listing(channel=marketplace, variant=Variant.objects.get(sku="CHI-32"), published=True,
                            price="35990")
    services.do_update_product(product=queries.get_product("polera-brisa"), changes={"active": False})
    skus = list(Variant.objects.values_list("sku", flat=True))
    for channel in ("web", "app", "marketplace"):
        python = {sku: p.price for sku, p in queries.channel_prices(skus, channel).items() if p.sellable}
        sql = {sku: Money(price, currency) for sku, price, currency in
               queries.priced_variants(channel).values_list("sku", "shop_price", "currency")}
        assert sql == python, channel
    assert set(python) == {"CHI-32"}  # the marketplace publishes only what it lists
    with pytest.raises(ValidationFailed):
        queries.priced_variants("no-such-channel")


def test_colour_facets_and_variant_labels_read_in_the_readers_language(shelf):
    spanish = {f.value: f.label for f in queries.search_catalog(channel="web", language="es").facets.colors}
    english = {f.value: f.label for f in queries.search_catalog(channel="web", language="en").facets.colors}
    assert spanish == {"azul": "azul", "negro": "negro", "rojo": "rojo", "blanco": "blanco"}
    assert english == {"azul": "blue", "negro": "black", "rojo": "red", "blanco": "white"}
    # the filter keeps the stored value whatever the reader's language
    assert handles(queries.search_catalog(channel="web", colors=["negro"], language="en", sort="price_asc")) == [
        "polera-brisa", "zapatilla-rayo"]
    rayo_en = queries.shop_product("zapatilla-rayo", channel="web", language="en")
    rayo_es = queries.shop_product("zapatilla-rayo", channel="web", language="es")
    assert [v.label for v in rayo_en.variants] == ["40 · black", "42 · blue"]
    assert [v.label for v in rayo_es.variants] == ["40 · negro", "42 · azul"]
    assert rayo_en.variants[0].attributes == {"size": "40", "color": "negro"}  # the data is not rewritten


def test_colour_names_are_one_vocabulary_in_either_language():
    from omnicanal.catalog.attributes import color_label

    assert color_label("Negro", "en") == "black" and color_label("BLACK", "es") == "negro"
    assert color_label("marrón", "en") == "brown" and color_label("café", "es") == "café"
    assert color_label("arena/coral", "en") == "arena/coral"  # outside the vocabulary: as typed


def test_a_search_costs_the_same_few_queries_however_many_products_match(shelf, django_assert_max_num_queries):
    shoes = queries.shop_category("zapatillas-running")
    for i in range(30):
        services.do_create_product(
            name_es=f"Zapatilla Extra {i}", category=services.do_ensure_category(ref=shoes.slug),
            price=Money.of("50000"), variants=[VariantSpec(sku=f"EXT-{i}-{s}", attributes={"size": s, "color": "rojo"})
                                               for s in ("40", "41")])
    # facets (one statement on PostgreSQL, four on SQLite), the page with its count, the cards (names,
    # SKUs and images in one read); the category tree is memoized (core/memo.py), read above
    with django_assert_max_num_queries(6):
        result = queries.search_catalog(channel="web", category="running", sizes=["40"], per_page=24)
    assert result.total == 31 and len(result.items) == 24
    with django_assert_max_num_queries(8):  # plus the text index (PostgreSQL: savepoint, setting, two reads)
        assert queries.search_catalog(channel="web", q="zapatilla extra", sort="price_asc").total == 30
