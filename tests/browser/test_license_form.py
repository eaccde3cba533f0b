"""The admin license form in a real browser: lookup, locking, the card, repeat trials, errors."""

import re

import pytest

from tests.browser.support import LICENSE_PAGE, api_customer, api_issue, expect, fill_license
from tests.support import unique_email

pytestmark = pytest.mark.browser


def test_contract_qa_steps(page, live_server):
    organization, contact, email = page.locator("#organization"), page.locator("#contactName"), \
        page.locator("#email")
    customer_a = unique_email("customer-a")

    # 1. Generate a license in the admin license form for customer A.
    page.goto("/admin/licenses/new")
    email.fill(customer_a)
    expect(page.locator("#customer-card")).to_contain_text("New customer")
    organization.fill("Customer A Inc")
    contact.fill("Alex Andersen")
    fill_license(page)
    page.click("#submit")
    page.wait_for_url(LICENSE_PAGE)
    expect(page.locator("#issued-notice")).to_contain_text("License issued")

    # 2. Click "Issue a new License".
    page.get_by_role("link", name="Issue a new License").click()
    page.wait_for_url("**/admin/licenses/new")
    expect(email).to_have_value("")

    # 3. In the form, enter the email used for customer A. Organization and Contact Name are
    #    prefilled and disabled; they cannot be changed.
    email.press_sequentially(customer_a, delay=15)
    expect(organization).to_have_value("Customer A Inc")
    expect(contact).to_have_value("Alex Andersen")
    expect(organization).to_be_disabled()
    expect(contact).to_be_disabled()
    card = page.locator("#customer-card")
    expect(card).to_contain_text("Existing customer")
    expect(card).to_contain_text("Customer A Inc")
    expect(card.locator("tbody tr")).to_have_count(1)
    expect(card.locator("tbody tr")).to_contain_text("E20")
    expect(card.locator("tbody tr")).to_contain_text("100")
    focused = []
    for _ in range(4):  # the keyboard passes the locked fields by
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert "organization" not in focused and "contactName" not in focused, focused
    assert "sku" in focused, focused
    page.locator("h1").click()
    for field in (organization, contact):
        field.click(force=True)
        page.keyboard.type("Changed")
    expect(organization).to_have_value("Customer A Inc")
    expect(contact).to_have_value("Alex Andersen")
    expect(email).to_have_value(customer_a)

    # 4. Change the email to a new one never used before. Organization and Contact Name are
    #    cleared and editable again.
    email.fill(unique_email("never-used"))
    expect(card).to_contain_text("New customer")
    for field in (organization, contact):
        expect(field).to_have_value("")
        expect(field).to_be_editable()
    organization.fill("Someone Else Ltd")
    expect(organization).to_have_value("Someone Else Ltd")


def test_email_in_another_case_with_spaces_is_recognised(page, live_server):
    known = api_issue(live_server, email=unique_email("casey"), organization="Casey Widgets",
                      contactName="Casey Jones")
    page.goto("/admin/licenses/new")
    page.fill("#email", f"   {known['customer']['email'].upper()}  ")
    expect(page.locator("#organization")).to_have_value("Casey Widgets")
    expect(page.locator("#organization")).to_be_disabled()
    expect(page.locator("#customer-card")).to_contain_text("Existing customer")
    fill_license(page, sku="E10", users="7")
    page.click("#submit")
    page.wait_for_url(LICENSE_PAGE)
    customer = api_customer(live_server, known["customer"]["email"])
    assert customer["id"] == known["customer"]["id"] and len(customer["licenses"]) == 2


def test_slow_answer_for_an_old_email_never_overwrites_the_current_state(page, live_server):
    old = api_issue(live_server, email=unique_email("slow"), organization="Slow Answer Co",
                    contactName="Sol Lowe")
    held = []

    def hold_first_lookup(route):
        if not held:
            held.append(route)  # answered later, after the user moved on
        else:
            route.continue_()

    page.route("**/api/v1/customers?*", hold_first_lookup)
    page.goto("/admin/licenses/new")
    page.fill("#email", old["customer"]["email"])
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the first lookup was never sent"

    page.fill("#email", unique_email("current"))
    card = page.locator("#customer-card")
    expect(card).to_contain_text("New customer")
    page.fill("#organization", "Typed By Hand")

    with page.expect_event("requestfinished", lambda request: request.url == held[0].request.url):
        held[0].continue_()
    page.wait_for_timeout(300)  # time for the page to handle the late answer
    expect(card).to_contain_text("New customer")
    expect(card).not_to_contain_text("Slow Answer Co")
    expect(page.locator("#organization")).to_have_value("Typed By Hand")
    expect(page.locator("#organization")).to_be_enabled()
    expect(page.locator("#contactName")).to_be_enabled()


