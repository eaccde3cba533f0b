"""Fuzzing from the OpenAPI document: every operation, against a live gunicorn, with a token.

Schemathesis generates requests from the document the service serves (built by
licensing.openapi from the marshmallow schemas) and checks every answer: no 5xx, status codes
and bodies as documented, schema-invalid requests refused, schema-valid ones accepted, auth
enforced, 405 with Allow for other methods. Bounded: MAX_EXAMPLES per operation and phase, a
fixed seed, and a wall-clock budget past which the remaining examples are not sent.
"""

import time

import pytest
import schemathesis
from schemathesis import Config

from licensing.openapi import build_spec
from tests.support import unique_email

MAX_EXAMPLES = 50
BUDGET_SECONDS = 75

CONFIG = Config.from_dict({
    "seed": 20261203,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                   "no-shrink": True},
    "request-timeout": 10,
    # A schema-valid body can still be refused for what JSON Schema cannot say (the document
    # states it in words): fuzzed_refusals_are_documented below holds those 422s to the rules.
    "operations": [
        {"include-name": "POST /license", "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "409", "422"]}}},
        {"include-name": "GET /customers", "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "422"]}}},
    ],
})
schema = schemathesis.openapi.from_dict(build_spec(), config=CONFIG)

# The 422s a schema-valid request may get, field by field: the document's words for them.
NOT_REAL = "Not a real calendar date and time (years 2000 to 9999)."
DOCUMENTED_REFUSALS = {
    "customerId": {"No customer has this id."},
    "organization": {"Required to create a new customer."},
    "contactName": {"Required to create a new customer."},
    "startsAt": {NOT_REAL},
    "expiresAt": {NOT_REAL, "Must be later than startsAt (default: now)."},
    "email": {"Not a valid email address: The part after the @-sign is a special-use or reserved"
              " name that cannot be used with email."},
}


def fuzzed_refusals_are_documented(ctx, response, case):
    """A schema-valid request is refused only by the rules the document states in words."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 409:
        assert response.json()["error"]["code"] in {"email_mismatch", "idempotency_conflict"}
    if response.status_code != 422:
        return None
    fields = response.json()["error"]["fields"]
    undocumented = {
        name: messages for name, messages in fields.items()
        if not set(messages) <= DOCUMENTED_REFUSALS.get(name, set())
    }
    assert not undocumented, f"schema-valid body refused for undocumented reasons: {undocumented}"
    return None


@pytest.fixture(scope="module")
def fuzz_target(live_server):
    """The server, a customer to find, and the moment the budget runs out."""
    http = live_server.session()
    response = http.post(live_server.url + "/api/v1/license", json={
        "email": unique_email("fuzz"), "organization": "Fuzz Corp", "contactName": "F. Uzz",
        "sku": "E10", "users": 5, "isTrial": True,
    })
    assert response.status_code == 201, response.text
    return {"url": live_server.url + "/api/v1",
            "headers": {"Authorization": f"Bearer {live_server.token}"},
            "deadline": time.monotonic() + BUDGET_SECONDS}


@pytest.mark.slow
@schema.parametrize()
def test_every_operation_answers_as_documented(case, fuzz_target):
    if time.monotonic() > fuzz_target["deadline"]:
        return  # over budget: the remaining examples are not sent
    case.call_and_validate(base_url=fuzz_target["url"], headers=fuzz_target["headers"],
                           additional_checks=[fuzzed_refusals_are_documented])


def test_the_served_document_is_the_one_fuzzed(live_server):
    response = live_server.session().get(live_server.url + "/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == build_spec()
