"""flask --app wsgi ... commands: tokens, users, licenses, keys, audit."""

import json
import sys

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit, signing
from .auth import create_token, revoke_token
from .extensions import db
from .ids import isoformat
from .issuing import IDEMPOTENCY_KEY_MIN_HOURS, prune_idempotency_keys
from .models import ApiToken
from .users import UserError, create_user, ensure_dev_admin

tokens = click.Group("tokens", help="API tokens for portal clients.")
keys = click.Group("keys", help="License signing keys.")
licenses = click.Group("licenses", help="License files.")
users = click.Group("users", help="Admin accounts for the license form.")
idempotency_keys = click.Group(
    "idempotency-keys", help="Stored answers to requests sent with an Idempotency-Key.")


@users.command("create")
@click.argument("email")
def users_create(email):
    """Make an admin user; the password is read from stdin, or prompted for on a terminal."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(email, password)
    except (UserError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("user_created", "cli", user.email)
    db.session.commit()
    click.echo(f"Created admin user {user.email}.")


@users.command("ensure-dev-admin")
def users_ensure_dev_admin():
    """Development only: make the dev admin on first start and print how to sign in."""
    if current_app.config["LICENSING_ENV"] == "production":
        raise click.ClickException("There is no dev admin in production: use `users create`.")
    email, password = ensure_dev_admin(current_app.instance_path)
    click.echo(f"Dev admin: sign in at /login as {email} with password {password}")


@tokens.command("create")
@click.argument("name")
def tokens_create(name):
    """Make an API token; it is printed once, alone on the last line."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise click.ClickException("A token name has 1 to 100 characters.")
    token, _record = create_token(name)
    audit.record("token_created", "cli", name)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(f"A token named {name!r} exists already.") from None
    click.echo(f"Created token {name!r}. It is shown once; store it now:", err=True)
    click.echo(token)


@tokens.command("list")
def tokens_list():
    """List tokens: name, created, revoked."""
    for record in db.session.scalars(select(ApiToken).order_by(ApiToken.created_at)):
        state = f"revoked {isoformat(record.revoked_at)}" if record.revoked_at else "active"
        click.echo(f"{record.name}\tcreated {isoformat(record.created_at)}\t{state}")


@tokens.command("revoke")
@click.argument("name")
def tokens_revoke(name):
    """Revoke a token by name; it answers 401 from then on."""
    if revoke_token(name) is None:
        raise click.ClickException(f"No active token is named {name!r}.")
    audit.record("token_revoked", "cli", name)
    db.session.commit()
    click.echo(f"Revoked token {name!r}.")


@keys.command("generate")
@click.argument("path", type=click.Path(dir_okay=False))
def keys_generate(path):
    """Write a new 2048-bit RSA private key to PATH, mode 0600."""
    try:
        signing.write_private_key(path)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; refusing to overwrite a key.") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"Wrote a 2048-bit RSA private key to {path} (mode 0600).")


@licenses.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", "public_key_path", type=click.Path(exists=True, dir_okay=False),
              help="PEM public (or private) key; default: this service's signing key.")
def licenses_verify(file, public_key_path):
    """Exit 0 and print the payload when FILE verifies; exit 1 and the reason when not."""
    try:
        if public_key_path:
            public_key = signing.load_public_key(public_key_path)
        else:
            public_key = current_app.extensions["keys"].private_key().public_key()
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load the public key: {exc}") from None
    with open(file, "rb") as handle:
        raw = handle.read()
    try:
        payload = signing.verify(raw.decode("ascii"), public_key)
    except UnicodeDecodeError:
        click.echo("invalid: not base64: the file holds non-ASCII bytes", err=True)
        sys.exit(1)
    except signing.LicenseInvalid as exc:
        click.echo(f"invalid: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    click.echo("valid: the signature matches the key", err=True)


@idempotency_keys.command("prune")
@click.option("--older-than", "hours", default=IDEMPOTENCY_KEY_MIN_HOURS, show_default=True,
              type=click.IntRange(min=IDEMPOTENCY_KEY_MIN_HOURS),
              help="Delete keys stored more than this many hours ago.")
def idempotency_keys_prune(hours):
    """Forget Idempotency-Keys older than HOURS (never less than the contract's 24 hours)."""
    deleted = prune_idempotency_keys(hours)
    db.session.commit()
    click.echo(f"Deleted {deleted} Idempotency-Key(s) older than {hours} hours.")


@click.command("audit")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100_000),
              help="How many entries, newest first.")
def audit_command(limit):
    """Print the audit trail, newest first: licenses issued, tokens and users made or revoked.

    One tab-separated line per entry: when, what, who, from where, and on what.
    """
    click.echo("\t".join(column.upper() for column in audit.COLUMNS))
    for entry in audit.trail(limit):
        click.echo("\t".join(entry.as_row()))


def register(app):
    for group in (tokens, keys, licenses, users, idempotency_keys, audit_command):
        app.cli.add_command(group)
