"""Development defaults that just work; production refuses to start without a secret and key."""

import pytest

from licensing import create_app
from licensing.config import ConfigError, load_config


def test_development_defaults_to_sqlite_in_instance_folder(tmp_path):
    config = load_config(str(tmp_path), environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/licensing.db"
    assert config["SECRET_KEY"] and config["SESSION_COOKIE_SECURE"] is False
    # every worker of one instance folder shares the development secret
    assert load_config(str(tmp_path), environ={})["SECRET_KEY"] == config["SECRET_KEY"]


def test_database_url_selects_the_database(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert load_config(str(tmp_path), {"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"] == url


@pytest.mark.parametrize(("environ", "named"), [
    ({}, ["SECRET_KEY", "LICENSE_SIGNING_KEY"]),
    ({"SECRET_KEY": "s" * 40}, ["LICENSE_SIGNING_KEY"]),
    ({"LICENSE_SIGNING_KEY": "/etc/key.pem"}, ["SECRET_KEY"]),
])
def test_production_without_secret_or_key_refuses_naming_what_to_set(tmp_path, environ, named):
    with pytest.raises(ConfigError) as caught:
        load_config(str(tmp_path), {"LICENSING_ENV": "production", **environ})
    for name in named:
        assert name in str(caught.value)


def test_production_with_unreadable_key_refuses(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(str(tmp_path), {"LICENSING_ENV": "production", "SECRET_KEY": "s" * 40,
                                    "LICENSE_SIGNING_KEY": str(tmp_path / "missing.pem")})


def test_production_with_a_key_that_is_not_a_key_refuses(tmp_path, monkeypatch):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    monkeypatch.setenv("LICENSING_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LICENSE_SIGNING_KEY", str(junk))
    monkeypatch.setenv("LICENSING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(ConfigError, match="keys generate"):
        create_app()


def test_production_cookies_are_secure(tmp_path, signing_key):
    config = load_config(str(tmp_path), {"LICENSING_ENV": "production", "SECRET_KEY": "s" * 40,
                                         "LICENSE_SIGNING_KEY": str(signing_key)})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"



def test_proxy_hops_make_the_forwarded_address_the_client(tmp_path, monkeypatch, signing_key):
    from licensing.audit import client_address

    monkeypatch.setenv("LICENSING_INSTANCE_PATH", str(tmp_path))
    environ = {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}

    def seen(config):
        proxied = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "s",
                              "LICENSE_SIGNING_KEY": str(signing_key), **config})
        proxied.add_url_rule("/_addr", "addr", client_address)
        return proxied.test_client().get("/_addr", environ_base=environ).get_data(as_text=True)

    assert seen({}) == "10.0.0.9"
    assert seen({"PROXY_HOPS": 1}) == "203.0.113.5"
