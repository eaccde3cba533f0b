"""Hostile input gets a clear 4xx in the contract's JSON shape, never a 5xx or a database error.

Each case runs in-process; the ones where the HTTP server matters (body limits, chunked bodies,
long request lines) run against the live gunicorn as well.
"""

import json

import pytest
import requests

from tests.support import unique_email

KIB = 1024
NEW = {"email": "ops@acme.example", "organization": "Acme", "contactName": "Sam Carter",
       "sku": "E20", "users": 10, "expiresAt": "2030-12-31"}
ID_ROUTES = ["/api/v1/customers/{}", "/api/v1/licenses/{}", "/api/v1/licenses/{}/file"]


def assert_error(response, status, code, field=None):
    """The contract's error shape: {"error": {"code", "message"[, "fields"]}}."""
    text = response.text if isinstance(response, requests.Response) else response.data
    assert response.status_code == status, (response.status_code, text[:300])
    assert response.headers["Content-Type"] == "application/json"
    body = response.json() if isinstance(response, requests.Response) else response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "fields"}
    if field is not None:
        assert field in error["fields"], error
    assert ("fields" in error) == (code == "validation_error" and status == 422)
    return error


def post(client, auth, body=None, raw=None, content_type="application/json", **headers):
    data = raw if raw is not None else json.dumps(body)
    return client.post("/api/v1/license", data=data, content_type=content_type,
                       headers={**auth, **headers})


# bodies

def test_body_over_64_kib_is_413(client, auth):
    assert_error(post(client, auth, raw=b" " * (64 * KIB + 1)), 413, "payload_too_large")


def test_body_of_exactly_64_kib_is_read(client, auth):
    raw = json.dumps(NEW).encode()
    response = post(client, auth, raw=raw + b" " * (64 * KIB - len(raw)))
    assert response.status_code == 201


@pytest.mark.parametrize("raw, field", [
    (b"", "_body"), (b"{", "_body"), (b"\xff\xfe{}", "_body"), (b"\xef\xbb\xbf{}", "_body"),
    (b"[" * 5000 + b"]" * 5000, "_body"), (b'{"a":' * 5000 + b"1" + b"}" * 5000, "_body"),
    (b"null", "_schema"), (b"[]", "_schema"), (b'"text"', "_schema"), (b"12", "_schema"),
    (b'{"users": 1' + b"0" * 5000 + b"}", "_body"),
])
def test_malformed_json_is_a_422(client, auth, raw, field):
    assert_error(post(client, auth, raw=raw), 422, "validation_error", field)


@pytest.mark.parametrize("field", ["organization", "contactName", "email", "sku"])
def test_lone_surrogate_escapes_are_refused(client, auth, field):
    raw = json.dumps(NEW).replace(f'"{field}": "', f'"{field}": "\\ud800')
    assert_error(post(client, auth, raw=raw), 422, "validation_error")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", ""])
def test_a_body_that_is_not_json_is_415(client, auth, content_type):
    assert_error(post(client, auth, NEW, content_type=content_type), 415,
                 "unsupported_media_type")


@pytest.mark.parametrize("field, value", [
    ("organization", "x" * 201), ("contactName", "x" * 201), ("email", "a" * 64 + "@" + "b" * 400),
    ("organization", "Ac\x00me"), ("contactName", "Sam\nCarter"), ("customerId", "a\x00" * 13),
    ("customerId", "a" * 4000), ("users", 1_000_001), ("users", 10 ** 30), ("users", 1e400),
    ("startsAt", "2030-01-01" + " " * 100),
])
def test_strings_and_numbers_beyond_their_limits_are_422(client, auth, field, value):
    assert_error(post(client, auth, {**NEW, field: value}), 422, "validation_error", field)


def test_a_nul_in_a_field_name_is_named_as_unknown(client, auth):
    error = assert_error(post(client, auth, {**NEW, "sku\x00": "E10"}), 422, "validation_error")
    assert error["fields"]["sku\x00"] == ["Unknown field."]


@pytest.mark.parametrize("key", ["", "x" * 256, " padded ", "ключ", "tab\there"])
def test_an_idempotency_key_that_is_not_1_to_255_printable_ascii_is_422(client, auth, key):
    response = client.post("/api/v1/license", json=NEW,
                           headers={**auth, "Idempotency-Key": key.encode().decode("latin-1")})
    assert_error(response, 422, "validation_error", "Idempotency-Key")


# ids and query strings

