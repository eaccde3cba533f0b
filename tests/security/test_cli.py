"""The command line: licenses verify, keys generate, and the audit trail."""

import base64
import json
import os
import stat
import subprocess
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from licensing import signing
from licensing.models import AdminUser
from tests.support import unique_email
from tests.support.live import BIN, ROOT

BODY = {"email": "ops@acme.example", "organization": "Acme", "contactName": "Sam Carter",
        "sku": "E20", "users": 25, "expiresAt": "2030-12-31"}


@pytest.fixture
def license_text(client, auth):
    response = client.post("/api/v1/license", json=BODY, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["license"]


def verify(runner, tmp_path, content, *options):
    path = tmp_path / "file.mattermost-license"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("ascii"))
    return runner.invoke(args=["licenses", "verify", str(path), *options])


def assert_invalid(result, reason):
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"invalid: {reason}"), result.stderr


# licenses verify

def test_valid_file_exits_0_and_prints_the_payload(runner, tmp_path, license_text):
    result = verify(runner, tmp_path, license_text + "\n")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["customer"]["company"] == "Acme" and payload["features"]["users"] == 25
    assert "valid: the signature matches the key" in result.stderr


def test_valid_file_verifies_with_an_explicit_public_key(runner, tmp_path, license_text, app):
    pem = tmp_path / "public.pem"
    pem.write_bytes(app.extensions["keys"].public_pem())
    result = verify(runner, tmp_path, license_text, "--public-key", str(pem))
    assert result.exit_code == 0 and json.loads(result.stdout)["sku_short_name"] == "E20"


def test_tampered_file_does_not_match_the_key(runner, tmp_path, license_text):
    raw = base64.b64decode(license_text)
    tampered = raw.replace(b'"users":25', b'"users":99')
    assert tampered != raw
    assert_invalid(verify(runner, tmp_path, base64.b64encode(tampered).decode()),
                   "signature does not match this key")


def test_file_signed_by_another_key_does_not_match(runner, tmp_path, license_text):
    other = tmp_path / "other.pem"
    other.write_bytes(signing.public_pem(signing.generate_private_key()))
    assert_invalid(verify(runner, tmp_path, license_text, "--public-key", str(other)),
                   "signature does not match this key")


@pytest.mark.parametrize("cut, reason", [(200, "too short"), (-3, "not base64"),
                                         (-40, "signature does not match this key")])
def test_truncated_file(runner, tmp_path, license_text, cut, reason):
    assert_invalid(verify(runner, tmp_path, license_text[:cut]), reason)


@pytest.mark.parametrize("re_encode, detail", [
    (lambda t: "\n".join(t[i:i + 64] for i in range(0, len(t), 64)), "line breaks"),
    (lambda t: base64.urlsafe_b64encode(base64.b64decode(t)).decode() + "-_", "URL-safe"),
    (lambda t: base64.b64encode(t.encode()).decode(), "encoded twice"),
])
def test_re_encoded_file_is_not_base64(runner, tmp_path, license_text, re_encode, detail):
    result = verify(runner, tmp_path, re_encode(license_text))
    assert_invalid(result, "not base64")
    assert detail in result.stderr


def test_file_with_non_ascii_bytes_is_not_base64(runner, tmp_path, license_text):
    assert_invalid(verify(runner, tmp_path, "\ufeff".encode() + license_text.encode()),
                   "not base64: the file holds non-ASCII bytes")


def test_validly_signed_non_json_payload_is_not_the_expected_json(runner, tmp_path, app):
    key = app.extensions["keys"].private_key()
    data = b"definitely not json"
    signature = key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    text = base64.b64encode(data + signature).decode("ascii")
    assert_invalid(verify(runner, tmp_path, text), "payload is not the expected JSON")


def test_validly_signed_json_of_the_wrong_shape_is_not_the_expected_json(runner, tmp_path, app):
    text = signing.sign({"id": "x"}, app.extensions["keys"].private_key())
    result = verify(runner, tmp_path, text)
    assert_invalid(result, "payload is not the expected JSON")
    assert "'issued_at'" in result.stderr


def test_unusable_public_key_is_a_clear_error(runner, tmp_path, license_text):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    result = verify(runner, tmp_path, license_text, "--public-key", str(junk))
    assert result.exit_code == 1 and "cannot load the public key" in result.stderr


