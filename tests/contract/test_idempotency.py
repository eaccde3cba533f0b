"""Idempotency-Key against a multi-worker server: one license per key, replayed answers."""

import json
import secrets

import pytest
import sqlalchemy as sa

from licensing.auth import TOKEN_PREFIX, hash_token
from licensing.ids import new_id, utcnow
from licensing.models import ApiToken
from tests.support import unique_email
from tests.support.burst import burst, post_license


def new_body(**changes):
    return {"email": unique_email("idem"), "organization": "Retry Inc", "contactName": "Ray Try",
            "sku": "E10", "users": 25, "expiresAt": "2030-06-30", **changes}


def key():
    return "order-" + secrets.token_hex(8)


def licenses_of(server, email):
    found = server.session().get(server.url + "/api/v1/customers", params={"email": email},
                                 timeout=30).json()["customers"]
    return [lic["id"] for customer in found for lic in customer["licenses"]]


@pytest.fixture(scope="module")
def other_token(busy_server):
    """A second portal client's token on the same server, stored as `tokens create` would."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    engine = sa.create_engine(busy_server.env["DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(sa.insert(ApiToken.__table__).values(
            id=new_id(), name="portal-b-" + secrets.token_hex(3), token_hash=hash_token(token),
            created_at=utcnow()))
    engine.dispose()
    return token


def test_16_simultaneous_requests_with_one_key_issue_one_license(busy_server):
    body, headers = new_body(), {"Idempotency-Key": key()}
    responses = burst(16, lambda i, http: post_license(busy_server, http, body, headers))

    assert [r.status_code for r in responses] == [201] * 16, [r.text for r in responses]
    first = responses[0].json()
    assert all(r.json() == first for r in responses)
    assert {r.headers["Location"] for r in responses} == {f"/api/v1/licenses/{first['id']}"}
    replayed = [r.headers.get("Idempotent-Replayed") for r in responses]
    assert sorted(replayed, key=str) == [None] + ["true"] * 15
    assert licenses_of(busy_server, body["email"]) == [first["id"]]


def test_simultaneous_requests_with_one_key_and_two_bodies_issue_once(busy_server):
    bodies = [new_body(), new_body()]
    headers = {"Idempotency-Key": key()}
    responses = burst(12, lambda i, http: post_license(busy_server, http, bodies[i % 2], headers))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 6 + [409] * 6, statuses
    winners = [r for r in responses if r.status_code == 201]
    assert len({r.json()["id"] for r in winners}) == 1
    losers = [r for r in responses if r.status_code == 409]
    assert {r.json()["error"]["code"] for r in losers} == {"idempotency_conflict"}
    issued = [licenses_of(busy_server, b["email"]) for b in bodies]
    assert sorted(len(ids) for ids in issued) == [0, 1]


def test_same_key_with_a_changed_body_is_a_conflict(busy_server):
    body, headers = new_body(), {"Idempotency-Key": key()}
    with busy_server.session() as http:
        first = post_license(busy_server, http, body, headers)
        changed = post_license(busy_server, http, {**body, "users": 26}, headers)
    assert first.status_code == 201
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "idempotency_conflict"
    assert licenses_of(busy_server, body["email"]) == [first.json()["id"]]


def test_equal_json_in_other_bytes_is_a_repeat(busy_server):
    body, headers = new_body(), {"Idempotency-Key": key()}
    with busy_server.session() as http:
        first = post_license(busy_server, http, body, headers)
        reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
        again = http.post(busy_server.url + "/api/v1/license", data=reordered, timeout=30,
                          headers={**headers, "Content-Type": "application/json"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_key_belongs_to_the_credential_that_sent_it(busy_server, other_token):
    headers = {"Idempotency-Key": key()}
    body = new_body()
    with busy_server.session() as http:
        mine = post_license(busy_server, http, body, headers)
        theirs = post_license(busy_server, http, body, headers, token=other_token)
        theirs_again = post_license(busy_server, http, body, headers, token=other_token)
    assert mine.status_code == theirs.status_code == theirs_again.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs_again.json()["id"] == theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["resolution"] == "email"
    assert sorted(licenses_of(busy_server, body["email"])) == sorted(
        [mine.json()["id"], theirs.json()["id"]])
