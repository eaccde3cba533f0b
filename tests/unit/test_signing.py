"""The license file format: sign, verify, and the keys behind them."""

import base64
import json
import logging
import os
import re
import stat

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from licensing import signing
from licensing.signing import LicenseInvalid

PAYLOAD = {
    "id": "a" * 26, "issued_at": 1_900_000_000_000, "starts_at": 1_900_000_000_000,
    "expires_at": 1_930_000_000_000,
    "customer": {"id": "b" * 26, "name": "Sam Carter", "email": "ops@acme.example",
                 "company": "Acme"},
    "features": {"users": 10, "ldap": True}, "sku_name": "Enterprise E20",
    "sku_short_name": "E20", "is_trial": False,
}


@pytest.fixture(scope="module")
def key(signing_key):
    return signing.load_private_key(str(signing_key))


@pytest.fixture(scope="module")
def foreign_key():
    return signing.generate_private_key()


def raw_sign(data, key):
    """A file for arbitrary payload bytes, signed as the service signs."""
    signature = key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    return base64.b64encode(data + signature).decode("ascii")


def reason(text, key):
    with pytest.raises(LicenseInvalid) as caught:
        signing.verify(text, key.public_key())
    return str(caught.value)


def test_round_trip_returns_the_payload(key):
    assert signing.verify(signing.sign(PAYLOAD, key), key.public_key()) == PAYLOAD


def test_file_is_one_line_of_padded_standard_base64_of_payload_then_256_byte_signature(key):
    text = signing.sign(PAYLOAD, key)
    assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", text) and len(text) % 4 == 0
    raw = base64.b64decode(text)
    data, signature = raw[:-256], raw[-256:]
    assert data == json.dumps(PAYLOAD, separators=(",", ":")).encode()
    key.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA512())


def test_payload_is_compact_utf8_json():
    payload = {**PAYLOAD, "customer": {**PAYLOAD["customer"], "company": "Bücher GmbH"}}
    data = signing.encode_payload(payload)
    assert data == json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert "Bücher".encode() in data and b": " not in data and b", " not in data


def test_largest_real_payload_stays_under_10000_characters(key):
    payload = {**PAYLOAD, "customer": {"id": "b" * 26, "name": "n" * 200,
                                       "email": "e" * 64 + "@" + "d" * 180 + ".example",
                                       "company": "ö" * 200}}
    assert len(signing.sign(payload, key)) <= signing.MAX_FILE_CHARS


def test_a_file_over_10000_characters_is_never_written(key):
    with pytest.raises(ValueError, match="over 10000"):
        signing.sign({**PAYLOAD, "padding": "x" * 8000}, key)


def test_trailing_nul_bytes_are_tolerated(key):
    raw = base64.b64decode(signing.sign(PAYLOAD, key))
    text = base64.b64encode(raw + b"\0\0\0").decode()
    assert signing.verify(text, key.public_key()) == PAYLOAD


def test_a_final_newline_is_tolerated(key):
    assert signing.verify(signing.sign(PAYLOAD, key) + "\r\n", key.public_key()) == PAYLOAD


def test_altered_payload_does_not_match_the_key(key):
    raw = bytearray(base64.b64decode(signing.sign(PAYLOAD, key)))
    raw[10] ^= 0x01
    assert reason(base64.b64encode(raw).decode(), key).startswith(
        "signature does not match this key")


def test_another_keys_signature_does_not_match(key, foreign_key):
    assert reason(signing.sign(PAYLOAD, foreign_key), key).startswith(
        "signature does not match this key")


@pytest.mark.parametrize("cut", [4, 100, 340])
def test_truncated_file_is_too_short(key, cut):
    assert reason(signing.sign(PAYLOAD, key)[:cut], key).startswith("too short: ")


def test_truncated_file_that_keeps_enough_bytes_does_not_match(key):
    text = signing.sign(PAYLOAD, key)
    assert reason(text[:-8], key).startswith("signature does not match this key")


@pytest.mark.parametrize("mangle, expected", [
    (lambda t: t[:60] + "\n" + t[60:], "line breaks or spaces inside"),
    (lambda t: "\n".join(t[i:i + 76] for i in range(0, len(t), 76)), "line breaks or spaces"),
    (lambda t: t[:60] + " " + t[60:], "line breaks or spaces inside"),
    (lambda t: "-_" + t[2:], "URL-safe alphabet"),
    (lambda t: t[:-1], "not a multiple of 4"),
    (lambda t: "*" + t[1:], "'*' is not a base64 character"),
    (lambda t: base64.b64encode(t.encode()).decode(), "encoded twice"),
    (lambda t: "AB=C" + t[4:], "not base64: "),
])
def test_re_encoded_file_is_not_base64(key, mangle, expected):
    message = reason(mangle(signing.sign(PAYLOAD, key)), key)
    assert message.startswith("not base64: ") and expected in message


