"""Access control, route by route: every rule in the URL map, signed out, revoked and misused.

The scan walks app.url_map, so routes added later (the admin pages) are covered without
touching this file: an API route must answer 401 in the JSON error shape, a page must send the
browser to /login; only /login, static files, /api/v1/health and /api/v1/openapi.json answer
without credentials. A bearer token never opens a page.
"""

from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from licensing.auth import create_token, revoke_token
from licensing.ids import new_id
from licensing.users import create_user

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_public(rule):
    return (rule.endpoint in PUBLIC_ENDPOINTS or rule.rule == "/login"
            or rule.endpoint == "static" or rule.endpoint.endswith(".static"))


def is_api(rule):
    return rule.rule.startswith("/api/")


def sample_path(rule):
    """The rule's address with every variable filled by something that looks valid."""
    values = {name: "app.css" if name == "filename" else new_id() for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def calls(app, select):
    """(method, path, rule) for every method of every rule that select() keeps."""
    out = []
    for rule in app.url_map.iter_rules():
        if select(rule):
            out += [(method, sample_path(rule), rule) for method in sorted(rule.methods)]
    return out


def protected(app):
    found = calls(app, lambda rule: not is_public(rule))
    # The scan must see the API at least; admin pages join it as they are added.
    assert {"api.create_license", "api.get_license_file", "api.signing_key"} <= {
        rule.endpoint for _, _, rule in found}
    return found


def send(client, method, path, headers=None):
    body = {"json": {}} if method in WRITE_METHODS else {}
    return client.open(path, method=method, headers=headers or {}, **body)


def assert_api_401(response, method, path):
    assert response.status_code == 401, (method, path, response.status_code)
    assert response.mimetype == "application/json", (method, path)
    if method != "HEAD":
        error = response.get_json()["error"]
        assert error["code"] == "unauthorized" and set(error) == {"code", "message"}


def assert_sent_to_login(response, method, path):
    """A page without an admin session: to /login, or refused; never the page itself."""
    if method in {"GET", "HEAD"}:
        assert response.status_code in (302, 303), (method, path, response.status_code)
        assert urlsplit(response.headers["Location"]).path == "/login", (method, path)
    elif method == "OPTIONS":
        # Flask answers OPTIONS itself with the Allow header and nothing else, unless the
        # sign-in guard sends the caller to /login first.
        if response.status_code in (302, 303):
            assert urlsplit(response.headers["Location"]).path == "/login", (method, path)
        else:
            assert response.status_code in (200, 400, 401, 403) and not response.data
    else:  # a write: the CSRF check or the login check refuses it
        assert response.status_code in (302, 303, 400, 401, 403), (method, path)


def assert_refused(response, method, path, rule):
    if is_api(rule):
        assert_api_401(response, method, path)
    else:
        assert_sent_to_login(response, method, path)


@pytest.fixture
def revoked(app, db):
    plain, _record = create_token("revoked")
    db.session.commit()
    revoke_token("revoked")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_every_protected_route_refuses_a_signed_out_caller(app, client):
    for method, path, rule in protected(app):
        assert_refused(send(client, method, path), method, path, rule)


def test_every_protected_route_refuses_a_revoked_token(app, client, revoked):
    for method, path, rule in protected(app):
        assert_refused(send(client, method, path, revoked), method, path, rule)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "lic_abc",
                                    "Bearer lic_" + "x" * 300, "Bearer lic_unknown",
                                    "Bearer  \t", "bearer lic_unknown extra"])
def test_every_protected_api_route_refuses_a_malformed_or_unknown_token(app, client, header):
    for method, path, rule in protected(app):
        if is_api(rule):
            assert_api_401(send(client, method, path, {"Authorization": header}), method, path)


def test_a_bearer_token_never_opens_a_page(app, client, auth):
    for method, path, rule in protected(app):
        if not is_api(rule):
            assert_sent_to_login(send(client, method, path, auth), method, path)


def test_a_valid_token_opens_every_api_route(app, client, auth):
    for method, path, rule in protected(app):
        if is_api(rule):
            assert send(client, method, path, auth).status_code != 401, (method, path)


def test_public_routes_answer_without_credentials(app, client):
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    for method, path, _rule in calls(app, is_public):
        assert send(client, method, path).status_code not in (302, 401), (method, path)


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/nothing"), ("GET", "/api/v1"), ("DELETE", "/api/v1/customers"),
    ("PUT", "/api/v1/license"), ("POST", "/api/v1/openapi.json"),
    ("GET", "/api/v1/customers/" + "x" * 4000), ("GET", "/api/v1/licenses/a/b/c"),
])
def test_unknown_api_addresses_and_methods_are_401_without_credentials(client, auth, method,
                                                                      path):
    assert_api_401(send(client, method, path), method, path)
    assert send(client, method, path, auth).status_code in (404, 405)


def test_an_admin_session_reads_the_api_without_a_token(app, client, db):
    user = create_user("boss@acme.example", "a long enough password")
    db.session.commit()
    with client.session_transaction() as session:
        session["admin_id"] = user.id
    assert client.get("/api/v1/customers", query_string={"email": "x@acme.example"}
                      ).status_code == 200
    assert client.get("/api/v1/signing-key.pem").status_code == 200


def test_an_admin_session_write_needs_the_csrf_token(app, client, db):
    user = create_user("boss@acme.example", "a long enough password")
    db.session.commit()
    with client.session_transaction() as session:
        session["admin_id"] = user.id
        session["csrf_token"] = "raw-csrf-secret"
    body = {"email": "ops@acme.example", "organization": "Acme", "contactName": "Sam",
            "sku": "E10", "users": 1, "isTrial": True}
    refused = client.post("/api/v1/license", json=body)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    signed = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(
        "raw-csrf-secret")
    issued = client.post("/api/v1/license", json=body, headers={"X-CSRFToken": signed})
    assert issued.status_code == 201, issued.get_json()
    assert issued.get_json()["issuedBy"] == "boss@acme.example"


def test_a_session_for_a_deleted_or_forged_admin_is_signed_out(app, client):
    with client.session_transaction() as session:
        session["admin_id"] = new_id()
    assert client.get("/api/v1/signing-key.pem").status_code == 401
    with client.session_transaction() as session:
        session["admin_id"] = {"$ne": None}
    assert client.get("/api/v1/signing-key.pem").status_code == 401


def test_a_session_cookie_signed_with_another_secret_is_ignored(app, client, db):
    user = create_user("boss@acme.example", "a long enough password")
    db.session.commit()
    forged = URLSafeTimedSerializer("not the secret", salt="cookie-session",
                                    signer_kwargs={"key_derivation": "hmac",
                                                   "digest_method": "sha1"}
                                    ).dumps({"admin_id": user.id})
    client.set_cookie("session", forged)
    assert client.get("/api/v1/signing-key.pem").status_code == 401


def test_no_response_carries_the_private_key(app, client, auth):
    key = app.extensions["keys"].private_key()
    from licensing.signing import private_pem

    secret_lines = [line for line in private_pem(key).splitlines()[1:-1]]
    for method, path, _rule in calls(app, lambda rule: True):
        if method == "GET":
            body = send(client, method, path, auth).data
            assert b"PRIVATE KEY" not in body, path
            assert not any(line in body for line in secret_lines), path
