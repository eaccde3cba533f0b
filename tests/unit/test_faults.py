"""Faults half-way through: nothing half-written, 503 while the database is away, recovery."""

import logging
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from licensing import create_app
from licensing import database as backend_rules
from licensing.auth import create_token
from licensing.extensions import db as _db
from licensing.models import AuditEvent, Customer, IdempotencyKey, License
from tests.support.databases import backend
from tests.support.proxy import TcpProxy

BODY = {"email": "fault@acme.example", "organization": "Fault Line", "contactName": "Al Fault",
        "sku": "E20", "users": 100, "expiresAt": "2030-12-31"}


def stored_rows():
    return {model.__tablename__: _db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Customer, License, IdempotencyKey)}


def assert_unavailable(response):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.is_json
    assert response.get_json()["error"]["code"] == "database_unavailable"


class SignerFails(RuntimeError):
    pass


def test_signer_failure_after_customer_insert_leaves_nothing(app, client, auth, monkeypatch):
    keys = app.extensions["keys"]
    real_private_key = keys.private_key
    inserted_first = []

    def failing_private_key():
        # The customer row is in the database (flushed, not committed) when the signer runs.
        with _db.session.no_autoflush:
            inserted_first.append(_db.session.scalar(
                sa.select(Customer.id).where(Customer.email_normalized == BODY["email"])))
        raise SignerFails("the HSM is on fire")

    monkeypatch.setattr(keys, "private_key", failing_private_key)
    headers = {**auth, "Idempotency-Key": "fault-1"}
    failed = client.post("/api/v1/license", json=BODY, headers=headers)

    assert failed.status_code == 500
    assert failed.get_json() == {"error": {
        "code": "internal_error",
        "message": "Something went wrong on our side; the request changed nothing."}}
    assert inserted_first[0] is not None
    assert stored_rows() == {"customers": 0, "licenses": 0, "idempotency_keys": 0}

    monkeypatch.setattr(keys, "private_key", real_private_key)
    retried = client.post("/api/v1/license", json=BODY, headers=headers)
    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["resolution"] == "created"
    assert "Idempotent-Replayed" not in retried.headers
    assert stored_rows() == {"customers": 1, "licenses": 1, "idempotency_keys": 1}


def test_no_audit_or_customer_row_survives_a_failed_issue(app, client, auth, monkeypatch):
    before = _db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    monkeypatch.setattr(app.extensions["keys"], "private_key",
                        lambda: (_ for _ in ()).throw(SignerFails("no key")))
    assert client.post("/api/v1/license", json=BODY, headers=auth).status_code == 500
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
    assert stored_rows()["customers"] == 0


# --- PostgreSQL going away -------------------------------------------------------------------

@pytest.fixture
def proxy(database):
    url = make_url(database.url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.close()


@pytest.fixture
def proxied(database, proxy, signing_key, tmp_path, monkeypatch):
    """An app whose every database connection runs through the proxy; no outer app context,
    so each request has its own session as under gunicorn."""
    monkeypatch.setenv("LICENSING_INSTANCE_PATH", str(tmp_path / "instance"))
    url = make_url(database.url).set(host="127.0.0.1", port=proxy.port)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "LICENSE_SIGNING_KEY": str(signing_key),
        "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
    })
    with app.app_context():
        _db.create_all()
        token, _record = create_token("proxied")
        _db.session.commit()
    yield app, {"Authorization": f"Bearer {token}"}
    with app.app_context():
        _db.engine.dispose()


postgres_only = pytest.mark.skipif(
    backend() != "postgresql",
    reason="SQLite is a file the app opens itself: there is no connection to cut. Its 503s (a"
           " file that cannot be opened, a lock that outlives the retries) are tested below.")


@postgres_only
def test_cut_database_connection_gives_503_then_recovers_without_restart(proxied, proxy):
    app, auth = proxied
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    before = client.post("/api/v1/license", json=BODY, headers=auth)
    assert before.status_code == 201

    proxy.cut()
    assert_unavailable(client.get("/api/v1/health"))
    assert_unavailable(client.post("/api/v1/license", json={**BODY, "email": "b@acme.example"},
                                   headers=auth))
    assert_unavailable(client.get(f"/api/v1/licenses/{before.get_json()['id']}", headers=auth))

    proxy.restore()
    assert client.get("/api/v1/health").status_code == 200
    after = client.post("/api/v1/license", json={**BODY, "email": "c@acme.example"},
                        headers=auth)
    assert after.status_code == 201, after.get_json()
    assert client.get(f"/api/v1/licenses/{before.get_json()['id']}",
                      headers=auth).status_code == 200
    assert client.get("/api/v1/customers", query_string={"email": "b@acme.example"},
                      headers=auth).get_json() == {"customers": []}