def test_missing_padding_is_named(key):
    text = next(t for t in (signing.sign({**PAYLOAD, "note": "x" * n}, key) for n in range(3))
                if t.endswith("="))
    assert "padding is missing" in reason(text.rstrip("="), key)


def test_url_safe_re_encoding_of_a_file_with_plus_or_slash_is_named(key):
    text = next(t for t in (signing.sign({**PAYLOAD, "id": str(n) * 26}, key) for n in range(10))
                if "+" in t or "/" in t)
    urlsafe = base64.urlsafe_b64encode(base64.b64decode(text)).decode()
    assert "URL-safe alphabet" in reason(urlsafe, key)


@pytest.mark.parametrize("data, expected", [
    (b"not json at all", "it does not parse"),
    (b"\xff\xfe binary", "it does not parse"),
    (b"[1, 2, 3]", "not an object"),
    (json.dumps({**PAYLOAD, "users": 1}).encode(), None),
    (json.dumps({k: v for k, v in PAYLOAD.items() if k != "id"}).encode(), "'id' missing"),
    (json.dumps({**PAYLOAD, "issued_at": "2030-01-01"}).encode(), "'issued_at' missing or not"),
    (json.dumps({**PAYLOAD, "is_trial": 0}).encode(), "'is_trial' missing or not bool"),
    (json.dumps({**PAYLOAD, "starts_at": True}).encode(), "'starts_at' missing or not int"),
    (json.dumps({**PAYLOAD, "customer": {"id": "x"}}).encode(), "customer 'name' missing"),
])
def test_validly_signed_payload_that_is_not_the_expected_json(key, data, expected):
    text = raw_sign(data, key)
    if expected is None:  # extra fields are fine
        assert signing.verify(text, key.public_key())["users"] == 1
        return
    message = reason(text, key)
    assert message.startswith("payload is not the expected JSON: ") and expected in message


# keys

def test_generated_key_is_written_0600_and_never_overwritten(tmp_path):
    path = tmp_path / "key.pem"
    old_umask = os.umask(0)
    try:
        signing.write_private_key(str(path))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing.load_private_key(str(path)).key_size == 2048
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        signing.write_private_key(str(path))
    assert path.read_bytes() == before


def test_key_is_not_written_through_a_symlink(tmp_path):
    (tmp_path / "link.pem").symlink_to(tmp_path / "elsewhere.pem")
    with pytest.raises(FileExistsError):
        signing.write_private_key(str(tmp_path / "link.pem"))
    assert not (tmp_path / "elsewhere.pem").exists()


def test_only_2048_bit_rsa_private_keys_sign(tmp_path):
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "small.pem"
    path.write_bytes(signing.private_pem(small))
    with pytest.raises(ValueError, match="2048-bit RSA"):
        signing.load_private_key(str(path))


def test_public_key_loads_from_a_public_or_a_private_pem(tmp_path, key):
    public, private = tmp_path / "public.pem", tmp_path / "private.pem"
    public.write_bytes(signing.public_pem(key))
    private.write_bytes(signing.private_pem(key))
    for path in (public, private):
        assert signing.load_public_key(str(path)).public_numbers() == (
            key.public_key().public_numbers())


def test_public_key_that_is_not_rsa_or_not_a_key_is_refused(tmp_path):
    curve = tmp_path / "ec.pem"
    curve.write_bytes(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with pytest.raises(ValueError, match="not an RSA key"):
        signing.load_public_key(str(curve))
    junk = tmp_path / "junk.pem"
    junk.write_text("hello")
    with pytest.raises(ValueError, match="not an unencrypted PEM"):
        signing.load_public_key(str(junk))


def test_public_pem_holds_no_private_material(key):
    pem = signing.public_pem(key)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----") and b"PRIVATE" not in pem


def test_dev_key_is_made_once_0600_and_only_its_path_is_logged(tmp_path, caplog):
    store = signing.KeyStore(None, dev_path=str(tmp_path / "instance" / "dev-signing-key.pem"))
    with caplog.at_level(logging.DEBUG, logger="licensing.signing"):
        key = store.private_key()
    path = tmp_path / "instance" / "dev-signing-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in caplog.text
    body = b"".join(signing.private_pem(key).splitlines()[1:-1]).decode()
    assert "PRIVATE" not in caplog.text and body[:40] not in caplog.text
    assert signing.KeyStore(None, dev_path=str(path)).private_key().private_numbers() == (
        key.private_numbers())
