"""The license file: Mattermost's legacy RSA format, signing keys, and verification."""

import base64
import binascii
import json
import logging
import os
import threading

from cryptography.exceptions import InvalidSignature
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
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise LicenseInvalid("not base64: the file is not a standard base64 license") from None
    raw = raw.rstrip(b"\0")
    if len(raw) <= SIGNATURE_BYTES:
        raise LicenseInvalid(
            f"too short: {len(raw)} bytes decoded, a license needs a payload and a "
            f"{SIGNATURE_BYTES}-byte signature"
        )
    data, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature:
        raise LicenseInvalid(
            "signature does not match this key: the file was altered or signed by another key"
        ) from None
    return _parse_payload(data)


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
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return serialization.load_pem_public_key(data)
    except ValueError:
        return serialization.load_pem_private_key(data, password=None).public_key()


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
