"""The email rule: one customer per mailbox, compared by normalized form."""

import unicodedata

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """The address is not a syntactically valid email address."""


def normalize(address):
    """Return (display, normalized) for an address, or raise InvalidEmail.

    display is the address as entered, trimmed; normalized has the domain lower-cased in its
    IDNA (ASCII) form and the local part NFC-normalized and case-folded. Nothing else is
    rewritten: +tags and dots stay significant.
    """
    if not isinstance(address, str):
        raise InvalidEmail("Enter an email address as a string.")
    display = address.strip()
    if not display:
        raise InvalidEmail("Enter an email address.")
    try:
        result = validate_email(display, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(f"Not a valid email address: {exc}") from None
    local = unicodedata.normalize("NFC", result.local_part).casefold()
    return display, f"{local}@{result.ascii_domain.lower()}"