@postgres_only
def test_connection_lost_between_customer_and_license_writes_stores_neither(
        proxied, proxy, monkeypatch):
    app, auth = proxied
    client = app.test_client()
    keys = app.extensions["keys"]
    real_private_key = keys.private_key
    cut_once = []

    def cut_then_sign():
        if not cut_once:
            cut_once.append(True)
            proxy.cut()  # the customer insert is flushed; the license insert comes next
        return real_private_key()

    monkeypatch.setattr(keys, "private_key", cut_then_sign)
    assert_unavailable(client.post("/api/v1/license", json=BODY, headers=auth))

    proxy.restore()
    with app.app_context():
        assert stored_rows() == {"customers": 0, "licenses": 0, "idempotency_keys": 0}
    retried = client.post("/api/v1/license", json=BODY, headers=auth)
    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["resolution"] == "created"


# --- SQLite: a file that cannot be opened, a lock held too long --------------------------------

sqlite_only = pytest.mark.skipif(backend() != "sqlite", reason="SQLite's file and its locks")


@sqlite_only
def test_sqlite_file_that_cannot_be_opened_gives_503_until_it_can(signing_key, tmp_path,
                                                                  monkeypatch):
    """A volume not mounted yet: 503, then the service works once the file is there."""
    monkeypatch.setenv("LICENSING_INSTANCE_PATH", str(tmp_path / "instance"))
    volume = tmp_path / "volume"
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "LICENSE_SIGNING_KEY": str(signing_key),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{volume / 'licensing.db'}",
    })
    client = app.test_client()
    assert_unavailable(client.get("/api/v1/health"))
    assert_unavailable(client.post("/api/v1/license", json=BODY,
                                   headers={"Authorization": "Bearer lic_whatever"}))

    volume.mkdir()
    with app.app_context():
        _db.create_all()
        token, _record = create_token("after-mount")
        _db.session.commit()
    assert client.get("/api/v1/health").status_code == 200
    issued = client.post("/api/v1/license", json=BODY,
                         headers={"Authorization": f"Bearer {token}"})
    assert issued.status_code == 201, issued.get_json()
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def short_busy_timeout(app, monkeypatch):
    """Connections that give up on a lock after 50 ms, so a test sees the retries quickly."""
    monkeypatch.setattr(backend_rules, "SQLITE_BUSY_TIMEOUT_MS", 50)
    _db.session.remove()
    _db.engine.dispose()


@contextmanager
def write_lock_held(database, release):
    """Another connection holds SQLite's write lock, as a slow worker would, until release is
    set (or 10 s pass)."""
    engine = sa.create_engine(database.url)
    taken = threading.Event()

    def hold():
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            taken.set()
            release.wait(10)
            conn.exec_driver_sql("ROLLBACK")

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert taken.wait(5)
        yield
    finally:
        release.set()
        thread.join()
        engine.dispose()


class ReleaseOnRetry(logging.Handler):
    """Sets an event when write() logs that it is retrying."""

    def __init__(self, event):
        super().__init__()
        self.event = event

    def emit(self, record):
        if "retrying" in record.getMessage():
            self.event.set()


@sqlite_only
def test_sqlite_lock_held_by_another_writer_is_retried_not_an_error(
        client, auth, database, short_busy_timeout, caplog):
    caplog.set_level(logging.INFO, logger="licensing.database")
    retried = threading.Event()
    handler = ReleaseOnRetry(retried)
    logging.getLogger("licensing.database").addHandler(handler)
    try:
        with write_lock_held(database, release=retried):
            response = client.post("/api/v1/license", json=BODY, headers=auth)
    finally:
        logging.getLogger("licensing.database").removeHandler(handler)
    assert response.status_code == 201, response.get_json()
    assert "database is locked, retrying (attempt 1)" in caplog.text


@sqlite_only
def test_sqlite_lock_outliving_every_retry_is_503(client, auth, database, short_busy_timeout,
                                                  monkeypatch):
    monkeypatch.setattr(backend_rules, "WRITE_ATTEMPTS", 2)
    with write_lock_held(database, release=threading.Event()):
        response = client.post("/api/v1/license", json=BODY, headers=auth)
    assert_unavailable(response)
    assert client.post("/api/v1/license", json=BODY, headers=auth).status_code == 201
