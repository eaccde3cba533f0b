"""Identifiers and timestamps shared by every table."""

import secrets
from datetime import UTC, datetime, timedelta

# Mattermost's id alphabet: 32 symbols, so 16 random bytes give 26 characters.
_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def new_id():
    """A 26-character id from [a-z0-9], with 128 bits of randomness."""
    number = int.from_bytes(secrets.token_bytes(16), "big")
    chars = []
    for _ in range(26):
        number, index = divmod(number, 32)
        chars.append(_ALPHABET[index])
    return "".join(chars)


def truncate_ms(moment):
    """The same instant without sub-millisecond digits (the license file's precision)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def utcnow():
    """Now, in UTC, to the millisecond."""
    return truncate_ms(datetime.now(UTC))


def to_millis(moment):
    """Milliseconds since the epoch for an aware datetime."""
    return (moment - _EPOCH) // _MS


def isoformat(moment):
    """ISO 8601 in UTC with milliseconds and a Z suffix."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
