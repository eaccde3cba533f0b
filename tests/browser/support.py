"""What the browser tests share: Playwright's expect (when installed) and page helpers."""

import re

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then fails (in CI) or skips, and says why
    expect = None

LICENSE_PAGE = re.compile(r"/admin/licenses/[a-z0-9]{26}\?issued=1")


def api_issue(live_server, **fields):
    """Issue a license through the API with the server's token, as a portal client would."""
    body = {"sku": "E20", "users": 25, "expiresAt": "2030-06-30", **fields}
    with live_server.session() as http:
        response = http.post(live_server.url + "/api/v1/license", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def api_customer(live_server, email):
    """The customer with its licenses as the API sees it, or None."""
    with live_server.session() as http:
        response = http.get(live_server.url + "/api/v1/customers", params={"email": email})
    assert response.status_code == 200, response.text
    customers = response.json()["customers"]
    return customers[0] if customers else None


def fill_license(page, sku="E20", users="100", expires="2030-06-30"):
    """The license half of the form."""
    page.select_option("#sku", sku)
    page.fill("#users", users)
    if expires:
        page.fill("#expiresAt", expires)