@pytest.mark.parametrize("route", ID_ROUTES)
@pytest.mark.parametrize("value", ["a" * 4000, "%00", "a%00b", "%ff%fe", "%c3%28", "..%2f..",
                                   "A" * 26, "a" * 25 + "%00", "' OR '1'='1", "%e2%80%ae" * 9])
def test_ids_too_long_or_malformed_are_404(client, auth, route, value):
    assert_error(client.get(route.format(value), headers=auth), 404, "not_found")


@pytest.mark.parametrize("query", [
    "email=" + "a" * 10_000, "email=" + "a" * 5000 + "@acme.example", "email=a%00b@acme.example",
    "email=%ff%fe@acme.example", "email=ops@acme.example&x=%c3%28", "email=", "email=%20",
    "", "e-mail=ops@acme.example",
])
def test_customer_queries_too_long_or_malformed_are_422(client, auth, query):
    assert_error(client.get("/api/v1/customers?" + query, headers=auth), 422, "validation_error")


def test_customer_query_ignores_other_parameters_such_as_cache_busters(client, auth):
    response = client.get("/api/v1/customers?email=ops@acme.example&_=1712", headers=auth)
    assert response.status_code == 200 and response.get_json() == {"customers": []}


def test_a_query_string_is_checked_on_every_api_route(client, auth):
    for path in ("/api/v1/health", "/api/v1/signing-key.pem", "/api/v1/openapi.json"):
        assert_error(client.get(path + "?x=%ff", headers=auth), 422, "validation_error")


# methods

def test_every_api_405_is_json_and_carries_allow(app, client, auth):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.build({name: "a" * 26 for name in rule.arguments})[1]
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - rule.methods:
            response = client.open(path, method=method, headers=auth)
            assert_error(response, 405, "method_not_allowed")
            assert set(response.headers["Allow"].split(", ")) == rule.methods, path


# the same under gunicorn

@pytest.fixture(scope="module")
def live(live_server):
    return live_server.url, {"Authorization": f"Bearer {live_server.token}"}


def test_live_body_over_64_kib_is_413_with_content_length(live):
    url, auth = live
    response = requests.post(url + "/api/v1/license", data=b" " * (64 * KIB + 1),
                             headers={**auth, "Content-Type": "application/json"}, timeout=10)
    assert_error(response, 413, "payload_too_large")


def test_live_chunked_body_over_64_kib_is_413_without_content_length(live):
    url, auth = live

    def chunks():
        for _ in range(9):
            yield b" " * (8 * KIB)

    response = requests.post(url + "/api/v1/license", data=chunks(), timeout=10,
                             headers={**auth, "Content-Type": "application/json"})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


def test_live_chunked_body_under_the_limit_is_read(live):
    url, auth = live
    body = json.dumps({**NEW, "email": unique_email()}).encode()

    response = requests.post(url + "/api/v1/license", data=iter([body[:10], body[10:]]),
                             headers={**auth, "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 201, response.text


def test_live_query_of_8000_bytes_reaches_the_service(live):
    url, auth = live
    response = requests.get(url + "/api/v1/customers?email=" + "a" * 8000, headers=auth,
                            timeout=10)
    assert_error(response, 422, "validation_error", "email")


def test_live_request_line_over_8190_bytes_is_refused_by_gunicorn_as_documented(live):
    url, auth = live
    response = requests.get(url + "/api/v1/customers?email=" + "a" * 10_000, headers=auth,
                            timeout=10)
    assert response.status_code == 414


@pytest.mark.parametrize("path", ["/api/v1/customers/" + "a" * 4000, "/api/v1/licenses/a%00b",
                                  "/api/v1/licenses/%ff/file"])
def test_live_malformed_ids_are_404(live, path):
    url, auth = live
    assert_error(requests.get(url + path, headers=auth, timeout=10), 404, "not_found")


@pytest.mark.parametrize("raw, field", [
    (json.dumps({**NEW, "organization": "Ac\x00me"}), "organization"),
    (json.dumps({**NEW, "customerId": "a\x00b"}), "customerId"),
    ("[" * 20000 + "]" * 20000, "_body"),
    (json.dumps(NEW).replace('"Acme"', '"\\udfff"'), "_body"),
])
def test_live_hostile_bodies_are_422(live, raw, field):
    url, auth = live
    response = requests.post(url + "/api/v1/license", data=raw.encode(), timeout=10,
                             headers={**auth, "Content-Type": "application/json"})
    assert_error(response, 422, "validation_error", field)


def test_live_nul_in_a_query_is_422(live):
    url, auth = live
    response = requests.get(url + "/api/v1/customers?email=a%00@acme.example", headers=auth,
                            timeout=10)
    assert_error(response, 422, "validation_error", "email")
