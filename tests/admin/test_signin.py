"""Sign-in, sign-out and the guard in front of every admin page."""

import pytest
from sqlalchemy import select

from licensing.admin.signin import FAILED, PUBLIC_ENDPOINTS
from licensing.models import AuditEvent
from tests.admin.conftest import ADMIN_EMAIL, csrf_token, sign_in


def admin_pages(app):
    """Every GET page of the admin blueprint that needs a session, with sample ids filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and rule.endpoint not in PUBLIC_ENDPOINTS \
                and "GET" in rule.methods:
            paths.append(rule.rule.replace("<license_id>", "a" * 26)
                         .replace("<customer_id>", "b" * 26))
    return sorted(paths)


def events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_login_page_has_the_contract_ids_and_labels(client):
    html = client.get("/login").get_data(as_text=True)
    for element in ("login-email", "login-password", "login-submit"):
        assert f'id="{element}"' in html
    assert '<label for="login-email">' in html and '<label for="login-password">' in html


def test_right_password_signs_in_and_records_a_login(client, admin, db):
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/licenses/new"
    assert client.get("/admin/licenses/new").status_code == 200
    (event,) = events(db, "login")
    assert (event.actor, event.remote_addr) == (ADMIN_EMAIL, "127.0.0.1")


def test_failed_sign_in_reshows_the_login_page_with_a_message(client, admin, db):
    response = sign_in(client, password="not the password")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="login-email"' in html and FAILED in html
    assert f'value="{ADMIN_EMAIL}"' in html  # the email stays; the password does not
    assert client.get("/admin/licenses/new").status_code == 302
    (event,) = events(db, "login_failed")
    assert event.actor == ADMIN_EMAIL


def test_unknown_account_and_wrong_password_get_the_same_answer(client, admin, db):
    wrong = sign_in(client, password="not the password")
    unknown = sign_in(client, email="nobody@licensing.example")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert FAILED in response.get_data(as_text=True)
    assert client.get("/admin/licenses/new").status_code == 302
    assert [e.actor for e in events(db, "login_failed")] == [
        ADMIN_EMAIL, "nobody@licensing.example"]


def test_login_post_without_csrf_token_is_refused(client, admin, db):
    client.get("/login")
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": "x" * 20})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert events(db, "login_failed") == [] and events(db, "login") == []


def test_logout_is_a_post_with_csrf_and_ends_the_session(signed_in, db):
    assert signed_in.get("/logout").status_code == 405
    refused = signed_in.post("/logout")
    assert refused.status_code == 400
    assert signed_in.get("/admin/audit").status_code == 200  # still signed in
    response = signed_in.post("/logout", data={"csrf_token": csrf_token(signed_in, "/admin/audit")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert signed_in.get("/admin/audit").status_code == 302
    assert [e.actor for e in events(db, "logout")] == [ADMIN_EMAIL]


def test_signed_out_every_admin_page_redirects_to_login(app, client):
    pages = admin_pages(app)
    assert "/admin/licenses/new" in pages and "/admin/audit" in pages and len(pages) >= 7
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_login_returns_to_the_page_asked_for(client, admin):
    redirect = client.get("/admin/customers?q=acme")
    assert redirect.headers["Location"] == "/login?next=/admin/customers?q%3Dacme"
    token = csrf_token(client)
    response = client.post("/login", data={
        "email": ADMIN_EMAIL, "password": "correct horse battery", "csrf_token": token,
        "next": "/admin/customers?q=acme"})
    assert response.headers["Location"] == "/admin/customers?q=acme"


@pytest.mark.parametrize("target", ["//evil.example/admin", "https://evil.example/admin",
                                    "/\\evil.example", "/api/v1/license", "javascript:alert(1)"])
def test_login_never_redirects_off_the_admin_pages(client, admin, target):
    response = client.post("/login", data={
        "email": ADMIN_EMAIL, "password": "correct horse battery",
        "csrf_token": csrf_token(client), "next": target})
    assert response.headers["Location"] == "/admin/licenses/new"


def test_bearer_token_never_opens_an_admin_page(app, client, auth):
    for path in admin_pages(app):
        response = client.get(path, headers=auth)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_session_cookie_is_httponly_and_samesite_lax(client, admin):
    cookie = sign_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admin_pages_send_strict_security_headers(signed_in):
    for path in ("/login", "/admin/licenses/new", "/admin/audit"):
        headers = signed_in.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert headers["Cache-Control"] == "no-store"


def test_dev_admin_is_printed_and_can_sign_in(runner, client):
    first = runner.invoke(args=["users", "ensure-dev-admin"])
    assert first.exit_code == 0, first.output
    words = first.output.split()
    email, password = words[words.index("as") + 1], words[words.index("password") + 1]
    assert email == "admin@licensing.example" and len(password) >= 12
    again = runner.invoke(args=["users", "ensure-dev-admin"])
    assert again.output == first.output  # `make run` shows the same account on every start
    assert sign_in(client, email, password).status_code == 302
