"""Helpers shared by the test suites."""

import secrets


def unique_email(prefix="ops", domain="acme.example"):
    """An address no other test uses, so tests sharing a live server keep apart."""
    return f"{prefix}-{secrets.token_hex(4)}@{domain}"