def test_repeat_trial_needs_confirmation_then_goes_to_the_same_customer(page, live_server):
    first = api_issue(live_server, email=unique_email("trial"), organization="Trial Again",
                      contactName="Tia Tral", isTrial=True)
    customer_email = first["customer"]["email"]
    page.goto("/admin/licenses/new")
    page.fill("#email", customer_email)
    card = page.locator("#customer-card")
    expect(card).to_contain_text("already had a trial")
    expect(card.locator(".badge--trial")).to_have_count(1)
    fill_license(page, sku="E20", users="50", expires=None)
    expect(page.locator("#confirm-repeat-trial")).to_be_hidden()
    page.check("#isTrial")
    expect(page.locator("#confirm-repeat-trial")).to_be_visible()

    page.click("#submit")
    expect(page.locator("#confirm-repeat-trial-error")).to_contain_text("confirm")
    expect(page.locator("#confirm-repeat-trial")).to_be_focused()
    page.wait_for_timeout(300)
    assert "/admin/licenses/new" in page.url
    assert len(api_customer(live_server, customer_email)["licenses"]) == 1

    page.check("#confirm-repeat-trial")
    page.click("#submit")
    page.wait_for_url(LICENSE_PAGE)
    expect(page.locator("#issued-notice")).to_contain_text("already had a trial")
    customer = api_customer(live_server, customer_email)
    assert customer["id"] == first["customer"]["id"]
    assert [lic["isTrial"] for lic in customer["licenses"]] == [True, True]
    assert re.search(customer["licenses"][0]["id"], page.url)


def test_api_validation_errors_appear_next_to_their_fields(page):
    page.goto("/admin/licenses/new")
    page.fill("#email", unique_email("errors"))
    expect(page.locator("#customer-card")).to_contain_text("New customer")
    page.fill("#users", "0")
    page.click("#submit")
    expect(page.locator("#sku-error")).to_contain_text("E10, E20")
    expect(page.locator("#users-error")).to_contain_text("between 1 and 1000000")
    expect(page.locator("#sku")).to_be_focused()
    expect(page.locator("#users")).to_have_attribute("aria-invalid", "true")

    fill_license(page)  # now the request is valid, but a new customer needs its details
    page.click("#submit")
    expect(page.locator("#organization-error")).to_contain_text("Required")
    expect(page.locator("#contactName-error")).to_contain_text("Required")
    expect(page.locator("#users-error")).to_be_hidden()
    expect(page.locator("#organization")).to_be_focused()

    page.fill("#email", "not an email")
    page.locator("#email").blur()
    expect(page.locator("#email-error")).to_contain_text("full email address")


def test_a_license_can_be_issued_with_the_keyboard_alone(page, live_server):
    address = unique_email("keys")
    page.goto("/admin/licenses/new")
    expect(page.locator("#email")).to_be_focused()
    keyboard = page.keyboard
    keyboard.type(address)
    keyboard.press("Tab")
    expect(page.locator("#customer-card")).to_contain_text("New customer")
    keyboard.type("Keyboard Co")
    keyboard.press("Tab")
    keyboard.type("Kay Board")
    keyboard.press("Tab")
    keyboard.press("ArrowDown")  # the first SKU
    keyboard.press("Tab")
    keyboard.type("12")
    keyboard.press("Tab")
    keyboard.press("Space")  # a trial: the expiry may stay empty
    expect(page.locator("#isTrial")).to_be_checked()
    keyboard.press("Shift+Tab")
    keyboard.press("Enter")
    page.wait_for_url(LICENSE_PAGE)
    customer = api_customer(live_server, address)
    assert customer["organization"] == "Keyboard Co" and customer["contactName"] == "Kay Board"
    assert customer["licenses"][0]["users"] == 12 and customer["licenses"][0]["isTrial"]
