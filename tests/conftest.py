"""Fixtures: app, client, runner, db (a fresh database per test), token, live servers."""

import pytest

from licensing import create_app
from licensing.auth import create_token
from licensing.extensions import db as _db
from licensing.signing import write_private_key
from tests.support.databases import FreshDatabase, backend
from tests.support.live import serving


def pytest_report_header(config):
    return f"database backend: {backend()}"


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory):
    """One RSA key for the whole run: generating keys is slow and not what is tested."""
    path = tmp_path_factory.mktemp("keys") / "signing.pem"
    write_private_key(str(path))
    return path


@pytest.fixture
def database(tmp_path):
    fresh = FreshDatabase(tmp_path)
    yield fresh
    fresh.drop()


@pytest.fixture
def app(database, signing_key, tmp_path, monkeypatch):
    monkeypatch.setenv("LICENSING_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database.url,
        "LICENSE_SIGNING_KEY": str(signing_key),
        "SECRET_KEY": "test",
    })
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def token(app):
    plain, _record = create_token("tests")
    _db.session.commit()
    return plain


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, signing_key):
    """A gunicorn server for a module's contract tests, on its own fresh database.

    Module-scoped because starting a server costs a second; tests keep apart by using
    addresses of their own (see tests.support.unique_email).
    """
    with serving(tmp_path_factory, signing_key) as server:
        yield server
