"""The other admin pages in a real browser: escaping, sign-in walls, CSRF, issued licenses."""

import pytest

from tests.browser.support import LICENSE_PAGE, api_issue, expect
from tests.support import unique_email

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
ADMIN_PAGES = ("/admin/licenses/new", "/admin/customers", "/admin/customers?q=acme",
               "/admin/customers/" + "a" * 26, "/admin/licenses/" + "b" * 26, "/admin/audit",
               "/admin", "/")


def test_a_script_looking_organization_shows_as_text_everywhere_and_runs_nothing(page,
                                                                                 live_server):
    issued = api_issue(live_server, email=unique_email("xss"), organization=XSS, contactName=XSS)
    customer = issued["customer"]

    page.goto("/admin/licenses/new?email=" + customer["email"])
    expect(page.locator("#organization")).to_have_value(XSS)
    expect(page.locator("#customer-card")).to_contain_text(XSS)
    for path in (f"/admin/customers/{customer['id']}", f"/admin/licenses/{issued['id']}",
                 "/admin/customers?q=onerror", "/admin/audit"):
        page.goto(path)
        expect(page.get_by_text(XSS).first).to_be_visible()
        assert page.locator("img").count() == 0, path
    # The page fixture fails the test on any dialog, script error or CSP violation.
    assert page.problems == []


def test_signed_out_every_admin_page_leads_to_login(anonymous_page):
    for path in ADMIN_PAGES:
        anonymous_page.goto(path)
        assert anonymous_page.url.split("?")[0].endswith("/login"), path
        expect(anonymous_page.locator("#login-email")).to_be_visible()


def test_sign_in_failure_reshows_login_and_success_returns_to_the_page(anonymous_page,
                                                                       admin_account):
    page = anonymous_page
    page.goto("/admin/audit")
    page.fill("#login-email", admin_account[0])
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("do not match")
    page.fill("#login-password", admin_account[1])
    page.click("#login-submit")
    page.wait_for_url("**/admin/audit")
    expect(page.locator("#audit-trail")).to_contain_text("login_failed")


def test_form_posts_without_their_csrf_token_are_refused(page, live_server):
    page.goto("/admin/audit")
    assert page.request.post(live_server.url + "/logout").status == 400
    api = page.request.post(live_server.url + "/api/v1/license", data={
        "email": unique_email("csrf"), "organization": "No Token", "contactName": "N T",
        "sku": "E10", "users": 1, "expiresAt": "2030-01-01"})
    assert api.status == 403 and api.json()["error"]["code"] == "forbidden"
    page.goto("/admin/audit")
    expect(page.locator("h1")).to_have_text("Audit trail")  # still signed in
    page.click("#logout")  # the real form carries its token
    page.wait_for_url("**/login")


def test_issued_license_page_downloads_the_file_and_opens_an_empty_form(page, live_server):
    issued = api_issue(live_server, email=unique_email("download"), organization="Download Co",
                       contactName="Dee Load")
    page.goto(f"/admin/licenses/{issued['id']}")
    with page.expect_download() as download:
        page.click("#download-license")
    assert download.value.suggested_filename == f"{issued['id']}.mattermost-license"
    page.click("#issue-new-license")
    page.wait_for_url("**/admin/licenses/new")
    for field in ("#email", "#organization", "#contactName"):
        expect(page.locator(field)).to_have_value("")


def test_customer_page_opens_the_form_with_the_email_filled_in(page, live_server):
    issued = api_issue(live_server, email=unique_email("history"), organization="History Ltd",
                       contactName="Hal Story")
    page.goto("/admin/customers?q=history ltd")
    page.get_by_role("link", name="History Ltd").first.click()
    expect(page.locator("#license-history tbody tr")).to_have_count(1)
    page.click("#issue-new-license")
    expect(page.locator("#email")).to_have_value(issued["customer"]["email"])
    expect(page.locator("#organization")).to_have_value("History Ltd")
    expect(page.locator("#organization")).to_be_disabled()
    page.select_option("#sku", "E10")
    page.fill("#users", "3")
    page.fill("#expiresAt", "2031-01-31")
    page.click("#submit")
    page.wait_for_url(LICENSE_PAGE)
    page.click("text=History Ltd")
    expect(page.locator("#license-history tbody tr")).to_have_count(2)
