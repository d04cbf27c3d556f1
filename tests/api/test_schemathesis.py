"""Schemathesis against the API's own OpenAPI schema, in-process through the WSGI app: a
bounded number of generated requests per operation, with a read-and-write token; no answer
may be a 5xx, and every answer must match the schema (status code, content type, body)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import FoodFactory, SupplementEntryFactory, SupplementProductFactory

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Read through the app itself, as a client would (no database needed for the schema).
schema = schemathesis.openapi.from_wsgi("/api/schema", WSGIHandler())


@pytest.fixture
def api_headers(user, write_token, settings):
    # Django closes "old" connections at each request's start and end; inside the test's
    # transaction that would close the connection under it (the test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.API_RATE_PER_MINUTE = 100_000
    product = SupplementProductFactory(owner=user)
    SupplementEntryFactory(owner=user, product=product)
    FoodFactory(owner=user)
    yield {"Authorization": f"Bearer {write_token}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, api_headers):
    case.call_and_validate(headers=api_headers, checks=CHECKS)
