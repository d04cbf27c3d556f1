"""Generated from the URL configuration: every route that takes an object id answers 404,
for GET and for POST, when the id belongs to someone else. A new view cannot skip the check:
a route with an id whose owner this test cannot work out fails the first test below."""

import re

import pytest

from tests.factories import objects_of
from tests.routes import all_routes, fill, id_params, object_kind

API_PREFIX = "api/"

ID_ROUTES = [(route, entry) for route, entry in all_routes() if id_params(entry)]


def test_every_id_route_is_covered():
    assert ID_ROUTES, "expected routes that take object ids"
    unknown = [route for route, _ in ID_ROUTES if object_kind(route) is None]
    assert not unknown, f"add these routes to tests/routes.py OBJECT_FOR_PREFIX: {unknown}"


@pytest.fixture
def victims_objects(other_user):
    return objects_of(other_user)


def _api_methods(route: str) -> set[str]:
    """The methods the API's schema lists for a route ("api/entries/<int:entry_id>")."""
    from api.endpoints import api

    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return set(api.get_openapi_schema()["paths"][path])


@pytest.mark.django_db
@pytest.mark.parametrize("route,entry", ID_ROUTES, ids=[r for r, _ in ID_ROUTES])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_another_persons_id_gives_404(logged_in, user, victims_objects, route, entry, method):
    url = fill(route, entry, victims_objects, "2026-01-05")
    assert url is not None
    headers = {}
    if route.startswith(API_PREFIX):
        # The API is token-only: the person asks with their own read-and-write token.
        from api.tokens import create_token

        if method not in _api_methods(route):
            pytest.skip(f"the API has no {method.upper()} {url}")
        secret = create_token(owner=user, name="mine", scope="write").secret
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    elif method == "delete":
        pytest.skip("the pages change things by POST only")
    before = {
        k: type(o).objects.filter(pk=o.pk).values().first() for k, o in victims_objects.items()
    }
    data = {"servings": "1", "note": "mine now"}
    if method == "get":
        response = logged_in.get(url, data, **headers)
    else:
        response = getattr(logged_in, method)(url, data, **headers)
    assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code}"
    after = {
        k: type(o).objects.filter(pk=o.pk).values().first() for k, o in victims_objects.items()
    }
    assert after == before, "another person's data changed"
