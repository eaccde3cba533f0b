"""The HTTP API's promises, checked with requests against a live server."""

import pytest
import requests

from tests.support import unique_email


@pytest.fixture(scope="module")
def http(live_server):
    return live_server.session()


def url(live_server, path):
    return live_server.url + "/api/v1" + path


def new_customer_body(email=None, **extra):
    return {"email": email or unique_email(), "organization": "Acme", "contactName": "Ann Ops",
            "sku": "E10", "users": 10, "expiresAt": "2031-01-31", **extra}


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.parametrize("path", ["/customers?email=ops@acme.example", "/customers/" + "y" * 26,
                                  "/licenses/" + "y" * 26, "/licenses/" + "y" * 26 + "/file",
                                  "/signing-key.pem"])
def test_reads_without_credentials_are_401(live_server, path):
    assert_error(requests.get(url(live_server, path)), 401, "unauthorized")
    bad = {"Authorization": "Bearer lic_not-a-token"}
    assert_error(requests.get(url(live_server, path), headers=bad), 401, "unauthorized")


def test_issue_without_credentials_is_401_and_issues_nothing(live_server, http):
    email = unique_email()
    assert_error(requests.post(url(live_server, "/license"), json=new_customer_body(email)),
                 401, "unauthorized")
    found = http.get(url(live_server, "/customers"), params={"email": email}).json()
    assert found == {"customers": []}


def test_revoked_token_is_401(live_server):
    token = live_server.flask("tokens", "create", "to-revoke").stdout.splitlines()[-1]
    session = live_server.session(token)
    assert session.get(url(live_server, "/signing-key.pem")).status_code == 200
    live_server.flask("tokens", "revoke", "to-revoke")
    assert_error(session.get(url(live_server, "/signing-key.pem")), 401, "unauthorized")
    listing = live_server.flask("tokens", "list").stdout
    assert "to-revoke" in listing and "revoked" in listing and token not in listing


@pytest.mark.parametrize("path", ["/health", "/openapi.json"])
def test_health_and_openapi_are_public(live_server, path):
    assert requests.get(url(live_server, path)).status_code == 200


def test_openapi_describes_every_route(live_server):
    spec = requests.get(url(live_server, "/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/license", "/customers", "/customers/{id}", "/licenses/{id}", "/licenses/{id}/file",
        "/signing-key.pem", "/health", "/openapi.json"}
    request_schema = spec["components"]["schemas"]["LicenseRequest"]
    assert request_schema["additionalProperties"] is False
    assert request_schema["properties"]["users"] == {
        "type": "integer", "minimum": 1, "maximum": 1000000}


def test_license_read_matches_issuing_answer(live_server, http):
    issued = http.post(url(live_server, "/license"), json=new_customer_body()).json()
    read = http.get(url(live_server, f"/licenses/{issued['id']}"))
    assert read.status_code == 200
    expected = {k: v for k, v in issued.items() if k not in ("resolution", "warnings")}
    assert read.json() == expected


def test_customer_read_by_id_lists_licenses(live_server, http):
    issued = http.post(url(live_server, "/license"), json=new_customer_body()).json()
    customer = http.get(url(live_server, f"/customers/{issued['customer']['id']}")).json()
    assert customer["email"] == issued["customer"]["email"]
    assert [lic["id"] for lic in customer["licenses"]] == [issued["id"]]
    assert customer["licenses"][0]["expired"] is False


def test_second_license_for_email_typed_differently_binds_to_same_customer(live_server, http):
    email = unique_email(prefix="Sales.Team", domain="Globex.example")
    first = http.post(url(live_server, "/license"), json=new_customer_body(email)).json()
    second = http.post(url(live_server, "/license"),
                       json={"email": f"  {email.lower()}\t", "sku": "E20", "users": 5,
                             "expiresAt": "2031-06-30"})
    assert second.status_code == 201, second.text
    assert second.json()["resolution"] == "email"
    assert second.json()["customer"] == first["customer"]
    found = http.get(url(live_server, "/customers"), params={"email": email.upper()}).json()
    assert len(found["customers"]) == 1 and len(found["customers"][0]["licenses"]) == 2


def test_customer_id_with_other_email_is_409_and_issues_nothing(live_server, http):
    first = http.post(url(live_server, "/license"), json=new_customer_body()).json()
    customer_id = first["customer"]["id"]
    response = http.post(url(live_server, "/license"), json={
        "customerId": customer_id, "email": unique_email(), "sku": "E10", "users": 1,
        "expiresAt": "2031-01-01"})
    assert_error(response, 409, "email_mismatch")
    licenses = http.get(url(live_server, f"/customers/{customer_id}")).json()["licenses"]
    assert [lic["id"] for lic in licenses] == [first["id"]]


def test_unknown_customer_id_is_422_on_customer_id(live_server, http):
    response = http.post(url(live_server, "/license"), json={
        "customerId": "y" * 26, "sku": "E10", "users": 1, "expiresAt": "2031-01-01"})
    assert list(assert_error(response, 422, "validation_error")["fields"]) == ["customerId"]


@pytest.mark.parametrize(("change", "field"), [
    ({"customer_id": "abc"}, "customer_id"),
    ({"users": "10"}, "users"), ({"users": 10.0}, "users"), ({"users": True}, "users"),
    ({"users": 0}, "users"), ({"users": 1_000_001}, "users"),
    ({"sku": "E30"}, "sku"), ({"isTrial": "true"}, "isTrial"),
    ({"organization": None}, "organization"), ({"email": "ops@@acme.example"}, "email"),
    ({"startsAt": "2031-01-01T00:00:00"}, "startsAt"),
    ({"expiresAt": "2020-01-01"}, "expiresAt"),
    ({"organization": "x" * 201}, "organization"), ({"contactName": "   "}, "contactName"),
])
def test_invalid_field_is_422_naming_it_and_issues_nothing(live_server, http, change, field):
    body = new_customer_body(**change)
    response = http.post(url(live_server, "/license"), json=body)
    assert field in assert_error(response, 422, "validation_error")["fields"]
    if isinstance(body.get("email"), str) and "@@" not in body["email"]:
        found = http.get(url(live_server, "/customers"), params={"email": body["email"]}).json()
        assert found == {"customers": []}


def test_lookup_with_invalid_email_is_422(live_server, http):
    response = http.get(url(live_server, "/customers"), params={"email": "not-an-email"})
    assert "email" in assert_error(response, 422, "validation_error")["fields"]


def test_malformed_json_is_422_json(live_server, http):
    response = http.post(url(live_server, "/license"), data=b'{"email": ',
                         headers={"Content-Type": "application/json"})
    assert_error(response, 422, "validation_error")


def test_non_object_json_is_422(live_server, http):
    assert_error(http.post(url(live_server, "/license"), json=[1, 2]), 422, "validation_error")


def test_form_body_is_415(live_server, http):
    response = http.post(url(live_server, "/license"), data={"email": "ops@acme.example"})
    assert_error(response, 415, "unsupported_media_type")


def test_unknown_route_and_ids_are_404_json(live_server, http):
    assert_error(http.get(url(live_server, "/nothing-here")), 404, "not_found")
    assert_error(http.get(url(live_server, "/licenses/" + "y" * 26)), 404, "not_found")
    assert_error(http.get(url(live_server, "/customers/not-an-id")), 404, "not_found")


def test_wrong_method_is_405_with_allow(live_server, http):
    response = http.delete(url(live_server, "/license"))
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
