"""Fixtures for the admin pages through Flask's test client: an admin, a signed-in client."""

import re

import pytest

from licensing.users import create_user

ADMIN_EMAIL = "staff@licensing.example"
ADMIN_PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path="/login"):
    """The CSRF token a page of the form hands out to this client's session."""
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, address="127.0.0.1", token=None):
    """POST the login form as a browser would; returns the response."""
    return client.post("/login", data={
        "email": email, "password": password, "csrf_token": token or csrf_token(client),
    }, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def admin(db):
    create_user(ADMIN_EMAIL, ADMIN_PASSWORD)
    db.session.commit()
    return ADMIN_EMAIL, ADMIN_PASSWORD


@pytest.fixture
def signed_in(client, admin):
    response = sign_in(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
