"""The API's routes found by their first two path segments instead of tried one by one.

ninja mounts every operation as one URL pattern under `api/` (~180 of them), and Django's resolver
tries them in turn: a request for `/api/v1/orders` matched ~80 patterns before its own, about 0.2 ms
of CPU, more than the bare flash-sale view's whole resolution (issue 23). `IndexedResolver` is the
same URLResolver (reversing, namespaces and `url_patterns` unchanged) whose `resolve` first picks the
patterns whose route begins with the path's first two segments, keeping their order, and asks a plain
URLResolver over just those. A pattern that could match paths of several keys (a converter or a
regex within its first two segments, a nested include) turns the index off; a path whose key no route
has is resolved the ordinary way (the 404's `tried` list stays complete). Only the order in which
patterns are tried changes, and only among patterns that cannot match the same path.
"""

from __future__ import annotations

from django.urls import Resolver404, URLPattern, URLResolver
from django.urls.resolvers import RoutePattern
from django.utils.functional import cached_property


def _key(route: str) -> tuple[str, ...] | None:
    """The first two segments of a route (fewer if it has fewer), None when they are not literal."""
    parts = tuple(route.split("/")[:2])
    if any("<" in part or "\\" in part or "^" in part or "$" in part for part in parts):
        return None
    return parts


def _path_key(path: str) -> tuple[str, ...]:
    return tuple(path.split("/")[:2])


class IndexedResolver(URLResolver):
    @cached_property
    def _index(self) -> dict[tuple[str, ...], URLResolver] | None:
        groups: dict[tuple[str, ...], list] = {}
        for pattern in self.url_patterns:
            route = pattern.pattern
            if not isinstance(pattern, URLPattern) or not isinstance(route, RoutePattern):
                return None
            key = _key(str(route))
            if key is None:
                return None
            groups.setdefault(key, []).append(pattern)
        return {key: URLResolver(self.pattern, patterns, self.default_kwargs, app_name=self.app_name,
                                 namespace=self.namespace)
                for key, patterns in groups.items()}

    def resolve(self, path):
        index = self._index
        if index is not None:
            match = self.pattern.match(str(path))
            if match:
                group = index.get(_path_key(match[0]))
                if group is not None:
                    try:
                        return group.resolve(path)
                    except Resolver404:
                        pass  # tried again in full below, for a complete 404
        return super().resolve(path)


def indexed(route: str, urls: tuple) -> IndexedResolver:
    """`path(route, api.urls)` with the index: `urls` is ninja's (patterns, app_name, namespace)."""
    patterns, app_name, namespace = urls
    return IndexedResolver(RoutePattern(route, is_endpoint=False), patterns, app_name=app_name, namespace=namespace)
