"""Failed sign-ins are limited per account and per address, counted in the shared database."""

import time

from sqlalchemy import func, select

from licensing import create_app
from licensing.models import AuditEvent
from licensing.throttle import account_key
from tests.admin.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token, sign_in


def fail(client, times, email=ADMIN_EMAIL, address="10.0.0.1", token=None):
    token = token or csrf_token(client)
    for _ in range(times):
        response = sign_in(client, email, "wrong password!", address, token)
        assert response.status_code == 200


def seed_failures(db, times, account=ADMIN_EMAIL, address="10.0.0.1"):
    """Failed sign-ins as the login view records them, written straight to the database."""
    db.session.add_all(AuditEvent(action="login_failed", actor=account, remote_addr=address)
                       for _ in range(times))
    db.session.commit()


def failures(db):
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed"))


def test_eleventh_attempt_for_one_account_is_rate_limited(client, admin, db):
    token = csrf_token(client)
    for number in range(10):  # ten addresses, one account: only the account's count is full
        fail(client, 1, address=f"10.0.1.{number}", token=token)
    limited = sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "10.0.2.1", token)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in limited.get_data(as_text=True)
    assert client.get("/admin/licenses/new").status_code == 302  # even the right password
    other = sign_in(client, "someone@licensing.example", "x" * 12, "10.0.2.1", token)
    assert other.status_code == 200  # another account from that address may still try


def test_eleventh_attempt_from_one_address_is_rate_limited(client, admin, db):
    token = csrf_token(client)
    for number in range(10):  # ten accounts, one address
        fail(client, 1, email=f"guess{number}@licensing.example", token=token)
    limited = sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "10.0.0.1", token)
    assert limited.status_code == 429
    elsewhere = sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "10.0.0.2", token)
    assert elsewhere.status_code == 302


def test_account_is_counted_by_the_email_rule(app, client, admin, db):
    app.config["LOGIN_MAX_FAILURES"] = 2
    token = csrf_token(client)
    for number, spelling in enumerate([ADMIN_EMAIL.upper(), f"  {ADMIN_EMAIL} "]):
        fail(client, 1, email=spelling, address=f"10.0.3.{number}", token=token)
    assert account_key(ADMIN_EMAIL.upper()) == ADMIN_EMAIL
    assert sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "10.0.4.1", token).status_code == 429


def test_rate_limited_attempts_are_not_counted_and_the_limit_lifts_after_the_window(
        app, client, admin, db):
    app.config.update(LOGIN_MAX_FAILURES=2, LOGIN_WINDOW_SECONDS=1)
    token = csrf_token(client)
    fail(client, 2, token=token)
    assert sign_in(client, ADMIN_EMAIL, "wrong password!", "10.0.0.1", token).status_code == 429
    assert failures(db) == 2
    time.sleep(1.1)
    assert sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD, "10.0.0.1", token).status_code == 302


def test_json_clients_get_the_rate_limited_error_shape(client, admin, db):
    token = csrf_token(client)
    seed_failures(db, 10)
    response = client.post("/login", data={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token,
    }, headers={"Accept": "application/json"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_the_count_is_shared_by_every_instance_on_the_database(app, client, admin, db,
                                                               database):
    """A second app on the same database (another worker or host) sees the same failures."""
    fail(client, 1)
    seed_failures(db, 9)
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database.url,
                        "LICENSE_SIGNING_KEY": app.config["LICENSE_SIGNING_KEY"],
                        "SECRET_KEY": "test"})
    with other.app_context():
        response = sign_in(other.test_client(), ADMIN_EMAIL, ADMIN_PASSWORD, "10.0.0.1")
        db.session.remove()  # db.session and db.engine are the second app's here
        db.engine.dispose()
    assert response.status_code == 429
