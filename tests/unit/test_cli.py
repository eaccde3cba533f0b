"""flask --app wsgi commands: tokens, users, keys, licenses verify."""

import json
import os
import stat

from sqlalchemy import select

from licensing.auth import hash_token
from licensing.models import AdminUser, ApiToken
from licensing.users import check_credentials


def test_tokens_create_prints_token_alone_on_last_line_and_stores_only_its_hash(runner, db):
    result = runner.invoke(args=["tokens", "create", "portal"])
    assert result.exit_code == 0, result.output
    token = result.stdout.splitlines()[-1]
    assert token.startswith("lic_") and len(token) > 40 and " " not in token
    record = db.session.scalar(select(ApiToken).where(ApiToken.name == "portal"))
    assert record.token_hash == hash_token(token) and token not in record.token_hash


def test_tokens_create_refuses_a_duplicate_name(runner):
    assert runner.invoke(args=["tokens", "create", "portal"]).exit_code == 0
    result = runner.invoke(args=["tokens", "create", "portal"])
    assert result.exit_code == 1 and "exists already" in result.output


def test_tokens_list_and_revoke(runner, client):
    token = runner.invoke(args=["tokens", "create", "portal"]).stdout.splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/signing-key.pem", headers=headers).status_code == 200
    assert runner.invoke(args=["tokens", "revoke", "portal"]).exit_code == 0
    assert client.get("/api/v1/signing-key.pem", headers=headers).status_code == 401
    listing = runner.invoke(args=["tokens", "list"]).stdout
    assert listing.startswith("portal\t") and "revoked" in listing
    again = runner.invoke(args=["tokens", "revoke", "portal"])
    assert again.exit_code == 1 and "No active token" in again.output


def test_users_create_reads_password_from_stdin(runner, db):
    result = runner.invoke(args=["users", "create", "Staff@Acme.example"],
                           input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(AdminUser))
    assert user.email == "Staff@Acme.example" and "correct horse" not in user.password_hash
    assert check_credentials("staff@acme.example", "correct horse battery") == user
    assert check_credentials("staff@acme.example", "wrong password!!") is None


def test_users_create_refuses_short_password_and_duplicates(runner):
    short = runner.invoke(args=["users", "create", "a@acme.example"], input="short\n")
    assert short.exit_code == 1 and "at least 12" in short.output
    assert runner.invoke(args=["users", "create", "a@acme.example"],
                         input="long enough password\n").exit_code == 0
    dup = runner.invoke(args=["users", "create", "A@ACME.example"],
                        input="long enough password\n")
    assert dup.exit_code == 1 and "exists already" in dup.output


def test_keys_generate_writes_0600_and_refuses_to_overwrite(runner, tmp_path):
    path = tmp_path / "key.pem"
    assert runner.invoke(args=["keys", "generate", str(path)]).exit_code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    again = runner.invoke(args=["keys", "generate", str(path)])
    assert again.exit_code == 1 and "refusing to overwrite" in again.output


def test_licenses_verify_accepts_an_issued_file_and_refuses_another_key(
        runner, client, auth, tmp_path):
    issued = client.post("/api/v1/license", headers=auth, json={
        "email": "ops@acme.example", "organization": "Acme", "contactName": "Ann",
        "sku": "E20", "users": 7, "expiresAt": "2031-01-01"}).json
    license_file = tmp_path / "x.mattermost-license"
    license_file.write_text(issued["license"])
    ok = runner.invoke(args=["licenses", "verify", str(license_file)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["id"] == issued["id"]

    other = tmp_path / "other.pem"
    runner.invoke(args=["keys", "generate", str(other)])
    bad = runner.invoke(args=["licenses", "verify", str(license_file), "--public-key", str(other)])
    assert bad.exit_code == 1 and "signature does not match this key" in bad.output
