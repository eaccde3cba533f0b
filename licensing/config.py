"""Settings from the environment; production refuses unsafe defaults."""

import os


class ConfigError(RuntimeError):
    """The environment does not describe a safe deployment."""


def _sqlite_url(instance_path):
    return "sqlite:///" + os.path.join(instance_path, "licensing.db")


def load_config(instance_path, environ=None):
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    production = env.get("LICENSING_ENV", "development") == "production"
    config = {
        "LICENSING_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or _sqlite_url(instance_path),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "LICENSE_SIGNING_KEY": env.get("LICENSE_SIGNING_KEY"),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "10")),
        "LOGIN_WINDOW_SECONDS": int(env.get("LOGIN_WINDOW_SECONDS", str(15 * 60))),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Reverse proxies in front of the service whose X-Forwarded-For is trusted: with 1, the
        # address one hop out is the client's (sign-in limits, audit trail, issued_from).
        "PROXY_HOPS": int(env.get("LICENSING_PROXY_HOPS", "0")),
    }
    if production:
        _check_production(config)
    elif not config["SECRET_KEY"]:
        # Development only: a random secret kept in the instance folder, shared by all workers.
        config["SECRET_KEY"] = _dev_secret(instance_path)
    return config


def _check_production(config):
    hints = {
        "SECRET_KEY": "SECRET_KEY: a long random string",
        "LICENSE_SIGNING_KEY": "LICENSE_SIGNING_KEY: the path of the RSA private key PEM, made"
                               " with `flask --app wsgi keys generate PATH`",
    }
    missing = [name for name in hints if not config[name]]
    if missing:
        raise ConfigError(
            "LICENSING_ENV=production needs " + " and ".join(missing) + " to be set ("
            + "; ".join(hints[name] for name in missing) + ")."
        )
    path = config["LICENSE_SIGNING_KEY"]
    if not os.access(path, os.R_OK):
        raise ConfigError(f"LICENSE_SIGNING_KEY names {path!r}, which cannot be read.")


def _dev_secret(instance_path):
    """A development secret kept in the instance folder so every worker shares it."""
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, "dev-secret-key")
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    except FileNotFoundError:
        pass
    secret = os.urandom(32).hex()
    tmp = f"{path}.{os.getpid()}"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(secret)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    with open(path, encoding="ascii") as handle:
        return handle.read().strip()
