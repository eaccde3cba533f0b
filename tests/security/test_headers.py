"""Every response is kept from being framed, sniffed, scripted inline or leaking its address."""

import pytest
import requests

from licensing.config import load_config
from licensing.security import CSP


def directives(policy):
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} given twice"
        parsed[name] = sources
    return parsed


def test_csp_allows_no_inline_or_foreign_script_and_no_framing():
    policy = directives(CSP)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for sources in policy.values():
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} & set(sources)
    assert "data:" not in policy["script-src"] + policy["default-src"]


def assert_protected(headers):
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("method, path, authed", [
    ("GET", "/api/v1/health", False), ("GET", "/api/v1/openapi.json", False),
    ("GET", "/api/v1/signing-key.pem", True), ("GET", "/api/v1/customers?email=x@acme.example",
                                              True),
    ("GET", "/api/v1/signing-key.pem", False), ("GET", "/api/v1/customers/nope", True),
    ("DELETE", "/api/v1/customers", True), ("POST", "/api/v1/license", True),
    ("GET", "/login", False), ("GET", "/admin/licenses/new", False), ("GET", "/nothing", False),
    ("GET", "/static/admin/app.js", False),
])
def test_every_kind_of_answer_carries_the_headers(client, auth, method, path, authed):
    response = client.open(path, method=method, headers=auth if authed else {},
                           data=b"{" if method == "POST" else None,
                           content_type="application/json")
    assert_protected(response.headers)


def test_the_answers_of_errors_raised_inside_the_app_carry_the_headers(client, auth):
    response = client.post("/api/v1/license", data=b" " * (65 * 1024), headers=auth,
                           content_type="application/json")
    assert response.status_code == 413
    assert_protected(response.headers)


def test_live_server_sends_the_headers(live_server):
    for path in ("/api/v1/health", "/api/v1/nothing"):
        assert_protected(requests.get(live_server.url + path, timeout=10).headers)


def test_json_answers_are_labelled_json_so_nosniff_cannot_render_them(client, auth):
    for path in ("/api/v1/health", "/api/v1/customers/nope", "/api/v1/signing-key.pem"):
        response = client.get(path, headers=auth)
        assert response.mimetype in ("application/json", "application/x-pem-file")


def test_license_files_download_as_attachments(client, auth):
    body = {"email": "ops@acme.example", "organization": "Acme", "contactName": "Sam",
            "sku": "E10", "users": 1, "isTrial": True}
    license_id = client.post("/api/v1/license", json=body, headers=auth).get_json()["id"]
    response = client.get(f"/api/v1/licenses/{license_id}/file", headers=auth)
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_session_cookie_is_httponly_lax_and_secure_in_production(tmp_path, signing_key):
    development = load_config(str(tmp_path), environ={})
    assert development["SESSION_COOKIE_HTTPONLY"] is True
    assert development["SESSION_COOKIE_SAMESITE"] == "Lax"
    production = load_config(str(tmp_path), environ={
        "LICENSING_ENV": "production", "SECRET_KEY": "s" * 32,
        "LICENSE_SIGNING_KEY": str(signing_key)})
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"
