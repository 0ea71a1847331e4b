"""The API's routes found through the index (web/routing.py) resolve exactly as Django's plain
resolver resolves them: the same view, arguments, name, namespaces and route, for every route; a path
no route has is the same 404 with the complete list of what was tried."""

import re

import pytest
from django.urls import Resolver404, URLResolver, get_resolver

from omnicanal.web.routing import IndexedResolver

pytestmark = pytest.mark.urls("omnicanal.web.urls")


def _api() -> IndexedResolver:
    found = [p for p in get_resolver().url_patterns if isinstance(p, IndexedResolver)]
    assert len(found) == 1 and str(found[0].pattern) == "api/"
    return found[0]


def _plain(indexed: IndexedResolver) -> URLResolver:
    return URLResolver(indexed.pattern, indexed.url_patterns, indexed.default_kwargs, app_name=indexed.app_name,
                       namespace=indexed.namespace)


def _sample(route: str) -> str:
    """A path the route matches: each <converter:name> filled with a value of its kind."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "7" if m.group(1) == "int" else f"{m.group(2)}-x", route)


def _same(a, b) -> None:
    assert (a.func, a.args, a.kwargs, a.url_name, a.namespaces, a.route) == \
        (b.func, b.args, b.kwargs, b.url_name, b.namespaces, b.route)


def test_the_index_is_on_and_every_route_resolves_as_without_it():
    api = _api()
    plain = _plain(api)
    assert api._index is not None and len(api._index) > 10
    for pattern in api.url_patterns:
        path = "api/" + _sample(str(pattern.pattern))
        _same(api.resolve(path), plain.resolve(path))


def test_the_order_endpoint_and_the_whole_site_resolve_through_it():
    match = get_resolver().resolve("/api/v1/orders")
    assert match.url_name == "place_order" and match.route == "api/v1/orders"
    match = get_resolver().resolve("/api/v1/orders/ord_1/cancel")
    assert match.kwargs == {"order_id": "ord_1"} and match.route == "api/v1/orders/<order_id>/cancel"


@pytest.mark.parametrize("path", ["api/v1/orders/a/b/c/d", "api/v1/nothing-here", "api/nothing", "api/v1"])
def test_a_path_no_route_has_is_the_same_404(path):
    api = _api()
    with pytest.raises(Resolver404) as indexed:
        api.resolve(path)
    with pytest.raises(Resolver404) as plain:
        _plain(api).resolve(path)
    assert len(indexed.value.args[0]["tried"]) == len(plain.value.args[0]["tried"]) > 100


def test_a_route_with_a_converter_in_its_first_segments_turns_the_index_off():
    from django.urls import path

    def view(request):  # pragma: no cover - never called
        return None

    patterns = [path("v1/things", view, name="things"), path("v1/<str:kind>/x", view, name="kinds")]
    resolver = IndexedResolver(_api().pattern, patterns)
    assert resolver._index is None
    assert resolver.resolve("api/v1/things/x").url_name == "kinds"
