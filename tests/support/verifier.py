"""A license verifier written from the contract's format description, not from the app's code."""

import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def verify_license_file(text, public_pem):
    """Decode, split, check the RSA PKCS#1 v1.5 SHA-512 signature; return the payload dict."""
    raw = base64.b64decode(text, validate=True).rstrip(b"\0")
    payload, signature = raw[:-256], raw[-256:]
    key = serialization.load_pem_public_key(public_pem)
    key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA512())  # raises when invalid
    assert payload == json.dumps(json.loads(payload), separators=(",", ":"),
                                 ensure_ascii=False).encode(), "payload is not compact JSON"
    return json.loads(payload)
