"""The app's routes, read from the URL configuration, for tests that must cover every view."""

from django.urls import URLPattern, URLResolver, get_resolver

# Which object a route's id names, by the route's leading path; longest prefix wins.
OBJECT_FOR_PREFIX = {
    "supplements/": "product",
    "entries/": "entry",
    "symptoms/": "symptom",
    "foods/mine/": "own_food",
    "log/": "product",
    # The REST API (api/endpoints.py), opened with a token: tests/test_ownership.py.
    "api/entries/": "entry",
    "api/products/": "product",
    "api/symptoms/": "symptom",
    "routine/": "dose",
    "routine/stock/": "product",
    "routine/medicines/": "medicine",
}


def all_routes(patterns=None, prefix=""):
    """(route, URLPattern) for every route outside the admin."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith("admin/"):
            continue  # staff-only, with Django's own permission checks
        if isinstance(entry, URLResolver):
            yield from all_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def id_params(entry: URLPattern) -> list[str]:
    return [
        name
        for name, conv in entry.pattern.converters.items()
        if type(conv).__name__ == "IntConverter"
    ]


def object_kind(route: str) -> str | None:
    matches = [p for p in OBJECT_FOR_PREFIX if route.startswith(p)]
    return OBJECT_FOR_PREFIX[max(matches, key=len)] if matches else None


def fill(route: str, entry: URLPattern, objects: dict, day: str) -> str | None:
    """A concrete URL for a route, using ``objects`` for ids and ``day`` for dates."""
    url = "/" + route
    for name, conv in entry.pattern.converters.items():
        if type(conv).__name__ == "IntConverter":
            kind = object_kind(route)
            if kind is None or kind not in objects:
                return None
            url = url.replace(f"<int:{name}>", str(objects[kind].pk))
        else:
            url = url.replace(f"<{name}>", day)
            for prefix in ("str", "date", "slug", "iso"):
                url = url.replace(f"<{prefix}:{name}>", day)
    if "<" in url or "^" in url:
        return None
    return url


def urls(objects: dict, day: str):
    """(route, url) for every route ``fill`` can make a URL of."""
    for route, entry in all_routes():
        url = fill(route, entry, objects, day)
        if url is not None:
            yield route, url


def html_pages(client, objects: dict, day: str):
    """(url, response) for every route's page that answers ``client`` with 200 and HTML."""
    for _, url in urls(objects, day):
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            yield url, response
