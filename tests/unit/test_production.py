"""Production mode: refuses to start without a real secret and signing key, as `make serve` runs."""

import os
import subprocess

import pytest

from licensing import create_app
from licensing.config import ConfigError
from tests.support.live import BIN, ROOT


@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("LICENSING_ENV", "production")
    monkeypatch.setenv("LICENSING_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    for name in ("SECRET_KEY", "LICENSE_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_without_secret_or_key_names_both(production):
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert "SECRET_KEY and LICENSE_SIGNING_KEY" in str(refused.value)


def test_production_with_unreadable_key_says_which_path(production, tmp_path):
    production.setenv("SECRET_KEY", "s" * 40)
    production.setenv("LICENSE_SIGNING_KEY", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="missing.pem"):
        create_app()


def test_production_with_a_key_that_is_not_rsa_refuses(production, tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a key")
    production.setenv("SECRET_KEY", "s" * 40)
    production.setenv("LICENSE_SIGNING_KEY", str(bogus))
    with pytest.raises(ConfigError, match="RSA private key"):
        create_app()


def test_production_with_secret_and_key_starts_with_secure_cookies(production, signing_key):
    production.setenv("SECRET_KEY", "s" * 40)
    production.setenv("LICENSE_SIGNING_KEY", str(signing_key))
    app = create_app()
    assert app.config["LICENSING_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_gunicorn_in_production_without_secret_exits_instead_of_serving(production, tmp_path):
    result = subprocess.run(
        [str(BIN / "gunicorn"), "--workers", "1", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "LICENSING_ENV=production needs SECRET_KEY" in result.stderr
