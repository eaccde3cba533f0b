"""The licensing service: issues signed Mattermost licenses to existing or new customers."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigError, load_config
from .database import configure_engine
from .errors import register_error_handlers
from .extensions import csrf, db, migrate
from .security import register_security_headers
from .signing import KeyStore

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(test_config=None):
    """Build the app: settings, extensions, blueprints, error handlers, commands."""
    instance_path = os.environ.get("LICENSING_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    csrf.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    keys = KeyStore(app.config["LICENSE_SIGNING_KEY"],
                    dev_path=os.path.join(app.instance_path, "dev-signing-key.pem"))
    app.extensions["keys"] = keys
    if app.config["LICENSING_ENV"] == "production":
        try:
            keys.private_key()
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"LICENSE_SIGNING_KEY={app.config['LICENSE_SIGNING_KEY']!r} is not a readable"
                f" 2048-bit RSA private key PEM ({exc}); make one with"
                " `flask --app wsgi keys generate PATH`."
            ) from None


def register_blueprints(app):
    from .admin import bp as admin_bp
    from .api import bp as api_bp

    csrf.exempt(api_bp)  # the API checks CSRF itself for session-authenticated writes
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)


def register_commands(app):
    from .cli import register

    register(app)
