"""Portal clients' payloads, sent as they stand to a live server, get the contract's answers."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.verifier import verify_license_file

PAYLOADS = Path(__file__).parents[1] / "data/legacy-payloads"
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
LEGACY_KEYS = {"id", "customer", "sku", "skuName", "users", "isTrial", "issuedAt", "startsAt",
               "expiresAt", "issuedBy", "license"}


def payload(name):
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def millis(iso):
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.fixture(scope="module")
def answers(live_server):
    """The four payloads in the order the README of legacy-payloads gives."""
    http = live_server.session()
    out = {}
    for name in ("new-customer", "existing-customer-renewal", "trial-minimal"):
        out[name] = http.post(live_server.url + "/api/v1/license", json=payload(name))
    updated = payload("updated-client-with-customer-id")
    updated["customerId"] = out["new-customer"].json()["customer"]["id"]
    out["updated"] = http.post(live_server.url + "/api/v1/license", json=updated)
    return out


def test_new_customer_payload_creates_customer_and_license(answers):
    response = answers["new-customer"]
    assert response.status_code == 201, response.text
    body = response.json()
    assert LEGACY_KEYS <= set(body)
    assert response.headers["Location"] == f"/api/v1/licenses/{body['id']}"
    assert re.fullmatch(r"[a-z0-9]{26}", body["id"])
    assert body["resolution"] == "created" and body["warnings"] == []
    assert body["customer"]["email"] == "orders@northwind.example"
    assert body["customer"]["organization"] == "Northwind Traders"
    assert body["customer"]["contactName"] == "Sam Carter"
    assert (body["sku"], body["skuName"], body["users"], body["isTrial"]) == (
        "E20", "Enterprise E20", 250, False)
    assert body["startsAt"] == "2026-12-01T00:00:00.000Z"
    assert body["expiresAt"] == "2027-11-30T23:59:59.999Z"
    assert body["issuedBy"] == "contract-tests"
    for key in ("issuedAt", "startsAt", "expiresAt"):
        assert ISO_Z.match(body[key])


def test_renewal_binds_to_existing_customer_and_warns_details_ignored(answers):
    first, renewal = answers["new-customer"].json(), answers["existing-customer-renewal"]
    assert renewal.status_code == 201, renewal.text
    body = renewal.json()
    assert body["resolution"] == "email"
    assert body["customer"] == first["customer"]
    assert body["customer"]["organization"] == "Northwind Traders"
    assert body["warnings"] == [{
        "code": "customer_details_ignored", "fields": ["organization"],
        "message": body["warnings"][0]["message"],
    }]
    assert (body["users"], body["startsAt"], body["expiresAt"]) == (
        400, "2027-12-01T00:00:00.000Z", "2028-11-30T23:59:59.000Z")


def test_minimal_trial_defaults_to_thirty_days_from_now(answers):
    response = answers["trial-minimal"]
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["isTrial"] is True and body["resolution"] == "created"
    assert millis(body["expiresAt"]) - millis(body["startsAt"]) == 30 * 24 * 3600 * 1000
    started = datetime.fromisoformat(body["startsAt"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - started).total_seconds()) < 60


def test_updated_client_binds_by_customer_id(answers):
    response = answers["updated"]
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["resolution"] == "customerId"
    assert body["customer"]["id"] == answers["new-customer"].json()["customer"]["id"]
    assert body["startsAt"] == "2026-12-03T08:30:00.000Z"
    assert body["warnings"] == []  # the customer's first trial


def test_lookup_shows_one_customer_with_all_its_licenses_newest_first(answers, live_server):
    response = live_server.session().get(
        live_server.url + "/api/v1/customers", params={"email": " ORDERS@northwind.EXAMPLE "})
    assert response.status_code == 200
    (customer,) = response.json()["customers"]
    ids = [answers[name].json()["id"] for name in ("updated", "existing-customer-renewal",
                                                   "new-customer")]
    assert [lic["id"] for lic in customer["licenses"]] == ids
    assert [lic["isTrial"] for lic in customer["licenses"]] == [True, False, False]


def test_license_file_verifies_with_served_public_key(answers, live_server):
    http = live_server.session()
    pem = http.get(live_server.url + "/api/v1/signing-key.pem")
    assert pem.status_code == 200 and b"PRIVATE" not in pem.content
    body = answers["new-customer"].json()
    payload = verify_license_file(body["license"], pem.content)
    assert len(body["license"]) <= 10_000 and "\n" not in body["license"]
    assert payload["id"] == body["id"]
    assert payload["customer"] == {
        "id": body["customer"]["id"], "name": "Sam Carter",
        "email": "orders@northwind.example", "company": "Northwind Traders",
    }
    assert payload["sku_name"] == "Enterprise E20" and payload["sku_short_name"] == "E20"
    assert payload["is_trial"] is False
    for key in ("issued_at", "starts_at", "expires_at"):
        assert type(payload[key]) is int
    assert payload["starts_at"] == millis(body["startsAt"])
    assert payload["expires_at"] == millis(body["expiresAt"])
    features = payload["features"]
    assert features["users"] == 250 and type(features["users"]) is int
    assert all(type(v) is bool for k, v in features.items() if k != "users")
    assert features["cluster"] is True and features["cloud"] is False

    download = http.get(live_server.url + f"/api/v1/licenses/{body['id']}/file")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="{body["id"]}.mattermost-license"')
    assert download.text == body["license"]


def test_e10_file_has_e10_features(answers, live_server):
    pem = live_server.session().get(live_server.url + "/api/v1/signing-key.pem").content
    payload = verify_license_file(answers["trial-minimal"].json()["license"], pem)
    assert payload["sku_short_name"] == "E10" and payload["is_trial"] is True
    assert payload["features"]["ldap"] is True
    assert payload["features"]["cluster"] is False and payload["features"]["saml"] is False
