"""The license file: Mattermost's legacy RSA format, signing keys, and verification."""

import base64
import binascii
import json
import logging
import os
import threading

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

log = logging.getLogger(__name__)

KEY_BITS = 2048
SIGNATURE_BYTES = KEY_BITS // 8
MAX_FILE_CHARS = 10_000
PAYLOAD_FIELDS = {
    "id": str, "issued_at": int, "starts_at": int, "expires_at": int, "customer": dict,
    "features": dict, "sku_name": str, "sku_short_name": str, "is_trial": bool,
}
CUSTOMER_FIELDS = ("id", "name", "email", "company")
_BASE64_ALPHABET = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
)


class LicenseInvalid(ValueError):
    """A license file that does not verify; the message says why."""


def encode_payload(payload):
    """Compact UTF-8 JSON, the bytes that are signed."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(payload, private_key):
    """The license file text for a payload dict."""
    data = encode_payload(payload)
    signature = private_key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    text = base64.b64encode(data + signature).decode("ascii")
    if len(text) > MAX_FILE_CHARS:
        raise ValueError(f"license file would be {len(text)} characters, over {MAX_FILE_CHARS}")
    return text


def verify(text, public_key):
    """Return the payload of a license file, or raise LicenseInvalid saying what is wrong."""
    raw = _decode(text)
    if len(raw) <= SIGNATURE_BYTES:
        raise LicenseInvalid(
            f"too short: {len(raw)} bytes decoded, a license needs a payload and a "
            f"{SIGNATURE_BYTES}-byte signature"
        )
    data, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature:
        if _is_base64(raw):
            raise LicenseInvalid(
                "not base64: encoded twice (the decoded bytes are base64 text again);"
                " decode it once"
            ) from None
        raise LicenseInvalid(
            "signature does not match this key: the file was altered or signed by another key"
        ) from None
    return _parse_payload(data)


def _decode(text):
    """The bytes of a license file's text, minus trailing NULs; LicenseInvalid when not base64.

    The file is one line of standard, padded base64 (a final newline is tolerated): what the
    service writes. Each way a re-encoded file differs gets its own reason.
    """
    body = text.rstrip("\r\n")
    if any(char.isspace() for char in body):
        raise LicenseInvalid(
            "not base64: line breaks or spaces inside the text; a license file is one line of"
            " standard base64"
        )
    if "-" in body or "_" in body:
        raise LicenseInvalid(
            "not base64: it uses the URL-safe alphabet (- and _); a license file uses standard"
            " base64 (+ and /)"
        )
    stray = next((char for char in body if char not in _BASE64_ALPHABET), None)
    if stray is not None:
        raise LicenseInvalid(f"not base64: {stray!r} is not a base64 character")
    if len(body) % 4:
        raise LicenseInvalid(
            f"not base64: {len(body)} characters is not a multiple of 4 (truncated, or the"
            " padding is missing)"
        )
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise LicenseInvalid(f"not base64: {exc}") from None
    return raw.rstrip(b"\0")


def _is_base64(raw):
    try:
        text = raw.decode("ascii")
        return bool(text) and base64.b64decode(text.rstrip("\r\n"), validate=True) != b""
    except (UnicodeDecodeError, binascii.Error, ValueError):
        return False


def _parse_payload(data):
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LicenseInvalid("payload is not the expected JSON: it does not parse") from None
    if not isinstance(payload, dict):
        raise LicenseInvalid("payload is not the expected JSON: not an object")
    for name, kind in PAYLOAD_FIELDS.items():
        value = payload.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise LicenseInvalid(
                f"payload is not the expected JSON: {name!r} missing or not {kind.__name__}"
            )
    for name in CUSTOMER_FIELDS:
        if not isinstance(payload["customer"].get(name), str):
            raise LicenseInvalid(f"payload is not the expected JSON: customer {name!r} missing")
    return payload


def generate_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def private_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_private_key(path, key=None):
    """Write a new private key to path with mode 0600; refuse to overwrite."""
    key = key or generate_private_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem(key))
    return key


def load_private_key(path):
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != KEY_BITS:
        raise ValueError(f"{path} is not a {KEY_BITS}-bit RSA private key")
    return key


def load_public_key(path):
    """The RSA public key in a PEM file holding a public key or a private key."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError, UnsupportedAlgorithm):  # TypeError: a passphrase is set
            raise ValueError(f"{path} is not an unencrypted PEM public or private key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, not an RSA key")
    return key


class KeyStore:
    """The signing key of one app, loaded once per process."""

    def __init__(self, path, dev_path=None):
        self.path = path
        self.dev_path = dev_path
        self._key = None
        self._lock = threading.Lock()

    def private_key(self):
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._load()
        return self._key

    def public_pem(self):
        return public_pem(self.private_key())

    def _load(self):
        if self.path:
            return load_private_key(self.path)
        return self._load_dev_key()

    def _load_dev_key(self):
        """Create the development key on first use; several workers may race to do it."""
        os.makedirs(os.path.dirname(self.dev_path), exist_ok=True)
        if not os.path.exists(self.dev_path):
            tmp = f"{self.dev_path}.{os.getpid()}.{threading.get_ident()}"
            write_private_key(tmp)
            try:
                os.link(tmp, self.dev_path)
                log.warning("created a development signing key at %s", self.dev_path)
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        log.info("signing licenses with the development key at %s", self.dev_path)
        return load_private_key(self.dev_path)
