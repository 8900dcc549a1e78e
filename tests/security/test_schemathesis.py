"""Every operation of the OpenAPI document fuzzed with schemathesis.

No input may cause a 5xx, and every response — success or problem — must
match the documented schema. Bounded: a few examples per operation, so the
run stays under a minute in CI; raise RAPPORT_FUZZ_EXAMPLES locally for more.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rapport.wsgi import application

# The contract checks. "Positive data acceptance" is left out on purpose: the
# schema says a phone is a string, the service says "12" is not a phone number
# (422) — semantic validation lives in the services, not in the schema.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, response_headers_conformance]

EXAMPLES = int(os.environ.get("RAPPORT_FUZZ_EXAMPLES", "8"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app, not through Django's test client, so the
    request signals would close the test's connection (its open transaction looks
    like a changed autocommit to ``close_old_connections``); the test client
    disconnects them in the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(users, api_for):
    from rapport.core.services import token_issue

    _, secret = token_issue(user=users["admin"])
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_breaks_the_api(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