def test_verify_exit_codes_from_a_real_process(tmp_path, signing_key, license_text):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(license_text)
    bad.write_text(license_text[:-40])
    pem = tmp_path / "public.pem"
    pem.write_bytes(signing.public_pem(signing.load_private_key(str(signing_key))))
    env = {**os.environ, "LICENSING_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    runs = [subprocess.run([str(BIN / "flask"), "--app", "wsgi", "licenses", "verify", str(path),
                            "--public-key", str(pem)], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=60) for path in (good, bad)]
    assert runs[0].returncode == 0 and json.loads(runs[0].stdout)["features"]["users"] == 25
    assert runs[1].returncode == 1 and runs[1].stderr.startswith(
        "invalid: signature does not match this key")


# keys generate

def test_keys_generate_writes_a_0600_key_and_refuses_to_overwrite(runner, tmp_path):
    path = tmp_path / "new.pem"
    result = runner.invoke(args=["keys", "generate", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing.load_private_key(str(path)).key_size == 2048
    before = path.read_bytes()
    again = runner.invoke(args=["keys", "generate", str(path)])
    assert again.exit_code == 1 and "refusing to overwrite" in again.stderr
    assert path.read_bytes() == before
    assert "PRIVATE" not in result.output + again.output


def test_keys_generate_0600_even_with_a_permissive_umask(tmp_path):
    path = tmp_path / "umask.pem"
    env = {**os.environ, "LICENSING_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    run = subprocess.run(f"umask 000 && {BIN / 'flask'} --app wsgi keys generate {path}",
                         shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# the audit trail

def audit_rows(runner, *options):
    result = runner.invoke(args=["audit", *options])
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert header.split("\t") == ["WHEN", "WHAT", "WHO", "FROM", "TARGET"]
    return [dict(zip(("when", "what", "who", "from", "target"), line.split("\t"), strict=True))
            for line in lines]


def test_audit_prints_tokens_users_and_licenses_newest_first(runner, client, db):
    created = runner.invoke(args=["tokens", "create", "portal"])
    token = created.stdout.strip().splitlines()[-1]
    time.sleep(0.005)
    email = unique_email()
    issued = client.post("/api/v1/license", json={**BODY, "email": email},
                         headers={"Authorization": f"Bearer {token}"},
                         environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert issued.status_code == 201
    time.sleep(0.005)
    assert runner.invoke(args=["tokens", "revoke", "portal"]).exit_code == 0
    time.sleep(0.005)
    users = runner.invoke(args=["users", "create", "boss@acme.example"],
                          input="a long enough password\n")
    assert users.exit_code == 0, users.output

    rows = audit_rows(runner)
    assert [row["what"] for row in rows] == [
        "user_created", "token_revoked", "license_issued", "token_created"]
    assert [row["when"] for row in rows] == sorted((row["when"] for row in rows), reverse=True)
    license_row = rows[2]
    body = issued.get_json()
    assert license_row["when"] == body["issuedAt"]
    assert (license_row["who"], license_row["from"]) == ("portal", "10.1.2.3")
    assert license_row["target"].startswith(body["id"]) and email in license_row["target"]
    assert (rows[1]["who"], rows[1]["from"], rows[1]["target"]) == ("cli", "cli", "portal")
    assert (rows[3]["who"], rows[3]["target"]) == ("cli", "portal")
    assert rows[0]["target"] == "boss@acme.example"
    assert db.session.query(AdminUser).count() == 1


def test_audit_limit_keeps_the_newest(runner, client, auth):
    for users in (1, 2, 3):
        assert client.post("/api/v1/license", json={**BODY, "users": users},
                           headers=auth).status_code == 201
        time.sleep(0.002)
    rows = audit_rows(runner, "--limit", "2")
    assert len(rows) == 2 and all(row["what"] == "license_issued" for row in rows)
    assert "3 users" in rows[0]["target"] and "2 users" in rows[1]["target"]


def test_license_row_records_who_when_and_from_where(client, auth, db):
    from licensing.models import License

    response = client.post("/api/v1/license", json=BODY, headers=auth,
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})
    license_ = db.session.get(License, response.get_json()["id"])
    assert (license_.issued_by, license_.issued_from) == ("tests", "192.0.2.7")
    assert license_.issued_at is not None
